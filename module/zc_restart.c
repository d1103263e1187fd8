// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the restart hook: a call that was answered is not restarted.
 *
 * A restarted sendmsg() would parse its control buffer again, which by
 * then holds the answer to its request: an answer (size == n) is itself a
 * valid request, so its completions would be overwritten and lost. A
 * blocking call that was answered and then interrupted returns EINTR
 * instead of restarting (documented in the uapi header; tests/adv_restart.c).
 * The hook sits on the function every return to user mode after an
 * interrupted system call passes through before the kernel restarts it
 * (ZC_RESTART_HOOK, per architecture and kernel in zc_arch_*.h).
 *
 * Owns: zc_restart_hook and its callback, zc_restart_to_eintr().
 * May use: zc_records.c, zc_stats.c, zc_callid.h.
 */
#include <linux/errno.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <asm/syscall.h>
#include "zc_callid.h"
#include "zc_latency.h"
#include "zc_records.h"
#include "zc_restart.h"
#include "zc_stats.h"

/**
 * zc_restart_to_eintr() - turn the current call's pending restart into EINTR
 *
 * If the current system call is about to be restarted (it returned one of
 * the ERESTART* codes, which the signal code turns into a restart), make
 * it return EINTR instead. Call only from the task itself on its way back
 * to user mode.
 *
 * Return: true if it did.
 */
bool zc_restart_to_eintr(void)
{
	struct pt_regs *regs = current_pt_regs();

	if (!zc_restart_code(syscall_get_error(current, regs)))
		return false;
	syscall_set_return_value(current, regs, -EINTR, 0);
	return true;
}

/* zc_restart_entry()'s body, timed there in a measuring build */
static __always_inline void zc_restart_do(void)
{
	struct zc_call *c;

	if (!zc_records_in_use())
		return;
	c = zc_call_find();
	if (!c)
		return;
	/* No message is being parsed now: nothing run from here may claim. */
	c->armed = false;
	if (c->processed && zc_restart_to_eintr())
		zc_stat_add(eintr, 1);
	c->processed = false;
}

/*
 * zc_restart_entry - ftrace callback on the restart hook (ZC_RESTART_HOOK)
 *
 * The restart hook runs on the way back to user mode whenever a signal, a
 * stop, the freezer or a tracer interrupted the task, before the kernel
 * decides to restart an interrupted system call. @processed identifies an
 * answered call by construction: it is set by an answer and cleared when
 * the task next leaves the kernel, or where the direct-call trampoline
 * saw ____sys_sendmsg() return (zc_hold.c), so no argument, control
 * buffer or payload needs to be read back to recognise it.
 */
static void notrace zc_restart_entry(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *ops,
				     struct zc_fregs *fregs)
{
	u64 t0 = zc_latency_start();

	/* The hook chosen by name is the kernel's own, with that prototype. */
	BUILD_BUG_ON(!__same_type(&ZC_RESTART_HOOK_FUNC,
				  (ZC_RESTART_HOOK_TYPE)NULL));
	zc_restart_do();
	zc_latency_end(ZC_LAT_RESTART, t0);
}

struct zc_hook zc_restart_hook = {
	.name = ZC_RESTART_HOOK,
	.func = zc_restart_entry,
	/* It needs no argument; the flags let it share zc_sendmsg_hook's ops. */
	.flags = ZC_FTRACE_ARGS_FLAGS,
};
