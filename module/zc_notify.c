// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - SCM_ZC_NOTIFICATION handling.
 *
 * An ftrace callback on __sock_cmsg_send() looks at the type of each
 * SOL_SOCKET control message. For SCM_ZC_NOTIFICATION only (which the
 * stock function rejects with -EINVAL, so nothing of it is lost) it
 * redirects the call to zc_cmsg_send(), which has the same signature and
 * returns to __sock_cmsg_send()'s caller. The original is never called,
 * and the redirection is a return, not an indirect call (see README).
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

static bool zc_sock_ok(const struct sock *sk)
{
	if (!sock_flag(sk, SOCK_ZEROCOPY))
		return false;
	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return false;
	return (sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) ||
	       (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP);
}

/* Number of SCM_ZC_NOTIFICATION messages in a kernel control buffer. */
static int zc_count_requests(void *ctl, size_t len)
{
	struct cmsghdr *c;
	int n = 0;

	for (c = __CMSG_FIRSTHDR(ctl, len); c; c = __cmsg_nxthdr(ctl, len, c)) {
		if (c->cmsg_len < sizeof(*c) ||
		    c->cmsg_len > (size_t)((char *)ctl + len - (char *)c))
			break;
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_ZC_NOTIFICATION)
			n++;
	}
	return n;
}

static bool zc_is_completion(struct sk_buff *skb)
{
	const struct sock_extended_err *ee = &SKB_EXT_ERR(skb)->ee;

	return ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY && !ee->ee_errno;
}

/*
 * Move up to @n zerocopy completions from @sk's error queue to @out, in
 * queue order, leaving other entries in place. At most @n completions
 * are taken and at most ZC_NOTIFICATION_MAX other entries looked at.
 */
static unsigned int zc_take(struct sock *sk, struct sk_buff_head *out,
			    unsigned int n, bool *bounded)
{
	struct sk_buff_head *q = &sk->sk_error_queue;
	unsigned int taken = 0, skipped = 0;
	struct sk_buff *skb, *tmp;
	unsigned long flags;

	*bounded = false;
	if (skb_queue_empty_lockless(q))
		return 0;
	spin_lock_irqsave(&q->lock, flags);
	skb_queue_walk_safe(q, skb, tmp) {
		if (zc_is_completion(skb)) {
			__skb_unlink(skb, q);
			__skb_queue_tail(out, skb);
			if (++taken == n)
				break;
		} else if (++skipped == ZC_NOTIFICATION_MAX) {
			break;
		}
	}
	*bounded = taken == n || skipped == ZC_NOTIFICATION_MAX;
	spin_unlock_irqrestore(&q->lock, flags);
	return taken;
}

/* Undo zc_take(): the completions go back to the head of the queue. */
static void zc_put_back(struct sock *sk, struct sk_buff_head *list)
{
	struct sk_buff_head *q = &sk->sk_error_queue;
	unsigned long flags;

	if (skb_queue_empty(list))
		return;
	spin_lock_irqsave(&q->lock, flags);
	skb_queue_splice(list, q);
	spin_unlock_irqrestore(&q->lock, flags);
	__skb_queue_head_init(list);
	zc_sk_error_report(sk);
}

static int zc_probe_writable(u8 __user *uaddr, const u8 *val)
{
	return put_user(*val, uaddr);
}

/* Write the taken ranges and their number; adds up the send counters. */
static int zc_write(struct zc_info __user *uzi, struct sk_buff_head *list,
		    u64 *ids)
{
	struct zc_info_elem e = {};
	struct sk_buff *skb;
	u32 i = 0;

	skb_queue_walk(list, skb) {
		const struct sock_extended_err *ee = &SKB_EXT_ERR(skb)->ee;

		e.lo = ee->ee_info;
		e.hi = ee->ee_data;
		e.zerocopy = !(ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
		if (copy_to_user(&uzi->arr[i++], &e, sizeof(e)))
			return -EFAULT;
		*ids += (u32)(e.hi - e.lo) + 1;
	}
	return put_user(i, &uzi->size);
}

/*
 * A 32-bit caller's control buffer was converted to the native layout
 * (larger headers, 8-byte alignment) before parsing, message by message.
 * Find our message by its index in the user's own buffer, and check it is
 * still what was converted. The payload itself has the same layout in
 * both ABIs (4-byte aligned, 12-byte elements).
 */
static struct zc_info __user *zc_compat_payload(const struct zc_call *call,
						void *kctl, size_t klen,
						struct cmsghdr *cmsg, u32 n)
{
#ifdef CONFIG_COMPAT
	char __user *u = call->uctl;
	struct compat_cmsghdr ch;
	struct cmsghdr *c;
	size_t uoff = 0;

	for (c = __CMSG_FIRSTHDR(kctl, klen); c && c != cmsg;
	     c = __cmsg_nxthdr(kctl, klen, c)) {
		if (uoff + sizeof(ch) > call->ctl_len ||
		    copy_from_user(&ch, u + uoff, sizeof(ch)) ||
		    ch.cmsg_len < sizeof(ch))
			return NULL;
		uoff += ALIGN(ch.cmsg_len, sizeof(s32));
	}
	if (!c || uoff + sizeof(ch) > call->ctl_len ||
	    copy_from_user(&ch, u + uoff, sizeof(ch)))
		return NULL;
	if (ch.cmsg_level != SOL_SOCKET || ch.cmsg_type != SCM_ZC_NOTIFICATION ||
	    ch.cmsg_len != sizeof(ch) + ZC_INFO_SIZE(n) ||
	    call->ctl_len - uoff < ch.cmsg_len)
		return NULL;
	return (struct zc_info __user *)(u + uoff + sizeof(ch));
#else
	return NULL;
#endif
}

static int zc_notify(struct sock *sk, struct msghdr *msg, struct cmsghdr *cmsg)
{
	struct zc_info *kzi = (struct zc_info *)CMSG_DATA(cmsg);
	struct zc_info __user *uzi;
	struct sk_buff_head list;
	struct zc_call *call;
	struct sk_buff *skb;
	bool bounded;
	u64 ids = 0;
	size_t off, klen;
	u32 n, taken;
	char *kctl;
	int err;

	/* The ABI's layout, as ZC_INFO_SIZE() assumes it. */
	BUILD_BUG_ON(sizeof(struct zc_info_elem) != 12);
	BUILD_BUG_ON(offsetof(struct zc_info, arr) != sizeof(__u32));

	if (!zc_sock_ok(sk))
		return -EINVAL;
	call = zc_call_current(sk);
	if (!call || (msg && msg != call->msg))
		return -EINVAL;
	if (call->done)		/* the same message parsed twice */
		return 0;

	if (cmsg->cmsg_len < CMSG_LEN(ZC_INFO_SIZE(0)))
		return -EINVAL;
	n = kzi->size;
	if (!n || n > ZC_NOTIFICATION_MAX ||
	    cmsg->cmsg_len != CMSG_LEN(ZC_INFO_SIZE(n)))
		return -EINVAL;

	/*
	 * The kernel copy of the control buffer; a compat one was converted
	 * and has its own length.
	 */
	kctl = call->msg->msg_control;
	klen = call->compat ? call->msg->msg_controllen : call->ctl_len;
	if ((char *)cmsg < kctl)
		return -EINVAL;
	off = (char *)cmsg - kctl;
	if (off > klen || klen - off < cmsg->cmsg_len)
		return -EINVAL;
	if (zc_count_requests(kctl, klen) != 1)
		return -EINVAL;
	/* Where the payload sits in the user's buffer. */
	if (call->compat)
		uzi = zc_compat_payload(call, kctl, klen, cmsg, n);
	else
		uzi = (struct zc_info __user *)((char __user *)call->uctl +
						off + ((char *)kzi - (char *)cmsg));
	if (!uzi)
		return -EINVAL;

	/*
	 * Check the payload is writable before taking anything, without
	 * changing it: write back its first and last bytes (at most 772
	 * bytes, so that covers every page it spans).
	 */
	if (zc_probe_writable((u8 __user *)uzi, (u8 *)kzi) ||
	    zc_probe_writable((u8 __user *)uzi + ZC_INFO_SIZE(n) - 1,
			      (u8 *)kzi + ZC_INFO_SIZE(n) - 1))
		return -EFAULT;

	__skb_queue_head_init(&list);
	taken = zc_take(sk, &list, n, &bounded);
	err = zc_write(uzi, &list, &ids);
	if (err) {
		zc_put_back(sk, &list);
		return err;
	}
	while ((skb = __skb_dequeue(&list)))
		consume_skb(skb);
	call->done = true;
	zc_stat_add(requests, 1);
	zc_stat_add(ranges, taken);
	zc_stat_add(completions, ids);
	if (bounded)
		zc_stat_add(full, 1);
	return 0;
}

#ifdef ZC_HAVE_CMSG_SEND_MSG
#define ZC_CMSG_MSG	msg
#else
#define ZC_CMSG_MSG	NULL
#endif

/*
 * Reached from zc_cmsg_send_entry() instead of __sock_cmsg_send(), with
 * its arguments, in its caller's context (may sleep, e.g. faulting in the
 * user's buffer). Holds the module reference the callback took, so
 * rmmod refuses while a task is in here rather than waiting for it.
 */
static ZC_CMSG_SEND_PROTO(zc_cmsg_send)
{
	int err = zc_notify(sk, ZC_CMSG_MSG, cmsg);

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
