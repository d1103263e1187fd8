// SPDX-License-Identifier: GPL-2.0
/*
 * helper: the zcn.h helper that applications include.
 *
 * With the module it reaps through the cmsg, and forced to, through
 * MSG_ERRQUEUE (helper_*); without the module the same calls fall back to
 * MSG_ERRQUEUE (fallback_*). Either way every completion arrives exactly
 * once and the tracker folds them to the number of sends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zcnotify/zcn.h>
#include "zc_lib.h"
#include "zc_test.h"

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

/* Before the module is loaded. */
const struct t_case helper_absent_cases[] = {
	PER_PROTO("fallback", t_fallback, 30),
	{ NULL }
};

const struct t_case helper_cases[] = {
	PER_PROTO("helper", t_helper, 60),
	{ NULL }
};
