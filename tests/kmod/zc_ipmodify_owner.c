// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: owns __sock_cmsg_send with an IPMODIFY ftrace_ops, as a
 * livepatch of that function would, so that loading zcnotify must fail
 * with -EBUSY. Its callback changes nothing. It asks for SAVE_REGS only
 * where the kernel needs it (arm64 6.2+ has no WITH_REGS and refuses it).
 */
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include "../../module/zc_compat.h"

static unsigned long zc_owner_addr;

static void notrace zc_owner_cb(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops, struct zc_fregs *fregs)
{
}

static struct ftrace_ops zc_owner_ops = {
	.func = zc_owner_cb,
	.flags = ZC_FTRACE_ARGS_FLAGS | FTRACE_OPS_FL_IPMODIFY,
};

static int __init zc_owner_init(void)
{
	struct kprobe kp = {
		.symbol_name = "__sock_cmsg_send",
		.flags = KPROBE_FLAG_DISABLED,
	};
	int err = register_kprobe(&kp);

	if (err)
		return err;
	zc_owner_addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	err = ftrace_set_filter_ip(&zc_owner_ops, zc_owner_addr, 0, 0);
	if (!err)
		err = register_ftrace_function(&zc_owner_ops);
	return err;
}

static void __exit zc_owner_exit(void)
{
	unregister_ftrace_function(&zc_owner_ops);
	ftrace_set_filter_ip(&zc_owner_ops, zc_owner_addr, 1, 0);
}

module_init(zc_owner_init);
module_exit(zc_owner_exit);
MODULE_DESCRIPTION("zcnotify test: IPMODIFY owner of __sock_cmsg_send");
MODULE_LICENSE("GPL");
