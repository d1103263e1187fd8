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
 * ftrace's differences are in zc_compat_ftrace.h, included here; the
 * one version test is ZC_KERNEL_SINCE() (zc_kernel_version.h).
 * Includes nothing else of the module's.
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
#include <net/sock.h>

#include "zc_kernel_version.h"

#include "zc_compat_ftrace.h"

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
 * ZC_FOLL_HONOR_NUMA - the GUP flag that makes a read fault-in fix a NUMA
 * hinting (PROT_NONE) entry instead of following it: since 6.6 GUP
 * follows one unless told ("mm/gup: reintroduce FOLL_NUMA as
 * FOLL_HONOR_NUMA_FAULT"), and a nofault read after it would fault again;
 * before, GUP always took the fault. FOLL_WRITE takes it on every kernel
 * (a PROT_NONE entry is not writable). Probed in compat.mk.
 */
#ifdef ZC_HAVE_FOLL_HONOR_NUMA_FAULT
#define ZC_FOLL_HONOR_NUMA	FOLL_HONOR_NUMA_FAULT
#else
#define ZC_FOLL_HONOR_NUMA	0
#endif

/*
 * ZC_VM_UFFD_READ_ASKS - the userfaultfd registrations whose faults on a
 * read wait for the user's answer: missing pages, and since 5.13 minor
 * faults ("userfaultfd: add minor fault registration mode"). A
 * write-protect registration never makes a read wait.
 */
#ifdef VM_UFFD_MINOR
#define ZC_VM_UFFD_READ_ASKS	(VM_UFFD_MISSING | VM_UFFD_MINOR)
#else
#define ZC_VM_UFFD_READ_ASKS	VM_UFFD_MISSING
#endif

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
