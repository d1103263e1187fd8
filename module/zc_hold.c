// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the hold: an answered call keeps the module until its task
 * leaves the kernel.
 *
 * From a call's first answer (or the first thing the parse does that may
 * sleep, a fault) until the task returns to user mode it holds a module
 * reference, dropped by task work: rmmod is refused while an answered
 * call is still in the kernel, and no reloaded instance can parse an
 * answer as a new request (tests/adv_reload.c). A held call that was not
 * answered (@processed false) only keeps the module meanwhile. The release is
 * also where a pending restart of that call becomes EINTR on paths where
 * task work runs before the restart hook (tests/adv_restart.c,
 * tests/adv_io_uring.c).
 *
 * Where the ____sys_sendmsg() trampoline calls the rest of the function
 * itself (x86-64 direct calls, a sendmsg() system call's message:
 * zc_direct_x86.c; not arm64's), the hold ends when that returns instead, with no
 * task work: the module reference is taken once the message is found to
 * carry a request, before anything that may sleep, and dropped on the
 * return, where a restart code becomes EINTR (zc_call_returned()).
 * Nothing after that return is taken for the call's message: sendmsg()
 * has one, it is not restarted, and on x86 a ____sys_sendmsg() met after
 * the call returned is not the call's (zc_arch_sendmsg_syscall()). A task
 * that dies inside the function gives the reference back at exit
 * (zc_records.c).
 *
 * The hold's end is also where an answer's owed arr[0].zerocopy is
 * stored, before the task returns to user mode (zc_call_late()).
 *
 * Owns: zc_call_hold(), zc_call_release(), zc_call_hold_until_return(),
 * zc_call_returned(), zc_call_late().
 * May use: zc_records.c, zc_restart.c (the EINTR conversion), zc_stats.c,
 * zc_user.c (the owed byte).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/task_work.h>
#include "zc_compat.h"
#include "zc_hold.h"
#include "zc_records.h"
#include "zc_restart.h"
#include "zc_stats.h"
#include "zc_user.h"

/* Times the release lets the task's other work go first. */
#define ZC_HOLD_REQUEUE_MAX	8

static void zc_late_put(u8 __user *p, u8 v, bool may_fault)
{
	if (may_fault ? zc_user_put_u8_faulting(p, v) : zc_user_put_u8(p, v))
		pr_warn_ratelimited("pid %d: answer's page unmapped while answering\n",
				    task_pid_nr(current));
}

/* The hold ends: the byte zc_call_late() kept for it, if any. */
static void zc_call_pay_late(struct zc_call *c, bool may_fault)
{
	if (c->late) {
		zc_late_put(c->late, c->late_zc, may_fault);
		c->late = NULL;
	}
}

/**
 * zc_call_late() - an answer is committed, its arr[0].zerocopy owed
 * @c: the current task's record, held
 * @p: where the byte goes
 * @v: the byte
 * @may_fault: the task may sleep here (the parse)
 *
 * The answer's page went between its commit and this byte's store
 * (zc_errqueue_deliver()). Stored now where the task may fault, else when
 * the hold ends, before the task returns to user mode: in task work,
 * faulting (zc_call_release(); arm64, where the gap was seen), or at the
 * x86 direct call's return, faulting where the task may sleep there
 * (zc_call_returned(): the interrupts-off pair leaves no gap between its
 * two stores, but on PREEMPT_RT the queue's lock leaves interrupts on
 * before it, and a payload across two pages can lose arr[0]'s page after
 * arr[0] was written). Only one can wait per call; a second
 * (sendmmsg()) is tried without a fault.
 */
void zc_call_late(struct zc_call *c, u8 __user *p, u8 v, bool may_fault)
{
	if (!may_fault && !c->late) {
		c->late = p;
		c->late_zc = v;
		return;
	}
	zc_late_put(p, v, may_fault);
}

/*
 * The task is on its way back to user mode (or exiting): the call that
 * answered is over. This is also a place that keeps the answered call
 * from being restarted: x86 decides on the restart after task work ran
 * (in get_signal(), and on 5.11-5.17 in tracehook_notify_signal() before
 * the restart hook); arm64 prepares it in do_signal() after the restart
 * hook, and task work can also run before that on its first pass (a
 * ptrace stop that cleared TIF_SIGPENDING). Where the restart hook or
 * do_signal() came first, the return value is no longer an ERESTART code
 * and nothing changes here. It runs after every other task work the
 * task has queued, so the call is held until the task really leaves.
 */
static void notrace zc_call_release(struct callback_head *work)
{
	struct zc_call *c = container_of(work, struct zc_call, hold);

	/*
	 * Run last: task work queued with or after this one (io_uring's,
	 * which may send on the task's behalf) still runs inside the
	 * answered call, and must find it held (zc_call_new() in zc_call.h).
	 * The run that called this has already read work->next.
	 */
	if (c->requeued < ZC_HOLD_REQUEUE_MAX &&
	    (work->next || READ_ONCE(current->task_works))) {
		c->requeued++;	/* bounded: never a ping-pong with another */
		if (!task_work_add(current, work, TWA_RESUME))
			return;
	}
	c->requeued = 0;
	zc_call_pay_late(c, true);
	if (c->processed && zc_restart_to_eintr())
		zc_stat_add(eintr, 1);
	c->processed = false;
	zc_call_unhold(c);
	module_put(THIS_MODULE);
}

/**
 * zc_call_hold() - keep the module while the current call may restart
 * @call: the current task's record
 *
 * An answered call must not be restarted and answered again, and the
 * module that answered it is the only one that knows it was: a reloaded
 * instance would parse the answer as a new request. So before a call's
 * first answer it takes a module reference, which task work drops when
 * the task returns to user mode (zc_call_release()): rmmod is refused
 * while an answered call is still in the kernel (blocked on a full
 * socket, say), and @processed means exactly "answered since the task
 * last left the kernel". The reference also covers whatever may sleep
 * in the answer (PREEMPT_RT's sleeping spinlocks, the page allocator)
 * and in the parse before it (a fault): taken before any of that, it
 * keeps the module from being freed under a task that sleeps inside it.
 *
 * Return: true if held (the call may sleep here, and be answered), false
 * if the module is going away or the task is exiting (the request is not
 * answered).
 */
bool zc_call_hold(struct zc_call *call)
{
	if (call->held)
		return true;
	if (!try_module_get(THIS_MODULE))
		return false;
	init_task_work(&call->hold, zc_call_release);
	if (task_work_add(current, &call->hold, TWA_RESUME)) {
		module_put(THIS_MODULE);
		return false;
	}
	call->held = true;
	return true;
}

/**
 * zc_call_hold_until_return() - hold the module until ____sys_sendmsg() returns
 * @call: the current task's record, for a sendmsg() system call's message
 *
 * For the direct-call trampoline, which then runs the function and calls
 * zc_call_returned() with its return value. zc_call_hold() finds the call
 * held and queues nothing.
 *
 * Return: true if held; false if the call already is (task work still
 * queued: the usual hold serves) or the module is going away.
 */
bool zc_call_hold_until_return(struct zc_call *call)
{
	if (call->held || !try_module_get(THIS_MODULE))
		return false;
	call->held = true;
	call->until_return = true;
	return true;
}

/**
 * zc_call_returned() - ____sys_sendmsg() returned for a call held until then
 * @call: the current task's record (zc_call_hold_until_return())
 * @ret: what the function returned
 *
 * The message is over: an answered one that was interrupted returns EINTR
 * rather than be restarted and answered again, as zc_call_release() makes
 * it do.
 *
 * Return: the value ____sys_sendmsg() returns to its caller.
 */
__visible int notrace zc_call_returned(struct zc_call *call, int ret)
{
	if (WARN_ON_ONCE(!call->until_return))
		return ret;
	if (call->late)
		zc_call_pay_late(call, zc_callback_may_sleep());
	if (call->processed && zc_restart_code(ret)) {
		ret = -EINTR;
		zc_stat_add(eintr, 1);
	}
	call->processed = false;
	call->armed = false;
	call->until_return = false;
	zc_call_unhold(call);
	module_put(THIS_MODULE);
	return ret;
}
