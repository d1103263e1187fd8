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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

static const struct t_fixture fix_empty = { .ledger = 512 };

const struct t_case answer_returned_cases[] = {
	PER_PROTO_FIX("returned", t_returned, &fix_empty, 0, 60),
	{ 0 }
};
