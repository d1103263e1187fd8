// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the answer: a request is checked, held, allowed, then
 * delivered, at most once per payload and call.
 *
 * Both paths end here: the lone request at ____sys_sendmsg() entry
 * (zc_sendmsg.c) and the parse of SCM_ZC_NOTIFICATION
 * (zc_cmsg_send.c). The payload is the user's own, found from the user's
 * own headers; one written earlier in the same system call is refused,
 * whatever address reaches it (tests/adv_alias.c), because an answer is
 * itself a valid request.
 *
 * Owns: zc_answer(), the socket checks, the once-per-payload check.
 * May use: zc_hold.c, zc_records.c, zc_errqueue.c, zc_user.c,
 * zc_user_pages.c, zc_lsm.c, zc_stats.c.
 */
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zc_answer.h"
#include "zc_compat.h"
#include "zc_errqueue.h"
#include "zc_hold.h"
#include "zc_lsm.h"
#include "zc_records.h"
#include "zc_stats.h"
#include "zc_user.h"
#include "zc_user_pages.h"

/*
 * Nothing written earlier in this system call is parsed again, whatever
 * address it is reached by: a sendmmsg() whose messages map one page
 * twice is compared by physical extent (zc_user_extent()). -EINVAL for a
 * payload written already, -EFAULT for one whose pages cannot be made
 * writable (as a sendmsg() would get from the write).
 */
static int zc_call_may_write(const struct zc_call *c,
			     struct zc_info __user *uzi, size_t len,
			     struct zc_extent *x, bool may_sleep)
{
	unsigned long a = (__force unsigned long)uzi;
	unsigned int i;

	if (c->nwritten == ZC_CALL_WRITTEN_MAX)
		return -EINVAL;
	for (i = 0; i < c->nwritten; i++)
		if (a < c->written[i] + c->written_len[i] &&
		    c->written[i] < a + len)
			return -EINVAL;
	if (!c->id.mmsg)	/* one message: nothing else can alias it */
		return 0;
	if (!zc_user_extent(uzi, len, x) &&
	    !(may_sleep && zc_user_fault_in(uzi, len, true) &&
	      zc_user_extent(uzi, len, x)))
		return -EFAULT;
	for (i = 0; i < c->nwritten; i++)
		if (zc_extent_overlap(&c->written_at[i], x))
			return -EINVAL;
	return 0;
}

/**
 * zc_answer() - answer the request recorded in @call, for @n elements
 * @sk: the socket of the call
 * @call: the current message's record, claimed
 * @n: the number of elements asked for (1..ZC_NOTIFICATION_MAX)
 * @entry_msg: the message, when answered at ____sys_sendmsg() entry (in
 *	the ftrace callback: nothing may fault or wait); NULL at the parse,
 *	where pages may be faulted in (zc_user_fault_in())
 *
 * The payload is the user's own, found from the user's own headers: the
 * only request of the message, of the length @n needs and asking for @n.
 * A payload written earlier in the same system call is refused. Only a
 * caller the security module lets send on the socket and read its error
 * queue is answered (zc_lsm_may_answer()). The call is held
 * (zc_call_hold()) before anything is taken.
 *
 * Return: 0 (answered, counted), -EINVAL, -EFAULT or the security
 * module's error (nothing taken).
 */
int zc_answer(struct sock *sk, struct zc_call *call, u32 n,
	      struct msghdr *entry_msg)
{
	struct zc_info __user *uzi = call->payload;
	bool may_sleep = !entry_msg;
	struct zc_result res = {};
	struct zc_user_head head;
	struct zc_extent x;
	int err;

	if (call->nreq != 1 || call->plen != ZC_INFO_SIZE(n))
		return -EINVAL;
	/* The payload spans at most two pages: every access below is in it. */
	if (!access_ok(uzi, ZC_INFO_SIZE(n)))
		return -EFAULT;
	/* Held before anything that may sleep: a fault, below. */
	err = zc_user_head(uzi, &head);
	if (err && may_sleep) {
		if (!zc_call_hold(call))
			return -EINVAL;	/* unloading: as the stock function */
		if (zc_user_fault_in(uzi, ZC_INFO_SIZE(n), true))
			err = zc_user_head(uzi, &head);
	}
	if (err)
		return err;
	if (head.size != n)
		return -EINVAL;
	/*
	 * And before what follows, which may sleep on PREEMPT_RT (a page's
	 * last put_page(), the security hooks, the error queue's lock).
	 */
	if (!zc_call_hold(call))
		return -EINVAL;
	err = zc_call_may_write(call, uzi, call->plen, &x, may_sleep);
	if (!err)
		err = zc_lsm_may_answer(sk, entry_msg);
	if (err)
		return err;
	zc_records_refill();

	err = zc_errqueue_deliver(sk, uzi, n, head.zerocopy, false, &res);
	/* Not writable without a fault: make it so where that may wait. */
	if (err == -EFAULT && may_sleep && zc_user_fault_in(uzi, ZC_INFO_SIZE(n), true))
		err = zc_errqueue_deliver(sk, uzi, n, head.zerocopy, false, &res);
	if (err)
		return err;
	if (res.late)
		zc_call_late(call, &uzi->arr[0].zerocopy, res.late_zc, may_sleep);
	call->written[call->nwritten] = (__force unsigned long)uzi;
	if (call->id.mmsg)
		call->written_at[call->nwritten] = x;
	call->written_len[call->nwritten++] = call->plen;
	call->processed = true;
	/* What the send itself completes may still come (zc_answer_returned()) */
	call->empty = call->until_return && !res.taken;
	zc_stat_add(requests, 1);
	zc_stat_add(ranges, res.taken);
	zc_stat_add(completions, res.ids);
	if (res.bounded)
		zc_stat_add(full, 1);
	return 0;
}

/**
 * zc_answer_returned() - the message's send returned: grow its empty answer
 * @call: the current task's record, held until ____sys_sendmsg() returns,
 *	whose request was answered with nothing (@call->empty)
 *
 * A completion the send itself made (over loopback, or through a device
 * that frees its buffers at once, it is queued before sendmsg() returns)
 * is given to the caller now instead of waiting for its next call: the
 * program that reads its completions after every send finds them in this
 * answer (and so do any others queued meanwhile). Only the answer this
 * call wrote, still untouched (@size 0), on the same socket: the task is
 * still inside the system call, which holds the socket's file, and the
 * security module's yes at the entry (or the parse) stands for it, as a
 * blocked recvmsg() keeps its own. Not for a task being killed: its
 * memory goes, and other users of a shared socket would lose what it
 * took. Without a fault (no page is faulted in here; on PREEMPT_RT the
 * queue's lock may sleep, the call's module reference held), under the
 * queue's lock as every answer, all or nothing: a payload that cannot be
 * written stays the empty answer, nothing taken. One across two pages is
 * checked writable in both first, so that a failed store of the second
 * leaves nothing written past @size in the first.
 */
void notrace zc_answer_returned(struct zc_call *call)
{
	struct zc_info __user *uzi = call->payload;
	struct zc_result res = {};
	struct zc_user_head head;
	struct zc_extent x;
	u32 n;

	call->empty = false;
	if (fatal_signal_pending(current) || !zc_callback_may_sleep() ||
	    zc_user_head(uzi, &head) || head.size)
		return;
	if (offset_in_page(uzi) + call->plen > PAGE_SIZE &&
	    !zc_user_extent(uzi, call->plen, &x))
		return;
	n = (call->plen - ZC_INFO_SIZE(0)) / sizeof(struct zc_info_elem);
	if (zc_errqueue_deliver((struct sock *)call->sk, uzi, n, 0, true, &res) ||
	    !res.taken)
		return;
	zc_stat_add(returned, 1);
	zc_stat_add(ranges, res.taken);
	zc_stat_add(completions, res.ids);
	if (res.bounded)
		zc_stat_add(full, 1);
}
