// SPDX-License-Identifier: GPL-2.0
/*
 * errqueue: recvmsg() and recvmmsg() with MSG_ERRQUEUE on a socket whose
 * store holds completions are answered from it, one range per message,
 * without a system call, exactly as the kernel would have written it
 * (ip_recv_error / ipv6_recv_error): no data (return 0), msg_namelen 0,
 * one cmsg at SOL_IP/IP_RECVERR (AF_INET) or SOL_IPV6/IPV6_RECVERR
 * (AF_INET6) holding a struct sock_extended_err (SO_EE_ORIGIN_ZEROCOPY,
 * ee_info = first, ee_data = last send counter, ee_code
 * SO_EE_CODE_ZEROCOPY_COPIED when copied) and a zeroed offender address;
 * msg_flags MSG_ERRQUEUE, plus MSG_CTRUNC when the control buffer is too
 * small (truncated as put_cmsg() truncates). With an empty store the call
 * goes to the kernel: timestamps, ICMP errors and completions the module
 * did not take arrive as without the library; except the one read that
 * the module's last answer said would find the queue empty: EAGAIN
 * (empty.c).
 *
 * Ordering: stored completions are delivered before anything still on the
 * kernel's error queue. Completions keep their error-queue order (the
 * module takes the oldest first); an entry of another kind (timestamp,
 * ICMP error) queued before a completion the module took arrives after it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/errqueue.h>
#include "zcp.h"

/* The payload the kernel puts under IP_RECVERR / IPV6_RECVERR. */
struct err4 {
	struct sock_extended_err ee;
	struct sockaddr_in offender;
};

struct err6 {
	struct sock_extended_err ee;
	struct sockaddr_in6 offender;
};

/* put_cmsg(): what fits of one control message, MSG_CTRUNC if cut. */
static void put_cmsg(struct msghdr *m, int level, int type, const void *data,
		     size_t len)
{
	size_t room = m->msg_control ? m->msg_controllen : 0, cmlen;
	struct cmsghdr h;

	if (room < sizeof(h)) {
		m->msg_flags |= MSG_CTRUNC;
		m->msg_controllen = 0;
		return;
	}
	cmlen = CMSG_LEN(len);
	if (room < cmlen) {
		m->msg_flags |= MSG_CTRUNC;
		cmlen = room;
	}
	h.cmsg_len = cmlen;
	h.cmsg_level = level;
	h.cmsg_type = type;
	memcpy(m->msg_control, &h, sizeof(h));
	memcpy((char *)m->msg_control + sizeof(h), data, cmlen - sizeof(h));
	cmlen = CMSG_SPACE(len);
	m->msg_controllen = room < cmlen ? room : cmlen;
}

static void fill(struct msghdr *m, int family, const struct zcp_range *r,
		 int flags)
{
	union {
		struct err4 v4;
		struct err6 v6;
	} e;
	struct sock_extended_err *ee = &e.v4.ee;

	memset(&e, 0, sizeof(e));
	ee->ee_origin = SO_EE_ORIGIN_ZEROCOPY;
	ee->ee_code = r->copied ? SO_EE_CODE_ZEROCOPY_COPIED : 0;
	ee->ee_info = r->lo;
	ee->ee_data = r->hi;
	m->msg_namelen = 0;
	m->msg_flags = MSG_ERRQUEUE | (flags & MSG_CMSG_CLOEXEC);
	if (family == AF_INET)
		put_cmsg(m, SOL_IP, IP_RECVERR, &e.v4, sizeof(e.v4));
	else
		put_cmsg(m, SOL_IPV6, IPV6_RECVERR, &e.v6, sizeof(e.v6));
}

/*
 * Does fd's socket have stored ranges? A racy peek, inline (the common
 * answer, no, passes the read to the kernel after two loads); take()
 * confirms under the lock.
 */
static inline bool stored(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	return s && s->n;
}

/* Take the oldest stored range of fd's socket; false: none. */
static bool take(int fd, struct zcp_range *r, int *family)
{
	struct zcp_sock *s = zcp_sock_peek(fd);
	bool got = false;

	if (!s || !s->n)	/* racy peek; confirmed under the lock */
		return false;
	zcp_lock();
	if (atomic_load(&zcp_fd[fd]) == s) {
		got = zcp_store_pop(s, r);
		*family = s->family;
	}
	zcp_unlock();
	return got;
}

/* An error-queue read of a socket with stored ranges (out of line). */
static __attribute__((noinline)) ssize_t
recvmsg_stored(int fd, struct msghdr *msg, int flags)
{
	struct zcp_range r;
	int family;

	if (!take(fd, &r, &family)) {
		if (zcp_empty_take(fd))
			return -1;
		ZCP_COUNT(ZC_ERRQ_PASSED);
		return KCALL(recvmsg)(fd, msg, flags);
	}
	ZCP_COUNT(ZC_ERRQ_SERVED);
	fill(msg, family, &r, flags);
	return 0;
}

ZCP_VISIBLE ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (!(flags & MSG_ERRQUEUE))
		return REAL(recvmsg)(fd, msg, flags);
	if (msg && stored(fd))
		return recvmsg_stored(fd, msg, flags);
	if (msg && zcp_empty_take(fd))
		return -1;
	ZCP_COUNT(ZC_ERRQ_PASSED);
	return KCALL(recvmsg)(fd, msg, flags);
}

/*
 * recvmmsg: as many messages as the store holds, up to vlen, then return
 * (an error queue that ran dry ends a kernel recvmmsg() the same way).
 */
ZCP_VISIBLE int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
			 int flags, struct timespec *timeout)
{
	struct zcp_range r;
	unsigned int i;
	int family;

	if (!(flags & MSG_ERRQUEUE))
		return REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	if (!vec || !vlen || !stored(fd) || !take(fd, &r, &family)) {
		if (vec && vlen && zcp_empty_take(fd))
			return -1;
		ZCP_COUNT(ZC_ERRQ_PASSED);
		return KCALL(recvmmsg)(fd, vec, vlen, flags, timeout);
	}
	for (i = 0;;) {
		ZCP_COUNT(ZC_ERRQ_SERVED);
		fill(&vec[i].msg_hdr, family, &r, flags);
		vec[i].msg_len = 0;
		if (++i == vlen || !take(fd, &r, &family))
			return i;
	}
}
