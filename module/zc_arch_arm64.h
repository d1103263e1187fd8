/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - arm64: which system call the current task is in (native
 * AArch64, and AArch32 tasks under CONFIG_COMPAT), and where an
 * interrupted system call is restarted. Included by zc_callid.h only,
 * after struct zc_sysid.
 */
#ifndef _ZC_ARCH_ARM64_H
#define _ZC_ARCH_ARM64_H

#include <asm/compat.h>
#include <asm/exception.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

/*
 * The oldest kernel tested here: Debian bookworm's 6.1 (bullseye's arm64
 * 5.10 was never run; its restart path is not known to match).
 */
#define ZC_ARCH_OLDEST_MAJOR	6
#define ZC_ARCH_OLDEST_MINOR	1

/*
 * The AArch32 (EABI) numbers of sendmsg() and sendmmsg(), as
 * arch/arm64/include/asm/unistd32.h has them (that header cannot be
 * included next to the native numbers). They are ABI: they never change.
 * AArch32 has no socketcall() (102 is unused there).
 */
#define ZC_ARM32_NR_SENDMSG	296
#define ZC_ARM32_NR_SENDMMSG	374

/*
 * zc_arch_sendmsg_syscall - identify the sendmsg()/sendmmsg() system call
 * in @regs, native or AArch32; false for every other system call:
 * setsockopt(), io_uring_enter(), ... and for a return from anything that
 * is not a system call (el0 entry sets syscallno to NO_SYSCALL). All of
 * it is in the registers: @unread is never set here.
 */
static inline bool zc_arch_sendmsg_syscall(struct pt_regs *regs,
					   struct zc_sysid *id,
					   void __user **unread)
{
	long n = syscall_get_nr(current, regs);

	/*
	 * The first two arguments, as syscall_get_arguments() finds them:
	 * x0 is overwritten by the return value, orig_x0 keeps it.
	 */
	id->nr = n;
	id->fd = regs->orig_x0;
	id->msg = regs->regs[1];
	id->unread = false;
	id->args = 0;
	id->compat = IS_ENABLED(CONFIG_COMPAT) && is_compat_task();
	if (id->compat) {
		id->fd = (u32)id->fd;
		id->msg = (u32)id->msg;
		id->mmsg = n == ZC_ARM32_NR_SENDMMSG;
		return n == ZC_ARM32_NR_SENDMSG || id->mmsg;
	}
	id->mmsg = n == __NR_sendmmsg;
	return n == __NR_sendmsg || id->mmsg;
}

/*
 * ZC_RESTART_HOOK - the first traceable function on the way back to user
 * mode that still sees an interrupted system call's return value in x0.
 * arm64 prepares the restart (x0 = orig_x0, pc back to the svc) *before*
 * it calls get_signal(), so get_signal() is too late here. Which function
 * that is moved: 7.x uses the generic exit loop, which calls
 * arch_do_signal_or_restart() (arm64 moved to the generic IRQ entry in
 * 6.18, commit b3cf07851b6c); 6.9 to 6.17 call do_signal() from a static
 * do_notify_resume(); 6.1 has do_notify_resume() global and do_signal()
 * static. Each is checked against the kernel's own declaration.
 */
#if defined(CONFIG_GENERIC_IRQ_ENTRY)
#include <linux/irq-entry-common.h>
#define ZC_RESTART_HOOK		"arch_do_signal_or_restart"
#define ZC_RESTART_HOOK_TYPE	void (*)(struct pt_regs *)
#define ZC_RESTART_HOOK_FUNC	arch_do_signal_or_restart
#elif defined(ZC_HAVE_ARM64_DO_SIGNAL)
#define ZC_RESTART_HOOK		"do_signal"
#define ZC_RESTART_HOOK_TYPE	void (*)(struct pt_regs *)
#define ZC_RESTART_HOOK_FUNC	do_signal
#else
#define ZC_RESTART_HOOK		"do_notify_resume"
#define ZC_RESTART_HOOK_TYPE	void (*)(struct pt_regs *, unsigned long)
#define ZC_RESTART_HOOK_FUNC	do_notify_resume
#endif

#endif /* _ZC_ARCH_ARM64_H */
