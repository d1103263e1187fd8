// SPDX-License-Identifier: GPL-2.0
/*
 * send: MSG_ZEROCOPY sends on served sockets carry an SCM_ZC_NOTIFICATION
 * request after the program's own control messages; what the module
 * answers goes to the socket's store. Everything else passes through.
 *
 * Per the uapi header: the request is reset before every call and checked
 * after every call, whatever it returned. A request that was not
 * processed and a call that failed with EINVAL: the call is made again
 * without the request; if that one does not fail with EINVAL too, the
 * request was refused (module absent) and the socket, and the process if
 * no request was ever answered in it, pass through from then on. The
 * program sees the second call's result only.
 *
 * A socket whose answers keep coming back empty sends without a request
 * for a while (ZCP_EMPTY_RUN in zcp.h): those sends pass through.
 *
 * Every request also asks whether its answer left the error queue empty
 * (empty.c); every send call on a served socket that may be told so,
 * with or without MSG_ZEROCOPY, is counted for that (PASS()).
 *
 * A blocking call that processed its request and was interrupted fails
 * with EINTR where the kernel would have restarted it; the library then
 * makes it again itself when the kernel would have (every handler with
 * SA_RESTART, no SO_SNDTIMEO), and returns EINTR otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <linux/zcnotify.h>
#include "zcp.h"

/* Largest program control buffer the request is added to. */
#define CTL_MAX		4096
/* Room for the request: CMSG_SPACE(ZC_INFO_SIZE(ZCP_REQ_MAX)), rounded up
 * (a plain number: clang does not take CMSG_SPACE() as a constant size). */
#define REQ_SPACE	512

static atomic_bool answered_once;	/* some request was processed */

struct req {
	union {
		char b[CTL_MAX + REQ_SPACE];
		size_t align;	/* cmsghdr's alignment (it ends in a flexible array) */
	} ctl;
	size_t len;		/* bytes of ctl in use */
	struct zc_info *zi;
	uint32_t cap;
};

/*
 * Where the program's last control message ends, walked as the kernel
 * walks them; -1 if the kernel would reject them (then no request: the
 * program gets the kernel's own answer) or one is a request of its own.
 */
static long cmsg_end(const struct msghdr *m)
{
	const char *c = m->msg_control;
	size_t len = m->msg_controllen, off = 0;

	if (len > CTL_MAX || (len && !c))
		return -1;
	if (len < sizeof(struct cmsghdr))
		return 0;
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr h;

		memcpy(&h, c + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return -1;
		/* The program makes its own requests: leave it alone. */
		if (h.cmsg_level == SOL_SOCKET &&
		    h.cmsg_type == SCM_ZC_NOTIFICATION)
			return -1;
		off += CMSG_ALIGN(h.cmsg_len);
	}
	return off;
}

/*
 * One send of a run without a request (ZCP_EMPTY_RUN), taken without the
 * lock: a socket is never freed (socks.c), and where the fd was closed or
 * reused meanwhile the send goes without a request all the same.
 */
static bool take_skip(struct zcp_sock *s)
{
	uint32_t k = atomic_load_explicit(&s->skip, memory_order_relaxed);

	while (k)
		if (atomic_compare_exchange_weak_explicit(&s->skip, &k, k - 1,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return true;
	return false;
}

/*
 * Lend free store slots to a request; 0: none free (or fd changed), or
 * *skipped: the socket's answers have been coming back empty (ZCP_EMPTY_RUN).
 */
static uint32_t reserve(int fd, struct zcp_sock *s, bool *skipped)
{
	uint32_t cap = 0;
	bool mine;

	*skipped = false;
	zcp_lock();
	/* Not if the fd was closed or reused meanwhile, or there is no module. */
	mine = atomic_load(&zcp_fd[fd]) == s && !s->absent;
	if (mine && take_skip(s)) {
		*skipped = true;
	} else if (mine) {
		cap = ZCP_STORE_MAX - s->n - s->reserved;
		if (cap > s->next_cap)
			cap = s->next_cap;
		s->reserved += cap;
		if (cap)
			s->busy++;
	}
	zcp_unlock();
	return cap;
}

/* Program's control messages, then the request (reset per the header). */
static void build(struct req *q, const struct msghdr *m, long end)
{
	struct cmsghdr *cm;

	if (CMSG_SPACE(ZC_INFO_SIZE(ZCP_REQ_MAX)) > REQ_SPACE)
		abort();	/* folded away: REQ_SPACE is big enough */
	memset(q->ctl.b, 0, end);
	if (m->msg_controllen)
		memcpy(q->ctl.b, m->msg_control, m->msg_controllen);
	cm = (struct cmsghdr *)(q->ctl.b + end);
	memset(cm, 0, CMSG_SPACE(ZC_INFO_SIZE(q->cap)));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_ZC_NOTIFICATION;
	cm->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(q->cap));
	q->zi = (struct zc_info *)CMSG_DATA(cm);
	q->zi->size = q->cap;
	q->zi->arr[0].zerocopy = ZC_ELEM_UNWRITTEN;
	if (zcp_empty_on)
		memset(q->zi->arr[0].reserved, ZC_ASK_QUEUE_EMPTY,
		       sizeof(q->zi->arr[0].reserved));
	q->len = end + CMSG_SPACE(ZC_INFO_SIZE(q->cap));
}

/* Under zcp_mu: count an answer, empty or not (ZCP_EMPTY_RUN). */
static void empty_answer(struct zcp_sock *s, bool empty)
{
	if (!empty) {
		s->empties = 0;
		s->backoff = 0;
		atomic_store_explicit(&s->skip, 0, memory_order_relaxed);
		return;
	}
	if (s->empties < ZCP_EMPTY_RUN && ++s->empties < ZCP_EMPTY_RUN)
		return;
	s->backoff = !s->backoff ? ZCP_EMPTY_RUN :
		s->backoff * 2 > ZCP_SKIP_MAX ? ZCP_SKIP_MAX : s->backoff * 2;
	atomic_store_explicit(&s->skip, s->backoff, memory_order_relaxed);
}

/*
 * After a send made without a request (skipped) or for want of store
 * slots. One that met ENOBUFS may have found optmem full of completions
 * nobody asked for: the program gets the kernel's answer, as it would
 * without the library, and the socket's next send asks again.
 */
static __attribute__((noinline)) void unrequested_failed(struct zcp_sock *s)
{
	if (errno != ENOBUFS)
		return;
	zcp_lock();
	empty_answer(s, false);
	zcp_unlock();
	errno = ENOBUFS;
}

static inline void unrequested(struct zcp_sock *s, bool skipped, long ret)
{
	if (!skipped)
		return;
	ZCP_COUNT(ZC_SEND_SKIPPED);
	if (ret < 0)
		unrequested_failed(s);
}

/* After the call: store what was answered, give the slots back. */
static bool settle(struct zcp_sock *s, struct req *q, const struct zcp_send *st)
{
	volatile struct zc_info *zi = q->zi;
	uint32_t n = zi->size, i;
	bool processed = n != q->cap || zi->arr[0].zerocopy != ZC_ELEM_UNWRITTEN;
	bool told = zi->arr[0].reserved[0] == ZC_QUEUE_EMPTY;
	uint32_t last;

	if (n > q->cap)
		n = q->cap;
	zcp_lock();
	s->reserved -= q->cap;
	if (processed) {
		s->next_cap = n < q->cap ? 1 : q->cap * 4 > ZCP_REQ_MAX ?
			ZCP_REQ_MAX : q->cap * 4;
		empty_answer(s, n == 0);
		last = n ? zi->arr[n - 1].hi : 0;
		zcp_empty_settle(s, st, told, n ? &last : NULL);
		for (i = 0; i < n; i++)
			zcp_store_add(s, zi->arr[i].lo, zi->arr[i].hi,
				      !zi->arr[i].zerocopy);
		if (n)
			zcp_wake_locked();
	}
	zcp_sock_unbusy_locked(s);
	zcp_unlock();
	if (processed) {
		ZCP_COUNT(ZC_SEND_ANSWERED);
		if (told)
			ZCP_COUNT(ZC_SEND_EMPTY);
		ZCP_ADD(ZC_RANGES_IN, n);
		atomic_store_explicit(&answered_once, true,
				      memory_order_relaxed);
	}
	return processed;
}

/* Would the kernel have restarted the interrupted call itself? */
static bool restart_ok(int fd)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	struct sigaction sa;
	int sig;

	ZCP_COUNT(ZC_SYSCALLS);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) ||
	    tv.tv_sec || tv.tv_usec)
		return false;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigaction(sig, NULL, &sa))
			continue;
		if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN &&
		    !(sa.sa_flags & SA_RESTART))
			return false;
	}
	return true;
}

/* The request was refused: this socket (and maybe process) passes. */
static void refused(struct zcp_sock *s)
{
	zcp_lock();
	s->absent = true;
	zcp_unlock();
	if (!atomic_load_explicit(&answered_once, memory_order_relaxed))
		atomic_store(&zcp_absent, true);
}

/* A MSG_ZEROCOPY sendmsg() on a served socket, with the request. */
static ssize_t zc_sendmsg(int fd, struct zcp_sock *s, const struct msghdr *msg,
			  int flags, long end, const struct zcp_send *st)
{
	struct msghdr m = *msg;
	bool skipped;
	struct req q;
	ssize_t ret;
	int err;

	for (;;) {
		q.cap = reserve(fd, s, &skipped);
		if (!q.cap) {
			ret = KCALL(sendmsg)(fd, msg, flags);
			unrequested(s, skipped, ret);
			return ret;
		}
		build(&q, msg, end);
		m.msg_control = q.ctl.b;
		m.msg_controllen = q.len;
		ZCP_COUNT(ZC_SEND_REQ);
		ret = KCALL(sendmsg)(fd, &m, flags);
		err = errno;
		if (settle(s, &q, st)) {
			if (ret < 0 && err == EINTR && restart_ok(fd)) {
				ZCP_COUNT(ZC_SEND_RESTARTED);
				/* Told of a call that sent nothing: not this one. */
				atomic_store(&s->told, false);
				continue;
			}
			errno = err;
			return ret;
		}
		if (ret < 0 && err == EINVAL) {
			ZCP_COUNT(ZC_SEND_RESENT);
			ret = KCALL(sendmsg)(fd, msg, flags);
			if (ret >= 0 || errno != EINVAL)
				refused(s);
			return ret;
		}
		errno = err;
		return ret;
	}
}

/*
 * A send call that passes through, with the socket's place among its
 * sends kept (empty.c) where it is served.
 */
#define PASS(fd, call)							\
	({								\
		struct zcp_sock *s_ = zcp_plain_start(fd);		\
		__typeof__(call) r_ = (call);				\
									\
		zcp_plain_end(s_);					\
		r_;							\
	})

/* A MSG_ZEROCOPY sendmsg() (out of line: the other sends pass at once). */
static __attribute__((noinline)) ssize_t
sendmsg_zerocopy(int fd, const struct msghdr *msg, int flags)
{
	struct zcp_send st;
	struct zcp_sock *s;
	ssize_t ret;
	long end;

	ZCP_COUNT(ZC_SEND_ZC);
	s = zcp_sock_get(fd);
	if (!s)
		return PASS(fd, KCALL(sendmsg)(fd, msg, flags));
	st = zcp_send_start(s);
	/* Not the program's own request, nor what the kernel refuses. */
	end = msg->msg_controllen ? cmsg_end(msg) : 0;
	if (end < 0) {
		ret = KCALL(sendmsg)(fd, msg, flags);
	} else if (take_skip(s)) {
		ret = KCALL(sendmsg)(fd, msg, flags);
		unrequested(s, true, ret);
	} else {
		ret = zc_sendmsg(fd, s, msg, flags, end, &st);
	}
	zcp_send_end(s, ret > 0);
	return ret;
}

ZCP_VISIBLE ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if ((flags & MSG_ZEROCOPY) && msg)
		return sendmsg_zerocopy(fd, msg, flags);
	return PASS(fd, REAL(sendmsg)(fd, msg, flags));
}

ZCP_VISIBLE ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			   const struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_name = (void *)to, .msg_namelen = tolen,
			    .msg_iov = &iov, .msg_iovlen = 1 };
	struct zcp_send st;
	struct zcp_sock *s;
	ssize_t ret;

	if (!(flags & MSG_ZEROCOPY))
		return PASS(fd, REAL(sendto)(fd, buf, len, flags, to, tolen));
	ZCP_COUNT(ZC_SEND_ZC);
	s = zcp_sock_get(fd);
	if (!s)
		return PASS(fd, KCALL(sendto)(fd, buf, len, flags, to, tolen));
	st = zcp_send_start(s);
	if (take_skip(s)) {
		ret = KCALL(sendto)(fd, buf, len, flags, to, tolen);
		unrequested(s, true, ret);
	} else {
		ret = zc_sendmsg(fd, s, &m, flags, 0, &st);
	}
	zcp_send_end(s, ret > 0);
	return ret;
}

ZCP_VISIBLE ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (!(flags & MSG_ZEROCOPY))
		return PASS(fd, REAL(send)(fd, buf, len, flags));
	return sendto(fd, buf, len, flags, NULL, 0);
}

/*
 * sendmmsg: the request rides on the first message, whose control buffer
 * is swapped for the call and restored before returning.
 */
static int zc_sendmmsg(int fd, struct zcp_sock *s, struct mmsghdr *vec,
		       unsigned int vlen, int flags, long end,
		       const struct zcp_send *st)
{
	struct msghdr *h0 = &vec[0].msg_hdr;
	void *c0 = h0->msg_control;
	size_t l0 = h0->msg_controllen;
	bool skipped;
	struct req q;
	int ret, err;

	for (;;) {
		q.cap = reserve(fd, s, &skipped);
		if (!q.cap) {
			ret = KCALL(sendmmsg)(fd, vec, vlen, flags);
			unrequested(s, skipped, ret);
			return ret;
		}
		build(&q, h0, end);
		h0->msg_control = q.ctl.b;
		h0->msg_controllen = q.len;
		ZCP_COUNT(ZC_SEND_REQ);
		ret = KCALL(sendmmsg)(fd, vec, vlen, flags);
		err = errno;
		h0->msg_control = c0;
		h0->msg_controllen = l0;
		if (settle(s, &q, st)) {
			if (ret < 0 && err == EINTR && restart_ok(fd)) {
				ZCP_COUNT(ZC_SEND_RESTARTED);
				atomic_store(&s->told, false);
				continue;
			}
			errno = err;
			return ret;
		}
		if (ret < 0 && err == EINVAL) {
			ZCP_COUNT(ZC_SEND_RESENT);
			ret = KCALL(sendmmsg)(fd, vec, vlen, flags);
			if (ret >= 0 || errno != EINVAL)
				refused(s);
			return ret;
		}
		errno = err;
		return ret;
	}
}

/* The messages of a sendmmsg() that returned @ret which took a counter. */
static uint32_t with_data(const struct mmsghdr *vec, int ret)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < ret; i++)
		n += vec[i].msg_len > 0;
	return n;
}

ZCP_VISIBLE int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
			 int flags)
{
	struct zcp_send st;
	struct zcp_sock *s;
	long end;
	int ret;

	if (!(flags & MSG_ZEROCOPY) || !vlen || !vec)
		return PASS(fd, REAL(sendmmsg)(fd, vec, vlen, flags));
	ZCP_COUNT(ZC_SEND_ZC);
	s = zcp_sock_get(fd);
	if (!s)
		return PASS(fd, KCALL(sendmmsg)(fd, vec, vlen, flags));
	st = zcp_send_start(s);
	if ((end = cmsg_end(&vec[0].msg_hdr)) < 0) {
		ret = KCALL(sendmmsg)(fd, vec, vlen, flags);
	} else if (take_skip(s)) {
		ret = KCALL(sendmmsg)(fd, vec, vlen, flags);
		unrequested(s, true, ret);
	} else {
		ret = zc_sendmmsg(fd, s, vec, vlen, flags, end, &st);
	}
	zcp_send_end(s, with_data(vec, ret));
	return ret;
}
