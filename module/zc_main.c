// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - module init and exit: the kernels it accepts, the checks
 * before any hook, and the order of the hooks.
 *
 * Load order: the load-time checks (supported kernel, the redirect
 * self-tests of the callback and of the direct call (zc_direct.c),
 * which also chooses between the two, no compiler clones of a hooked
 * function), the security
 * gates, the counters, the record pool and the exit tracepoint (so no
 * record outlives its task), the restart hook that keeps answered calls
 * from being restarted (zc_restart.c), the ____sys_sendmsg() hook that
 * records calls (zc_sendmsg.c), then the __sock_cmsg_send() hook that
 * acts on them (zc_cmsg_send.c). Unload undoes it in reverse. A task
 * inside the module holds a reference (rmmod is refused meanwhile, never
 * waits), also a sendmsg() whose request the trampoline follows to its
 * return (zc_hold.c), so unloading never waits on the network or on user
 * memory.
 *
 * Owns: the module parameters, zc_init(), zc_exit().
 * May use: the init and exit of every other file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/utsname.h>
#include <uapi/linux/zcnotify.h>
#include "zc_callid.h"
#include "zc_cmsg_send.h"
#include "zc_direct.h"
#include "zc_hook.h"
#include "zc_latency.h"
#include "zc_symbols.h"
#include "zc_lsm.h"
#include "zc_records.h"
#include "zc_restart.h"
#include "zc_sendmsg.h"
#include "zc_stats.h"

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

/*
 * Kernels whose sendmsg path this module was written against and tested:
 * from the architecture's oldest (ZC_ARCH_OLDEST_*) to 7.3. Newer ones
 * build, and are refused here.
 */
#define ZC_NEWEST_MAJOR	7
#define ZC_NEWEST_MINOR	3

static bool zc_kernel_tested(void)
{
	return ZC_KERNEL_SINCE(ZC_ARCH_OLDEST_MAJOR, ZC_ARCH_OLDEST_MINOR) &&
	       !ZC_KERNEL_SINCE(ZC_NEWEST_MAJOR, ZC_NEWEST_MINOR + 1);
}

static int __init zc_init(void)
{
	int err;

	if (!zc_kernel_tested()) {
		pr_err("kernel %s is not supported (tested: %d.%d to %d.%d): its sendmsg path may differ\n",
		       init_utsname()->release,
		       ZC_ARCH_OLDEST_MAJOR, ZC_ARCH_OLDEST_MINOR,
		       ZC_NEWEST_MAJOR, ZC_NEWEST_MINOR);
		return -EOPNOTSUPP;
	}
	err = zc_hook_check_redirect(zc_cmsg_send_hook.flags, 0);
	if (!err)
		err = zc_direct_init();
	if (!err)
		err = zc_symbol_check_clones(zc_sendmsg_hook.name);
	if (!err)
		err = zc_symbol_check_clones(zc_cmsg_send_hook.name);
	if (!err)
		err = zc_symbol_check_clones(zc_restart_hook.name);
	if (err)
		goto out_checks;

	err = zc_lsm_init();
	if (err)
		goto out_checks;
	err = zc_stats_init();
	if (err)
		goto out_lsm;
	err = zc_latency_init();
	if (err)
		goto out_stats;
	err = zc_records_init();
	if (err)
		goto out_latency;
	err = zc_hook_install(&zc_restart_hook);
	if (err)
		goto out_records;
	/*
	 * The sendmsg hook last: it is the one that answers (and holds the
	 * module past this function), so nothing may fail after it. Until
	 * then a request meets no record and gets the stock EINVAL.
	 */
	err = zc_hook_install(&zc_cmsg_send_hook);
	if (err)
		goto out_restart;
	zc_sendmsg_init();
	err = zc_hook_install(&zc_sendmsg_hook);
	if (err)
		goto out_cmsg_send;
	pr_info("version %s loaded: hooks at %pS (%s) and %pS (%s, %s), restarts at %pS, SCM_ZC_NOTIFICATION=%d, max %d\n",
		ZC_VERSION, (void *)zc_sendmsg_hook.addr,
		zc_sendmsg_hook.direct ? "direct call" : "callback",
		(void *)zc_cmsg_send_hook.addr,
		zc_cmsg_send_hook.direct ? "direct call" : "callback",
		ZC_CMSG_SEND_DESC,
		(void *)zc_restart_hook.addr,
		SCM_ZC_NOTIFICATION, ZC_NOTIFICATION_MAX);
	return 0;

out_cmsg_send:
	zc_hook_remove(&zc_cmsg_send_hook);
	zc_cmsg_send_quiesce();
out_restart:
	zc_hook_remove(&zc_restart_hook);
out_records:
	zc_records_exit();
out_latency:
	zc_latency_exit();
out_stats:
	zc_stats_exit();
out_lsm:
	zc_lsm_exit();
out_checks:
	zc_hook_checks_end();
	return err;
}

static void __exit zc_exit(void)
{
	zc_hook_remove(&zc_cmsg_send_hook);
	zc_cmsg_send_quiesce();
	zc_hook_remove(&zc_sendmsg_hook);
	zc_hook_remove(&zc_restart_hook);
	zc_records_exit();
	zc_latency_exit();
	zc_stats_exit();
	zc_lsm_exit();
	zc_hook_checks_end();
	pr_info("unloaded\n");
}

module_init(zc_init);
module_exit(zc_exit);

MODULE_DESCRIPTION("MSG_ZEROCOPY completions in sendmsg() control messages");
MODULE_AUTHOR("zcnotify developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(ZC_VERSION);
