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
#include <asm/syscall.h>
#include <asm/unistd.h>

/*
 * ftrace callbacks: 5.10 passes struct pt_regs (only with SAVE_REGS),
 * 5.11+ struct ftrace_regs, opaque since 6.13 with accessors. The
 * registers a callback may read and change come with every call where
 * ftrace has WITH_ARGS (x86 5.11+, arm64 6.2+); elsewhere (x86 5.10,
 * arm64 6.1: WITH_REGS only) only with SAVE_REGS. zc_hook.c checks
 * struct zc_fregs against the kernel's ftrace_func_t.
 */
#if ZC_KVER >= 5 * 256 + 11
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
 * FTRACE_OPS_FL_RECURSION (5.11+) would route every call of the hooked
 * functions through ftrace's assist function. Before 5.11 the guard was
 * implicit and cannot be turned off.
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
#elif ZC_KVER >= 5 * 256 + 11
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
#elif ZC_KVER >= 5 * 256 + 11
	instruction_pointer_set(zc_fregs_pt_regs(fregs), ip);
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
 * The system call the current task is in, for binding a request to the
 * very sendmsg()/sendmmsg() call whose ____sys_sendmsg() entry recorded
 * it. Architecture specific: the syscall numbers, the 32-bit ABI, and
 * (i386) socketcall().
 */

/* io_uring's workers run sendmsg() on behalf of a ring, not a syscall. */
#ifdef PF_IO_WORKER
#define ZC_PF_NOT_A_SYSCALL	(PF_KTHREAD | PF_IO_WORKER)
#else
#define ZC_PF_NOT_A_SYSCALL	PF_KTHREAD
#endif

/**
 * struct zc_sysid - which sendmsg()/sendmmsg() system call a task is in
 * @nr: the system call number (and socketcall()'s call number)
 * @fd: its socket argument
 * @msg: its user msghdr (sendmsg) or mmsghdr array (sendmmsg) argument
 * @mmsg: it is a sendmmsg()
 * @compat: it is a 32-bit call
 */
struct zc_sysid {
	unsigned long nr;
	unsigned long fd;
	unsigned long msg;
	bool mmsg;
	bool compat;
};

static inline bool zc_sysid_eq(const struct zc_sysid *a,
			       const struct zc_sysid *b)
{
	return a->nr == b->nr && a->fd == b->fd && a->msg == b->msg;
}

/*
 * Per architecture: zc_arch_sendmsg_syscall() (the system call numbers and
 * argument registers, native and 32-bit), ZC_RESTART_HOOK (where the
 * return to user mode decides to restart an interrupted system call) and
 * zc_restart_hook_typecheck().
 */
#if defined(CONFIG_X86_64)
#include "zc_arch_x86.h"
#elif defined(CONFIG_ARM64)
#include "zc_arch_arm64.h"
#else
#error "zcnotify: no system call identity helper for this architecture"
#endif

/*
 * Kernels whose sendmsg path this module was written against and tested,
 * as major * 256 + minor: from the architecture's ZC_ARCH_KVER_MIN to
 * 7.3. Kbuild passes ZC_KVER for the target kernel.
 */
#define ZC_KVER_MIN	ZC_ARCH_KVER_MIN
#define ZC_KVER_MAX	(7 * 256 + 3)

static inline bool zc_kernel_supported(void)
{
	return ZC_KVER >= ZC_KVER_MIN && ZC_KVER <= ZC_KVER_MAX;
}

/*
 * ZC_RESTART_HOOK_TYPECHECK - fail the build if the restart hook the
 * architecture file chose is not declared, with that prototype, by the
 * kernel's own headers (it is hooked by name at run time).
 */
#define ZC_RESTART_HOOK_TYPECHECK()					\
	BUILD_BUG_ON(!__same_type(&ZC_RESTART_HOOK_FUNC,		\
				  (ZC_RESTART_HOOK_TYPE)NULL))

/**
 * zc_current_sendmsg_syscall() - identify the current sendmsg() system call
 * @id: set to the system call and its arguments
 *
 * Return: true if the current task is a user task inside sendmsg() or
 * sendmmsg() (native or 32-bit); false for any other way into the socket
 * layer (setsockopt(), io_uring, kernel threads).
 */
static inline bool zc_current_sendmsg_syscall(struct zc_sysid *id)
{
	if (!in_task() || (current->flags & ZC_PF_NOT_A_SYSCALL))
		return false;
	return zc_arch_sendmsg_syscall(current_pt_regs(), id);
}

/*
 * zc_sk_error_report - tell @sk's waiters about its error queue. 5.12
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
 * caller holds the mmap lock. 6.5 dropped the vmas argument.
 */
static inline long zc_get_user_page(unsigned long addr, unsigned int gup_flags,
				    struct page **page)
{
#if ZC_KVER >= 6 * 256 + 5
	return get_user_pages(addr, 1, gup_flags, page);
#else
	return get_user_pages(addr, 1, gup_flags, page, NULL);
#endif
}

/*
 * zc_syscall_restart_to_eintr - if the current system call is about to be
 * restarted (it returned one of the ERESTART* codes, which the signal code
 * turns into a restart), make it return EINTR instead. Returns true if it
 * did. Call only from the task itself on its way back to user mode.
 */
static inline bool zc_syscall_restart_to_eintr(void)
{
	struct pt_regs *regs = current_pt_regs();

	switch (syscall_get_error(current, regs)) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		syscall_set_return_value(current, regs, -EINTR, 0);
		return true;
	}
	return false;
}

/*
 * ____sys_sendmsg()'s used_address argument: NULL for sendmsg(), and for
 * sendmmsg() net/socket.c's private struct used_address, whose name_len
 * __sys_sendmmsg() sets to UINT_MAX before the first message and
 * ____sys_sendmsg() to the (much smaller) address length after each
 * message sent. Its layout (a sockaddr_storage, then name_len) has not
 * changed since sendmmsg() was added (3.0 to 7.3).
 */
struct zc_used_address {
	struct sockaddr_storage name;
	unsigned int name_len;
};

/* zc_first_message - this ____sys_sendmsg() starts a new system call */
static inline bool zc_first_message(const void *used_address)
{
	const struct zc_used_address *ua = used_address;

	return !ua || READ_ONCE(ua->name_len) == UINT_MAX;
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
