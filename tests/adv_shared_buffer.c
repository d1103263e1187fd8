// SPDX-License-Identifier: GPL-2.0
/*
 * adv_shared_buffer: one request buffer used by several messages.
 *
 * sendmmsg(): every message of a batch points at the same control buffer.
 * The first message's request is processed and the buffer then holds its
 * answer; that payload is never parsed again in the same system call:
 * the second message gets EINVAL (so sendmmsg() returns 1) and nothing
 * more is taken. Done with a request that fills up (the answer looks like
 * a new request of the same size) and with one that does not.
 *
 * Threads: two threads take turns on one socket with one shared buffer
 * (each fills, sends and reads it under a lock), while both keep sending.
 *
 * Every send counter value must be reported exactly once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "zc_lib.h"
#include "zc_test.h"

static int shared_mmsg_round(struct t_ctx *t, struct zc_pair *p,
			     struct zc_ledger *l, uint32_t n)
{
	struct mmsghdr mm[2];
	struct iovec iov[2];
	struct zc_req r;
	int sent, got;

	zc_req_init(&r);
	zc_req_add_zc(&r, n);
	memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
	zc_mmsg_fill(mm, iov, 2, p, 1000, r.ctl.buf, r.len);
	sent = sendmmsg(p->tx, mm, 2, MSG_ZEROCOPY | MSG_DONTWAIT);
	CHECK(t, sent == 1, "sendmmsg sharing one request (size %u): %d (%s), want 1",
	      n, sent, sent < 0 ? strerror(errno) : "sent");
	l->sends++;
	got = zc_req_collect(t, &r, l);
	CHECK(t, got >= 0, "first message's request not processed%s%s",
	      t->why[0] ? ": " : "", t->why);
	zc_pair_drain_rx(p);
	return 0;
}

static int t_shared_mmsg(struct t_ctx *t, const struct t_env *e)
{
	struct zc_ledger l;
	struct zc_pair p;
	int i, ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 256))
		goto out;
	for (i = 0; i < 20; i++) {
		/* Size 1 fills up whenever anything is queued. */
		if (queue_completions(t, &p, &l, 3) ||
		    shared_mmsg_round(t, &p, &l, 1) ||
		    queue_completions(t, &p, &l, 3) ||
		    shared_mmsg_round(t, &p, &l, 8))
			goto out;
	}
	if (zc_settle(t, &p, &l, false, 5000))
		goto out;
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

struct shared {
	struct zc_pair *p;
	struct zc_ledger *l;
	struct zc_req *r;	/* the one buffer */
	pthread_mutex_t mu;
	struct t_ctx t;
	int err;
};

static void *shared_thread(void *arg)
{
	struct shared *s = arg;
	int i, got;

	for (i = 0; i < 150 && !s->err; i++) {
		ssize_t ret;

		pthread_mutex_lock(&s->mu);
		zc_req_init(s->r);
		zc_req_add_zc(s->r, 2);
		ret = zc_send(s->p, 1000, MSG_ZEROCOPY | MSG_DONTWAIT, s->r, s->l);
		if (ret < 0 && errno != EAGAIN && errno != ENOBUFS) {
			t_fail(&s->t, "send: %s", strerror(errno));
			s->err = 1;
		}
		got = zc_req_collect(&s->t, s->r, s->l);
		if (got == -1 || (got == -2 && ret >= 0)) {
			if (got == -2)
				t_fail(&s->t, "request of a sent message not processed");
			s->err = 1;
		}
		pthread_mutex_unlock(&s->mu);
		zc_pair_drain_rx(s->p);
		if (ret < 0)
			usleep(1000);
	}
	return NULL;
}

static int t_shared_threads(struct t_ctx *t, const struct t_env *e)
{
	struct shared s = { .err = 0 };
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r;
	pthread_t th[2];
	int i, ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 400))
		goto out;
	s.p = &p;
	s.l = &l;
	s.r = &r;
	pthread_mutex_init(&s.mu, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, shared_thread, &s);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (s.err) {
		t_fail(t, "%s", s.t.why);
		goto out;
	}
	if (zc_settle(t, &p, &l, true, 10000))
		goto out;
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

const struct t_case adv_shared_buffer_cases[] = {
	PER_PROTO("adv_shared_sendmmsg", t_shared_mmsg, 60),
	PER_PROTO("adv_shared_threads", t_shared_threads, 90),
	{ NULL }
};
