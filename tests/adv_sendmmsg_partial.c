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
#include "zc_lib.h"
#include "zc_test.h"

static int t_sendmmsg_partial(struct t_ctx *t, const struct t_env *e)
{
	struct zc_req *r = calloc(2, sizeof(*r));
	struct mmsghdr mm[2];
	struct iovec iov[2];
	struct zc_ledger l;
	struct zc_pair p;
	int i, round, n, got, ret = -1;

	if (!r)
		return t_fail(t, "out of memory");
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 256))
		goto out;
	for (round = 0; round < 10; round++) {
		if (queue_completions(t, &p, &l, 5))
			goto out;
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < 2; i++) {
			zc_req_init(&r[i]);
			zc_req_add_zc(&r[i], 1);
			iov[i].iov_base = p.buf;
			iov[i].iov_len = 1000;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = r[i].ctl.buf;
		}
		/* Message 1: the request, then a SOL_SOCKET type nobody knows. */
		*(int *)zc_req_add(&r[1], SOL_SOCKET, 0x7a7a, sizeof(int)) = 0;
		for (i = 0; i < 2; i++) {
			mm[i].msg_hdr.msg_controllen = r[i].len;
			memcpy(r[i].snap, r[i].ctl.buf, sizeof(r[i].snap));
		}
		n = sendmmsg(p.tx, mm, 2, MSG_ZEROCOPY | MSG_DONTWAIT);
		if (n != 1) {
			t_fail(t, "sendmmsg: %d (%s), want 1", n,
			       n < 0 ? strerror(errno) : "sent");
			goto out;
		}
		l.sends++;
		for (i = 0; i < 2; i++) {
			got = zc_req_collect(t, &r[i], &l);
			if (got < 0) {
				if (got == -2)
					t_fail(t, "message %d's request not processed", i);
				goto out;
			}
		}
		zc_pair_drain_rx(&p);
	}
	if (zc_settle(t, &p, &l, false, 5000))
		goto out;
	ret = zc_ledger_verify(t, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	free(r);
	return ret;
}

const struct t_case adv_sendmmsg_partial_cases[] = {
	PER_PROTO("adv_sendmmsg_partial", t_sendmmsg_partial, 60),
	{ NULL }
};
