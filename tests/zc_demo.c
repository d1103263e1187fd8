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
#include "zc_lib.h"

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

static int in_cmsg(struct zc_pair *p, struct zc_ledger *l)
{
	struct t_ctx t = { .why = "" };
	struct zc_req r;
	int i, got, shown = 0;

	for (i = 0; i < SENDS; i++) {
		zc_req_init(&r);
		zc_req_add_zc(&r, 8);
		if (zc_send(p, 8192, MSG_ZEROCOPY, &r, l) != 8192) {
			printf("sendmsg with SCM_ZC_NOTIFICATION: %s%s\n",
			       strerror(errno), errno == EINVAL ?
			       " (module not loaded?)" : "");
			return -1;
		}
		zc_pair_drain_rx(p);
		got = zc_req_collect(&t, &r, l);
		if (got > 0 && shown < 5) {
			struct zc_info *zi = (struct zc_info *)CMSG_DATA(r.zc);

			shown++;
			printf("  send %3d: cmsg returned %d range(s), first %u..%u zerocopy=%u\n",
			       i, got, zi->arr[0].lo, zi->arr[0].hi,
			       zi->arr[0].zerocopy);
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
