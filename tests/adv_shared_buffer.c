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
#include "proto_lib.h"
#include "cases.h"

static int shared_mmsg_round(struct t_ctx *t, struct t_fix *f, uint32_t n,
			     void *arg)
{
	struct mmsghdr mm[2];
	struct iovec iov[2];
	struct zc_req r;

	(void)arg;
	zc_req_init(&r);
	zc_req_add_zc(&r, n);
	memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
	zc_mmsg_fill(mm, iov, 2, &f->p, 1000, r.ctl.buf, r.len);
	return expect_first_of_two(t, f, &r,
				   sendmmsg(f->p.tx, mm, 2,
					    MSG_ZEROCOPY | MSG_DONTWAIT),
				   "sharing one request");
}

static int t_shared_mmsg(struct t_ctx *t, struct t_fix *f)
{
	return queued_rounds(t, f, 20, shared_mmsg_round, NULL);
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

static int t_shared_threads(struct t_ctx *t, struct t_fix *f)
{
	struct shared s = { .p = &f->p, .l = &f->l };
	struct zc_req r;
	pthread_t th[2];
	int i;

	s.r = &r;
	pthread_mutex_init(&s.mu, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, shared_thread, &s);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(t, !s.err, "%s", s.t.why);
	return 0;
}

static const struct t_fixture shared_mmsg = {
	.ledger = 256, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};
static const struct t_fixture shared_threads = {
	.ledger = 400, .settle = T_SETTLE_CMSG, .settle_ms = 10000,
};

const struct t_case adv_shared_buffer_cases[] = {
	PER_PROTO_FIX("adv_shared_sendmmsg", t_shared_mmsg, &shared_mmsg, 0, 60),
	PER_PROTO_FIX("adv_shared_threads", t_shared_threads, &shared_threads,
		      0, 90),
	{ NULL }
};
