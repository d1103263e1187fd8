// SPDX-License-Identifier: GPL-2.0
/*
 * adv_sendmmsg_partial: sendmmsg() message k's request is processed, then
 * message k itself fails (here: an invalid control message after the
 * request), so sendmmsg() returns k and reports no error.
 *
 * The contract (uapi header): a processed request's answer belongs to the
 * caller whatever happens to the send, so after sendmmsg() returns k the
 * caller also reads message k's request (processed if @size or arr[0]
 * changed). This test does exactly that and counts every send counter
 * value once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto_lib.h"
#include "cases.h"

static int t_sendmmsg_partial(struct t_ctx *t, struct t_fix *f)
{
	struct zc_req *r = calloc(2, sizeof(*r));
	struct mmsghdr mm[2];
	struct iovec iov[2];
	int round, n, ret = 0;

	if (!r)
		return t_fail(t, "out of memory");
	for (round = 0; round < 10 && !ret; round++) {
		if (queue_completions(t, &f->p, &f->l, 5)) {
			ret = -1;
			break;
		}
		zc_mmsg_fill(mm, iov, 2, &f->p, 1000, NULL, 0);
		zc_req_init(&r[0]);
		zc_req_add_zc(&r[0], 1);
		/* Message 1: the request, then a SOL_SOCKET type nobody knows. */
		zc_req_init(&r[1]);
		zc_req_add_zc(&r[1], 1);
		*(int *)zc_req_add(&r[1], SOL_SOCKET, 0x7a7a, sizeof(int)) = 0;
		zc_mmsg_reqs(mm, r, 2);
		n = sendmmsg(f->p.tx, mm, 2, MSG_ZEROCOPY | MSG_DONTWAIT);
		if (n != 1) {
			ret = t_fail(t, "sendmmsg: %d (%s), want 1", n,
				     n < 0 ? strerror(errno) : "sent");
			break;
		}
		f->l.sends++;
		ret = zc_mmsg_collect(t, r, 2, &f->l);
		zc_pair_drain_rx(&f->p);
	}
	free(r);
	return ret;
}

static const struct t_fixture partial = {
	.ledger = 256, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};

const struct t_case adv_sendmmsg_partial_cases[] = {
	PER_PROTO_FIX("adv_sendmmsg_partial", t_sendmmsg_partial, &partial, 0,
		      60),
	{ NULL }
};
