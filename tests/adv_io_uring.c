// SPDX-License-Identifier: GPL-2.0
/*
 * adv_io_uring: io_uring's IORING_OP_SENDMSG is not a sendmsg() system
 * call, so a request in it is refused with the stock EINVAL (the uapi
 * header points to IORING_OP_SEND_ZC instead).
 *
 * Tried inline (issued from io_uring_enter()) and punted to an io-wq
 * worker (IOSQE_ASYNC, the path io_uring's internal retries take). Each
 * must complete with -EINVAL, reach the module (its einval counter goes
 * up), leave the buffer untouched and take nothing off the error queue.
 * Raw system calls: the test VM has no liburing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "zc_lib.h"
#include "zc_test.h"

struct ring {
	int fd;
	struct io_uring_params prm;
	char *sq, *cq;
	size_t sqlen, cqlen;
	struct io_uring_sqe *sqes;
};

static int ring_open(struct t_ctx *t, struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, 4, &r->prm);
	CHECK(t, r->fd >= 0, "io_uring_setup: %s", strerror(errno));
	r->sqlen = r->prm.sq_off.array + r->prm.sq_entries * sizeof(unsigned int);
	r->cqlen = r->prm.cq_off.cqes +
		   r->prm.cq_entries * sizeof(struct io_uring_cqe);
	r->sq = mmap(NULL, r->sqlen, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	r->cq = mmap(NULL, r->cqlen, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->prm.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	CHECK(t, r->sq != MAP_FAILED && r->cq != MAP_FAILED &&
	      r->sqes != MAP_FAILED, "io_uring mmap: %s", strerror(errno));
	return 0;
}

static void ring_close(struct ring *r)
{
	if (r->fd <= 0)
		return;
	munmap(r->sq, r->sqlen);
	munmap(r->cq, r->cqlen);
	munmap(r->sqes, r->prm.sq_entries * sizeof(struct io_uring_sqe));
	close(r->fd);
}

#define RING_U32(base, off)	((_Atomic unsigned int *)((base) + (off)))

/* Submit one SENDMSG and wait for its completion; returns cqe->res. */
static int ring_sendmsg(struct t_ctx *t, struct ring *r, int fd,
			struct msghdr *m, int msg_flags, int sqe_flags, int *res)
{
	unsigned int tail = atomic_load(RING_U32(r->sq, r->prm.sq_off.tail));
	unsigned int mask = *RING_U32(r->sq, r->prm.sq_off.ring_mask);
	unsigned int idx = tail & mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	struct io_uring_cqe *cqe;
	int ret;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_SENDMSG;
	sqe->fd = fd;
	sqe->addr = (unsigned long)m;
	sqe->len = 1;
	sqe->msg_flags = msg_flags;
	sqe->flags = sqe_flags;
	((unsigned int *)(r->sq + r->prm.sq_off.array))[idx] = idx;
	atomic_store(RING_U32(r->sq, r->prm.sq_off.tail), tail + 1);
	ret = syscall(__NR_io_uring_enter, r->fd, 1, 1,
		      IORING_ENTER_GETEVENTS, NULL, 0);
	CHECK(t, ret == 1, "io_uring_enter: %d (%s)", ret, strerror(errno));
	head = atomic_load(RING_U32(r->cq, r->prm.cq_off.head));
	CHECK(t, head != atomic_load(RING_U32(r->cq, r->prm.cq_off.tail)),
	      "no completion");
	mask = *RING_U32(r->cq, r->prm.cq_off.ring_mask);
	cqe = (struct io_uring_cqe *)(r->cq + r->prm.cq_off.cqes) + (head & mask);
	*res = cqe->res;
	atomic_store(RING_U32(r->cq, r->prm.cq_off.head), head + 1);
	return 0;
}

static int t_io_uring(struct t_ctx *t, const struct t_env *e)
{
	static const struct { int msg_flags, sqe_flags; const char *what; } how[] = {
		{ MSG_DONTWAIT, 0, "inline" },
		{ 0, IOSQE_ASYNC, "io-wq worker" },
	};
	long long a[S_NR], b[S_NR];
	struct ring ring = { .fd = -1 };
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r;
	struct iovec iov;
	struct msghdr m;
	int i, res, ret = -1;

	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64) || queue_completions(t, &p, &l, 10) ||
	    ring_open(t, &ring))
		goto out;
	for (i = 0; i < 2; i++) {
		zc_req_init(&r);
		zc_req_add_zc(&r, 4);
		memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
		iov.iov_base = p.buf;
		iov.iov_len = 100;
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = r.ctl.buf;
		m.msg_controllen = r.len;
		if (read_stats(t, a) ||
		    ring_sendmsg(t, &ring, p.tx, &m, how[i].msg_flags,
				 how[i].sqe_flags, &res) || read_stats(t, b))
			goto out;
		if (res != -EINVAL) {
			t_fail(t, "%s: res %d, want -EINVAL", how[i].what, res);
			goto out;
		}
		if (b[S_EINVAL] - a[S_EINVAL] != 1) {
			t_fail(t, "%s: einval went up by %lld, want 1", how[i].what,
			       b[S_EINVAL] - a[S_EINVAL]);
			goto out;
		}
		if (!zc_req_untouched(&r)) {
			t_fail(t, "%s: request buffer changed", how[i].what);
			goto out;
		}
	}
	ret = expect_all_queued(t, &p, &l);
out:
	ring_close(&ring);
	zc_ledger_free(&l);
	zc_pair_close(&p);
	return ret;
}

const struct t_case adv_io_uring_cases[] = {
	PER_PROTO("adv_io_uring", t_io_uring, 30),
	{ NULL }
};
