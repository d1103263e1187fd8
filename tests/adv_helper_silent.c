// SPDX-License-Identifier: GPL-2.0
/*
 * adv_helper_silent: a request that is silently not processed (the send
 * succeeds, the control messages are never parsed) does not leave the
 * helper's completions waiting forever, and the helper keeps what else
 * it reads from the error queue.
 *
 * A UDP send appended to corked data skips the control messages, like
 * kTLS, sockmap, SCTP or TCP Fast Open do (see <linux/zcnotify.h>); the
 * message carries a control message of its own, so the request is not
 * the only one (alone, it would be answered at sendmsg() entry). The
 * helper (ZCN_AUTO) sees the marker unchanged, reads the error queue
 * instead, and must report every completion queued before, while the TX
 * timestamps interleaved with them are kept in z.others in queue order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zcnotify/zcn.h>
#include "proto_lib.h"
#include "cases.h"

static int t_helper_silent(struct t_ctx *t, struct t_fix *f)
{
	int ts = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		 SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	const int sends = 5;
	struct iovec iov;
	struct msghdr m;
	struct zcn_other o;
	struct zc_req own;
	struct zcn *z = calloc(1, sizeof(*z));
	int i, on = 1, ret = -1;
	ssize_t n;

	if (!z)
		return t_fail(t, "out of memory");
	if (setsockopt(f->p.tx, SOL_SOCKET, SO_TIMESTAMPING_OLD, &ts, sizeof(ts))) {
		t_fail(t, "SO_TIMESTAMPING: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < sends; i++) {
		if (zc_send(&f->p, 1000, MSG_ZEROCOPY, NULL, &f->l) != 1000) {
			t_fail(t, "send %d: %s", i, strerror(errno));
			goto out;
		}
		usleep(20000);
		zc_pair_drain_rx(&f->p);
	}
	usleep(50000);

	zcn_init(z, f->p.tx, 16);
	if (z->mode != ZCN_CMSG) {
		t_fail(t, "helper did not pick the cmsg with the module loaded");
		goto out;
	}
	iov.iov_base = f->p.buf;
	iov.iov_len = 10;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (setsockopt(f->p.tx, IPPROTO_UDP, UDP_CORK, &on, sizeof(on)) ||
	    sendmsg(f->p.tx, &m, 0) != 10) {
		t_fail(t, "cork: %s", strerror(errno));
		goto out;
	}
	/* A control message of the caller's own: SO_TIMESTAMPING, no flags. */
	zc_req_init(&own);
	*(int *)zc_req_add(&own, SOL_SOCKET, SO_TIMESTAMPING_OLD, sizeof(int)) = 0;
	m.msg_control = own.ctl.buf;
	m.msg_controllen = own.len;
	n = zcn_sendmsg(z, &m, 0);	/* appended: never parsed */
	if (n != 10) {
		t_fail(t, "corked helper send: %zd (%s)", n, strerror(errno));
		goto out;
	}
	for (i = 0; i < (int)z->nranges; i++)
		zc_ledger_add(&f->l, z->ranges[i].lo, z->ranges[i].hi, false);
	if (zc_ledger_missing(&f->l)) {
		t_fail(t, "%u of %u completions not reported by the helper",
		       zc_ledger_missing(&f->l), f->l.sends);
		goto out;
	}
	if (z->nothers != (unsigned int)sends) {
		t_fail(t, "helper kept %u other entries, want %d timestamps",
		       z->nothers, sends);
		goto out;
	}
	for (i = 0; i < sends; i++) {
		if (!zcn_pop_other(z, &o) ||
		    o.ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
		    o.ee.ee_data != (unsigned int)i) {
			t_fail(t, "kept entry %d: origin %u key %u, want timestamp %d",
			       i, o.ee.ee_origin, o.ee.ee_data, i);
			goto out;
		}
	}
	on = 0;
	setsockopt(f->p.tx, IPPROTO_UDP, UDP_CORK, &on, sizeof(on));
	ret = zc_ledger_verify(t, &f->l);
out:
	free(z);
	return ret;
}

static const struct t_fixture silent = { .ledger = 64 };

const struct t_case adv_helper_silent_cases[] = {
	T_FIX_UDP("adv_helper_silent", t_helper_silent, &silent, 0, 30),
	{ NULL }
};
