// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - SCM_ZC_NOTIFICATION handling.
 *
 * An ftrace callback on __sock_cmsg_send() looks at the type of each
 * SOL_SOCKET control message. For SCM_ZC_NOTIFICATION only (which the
 * stock function rejects with -EINVAL, so nothing of it is lost) it
 * redirects the call to zc_cmsg_send(), which has the same signature and
 * returns to __sock_cmsg_send()'s caller. The original is never called,
 * and the redirection is a return, not an indirect call (docs/design.md).
 *
 * zc_cmsg_send() moves up to n completions off the error queue under its
 * lock (bounded work with IRQs off), then writes them to the user's
 * buffer with the lock dropped. Taking them off first is what makes each
 * completion go to exactly one reader, whatever other threads do with the
 * error queue meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errqueue.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/uaccess.h>
#include <net/compat.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zcnotify.h"

/**
 * zc_sock_inet() - a TCP or UDP socket over IPv4/IPv6
 * @sk: socket
 *
 * Return: true if @sk could carry a request once SO_ZEROCOPY is set.
 */
bool zc_sock_inet(const struct sock *sk)
{
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return false;
	return (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) ||
	       (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP);
}

/**
 * zc_sock_ok() - the socket can carry a request
 * @sk: socket
 *
 * Return: true for TCP and UDP over IPv4/IPv6 with SO_ZEROCOPY set.
 */
bool zc_sock_ok(const struct sock *sk)
{
	return sock_flag(sk, SOCK_ZEROCOPY) && zc_sock_inet(sk);
}

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

/* What one request delivered, for the counters. */
struct zc_result {
	u32 taken;
	u64 ids;
	bool bounded;
};

/*
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
 * Work under the lock is bounded: at most @n completions and
 * ZC_NOTIFICATION_MAX other entries are looked at.
 */
static int zc_deliver(struct sock *sk, struct zc_info __user *uzi, u32 n,
		      u8 zc0, struct zc_result *res)
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
	int err = -EFAULT;

	__skb_queue_head_init(&list);
	spin_lock_irqsave(&q->lock, flags);
	skb_queue_walk(q, skb) {
		if (zc_is_completion(skb)) {
			zc_elem(skb, i ? &e : &first);
			if (i && zc_user_put_elem(&uzi->arr[i], e.lo, e.hi, e.zerocopy))
				goto unlock;
			ids += (u32)(SKB_EXT_ERR(skb)->ee.ee_data -
				     SKB_EXT_ERR(skb)->ee.ee_info) + 1;
			if (++i == n)
				break;
		} else if (++skipped == ZC_NOTIFICATION_MAX) {
			break;
		}
	}
	/* arr[0] with the caller's zerocopy byte: not visible yet */
	if (i && zc_user_put_elem(&uzi->arr[0], first.lo, first.hi, zc0))
		goto unlock;
	/*
	 * The commit: one store that makes the answer visible. With fewer
	 * than @n elements that is @size (arr[0].zerocopy follows, best
	 * effort: only an unmap of that very page between the two stores can
	 * leave the caller's byte there); with @n, @size does not change and
	 * arr[0].zerocopy is the commit.
	 */
	if (i < n) {
		if (zc_user_put_u32(&uzi->size, i))
			goto unlock;
		if (i && zc_user_put_u8(&uzi->arr[0].zerocopy, first.zerocopy))
			pr_warn_ratelimited("pid %d: answer's page unmapped while answering\n",
					    task_pid_nr(current));
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

/*
 * Nothing written earlier in this system call is parsed again, whatever
 * address it is reached by: a sendmmsg() whose messages map one page
 * twice is compared by physical extent (zc_user_extent()).
 */
static bool zc_call_may_write(const struct zc_call *c,
			      struct zc_info __user *uzi, size_t len,
			      struct zc_extent *x, bool may_sleep)
{
	unsigned long a = (__force unsigned long)uzi;
	unsigned int i;

	if (c->nwritten == ZC_CALL_WRITTEN_MAX)
		return false;
	for (i = 0; i < c->nwritten; i++)
		if (a < c->written[i] + c->written_len[i] &&
		    c->written[i] < a + len)
			return false;
	if (!c->id.mmsg)	/* one message: nothing else can alias it */
		return true;
	if (!zc_user_extent(uzi, len, x) &&
	    !(may_sleep && zc_user_fault_in(uzi, len) &&
	      zc_user_extent(uzi, len, x)))
		return false;
	for (i = 0; i < c->nwritten; i++)
		if (zc_extent_overlap(&c->written_at[i], x))
			return false;
	return true;
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
	err = zc_user_head(uzi, &head);
	if (err && may_sleep && zc_user_fault_in(uzi, ZC_INFO_SIZE(n)))
		err = zc_user_head(uzi, &head);
	if (err)
		return err;
	if (head.size != n)
		return -EINVAL;
	/*
	 * Held first: what follows may sleep on PREEMPT_RT (a page's last
	 * put_page(), the security hooks, the error queue's lock).
	 */
	if (!zc_call_hold(call) ||
	    !zc_call_may_write(call, uzi, call->plen, &x, may_sleep))
		return -EINVAL;
	err = zc_lsm_may_answer(sk, entry_msg);
	if (err)
		return err;
	zc_calls_refill();

	err = zc_deliver(sk, uzi, n, head.zerocopy, &res);
	/* Not writable without a fault: make it so where that may wait. */
	if (err == -EFAULT && may_sleep && zc_user_fault_in(uzi, ZC_INFO_SIZE(n)))
		err = zc_deliver(sk, uzi, n, head.zerocopy, &res);
	if (err)
		return err;
	call->written[call->nwritten] = (__force unsigned long)uzi;
	if (call->id.mmsg)
		call->written_at[call->nwritten] = x;
	call->written_len[call->nwritten++] = call->plen;
	call->processed = true;
	zc_stat_add(requests, 1);
	zc_stat_add(ranges, res.taken);
	zc_stat_add(completions, res.ids);
	if (res.bounded)
		zc_stat_add(full, 1);
	return 0;
}

static int zc_notify(struct sock *sk, struct cmsghdr *cmsg)
{
	const struct zc_info *kzi = (const struct zc_info *)CMSG_DATA(cmsg);
	struct zc_call *call;
	u32 n;

	/* The ABI's layout, as ZC_INFO_SIZE() assumes it. */
	BUILD_BUG_ON(sizeof(struct zc_info_elem) != 12);
	BUILD_BUG_ON(offsetof(struct zc_info, arr) != sizeof(__u32));

	/* The kernel checked that cmsg_len fits its copy of the buffer. */
	if (!zc_sock_ok(sk) || cmsg->cmsg_len < CMSG_LEN(ZC_INFO_SIZE(0)))
		return -EINVAL;
	n = kzi->size;
	if (!n || n > ZC_NOTIFICATION_MAX ||
	    cmsg->cmsg_len != CMSG_LEN(ZC_INFO_SIZE(n)))
		return -EINVAL;
	call = zc_call_claim(sk);
	zc_calls_refill();	/* under the redirect's module reference */
	if (!call)
		return -EINVAL;
	return zc_answer(sk, call, n, NULL);
}

/*
 * Reached from zc_cmsg_send_entry() instead of __sock_cmsg_send(), with
 * its arguments, in its caller's context. Never sleeps on user memory
 * (every user access is a nofault one); holds the module reference the
 * callback took, so rmmod refuses (never waits) in the few instructions
 * a task spends in here.
 */
static ZC_CMSG_SEND_PROTO(zc_cmsg_send)
{
	int err;

	/* The prototype Kbuild chose must be the kernel's own. */
	BUILD_BUG_ON(!__same_type(&zc_cmsg_send, &__sock_cmsg_send));
	err = zc_notify(sk, cmsg);

	if (err == -EINVAL)
		zc_stat_add(einval, 1);
	else if (err)
		zc_stat_add(efault, 1);
	module_put(THIS_MODULE);
	return err;
}

/**
 * zc_cmsg_send_entry() - ftrace callback on __sock_cmsg_send() entry
 * @ip: address of the traced function
 * @parent_ip: its caller
 * @ops: our ftrace_ops
 * @fregs: arguments of __sock_cmsg_send()
 *
 * Sends SCM_ZC_NOTIFICATION messages to zc_cmsg_send(); every other
 * control message continues into the stock function untouched.
 */
void notrace zc_cmsg_send_entry(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	struct cmsghdr *cmsg = (struct cmsghdr *)zc_fregs_arg(fregs, ZC_CMSG_ARG);

	if (cmsg->cmsg_type != SCM_ZC_NOTIFICATION ||
	    cmsg->cmsg_level != SOL_SOCKET)
		return;
	/* Unloading: leave it to the stock function (EINVAL). */
	if (!try_module_get(THIS_MODULE))
		return;
	zc_fregs_set_ip(fregs, (unsigned long)zc_cmsg_send);
}

/**
 * zc_notify_quiesce() - wait until no task runs zc_cmsg_send()
 *
 * Call after the __sock_cmsg_send() hook is removed. Every task sent to
 * zc_cmsg_send() held a module reference, so none is inside it when the
 * module is being removed, except one preempted between module_put() and
 * its return. Being preempted is not a voluntary context switch, so a
 * tasks-RCU grace period waits for it to leave.
 */
void zc_notify_quiesce(void)
{
	zc_sync_tasks();
}
