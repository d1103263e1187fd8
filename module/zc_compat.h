/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - what differs between the kernels it builds for, as named
 * helpers.
 *
 * Every difference between kernel versions lives here (and, per
 * architecture, in zc_arch_*.h); the rest of the module calls these
 * helpers only. Each one names the kernel (and where known the commit)
 * that changed the thing. Where the kernel's own headers can tell (a
 * macro or config symbol exists or not) that is used instead of a version
 * number; compat.mk adds the few facts that need a look at the headers
 * (ZC_HAVE_*), and each of those is checked at build time against the
 * kernel's own declaration where it chooses a prototype.
 *
 * Includes nothing of the module's.
 */
#ifndef _ZC_COMPAT_H
#define _ZC_COMPAT_H

#include <linux/errno.h>
#include <linux/ftrace.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <net/sock.h>

/*
 * ZC_KERNEL_SINCE - the target kernel is @maj.@min or later. The one
 * version test of the module: every gate says which change it follows.
 */
#define ZC_KERNEL_SINCE(maj, min)					\
	(KERNEL_VERSION(maj, min, 0) <= LINUX_VERSION_CODE)

/*
 * ftrace callbacks: 5.10 passes struct pt_regs (only with SAVE_REGS),
 * 5.11+ struct ftrace_regs (commit d19ad0775dcd, "ftrace: Have the
 * callbacks receive a struct ftrace_regs instead of pt_regs"), opaque
 * since 6.13 with accessors (commit 7888af4166d4, "ftrace: Make
 * ftrace_regs abstract from direct use"). The
 * registers a callback may read and change come with every call where
 * ftrace has WITH_ARGS (x86 5.11+, arm64 6.2+); elsewhere (x86 5.10,
 * arm64 6.1: WITH_REGS only) only with SAVE_REGS. zc_hook.c checks
 * struct zc_fregs against the kernel's ftrace_func_t.
 */
#if ZC_KERNEL_SINCE(5, 11)
#define zc_fregs		ftrace_regs
#else
#define zc_fregs		pt_regs
#endif
#if defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#define ZC_FTRACE_ARGS_FLAGS	0	/* arguments come with every call */
#define ZC_CAN_REDIRECT		1
#elif defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS)
#define ZC_FTRACE_ARGS_FLAGS	FTRACE_OPS_FL_SAVE_REGS
#define ZC_CAN_REDIRECT		1
#else
/* No way to change a traced call's registers: zc_init() refuses. */
#define ZC_FTRACE_ARGS_FLAGS	0
#define ZC_CAN_REDIRECT		0
#endif

/*
 * ftrace direct calls: the function's ftrace site calls a trampoline of
 * the module's own, with no ftrace_caller, register save or ops list in
 * between. 5.16 gave each ftrace_ops its own direct trampoline
 * (register_ftrace_direct_multi(), commit f64dd4627ec6, "ftrace: Add
 * multi direct register/unregister interface"); 6.6 renamed it
 * register_ftrace_direct() and gave the unregister a free_filters
 * argument (commit da8bdfbd4231, "ftrace: Rename _ftrace_direct_multi
 * APIs to _ftrace_direct APIs"). compat.mk says which form the headers
 * declare; zc_hook.c checks it against the declaration. The trampolines
 * are written for x86-64 only (arm64 6.1 has no direct calls), against
 * the asm/ibt.h (ASM_ENDBR) of 5.18+, where the x86 IBT series added it;
 * elsewhere the hooks stay ftrace callbacks.
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS) && \
	ZC_KERNEL_SINCE(5, 18) &&					\
	(defined(ZC_HAVE_FTRACE_DIRECT_OPS) || defined(ZC_HAVE_FTRACE_DIRECT_MULTI))
#define ZC_HAVE_DIRECT_CALLS	1
#else
#define ZC_HAVE_DIRECT_CALLS	0
#endif

#if ZC_HAVE_DIRECT_CALLS && defined(ZC_HAVE_FTRACE_DIRECT_OPS)
#define zc_ftrace_direct_register	register_ftrace_direct
#define ZC_FTRACE_DIRECT_TYPECHECK()					\
	BUILD_BUG_ON(!__same_type(&register_ftrace_direct,		\
		     (int (*)(struct ftrace_ops *, unsigned long))NULL) ||	\
		     !__same_type(&unregister_ftrace_direct,		\
		     (int (*)(struct ftrace_ops *, unsigned long, bool))NULL))
/* The filter is the caller's to remove, as for a regular ftrace_ops. */
#define zc_ftrace_direct_unregister(ops, addr)				\
	unregister_ftrace_direct(ops, addr, false)
#elif ZC_HAVE_DIRECT_CALLS
#define zc_ftrace_direct_register	register_ftrace_direct_multi
#define zc_ftrace_direct_unregister	unregister_ftrace_direct_multi
#define ZC_FTRACE_DIRECT_TYPECHECK()					\
	BUILD_BUG_ON(!__same_type(&register_ftrace_direct_multi,	\
		     (int (*)(struct ftrace_ops *, unsigned long))NULL) ||	\
		     !__same_type(&unregister_ftrace_direct_multi,	\
		     (int (*)(struct ftrace_ops *, unsigned long))NULL))
#else
static inline int zc_ftrace_direct_register(struct ftrace_ops *ops,
					    unsigned long addr)
{
	return -EOPNOTSUPP;
}

static inline int zc_ftrace_direct_unregister(struct ftrace_ops *ops,
					      unsigned long addr)
{
	return -EOPNOTSUPP;
}

#define ZC_FTRACE_DIRECT_TYPECHECK()			do { } while (0)
#endif

/*
 * ZC_NOIPA - a function the compiler must call as written: not inlined,
 * cloned, or its result derived from its body (the load-time redirect
 * check calls one and looks at what came back). gcc says so with noipa;
 * clang has no noipa, and optnone keeps it from inferring anything.
 */
#if __has_attribute(__noipa__)
#define ZC_NOIPA	__attribute__((__noipa__))
#else
/* clang: optnone also keeps the function out of line */
#define ZC_NOIPA	__attribute__((__optnone__))
#endif

/*
 * Every hook is permanent: while it is registered, kernel.ftrace_enabled
 * cannot be set to 0 (the sysctl answers EBUSY), and registering fails
 * with EBUSY while it is 0. A module whose hooks silently stop running
 * would otherwise keep saying "loaded" (see zc_hook_install()).
 */
#define ZC_FTRACE_PERMANENT_FLAGS	FTRACE_OPS_FL_PERMANENT

/*
 * No recursion guard: the callbacks call no function they hook, and they
 * are written for either preemption state (RCU read locks, per-CPU adds
 * that are preempt-safe, a raw spinlock with interrupts off). Asking for
 * FTRACE_OPS_FL_RECURSION (5.11, commit a25d036d939a) would route every
 * call of the hooked functions through ftrace's assist function. Before
 * 5.11 the guard was implicit and cannot be turned off.
 */
#define ZC_FTRACE_RECURSION_FLAGS	0

/*
 * The traced call's full pt_regs where the callback gets them: x86 6.1's
 * WITH_ARGS ftrace_regs holds a partial pt_regs whose argument registers
 * and ip are valid; arm64 6.1's ftrace_regs is the pt_regs SAVE_REGS
 * filled (there ftrace_instruction_pointer_set() is an empty macro).
 */
#define zc_fregs_pt_regs(fregs)	(&(fregs)->regs)

/* zc_fregs_arg - the n-th (0-based) integer argument of the traced call */
static __always_inline unsigned long zc_fregs_arg(struct zc_fregs *fregs,
						  unsigned int n)
{
#if defined(ZC_HAVE_FREGS_ACCESSORS)
	return ftrace_regs_get_argument(fregs, n);
#elif ZC_KERNEL_SINCE(5, 11)
	return regs_get_kernel_argument(zc_fregs_pt_regs(fregs), n);
#else
	return regs_get_kernel_argument(fregs, n);
#endif
}

/* zc_fregs_set_ip - make the traced call continue at @ip (by a return) */
static __always_inline void zc_fregs_set_ip(struct zc_fregs *fregs,
					    unsigned long ip)
{
#if defined(ZC_HAVE_FREGS_ACCESSORS)
	ftrace_regs_set_instruction_pointer(fregs, ip);
#elif ZC_KERNEL_SINCE(5, 11)
	instruction_pointer_set(zc_fregs_pt_regs(fregs), ip);
#else
	instruction_pointer_set(fregs, ip);
#endif
}

/*
 * __sock_cmsg_send() lost its msghdr argument upstream (6.12 has
 * (sk, cmsg, sockc), 6.1 has (sk, msg, cmsg, sockc)). Kbuild tells which.
 * ZC_CMSG_SEND_PROTO declares a function with the running kernel's
 * signature, ZC_CMSG_SEND_CALL(fn) calls @fn with that function's
 * arguments; ZC_CMSG_ARG is the index of the cmsg argument.
 */
#ifdef ZC_HAVE_CMSG_SEND_MSG
#define ZC_CMSG_SEND_PROTO(name)					\
	int name(struct sock *sk, struct msghdr *msg,			\
		 struct cmsghdr *cmsg, struct sockcm_cookie *sockc)
#define ZC_CMSG_SEND_CALL(fn)	fn(sk, msg, cmsg, sockc)
#define ZC_CMSG_ARG	2
#define ZC_CMSG_SEND_DESC	"__sock_cmsg_send with msghdr"
#else
#define ZC_CMSG_SEND_PROTO(name)					\
	int name(struct sock *sk, struct cmsghdr *cmsg,			\
		 struct sockcm_cookie *sockc)
#define ZC_CMSG_SEND_CALL(fn)	fn(sk, cmsg, sockc)
#define ZC_CMSG_ARG	1
#define ZC_CMSG_SEND_DESC	"__sock_cmsg_send without msghdr"
#endif

/*
 * ZC_PF_NOT_A_SYSCALL - task flags of the kernel's own senders: kernel
 * threads, and io_uring's workers (PF_IO_WORKER, 5.5; user threads since
 * 5.12, commit 3bfe6106693b, "io-wq: fork worker threads from original
 * task"), which run sendmsg() on behalf of a ring, not a system call.
 */
#ifdef PF_IO_WORKER
#define ZC_PF_NOT_A_SYSCALL	(PF_KTHREAD | PF_IO_WORKER)
#else
#define ZC_PF_NOT_A_SYSCALL	PF_KTHREAD
#endif

/*
 * zc_sk_error_report - tell @sk's waiters about its error queue. 5.14
 * made it a function (sk_error_report(), which also traces); before,
 * the socket's callback was called directly.
 */
static inline void zc_sk_error_report(struct sock *sk)
{
#ifdef ZC_HAVE_SK_ERROR_REPORT
	sk_error_report(sk);
#else
	sk->sk_error_report(sk);
#endif
}

/*
 * zc_callback_may_sleep - may an ftrace callback call what might sleep
 * (the security hooks; on PREEMPT_RT the error queue's spinlock)? Not
 * under another tracer of the function, which calls it with preemption
 * disabled. Kernels without PREEMPT_COUNT (Debian's 5.10) cannot tell,
 * and there preemption is never disabled around a callback for anything
 * that sleeping would break, the kernel's own might_sleep() checks
 * included.
 */
static inline bool zc_callback_may_sleep(void)
{
	return !IS_ENABLED(CONFIG_PREEMPT_COUNT) || preemptible();
}

/*
 * zc_get_user_page - get_user_pages() of one page with @gup_flags; the
 * caller holds the mmap lock. 6.5 dropped the vmas argument (commit
 * 54d020692b34, "mm/gup: remove unused vmas parameter from
 * get_user_pages()").
 */
static inline long zc_get_user_page(unsigned long addr, unsigned int gup_flags,
				    struct page **page)
{
#if ZC_KERNEL_SINCE(6, 5)
	return get_user_pages(addr, 1, gup_flags, page);
#else
	return get_user_pages(addr, 1, gup_flags, page, NULL);
#endif
}

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

/*
 * ZC_EXIT_PROBE_TYPECHECK - fail the build if @probe does not have the
 * prototype the kernel's own sched_process_exit declaration wants (the
 * probe is attached by name at run time, so nothing else would check).
 */
typedef void (*zc_exit_probe_t)(void *, struct task_struct *
#ifdef ZC_HAVE_EXIT_GROUP_DEAD
				, bool
#endif
				);
#define ZC_EXIT_PROBE_TYPECHECK(probe)					\
	BUILD_BUG_ON(!__same_type(&register_trace_sched_process_exit,	\
				  (int (*)(zc_exit_probe_t, void *))NULL) || \
		     !__same_type(&(probe), (zc_exit_probe_t)NULL))

#endif /* _ZC_COMPAT_H */
