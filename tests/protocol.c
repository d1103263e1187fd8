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
#include "proto_lib.h"
#include "cases.h"

enum { BASIC_SENDS = 300, MMSG_VLEN = 4, MMSG_ROUNDS = 60,
       OTHER_SENDS = 50, BOUNDED_SENDS = 24 };

/* Without the module the stock kernel must reject the cmsg. */
static int t_absent(struct t_ctx *t, struct t_fix *f)
{
	struct zc_req r;

	zc_req_init(&r);
	zc_req_add_zc(&r, 4);
	if (expect_einval(t, &f->p, &r, "no module"))
		return -1;
	return expect_all_queued(t, &f->p, &f->l);
}

/* Sends with the cmsg on every call; completions only through it. */
static int t_basic(struct t_ctx *t, struct t_fix *f)
{
	int i, got;

	for (i = 0; i < BASIC_SENDS; i++) {
		ssize_t n = zc_send_zc(t, &f->p, 4096, 0, 1 + i % 4, &f->l, &got);

		CHECK(t, n == 4096 || got == -1, "send %d: %s", i,
		      strerror(errno));
		CHECK(t, got != -2, "send %d: request not processed", i);
		if (got < 0)
			return -1;
		zc_pair_drain_rx(&f->p);
	}
	if (settle_verify(t, f, T_SETTLE_CMSG, 10000) ||
	    zc_read_errqueue(t, f->p.tx, &f->l, NULL) < 0)
		return -1;
	CHECK(t, !f->l.ids_errqueue, "%u ids left on the error queue",
	      f->l.ids_errqueue);
	printf("# %s basic: %u sends, %u ranges via cmsg, %u copied\n",
	       zc_pair_name(&f->p), f->l.sends, f->l.via_cmsg, f->l.copied);
	return 0;
}

/* sendmmsg(): every message carries its own request. */
static int t_sendmmsg(struct t_ctx *t, struct t_fix *f)
{
	struct zc_req *r = calloc(MMSG_VLEN, sizeof(*r));
	struct mmsghdr mm[MMSG_VLEN];
	struct iovec iov[MMSG_VLEN];
	int i, j, n, ret = 0;

	if (!r)
		return t_fail(t, "out of memory");
	for (i = 0; i < MMSG_ROUNDS && !ret; i++) {
		zc_mmsg_fill(mm, iov, MMSG_VLEN, &f->p, 2048, NULL, 0);
		for (j = 0; j < MMSG_VLEN; j++) {
			zc_req_init(&r[j]);
			zc_req_add_zc(&r[j], 1 + j);
		}
		zc_mmsg_reqs(mm, r, MMSG_VLEN);
		n = sendmmsg(f->p.tx, mm, MMSG_VLEN, MSG_ZEROCOPY);
		if (n != MMSG_VLEN) {
			ret = t_fail(t, "sendmmsg: %d (%s)", n, strerror(errno));
			break;
		}
		f->l.sends += n;
		ret = zc_mmsg_collect(t, r, MMSG_VLEN, &f->l);
		zc_pair_drain_rx(&f->p);
	}
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
static int t_other_cmsgs(struct t_ctx *t, struct t_fix *f)
{
	const int sends = OTHER_SENDS, tos = 0x28;
	uint32_t keys[128];
	struct zc_tslog ts = { .cap = 128, .key = keys };
	int i, one = 1, full = 0;
	struct zc_req r;
	unsigned int opt = SOF_TIMESTAMPING_SOFTWARE |
			   SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	bool udp = f->e->type == SOCK_DGRAM, v6 = f->e->family == AF_INET6;

	if (setsockopt(f->p.tx, SOL_SOCKET, SO_TIMESTAMPING, &opt, sizeof(opt)))
		return t_fail(t, "SO_TIMESTAMPING: %s", strerror(errno));
	if (udp)
		setsockopt(f->p.rx, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
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
		if (zc_send(&f->p, 1000, MSG_ZEROCOPY, &r, &f->l) != 1000)
			return t_fail(t, "send %d: %s", i, strerror(errno));
		got = zc_req_collect(t, &r, &f->l);
		if (got < 0) {
			if (!t->why[0])
				t_fail(t, "send %d: not processed", i);
			return -1;
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

			if (recvmsg(f->p.rx, &m, 0) != 1000)
				return t_fail(t, "datagram %d lost", i);
			for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
				if ((c->cmsg_level == IPPROTO_IP &&
				     c->cmsg_type == IP_TOS))
					seen = *(unsigned char *)CMSG_DATA(c);
				else if (c->cmsg_level == IPPROTO_IPV6 &&
					 c->cmsg_type == IPV6_TCLASS)
					seen = *(int *)CMSG_DATA(c);
			if (seen != tos)
				return t_fail(t, "datagram %d: tos %d, want %d", i,
					      seen, tos);
		} else {
			zc_pair_drain_rx(&f->p);
		}
		usleep(2000);	/* let this send's entries queue up */
	}
	if (settle_verify(t, f, T_SETTLE_CMSG, 10000))
		return -1;
	zc_wait_outq(f->p.tx, 2000);
	usleep(50000);
	if (zc_read_errqueue(t, f->p.tx, &f->l, &ts) < 0)
		return -1;
	if (f->l.ids_errqueue)
		return t_fail(t, "%u completions left behind", f->l.ids_errqueue);
	if (ts.n != (uint32_t)sends)
		return t_fail(t, "%u timestamps on the error queue, want %d", ts.n,
			      sends);
	for (i = 1; i < sends; i++)
		if (ts.key[i] <= ts.key[i - 1])
			return t_fail(t, "timestamp %d out of order (%u after %u)", i,
				      ts.key[i], ts.key[i - 1]);
	printf("# %s other_cmsgs: %d timestamps in order, %d full requests\n",
	       zc_pair_name(&f->p), sends, full);
	return 0;
}

/*
 * Requests smaller than what is queued: completions kept apart by
 * timestamps (so the kernel cannot merge them) come back exactly n at a
 * time, oldest first, and the timestamps stay behind in order.
 */
static int t_bounded(struct t_ctx *t, struct t_fix *f)
{
	const uint32_t sends = BOUNDED_SENDS;
	uint32_t keys[64], next = 0, calls = 0, i;
	struct zc_tslog ts = { .cap = 64, .key = keys };
	unsigned int opt = SOF_TIMESTAMPING_SOFTWARE |
			   SOF_TIMESTAMPING_TX_SOFTWARE |
			   SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	struct zc_req r;

	if (setsockopt(f->p.tx, SOL_SOCKET, SO_TIMESTAMPING, &opt, sizeof(opt)))
		return t_fail(t, "SO_TIMESTAMPING: %s", strerror(errno));
	for (i = 0; i < sends; i++) {
		if (zc_send(&f->p, 1000, MSG_ZEROCOPY, NULL, &f->l) != 1000)
			return t_fail(t, "send %u: %s", i, strerror(errno));
		zc_wait_outq(f->p.tx, 2000);
		usleep(5000);	/* both entries of this send are queued */
		zc_pair_drain_rx(&f->p);
	}
	for (i = 1; next < sends; i = i % 5 + 1) {
		uint32_t want = sends - next < i ? sends - next : i, k;
		struct zc_info *zi;
		int got;

		zc_req_init(&r);
		zc_req_add_zc(&r, i);
		if (zc_send(&f->p, 0, 0, &r, NULL) < 0)
			return t_fail(t, "request of %u: %s", i, strerror(errno));
		calls++;
		got = zc_req_collect(t, &r, &f->l);
		if (got < 0) {
			if (got == -2)
				t_fail(t, "request of %u not processed", i);
			return -1;
		}
		if ((uint32_t)got != want)
			return t_fail(t, "asked %u with %u queued, got %d", i,
				      sends - next, got);
		zi = (struct zc_info *)CMSG_DATA(r.zc);
		for (k = 0; k < want; k++, next++)
			if (zi->arr[k].lo != next || zi->arr[k].hi != next)
				return t_fail(t, "entry %u is %u..%u, want %u..%u", k,
					      zi->arr[k].lo, zi->arr[k].hi, next, next);
	}
	if (zc_read_errqueue(t, f->p.tx, &f->l, &ts) < 0 || zc_ledger_verify(t, &f->l))
		return -1;
	/* UDP also stamps the empty datagrams that carried the requests. */
	zc_wait_outq(f->p.tx, 2000);
	usleep(5000);
	if (zc_read_errqueue(t, f->p.tx, &f->l, &ts) < 0)
		return -1;
	if (ts.n != sends + (f->e->type == SOCK_DGRAM ? calls : 0))
		return t_fail(t, "%u timestamps left, want %u", ts.n, sends);
	for (i = 1; i < ts.n; i++)
		if (ts.key[i] <= ts.key[i - 1])
			return t_fail(t, "timestamp %u out of order", i);
	return 0;
}

static const struct t_fixture basic = { .ledger = BASIC_SENDS };
static const struct t_fixture mmsg = {
	.ledger = MMSG_VLEN * MMSG_ROUNDS,
	.settle = T_SETTLE_CMSG, .settle_ms = 10000,
};
static const struct t_fixture other = { .ledger = OTHER_SENDS };
static const struct t_fixture bounded = { .ledger = BOUNDED_SENDS };

/* Before the module is loaded. */
const struct t_case protocol_absent_cases[] = {
	PER_PROTO_FIX("absent", t_absent, &fix_queued, 0, 30),
	{ NULL }
};

const struct t_case protocol_cases[] = {
	PER_PROTO_FIX("basic", t_basic, &basic, 0, 60),
	PER_PROTO_FIX("sendmmsg", t_sendmmsg, &mmsg, 0, 60),
	PER_PROTO_FIX("other_cmsgs", t_other_cmsgs, &other, 0, 60),
	PER_PROTO_FIX("bounded", t_bounded, &bounded, 0, 60),
	{ NULL }
};
