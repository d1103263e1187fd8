// SPDX-License-Identifier: GPL-2.0
/*
 * zc_test - zcnotify functional tests, run inside the test VM.
 *
 *   zc_test list                 names of all tests
 *   zc_test run NAME... [-- KO [OWNER_KO]]
 *
 * Each test runs in its own child process under a deadline and prints
 * "ok - NAME" or "not ok - NAME # reason". KO is the zcnotify module for
 * the tests that load and unload it; OWNER_KO a module that owns
 * __sock_cmsg_send with IPMODIFY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zcnotify/zcn.h>
#include "zc_lib.h"
#include "zc_test.h"

#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD	37
#endif
#ifndef UDP_CORK
#define UDP_CORK		1
#endif


/* ---------------------------------------------------------------- */

int queue_completions(struct t_ctx *t, struct zc_pair *p,
			     struct zc_ledger *l, int sends)
{
	int i;

	for (i = 0; i < sends; i++) {
		CHECK(t, zc_send(p, 1000, MSG_ZEROCOPY, NULL, l) == 1000,
		      "zerocopy send %d: %s", i, strerror(errno));
		zc_pair_drain_rx(p);
	}
	zc_wait_outq(p->tx, 5000);
	usleep(50000);
	zc_pair_drain_rx(p);
	return 0;
}

/* After rejected requests: everything must still be on the error queue. */
int expect_all_queued(struct t_ctx *t, struct zc_pair *p,
			     struct zc_ledger *l)
{
	CHECK(t, zc_read_errqueue(t, p->tx, l, NULL) >= 0, "%s", t->why);
	CHECK(t, !l->ids_cmsg, "%u ids came through a rejected cmsg",
	      l->ids_cmsg);
	CHECK(t, !zc_ledger_missing(l),
	      "%u of %u completions lost by a rejected request",
	      zc_ledger_missing(l), l->sends);
	return zc_ledger_verify(t, l);
}

int expect_einval(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
			 const char *what)
{
	ssize_t ret = zc_send(p, 100, 0, r, NULL);

	CHECK(t, ret < 0 && errno == EINVAL, "%s: got %zd (%s), want EINVAL",
	      what, ret, ret < 0 ? strerror(errno) : "success");
	CHECK(t, zc_req_untouched(r), "%s: control buffer changed", what);
	return 0;
}

/* Without the module the stock kernel must reject the cmsg. */
static int t_absent(struct t_ctx *t, const struct t_env *e)
{
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r;
	int ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (queue_completions(t, &p, &l, 10))
		goto out;
	zc_req_init(&r);
	zc_req_add_zc(&r, 4);
	if (expect_einval(t, &p, &r, "no module"))
		goto out;
	ret = expect_all_queued(t, &p, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/* Sends with the cmsg on every call; completions only through it. */
static int t_basic(struct t_ctx *t, const struct t_env *e)
{
	const int sends = 300;
	struct zc_ledger l;
	struct zc_pair p;
	int i, ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, sends))
		goto out;
	for (i = 0; i < sends; i++) {
		int got;

		if (zc_send_zc(t, &p, 4096, 0, 1 + i % 4, &l, &got) != 4096) {
			if (got != -1)
				t_fail(t, "send %d: %s", i, strerror(errno));
			goto out;
		}
		if (got < 0) {
			if (got == -2)
				t_fail(t, "send %d: request not processed", i);
			goto out;
		}
		zc_pair_drain_rx(&p);
	}
	if (zc_settle(t, &p, &l, true, 10000) || zc_ledger_verify(t, &l))
		goto out;
	if (zc_read_errqueue(t, p.tx, &l, NULL) < 0)
		goto out;
	if (l.ids_errqueue) {
		t_fail(t, "%u ids left on the error queue", l.ids_errqueue);
		goto out;
	}
	printf("# %s basic: %u sends, %u ranges via cmsg, %u copied\n",
	       zc_pair_name(&p), l.sends, l.via_cmsg, l.copied);
	ret = 0;
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/* sendmmsg(): every message carries its own request. */
static int t_sendmmsg(struct t_ctx *t, const struct t_env *e)
{
	enum { VLEN = 4, ROUNDS = 60 };
	struct zc_req *r = calloc(VLEN, sizeof(*r));
	struct mmsghdr mm[VLEN];
	struct iovec iov[VLEN];
	struct zc_ledger l;
	struct zc_pair p;
	int i, j, n, ret = -1;

	if (!r || zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, VLEN * ROUNDS)) {
		free(r);
		return t->why[0] ? -1 : t_fail(t, "setup");
	}
	for (i = 0; i < ROUNDS; i++) {
		memset(mm, 0, sizeof(mm));
		for (j = 0; j < VLEN; j++) {
			zc_req_init(&r[j]);
			zc_req_add_zc(&r[j], 1 + j);
			memcpy(r[j].snap, r[j].ctl.buf, sizeof(r[j].snap));
			iov[j].iov_base = p.buf;
			iov[j].iov_len = 2048;
			mm[j].msg_hdr.msg_iov = &iov[j];
			mm[j].msg_hdr.msg_iovlen = 1;
			mm[j].msg_hdr.msg_control = r[j].ctl.buf;
			mm[j].msg_hdr.msg_controllen = r[j].len;
		}
		n = sendmmsg(p.tx, mm, VLEN, MSG_ZEROCOPY);
		if (n != VLEN) {
			t_fail(t, "sendmmsg: %d (%s)", n, strerror(errno));
			goto out;
		}
		l.sends += n;
		for (j = 0; j < VLEN; j++) {
			if (zc_req_collect(t, &r[j], &l) < 0) {
				if (!t->why[0])
					t_fail(t, "message %d not processed", j);
				goto out;
			}
		}
		zc_pair_drain_rx(&p);
	}
	if (zc_settle(t, &p, &l, true, 10000))
		goto out;
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	free(r);
	return ret;
}

/*
 * Other cmsgs in the same call keep working: SCM_TIMESTAMPING (handled by
 * the hooked __sock_cmsg_send itself), SO_MARK, and for UDP IP_TOS /
 * IPV6_TCLASS, checked at the receiver. The timestamps also interleave
 * non-zerocopy entries with the completions on the error queue: they
 * must all stay there, in order, and fragment the completions so that
 * small requests fill up.
 */
static int t_other_cmsgs(struct t_ctx *t, const struct t_env *e)
{
	const int sends = 50, tos = 0x28;
	uint32_t keys[128];
	struct zc_tslog ts = { .cap = 128, .key = keys };
	int i, one = 1, ret = -1, full = 0;
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r;
	unsigned int opt = SOF_TIMESTAMPING_SOFTWARE |
			   SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	bool udp = e->type == SOCK_DGRAM, v6 = e->family == AF_INET6;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, sends))
		goto out;
	if (setsockopt(p.tx, SOL_SOCKET, SO_TIMESTAMPING, &opt, sizeof(opt))) {
		t_fail(t, "SO_TIMESTAMPING: %s", strerror(errno));
		goto out;
	}
	if (udp)
		setsockopt(p.rx, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			   v6 ? IPV6_RECVTCLASS : IP_RECVTOS, &one, sizeof(one));
	for (i = 0; i < sends; i++) {
		uint32_t *u;
		int got;

		zc_req_init(&r);
		u = zc_req_add(&r, SOL_SOCKET, SO_TIMESTAMPING_OLD, sizeof(*u));
		*u = SOF_TIMESTAMPING_TX_SOFTWARE;
		zc_req_add_zc(&r, 2);
		u = zc_req_add(&r, SOL_SOCKET, SO_MARK, sizeof(*u));
		*u = 7;
		if (udp) {
			int *v = zc_req_add(&r, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
					    v6 ? IPV6_TCLASS : IP_TOS,
					    sizeof(int));
			*v = tos;
		}
		if (zc_send(&p, 1000, MSG_ZEROCOPY, &r, &l) != 1000) {
			t_fail(t, "send %d: %s", i, strerror(errno));
			goto out;
		}
		got = zc_req_collect(t, &r, &l);
		if (got < 0) {
			if (!t->why[0])
				t_fail(t, "send %d: not processed", i);
			goto out;
		}
		full += got == 2;
		if (udp) {
			char data[2048], ctl[256];
			struct iovec iov = { data, sizeof(data) };
			struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
					    .msg_control = ctl,
					    .msg_controllen = sizeof(ctl) };
			struct cmsghdr *c;
			int seen = -1;

			if (recvmsg(p.rx, &m, 0) != 1000) {
				t_fail(t, "datagram %d lost", i);
				goto out;
			}
			for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
				if ((c->cmsg_level == IPPROTO_IP &&
				     c->cmsg_type == IP_TOS))
					seen = *(unsigned char *)CMSG_DATA(c);
				else if (c->cmsg_level == IPPROTO_IPV6 &&
					 c->cmsg_type == IPV6_TCLASS)
					seen = *(int *)CMSG_DATA(c);
			if (seen != tos) {
				t_fail(t, "datagram %d: tos %d, want %d", i,
				       seen, tos);
				goto out;
			}
		} else {
			zc_pair_drain_rx(&p);
		}
		usleep(2000);	/* let this send's entries queue up */
	}
	if (zc_settle(t, &p, &l, true, 10000) || zc_ledger_verify(t, &l))
		goto out;
	zc_wait_outq(p.tx, 2000);
	usleep(50000);
	if (zc_read_errqueue(t, p.tx, &l, &ts) < 0)
		goto out;
	if (l.ids_errqueue) {
		t_fail(t, "%u completions left behind", l.ids_errqueue);
		goto out;
	}
	if (ts.n != (uint32_t)sends) {
		t_fail(t, "%u timestamps on the error queue, want %d", ts.n,
		       sends);
		goto out;
	}
	for (i = 1; i < sends; i++)
		if (ts.key[i] <= ts.key[i - 1]) {
			t_fail(t, "timestamp %d out of order (%u after %u)", i,
			       ts.key[i], ts.key[i - 1]);
			goto out;
		}
	printf("# %s other_cmsgs: %d timestamps in order, %d full requests\n",
	       zc_pair_name(&p), sends, full);
	ret = 0;
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/*
 * Requests smaller than what is queued: completions kept apart by
 * timestamps (so the kernel cannot merge them) come back exactly n at a
 * time, oldest first, and the timestamps stay behind in order.
 */
static int t_bounded(struct t_ctx *t, const struct t_env *e)
{
	const uint32_t sends = 24;
	uint32_t keys[64], next = 0, calls = 0, i;
	struct zc_tslog ts = { .cap = 64, .key = keys };
	unsigned int opt = SOF_TIMESTAMPING_SOFTWARE |
			   SOF_TIMESTAMPING_TX_SOFTWARE |
			   SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r;
	int ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, sends))
		goto out;
	if (setsockopt(p.tx, SOL_SOCKET, SO_TIMESTAMPING, &opt, sizeof(opt))) {
		t_fail(t, "SO_TIMESTAMPING: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < sends; i++) {
		if (zc_send(&p, 1000, MSG_ZEROCOPY, NULL, &l) != 1000) {
			t_fail(t, "send %u: %s", i, strerror(errno));
			goto out;
		}
		zc_wait_outq(p.tx, 2000);
		usleep(5000);	/* both entries of this send are queued */
		zc_pair_drain_rx(&p);
	}
	for (i = 1; next < sends; i = i % 5 + 1) {
		uint32_t want = sends - next < i ? sends - next : i, k;
		struct zc_info *zi;
		int got;

		zc_req_init(&r);
		zc_req_add_zc(&r, i);
		if (zc_send(&p, 0, 0, &r, NULL) < 0) {
			t_fail(t, "request of %u: %s", i, strerror(errno));
			goto out;
		}
		calls++;
		got = zc_req_collect(t, &r, &l);
		if (got < 0) {
			if (got == -2)
				t_fail(t, "request of %u not processed", i);
			goto out;
		}
		if ((uint32_t)got != want) {
			t_fail(t, "asked %u with %u queued, got %d", i,
			       sends - next, got);
			goto out;
		}
		zi = (struct zc_info *)CMSG_DATA(r.zc);
		for (k = 0; k < want; k++, next++)
			if (zi->arr[k].lo != next || zi->arr[k].hi != next) {
				t_fail(t, "entry %u is %u..%u, want %u..%u", k,
				       zi->arr[k].lo, zi->arr[k].hi, next, next);
				goto out;
			}
	}
	if (zc_read_errqueue(t, p.tx, &l, &ts) < 0 || zc_ledger_verify(t, &l))
		goto out;
	/* UDP also stamps the empty datagrams that carried the requests. */
	zc_wait_outq(p.tx, 2000);
	usleep(5000);
	if (zc_read_errqueue(t, p.tx, &l, &ts) < 0)
		goto out;
	if (ts.n != sends + (e->type == SOCK_DGRAM ? calls : 0)) {
		t_fail(t, "%u timestamps left, want %u", ts.n, sends);
		goto out;
	}
	for (i = 1; i < ts.n; i++)
		if (ts.key[i] <= ts.key[i - 1]) {
			t_fail(t, "timestamp %u out of order", i);
			goto out;
		}
	ret = 0;
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/*
 * The zcn.h helper: @mode's path delivers every completion exactly once,
 * and its tracker folds them to the number of sends.
 */
static int helper_run(struct t_ctx *t, const struct t_env *e,
		      enum zcn_mode mode, enum zcn_mode want)
{
	const uint32_t sends = 200;
	struct zcn_tracker tr;
	struct zc_ledger l;
	struct zc_pair p;
	struct zcn z;
	uint32_t i, k;
	long deadline;
	int ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, sends))
		goto out;
	zcn_init_mode(&z, p.tx, 4, mode);
	zcn_tracker_init(&tr, 0);
	if (z.mode != want) {
		t_fail(t, "helper chose mode %d, want %d", z.mode, want);
		goto out;
	}
	for (i = 0; i < sends; i++) {
		struct iovec iov = { p.buf, 2048 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (zcn_sendmsg(&z, &m, MSG_ZEROCOPY) != 2048) {
			t_fail(t, "zcn_sendmsg: %s", strerror(errno));
			goto out;
		}
		l.sends++;
		for (k = 0; k < z.nranges; k++) {
			zc_ledger_add(&l, z.ranges[k].lo, z.ranges[k].hi,
				      z.mode == ZCN_CMSG);
			zcn_tracker_add(&tr, z.ranges[k].lo, z.ranges[k].hi);
		}
		zc_pair_drain_rx(&p);
	}
	deadline = zc_now_ms() + 10000;
	while (zcn_tracker_next(&tr) != sends && zc_now_ms() < deadline) {
		zc_pair_drain_rx(&p);
		if (zcn_reap(&z)) {
			t_fail(t, "zcn_reap: %s", strerror(errno));
			goto out;
		}
		for (k = 0; k < z.nranges; k++) {
			zc_ledger_add(&l, z.ranges[k].lo, z.ranges[k].hi,
				      z.mode == ZCN_CMSG);
			zcn_tracker_add(&tr, z.ranges[k].lo, z.ranges[k].hi);
		}
		if (!z.nranges)
			usleep(1000);
	}
	if (zcn_tracker_next(&tr) != sends) {
		t_fail(t, "tracker at %u of %u sends", zcn_tracker_next(&tr),
		       sends);
		goto out;
	}
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/* Module loaded: the helper uses the cmsg; forced, the errqueue path too. */
static int t_helper(struct t_ctx *t, const struct t_env *e)
{
	if (helper_run(t, e, ZCN_AUTO, ZCN_CMSG))
		return -1;
	return helper_run(t, e, ZCN_ERRQUEUE, ZCN_ERRQUEUE);
}

/* Module absent: the same calls fall back to MSG_ERRQUEUE. */
static int t_fallback(struct t_ctx *t, const struct t_env *e)
{
	return helper_run(t, e, ZCN_AUTO, ZCN_ERRQUEUE);
}

/* Bad requests: EINVAL, control buffer untouched, nothing consumed. */
static int t_invalid(struct t_ctx *t, const struct t_env *e)
{
	struct zc_pair p, plain;
	struct zc_ledger l;
	struct zc_info *zi;
	struct zc_req r;
	int ret = -1;

	plain.buf = NULL;
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (zc_pair_open(t, &plain, e->family, e->type, false))
		goto out;
	if (queue_completions(t, &p, &l, 10))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 4);
	if (expect_einval(t, &plain, &r, "socket without SO_ZEROCOPY"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 1);
	r.zc->cmsg_len = CMSG_LEN(2);
	if (expect_einval(t, &p, &r, "cmsg_len too short"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 3);
	zi = (struct zc_info *)CMSG_DATA(r.zc);
	zi->size = 2;
	if (expect_einval(t, &p, &r, "cmsg_len larger than size"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 2);
	zi = (struct zc_info *)CMSG_DATA(r.zc);
	zi->size = 3;
	if (expect_einval(t, &p, &r, "cmsg_len smaller than size"))
		goto out;

	zc_req_init(&r);
	zi = zc_req_add(&r, SOL_SOCKET, SCM_ZC_NOTIFICATION, ZC_INFO_SIZE(0));
	zi->size = 0;
	if (expect_einval(t, &p, &r, "size 0"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, ZC_NOTIFICATION_MAX + 1);
	if (expect_einval(t, &p, &r, "size above ZC_NOTIFICATION_MAX"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 2);
	zc_req_add_zc(&r, 2);
	if (expect_einval(t, &p, &r, "two requests in one call"))
		goto out;

	ret = expect_all_queued(t, &p, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	if (plain.buf)
		zc_pair_close(&plain);
	return ret;
}

/* A request in a read-only page: fails, consumes nothing, writes nothing. */
static int t_efault(struct t_ctx *t, const struct t_env *e)
{
	size_t sz = (sizeof(struct zc_req) + 4095) & ~4095UL;
	/* TCP reported every cmsg error as EINVAL before 7.x. */
	int want = EFAULT, alt = e->type == SOCK_STREAM ? EINVAL : EFAULT;
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req *r;
	struct iovec iov;
	struct msghdr m;
	ssize_t n;
	int ret = -1;

	r = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (r == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (queue_completions(t, &p, &l, 10))
		goto out;
	zc_req_init(r);
	zc_req_add_zc(r, 8);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	iov.iov_base = p.buf;
	iov.iov_len = 100;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = r->ctl.buf;
	m.msg_controllen = r->len;
	mprotect(r, sz, PROT_READ);
	n = sendmsg(p.tx, &m, MSG_NOSIGNAL);
	mprotect(r, sz, PROT_READ | PROT_WRITE);
	if (!(n < 0 && (errno == want || errno == alt))) {
		t_fail(t, "got %zd (%s), want %s", n,
		       n < 0 ? strerror(errno) : "success", strerror(want));
		goto out;
	}
	if (!zc_req_untouched(r)) {
		t_fail(t, "read-only control buffer changed");
		goto out;
	}
	ret = expect_all_queued(t, &p, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	munmap(r, sz);
	return ret;
}

/* Hybrid: two cmsg senders and one MSG_ERRQUEUE reader, one socket. */
struct hybrid {
	struct t_ctx t;
	struct zc_pair *p;
	struct zc_ledger *l;
	atomic_int stop;
	int sends;
	int err;
};

static void *hybrid_sender(void *arg)
{
	struct hybrid *h = arg;
	int i, got;

	for (i = 0; i < h->sends; i++) {
		if (zc_send_zc(&h->t, h->p, 1024, 0, 2, h->l, &got) != 1024) {
			h->err = got == -1 ? -1 :
				 t_fail(&h->t, "send: %s", strerror(errno));
			break;
		}
		if (got == -1) {
			h->err = -1;
			break;
		}
	}
	return NULL;
}

static void *hybrid_reader(void *arg)
{
	struct hybrid *h = arg;
	struct pollfd pfd = { .fd = h->p->tx, .events = 0 };

	while (!atomic_load(&h->stop)) {
		poll(&pfd, 1, 5);
		if (zc_read_errqueue(&h->t, h->p->tx, h->l, NULL) < 0) {
			h->err = -1;
			break;
		}
	}
	return NULL;
}

static void *hybrid_rx(void *arg)
{
	struct hybrid *h = arg;

	while (!atomic_load(&h->stop)) {
		zc_pair_drain_rx(h->p);
		usleep(500);
	}
	return NULL;
}

static int t_hybrid(struct t_ctx *t, const struct t_env *e)
{
	struct hybrid hs[2], hr, hx;
	pthread_t ts[2], tr, tx;
	struct zc_ledger l;
	struct zc_pair p;
	int i, ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 4096))
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.p = &p;
	hr.l = &l;
	hx = hr;
	pthread_create(&tr, NULL, hybrid_reader, &hr);
	pthread_create(&tx, NULL, hybrid_rx, &hx);
	for (i = 0; i < 2; i++) {
		hs[i] = hr;
		hs[i].sends = 1000;
		pthread_create(&ts[i], NULL, hybrid_sender, &hs[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(ts[i], NULL);
	/* Finish with cmsg-only sends while the reader still competes. */
	ret = zc_settle(t, &p, &l, true, 15000);
	atomic_store(&hr.stop, 1);
	atomic_store(&hx.stop, 1);
	pthread_join(tr, NULL);
	pthread_join(tx, NULL);
	for (i = 0; i < 2; i++)
		if (hs[i].err)
			ret = t_fail(t, "sender %d: %s", i, hs[i].t.why);
	if (hr.err)
		ret = t_fail(t, "reader: %s", hr.t.why);
	if (!ret)
		ret = zc_ledger_verify(t, &l);
	printf("# %s hybrid: %u sends, %u ids via cmsg, %u via errqueue\n",
	       zc_pair_name(&p), l.sends, l.ids_cmsg, l.ids_errqueue);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/* TCP: EAGAIN on a full non-blocking socket, then EPIPE after shutdown. */
static int t_errors_tcp(struct t_ctx *t, struct zc_pair *p,
			struct zc_ledger *l)
{
	int small = 32768, i, eagain = 0, processed_eagain = 0;
	struct zc_req r;
	ssize_t n;

	setsockopt(p->tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	fcntl(p->tx, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 400 && eagain < 3; i++) {
		int got;

		n = zc_send_zc(t, p, 65536, 0, 8, l, &got);
		CHECK(t, got != -1, "%s", t->why);
		if (n < 0)
			CHECK(t, errno == EAGAIN, "send: %s", strerror(errno));
		if (n < 0) {
			eagain++;
			processed_eagain += got >= 0;
		}
	}
	CHECK(t, eagain, "socket never filled up");
	CHECK(t, processed_eagain == eagain,
	      "request not processed on EAGAIN (%d of %d)", processed_eagain,
	      eagain);
	CHECK(t, !zc_settle(t, p, l, true, 15000), "%s", t->why);

	CHECK(t, !shutdown(p->tx, SHUT_WR), "shutdown: %s", strerror(errno));
	zc_req_init(&r);
	zc_req_add_zc(&r, 8);
	n = zc_send(p, 1000, MSG_ZEROCOPY, &r, l);
	CHECK(t, n < 0 && errno == EPIPE, "send after shutdown: %zd (%s)", n,
	      strerror(errno));
	CHECK(t, zc_req_collect(t, &r, l) != -1, "%s", t->why);
	return 0;
}

/*
 * UDP: EMSGSIZE, and a corked append, which skips control messages: a
 * request that is the message's only control message is answered when
 * sendmsg() is entered (processed); one with another control message
 * waits for the parse that never comes (not processed, nothing taken).
 */
static int t_errors_udp(struct t_ctx *t, struct zc_pair *p,
			struct zc_ledger *l)
{
	static const int on = 1, off;
	struct zc_req r;
	ssize_t n;

	zc_req_init(&r);
	zc_req_add_zc(&r, 8);
	n = zc_send(p, 70000, MSG_ZEROCOPY, &r, l);
	CHECK(t, n < 0 && errno == EMSGSIZE, "oversized send: %zd (%s)", n,
	      strerror(errno));
	CHECK(t, zc_req_collect(t, &r, l) != -1, "%s", t->why);

	CHECK(t, !setsockopt(p->tx, IPPROTO_UDP, UDP_CORK, &on, sizeof(on)),
	      "UDP_CORK: %s", strerror(errno));
	CHECK(t, zc_send(p, 100, 0, NULL, NULL) == 100, "corked send: %s",
	      strerror(errno));
	zc_req_init(&r);
	zc_req_add_zc(&r, 8);
	n = zc_send(p, 100, 0, &r, l);
	CHECK(t, n == 100, "corked append: %zd (%s)", n, strerror(errno));
	CHECK(t, zc_req_collect(t, &r, l) >= 0,
	      "corked append, request alone: not processed%s%s",
	      t->why[0] ? ": " : "", t->why);
	zc_req_init(&r);
	*(int *)zc_req_add(&r, SOL_SOCKET, SO_TIMESTAMPING_OLD, sizeof(int)) = 0;
	zc_req_add_zc(&r, 8);
	n = zc_send(p, 100, 0, &r, l);
	CHECK(t, n == 100, "corked append: %zd (%s)", n, strerror(errno));
	CHECK(t, zc_req_collect(t, &r, l) == -2,
	      "corked append with another cmsg processed the request%s%s",
	      t->why[0] ? ": " : "", t->why);
	setsockopt(p->tx, IPPROTO_UDP, UDP_CORK, &off, sizeof(off));
	return 0;
}

static int t_errors(struct t_ctx *t, const struct t_env *e)
{
	struct zc_ledger l;
	struct zc_pair p;
	int ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 4096))
		goto out;
	if (queue_completions(t, &p, &l, 20))
		goto out;
	if (e->type == SOCK_STREAM ? t_errors_tcp(t, &p, &l) :
				     t_errors_udp(t, &p, &l))
		goto out;
	/* Whatever the failed calls left must be on the error queue. */
	if (zc_settle(t, &p, &l, e->type == SOCK_DGRAM, 15000))
		goto out;
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Module load and unload. */

int zc_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int zc_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/*
 * rmmod may be refused (EAGAIN) while a task is inside the module: retry
 * for a while, as an administrator would.
 */
int zc_unload_retry(const char *name, int *refused)
{
	int i, ret = -1;

	for (i = 0; i < 200; i++) {
		ret = zc_unload(name);
		if (!ret || (errno != EAGAIN && errno != EBUSY))
			break;
		(*refused)++;
		usleep(5000);
	}
	return ret;
}

bool zc_loaded(void)
{
	return !access("/sys/module/zcnotify", F_OK);
}

/*
 * Lines the module logged: kernel log lines containing @needle, except the
 * kernel's own taint notices on the first load of an unsigned module.
 */
int klog_count(const char *needle)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *line, *save = NULL;
	int n = 0;

	if (len <= 0)
		return -1;
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[len > 0 ? len : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, needle) && !strstr(line, "taint");
	free(buf);
	return n;
}

/* The module says at load which functions it hooked, in one line. */
static int klog_last_load_line(struct t_ctx *t)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *line, *last = NULL, *save = NULL;

	CHECK(t, len > 0, "klogctl: %s", strerror(errno));
	buf = malloc(len + 1);
	CHECK(t, buf, "out of memory");
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[len > 0 ? len : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "zcnotify: version") && strstr(line, "hooks at"))
			last = line;
	if (last)
		printf("# load line: %s\n", strstr(last, "zcnotify:"));
	free(buf);
	CHECK(t, last, "no 'zcnotify: version ... hooks at' line in the kernel log");
	return 0;
}

static int expect_load_error(struct t_ctx *t, const char *ko,
			     const char *params, int want)
{
	int before = klog_count("zcnotify: "), after, ret;

	ret = zc_load(ko, params);
	CHECK(t, ret < 0 && errno == want, "load \"%s\": %d (%s), want %s",
	      params, ret, ret < 0 ? strerror(errno) : "loaded",
	      strerror(want));
	after = klog_count("zcnotify: ");
	CHECK(t, after == before + 1, "load \"%s\": %d log lines, want 1",
	      params, after - before);
	CHECK(t, !zc_loaded(), "module present after failed load");
	return 0;
}

/*
 * Loads that must fail with one log line each: the fixed ABI parameters
 * given a value (EPERM), a livepatch-like IPMODIFY owner of
 * __sock_cmsg_send (EBUSY), and kernel.ftrace_enabled=0 (EBUSY: the hooks
 * are permanent, so they would never run). While loaded, the sysctl
 * cannot be turned off (EBUSY).
 */
static int t_load_errors(struct t_ctx *t, const struct t_env *e)
{
	const char *fe = "/proc/sys/kernel/ftrace_enabled";

	if (zc_loaded())
		CHECK(t, !zc_unload("zcnotify"), "rmmod: %s", strerror(errno));
	if (expect_load_error(t, e->ko, "scm_zc_notification=78", EPERM) ||
	    expect_load_error(t, e->ko, "zc_notification_max=16", EPERM))
		return -1;
	CHECK(t, !zc_load(e->owner_ko, ""), "load owner module: %s",
	      strerror(errno));
	if (expect_load_error(t, e->ko, "", EBUSY)) {
		zc_unload("zc_ipmodify_owner");
		return -1;
	}
	CHECK(t, !zc_unload("zc_ipmodify_owner"), "rmmod owner: %s",
	      strerror(errno));
	if (write_sysctl(fe, "0")) {
		/* 7.3 dropped the switch: ftrace cannot be turned off at all. */
		CHECK(t, errno == EOPNOTSUPP, "ftrace_enabled=0: %s",
		      strerror(errno));
		printf("# kernel.ftrace_enabled cannot be set to 0 on this kernel\n");
	} else {
		if (expect_load_error(t, e->ko, "", EBUSY)) {
			write_sysctl(fe, "1");
			return -1;
		}
		CHECK(t, !write_sysctl(fe, "1"), "ftrace_enabled=1: %s",
		      strerror(errno));
	}
	CHECK(t, !zc_load(e->ko, ""), "load after the owner left: %s",
	      strerror(errno));
	CHECK(t, write_sysctl(fe, "0") && (errno == EBUSY || errno == EOPNOTSUPP),
	      "ftrace_enabled=0 while loaded: %s, want EBUSY",
	      errno == EBUSY ? "accepted" : strerror(errno));
	write_sysctl(fe, "1");
	return 0;
}

int read_param(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/zcnotify/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int t_sysfs(struct t_ctx *t, const struct t_env *e)
{
	char v[64];

	(void)e;
	CHECK(t, !read_param("parameters/scm_zc_notification", v, sizeof(v)),
	      "no scm_zc_notification parameter");
	CHECK(t, atoi(v) == SCM_ZC_NOTIFICATION, "scm_zc_notification = %s",
	      v);
	CHECK(t, !read_param("parameters/zc_notification_max", v, sizeof(v)),
	      "no zc_notification_max parameter");
	CHECK(t, atoi(v) == ZC_NOTIFICATION_MAX, "zc_notification_max = %s",
	      v);
	CHECK(t, !read_param("version", v, sizeof(v)) && v[0], "no version");
	return klog_last_load_line(t);
}

const char *const stat_names[] = {
	"requests", "ranges", "completions", "full", "einval", "efault",
	"norecord", "eintr",
};


int read_stats(struct t_ctx *t, long long *v)
{
	char path[128], buf[64];
	int i;

	for (i = 0; i < S_NR; i++) {
		snprintf(path, sizeof(path), "stats/%s", stat_names[i]);
		CHECK(t, !read_param(path, buf, sizeof(buf)), "no %s counter",
		      stat_names[i]);
		v[i] = atoll(buf);
	}
	return 0;
}

/* The counters in /sys/module/zcnotify/stats match what this test did. */
static int t_stats(struct t_ctx *t, const struct t_env *e)
{
	size_t sz = 4096;
	long long a[S_NR], b[S_NR], want[S_NR] = { 0 };
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r, *ro;
	struct zc_info *zi;
	int got, i, ret = -1;

	ro = mmap(NULL, 2 * sz, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (queue_completions(t, &p, &l, 10) || read_stats(t, a))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 2);
	zc_req_add_zc(&r, 2);
	zc_send(&p, 10, 0, &r, NULL);
	zc_req_init(&r);
	zi = zc_req_add(&r, SOL_SOCKET, SCM_ZC_NOTIFICATION, ZC_INFO_SIZE(0));
	zi->size = 0;
	zc_send(&p, 10, 0, &r, NULL);
	want[S_EINVAL] = 2;

	zc_req_init(ro);
	zc_req_add_zc(ro, 4);
	{
		struct iovec iov = { p.buf, 10 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ro->ctl.buf,
				    .msg_controllen = ro->len };

		mprotect(ro, 2 * sz, PROT_READ);
		sendmsg(p.tx, &m, 0);
		mprotect(ro, 2 * sz, PROT_READ | PROT_WRITE);
	}
	want[S_EFAULT] = 1;

	for (i = 0; i < 3; i++) {
		zc_req_init(&r);
		zc_req_add_zc(&r, 1);
		if (zc_send(&p, 0, 0, &r, NULL) < 0) {
			t_fail(t, "request: %s", strerror(errno));
			goto out;
		}
		got = zc_req_collect(t, &r, &l);
		if (got < 0)
			goto out;
		want[S_REQ]++;
		want[S_RANGES] += got;
		want[S_FULL] += got == 1;
	}
	if (read_stats(t, b))
		goto out;
	want[S_IDS] = l.ids_cmsg;
	for (i = 0; i < S_NR; i++)
		if (b[i] - a[i] != want[i]) {
			t_fail(t, "%s went up by %lld, want %lld",
			       stat_names[i], b[i] - a[i], want[i]);
			goto out;
		}
	if (zc_settle(t, &p, &l, true, 5000) || zc_ledger_verify(t, &l))
		goto out;
	ret = 0;
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	munmap(ro, 2 * sz);
	return ret;
}

/* Senders that keep going while the module comes and goes. */
struct churn {
	struct t_ctx t;
	struct zc_pair p;
	struct zc_ledger l;
	atomic_int *stop;
	int err;
};

static void *churn_sender(void *arg)
{
	struct churn *c = arg;
	int got;

	while (!atomic_load(c->stop)) {
		ssize_t n = zc_send_zc(&c->t, &c->p, 4096, 0, 8, &c->l, &got);

		if (got == -1) {
			c->err = -1;
			break;
		}
		if (n < 0 && errno == EINVAL) {
			/* Module absent: stock behaviour, fall back. */
			if (zc_send(&c->p, 4096, MSG_ZEROCOPY, NULL,
				    &c->l) != 4096 && errno != ENOBUFS) {
				c->err = t_fail(&c->t, "plain send: %s",
						strerror(errno));
				break;
			}
			if (zc_read_errqueue(&c->t, c->p.tx, &c->l, NULL) < 0) {
				c->err = -1;
				break;
			}
		} else if (n != 4096) {
			c->err = t_fail(&c->t, "send: %zd (%s)", n,
					strerror(errno));
			break;
		}
		zc_pair_drain_rx(&c->p);
	}
	return NULL;
}

static int t_unload_traffic(struct t_ctx *t, const struct t_env *e)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	static const int typ[2] = { SOCK_STREAM, SOCK_DGRAM };
	struct churn c[2];
	atomic_int stop = 0;
	uint32_t via_cmsg = 0;
	pthread_t th[2];
	int i, cycle, ret = 0, refused = 0;

	if (zc_loaded())
		CHECK(t, !zc_unload("zcnotify"), "rmmod: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].stop = &stop;
		if (zc_pair_open(t, &c[i].p, fam[i], typ[i], true) ||
		    zc_ledger_init(&c[i].l, 1 << 20))
			return -1;
		pthread_create(&th[i], NULL, churn_sender, &c[i]);
	}
	for (cycle = 0; cycle < 12 && !ret; cycle++) {
		if (zc_load(e->ko, ""))
			ret = t_fail(t, "load %d: %s", cycle, strerror(errno));
		usleep(100000 + (cycle % 4) * 50000);
		if (!ret && zc_unload_retry("zcnotify", &refused))
			ret = t_fail(t, "unload %d: %s", cycle,
				     strerror(errno));
		usleep(50000);
	}
	if (zc_loaded() && zc_unload("zcnotify"))
		ret = t_fail(t, "final unload: %s", strerror(errno));
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		if (c[i].err && !ret)
			ret = t_fail(t, "%s sender: %s",
				     zc_pair_name(&c[i].p), c[i].t.why);
		/* Module gone: the error queue must deliver the rest. */
		if (!ret && zc_settle(t, &c[i].p, &c[i].l, true, 15000))
			ret = -1;
		if (!ret && zc_ledger_verify(t, &c[i].l))
			ret = -1;
		via_cmsg += c[i].l.ids_cmsg;
		printf("# unload_traffic %s: %u sends, %u ids via cmsg\n",
		       zc_pair_name(&c[i].p), c[i].l.sends, c[i].l.ids_cmsg);
		zc_ledger_free(&c[i].l);
		zc_pair_close(&c[i].p);
	}
	if (!ret && !via_cmsg)
		ret = t_fail(t, "no completion ever came through the cmsg");
	printf("# unload_traffic: 12 load/unload cycles, rmmod refused %d times (module in use)\n",
	       refused);
	return ret;
}

/* A sender blocked inside a hooked sendmsg() while the module goes. */
struct blocked {
	struct t_ctx t;
	struct zc_pair *p;
	struct zc_ledger *l;
	struct zc_req r;
	atomic_int done;
	ssize_t n;
	int err;
};

static void *blocked_sender(void *arg)
{
	struct blocked *b = arg;

	zc_req_init(&b->r);
	zc_req_add_zc(&b->r, 8);
	b->n = zc_send(b->p, b->p->buflen, MSG_ZEROCOPY, &b->r, b->l);
	b->err = errno;
	atomic_store(&b->done, 1);
	return NULL;
}

static int t_unload_blocked(struct t_ctx *t, const struct t_env *e)
{
	int small = 16384, ret = -1, got;
	struct zc_ledger l;
	struct blocked b;
	struct zc_pair p;
	struct zc_req r;
	pthread_t th;
	long t0, dt;
	ssize_t n;

	if (!zc_loaded())
		CHECK(t, !zc_load(e->ko, ""), "load: %s", strerror(errno));
	if (zc_pair_open(t, &p, AF_INET, SOCK_STREAM, true) ||
	    zc_ledger_init(&l, 4096))
		goto out;
	setsockopt(p.tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(p.rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (queue_completions(t, &p, &l, 5))
		goto out;
	memset(&b, 0, sizeof(b));
	b.p = &p;
	b.l = &l;
	pthread_create(&th, NULL, blocked_sender, &b);
	usleep(500000);
	if (atomic_load(&b.done)) {
		t_fail(t, "sender did not block (%zd)", b.n);
		goto join;
	}
	t0 = zc_now_ms();
	if (zc_unload("zcnotify")) {
		t_fail(t, "unload with a blocked sender: %s", strerror(errno));
		goto join;
	}
	dt = zc_now_ms() - t0;
	printf("# unload_blocked: rmmod done in %ld ms, sender %s\n", dt,
	       atomic_load(&b.done) ? "done" : "still blocked");
	ret = 0;
join:
	while (!atomic_load(&b.done)) {
		zc_pair_drain_rx(&p);
		usleep(1000);
	}
	pthread_join(th, NULL);
	if (ret)
		goto out;
	ret = -1;
	if (b.n != (ssize_t)p.buflen) {
		t_fail(t, "blocked send returned %zd (%s)", b.n,
		       strerror(b.err));
		goto out;
	}
	got = zc_req_collect(t, &b.r, &l);
	if (got == -1)
		goto out;
	/* The application keeps working: stock EINVAL, errqueue delivers. */
	zc_req_init(&r);
	zc_req_add_zc(&r, 8);
	n = zc_send(&p, 1000, MSG_ZEROCOPY, &r, &l);
	if (!(n < 0 && errno == EINVAL) || !zc_req_untouched(&r)) {
		t_fail(t, "cmsg after unload: %zd (%s), want EINVAL", n,
		       n < 0 ? strerror(errno) : "success");
		goto out;
	}
	if (zc_send(&p, 1000, MSG_ZEROCOPY, NULL, &l) != 1000) {
		t_fail(t, "plain send after unload: %s", strerror(errno));
		goto out;
	}
	if (zc_settle(t, &p, &l, false, 15000))
		goto out;
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

/*
 * Soak: workers sending with MSG_ZEROCOPY on their own sockets, reaping
 * through the cmsg, MSG_ERRQUEUE or both, with failures on purpose
 * (non-blocking sockets filling up, peers closing, optmem_max lowered so
 * that ENOBUFS happens), while the module is unloaded and loaded again
 * and a sender sits blocked in sendmsg(). Every send counter value must
 * be accounted for exactly once. Length from ZC_SOAK_SECS (default 20),
 * unload cycles from ZC_SOAK_UNLOADS (default 10).
 */
enum soak_mode { SOAK_CMSG, SOAK_ERRQ_THREAD, SOAK_NONBLOCK, SOAK_MIXED,
		 SOAK_CLOSER, SOAK_NR };

struct soak {
	struct t_ctx t;
	enum soak_mode mode;
	int family, type;
	atomic_int *stop;
	struct zc_pair p;
	struct zc_ledger l;
	atomic_int reader_stop;
	long sends, completions, lost, dups, pairs;
	int err;
};

static void *soak_reader(void *arg)
{
	struct soak *s = arg;
	struct pollfd pfd;

	while (!atomic_load(&s->reader_stop)) {
		pfd.fd = s->p.tx;
		pfd.events = 0;
		poll(&pfd, 1, 5);
		if (zc_read_errqueue(&s->t, s->p.tx, &s->l, NULL) < 0)
			break;
	}
	return NULL;
}

/* Close out one socket pair: collect the rest, check, add to totals. */
static int soak_finish_pair(struct soak *s)
{
	int ret = zc_settle(&s->t, &s->p, &s->l, false, 20000);

	s->sends += s->l.sends;
	s->completions += s->l.ids_cmsg + s->l.ids_errqueue;
	s->lost += zc_ledger_missing(&s->l);
	s->dups += s->l.dups + s->l.bogus;
	s->pairs++;
	if (!ret)
		ret = zc_ledger_verify(&s->t, &s->l);
	zc_ledger_free(&s->l);
	zc_pair_close(&s->p);
	return ret;
}

static int soak_open_pair(struct soak *s)
{
	int small = 16384;

	if (zc_pair_open(&s->t, &s->p, s->family, s->type, true) ||
	    zc_ledger_init(&s->l, 1 << 21))
		return -1;
	if (s->mode == SOAK_NONBLOCK) {
		setsockopt(s->p.tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		fcntl(s->p.tx, F_SETFL, O_NONBLOCK);
	}
	return 0;
}

static void *soak_worker(void *arg)
{
	struct soak *s = arg;
	pthread_t reader;
	long i = 0;
	int got;

	if (soak_open_pair(s)) {
		s->err = -1;
		return NULL;
	}
	if (s->mode == SOAK_ERRQ_THREAD)
		pthread_create(&reader, NULL, soak_reader, s);
	while (!atomic_load(s->stop) && !s->err) {
		bool cmsg = s->mode == SOAK_CMSG || s->mode == SOAK_ERRQ_THREAD ||
			    (s->mode == SOAK_MIXED && i % 2);
		ssize_t n;

		i++;
		if (cmsg) {
			struct zc_req r;

			zc_req_init(&r);
			zc_req_add_zc(&r, 8);
			n = zc_send(&s->p, 2048, MSG_ZEROCOPY, &r, &s->l);
			got = zc_req_collect(&s->t, &r, &s->l);
			if (got == -1)
				s->err = -1;
		} else {
			n = zc_send(&s->p, 2048, MSG_ZEROCOPY, NULL, &s->l);
		}
		if (n < 0 && errno != EINVAL && errno != EAGAIN &&
		    errno != ENOBUFS && errno != EPIPE && errno != ECONNRESET)
			s->err = t_fail(&s->t, "send: %s", strerror(errno));
		if (s->mode != SOAK_CMSG && s->mode != SOAK_ERRQ_THREAD &&
		    zc_read_errqueue(&s->t, s->p.tx, &s->l, NULL) < 0)
			s->err = -1;
		if (s->mode == SOAK_CMSG && n < 0 &&
		    zc_read_errqueue(&s->t, s->p.tx, &s->l, NULL) < 0)
			s->err = -1;	/* module absent: errqueue fallback */
		if (s->mode == SOAK_NONBLOCK && n < 0 && errno == EAGAIN &&
		    i % 16 == 0)
			zc_pair_drain_rx(&s->p);
		else if (s->mode != SOAK_NONBLOCK)
			zc_pair_drain_rx(&s->p);
		if (s->mode == SOAK_CLOSER && i % 300 == 0) {
			/* The peer goes away: EPIPE, then a fresh pair. */
			close(s->p.rx);
			s->p.rx = -1;
			zc_send(&s->p, 2048, MSG_ZEROCOPY, NULL, &s->l);
			if (soak_finish_pair(s) || soak_open_pair(s))
				s->err = -1;
		}
	}
	if (s->mode == SOAK_ERRQ_THREAD) {
		atomic_store(&s->reader_stop, 1);
		pthread_join(reader, NULL);
	}
	if (s->mode == SOAK_NONBLOCK)
		fcntl(s->p.tx, F_SETFL, 0);
	if (!s->err && soak_finish_pair(s))
		s->err = -1;
	return NULL;
}

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

int write_sysctl(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(v, f);
	return fclose(f);
}

static int t_soak(struct t_ctx *t, const struct t_env *e)
{
	static const int fam[SOAK_NR] = { AF_INET, AF_INET6, AF_INET6,
					  AF_INET, AF_INET };
	static const int typ[SOAK_NR] = { SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM,
					  SOCK_DGRAM, SOCK_STREAM };
	const char *env_s = getenv("ZC_SOAK_SECS"), *env_u = getenv("ZC_SOAK_UNLOADS");
	int secs = env_s ? atoi(env_s) : 20, unloads = env_u ? atoi(env_u) : 10;
	long sends = 0, comps = 0, lost = 0, dups = 0, slab0, slab1;
	struct soak *w = calloc(SOAK_NR, sizeof(*w));
	struct blocked b;
	struct zc_pair bp;
	struct zc_ledger bl;
	pthread_t th[SOAK_NR], bth;
	atomic_int stop = 0;
	int i, cycle, refused = 0, ret = 0, small = 16384;
	long t_end;
	char optmem[32] = "";
	FILE *f;

	if (!w)
		return t_fail(t, "out of memory");
	if (zc_loaded())
		CHECK(t, !zc_unload("zcnotify"), "rmmod: %s", strerror(errno));
	slab0 = meminfo("Slab:");
	CHECK(t, !zc_load(e->ko, ""), "load: %s", strerror(errno));
	f = fopen("/proc/sys/net/core/optmem_max", "r");
	if (f && fgets(optmem, sizeof(optmem), f))
		write_sysctl("/proc/sys/net/core/optmem_max", "12288");
	if (f)
		fclose(f);

	/* A sender that stays blocked in sendmsg() through the unloads. */
	CHECK(t, !zc_pair_open(t, &bp, AF_INET, SOCK_STREAM, true) &&
	      !zc_ledger_init(&bl, 4096), "blocked pair: %s", t->why);
	setsockopt(bp.tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(bp.rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&b, 0, sizeof(b));
	b.p = &bp;
	b.l = &bl;
	pthread_create(&bth, NULL, blocked_sender, &b);

	for (i = 0; i < SOAK_NR; i++) {
		w[i].mode = i;
		w[i].family = fam[i];
		w[i].type = typ[i];
		w[i].stop = &stop;
		pthread_create(&th[i], NULL, soak_worker, &w[i]);
	}
	t_end = zc_now_ms() + secs * 1000L;
	for (cycle = 0; (cycle < unloads || zc_now_ms() < t_end) && !ret; cycle++) {
		usleep(cycle < unloads ? 20000 + 10000 * (cycle % 5) : 200000);
		if (cycle >= unloads)
			continue;
		if (zc_unload_retry("zcnotify", &refused))
			ret = t_fail(t, "unload %d: %s", cycle, strerror(errno));
		usleep(10000);
		if (!ret && zc_load(e->ko, ""))
			ret = t_fail(t, "load %d: %s", cycle, strerror(errno));
	}
	atomic_store(&stop, 1);
	for (i = 0; i < SOAK_NR; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err && !ret)
			ret = t_fail(t, "worker %d: %s", i, w[i].t.why);
		sends += w[i].sends;
		comps += w[i].completions;
		lost += w[i].lost;
		dups += w[i].dups;
	}
	if (atomic_load(&b.done) && !ret)
		ret = t_fail(t, "the blocked sender was not blocked");
	while (!atomic_load(&b.done)) {
		zc_pair_drain_rx(&bp);
		usleep(1000);
	}
	pthread_join(bth, NULL);
	if (zc_req_collect(t, &b.r, &bl) == -1 && !ret)
		ret = -1;
	if (!ret && zc_settle(t, &bp, &bl, false, 20000))
		ret = -1;
	if (!ret && zc_ledger_verify(t, &bl))
		ret = -1;
	zc_ledger_free(&bl);
	zc_pair_close(&bp);
	if (optmem[0])
		write_sysctl("/proc/sys/net/core/optmem_max", optmem);
	if (zc_loaded() && zc_unload_retry("zcnotify", &refused) && !ret)
		ret = t_fail(t, "final unload: %s", strerror(errno));
	usleep(200000);
	slab1 = meminfo("Slab:");
	printf("# soak: %ds, %d unload cycles (%d refused while in use), %ld sends, %ld completions, lost %ld, duplicated %ld, slab %+ld kB\n",
	       secs, unloads, refused, sends, comps, lost, dups, slab1 - slab0);
	if (!ret && (lost || dups))
		ret = t_fail(t, "lost %ld, duplicated %ld", lost, dups);
	free(w);
	if (!zc_loaded())
		zc_load(e->ko, "");
	return ret;
}

/* ---------------------------------------------------------------- */

static const struct t_case core_cases[] = {
	PER_PROTO("absent", t_absent, 30),
	PER_PROTO("fallback", t_fallback, 30),
	{ "load_errors", t_load_errors, 0, 0, 60 },
	{ "sysfs", t_sysfs, 0, 0, 10 },
	{ "stats_udp4", t_stats, AF_INET, SOCK_DGRAM, 30 },
	PER_PROTO("basic", t_basic, 60),
	PER_PROTO("sendmmsg", t_sendmmsg, 60),
	PER_PROTO("other_cmsgs", t_other_cmsgs, 60),
	PER_PROTO("bounded", t_bounded, 60),
	PER_PROTO("helper", t_helper, 60),
	PER_PROTO("invalid", t_invalid, 30),
	PER_PROTO("efault", t_efault, 30),
	PER_PROTO("hybrid", t_hybrid, 90),
	PER_PROTO("errors", t_errors, 90),
	{ "unload_traffic", t_unload_traffic, 0, 0, 120 },
	{ "unload_blocked", t_unload_blocked, 0, 0, 60 },
	{ "soak", t_soak, 0, 0, 1800 },
	{ NULL }
};

/* Every table of cases, core first; each ends with a NULL name. */
static const struct t_case *const tables[] = {
	core_cases,
	adv_stale_cases,
	adv_shared_buffer_cases,
	adv_restart_cases,
	adv_partial_write_cases,
	adv_uffd_cases,
	adv_io_uring_cases,
	adv_sendmmsg_partial_cases,
	adv_helper_silent_cases,
};

#define for_each_case(c, ti)						\
	for ((ti) = 0; (ti) < sizeof(tables) / sizeof(tables[0]); (ti)++) \
		for ((c) = tables[ti]; (c)->name; (c)++)

/* The 32-bit build reports its results under names ending in _m32. */
static const char *abi_suffix(void)
{
	return sizeof(long) == 4 ? "_m32" : "";
}

static int run_one(const struct t_case *c, struct t_env *env)
{
	struct t_ctx t = { .why = "" };
	int status, fds[2];
	pid_t pid;
	char why[sizeof(t.why)] = "";
	ssize_t n;

	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		alarm(c->timeout_s);
		env->family = c->family;
		env->type = c->type;
		if (c->fn(&t, env)) {
			if (!t.why[0])
				strcpy(t.why, "failed");
			n = write(fds[1], t.why, strlen(t.why));
			_exit(n < 0 ? 2 : 1);
		}
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], why, sizeof(why) - 1);
	why[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		printf("ok - %s%s\n", c->name, abi_suffix());
		return 0;
	}
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d%s",
			 WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? " (deadline)" : "");
	printf("not ok - %s%s # %s\n", c->name, abi_suffix(), why);
	return 1;
}

int main(int argc, char **argv)
{
	struct t_env env = { 0 };
	const struct t_case *c;
	size_t ti;
	int a, end = argc, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "list")) {
		for_each_case(c, ti) {
			bool match = argc == 2;

			for (a = 2; a < argc; a++)
				match |= !fnmatch(argv[a], c->name, 0);
			if (match)
				printf("%s%s\n", c->name, abi_suffix());
		}
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: %s list | run NAME... [-- KO OWNER_KO]\n",
			argv[0]);
		return 2;
	}
	for (a = 2; a < argc; a++)
		if (!strcmp(argv[a], "--")) {
			end = a;
			env.ko = a + 1 < argc ? argv[a + 1] : NULL;
			env.owner_ko = a + 2 < argc ? argv[a + 2] : NULL;
		}
	for (a = 2; a < end; a++) {
		bool found = false;

		for_each_case(c, ti) {
			if (!fnmatch(argv[a], c->name, 0)) {
				found = true;
				failed += run_one(c, &env);
			}
		}
		if (!found) {
			printf("not ok - %s # no such test\n", argv[a]);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
