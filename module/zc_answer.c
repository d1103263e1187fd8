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
	    !(may_sleep &&
	      zc_user_fault_retry(zc_user_extent(uzi, len, x), uzi, len, true)))
		return -EFAULT;
	for (i = 0; i < c->nwritten; i++)
		if (zc_extent_overlap(&c->written_at[i], x))
			return -EINVAL;
	return 0;
}

/*
 * A lone request of a sendmsg() held until ____sys_sendmsg() returns
 * (x86-64 direct calls), on an empty error queue: nothing to answer now,
 * and over loopback, or through a device that frees its buffers at once,
 * the send's own completion is queued before the call returns. So it is
 * answered then (zc_answer_returned()), and a program that reads its
 * completions after every send finds them in the answer. Only on one
 * page: a payload across two would be written on the first before a
 * store to the second could fail.
 */
static bool zc_answer_may_wait(struct sock *sk, const struct zc_call *call,
			       struct zc_info __user *uzi)
{
	return call->until_return &&
	       skb_queue_empty_lockless(&sk->sk_error_queue) &&
	       offset_in_page((__force unsigned long)uzi) + call->plen <= PAGE_SIZE;
}

/*
 * Leave it as it is meanwhile (nothing written: a call the kernel
 * restarts meets it again and answers it then), on a page writable now
 * (the @size it holds, stored again; -EFAULT otherwise, for the parse to
 * fault it in). Whether the caller may send there was asked at the entry,
 * or, where @unasked, is asked by the kernel itself before the send
 * (sock_sendmsg()), and again at the return if the send failed or a
 * refusal could have been a count by then: @msg and its length are kept
 * for that (its name and iovec are in ___sys_sendmsg()'s frame, and its
 * control buffer stays the user's: the entry tells the kernel there is
 * none to copy).
 */
static int zc_answer_later(struct zc_call *call, struct zc_info __user *uzi,
			   u32 n, u8 zc0, struct msghdr *msg, bool unasked)
{
	if (zc_user_put_u32(&uzi->size, n))
		return -EFAULT;
	call->later = true;
	call->later_unasked = unasked;
	call->later_zc = zc0;
	call->later_msg = msg;
	call->later_len = msg_data_left(msg);
	call->written[call->nwritten] = (__force unsigned long)uzi;
	call->written_len[call->nwritten++] = call->plen;
	return 0;
}

/*
 * The answer itself, at the entry, the parse or the call's return: up to
 * @n completions into @uzi, its page made writable where the task may
 * sleep, an owed byte kept, counted; whether the error queue is left
 * empty told where @head asks and the send is done (@returned).
 * Return: 0, or -EFAULT (nothing taken).
 */
static __always_inline int
zc_answer_take(struct sock *sk, struct zc_call *call,
	       struct zc_info __user *uzi, u32 n,
	       const struct zc_user_head *head, bool may_sleep, bool returned)
{
	bool tell = returned && head->ask_empty;
	struct zc_result res = {};
	int err;

	err = zc_errqueue_deliver(sk, uzi, n, head->zerocopy, tell, &res);
	/* Not writable without a fault: make it so where that may wait. */
	if (err && may_sleep &&
	    zc_user_fault_retry(!zc_errqueue_deliver(sk, uzi, n, head->zerocopy,
						     tell, &res),
				uzi, ZC_INFO_SIZE(n), true))
		err = 0;
	if (err)
		return err;
	if (res.late)
		zc_call_late(call, &uzi->arr[0].zerocopy, res.late_zc, may_sleep);
	call->processed = true;
	zc_stat_add(requests, 1);
	zc_stat_add(ranges, res.taken);
	zc_stat_add(completions, res.ids);
	if (res.bounded)
		zc_stat_add(full, 1);
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
 * (zc_call_hold()) before anything is taken. A lone request that meets an
 * empty error queue at the entry of a call held until its return is
 * answered there instead (zc_answer_later()); its send permission is the
 * one the kernel asks before the send, or asked at the return where the
 * send failed, while no BPF program that could refuse with a count is
 * attached to the send's security hook (zc_lsm_send_refusal_is_negative();
 * otherwise the entry asks).
 *
 * Return: 0 (answered, counted; or left for the return), -EINVAL,
 * -EFAULT or the security module's error (nothing taken).
 */
int zc_answer(struct sock *sk, struct zc_call *call, u32 n,
	      struct msghdr *entry_msg)
{
	struct zc_info __user *uzi = call->payload;
	bool may_sleep = !entry_msg;
	struct zc_user_head head;
	struct zc_extent x;
	bool later, unasked;
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
		if (zc_user_fault_retry(!zc_user_head(uzi, &head), uzi,
					ZC_INFO_SIZE(n), true))
			err = 0;
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
	later = entry_msg && zc_answer_may_wait(sk, call, uzi);
	unasked = later && zc_lsm_send_refusal_is_negative();
	err = zc_call_may_write(call, uzi, call->plen, &x, may_sleep);
	if (!err)
		err = zc_lsm_may_answer(sk, unasked ? NULL : entry_msg);
	if (err)
		return err;
	if (later)
		return zc_answer_later(call, uzi, n, head.zerocopy, entry_msg,
				       unasked);
	zc_records_refill();

	err = zc_answer_take(sk, call, uzi, n, &head, may_sleep, false);
	if (err)
		return err;
	call->written[call->nwritten] = (__force unsigned long)uzi;
	if (call->id.mmsg)
		call->written_at[call->nwritten] = x;
	call->written_len[call->nwritten++] = call->plen;
	return 0;
}

/**
 * zc_answer_returned() - answer a request left for its call's return
 * @call: the current task's record, held until ____sys_sendmsg() returns,
 *	whose request zc_answer_later() left (@call->later)
 * @ret: what ____sys_sendmsg() returned
 *
 * The send has returned, and was not interrupted to be restarted (the
 * restarted call answers the request, untouched; zc_sendmsg_returned()):
 * the request is answered now, as the entry would have, with what the
 * send itself completed meanwhile among it. On the same socket: the task
 * is still inside the system call, which holds the socket's file; the
 * security module's yes to the error queue's read at the entry stands
 * for it, as a blocked recvmsg() keeps its own. Where the entry left the
 * send's question to the kernel (@call->later_unasked: no BPF program
 * that could refuse with a count was attached then), a send that went
 * through was allowed: sock_sendmsg() asked, as the entry would have. For
 * one that failed (@ret < 0) that is not known, nor for any where such a
 * program is attached now (zc_lsm_send_refusal_is_negative()), so it is
 * asked now, with the message's own msghdr and length, and a caller it
 * refuses is not answered. The module's question is the kernel's: the
 * message as it is sent, without the request, which the read's check
 * judges. The task may
 * sleep here, the call's module reference held: a page gone since the
 * entry read it (another thread's MADV_DONTNEED, a migration, swap-out
 * during a blocked send) is faulted
 * in as at the parse (zc_user_fault_in(): never a userfaultfd answer or
 * a filesystem's write fault; a read of a FUSE page evicted since the
 * entry waits for the filesystem, killably, as the parse's does:
 * docs/design.md), so that a valid request is processed wherever its
 * page is (tests/adv_page_absent.c, adv_page_absent_churn). Not for a
 * task being killed (its memory goes, and a shared socket's other users
 * would lose what it took), nor for a request its program changed
 * meanwhile; an answer that still cannot be written takes nothing and
 * leaves the request looking unprocessed (stats/efault) although the call
 * succeeded, and its completions stay on the error queue.
 * A request that asks is told whether the answer left the error queue
 * empty (ZC_ASK_QUEUE_EMPTY): only here is the call's send done before
 * the answer.
 */
void notrace zc_answer_returned(struct zc_call *call, int ret)
{
	struct zc_info __user *uzi = call->payload;
	u32 n = (call->plen - ZC_INFO_SIZE(0)) / sizeof(struct zc_info_elem);
	struct sock *sk = (struct sock *)call->sk;
	struct zc_user_head head;
	int err;

	call->later = false;
	if (fatal_signal_pending(current) || !zc_callback_may_sleep())
		return;
	if (call->later_unasked &&
	    (ret < 0 || !zc_lsm_send_refusal_is_negative()) &&
	    zc_lsm_may_send(sk, call->later_msg, call->later_len))
		return;
	err = zc_user_head(uzi, &head);
	if (err && zc_user_fault_retry(!zc_user_head(uzi, &head), uzi,
				       ZC_INFO_SIZE(n), true))
		err = 0;
	if (!err && (head.size != n || head.zerocopy != call->later_zc))
		return;
	if (!err)
		err = zc_answer_take(sk, call, uzi, n, &head, true, true);
	if (err)
		zc_stat_add(efault, 1);
	else
		zc_stat_add(returned, 1);
}
