// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - completions off the error queue, exactly once.
 *
 * An answer moves up to n completions off the socket's error queue into
 * the user's payload, all under the queue's lock (bounded work with IRQs
 * off), with user writes that never fault. Taking them off under the lock
 * is what makes each completion go to exactly one reader, whatever other
 * threads do with the error queue meanwhile (tests/errors.c hybrid_*);
 * other entries (ICMP errors, timestamps) stay, in order, and the socket's
 * error state follows as sock_dequeue_err_skb() would leave it.
 *
 * Owns: zc_errqueue_deliver() and the commit (the one store that makes an
 * answer visible).
 * May use: zc_user.c (the writes), zc_compat.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errqueue.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zc_compat.h"
#include "zc_errqueue.h"
#include "zc_user.h"

static bool zc_is_completion(struct sk_buff *skb)
{
	const struct sock_extended_err *ee = &SKB_EXT_ERR(skb)->ee;

	return ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY && !ee->ee_errno;
}

static bool zc_is_icmp_error(struct sk_buff *skb)
{
	u8 origin = SKB_EXT_ERR(skb)->ee.ee_origin;

	return origin == SO_EE_ORIGIN_ICMP || origin == SO_EE_ORIGIN_ICMP6;
}

static void zc_elem(struct sk_buff *skb, struct zc_info_elem *e)
{
	const struct sock_extended_err *ee = &SKB_EXT_ERR(skb)->ee;

	e->lo = ee->ee_info;
	e->hi = ee->ee_data;
	e->zerocopy = !(ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
}

/**
 * zc_errqueue_deliver() - move up to @n completions into the user's payload
 * @sk: the socket
 * @uzi: the payload, checked by the caller (access_ok(), not written yet
 *	in this call)
 * @n: the number of elements asked for
 * @zc0: arr[0].zerocopy as the caller left it
 * @tell_empty: the caller asked whether the answer leaves the error queue
 *	empty, and the call's send is done (zc_answer_returned())
 * @res: set to what was delivered, for the counters
 *
 * Write up to @n of @sk's completions, in queue order, into the user's
 * payload @uzi and take exactly those off the error queue. Everything
 * happens under the queue's lock, with user writes that never fault a
 * page in (so never sleep, whatever the user mapped there): either the
 * whole answer is written and the completions are taken, or nothing is
 * taken and the queue is exactly as before (-EFAULT).
 *
 * The answer becomes visible to the caller only with one single store
 * (see the commit below); everything else is written before it, arr[0]
 * with its zerocopy byte as the caller left it (which the caller may have
 * set to ZC_ELEM_UNWRITTEN).
 *
 * With @tell_empty, arr[0].reserved[0] says, before the commit, whether
 * the answer leaves the error queue holding nothing at all: ZC_QUEUE_EMPTY
 * or 0 (written also in an answer of no element).
 *
 * Work under the lock is bounded: at most @n completions and
 * ZC_NOTIFICATION_MAX other entries are looked at.
 *
 * Return: 0, or -EFAULT with nothing taken.
 */
int zc_errqueue_deliver(struct sock *sk, struct zc_info __user *uzi, u32 n,
			u8 zc0, bool tell_empty, struct zc_result *res)
{
	struct sk_buff_head *q = &sk->sk_error_queue;
	struct zc_info_elem e, first;
	struct sk_buff *skb, *tmp;
	struct sk_buff_head list;
	unsigned int skipped = 0;
	bool report = false;
	unsigned long flags;
	u64 ids = 0;
	u32 i = 0;
	u8 empty;
	int err = -EFAULT;

	__skb_queue_head_init(&list);
	spin_lock_irqsave(&q->lock, flags);
	skb_queue_walk(q, skb) {
		if (zc_is_completion(skb)) {
			zc_elem(skb, i ? &e : &first);
			if (i && zc_user_put_elem(&uzi->arr[i], e.lo, e.hi, e.zerocopy, 0))
				goto unlock;
			ids += (u32)(SKB_EXT_ERR(skb)->ee.ee_data -
				     SKB_EXT_ERR(skb)->ee.ee_info) + 1;
			if (++i == n)
				break;
		} else if (++skipped == ZC_NOTIFICATION_MAX) {
			break;
		}
	}
	/* Nothing else on the queue: it is empty once these i are taken. */
	empty = tell_empty && skb_queue_len(q) == i ? ZC_QUEUE_EMPTY : 0;
	/* arr[0] with the caller's zerocopy byte: not visible yet */
	if (i && zc_user_put_elem(&uzi->arr[0], first.lo, first.hi, zc0, empty))
		goto unlock;
	if (!i && tell_empty && zc_user_put_u8(&uzi->arr[0].reserved[0], empty))
		goto unlock;
	/*
	 * The commit: one store that makes the answer visible. With fewer
	 * than @n elements that is @size, and arr[0].zerocopy follows as the
	 * very next store (zc_user_put_short()), with interrupts off: on
	 * PREEMPT_RT the queue's lock leaves them on, and a page table entry
	 * zapped between two separate stores (another thread's
	 * MADV_DONTNEED, a migration) left the caller's byte in arr[0]
	 * (tests/adv_page_absent.c, adv_page_absent_churn: on 6.1-rt and
	 * 6.12-rt, and on arm64, whose TLB invalidation needs no interrupt).
	 * With @n, @size does not change and arr[0].zerocopy is the commit.
	 */
	if (!i) {
		if (zc_user_put_u32(&uzi->size, 0))
			goto unlock;
	} else if (i < n) {
		unsigned long irqs;
		int late;

		local_irq_save(irqs);
		late = zc_user_put_short(uzi, i, first.zerocopy);
		local_irq_restore(irqs);
		if (late < 0)
			goto unlock;
		/* Owed: stored where the task may fault (zc_call_late()). */
		res->late = late;
		res->late_zc = first.zerocopy;
	} else if (zc_user_put_u8(&uzi->arr[0].zerocopy, first.zerocopy)) {
		goto unlock;
	}
	err = 0;
	res->taken = i;
	res->ids = ids;
	res->bounded = i == n || skipped == ZC_NOTIFICATION_MAX;
	if (!skipped) {
		/* The common case: the taken ones are the queue's first i. */
		while (i--)
			__skb_queue_tail(&list, __skb_dequeue(q));
	} else {
		skb_queue_walk_safe(q, skb, tmp) {
			if (!i)
				break;
			if (zc_is_completion(skb)) {
				__skb_unlink(skb, q);
				__skb_queue_tail(&list, skb);
				i--;
			}
		}
	}
	/*
	 * As sock_dequeue_err_skb(): an ICMP error that is now first sets
	 * sk_err, and entries left are reported to the socket's waiters.
	 */
	skb = res->taken ? skb_peek(q) : NULL;
	if (skb && !skipped && zc_is_icmp_error(skb))	/* a new head */
		WRITE_ONCE(sk->sk_err, SKB_EXT_ERR(skb)->ee.ee_errno);
	report = skb;
unlock:
	spin_unlock_irqrestore(&q->lock, flags);
	while ((skb = __skb_dequeue(&list)))
		consume_skb(skb);
	/* Edge-triggered waiters see EPOLLERR again for what is left. */
	if (report)
		zc_sk_error_report(sk);
	return err;
}
