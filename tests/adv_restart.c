// SPDX-License-Identifier: GPL-2.0
/*
 * adv_restart: a blocking send whose request was processed is not
 * restarted (the restarted call would parse the answer as a new request).
 *
 * The contract (uapi header): such a call returns EINTR instead of being
 * restarted, with the answer in the buffer. Tried with every way the
 * kernel interrupts and restarts a blocked sendmsg(): a flood of
 * SA_RESTART signals (every millisecond), SIGSTOP/SIGCONT (restarted
 * without a handler), a ptrace interruption (PTRACE_SEIZE +
 * PTRACE_INTERRUPT), and the cgroup v2 freezer. The sender blocks on a
 * full TCP socket whose receiver does not read, so its send cannot make
 * progress; every send counter value is then reported exactly once.
 *
 * And the other way round: a call that processed nothing is restarted as
 * usual, even when an earlier call with the same arguments processed a
 * request (unrelated: no request; notrun: restarted before it ran; later:
 * its lone request met an empty error queue, so it is answered when the
 * call returns, x86-64 5.18+, and the interrupted call never processed
 * it: module/zc_answer.c zc_answer_later(), module/zc_sendmsg.c
 * zc_sendmsg_returned()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

enum { R_SIGNAL, R_STOP, R_PTRACE, R_FREEZE };

struct flood {
	pthread_t target;
	atomic_int stop;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;

	while (!atomic_load(&f->stop)) {
		pthread_kill(f->target, SIGUSR1);
		usleep(1000);
	}
	return NULL;
}

static int freeze(pid_t pid, const char *v)
{
	char path[128];

	mkdir("/sys/fs/cgroup", 0755);
	if (access("/sys/fs/cgroup/cgroup.procs", F_OK))
		mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	mkdir("/sys/fs/cgroup/zc_freeze", 0755);
	snprintf(path, sizeof(path), "%d", pid);
	if (write_sysctl("/sys/fs/cgroup/zc_freeze/cgroup.procs", path))
		return -1;
	return write_sysctl("/sys/fs/cgroup/zc_freeze/cgroup.freeze", v);
}

/* Interrupt the blocked child @pid the way @how says. */
static int interrupt(struct t_ctx *t, pid_t pid, int how)
{
	int st;

	switch (how) {
	case R_STOP:
		CHECK(t, !kill(pid, SIGSTOP), "SIGSTOP: %s", strerror(errno));
		usleep(100000);
		CHECK(t, !kill(pid, SIGCONT), "SIGCONT: %s", strerror(errno));
		break;
	case R_PTRACE:
		CHECK(t, !ptrace(PTRACE_SEIZE, pid, 0, 0), "PTRACE_SEIZE: %s",
		      strerror(errno));
		CHECK(t, !ptrace(PTRACE_INTERRUPT, pid, 0, 0),
		      "PTRACE_INTERRUPT: %s", strerror(errno));
		CHECK(t, waitpid(pid, &st, __WALL) == pid, "waitpid: %s",
		      strerror(errno));
		CHECK(t, !ptrace(PTRACE_DETACH, pid, 0, 0), "PTRACE_DETACH: %s",
		      strerror(errno));
		break;
	case R_FREEZE:
		CHECK(t, !freeze(pid, "1"), "cgroup freeze: %s", strerror(errno));
		usleep(100000);
		CHECK(t, !write_sysctl("/sys/fs/cgroup/zc_freeze/cgroup.freeze", "0"),
		      "cgroup thaw: %s", strerror(errno));
		break;
	}
	return 0;
}

static int run_blocked(struct t_ctx *t, struct zc_pair *p, struct zc_blocked *b,
		       int how)
{
	struct flood f = { .target = pthread_self() };
	pthread_t th;
	pid_t pid;
	int st;

	if (how == R_SIGNAL) {
		zc_signal_restart(SIGUSR1);
		pthread_create(&th, NULL, flood_thread, &f);
		zc_blocked_send(p, b);
		atomic_store(&f.stop, 1);
		pthread_join(th, NULL);
		return 0;
	}
	pid = fork();
	CHECK(t, pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		zc_blocked_send(p, b);
		_exit(0);
	}
	while (!atomic_load(&b->started))
		usleep(1000);
	usleep(200000);		/* blocked by now */
	if (interrupt(t, pid, how)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	if (reap_within(pid, 3000))
		return t_fail(t, "the blocked send was restarted (still blocked 3 s after the interruption)");
	if (how == R_FREEZE)
		rmdir("/sys/fs/cgroup/zc_freeze");
	return 0;
}

/* zc_req_collect(), and a request that was not processed is a failure. */
static int collect_processed(struct t_ctx *t, struct zc_req *r,
			     struct zc_ledger *l, const char *what)
{
	int got = zc_req_collect(t, r, l);

	if (got == -2)
		return t_fail(t, "%s: request not processed", what);
	return got < 0 ? -1 : 0;
}

/*
 * The fixtures: the send path filled (a blocking send blocks), or three
 * completions queued; after the body the receiver reads and every
 * completion arrives exactly once through MSG_ERRQUEUE.
 */
static const struct t_fixture fix_blocked = {
	.ledger = 4096, .fill = true, .settle = T_SETTLE_ERRQ,
	.settle_ms = 10000,
};

static const struct t_fixture fix_three = {
	.ledger = 64, .queued = 3, .settle = T_SETTLE_ERRQ, .settle_ms = 10000,
};

/* The blocked call answered, interrupted the variant's way: EINTR. */
static int blocked_eintr(struct t_ctx *t, struct t_fix *f, struct zc_blocked *b)
{
	long long a[S_NR], b2[S_NR];

	if (read_stats(t, a) || run_blocked(t, &f->p, b, f->variant) ||
	    read_stats(t, b2))
		return -1;
	CHECK(t, b->ret < 0 && b->err == EINTR,
	      "blocked send: %zd (%s), want EINTR", b->ret,
	      b->ret < 0 ? strerror(b->err) : "sent");
	if (collect_processed(t, &b->r, &f->l, "the interrupted call"))
		return -1;
	CHECK(t, b2[S_EINTR] - a[S_EINTR] == 1,
	      "stats/eintr went up by %lld, want 1", b2[S_EINTR] - a[S_EINTR]);
	return 0;
}

static int t_restart(struct t_ctx *t, struct t_fix *f)
{
	struct zc_blocked *b;
	int ret;

	/* shared with the child that blocks (all but R_SIGNAL) */
	b = zc_blocked_map(t);
	if (!b)
		return -1;
	ret = blocked_eintr(t, f, b);
	zc_blocked_unmap(b);
	return ret;
}

/*
 * @m: @len bytes of @p's buffer with a fresh request for @n elements in
 * @r; called again, the same msghdr and control buffer, reset.
 */
static void req_msg(struct msghdr *m, struct iovec *iov, struct zc_pair *p,
		    size_t len, struct zc_req *r, uint32_t n)
{
	zc_req_init(r);
	zc_req_add_zc(r, n);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	iov->iov_base = p->buf;
	iov->iov_len = len;
	memset(m, 0, sizeof(*m));
	m->msg_iov = iov;
	m->msg_iovlen = 1;
	m->msg_control = r->ctl.buf;
	m->msg_controllen = r->len;
}

struct drain {
	struct zc_pair *p;
	int delay_ms;
};

static void *drain_later(void *arg)
{
	struct drain *d = arg;
	long end;

	usleep(d->delay_ms * 1000);
	end = zc_now_ms() + 3000;
	while (zc_now_ms() < end)
		zc_pair_drain_rx(d->p);
	return NULL;
}

/*
 * The EINTR is for the call that processed a request only: a later
 * blocking call with the same fd, msghdr and control pointer but no
 * control messages is restarted as usual (and completes once the
 * receiver reads).
 */
static int t_restart_unrelated(struct t_ctx *t, struct t_fix *f)
{
	struct flood fl = { .target = pthread_self() };
	struct drain d = { .p = &f->p, .delay_ms = 300 };
	long long a[S_NR], b[S_NR];
	struct zc_req r;
	struct iovec iov;
	struct msghdr m;
	pthread_t th, dr;
	ssize_t n;

	if (read_stats(t, a))
		return -1;
	req_msg(&m, &iov, &f->p, 65536, &r, 1);
	n = sendmsg(f->p.tx, &m, MSG_DONTWAIT);	/* processed, then EAGAIN */
	CHECK(t, n < 0 && errno == EAGAIN && zc_req_collect(t, &r, &f->l) >= 0,
	      "request on a full socket: %zd (%s), want EAGAIN, processed",
	      n, n < 0 ? strerror(errno) : "sent");
	m.msg_controllen = 0;			/* same msghdr, no cmsg */
	zc_signal_restart(SIGUSR1);
	pthread_create(&th, NULL, flood_thread, &fl);
	pthread_create(&dr, NULL, drain_later, &d);
	n = sendmsg(f->p.tx, &m, 0);
	atomic_store(&fl.stop, 1);
	pthread_join(th, NULL);
	pthread_join(dr, NULL);
	CHECK(t, n > 0,
	      "unrelated blocking send: %zd (%s), want it restarted and sent",
	      n, n < 0 ? strerror(errno) : "nothing");
	CHECK(t, !read_stats(t, b) && b[S_EINTR] == a[S_EINTR],
	      "stats/eintr went up by %lld, want 0", b[S_EINTR] - a[S_EINTR]);
	return 0;
}

/* SA_RESTART signals to @target for 300 ms, then the receiver reads. */
struct later {
	pthread_t target;
	struct zc_pair *p;
};

static atomic_int later_signals;

static void on_later_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&later_signals, 1);
}

static void *flood_then_drain(void *arg)
{
	struct later *l = arg;
	struct drain d = { .p = l->p, .delay_ms = 50 };
	long end = zc_now_ms() + 300;

	while (zc_now_ms() < end) {
		pthread_kill(l->target, SIGUSR1);
		usleep(1000);
	}
	return drain_later(&d);
}

/*
 * A blocking send whose lone request met an empty error queue: where it
 * is answered at the return (x86-64 5.18+), every interruption restarts
 * it as SA_RESTART promises, and it sends everything, answered once;
 * without SA_RESTART (variant 1) it fails with EINTR, the request
 * untouched and nothing taken. Elsewhere the entry answered it (empty)
 * and the call returns EINTR either way.
 */
static int t_restart_later(struct t_ctx *t, struct t_fix *f)
{
	struct sigaction sa = { .sa_handler = on_later_signal,
				.sa_flags = f->variant ? 0 : SA_RESTART };
	struct later l = { .target = pthread_self(), .p = &f->p };
	long long a[S_NR], b[S_NR];
	struct zc_req r;
	struct iovec iov;
	struct msghdr m;
	pthread_t th;
	ssize_t n;
	int err;

	/* What the fill left queued: taken now, so the queue is empty. */
	if (zc_read_errqueue(t, f->p.tx, &f->l, NULL) < 0 || read_stats(t, a))
		return -1;
	req_msg(&m, &iov, &f->p, 65536, &r, 1);
	atomic_store(&later_signals, 0);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&th, NULL, flood_then_drain, &l);
	n = sendmsg(f->p.tx, &m, 0);
	err = errno;
	pthread_join(th, NULL);
	if (read_stats(t, b))
		return -1;
	printf("# %s: %d signals, sendmsg %zd (%s), stats/eintr +%lld, stats/returned +%lld\n",
	       zc_pair_name(&f->p), atomic_load(&later_signals), n,
	       n < 0 ? strerror(err) : "sent", b[S_EINTR] - a[S_EINTR],
	       b[S_RETURNED] - a[S_RETURNED]);
	if (zc_answers_at_return() && f->variant) {
		CHECK(t, n < 0 && err == EINTR, "no SA_RESTART: %zd (%s), "
		      "want EINTR", n, n < 0 ? strerror(err) : "sent");
		CHECK(t, zc_req_collect(t, &r, &f->l) == -2,
		      "interrupted before its return, yet the request was "
		      "processed");
		CHECK(t, b[S_EINTR] == a[S_EINTR] &&
		      b[S_RETURNED] == a[S_RETURNED],
		      "stats/eintr +%lld, stats/returned +%lld (want 0, 0)",
		      b[S_EINTR] - a[S_EINTR], b[S_RETURNED] - a[S_RETURNED]);
		return 0;
	}
	if (collect_processed(t, &r, &f->l, "the blocking call"))
		return -1;
	if (!zc_answers_at_return()) {
		CHECK(t, n < 0 && err == EINTR && b[S_EINTR] - a[S_EINTR] == 1,
		      "answered at the entry: %zd (%s), want EINTR", n,
		      n < 0 ? strerror(err) : "sent");
		return 0;
	}
	CHECK(t, atomic_load(&later_signals) >= 10,
	      "only %d signals reached the blocked call: it tests nothing",
	      atomic_load(&later_signals));
	CHECK(t, n == 65536, "interrupted %d times: %zd (%s), want it "
	      "restarted and sent", atomic_load(&later_signals), n,
	      n < 0 ? strerror(err) : "sent");
	CHECK(t, b[S_EINTR] == a[S_EINTR] && b[S_RETURNED] - a[S_RETURNED] == 1,
	      "stats/eintr +%lld (want 0), stats/returned +%lld (want 1)",
	      b[S_EINTR] - a[S_EINTR], b[S_RETURNED] - a[S_RETURNED]);
	return 0;
}

/* The seccomp supervisor of t_restart_notrun(). */
struct notrun {
	pthread_t sender;
	atomic_int listener;	/* -1 until the filter is in */
	atomic_int restarted;	/* a second notification came */
};

static int notif_recv(int fd, struct seccomp_notif *req)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	memset(req, 0, sizeof(*req));
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req);
}

static void *notrun_supervisor(void *arg)
{
	struct notrun *s = arg;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp = {
		.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE,
	};
	int fd;

	while ((fd = atomic_load(&s->listener)) < 0)
		usleep(1000);
	/* The first notification is never answered: a signal ends its wait. */
	if (notif_recv(fd, &req))
		return NULL;
	usleep(50000);
	pthread_kill(s->sender, SIGUSR1);
	/* Restarted: let the call run this time. */
	if (notif_recv(fd, &req))
		return NULL;
	atomic_store(&s->restarted, 1);
	resp.id = req.id;
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	return NULL;
}

/* Every sendmsg() of the calling thread waits for a seccomp supervisor. */
static int seccomp_notify_sendmsg(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/*
 * A call restarted before it ever reached the socket layer answered
 * nothing, whatever an earlier call with the same fd, msghdr and control
 * buffer did: a seccomp user-notification wait that a signal interrupts
 * is restarted (-ERESTARTSYS) without running the call (arm64 does the
 * same for an asynchronous MTE fault). With the request reset, it must be
 * restarted as usual, run, and have its request answered; stats/eintr
 * does not move. Direct sendmsg system calls, so that both calls are the
 * same one on every ABI (i386 glibc would use socketcall()).
 */
static int t_restart_notrun(struct t_ctx *t, struct t_fix *f)
{
	struct notrun s = { .sender = pthread_self(), .listener = -1 };
	long long a[S_NR], b[S_NR];
	struct zc_req r;
	struct iovec iov;
	struct msghdr m;
	pthread_t th;
	ssize_t n;
	int fd;

	req_msg(&m, &iov, &f->p, 100, &r, 8);
	n = syscall(SYS_sendmsg, f->p.tx, &m, 0);
	CHECK(t, n == 100, "first call: %zd (%s), want sent", n,
	      n < 0 ? strerror(errno) : "");
	if (collect_processed(t, &r, &f->l, "first call"))
		return -1;
	zc_pair_drain_rx(&f->p);
	if (queue_completions(t, &f->p, &f->l, 2) || read_stats(t, a))
		return -1;
	zc_signal_restart(SIGUSR1);
	pthread_create(&th, NULL, notrun_supervisor, &s);
	fd = seccomp_notify_sendmsg();
	if (fd < 0) {
		pthread_cancel(th);
		pthread_join(th, NULL);
		return t_skip(t, "no seccomp user notification here: %s",
			      strerror(errno));
	}
	atomic_store(&s.listener, fd);
	req_msg(&m, &iov, &f->p, 100, &r, 8);	/* the same buffer, reset */
	n = syscall(SYS_sendmsg, f->p.tx, &m, 0);
	pthread_join(th, NULL);
	CHECK(t, n == 100,
	      "call interrupted before it ran: %zd (%s), want it restarted and sent%s",
	      n, n < 0 ? strerror(errno) : "",
	      atomic_load(&s.restarted) ? "" : " (never restarted)");
	if (collect_processed(t, &r, &f->l, "the restarted call"))
		return -1;
	CHECK(t, !read_stats(t, b) && b[S_EINTR] == a[S_EINTR],
	      "stats/eintr went up by %lld, want 0", b[S_EINTR] - a[S_EINTR]);
	return 0;
}

const struct t_case adv_restart_cases[] = {
	T_FIX_TCP("adv_restart_signal", t_restart, &fix_blocked, R_SIGNAL, 60),
	T_FIX("adv_restart_stop_tcp4", t_restart, &fix_blocked, R_STOP,
	      AF_INET, SOCK_STREAM, 60),
	T_FIX("adv_restart_ptrace_tcp4", t_restart, &fix_blocked, R_PTRACE,
	      AF_INET, SOCK_STREAM, 60),
	T_FIX("adv_restart_freeze_tcp4", t_restart, &fix_blocked, R_FREEZE,
	      AF_INET, SOCK_STREAM, 60),
	T_FIX("adv_restart_unrelated_tcp4", t_restart_unrelated, &fix_blocked,
	      0, AF_INET, SOCK_STREAM, 60),
	T_FIX_TCP("adv_restart_later", t_restart_later, &fix_blocked, 0, 60),
	T_FIX("adv_restart_later_nosarestart_tcp4", t_restart_later,
	      &fix_blocked, 1, AF_INET, SOCK_STREAM, 60),
	PER_PROTO_FIX("adv_restart_notrun", t_restart_notrun, &fix_three, 0, 30),
	{ NULL }
};
