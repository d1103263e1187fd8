// SPDX-License-Identifier: GPL-2.0
/*
 * invalid_input: malformed requests and unreadable control buffers.
 *
 * Every malformed request (socket without SO_ZEROCOPY, cmsg_len and size
 * that disagree, size 0 or above ZC_NOTIFICATION_MAX, two requests in one
 * call) fails with EINVAL (invalid_*), and a request in a read-only page
 * with EFAULT (efault_*); in both, the control buffer is left as it was and
 * no completion is taken off the error queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "zc_lib.h"
#include "zc_test.h"

/* Bad requests: EINVAL, control buffer untouched, nothing consumed. */
static int t_invalid(struct t_ctx *t, const struct t_env *e)
{
	struct zc_pair p, plain;
	struct zc_ledger l;
	struct zc_info *zi;
	struct zc_req r;
	int ret = -1;

	plain.buf = NULL;
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (zc_pair_open(t, &plain, e->family, e->type, false))
		goto out;
	if (queue_completions(t, &p, &l, 10))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 4);
	if (expect_einval(t, &plain, &r, "socket without SO_ZEROCOPY"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 1);
	r.zc->cmsg_len = CMSG_LEN(2);
	if (expect_einval(t, &p, &r, "cmsg_len too short"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 3);
	zi = (struct zc_info *)CMSG_DATA(r.zc);
	zi->size = 2;
	if (expect_einval(t, &p, &r, "cmsg_len larger than size"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 2);
	zi = (struct zc_info *)CMSG_DATA(r.zc);
	zi->size = 3;
	if (expect_einval(t, &p, &r, "cmsg_len smaller than size"))
		goto out;

	zc_req_init(&r);
	zi = zc_req_add(&r, SOL_SOCKET, SCM_ZC_NOTIFICATION, ZC_INFO_SIZE(0));
	zi->size = 0;
	if (expect_einval(t, &p, &r, "size 0"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, ZC_NOTIFICATION_MAX + 1);
	if (expect_einval(t, &p, &r, "size above ZC_NOTIFICATION_MAX"))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 2);
	zc_req_add_zc(&r, 2);
	if (expect_einval(t, &p, &r, "two requests in one call"))
		goto out;

	ret = expect_all_queued(t, &p, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	if (plain.buf)
		zc_pair_close(&plain);
	return ret;
}

/* A request in a read-only page: fails, consumes nothing, writes nothing. */
static int t_efault(struct t_ctx *t, const struct t_env *e)
{
	size_t sz = (sizeof(struct zc_req) + 4095) & ~4095UL;
	/* TCP reported every cmsg error as EINVAL before 7.x. */
	int want = EFAULT, alt = e->type == SOCK_STREAM ? EINVAL : EFAULT;
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req *r;
	struct iovec iov;
	struct msghdr m;
	ssize_t n;
	int ret = -1;

	r = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (r == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (queue_completions(t, &p, &l, 10))
		goto out;
	zc_req_init(r);
	zc_req_add_zc(r, 8);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	iov.iov_base = p.buf;
	iov.iov_len = 100;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = r->ctl.buf;
	m.msg_controllen = r->len;
	mprotect(r, sz, PROT_READ);
	n = sendmsg(p.tx, &m, MSG_NOSIGNAL);
	mprotect(r, sz, PROT_READ | PROT_WRITE);
	if (!(n < 0 && (errno == want || errno == alt))) {
		t_fail(t, "got %zd (%s), want %s", n,
		       n < 0 ? strerror(errno) : "success", strerror(want));
		goto out;
	}
	if (!zc_req_untouched(r)) {
		t_fail(t, "read-only control buffer changed");
		goto out;
	}
	ret = expect_all_queued(t, &p, &l);
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	munmap(r, sz);
	return ret;
}

const struct t_case invalid_input_cases[] = {
	PER_PROTO("invalid", t_invalid, 30),
	PER_PROTO("efault", t_efault, 30),
	{ NULL }
};
