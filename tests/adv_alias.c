// SPDX-License-Identifier: GPL-2.0
/*
 * adv_alias: a payload is answered at most once in a system call,
 * whatever address reaches it.
 *
 * A full answer (size == n, arr[0].zerocopy 0 or 1) is itself a valid
 * request. sendmmsg() whose message 0 has its control buffer in one
 * mapping of a memfd page and message 1 the same bytes through a second
 * mapping of that page: message 1's request is the answer just written,
 * under another address. It must be refused (EINVAL: sendmmsg() returns
 * 1), the answer left in place, and every send counter value reported
 * exactly once. Done with a request that fills up (size 1, three merged
 * completions queued) and with one that does not (size 8).
 *
 * Module: zc_call_may_write() in module/zc_answer.c compares sendmmsg()
 * payloads by physical extent (zc_user_extent() in module/zc_user.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/* One memfd page mapped twice: a[0] and a[1] are the same bytes. */
struct alias {
	int fd;
	char *a[2];
};

static int alias_open(struct t_ctx *t, struct alias *m)
{
	long pg = sysconf(_SC_PAGESIZE);
	int i;

	m->fd = memfd_create("zc_alias", 0);
	CHECK(t, m->fd >= 0, "memfd_create: %s", strerror(errno));
	CHECK(t, !ftruncate(m->fd, pg), "ftruncate: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		m->a[i] = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED,
			       m->fd, 0);
		CHECK(t, m->a[i] != MAP_FAILED, "mmap: %s", strerror(errno));
	}
	CHECK(t, m->a[0] != m->a[1], "one mapping, not two");
	return 0;
}

static void alias_close(struct alias *m)
{
	long pg = sysconf(_SC_PAGESIZE);
	int i;

	for (i = 0; i < 2; i++)
		if (m->a[i] && m->a[i] != MAP_FAILED)
			munmap(m->a[i], pg);
	if (m->fd >= 0)
		close(m->fd);
}

static int alias_round(struct t_ctx *t, struct t_fix *f, uint32_t n,
		       void *arg)
{
	struct alias *m = arg;
	struct mmsghdr mm[2];
	struct iovec iov[2];
	struct zc_req r;
	int sent, i;

	zc_req_init(&r);
	zc_req_add_zc(&r, n);
	memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
	memcpy(m->a[0], r.ctl.buf, sizeof(r.ctl.buf));
	zc_mmsg_fill(mm, iov, 2, &f->p, 1000, NULL, 0);
	for (i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_control = m->a[i];
		mm[i].msg_hdr.msg_controllen = r.len;
	}
	sent = sendmmsg(f->p.tx, mm, 2, MSG_ZEROCOPY | MSG_DONTWAIT);
	memcpy(r.ctl.buf, m->a[0], sizeof(r.ctl.buf));
	return expect_first_of_two(t, f, &r, sent,
				   "request through two mappings of one page");
}

static int t_alias_mmsg(struct t_ctx *t, struct t_fix *f)
{
	struct alias m = { .fd = -1 };
	int ret = alias_open(t, &m);

	if (!ret)
		ret = queued_rounds(t, f, 10, alias_round, &m);
	alias_close(&m);
	return ret;
}

static const struct t_fixture alias = {
	.ledger = 256, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};

const struct t_case adv_alias_cases[] = {
	PER_PROTO_FIX("adv_alias_sendmmsg", t_alias_mmsg, &alias, 0, 60),
	{ NULL }
};
