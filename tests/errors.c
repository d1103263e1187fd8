// SPDX-License-Identifier: GPL-2.0
/*
 * errors: exactly once when the cmsg and MSG_ERRQUEUE compete, and when
 * sends fail.
 *
 * Two cmsg senders and a MSG_ERRQUEUE reader share one socket (hybrid_*);
 * sends fail with EAGAIN and EPIPE (TCP) or EMSGSIZE and meet a corked
 * append (UDP) (errors_*). Whether the request was processed or not, every
 * completion arrives once, through one of the two paths.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

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

static int t_hybrid(struct t_ctx *t, struct t_fix *f)
{
	struct hybrid hs[2], hr = { .p = &f->p, .l = &f->l }, hx = hr;
	pthread_t ts[2], tr, tx;
	int i, ret;

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
	ret = zc_settle(t, &f->p, &f->l, true, 15000);
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
		ret = zc_ledger_verify(t, &f->l);
	printf("# %s hybrid: %u sends, %u ids via cmsg, %u via errqueue\n",
	       zc_pair_name(&f->p), f->l.sends, f->l.ids_cmsg,
	       f->l.ids_errqueue);
	return ret;
}

/* TCP: EAGAIN on a full non-blocking socket, then EPIPE after shutdown. */
static int t_errors_tcp(struct t_ctx *t, struct t_fix *f)
{
	struct zc_pair *p = &f->p;
	struct zc_ledger *l = &f->l;
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
static int t_errors_udp(struct t_ctx *t, struct t_fix *f)
{
	struct zc_pair *p = &f->p;
	struct zc_ledger *l = &f->l;
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

/* Whatever the failed calls left must be on the error queue. */
static const struct t_fixture errors = {
	.ledger = 4096, .queued = 20,
	.settle = T_SETTLE_UDP_CMSG, .settle_ms = 15000,
};
static const struct t_fixture hybrid = { .ledger = 4096 };

const struct t_case errors_cases[] = {
	PER_PROTO_FIX("hybrid", t_hybrid, &hybrid, 0, 90),
	T_FIX_TCP("errors", t_errors_tcp, &errors, 0, 90),
	T_FIX_UDP("errors", t_errors_udp, &errors, 0, 90),
	{ NULL }
};
