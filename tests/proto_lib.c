// SPDX-License-Identifier: GPL-2.0
/* Helpers for the zcnotify tests; see proto_lib.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "proto_lib.h"

#define PAYLOAD_MAX	(256 * 1024)

int t_fail(struct t_ctx *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	return -1;
}

int t_skip(struct t_ctx *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	return T_SKIP;
}

long zc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *zc_pair_name(const struct zc_pair *p)
{
	if (p->type == SOCK_STREAM)
		return p->family == AF_INET ? "tcp4" : "tcp6";
	return p->family == AF_INET ? "udp4" : "udp6";
}

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_addr = in6addr_loopback;
	return sizeof(*a6);
}

int zc_pair_open(struct t_ctx *t, struct zc_pair *p, int family, int type,
		 bool zerocopy)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, &ss);
	int one = 1, lfd = -1;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->type = type;
	p->tx = p->rx = -1;
	p->buflen = PAYLOAD_MAX;
	p->buf = aligned_alloc(4096, p->buflen);
	CHECK(t, p->buf, "out of memory");
	memset(p->buf, 'z', p->buflen);

	if (type == SOCK_STREAM) {
		lfd = socket(family, SOCK_STREAM, 0);
		CHECK(t, lfd >= 0, "socket: %s", strerror(errno));
		CHECK(t, !bind(lfd, (struct sockaddr *)&ss, len),
		      "bind: %s", strerror(errno));
		CHECK(t, !listen(lfd, 1), "listen: %s", strerror(errno));
		CHECK(t, !getsockname(lfd, (struct sockaddr *)&ss, &len),
		      "getsockname: %s", strerror(errno));
		p->tx = socket(family, SOCK_STREAM, 0);
		CHECK(t, p->tx >= 0, "socket: %s", strerror(errno));
		if (zerocopy)
			CHECK(t, !setsockopt(p->tx, SOL_SOCKET, SO_ZEROCOPY,
					     &one, sizeof(one)),
			      "SO_ZEROCOPY: %s", strerror(errno));
		CHECK(t, !connect(p->tx, (struct sockaddr *)&ss, len),
		      "connect: %s", strerror(errno));
		p->rx = accept(lfd, NULL, NULL);
		close(lfd);
		CHECK(t, p->rx >= 0, "accept: %s", strerror(errno));
		setsockopt(p->tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return 0;
	}
	p->rx = socket(family, SOCK_DGRAM, 0);
	CHECK(t, p->rx >= 0, "socket: %s", strerror(errno));
	CHECK(t, !bind(p->rx, (struct sockaddr *)&ss, len),
	      "bind: %s", strerror(errno));
	CHECK(t, !getsockname(p->rx, (struct sockaddr *)&ss, &len),
	      "getsockname: %s", strerror(errno));
	p->tx = socket(family, SOCK_DGRAM, 0);
	CHECK(t, p->tx >= 0, "socket: %s", strerror(errno));
	if (zerocopy)
		CHECK(t, !setsockopt(p->tx, SOL_SOCKET, SO_ZEROCOPY, &one,
				     sizeof(one)),
		      "SO_ZEROCOPY: %s", strerror(errno));
	CHECK(t, !connect(p->tx, (struct sockaddr *)&ss, len),
	      "connect: %s", strerror(errno));
	return 0;
}

void zc_pair_close(struct zc_pair *p)
{
	if (p->tx >= 0)
		close(p->tx);
	if (p->rx >= 0)
		close(p->rx);
	free(p->buf);
	p->tx = p->rx = -1;
	p->buf = NULL;
}

void zc_pair_drain_rx(struct zc_pair *p)
{
	static __thread char sink[65536];

	if (p->rx < 0)
		return;
	while (recv(p->rx, sink, sizeof(sink), MSG_DONTWAIT) >= 0)
		;
}

int zc_ledger_init(struct zc_ledger *l, uint32_t cap)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap;
	l->seen = calloc(cap, 1);
	pthread_mutex_init(&l->mu, NULL);
	return l->seen ? 0 : -1;
}

void zc_ledger_free(struct zc_ledger *l)
{
	free(l->seen);
	l->seen = NULL;
	pthread_mutex_destroy(&l->mu);
}

void zc_ledger_add(struct zc_ledger *l, uint32_t lo, uint32_t hi, bool cmsg)
{
	uint32_t id = lo;

	pthread_mutex_lock(&l->mu);
	if (cmsg)
		l->via_cmsg++;
	else
		l->via_errqueue++;
	for (;;) {
		if (id >= l->cap)
			l->bogus++;
		else if (l->seen[id]++)
			l->dups++;
		if (cmsg)
			l->ids_cmsg++;
		else
			l->ids_errqueue++;
		if (id == hi)
			break;
		id++;
	}
	pthread_mutex_unlock(&l->mu);
}

uint32_t zc_ledger_missing(const struct zc_ledger *l)
{
	uint32_t i, missing = 0;

	pthread_mutex_lock((pthread_mutex_t *)&l->mu);
	for (i = 0; i < l->sends && i < l->cap; i++)
		missing += !l->seen[i];
	pthread_mutex_unlock((pthread_mutex_t *)&l->mu);
	return missing;
}

int zc_ledger_verify(struct t_ctx *t, const struct zc_ledger *l)
{
	uint32_t i;

	CHECK(t, l->sends <= l->cap, "ledger overflow (%u sends)", l->sends);
	CHECK(t, !l->dups, "%u completions reported twice", l->dups);
	CHECK(t, !l->bogus, "%u ids beyond the ledger", l->bogus);
	for (i = 0; i < l->sends; i++)
		CHECK(t, l->seen[i] == 1, "id %u of %u seen %u times", i,
		      l->sends, l->seen[i]);
	for (; i < l->cap; i++)
		CHECK(t, !l->seen[i], "id %u reported but only %u sends", i,
		      l->sends);
	return 0;
}

void zc_req_init(struct zc_req *r)
{
	memset(r, 0, sizeof(*r));
}

void *zc_req_add(struct zc_req *r, int level, int type, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(r->ctl.buf + r->len);

	c->cmsg_len = CMSG_LEN(len);
	c->cmsg_level = level;
	c->cmsg_type = type;
	r->len += CMSG_SPACE(len);
	return CMSG_DATA(c);
}

void zc_req_add_zc(struct zc_req *r, uint32_t n)
{
	struct zc_info *zi;

	zi = zc_req_add(r, SOL_SOCKET, SCM_ZC_NOTIFICATION, ZC_INFO_SIZE(n));
	r->zc = (struct cmsghdr *)((char *)zi - CMSG_LEN(0));
	memset(zi, ZC_FILL, ZC_INFO_SIZE(n));
	zi->size = n;
	zi->arr[0].zerocopy = ZC_ELEM_UNWRITTEN;
	r->n = n;
	r->ask_empty = false;
}

void zc_req_ask_empty(struct zc_req *r)
{
	struct zc_info *zi = (struct zc_info *)CMSG_DATA(r->zc);

	memset(zi->arr[0].reserved, ZC_ASK_QUEUE_EMPTY, sizeof(zi->arr[0].reserved));
	r->ask_empty = true;
}

bool zc_req_untouched(const struct zc_req *r)
{
	return !memcmp(r->ctl.buf, r->snap, sizeof(r->snap));
}

int zc_req_collect(struct t_ctx *t, struct zc_req *r, struct zc_ledger *l)
{
	struct zc_info *zi = (struct zc_info *)CMSG_DATA(r->zc);
	size_t head = (char *)zi - r->ctl.buf, end;
	uint32_t i, size = zi->size;

	if (size == r->n && zi->arr[0].zerocopy == ZC_ELEM_UNWRITTEN) {
		CHECK(t, zc_req_untouched(r),
		      "unprocessed request but control buffer changed");
		return -2;
	}
	CHECK(t, size <= r->n, "size %u > capacity %u", size, r->n);
	CHECK(t, !memcmp(r->ctl.buf, r->snap, head),
	      "bytes before the payload changed");
	end = head + ZC_INFO_SIZE(size);
	if (!size && r->ask_empty) {
		/* An empty answer may say whether the queue is empty too. */
		char *q = (char *)&zi->arr[0].reserved[0], was = *q;
		int diff;

		CHECK(t, (unsigned char)was == ZC_ASK_QUEUE_EMPTY ||
		      (unsigned char)was <= ZC_QUEUE_EMPTY,
		      "empty answer: arr[0].reserved[0] = %u",
		      (unsigned char)was);
		*q = r->snap[q - r->ctl.buf];
		diff = memcmp(r->ctl.buf + end, r->snap + end,
			      sizeof(r->snap) - end);
		*q = was;
		CHECK(t, !diff, "bytes after entry 0 changed (kernel wrote too much)");
	} else {
		CHECK(t, !memcmp(r->ctl.buf + end, r->snap + end,
				 sizeof(r->snap) - end),
		      "bytes after entry %u changed (kernel wrote too much)", size);
	}
	for (i = 0; i < size; i++) {
		struct zc_info_elem *e = &zi->arr[i];

		CHECK(t, e->zerocopy <= 1, "entry %u: zerocopy = %u", i,
		      e->zerocopy);
		/* arr[0] of a request that asked: whether the queue is empty */
		CHECK(t, e->reserved[0] <= (!i && r->ask_empty ? ZC_QUEUE_EMPTY : 0) &&
		      !e->reserved[1] && !e->reserved[2],
		      "entry %u: reserved bytes not zero", i);
		if (l) {
			zc_ledger_add(l, e->lo, e->hi, true);
			if (!e->zerocopy)
				l->copied++;
		}
	}
	return size;
}

struct zc_blocked *zc_blocked_map(struct t_ctx *t)
{
	struct zc_blocked *b;

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b != MAP_FAILED)
		return b;
	t_fail(t, "mmap: %s", strerror(errno));
	return NULL;
}

int zc_uffd_missing(struct t_ctx *t, void *addr, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (unsigned long)addr, len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return t_fail(t, "userfaultfd: %s", strerror(errno));
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		close(fd);
		return t_fail(t, "userfaultfd: %s", strerror(errno));
	}
	return fd;
}

void zc_blocked_unmap(struct zc_blocked *b)
{
	munmap(b, sizeof(*b));
}

void zc_blocked_send(struct zc_pair *p, struct zc_blocked *b)
{
	zc_req_init(&b->r);
	zc_req_add_zc(&b->r, 1);
	memcpy(b->r.snap, b->r.ctl.buf, sizeof(b->r.snap));
	atomic_store(&b->started, 1);
	b->ret = zc_send(p, 65536, 0, &b->r, NULL);
	b->err = errno;
}

static void on_signal(int sig)
{
	(void)sig;
}

void zc_signal_restart(int sig)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigaction(sig, &sa, NULL);
}

ssize_t zc_send(struct zc_pair *p, size_t len, int flags, struct zc_req *r,
		struct zc_ledger *l)
{
	struct iovec iov = { .iov_base = p->buf, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = len ? 1 : 0 };
	ssize_t ret;
	int err;

	if (r) {
		m.msg_control = r->ctl.buf;
		m.msg_controllen = r->len;
		memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	}
	ret = sendmsg(p->tx, &m, flags | MSG_NOSIGNAL);
	err = errno;
	if (ret > 0 && (flags & MSG_ZEROCOPY) && l) {
		pthread_mutex_lock(&l->mu);
		l->sends++;
		pthread_mutex_unlock(&l->mu);
	}
	errno = err;
	return ret;
}

ssize_t zc_send_zc(struct t_ctx *t, struct zc_pair *p, size_t len, int flags,
		   uint32_t n, struct zc_ledger *l, int *got)
{
	struct zc_req r;
	int tries, err;
	ssize_t ret;

	for (tries = 0;; tries++) {
		zc_req_init(&r);
		zc_req_add_zc(&r, n);
		ret = zc_send(p, len, flags | MSG_ZEROCOPY, &r, l);
		err = errno;
		*got = zc_req_collect(t, &r, l);
		if (*got == -1 || !(ret < 0 && err == ENOBUFS) || tries == 2000)
			break;
		zc_pair_drain_rx(p);
		usleep(1000);
	}
	errno = err;
	return ret;
}

int zc_read_errqueue(struct t_ctx *t, int fd, struct zc_ledger *l,
		     struct zc_tslog *ts)
{
	char ctl[512];
	int entries = 0;

	for (;;) {
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return entries;
			return t_fail(t, "recvmsg(MSG_ERRQUEUE): %s",
				      strerror(errno));
		}
		CHECK(t, !(m.msg_flags & MSG_CTRUNC), "errqueue cmsg truncated");
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err *ee;

			if (!((c->cmsg_level == SOL_IP &&
			       c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 &&
			       c->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(c);
			entries++;
			if (ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY) {
				CHECK(t, !ee->ee_errno, "zerocopy errno %u",
				      ee->ee_errno);
				if (l)
					zc_ledger_add(l, ee->ee_info,
						      ee->ee_data, false);
			} else if (ee->ee_origin == SO_EE_ORIGIN_TIMESTAMPING &&
				   ts && ts->n < ts->cap) {
				ts->key[ts->n++] = ee->ee_data;
			}
		}
	}
}

int zc_settle(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l,
	      bool use_cmsg, int timeout_ms)
{
	long deadline = zc_now_ms() + timeout_ms;
	struct zc_req r;

	while (zc_ledger_missing(l)) {
		int got;

		CHECK(t, zc_now_ms() < deadline,
		      "%u of %u completions never arrived",
		      zc_ledger_missing(l), l->sends);
		zc_pair_drain_rx(p);
		got = 0;
		if (use_cmsg) {
			zc_req_init(&r);
			zc_req_add_zc(&r, ZC_NOTIFICATION_MAX);
			if (zc_send(p, 0, 0, &r, NULL) < 0 && errno != EAGAIN) {
				if (errno != EINVAL)
					return t_fail(t, "cmsg-only send: %s",
						      strerror(errno));
				use_cmsg = false;	/* module gone */
			}
			got = zc_req_collect(t, &r, l);
			if (got == -1)
				return -1;
		}
		if (!use_cmsg) {
			got = zc_read_errqueue(t, p->tx, l, NULL);
			if (got < 0)
				return -1;
		}
		if (got <= 0)
			usleep(1000);
	}
	return 0;
}

void zc_wait_outq(int fd, int timeout_ms)
{
	long deadline = zc_now_ms() + timeout_ms;
	int v;

	while (zc_now_ms() < deadline) {
		if (ioctl(fd, SIOCOUTQ, &v) || !v)
			break;
		usleep(1000);
	}
}

void zc_mmsg_fill(struct mmsghdr *mm, struct iovec *iov, unsigned int n,
		  struct zc_pair *p, size_t len, void *ctl, size_t ctl_len)
{
	unsigned int i;

	memset(mm, 0, n * sizeof(*mm));
	for (i = 0; i < n; i++) {
		iov[i].iov_base = p->buf;
		iov[i].iov_len = len;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl;
		mm[i].msg_hdr.msg_controllen = ctl_len;
	}
}

void zc_mmsg_reqs(struct mmsghdr *mm, struct zc_req *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_control = r[i].ctl.buf;
		mm[i].msg_hdr.msg_controllen = r[i].len;
		memcpy(r[i].snap, r[i].ctl.buf, sizeof(r[i].snap));
	}
}

int zc_mmsg_collect(struct t_ctx *t, struct zc_req *r, unsigned int n,
		    struct zc_ledger *l)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (zc_req_collect(t, &r[i], l) < 0)
			return t->why[0] ? -1 :
			       t_fail(t, "message %u's request not processed", i);
	return 0;
}
