// SPDX-License-Identifier: GPL-2.0
/*
 * zc_demo - MSG_ZEROCOPY completions two ways, on a loopback TCP pair:
 * the classic poll() + recvmsg(MSG_ERRQUEUE) path, then the same sends
 * carrying an SCM_ZC_NOTIFICATION request, with completions arriving in
 * sendmsg()'s own control buffer. Counts system calls for each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <zcnotify/zcn.h>
#include "proto_lib.h"

#define SENDS	200

static int classic(struct zc_pair *p, struct zc_ledger *l)
{
	struct t_ctx t = { .why = "" };
	int i, calls = 0;

	for (i = 0; i < SENDS; i++) {
		struct pollfd pfd = { .fd = p->tx };

		if (zc_send(p, 8192, MSG_ZEROCOPY, NULL, l) != 8192)
			return -1;
		calls++;
		zc_pair_drain_rx(p);
		calls += poll(&pfd, 1, 0) >= 0;
		if (pfd.revents & POLLERR) {
			zc_read_errqueue(&t, p->tx, l, NULL);
			calls += 2;	/* one entry, then EAGAIN */
		}
	}
	printf("classic:  %d sends, %d syscalls, %u ranges via MSG_ERRQUEUE\n",
	       SENDS, calls, l->via_errqueue);
	return 0;
}

/* The same sends through the zcn.h helper, which uses the cmsg. */
static int in_cmsg(struct zc_pair *p, struct zc_ledger *l)
{
	struct zcn z;
	int i, shown = 0;

	zcn_init(&z, p->tx, 8);
	if (z.mode != ZCN_CMSG) {
		printf("zcnotify is not loaded: the helper would use MSG_ERRQUEUE\n");
		return -1;
	}
	for (i = 0; i < SENDS; i++) {
		struct iovec iov = { p->buf, 8192 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		unsigned int k;

		if (zcn_sendmsg(&z, &m, MSG_ZEROCOPY) != 8192) {
			printf("sendmsg with SCM_ZC_NOTIFICATION: %s\n",
			       strerror(errno));
			return -1;
		}
		l->sends++;
		zc_pair_drain_rx(p);
		for (k = 0; k < z.nranges; k++)
			zc_ledger_add(l, z.ranges[k].lo, z.ranges[k].hi, true);
		if (z.nranges && shown < 5) {
			shown++;
			printf("  send %3d: cmsg returned %u range(s), first %u..%u zerocopy=%u\n",
			       i, z.nranges, z.ranges[0].lo, z.ranges[0].hi,
			       z.ranges[0].zerocopy);
		}
	}
	printf("cmsg:     %d sends, %d syscalls, %u ranges via the cmsg\n",
	       SENDS, SENDS, l->via_cmsg);
	return 0;
}

int main(void)
{
	struct t_ctx t = { .why = "" };
	struct zc_ledger l;
	struct zc_pair p;

	if (zc_pair_open(&t, &p, AF_INET, SOCK_STREAM, true) ||
	    zc_ledger_init(&l, 4 * SENDS)) {
		printf("setup: %s\n", t.why);
		return 1;
	}
	if (classic(&p, &l) || in_cmsg(&p, &l) ||
	    zc_settle(&t, &p, &l, true, 5000) || zc_ledger_verify(&t, &l)) {
		printf("demo failed: %s\n", t.why);
		return 1;
	}
	printf("all %u completions accounted for, each exactly once\n",
	       l.sends);
	return 0;
}
