// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the ____sys_sendmsg() hook: a request is recorded at its
 * message's entry, answered there when it is alone, and claimed by the
 * parse of that very message.
 *
 * __sock_cmsg_send() only sees the kernel copy of the control buffer (and,
 * since 6.12, not even the msghdr), so the user's control pointer is
 * recorded when ____sys_sendmsg() is entered, while msg_control_user still
 * holds it, in the task's record (zc_records.c): between the two points
 * the task may sleep (lock_sock(), waiting for a connection).
 *
 * Trust: a record is honoured only inside the system call that recorded
 * it (tests/adv_stale.c): every use compares the current system call
 * (number and msghdr argument, from the task's own pt_regs: zc_callid.h)
 * and the socket with what was recorded, and claiming it disarms it. It
 * holds user addresses and values, never a kernel pointer that is
 * followed outside the call that recorded it, so a stale record can at
 * worst be refused (the socket is followed only at that very call's
 * return, zc_sendmsg_returned(), while the system call holds its file).
 *
 * Cost for everyone else: a sendmsg() without control messages, or on a
 * socket without SO_ZEROCOPY, returns after a few tests and never looks a
 * record up (a sendmmsg() looks once per call while some task holds a
 * record).
 *
 * Owns: zc_sendmsg_hook and its callback, the answer at entry (or at
 * the direct call's return: zc_sendmsg_returned()), zc_call_claim().
 * May use: zc_records.c, zc_answer.c, zc_hold.c, zc_restart.c (the
 * restart codes), zc_user.c, zc_user_pages.c, zc_hook.c, zc_symbols.c,
 * zc_stats.c, zc_callid.h.
 */
#include <linux/net.h>
#include <linux/socket.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zc_answer.h"
#include "zc_callid.h"
#include "zc_hold.h"
#include "zc_hook.h"
#include "zc_latency.h"
#include "zc_symbols.h"
#include "zc_records.h"
#include "zc_restart.h"
#include "zc_sendmsg.h"
#include "zc_stats.h"
#include "zc_user.h"
#include "zc_user_pages.h"

/* io_uring's way into ____sys_sendmsg(): not a sendmsg() system call */
static unsigned long zc_io_uring_start, zc_io_uring_end;
/* sendmsg()'s and sendmmsg()'s, where the return address is the real one */
static unsigned long zc_syscall_start, zc_syscall_end;

/*
 * The fast path: a message whose control buffer holds the request and
 * nothing else is answered right here, and the kernel is told the message
 * has no control messages (msg_controllen = 0 in its own copy of the
 * msghdr, which sendmsg() never writes back). The kernel then neither
 * copies nor parses the buffer, and UDP keeps its connected-socket route
 * (any control message makes udp_sendmsg() look the route up again).
 * The answer, validation and exactly-once rules are those of the parse
 * path, which handles everything this path declines: a request that
 * needs a page made writable first, an invalid one (its EINVAL comes from
 * the parse), or one met where the queue's lock may not be taken
 * (PREEMPT_RT with preemption disabled, e.g. under another tracer).
 */
static void zc_answer_at_entry(struct sock *sk, struct zc_call *c,
			       struct msghdr *msg)
{
	u32 n;

	if (!zc_callback_may_sleep())
		return;
	if (c->plen < ZC_INFO_SIZE(1) || c->plen > ZC_INFO_SIZE(ZC_NOTIFICATION_MAX))
		return;
	n = (c->plen - ZC_INFO_SIZE(0)) / sizeof(struct zc_info_elem);
	if (zc_answer(sk, c, n, msg))
		return;
	c->armed = false;
	msg->msg_controllen = 0;
}

/* zc_sendmsg_message()'s body, timed there in a measuring build */
static __always_inline struct zc_call *
zc_sendmsg_do(struct socket *sock, struct msghdr *msg, unsigned int flags,
	      void *used_address, unsigned long parent_ip, bool can_return)
{
	bool first = zc_first_message(used_address);
	bool compat = flags & MSG_CMSG_COMPAT;
	struct zc_info __user *payload = NULL;
	struct zc_call *c, *held = NULL;
	void __user *unread = NULL;
	struct zc_sysid id;
	bool alone = false;
	bool readable = true;
	bool from_syscall;
	size_t plen = 0;
	int nreq = 0;

	if (parent_ip >= zc_io_uring_start && parent_ip < zc_io_uring_end)
		goto not_the_calls;
	if (!msg->msg_controllen || !sock->sk ||
	    !sock_flag(sock->sk, SOCK_ZEROCOPY) || !zc_sock_inet(sock->sk)) {
		/*
		 * A sendmmsg() starts with a message that is not looked at:
		 * forget what an earlier call left (the paths below reset on
		 * a first message themselves).
		 */
		if (used_address && first && zc_records_in_use()) {
			c = zc_call_find();
			if (c && zc_current_sendmsg_syscall(&id, NULL))
				zc_call_new(c, &id);
		}
		return NULL;
	}
	/*
	 * A sendmsg() through i386 socketcall() whose arguments' page went
	 * since the kernel read them is recorded by its registers
	 * (id.unread; zc_sysid_recorded()). Not a sendmmsg(): each of its
	 * messages compares the whole identity to know its own call.
	 */
	if (!zc_current_sendmsg_syscall(&id, &unread) && (!unread || id.mmsg))
		memset(&id, 0, sizeof(id));	/* matches no system call */
	/* sendmmsg() passes used_address, sendmsg() and io_uring do not. */
	if (id.nr && id.mmsg != !!used_address)
		goto not_the_calls;
	if (id.nr && msg->msg_controllen <= INT_MAX)	/* else ENOBUFS */
		nreq = zc_user_find(msg->msg_control_user, msg->msg_controllen,
				    compat, ZC_WALK_ENTRY_HEADERS, &payload,
				    &plen, &alone);
	/*
	 * Called from ___sys_sendmsg() itself, as the direct-call trampoline
	 * sees (the return address is the real one): the system call's own
	 * message, whose msghdr the kernel has just copied. Elsewhere a
	 * tracer may hide io_uring's caller: the user's msghdr is compared.
	 */
	from_syscall = can_return && !id.mmsg && parent_ip >= zc_syscall_start &&
		       parent_ip < zc_syscall_end;
	if (nreq && !id.mmsg && !from_syscall &&
	    !zc_callid_is_calls(&id, msg, &readable))
		goto not_the_calls;
	if (!nreq) {
		if (zc_records_in_use()) {
			c = zc_call_find();
			if (c && first)
				zc_call_new(c, &id);
			else if (c)
				c->armed = false;
		}
		return NULL;
	}
	c = zc_call_get();
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))	/* may not allocate there */
		zc_records_refill();
	if (!c) {
		zc_stat_add(norecord, 1);
		return NULL;
	}
	if ((first || !zc_sysid_eq(&id, &c->id)) && !zc_call_new(c, &id))
		return NULL;
	c->uctl = msg->msg_control_user;
	c->ctl_len = msg->msg_controllen;
	c->payload = payload;
	c->plen = plen;
	c->nreq = nreq;		/* ZC_WALK_LATER: walked at the parse */
	c->sk = (unsigned long)sock->sk;
	c->armed = true;
	if (from_syscall && zc_call_hold_until_return(c))
		held = c;
	/* A msghdr not readable now: the parse checks it (zc_call_claim()). */
	if (alone && readable)
		zc_answer_at_entry(sock->sk, c, msg);
	return held;

not_the_calls:
	/* Nothing parsed now belongs to an interrupted call. */
	if (zc_records_in_use()) {
		c = zc_call_find();
		if (c)
			c->armed = false;
	}
	return NULL;
}

/**
 * zc_sendmsg_message() - a message enters ____sys_sendmsg()
 * @sock: its socket
 * @msg: the kernel's copy of its msghdr
 * @flags: the send flags (MSG_CMSG_COMPAT for a 32-bit caller)
 * @used_address: sendmmsg()'s state, NULL for sendmsg() and io_uring
 * @parent_ip: where ____sys_sendmsg() returns to
 * @can_return: the caller can run the rest of ____sys_sendmsg() and call
 *	zc_call_returned() when it returns (the direct-call trampoline)
 *
 * Runs for every sendmsg()/sendmmsg() message (and io_uring's) the hook
 * does not turn away at once (the direct-call trampoline returns early
 * for a sendmsg() without control data or on a socket without
 * SO_ZEROCOPY, see zc_direct.c), maybe with preemption disabled:
 * returns at once unless the message carries control messages on a
 * zerocopy TCP/UDP socket. Records the message if it carries a request
 * inside a sendmsg()/sendmmsg() system call, and answers it at once if it
 * is the message's only control message (then the kernel sees no control
 * messages); disarms the task's record otherwise. io_uring's sends only
 * disarm the record: its task work may run on the way out of an
 * interrupted sendmsg() of the same task, whose registers would make it
 * look like a message of that call. They are known by their caller
 * (@parent_ip in __sys_sendmsg_sock()), and where a tracer hid it, by a
 * @used_address that does not match the call (none inside sendmmsg()),
 * by a control buffer that is not the one of the call's msghdr
 * (zc_callid_is_calls()) or by an answered call still in the kernel
 * (zc_call_new()).
 *
 * The walk of the user's headers here is nofault and bounded
 * (ZC_WALK_ENTRY_HEADERS): a buffer that is not readable right now, or
 * holds more headers, is recorded for a full walk at the parse
 * (zc_call_claim()), where the kernel has just read it.
 *
 * Return: with @can_return, the record the caller must pass to
 * zc_call_returned() when ____sys_sendmsg() returns: a request of a
 * sendmsg() system call (the return address in ___sys_sendmsg(), so no
 * tracer hides where it returns to), held until then; otherwise NULL.
 */
__visible notrace struct zc_call *
zc_sendmsg_message(struct socket *sock, struct msghdr *msg, unsigned int flags,
		   void *used_address, unsigned long parent_ip, bool can_return)
{
	u64 t0 = zc_latency_start();
	struct zc_call *held;

	held = zc_sendmsg_do(sock, msg, flags, used_address, parent_ip,
			     can_return);
	zc_latency_end(ZC_LAT_ENTRY, t0);
	return held;
}

/**
 * zc_sendmsg_returned() - ____sys_sendmsg() returned for a call held until then
 * @call: the record zc_sendmsg_message() returned to the trampoline
 * @ret: what the function returned
 *
 * A request left for the return (an empty error queue at the entry) is
 * answered now, with what the send itself completed meanwhile, unless the
 * kernel is to restart the call, whose new entry then answers it
 * (zc_answer_returned()); then the hold ends (zc_call_returned()).
 *
 * Return: the value ____sys_sendmsg() returns to its caller.
 */
__visible notrace int zc_sendmsg_returned(struct zc_call *call, int ret)
{
	if (call->later && call->until_return && !zc_restart_code(ret))
		zc_answer_returned(call, ret);
	call->later = false;
	return zc_call_returned(call, ret);
}

/*
 * The ftrace callback, where the kernel takes no direct call: the
 * arguments are (sock, msg_sys, flags, used_address, allowed_flags).
 */
static void notrace zc_sendmsg_entry(unsigned long ip,
				     unsigned long parent_ip,
				     struct ftrace_ops *ops,
				     struct zc_fregs *fregs)
{
	zc_sendmsg_message((struct socket *)zc_fregs_arg(fregs, 0),
			   (struct msghdr *)zc_fregs_arg(fregs, 1),
			   zc_fregs_arg(fregs, 2),
			   (void *)zc_fregs_arg(fregs, 3), parent_ip, false);
}

/**
 * zc_call_claim() - take the current message's record for a request
 * @sk: socket whose control messages are being parsed
 * @err: set where NULL is returned: -EINVAL, or -EFAULT where the call's
 *	own msghdr, control headers or i386 socketcall() argument block are
 *	not readable without a userfaultfd answer, or not at all, any more
 *
 * Return: the record, disarmed, if the ____sys_sendmsg() entry of this
 * very message on @sk recorded it in the current system call; NULL for
 * every other way into __sock_cmsg_send() (setsockopt(), io_uring, kernel
 * senders, a call that was not recorded). The record stays valid until
 * the current task exits. Called where the task may sleep; never waits
 * for a userfaultfd answer (zc_user_fault_in()).
 */
struct zc_call *zc_call_claim(struct sock *sk, int *err)
{
	void __user *uctl, *unread = NULL;
	struct zc_sysid id;
	struct zc_call *c;
	size_t len;

	*err = -EINVAL;
	if (!zc_records_in_use())
		return NULL;
	c = zc_call_find();
	if (!c || !c->armed || c->sk != (unsigned long)sk)
		return NULL;
	/*
	 * Every read of user memory here is tried without a fault first; one
	 * that must fault (i386 socketcall()'s arguments, a msghdr or headers
	 * paged out since the kernel read them) may sleep, so the call is
	 * held first (zc_call_hold()): no unload frees the module under a
	 * task that sleeps in it (zc_cmsg_send_quiesce()).
	 */
	if (!zc_current_sendmsg_syscall(&id, &unread)) {
		if (!unread || !zc_call_hold(c))
			return NULL;
		/* Not readable without a userfaultfd answer, or not at all */
		if (!zc_user_fault_retry(zc_current_sendmsg_syscall(&id, NULL),
					 unread, ZC_SOCKETCALL_ARGS, false)) {
			*err = -EFAULT;
			return NULL;
		}
	}
	if (!zc_sysid_recorded(&c->id, &id))
		return NULL;
	c->armed = false;
	/*
	 * A message whose entry did not look (its socket had no SO_ZEROCOPY
	 * then) cannot use a record armed by an earlier call: for sendmsg()
	 * the control buffer must still be the recorded one.
	 */
	if (!id.mmsg) {
		int e = zc_user_msg_ctl(id.msg, id.compat, false, &uctl, &len);

		if (e && !zc_call_hold(c))
			return NULL;	/* unloading: as the stock function */
		if (e)
			e = zc_user_msg_ctl(id.msg, id.compat, true, &uctl, &len);
		if (e) {
			*err = e;	/* its msghdr, not readable now */
			return NULL;
		}
		if (uctl != c->uctl || len != c->ctl_len)
			return NULL;
	}
	/* The entry could not finish its walk: the kernel has just read it. */
	if (c->nreq == ZC_WALK_LATER) {
		bool alone;

		c->nreq = zc_user_find(c->uctl, c->ctl_len, id.compat,
				       ZC_WALK_ALL_NOFAULT, &c->payload,
				       &c->plen, &alone);
		if (c->nreq == ZC_WALK_LATER && zc_call_hold(c))
			c->nreq = zc_user_find(c->uctl, c->ctl_len, id.compat,
					       ZC_WALK_PARSE, &c->payload,
					       &c->plen, &alone);
		if (c->nreq == -EFAULT)
			*err = -EFAULT;
		if (c->nreq <= 0)
			return NULL;
	}
	return c;
}

struct zc_hook zc_sendmsg_hook = {
	.name = "____sys_sendmsg",
	.func = zc_sendmsg_entry,
	.flags = ZC_FTRACE_ARGS_FLAGS,
};

/**
 * zc_sendmsg_init() - find ____sys_sendmsg()'s callers
 *
 * Call before the hook is installed. Without io_uring there is no
 * __sys_sendmsg_sock(); without ___sys_sendmsg() (inlined) every call is
 * held by task work (zc_hold.c).
 */
void zc_sendmsg_init(void)
{
	zc_symbol_range("__sys_sendmsg_sock", &zc_io_uring_start,
			&zc_io_uring_end);
	zc_symbol_range("___sys_sendmsg", &zc_syscall_start, &zc_syscall_end);
}
