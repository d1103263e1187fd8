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
 *
 * And io_uring never mixes with a sendmsg() call of the same task
 * (adv_io_uring_interrupt): an IORING_OP_TIMEOUT hard-linked to an
 * IORING_OP_SENDMSG fires while the task is blocked in a sendmsg() whose
 * lone request was answered (a full answer). The linked SENDMSG then runs
 * from task work on the way out of that call, with its registers; it must
 * not reset the call's record, so the call ends with EINTR, the answer in
 * the buffer, never restarted and answered again. Every send counter
 * value is reported exactly once. (Debian's 5.10 runs that task work
 * before the restart hook; 6.x and 7.x after it.) With a lone request of
 * its own in that linked SENDMSG (adv_io_uring_interrupt_request), the
 * task's registers still describe the sendmsg() call, yet the SENDMSG is
 * not it: its request gets the stock EINVAL, its buffer untouched; also
 * with the function_graph tracer on ____sys_sendmsg(), whose return hook
 * hides the io_uring caller from a direct call; and, under that tracer,
 * when the SENDMSG sends the blocked call's own msghdr, whose buffer by
 * then holds the answer: it must get EINVAL, not parse the answer again
 * (adv_io_uring_interrupt_graph, both); and the same with the tracer
 * turned on while the call is already blocked, after a hook that saw the
 * real caller chose to end the hold at the function's return
 * (adv_io_uring_interrupt_graph_late).
 *
 * Module: zc_sendmsg_message() (module/zc_sendmsg.c) takes a message for
 * a system call's only when ____sys_sendmsg() was called from the system
 * call side, and on x86 only while that call has not returned
 * (zc_arch_sendmsg_syscall(), module/zc_arch_x86.h); zc_call_release()
 * and zc_call_returned() (module/zc_hold.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

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

/* Queue @sqe on @r without waiting. */
static void ring_queue(struct ring *r, const struct io_uring_sqe *sqe)
{
	unsigned int tail = atomic_load(RING_U32(r->sq, r->prm.sq_off.tail));
	unsigned int mask = *RING_U32(r->sq, r->prm.sq_off.ring_mask);
	unsigned int idx = tail & mask;

	r->sqes[idx] = *sqe;
	((unsigned int *)(r->sq + r->prm.sq_off.array))[idx] = idx;
	atomic_store(RING_U32(r->sq, r->prm.sq_off.tail), tail + 1);
}

/* Shared with the child that blocks. */
struct interrupted {
	struct zc_req r;
	ssize_t ret;
	int err;
	int setup;	/* 0: ring armed; else errno of what failed */
	int linked;	/* what the linked SENDMSG sends: LINKED_* */
	struct zc_req ur;	/* its own request (LINKED_REQUEST) */
	int ur_res;	/* its completion's res (1: none seen) */
	struct iovec iov;	/* the blocked call's message */
	struct msghdr bm;
	int timeout_s;	/* the io_uring timeout (0: 1 s) */
	atomic_int entered;	/* the child is about to block */
};

enum {
	LINKED_CMSG,	/* an unrelated control message */
	LINKED_REQUEST,	/* a lone request of its own */
	LINKED_SAME,	/* the blocked call's own msghdr: its answer */
};

enum { UR_TIMEOUT = 1, UR_SENDMSG };

/* The linked SENDMSG's completion, once both are in: its res, or 1. */
static int ring_sendmsg_res(struct ring *r)
{
	unsigned int head, tail, mask;
	struct io_uring_cqe *cqe;
	int res = 1;

	syscall(__NR_io_uring_enter, r->fd, 0, 2, IORING_ENTER_GETEVENTS,
		NULL, 0);
	head = atomic_load(RING_U32(r->cq, r->prm.cq_off.head));
	tail = atomic_load(RING_U32(r->cq, r->prm.cq_off.tail));
	mask = *RING_U32(r->cq, r->prm.cq_off.ring_mask);
	for (; head != tail; head++) {
		cqe = (struct io_uring_cqe *)(r->cq + r->prm.cq_off.cqes) +
		      (head & mask);
		if (cqe->user_data == UR_SENDMSG)
			res = cqe->res;
	}
	atomic_store(RING_U32(r->cq, r->prm.cq_off.head), tail);
	return res;
}

/*
 * The child: arm a 1 s timeout hard-linked to a non-blocking SENDMSG on
 * the same socket (b->linked says what it sends), then block in a
 * sendmsg() with a lone request (well within the second, even in TCG).
 */
static void interrupted_child(struct zc_pair *p, struct interrupted *b)
{
	struct __kernel_timespec ts = { .tv_sec = b->timeout_s ? b->timeout_s : 1 };
	struct io_uring_sqe sqe;
	struct zc_req own, *ctl;
	struct iovec iov = { .iov_base = p->buf, .iov_len = 100 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct t_ctx t = { 0 };
	struct ring ring;

	if (ring_open(&t, &ring)) {
		b->setup = errno ? errno : EIO;
		_exit(0);
	}
	zc_req_init(&own);
	*(int *)zc_req_add(&own, SOL_SOCKET, SO_TIMESTAMPING_OLD, sizeof(int)) = 0;
	zc_req_init(&b->ur);
	zc_req_add_zc(&b->ur, 4);
	memcpy(b->ur.snap, b->ur.ctl.buf, sizeof(b->ur.snap));
	zc_req_init(&b->r);
	zc_req_add_zc(&b->r, 1);
	memcpy(b->r.snap, b->r.ctl.buf, sizeof(b->r.snap));
	b->iov.iov_base = p->buf;
	b->iov.iov_len = 65536;
	b->bm.msg_iov = &b->iov;
	b->bm.msg_iovlen = 1;
	b->bm.msg_control = b->r.ctl.buf;
	b->bm.msg_controllen = b->r.len;
	ctl = b->linked == LINKED_REQUEST ? &b->ur : &own;
	m.msg_control = ctl->ctl.buf;
	m.msg_controllen = ctl->len;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_TIMEOUT;
	sqe.addr = (unsigned long)&ts;
	sqe.len = 1;
	sqe.flags = IOSQE_IO_HARDLINK;
	sqe.user_data = UR_TIMEOUT;
	ring_queue(&ring, &sqe);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_SENDMSG;
	sqe.fd = p->tx;
	sqe.addr = (unsigned long)(b->linked == LINKED_SAME ? &b->bm : &m);
	sqe.len = 1;
	sqe.msg_flags = MSG_DONTWAIT;
	sqe.user_data = UR_SENDMSG;
	ring_queue(&ring, &sqe);
	if (syscall(__NR_io_uring_enter, ring.fd, 2, 0, 0, NULL, 0) != 2) {
		b->setup = errno ? errno : EIO;
		_exit(0);
	}
	atomic_store(&b->entered, 1);
	b->ret = sendmsg(p->tx, &b->bm, MSG_NOSIGNAL);
	b->err = errno;
	b->ur_res = ring_sendmsg_res(&ring);
	_exit(0);
}

/*
 * @late_tracer: turn function_graph on while the child is blocked (its
 * timeout 3 s), not before it sends.
 */
static int io_uring_interrupt(struct t_ctx *t, const struct t_env *e,
			      int linked, bool late_tracer)
{
	struct zc_ledger l;
	struct zc_pair p;
	struct interrupted *b;
	int ret = -1;
	pid_t pid;

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	b->linked = linked;
	b->timeout_s = late_tracer ? 3 : 1;
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 4096) || fill_send_path(t, &p, &l))
		goto out;
	pid = fork();
	if (pid < 0) {
		t_fail(t, "fork: %s", strerror(errno));
		goto out;
	}
	if (!pid)
		interrupted_child(&p, b);
	if (late_tracer) {
		int i;

		for (i = 0; i < 500 && !atomic_load(&b->entered); i++)
			usleep(10000);
		usleep(500000);		/* blocked by now, well before 3 s */
		if (tracer_on(t, "function_graph")) {
			reap_within(pid, 8000);
			goto out;
		}
	}
	if (reap_within(pid, 4000 + 1000 * b->timeout_s)) {
		t_fail(t, "the answered call was restarted (still blocked 4 s after the io_uring timeout)");
		goto out;
	}
	if (b->setup) {
		t_fail(t, "io_uring setup: %s", strerror(b->setup));
		goto out;
	}
	if (linked == LINKED_REQUEST &&
	    (b->ur_res != -EINVAL || !zc_req_untouched(&b->ur))) {
		t_fail(t, "the linked SENDMSG's own request: res %d%s, want -EINVAL, untouched",
		       b->ur_res, zc_req_untouched(&b->ur) ? "" : ", buffer changed");
		goto out;
	}
	if (linked == LINKED_SAME && b->ur_res != -EINVAL) {
		t_fail(t, "the linked SENDMSG of the answered call's msghdr: res %d, want -EINVAL",
		       b->ur_res);
		goto out;
	}
	ret = expect_answered_eintr(t, &p, &l, &b->r, b->ret, b->err,
				    "send interrupted by io_uring task work");
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	munmap(b, sizeof(*b));
	return ret;
}

static int t_io_uring_interrupt(struct t_ctx *t, const struct t_env *e)
{
	return io_uring_interrupt(t, e, LINKED_CMSG, false);
}

static int t_io_uring_interrupt_request(struct t_ctx *t, const struct t_env *e)
{
	return io_uring_interrupt(t, e, LINKED_REQUEST, false);
}

/*
 * Under the function_graph tracer, which hides io_uring's caller: the
 * linked SENDMSG with its own request, then with the blocked call's own
 * msghdr.
 */
static int t_io_uring_interrupt_graph(struct t_ctx *t, const struct t_env *e)
{
	int rc = tracer_on(t, "function_graph");

	if (!rc)
		rc = io_uring_interrupt(t, e, LINKED_REQUEST, false);
	if (!rc)
		rc = io_uring_interrupt(t, e, LINKED_SAME, false);
	if (!rc && trace_hits("____sys_sendmsg") <= 0)
		rc = t_fail(t, "function_graph did not trace ____sys_sendmsg");
	tracer_off();
	return rc;
}

/*
 * The tracer comes on while the call is blocked: its entry saw the real
 * caller. The linked SENDMSG sends the call's own msghdr.
 */
static int t_io_uring_interrupt_graph_late(struct t_ctx *t,
					   const struct t_env *e)
{
	int rc = io_uring_interrupt(t, e, LINKED_SAME, true);

	if (!rc && trace_hits("____sys_sendmsg") <= 0)
		rc = t_fail(t, "function_graph did not trace ____sys_sendmsg");
	tracer_off();
	return rc;
}

const struct t_case adv_io_uring_cases[] = {
	PER_PROTO("adv_io_uring", t_io_uring, 30),
	TCP_ONLY("adv_io_uring_interrupt", t_io_uring_interrupt, 60),
	TCP_ONLY("adv_io_uring_interrupt_request", t_io_uring_interrupt_request, 60),
	TCP_ONLY("adv_io_uring_interrupt_graph", t_io_uring_interrupt_graph, 60),
	TCP_ONLY("adv_io_uring_interrupt_graph_late", t_io_uring_interrupt_graph_late, 60),
	{ NULL }
};
