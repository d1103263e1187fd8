// SPDX-License-Identifier: GPL-2.0
/*
 * answer_returned: a lone request that meets an empty error queue when
 * sendmsg() is entered is answered when the call returns, with what that
 * very send completed (x86-64 kernels with direct calls, 5.18+:
 * module/zc_answer.c zc_answer_later(), zc_answer_returned(), from the
 * trampoline's return, module/zc_sendmsg.c zc_sendmsg_returned()).
 *
 * Over loopback a UDP send's completion is queued during the send itself
 * (the receiving side copies the pages at once), after the entry: answered
 * there, the program that reaps after every send finds it on the error
 * queue, and a request only ever carries the previous send's. returned_*:
 * one lone request per send on an empty queue, of capacity 1 (filled) or
 * 4; each answer must be well formed and hold every completion exactly
 * once, and on those kernels (UDP) sends' own completions (200 of 200 on
 * an idle host; at least one in ten required, as a softirq left to
 * ksoftirqd completes a send after it returned),
 * counted in stats/returned. TCP's completions wait for the receiver's
 * ACK, which usually comes after the return: no bound there. Elsewhere
 * (arm64, 5.10: the hold ends in task work, no return to hook) every
 * request is answered at the entry. A restarted call: adv_restart.c.
 *
 * returned_empty_*: the same sends, each request asking whether its
 * answer left the error queue empty (ZC_ASK_QUEUE_EMPTY, module/
 * zc_errqueue.c): only an answer made at the return may say so
 * (ZC_QUEUE_EMPTY), and then, for UDP with every send accounted for, the
 * error queue read right after holds nothing. returned_empty_tstamp_*:
 * with software TX timestamps, queued during each send and never taken,
 * no answer says empty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/net_tstamp.h>
#include "proto_lib.h"
#include "cases.h"

enum { RETURNED_SENDS = 200 };

/* Does the answer in @r report send counter value @id? */
static bool answer_has(const struct zc_req *r, uint32_t id)
{
	const struct zc_info *zi = (const struct zc_info *)CMSG_DATA(r->zc);
	uint32_t i;

	for (i = 0; i < zi->size && i < r->n; i++)
		if (zi->arr[i].lo <= id && id <= zi->arr[i].hi)
			return true;
	return false;
}

static int t_returned(struct t_ctx *t, struct t_fix *f)
{
	bool udp = f->e->type == SOCK_DGRAM, at_return = zc_answers_at_return();
	long long s0[S_NR], s1[S_NR];
	uint32_t own = 0, ranges = 0;
	struct zc_req r;
	int i, got;

	if (read_stats(t, s0))
		return -1;
	for (i = 0; i < RETURNED_SENDS; i++) {
		ssize_t n;

		zc_req_init(&r);
		zc_req_add_zc(&r, i % 2 ? 4 : 1);	/* 1: filled */
		n = zc_send(&f->p, 4096, MSG_ZEROCOPY, &r, &f->l);
		CHECK(t, n == 4096, "send %d: %zd (%s)", i, n, strerror(errno));
		if (answer_has(&r, f->l.sends - 1))
			own++;
		got = zc_req_collect(t, &r, &f->l);
		CHECK(t, got >= 0, "send %d: request not processed (%d)", i, got);
		ranges += got;
		zc_pair_drain_rx(&f->p);
	}
	if (read_stats(t, s1))
		return -1;
	printf("# %s: %u of %d answers held their own send's completion, "
	       "stats/returned +%lld, %u ranges\n", zc_pair_name(&f->p), own,
	       RETURNED_SENDS, s1[S_RETURNED] - s0[S_RETURNED], ranges);
	CHECK(t, s1[S_RANGES] - s0[S_RANGES] == ranges,
	      "stats/ranges +%lld, the answers held %u",
	      s1[S_RANGES] - s0[S_RANGES], ranges);
	CHECK(t, s1[S_RETURNED] - s0[S_RETURNED] >= own &&
	      s1[S_RETURNED] - s0[S_RETURNED] <= RETURNED_SENDS,
	      "stats/returned +%lld for %u answers with their own completion",
	      s1[S_RETURNED] - s0[S_RETURNED], own);
	if (!at_return) {
		CHECK(t, !own && s1[S_RETURNED] == s0[S_RETURNED],
		      "no return hook here, yet %u answered at the return", own);
	} else if (udp) {
		/*
		 * Only where the receiving softirq ran inside the send: one left
		 * to ksoftirqd completes it after the return (seen: every
		 * other send on a loaded host).
		 */
		CHECK(t, own >= RETURNED_SENDS / 10,
		      "only %u of %d answers held their own send's completion",
		      own, RETURNED_SENDS);
	}
	return settle_verify(t, f, T_SETTLE_CMSG, 10000);
}

/* The request's arr[0].reserved[0] after the call: the answer to "empty?" */
static unsigned char answer_empty(const struct zc_req *r)
{
	return ((const struct zc_info *)CMSG_DATA(r->zc))->arr[0].reserved[0];
}

/*
 * 200 sends asking "empty?"; @tstamp: with a software TX timestamp queued
 * by each. Each answer's byte is checked against the error queue as read
 * right after it.
 */
static int empty_sends(struct t_ctx *t, struct t_fix *f, bool tstamp)
{
	bool udp = f->e->type == SOCK_DGRAM, at_return = zc_answers_at_return();
	unsigned int told_empty = 0, checked = 0;
	struct zc_tslog ts = { 0 };
	struct zc_req r;
	int i, got, left;

	if (tstamp) {
		int v = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			SOF_TIMESTAMPING_OPT_TSONLY;

		CHECK(t, !setsockopt(f->p.tx, SOL_SOCKET, SO_TIMESTAMPING_OLD,
				     &v, sizeof(v)),
		      "SO_TIMESTAMPING: %s", strerror(errno));
		ts.cap = 2 * RETURNED_SENDS;
		ts.key = calloc(ts.cap, sizeof(*ts.key));
		CHECK(t, ts.key, "calloc");
	}
	for (i = 0; i < RETURNED_SENDS; i++) {
		unsigned char b;
		bool complete;
		ssize_t n;

		zc_req_init(&r);
		zc_req_add_zc(&r, i % 2 ? 4 : 1);
		zc_req_ask_empty(&r);
		n = zc_send(&f->p, 4096, MSG_ZEROCOPY, &r, &f->l);
		CHECK(t, n == 4096, "send %d: %zd (%s)", i, n, strerror(errno));
		got = zc_req_collect(t, &r, &f->l);
		CHECK(t, got >= 0, "send %d: request not processed (%d)", i, got);
		b = answer_empty(&r);
		complete = !zc_ledger_missing(&f->l);
		/* Everything left, timestamps included: the queue as it is. */
		left = zc_read_errqueue(t, f->p.tx, &f->l, tstamp ? &ts : NULL);
		CHECK(t, left >= 0, "send %d: error queue read failed", i);
		if (tstamp)
			ts.n = 0;
		zc_pair_drain_rx(&f->p);
		if (b == ZC_ASK_QUEUE_EMPTY) {	/* not told: an empty answer */
			CHECK(t, !got, "send %d: %d elements, byte left as asked",
			      i, got);
			continue;
		}
		CHECK(t, b <= ZC_QUEUE_EMPTY, "send %d: byte %u", i, b);
		/* UDP over loopback: the send's timestamp is queued in it. */
		CHECK(t, !tstamp || !udp || left > 0,
		      "send %d: no timestamp on the queue", i);
		if (b != ZC_QUEUE_EMPTY)
			continue;
		told_empty++;
		CHECK(t, at_return, "send %d: told empty, but answers here are "
		      "not made after the send", i);
		CHECK(t, !tstamp || !udp,
		      "send %d: told empty, its send's timestamp left", i);
		/* UDP: nothing can come later once every send is accounted for. */
		if (udp && complete) {
			checked++;
			CHECK(t, !left, "send %d: told empty, yet %d entries on "
			      "the queue right after", i, left);
		}
	}
	free(ts.key);
	printf("# %s%s: %u of %d answers said the queue was empty, "
	       "%u of them checked against it\n", zc_pair_name(&f->p),
	       tstamp ? " with timestamps" : "", told_empty, RETURNED_SENDS,
	       checked);
	if (at_return && udp && !tstamp)
		CHECK(t, checked >= RETURNED_SENDS / 10,
		      "only %u of %d answers said empty with every send "
		      "accounted for", checked, RETURNED_SENDS);
	return settle_verify(t, f, T_SETTLE_CMSG, 10000);
}

static int t_returned_empty(struct t_ctx *t, struct t_fix *f)
{
	return empty_sends(t, f, false);
}

static int t_returned_empty_tstamp(struct t_ctx *t, struct t_fix *f)
{
	return empty_sends(t, f, true);
}

/* Nothing queued, room for every send of a case. */
static const struct t_fixture fix_empty_512 = { .ledger = 512 };

const struct t_case answer_returned_cases[] = {
	PER_PROTO_FIX("returned", t_returned, &fix_empty_512, 0, 60),
	PER_PROTO_FIX("returned_empty", t_returned_empty, &fix_empty_512, 0, 60),
	PER_PROTO_FIX("returned_empty_tstamp", t_returned_empty_tstamp,
		      &fix_empty_512, 0, 60),
	{ 0 }
};
