// SPDX-License-Identifier: GPL-2.0
/*
 * adv_tracer_shared: the hooks work unchanged while another tracer traces
 * the same two functions.
 *
 * Where the hooks are direct calls (x86-64, arm64 6.5+), a second ftrace
 * user of ____sys_sendmsg() or __sock_cmsg_send() (the function tracer,
 * a kprobe at the entry, perf) makes the kernel reach the module's
 * trampoline through its own (x86: by a return instead of a call; arm64:
 * ftrace_caller's branch to it). So the function tracer
 * is turned on for both functions, and the sends mix every path the
 * trampolines choose between: plain sends (no control data), lone
 * requests (answered at the entry), requests next to an unrelated
 * SOL_SOCKET cmsg (answered by the parse, the other cmsg passed on to
 * the stock function). Every completion must arrive exactly once, SO_MARK
 * must still be accepted, and the tracer must have seen both functions.
 *
 * Module: the trampolines in module/zc_direct.c; zc_hook_attach() in
 * module/zc_hook.c. Where the hooks are callbacks, this checks that they
 * share the functions with the tracer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

enum { SHARED_SENDS = 120 };

/* One send of each kind per round, every completion counted. */
static int shared_sends(struct t_ctx *t, struct t_fix *f)
{
	int i, got;

	for (i = 0; i < SHARED_SENDS; i++) {
		struct zc_req r;
		uint32_t *mark;

		switch (i % 3) {
		case 0:		/* no control data: the trampoline's early return */
			CHECK(t, zc_send(&f->p, 1000, MSG_ZEROCOPY, NULL,
					 &f->l) == 1000,
			      "plain send %d: %s", i, strerror(errno));
			break;
		case 1:		/* a lone request: answered at the entry */
			CHECK(t, zc_send_zc(t, &f->p, 1000, 0, 4, &f->l, &got) ==
			      1000, "lone request %d: %s", i, strerror(errno));
			CHECK(t, got >= 0, "lone request %d: not processed", i);
			break;
		default:	/* beside SO_MARK: answered by the parse */
			zc_req_init(&r);
			mark = zc_req_add(&r, SOL_SOCKET, SO_MARK, sizeof(*mark));
			*mark = 7;
			zc_req_add_zc(&r, 4);
			CHECK(t, zc_send(&f->p, 1000, MSG_ZEROCOPY, &r, &f->l) ==
			      1000, "request with SO_MARK %d: %s", i,
			      strerror(errno));
			got = zc_req_collect(t, &r, &f->l);
			CHECK(t, got >= 0, "request with SO_MARK %d: not processed",
			      i);
			break;
		}
		zc_pair_drain_rx(&f->p);
	}
	return settle_verify(t, f, T_SETTLE_CMSG, 10000);
}

static int t_tracer_shared(struct t_ctx *t, struct t_fix *f)
{
	int rc, sys, cmsg;

	if (tracer_on(t, "function")) {
		tracer_off();
		return -1;
	}
	rc = shared_sends(t, f);
	sys = trace_hits("____sys_sendmsg");
	cmsg = trace_hits("__sock_cmsg_send");
	tracer_off();
	if (rc)
		return rc;
	CHECK(t, sys > 0 && cmsg > 0,
	      "the tracer saw ____sys_sendmsg %d and __sock_cmsg_send %d times",
	      sys, cmsg);
	printf("# %s: %u sends, %u ranges via cmsg, tracer saw %d + %d calls\n",
	       zc_pair_name(&f->p), f->l.sends, f->l.via_cmsg, sys, cmsg);
	return 0;
}

static const struct t_fixture shared = { .ledger = SHARED_SENDS };

const struct t_case adv_tracer_shared_cases[] = {
	T_FIX("adv_tracer_shared_tcp4", t_tracer_shared, &shared, 0,
	      AF_INET, SOCK_STREAM, 60),
	T_FIX("adv_tracer_shared_udp4", t_tracer_shared, &shared, 0,
	      AF_INET, SOCK_DGRAM, 60),
	{ NULL }
};
