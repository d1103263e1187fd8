// SPDX-License-Identifier: GPL-2.0
/*
 * adv_page_absent: a valid request is processed wherever its page is.
 *
 * The control buffer (headers and payload) lives in memory that is valid,
 * readable and writable but has no page table entry when sendmsg() is
 * entered: a MAP_SHARED page after MADV_DONTNEED (its contents stay in
 * the page cache), and a fork() child's view of its parent's shared
 * buffer (page tables of shared mappings are not copied at fork). Such a
 * request must be processed like any other, never refused with EINVAL
 * (the "module absent" answer) and never with EFAULT; every send counter
 * value is reported exactly once. Done with the request alone in its
 * buffer and next to another control message.
 *
 * Module: zc_user_find() (ZC_WALK_LATER) in module/zc_user.c, the walk
 * at the parse in zc_call_claim() (module/zc_sendmsg.c), zc_user_fault_in()
 * (module/zc_user_pages.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

enum { A_DONTNEED, A_FORK };

/*
 * One send of @r's control buffer placed in the shared page @shm, made
 * absent first the way @how says; the answer is copied back into @r.
 */
static ssize_t absent_send(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
			   char *shm, size_t pg, int how)
{
	struct iovec iov = { .iov_base = p->buf, .iov_len = 1000 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = shm, .msg_controllen = r->len };
	ssize_t *res = (ssize_t *)(shm + pg - 2 * sizeof(ssize_t));
	ssize_t ret;
	pid_t pid;
	int st;

	memcpy(shm, r->ctl.buf, sizeof(r->ctl.buf));
	if (how == A_DONTNEED) {
		if (madvise(shm, pg, MADV_DONTNEED))
			return t_fail(t, "madvise: %s", strerror(errno));
		ret = sendmsg(p->tx, &m, MSG_ZEROCOPY);
		res[1] = errno;
	} else {
		pid = fork();
		if (pid < 0)
			return t_fail(t, "fork: %s", strerror(errno));
		if (!pid) {
			/* Nothing of @shm touched here before the call. */
			ret = sendmsg(p->tx, &m, MSG_ZEROCOPY);
			res[0] = ret;
			res[1] = errno;
			_exit(0);
		}
		waitpid(pid, &st, 0);
		ret = res[0];
	}
	memcpy(r->ctl.buf, shm, sizeof(r->ctl.buf));
	errno = res[1];
	return ret;
}

/* Variant: how the page is absent (A_*), plus V_OTHER: another cmsg first. */
#define V_OTHER	0x100

static int t_page_absent(struct t_ctx *t, struct t_fix *f)
{
	int how = f->variant & ~V_OTHER;
	bool other = f->variant & V_OTHER;
	size_t pg = sysconf(_SC_PAGESIZE);
	struct zc_req r;
	int i, got, ret = -1;
	ssize_t n;
	char *shm;

	shm = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (shm == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	for (i = 0; i < 10; i++) {
		if (queue_completions(t, &f->p, &f->l, 2))
			goto out;
		zc_req_init(&r);
		if (other)	/* parsed by the kernel, asks for nothing */
			*(int *)zc_req_add(&r, SOL_SOCKET, SO_TIMESTAMPING_OLD,
					   sizeof(int)) = 0;
		zc_req_add_zc(&r, 4);
		memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
		n = absent_send(t, &f->p, &r, shm, pg, how);
		if (n != 1000) {
			t_fail(t, "send %d with its control buffer's page absent: %zd (%s), want 1000",
			       i, n, n < 0 ? strerror(errno) : "short");
			goto out;
		}
		f->l.sends++;
		got = zc_req_collect(t, &r, &f->l);
		if (got == -2)
			t_fail(t, "send %d: request not processed", i);
		if (got < 0)
			goto out;
		zc_pair_drain_rx(&f->p);
	}
	ret = 0;
out:
	munmap(shm, pg);
	return ret;
}

static const struct t_fixture absent = {
	.ledger = 256, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};

const struct t_case adv_page_absent_cases[] = {
	PER_PROTO_FIX("adv_page_absent_dontneed", t_page_absent, &absent,
		      A_DONTNEED, 60),
	PER_PROTO_FIX("adv_page_absent_dontneed_other", t_page_absent, &absent,
		      A_DONTNEED | V_OTHER, 60),
	PER_PROTO_FIX("adv_page_absent_fork", t_page_absent, &absent, A_FORK,
		      60),
	{ NULL }
};
