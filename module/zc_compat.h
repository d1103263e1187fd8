/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - per-kernel differences, as named helpers.
 *
 * Everything that depends on the kernel version lives here; the rest of
 * the module calls these helpers only. Where the kernel's own headers can
 * tell (a macro exists or not) that is used instead of a version number;
 * Kbuild adds the few facts that need a look at the headers (ZC_HAVE_*).
 */
#ifndef _ZC_COMPAT_H
#define _ZC_COMPAT_H

#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include <net/sock.h>

/*
 * Kernels whose sendmsg path this module was written against and tested,
 * as major * 256 + minor. Kbuild passes ZC_KVER for the target kernel.
 */
#define ZC_KVER_MIN	(5 * 256 + 10)
#define ZC_KVER_MAX	(7 * 256 + 3)

static inline bool zc_kernel_supported(void)
{
	return ZC_KVER >= ZC_KVER_MIN && ZC_KVER <= ZC_KVER_MAX;
}

/*
 * ftrace callbacks: 5.10 passes struct pt_regs (only with SAVE_REGS),
 * 5.11+ struct ftrace_regs, opaque since 6.13 with accessors.
 */
/* Callbacks take a struct zc_fregs *, whatever the kernel calls it. */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define zc_fregs		ftrace_regs
#define ZC_FTRACE_ARGS_FLAGS	0	/* arguments come with every call */
#else
#define zc_fregs		pt_regs
#define ZC_FTRACE_ARGS_FLAGS	FTRACE_OPS_FL_SAVE_REGS
#endif

#if ZC_KVER < 5 * 256 + 11
/* Before 5.11 ftrace guarded against recursion unless told otherwise. */
#define ZC_FTRACE_RECURSION_FLAGS	0
#else
#define ZC_FTRACE_RECURSION_FLAGS	FTRACE_OPS_FL_RECURSION
#endif

/* zc_fregs_arg - the n-th (0-based) integer argument of the traced call */
static __always_inline unsigned long zc_fregs_arg(struct zc_fregs *fregs,
						  unsigned int n)
{
#if defined(ftrace_regs_get_argument)
	return ftrace_regs_get_argument(fregs, n);
#elif defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
	return regs_get_kernel_argument(&fregs->regs, n);
#else
	return regs_get_kernel_argument(fregs, n);
#endif
}

/* zc_fregs_set_ip - make the traced call continue at @ip (by a return) */
static __always_inline void zc_fregs_set_ip(struct zc_fregs *fregs,
					    unsigned long ip)
{
#if defined(ftrace_regs_set_instruction_pointer)
	ftrace_regs_set_instruction_pointer(fregs, ip);
#elif defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
	ftrace_instruction_pointer_set(fregs, ip);
#else
	instruction_pointer_set(fregs, ip);
#endif
}

/*
 * __sock_cmsg_send() lost its msghdr argument upstream (6.12 has
 * (sk, cmsg, sockc), 6.1 has (sk, msg, cmsg, sockc)). Kbuild tells which.
 * ZC_CMSG_SEND_PROTO declares a function with the running kernel's
 * signature; ZC_CMSG_ARG is the index of the cmsg argument.
 */
#ifdef ZC_HAVE_CMSG_SEND_MSG
#define ZC_CMSG_SEND_PROTO(name)					\
	int name(struct sock *sk, struct msghdr *msg,			\
		 struct cmsghdr *cmsg, struct sockcm_cookie *sockc)
#define ZC_CMSG_ARG	2
#define ZC_CMSG_SEND_DESC	"__sock_cmsg_send with msghdr"
#else
#define ZC_CMSG_SEND_PROTO(name)					\
	int name(struct sock *sk, struct cmsghdr *cmsg,			\
		 struct sockcm_cookie *sockc)
#define ZC_CMSG_ARG	1
#define ZC_CMSG_SEND_DESC	"__sock_cmsg_send without msghdr"
#endif

/*
 * zc_sync_tasks - wait until every task has passed a voluntary context
 * switch, so none can still be running the last instructions of a module
 * function it entered before the hooks went away. 5.10 as Debian builds
 * it has no tasks RCU; that also means no CONFIG_PREEMPTION (which
 * implies TASKS_RCU), so such a task cannot be switched out before it
 * returns, and a normal grace period covers it.
 */
static inline void zc_sync_tasks(void)
{
#ifdef CONFIG_TASKS_RCU
	synchronize_rcu_tasks();
#else
	BUILD_BUG_ON(IS_ENABLED(CONFIG_PREEMPTION));
	synchronize_rcu();
#endif
}

/*
 * ZC_EXIT_PROBE_PROTO declares a sched_process_exit probe with the running
 * kernel's prototype (newer kernels pass group_dead too).
 */
#ifdef ZC_HAVE_EXIT_GROUP_DEAD
#define ZC_EXIT_PROBE_PROTO(name)					\
	void name(void *data, struct task_struct *task, bool group_dead)
#else
#define ZC_EXIT_PROBE_PROTO(name)					\
	void name(void *data, struct task_struct *task)
#endif

/* zc_sk_error_report - wake error-queue pollers (helper added in 5.13) */
static inline void zc_sk_error_report(struct sock *sk)
{
	if (sock_flag(sk, SOCK_DEAD))
		return;
#ifdef ZC_HAVE_SK_ERROR_REPORT
	sk_error_report(sk);
#else
	sk->sk_error_report(sk);
#endif
}

#endif /* _ZC_COMPAT_H */
