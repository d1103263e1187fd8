/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - declarations shared by the module's files.
 */
#ifndef _ZCNOTIFY_H
#define _ZCNOTIFY_H

#include <linux/ftrace.h>
#include <linux/socket.h>
#include <linux/tracepoint.h>
#include "zc_compat.h"

#define ZC_VERSION	"0.1.0"

/* zc_hook.c: symbol resolution, ftrace and tracepoint plumbing */

/**
 * struct zc_hook - an ftrace hook on the entry of one kernel function
 * @name: symbol to hook
 * @func: ftrace callback
 * @flags: extra FTRACE_OPS_FL_* flags (e.g. IPMODIFY)
 * @addr: the function's ftrace call site, set by zc_hook_install()
 * @ops: the registered ftrace_ops
 */
struct zc_hook {
	const char *name;
	ftrace_func_t func;
	unsigned long flags;
	unsigned long addr;
	struct ftrace_ops ops;
};

int zc_hook_install(struct zc_hook *hook);
void zc_hook_remove(struct zc_hook *hook);
struct tracepoint *zc_tracepoint_find(const char *name);

/* zc_call.c: per-task record of the sendmsg() call in progress */

/**
 * struct zc_call - what the ____sys_sendmsg() hook saw of the current call
 * @msg: the kernel msghdr of the call; its msg_control points at the kernel
 *	copy of the control buffer once the control messages are parsed
 * @uctl: the caller's control buffer, as passed to sendmsg()
 * @ctl_len: its length (msg_controllen at entry)
 * @sk: the socket of the call
 * @compat: the call came through the 32-bit compat syscall
 * @armed: the fields above describe the call now in progress
 * @done: an SCM_ZC_NOTIFICATION of this call was already handled
 */
struct zc_call {
	struct msghdr *msg;
	void __user *uctl;
	size_t ctl_len;
	struct sock *sk;
	bool compat;
	bool armed;
	bool done;
};

int zc_calls_init(void);
void zc_calls_exit(void);
struct zc_call *zc_call_current(struct sock *sk);
void zc_sendmsg_entry(unsigned long ip, unsigned long parent_ip,
		      struct ftrace_ops *ops, struct zc_fregs *fregs);

/* zc_stats.c: counters in /sys/module/zcnotify/stats/ */

/**
 * struct zc_stats - per-CPU counters (documented in README)
 * @requests: requests processed (entries and size written)
 * @ranges: ranges written to users
 * @completions: send counter values those ranges covered
 * @full: requests that filled their array or hit the skip bound, so
 *	completions may have been left on the error queue
 * @einval: requests rejected as invalid
 * @efault: requests that failed writing to the user (nothing consumed)
 */
struct zc_stats {
	u64 requests;
	u64 ranges;
	u64 completions;
	u64 full;
	u64 einval;
	u64 efault;
};

DECLARE_PER_CPU(struct zc_stats, zc_stats);
#define zc_stat_add(field, n)	this_cpu_add(zc_stats.field, (n))

int zc_stats_init(void);
void zc_stats_exit(void);

/* zc_notify.c: SCM_ZC_NOTIFICATION handling */

void zc_cmsg_send_entry(unsigned long ip, unsigned long parent_ip,
			struct ftrace_ops *ops, struct zc_fregs *fregs);
void zc_notify_quiesce(void);

#endif /* _ZCNOTIFY_H */
