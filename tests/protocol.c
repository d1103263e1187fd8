// SPDX-License-Identifier: GPL-2.0
/*
 * protocol: the request protocol of the uapi header, on well-formed requests.
 *
 * Without the module the stock kernel rejects the cmsg with EINVAL and
 * consumes nothing (absent_*, how an application detects the module). With
 * it: completions come back through the cmsg on every sendmsg() call
 * (basic_*) and on every message of a sendmmsg() batch (sendmmsg_*), other
 * control messages in the same call keep working and the entries they leave
 * on the error queue stay there in order (other_cmsgs_*), and a request
 * smaller than what is queued gets exactly that many ranges, oldest first
 * (bounded_*).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "zc_lib.h"
#include "zc_test.h"

#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD	37
#endif

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

/* Before the module is loaded. */
const struct t_case protocol_absent_cases[] = {
	PER_PROTO("absent", t_absent, 30),
	{ NULL }
};

const struct t_case protocol_cases[] = {
	PER_PROTO("basic", t_basic, 60),
	PER_PROTO("sendmmsg", t_sendmmsg, 60),
	PER_PROTO("other_cmsgs", t_other_cmsgs, 60),
	PER_PROTO("bounded", t_bounded, 60),
	{ NULL }
};
