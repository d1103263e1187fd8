/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - x86-64: which system call the current task is in (native,
 * i386 direct and through socketcall()), and where an interrupted system
 * call is restarted. Included by zc_callid.h only, after struct zc_sysid.
 */
#ifndef _ZC_ARCH_X86_H
#define _ZC_ARCH_X86_H

#include <linux/signal.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

/* The oldest kernel tested here: Debian bullseye's 5.10. */
#define ZC_ARCH_OLDEST_MAJOR	5
#define ZC_ARCH_OLDEST_MINOR	10

#ifndef SYS_SENDMMSG
#define SYS_SENDMMSG	20
#endif
/*
 * zc_arch_sendmsg_syscall - identify the sendmsg()/sendmmsg() system call
 * in @regs (native, or i386 direct or through socketcall()); false for
 * every other system call: setsockopt(), io_uring_enter(), x32, ...
 * socketcall()'s arguments are in user memory, which the kernel read at
 * the call's start, and are read here without a fault: if the page was
 * dropped since, the answer is false, @id is the call known but for its
 * arguments (@id->unread), and @unread (if not NULL) is set to them, for
 * a caller that may sleep to fault them in and ask again (zc_call_claim();
 * tests/adv_page_absent.c).
 */
static inline bool zc_arch_sendmsg_syscall(struct pt_regs *regs,
					   struct zc_sysid *id,
					   void __user **unread)
{
	long n = syscall_get_nr(current, regs);
	u32 sc[2];

	/*
	 * Only while the call runs: the entry code sets pt_regs->ax to
	 * -ENOSYS (native and 32-bit, 5.10 to 7.3) and only the call's
	 * return overwrites it. A ____sys_sendmsg() met after that (io_uring's
	 * task work on the way out, with the call's registers) is not the
	 * call's, whatever hides its caller (tests/adv_io_uring.c). A tracer
	 * that rewrites ax at the system call's entry and lets it run gets
	 * its requests refused (EINVAL).
	 */
	if (regs->ax != (unsigned long)-ENOSYS)
		return false;

	/* The first two arguments, as syscall_get_arguments() finds them. */
	id->nr = n;
	id->compat = false;
	id->unread = false;
	id->args = 0;
#ifdef CONFIG_IA32_EMULATION
	if (in_ia32_syscall()) {
		id->compat = true;
		id->fd = (u32)regs->bx;
		id->msg = (u32)regs->cx;
		id->mmsg = n == __NR_ia32_sendmmsg;
		if (n == __NR_ia32_sendmsg || n == __NR_ia32_sendmmsg)
			return true;
		if (n != __NR_ia32_socketcall ||
		    (id->fd != SYS_SENDMSG && id->fd != SYS_SENDMMSG))
			return false;
		/* socketcall(call, args): args[0] is the fd, args[1] the msghdr */
		id->nr = n | id->fd << 16;
		id->mmsg = id->fd == SYS_SENDMMSG;
		id->args = id->msg;
		if (copy_from_user_nofault(sc, (u32 __user *)id->args, sizeof(sc))) {
			id->unread = true;
			id->fd = 0;
			id->msg = 0;
			if (unread)
				*unread = (void __user *)id->args;
			return false;
		}
		id->fd = sc[0];
		id->msg = sc[1];
		return true;
	}
#endif
	id->fd = regs->di;
	id->msg = regs->si;
	id->mmsg = n == __NR_sendmmsg;
	return n == __NR_sendmsg || n == __NR_sendmmsg;
}

/*
 * ZC_RESTART_HOOK - the function every return to user mode after an
 * interrupted system call passes through before the kernel restarts it,
 * with the call's return value still in the registers: get_signal() since
 * 5.18 (called for signals, stops, the freezer, ptrace and
 * TIF_NOTIFY_SIGNAL alike; x86 decides on the restart after it returns);
 * before that, where the decision is made in
 * arch_do_signal_or_restart(regs, has_signal), that function, since it
 * calls get_signal() only for a real signal.
 */
#ifdef ZC_HAVE_DO_SIGNAL_HAS_SIGNAL
#include <linux/entry-common.h>
#define ZC_RESTART_HOOK		"arch_do_signal_or_restart"
#define ZC_RESTART_HOOK_TYPE	void (*)(struct pt_regs *, bool)
#define ZC_RESTART_HOOK_FUNC	arch_do_signal_or_restart
#else
#define ZC_RESTART_HOOK		"get_signal"
#define ZC_RESTART_HOOK_TYPE	bool (*)(struct ksignal *)
#define ZC_RESTART_HOOK_FUNC	get_signal
#endif

#endif /* _ZC_ARCH_X86_H */
