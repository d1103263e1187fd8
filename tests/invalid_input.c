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
#include "proto_lib.h"
#include "cases.h"

/* Malformed request @i in @r; what is wrong with it, NULL past the last. */
static const char *bad_request(struct zc_req *r, int i)
{
	struct zc_info *zi = NULL;

	zc_req_init(r);
	switch (i) {
	case 0:
		zc_req_add_zc(r, 1);
		r->zc->cmsg_len = CMSG_LEN(2);
		return "cmsg_len too short";
	case 1:
	case 2:
		zc_req_add_zc(r, i == 1 ? 3 : 2);
		zi = (struct zc_info *)CMSG_DATA(r->zc);
		zi->size = i == 1 ? 2 : 3;
		return i == 1 ? "cmsg_len larger than size" :
				"cmsg_len smaller than size";
	case 3:
		zi = zc_req_add(r, SOL_SOCKET, SCM_ZC_NOTIFICATION,
				ZC_INFO_SIZE(0));
		zi->size = 0;
		return "size 0";
	case 4:
		zc_req_add_zc(r, ZC_NOTIFICATION_MAX + 1);
		return "size above ZC_NOTIFICATION_MAX";
	case 5:
		zc_req_add_zc(r, 2);
		zc_req_add_zc(r, 2);
		return "two requests in one call";
	}
	return NULL;
}

/* Bad requests: EINVAL, control buffer untouched, nothing consumed. */
static int t_invalid(struct t_ctx *t, struct t_fix *f)
{
	const struct t_env *e = f->e;
	struct zc_pair plain;
	const char *what;
	struct zc_req r;
	int i, ret = -1;

	if (!zc_pair_open(t, &plain, e->family, e->type, false)) {
		zc_req_init(&r);
		zc_req_add_zc(&r, 4);
		ret = expect_einval(t, &plain, &r, "socket without SO_ZEROCOPY");
	}
	zc_pair_close(&plain);
	for (i = 0; !ret && (what = bad_request(&r, i)); i++)
		ret = expect_einval(t, &f->p, &r, what);
	return ret ? ret : expect_all_queued(t, &f->p, &f->l);
}

/* A request in a read-only page: fails, consumes nothing, writes nothing. */
static int t_efault(struct t_ctx *t, struct t_fix *f)
{
	size_t sz = (sizeof(struct zc_req) + 4095) & ~4095UL;
	/* TCP reported every cmsg error as EINVAL before 7.x. */
	int want = EFAULT, alt = f->e->type == SOCK_STREAM ? EINVAL : EFAULT;
	struct zc_req *r;
	struct iovec iov;
	struct msghdr m;
	ssize_t n;
	int ret;

	r = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (r == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	zc_req_init(r);
	zc_req_add_zc(r, 8);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	iov.iov_base = f->p.buf;
	iov.iov_len = 100;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = r->ctl.buf;
	m.msg_controllen = r->len;
	mprotect(r, sz, PROT_READ);
	n = sendmsg(f->p.tx, &m, MSG_NOSIGNAL);
	mprotect(r, sz, PROT_READ | PROT_WRITE);
	if (!(n < 0 && (errno == want || errno == alt)))
		ret = t_fail(t, "got %zd (%s), want %s", n,
			     n < 0 ? strerror(errno) : "success", strerror(want));
	else if (!zc_req_untouched(r))
		ret = t_fail(t, "read-only control buffer changed");
	else
		ret = expect_all_queued(t, &f->p, &f->l);
	munmap(r, sz);
	return ret;
}

const struct t_case invalid_input_cases[] = {
	PER_PROTO_FIX("invalid", t_invalid, &fix_queued, 0, 30),
	PER_PROTO_FIX("efault", t_efault, &fix_queued, 0, 30),
	{ NULL }
};
