// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - module init and exit.
 *
 * Load order: the record pool and the exit tracepoint (so no record
 * outlives its task), the get_signal() hook that keeps processed calls
 * from being restarted, the ____sys_sendmsg() hook that records calls,
 * then the __sock_cmsg_send() hook that acts on them. Unload undoes it in
 * reverse. A task inside the
 * module holds a reference (rmmod is refused meanwhile, never waits), and
 * no module frame ever blocks while a send waits for buffer space, so
 * unloading never waits on the network or on user memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/utsname.h>
#include <uapi/linux/zcnotify.h>
#include "zcnotify.h"

/*
 * The message type and the size limit are part of the ABI compiled into
 * applications: they are shown, never set. A value given at load time is
 * refused (EPERM; the kernel logs the one line "`v' invalid for parameter")
 * rather than shown and then ignored.
 */
static int zc_param_fixed(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops zc_param_fixed_ops = {
	.set = zc_param_fixed,
	.get = param_get_int,
};

static int scm_zc_notification = SCM_ZC_NOTIFICATION;
module_param_cb(scm_zc_notification, &zc_param_fixed_ops,
		&scm_zc_notification, 0444);
MODULE_PARM_DESC(scm_zc_notification,
		 "SOL_SOCKET control message type handled (read-only)");

static int zc_notification_max = ZC_NOTIFICATION_MAX;
module_param_cb(zc_notification_max, &zc_param_fixed_ops,
		&zc_notification_max, 0444);
MODULE_PARM_DESC(zc_notification_max,
		 "largest zc_info.size accepted (read-only)");

static struct zc_hook zc_sendmsg_hook = {
	.name = "____sys_sendmsg",
	.func = zc_sendmsg_entry,
	.flags = ZC_FTRACE_ARGS_FLAGS,
};

/* Redirecting needs the full pt_regs only where ftrace has no WITH_ARGS. */
static struct zc_hook zc_cmsg_hook = {
	.name = "__sock_cmsg_send",
	.func = zc_cmsg_send_entry,
	.flags = ZC_FTRACE_ARGS_FLAGS | FTRACE_OPS_FL_IPMODIFY,
};

static struct zc_hook zc_signal_hook = {
	.name = ZC_RESTART_HOOK,
	.func = zc_signal_entry,
	.flags = 0,
};

static int __init zc_init(void)
{
	int err;

	if (!zc_kernel_supported()) {
		pr_err("kernel %s is not supported (tested: %d.%d to %d.%d): its sendmsg path may differ\n",
		       init_utsname()->release,
		       ZC_KVER_MIN >> 8, ZC_KVER_MIN & 255,
		       ZC_KVER_MAX >> 8, ZC_KVER_MAX & 255);
		return -EOPNOTSUPP;
	}
	ZC_RESTART_HOOK_TYPECHECK();
	err = zc_hook_check_redirect(zc_cmsg_hook.flags);
	if (!err)
		err = zc_hook_check_clones(zc_sendmsg_hook.name);
	if (!err)
		err = zc_hook_check_clones(zc_cmsg_hook.name);
	if (!err)
		err = zc_hook_check_clones(zc_signal_hook.name);
	if (err)
		return err;

	err = zc_lsm_init();
	if (err)
		return err;
	err = zc_stats_init();
	if (err)
		goto out_lsm;
	err = zc_calls_init();
	if (err)
		goto out_stats;
	err = zc_hook_install(&zc_signal_hook);
	if (err)
		goto out_calls;
	err = zc_hook_install(&zc_sendmsg_hook);
	if (err)
		goto out_signal;
	err = zc_hook_install(&zc_cmsg_hook);
	if (err)
		goto out_sendmsg;
	pr_info("version %s loaded: hooks at %pS and %pS (%s), restarts at %pS, SCM_ZC_NOTIFICATION=%d, max %d\n",
		ZC_VERSION, (void *)zc_sendmsg_hook.addr,
		(void *)zc_cmsg_hook.addr, ZC_CMSG_SEND_DESC,
		(void *)zc_signal_hook.addr,
		SCM_ZC_NOTIFICATION, ZC_NOTIFICATION_MAX);
	return 0;

out_sendmsg:
	zc_hook_remove(&zc_sendmsg_hook);
out_signal:
	zc_hook_remove(&zc_signal_hook);
out_calls:
	zc_calls_exit();
out_stats:
	zc_stats_exit();
out_lsm:
	zc_lsm_exit();
	return err;
}

static void __exit zc_exit(void)
{
	zc_hook_remove(&zc_cmsg_hook);
	zc_notify_quiesce();
	zc_hook_remove(&zc_sendmsg_hook);
	zc_hook_remove(&zc_signal_hook);
	zc_calls_exit();
	zc_stats_exit();
	zc_lsm_exit();
	pr_info("unloaded\n");
}

module_init(zc_init);
module_exit(zc_exit);

MODULE_DESCRIPTION("MSG_ZEROCOPY completions in sendmsg() control messages");
MODULE_AUTHOR("zcnotify developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZC_VERSION);
