// SPDX-License-Identifier: GPL-2.0
/*
 * zc_bench - MSG_ZEROCOPY completion methods side by side (runs in a VM).
 *
 *   zc_bench run LANE PROTO SIZE INTERVAL METHOD SENDS
 *	LANE lo | dummy (UDP to 10.9.0.2 through dummy0: real zerocopy)
 *	| veth (IPv4 to 10.11.0.2 in netns zcpeer, across a veth pair)
 *	PROTO tcp4 tcp6 udp4 udp6, METHOD copy errqueue cmsg uring;
 *	completions are reaped after every INTERVAL sends; ZC_N=n asks for
 *	n elements per request, ZC_MIXED=1 sends the request after an
 *	SO_TIMESTAMPING cmsg (answered at the parse: method cmsg_mixed).
 *   zc_bench overhead PROTO SIZE CALLS none|pktinfo|tstamp
 *	(PROTO getppid: CALLS getppid() calls instead, SIZE 0)
 *	ns per plain sendmsg(), for the module-loaded/unloaded comparison;
 *	tstamp is a SOL_SOCKET cmsg (SO_TIMESTAMPING, no flags), which goes
 *	through the module's __sock_cmsg_send() hook.
 *   zc_bench [auto [SENDS]]
 *	on the running kernel: the CPU, kernel and mitigations, then every
 *	method available here (the cmsg only with the module loaded) over
 *	loopback, reaping every 1, 8, 32 and 512 sends; installed as
 *	zcnotify-bench.
 *   zc_bench threads NTHREADS CALLS
 *	ns per unrelated sendmsg() (UDP, 64 bytes, IP_PKTINFO, no
 *	SO_ZEROCOPY) and per request-only sendmsg() on a zerocopy socket,
 *	before and after NTHREADS threads each sent one request and stayed.
 *
 * One "BENCH ..." or "OVERHEAD ..." line per run, key=value.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#ifndef ZC_BENCH_NO_URING	/* the arm64 lane: no liburing there */
#include <liburing.h>
#endif
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/zcnotify.h>
#include <zcnotify/zcn.h>	/* zcn_module_loaded() */

#define MAX_INFLIGHT	512	/* sends not yet completed before we wait */

enum method { M_COPY, M_ERRQUEUE, M_CMSG, M_URING };
static const char *const method_names[] = { "copy", "errqueue", "cmsg", "uring" };

struct bench {
	int family, type, tx, rx;
	bool dummy;
	bool veth;		/* receiver in netns zcpeer across a veth pair */
	size_t size;
	int interval;
	uint32_t n;		/* elements per request (cmsg method) */
	enum method method;
	long sends;
	char *buf;
	/* results */
	long done_sends, ids, reaps, syscalls;
	atomic_int stop;
	bool mixed;		/* $ZC_MIXED: the request after another cmsg */
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) +
			 CMSG_SPACE(ZC_INFO_SIZE(ZC_NOTIFICATION_MAX))];
		struct cmsghdr align;
	} ctl;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static socklen_t addr(int family, bool dummy, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		inet_pton(AF_INET, dummy ? "10.9.0.2" : "127.0.0.1",
			  &a->sin_addr);
		a->sin_port = htons(dummy ? 9 : 0);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, dummy ? "fd09::2" : "::1", &a6->sin6_addr);
	a6->sin6_port = htons(dummy ? 9 : 0);
	return sizeof(*a6);
}

/*
 * The veth lane (IPv4 only): the receiving end lives in the network
 * namespace "zcpeer" at 10.11.0.2 (bench/bench-host.sh creates it), so the
 * data really crosses a veth pair, as in the kernel's msg_zerocopy.sh.
 */
static int enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path);
	return fd;
}

static void open_sockets(struct bench *b)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(b->family, b->dummy, &ss);
	int one = 1, lfd, home = -1;

	b->rx = -1;
	if (b->veth) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_pton(AF_INET, "10.11.0.2", &a->sin_addr);
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		close(enter_netns("/run/netns/zcpeer"));
	}
	if (b->type == SOCK_STREAM) {
		lfd = socket(b->family, SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) ||
		    listen(lfd, 1) ||
		    getsockname(lfd, (struct sockaddr *)&ss, &len))
			die("listen");
		if (home >= 0 && setns(home, CLONE_NEWNET))
			die("setns back");
		b->tx = socket(b->family, SOCK_STREAM, 0);
		if (connect(b->tx, (struct sockaddr *)&ss, len))
			die("connect");
		b->rx = accept(lfd, NULL, NULL);
		close(lfd);
	} else {
		if (!b->dummy) {
			b->rx = socket(b->family, SOCK_DGRAM, 0);
			if (bind(b->rx, (struct sockaddr *)&ss, len) ||
			    getsockname(b->rx, (struct sockaddr *)&ss, &len))
				die("bind");
		}
		if (home >= 0 && setns(home, CLONE_NEWNET))
			die("setns back");
		b->tx = socket(b->family, SOCK_DGRAM, 0);
		if (connect(b->tx, (struct sockaddr *)&ss, len))
			die("connect");
	}
	if (home >= 0)
		close(home);
	if (b->method != M_COPY &&
	    setsockopt(b->tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("SO_ZEROCOPY");
}

static void *receiver(void *arg)
{
	struct bench *b = arg;
	static __thread char sink[1 << 16];

	while (!atomic_load(&b->stop))
		if (recv(b->rx, sink, sizeof(sink), 0) <= 0 &&
		    b->type == SOCK_STREAM)
			break;
	return NULL;
}

/* Stop the receiver thread started by the caller (if the lane has one). */
static void stop_receiver(struct bench *b, pthread_t th)
{
	atomic_store(&b->stop, 1);
	if (b->rx < 0)
		return;
	shutdown(b->tx, SHUT_WR);
	if (b->type == SOCK_DGRAM)
		shutdown(b->rx, SHUT_RD);
	pthread_join(th, NULL);
}

static void add_range(struct bench *b, uint32_t lo, uint32_t hi)
{
	b->ids += hi - lo + 1;
}

/* Classic: recvmsg(MSG_ERRQUEUE) until the queue is empty. */
static void reap_errqueue(struct bench *b)
{
	char ctl[128];

	for (;;) {
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;
		struct sock_extended_err *ee;

		b->syscalls++;
		if (recvmsg(b->tx, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		c = CMSG_FIRSTHDR(&m);
		if (!c)
			continue;
		ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY)
			add_range(b, ee->ee_info, ee->ee_data);
	}
	b->reaps++;
}

/*
 * Room for twice the completions expected per reap (the kernel merges
 * consecutive ones, so usually far fewer come): a larger buffer only costs
 * copying on every call.
 */
/* Elements asked for per request: twice the interval, at least 4, or $ZC_N. */
static uint32_t cmsg_room(const struct bench *b)
{
	return b->n;
}

static uint32_t pick_room(int interval)
{
	const char *env = getenv("ZC_N");
	uint32_t n = env ? (uint32_t)atoi(env) : 2 * (uint32_t)interval;

	if (env && n >= 1 && n <= ZC_NOTIFICATION_MAX)
		return n;
	return n < 4 ? 4 : n > ZC_NOTIFICATION_MAX ? ZC_NOTIFICATION_MAX : n;
}

/*
 * The request, alone (answered at the ____sys_sendmsg() entry) or, with
 * $ZC_MIXED, after an SO_TIMESTAMPING cmsg without flags (which asks for
 * nothing): then the kernel parses the buffer and the module answers at
 * __sock_cmsg_send(), as for a program that sends its own cmsgs.
 */
static struct zc_info *arm_cmsg(struct bench *b, struct msghdr *m)
{
	struct cmsghdr *c = (struct cmsghdr *)b->ctl.buf;
	uint32_t n = cmsg_room(b);
	size_t len = 0;
	struct zc_info *zi;

	if (b->mixed) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = 37;	/* SO_TIMESTAMPING_OLD */
		c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memset(CMSG_DATA(c), 0, sizeof(uint32_t));
		len = CMSG_SPACE(sizeof(uint32_t));
		c = (struct cmsghdr *)(b->ctl.buf + len);
	}
	zi = (struct zc_info *)CMSG_DATA(c);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_ZC_NOTIFICATION;
	c->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(n));
	zi->size = n;
	zi->arr[0].zerocopy = ZC_ELEM_UNWRITTEN;
	m->msg_control = b->ctl.buf;
	m->msg_controllen = len + CMSG_SPACE(ZC_INFO_SIZE(n));
	return zi;
}

static void collect_cmsg(struct bench *b, struct zc_info *zi)
{
	uint32_t i;

	if (zi->size == cmsg_room(b) &&
	    zi->arr[0].zerocopy == ZC_ELEM_UNWRITTEN)
		return;		/* not processed */
	for (i = 0; i < zi->size; i++)
		add_range(b, zi->arr[i].lo, zi->arr[i].hi);
	b->reaps++;
}

/* Reap with a cmsg on a zero-length send (used only to drain/wait). */
static void reap_cmsg_only(struct bench *b)
{
	struct msghdr m = { 0 };
	struct zc_info *zi = arm_cmsg(b, &m);

	b->syscalls++;
	if (sendmsg(b->tx, &m, MSG_DONTWAIT) < 0 && errno == EINVAL) {
		fprintf(stderr, "SCM_ZC_NOTIFICATION rejected: module loaded?\n");
		exit(1);
	}
	collect_cmsg(b, zi);
}

static void wait_err(struct bench *b)
{
	struct pollfd pfd = { .fd = b->tx, .events = 0 };

	poll(&pfd, 1, 10);
}

static void run_sendmsg(struct bench *b)
{
	int flags = b->method == M_COPY ? 0 : MSG_ZEROCOPY;
	struct iovec iov = { b->buf, b->size };
	long i;

	for (i = 0; i < b->sends; i++) {
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		bool reap = (i + 1) % b->interval == 0;
		struct zc_info *zi = NULL;
		ssize_t n;

		while (b->method != M_COPY &&
		       b->done_sends - b->ids > MAX_INFLIGHT) {
			wait_err(b);
			if (b->method == M_CMSG)
				reap_cmsg_only(b);
			else
				reap_errqueue(b);
		}
		if (b->method == M_CMSG && reap)
			zi = arm_cmsg(b, &m);
		b->syscalls++;
		n = sendmsg(b->tx, &m, flags);
		if (zi)
			collect_cmsg(b, zi);
		if (n < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				die("sendmsg");
			wait_err(b);
			i--;
			continue;
		}
		b->done_sends++;
		if (b->method == M_ERRQUEUE && reap)
			reap_errqueue(b);
	}
	while (b->method != M_COPY && b->ids < b->done_sends) {
		wait_err(b);
		if (b->method == M_CMSG)
			reap_cmsg_only(b);
		else
			reap_errqueue(b);
	}
}

#ifndef ZC_BENCH_NO_URING
static void uring_reap(struct bench *b, struct io_uring *ring, long *inflight,
		       bool wait)
{
	struct io_uring_cqe *cqe;

	if (wait) {
		b->syscalls++;
		if (io_uring_wait_cqe(ring, &cqe))
			die("io_uring_wait_cqe");
	}
	while (!io_uring_peek_cqe(ring, &cqe)) {
		if (cqe->flags & IORING_CQE_F_NOTIF) {
			b->ids++;
			(*inflight)--;
		} else if (cqe->res < 0) {
			errno = -cqe->res;
			die("send_zc");
		} else if (!(cqe->flags & IORING_CQE_F_MORE)) {
			(*inflight)--;	/* no notification will follow */
			b->ids++;
		}
		io_uring_cqe_seen(ring, cqe);
	}
	b->reaps++;
}

static void run_uring(struct bench *b)
{
	struct io_uring ring;
	long i, inflight = 0, queued = 0;

	if (io_uring_queue_init(1024, &ring, 0))
		die("io_uring_queue_init");
	for (i = 0; i < b->sends; i++) {
		struct io_uring_sqe *sqe;

		while (inflight >= MAX_INFLIGHT)
			uring_reap(b, &ring, &inflight, true);
		sqe = io_uring_get_sqe(&ring);
		if (!sqe) {
			b->syscalls++;
			io_uring_submit(&ring);
			queued = 0;
			uring_reap(b, &ring, &inflight, false);
			i--;
			continue;
		}
		io_uring_prep_send_zc(sqe, b->tx, b->buf, b->size, 0, 0);
		inflight++;
		queued++;
		b->done_sends++;
		if ((i + 1) % b->interval == 0) {
			b->syscalls++;
			io_uring_submit(&ring);
			queued = 0;
			uring_reap(b, &ring, &inflight, false);
		}
	}
	if (queued) {
		b->syscalls++;
		io_uring_submit(&ring);
	}
	while (inflight > 0)
		uring_reap(b, &ring, &inflight, true);
	io_uring_queue_exit(&ring);
}
#else
static void run_uring(struct bench *b)
{
	(void)b;
	die("built without io_uring (ZC_BENCH_NO_URING)");
}
#endif

static int parse_proto(const char *s, int *family, int *type)
{
	*type = !strncmp(s, "tcp", 3) ? SOCK_STREAM : SOCK_DGRAM;
	*family = s[3] == '6' ? AF_INET6 : AF_INET;
	return strlen(s) == 4 ? 0 : -1;
}

static int cmd_run(char **argv)
{
	struct bench b;
	bool norecv;
	pthread_t th;
	double t0, c0, secs, cpu;
	size_t m;

	memset(&b, 0, sizeof(b));
	b.dummy = !strcmp(argv[0], "dummy");
	b.veth = !strcmp(argv[0], "veth");
	if (parse_proto(argv[1], &b.family, &b.type))
		return 2;
	b.size = strtoul(argv[2], NULL, 0);
	b.interval = atoi(argv[3]);
	b.n = pick_room(b.interval);
	for (m = 0; m < 4; m++)
		if (!strcmp(argv[4], method_names[m]))
			b.method = m;
	b.sends = atol(argv[5]);
	b.buf = aligned_alloc(4096, (b.size + 4095) & ~4095UL);
	memset(b.buf, 'b', b.size);
	open_sockets(&b);
	/*
	 * ZC_NORECV: no receiver runs while sends are measured (with one
	 * vCPU its scheduling changes the figures by tens of percent): TCP
	 * sends into a receive buffer big enough for all of them, which is
	 * read afterwards. Completions still come, with the ACKs.
	 */
	norecv = getenv("ZC_NORECV") && b.type == SOCK_STREAM;
	b.mixed = getenv("ZC_MIXED");
	if (norecv) {
		int big = 256 << 20;

		setsockopt(b.tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
		setsockopt(b.rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	}
	if (b.rx >= 0 && !norecv)
		pthread_create(&th, NULL, receiver, &b);

	t0 = now();
	c0 = thread_cpu();
	if (b.method == M_URING)
		run_uring(&b);
	else
		run_sendmsg(&b);
	secs = now() - t0;
	cpu = thread_cpu() - c0;

	if (b.rx >= 0 && norecv)
		pthread_create(&th, NULL, receiver, &b);
	stop_receiver(&b, th);
	printf("BENCH lane=%s proto=%s size=%zu interval=%d method=%s n=%u sends=%ld "
	       "secs=%.9f mbps=%.1f sends_per_s=%.0f cpu_s_per_gb=%.3f "
	       "ids_per_reap=%.2f syscalls_per_send=%.3f\n",
	       argv[0], argv[1], b.size, b.interval,
	       b.mixed && b.method == M_CMSG ? "cmsg_mixed" : argv[4],
	       b.method == M_CMSG ? cmsg_room(&b) : 0, b.done_sends,
	       secs, b.done_sends * b.size / secs / 1e6, b.done_sends / secs,
	       cpu / (b.done_sends * b.size / 1e9),
	       b.reaps ? (double)b.ids / b.reaps : 0.0,
	       (double)b.syscalls / b.done_sends);
	return 0;
}

static int cmd_overhead(char **argv)
{
	struct bench b;
	struct iovec iov;
	long i, calls;
	bool pktinfo;
	double t0, secs;
	pthread_t th;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctl;
	bool tstamp;

	memset(&b, 0, sizeof(b));
	calls = atol(argv[2]);
	/*
	 * getppid: a system call that reaches no hooked function, for what
	 * the module costs a process that never uses it (on arm64 6.1 the
	 * restart hook sits on do_notify_resume, run on the way back to
	 * user mode whenever work is pending).
	 */
	if (!strcmp(argv[0], "getppid")) {
		t0 = now();
		for (i = 0; i < calls; i++)
			getppid();
		secs = now() - t0;
		goto out;
	}
	if (parse_proto(argv[0], &b.family, &b.type))
		return 2;
	b.size = strtoul(argv[1], NULL, 0);
	pktinfo = !strcmp(argv[3], "pktinfo");
	tstamp = !strcmp(argv[3], "tstamp");
	b.method = M_COPY;
	b.buf = calloc(1, b.size);
	/*
	 * Nothing else may run in the measured window (with one vCPU a
	 * receiver's scheduling changes the figures by tens of percent):
	 * UDP goes out through dummy0 with no receiver, TCP into a receive
	 * buffer big enough for every call, read only afterwards.
	 */
	b.dummy = getenv("ZC_DUMMY") && b.type == SOCK_DGRAM;
	open_sockets(&b);
	if (b.type == SOCK_STREAM) {
		int big = 64 << 20;

		setsockopt(b.tx, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
		setsockopt(b.rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	}
	if (b.rx >= 0 && b.type == SOCK_DGRAM)
		pthread_create(&th, NULL, receiver, &b);
	memset(&ctl, 0, sizeof(ctl));
	if (pktinfo) {
		struct cmsghdr *c = (struct cmsghdr *)ctl.buf;

		/* IP_PKTINFO with no address set: changes nothing. */
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	} else if (tstamp) {
		struct cmsghdr *c = (struct cmsghdr *)ctl.buf;

		/* SO_TIMESTAMPING with no flags: parsed, changes nothing. */
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = 37;	/* SO_TIMESTAMPING_OLD */
		c->cmsg_len = CMSG_LEN(sizeof(int));
	}
	iov.iov_base = b.buf;
	iov.iov_len = b.size;
	t0 = now();
	for (i = 0; i < calls; i++) {
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (pktinfo) {
			m.msg_control = ctl.buf;
			m.msg_controllen = sizeof(ctl.buf);
		} else if (tstamp) {
			m.msg_control = ctl.buf;
			m.msg_controllen = CMSG_SPACE(sizeof(int));
		}
		if (sendmsg(b.tx, &m, 0) < 0)
			die("sendmsg");
	}
	secs = now() - t0;
	if (b.rx >= 0 && b.type == SOCK_STREAM)
		pthread_create(&th, NULL, receiver, &b);
	stop_receiver(&b, th);
out:
	printf("OVERHEAD proto=%s size=%zu cmsg=%s module=%s calls=%ld ns_per_call=%.3f\n",
	       argv[0], b.size, argv[3],
	       access("/sys/module/zcnotify", F_OK) ? "off" : "on", calls,
	       secs * 1e9 / calls);
	return 0;
}

/* ns per sendmsg() of @m on @fd over @calls calls; @size: a request's. */
static double ns_per_call(int fd, struct msghdr *m, long calls, uint32_t *size)
{
	double t0 = now();
	long i;

	for (i = 0; i < calls; i++) {
		if (size)
			*size = 1;
		/* A request is refused (EINVAL) when the module is not loaded. */
		if (sendmsg(fd, m, 0) < 0 && errno != EAGAIN && errno != ENOBUFS &&
		    !(size && errno == EINVAL))
			die("sendmsg");
	}
	return (now() - t0) * 1e9 / calls;
}

struct parked {
	int fd;
	pthread_mutex_t mu;
	pthread_cond_t sent_cv;	/* the main thread waits here */
	pthread_cond_t go_cv;	/* the parked threads wait here */
	int sent, go;
};

/* One request on the shared zerocopy socket, then wait to be released. */
static void *parked_thread(void *arg)
{
	struct parked *p = arg;
	union {
		char buf[CMSG_SPACE(ZC_INFO_SIZE(1))];
		struct cmsghdr align;
	} ctl;
	struct cmsghdr *c = (struct cmsghdr *)ctl.buf;
	struct msghdr m = { .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct zc_info *zi = (struct zc_info *)CMSG_DATA(c);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_ZC_NOTIFICATION;
	c->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(1));
	zi->size = 1;
	sendmsg(p->fd, &m, MSG_DONTWAIT);
	pthread_mutex_lock(&p->mu);
	p->sent++;
	pthread_cond_signal(&p->sent_cv);
	while (!p->go)
		pthread_cond_wait(&p->go_cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int cmd_threads(char **argv)
{
	struct parked p = { .mu = PTHREAD_MUTEX_INITIALIZER,
			    .sent_cv = PTHREAD_COND_INITIALIZER,
			    .go_cv = PTHREAD_COND_INITIALIZER };
	long n = atol(argv[0]), calls = atol(argv[1]), i, made = 0;
	union {
		char buf[CMSG_SPACE(ZC_INFO_SIZE(1))];
		struct cmsghdr align;
	} req;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} pk;
	struct sockaddr_storage ss;
	socklen_t len = addr(AF_INET, true, &ss);
	struct msghdr um = { 0 }, zm = { 0 };
	struct cmsghdr *c;
	struct iovec iov;
	char data[64] = { 0 };
	double u0, z0, u1, z1;
	uint32_t *size;
	pthread_attr_t at;
	pthread_t *th = calloc(n, sizeof(*th));
	int one = 1, ufd, zfd;

	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	zfd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!th || connect(ufd, (struct sockaddr *)&ss, len) ||
	    connect(zfd, (struct sockaddr *)&ss, len) ||
	    setsockopt(zfd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("threads setup");
	memset(&pk, 0, sizeof(pk));
	c = (struct cmsghdr *)pk.buf;
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	um.msg_iov = &iov;
	um.msg_iovlen = 1;
	um.msg_control = pk.buf;
	um.msg_controllen = sizeof(pk.buf);
	memset(&req, 0, sizeof(req));
	c = (struct cmsghdr *)req.buf;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_ZC_NOTIFICATION;
	c->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(1));
	zm.msg_control = req.buf;
	zm.msg_controllen = sizeof(req.buf);

	size = &((struct zc_info *)CMSG_DATA(c))->size;
	u0 = ns_per_call(ufd, &um, calls, NULL);
	z0 = ns_per_call(zfd, &zm, calls, size);
	p.fd = zfd;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 256 * 1024);	/* above the 64 KB of TLS */
	for (i = 0; i < n; i++) {
		int err = pthread_create(&th[made], &at, parked_thread, &p);

		if (err) {
			fprintf(stderr, "pthread_create %ld: %s\n", i, strerror(err));
			break;
		}
		made++;
	}
	pthread_mutex_lock(&p.mu);
	while (p.sent < made)
		pthread_cond_wait(&p.sent_cv, &p.mu);
	pthread_mutex_unlock(&p.mu);
	usleep(100000);		/* every parked thread is asleep by now */
	u1 = ns_per_call(ufd, &um, calls, NULL);
	z1 = ns_per_call(zfd, &zm, calls, size);
	pthread_mutex_lock(&p.mu);
	p.go = 1;
	pthread_cond_broadcast(&p.go_cv);
	pthread_mutex_unlock(&p.mu);
	for (i = 0; i < made; i++)
		pthread_join(th[i], NULL);
	printf("THREADS module=%s threads=%ld calls=%ld unrelated_before=%.1f "
	       "unrelated_after=%.1f request_before=%.1f request_after=%.1f\n",
	       access("/sys/module/zcnotify", F_OK) ? "off" : "on", made, calls,
	       u0, u1, z0, z1);
	return 0;
}

/* One "run" in a child process; its BENCH line parsed. */
static int run_child(char **args, double *us, double *sys)
{
	char out[1024] = "", *p;
	int fds[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		exit(cmd_run(args));
	}
	close(fds[1]);
	while ((n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(fds[0]);
	waitpid(pid, &st, 0);
	p = strstr(out, " secs=");
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !p)
		return -1;
	*us = atof(p + 6) * 1e6 / atol(strstr(out, " sends=") + 7);
	*sys = atof(strstr(out, "syscalls_per_send=") + 18);
	return 0;
}

static int cmd_auto(long sends)
{
	static const char *const lanes[][2] = { { "tcp4", "4096" }, { "udp4", "4096" } };
	static const int ivs[] = { 1, 8, 32, 512 };
	const char *methods[3] = { "errqueue" };
#ifndef ZC_BENCH_NO_URING
	struct io_uring ring;
#endif
	char line[256], ivbuf[16], sbuf[32];
	int nm = 1, l, i, m;
	struct utsname u;
	FILE *f;

	uname(&u);
	printf("kernel %s %s\n", u.release, u.machine);
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) || !strncmp(line, "CPU part", 8)) {
			printf("cpu %s", strchr(line, ':') + 2);
			break;
		}
	if (f)
		fclose(f);
	f = popen("grep -H . /sys/devices/system/cpu/vulnerabilities/* 2>/dev/null", "r");
	while (f && fgets(line, sizeof(line), f))
		printf("vulnerability %s", strrchr(line, '/') + 1);
	if (f)
		pclose(f);
	if (zcn_module_loaded())
		methods[nm++] = "cmsg";
	else
		printf("zcnotify is not loaded: only the classic methods are measured "
		       "(modprobe zcnotify, then run again to see what the cmsg saves)\n");
#ifndef ZC_BENCH_NO_URING
	if (!io_uring_queue_init(8, &ring, 0)) {
		io_uring_queue_exit(&ring);
		methods[nm++] = "uring";
	}
#endif
	printf("\n%-5s %-5s %5s  %-8s %10s %9s %14s\n", "proto", "size", "every",
	       "method", "us/send", "sys/send", "reaping saved");
	snprintf(sbuf, sizeof(sbuf), "%ld", sends);
	for (l = 0; l < 2; l++) {
		double end_us = 0, errq_us[4] = { 0 };

		for (i = 3; i >= 0; i--) {
			for (m = 0; m < nm; m++) {
				char *args[] = { "lo", (char *)lanes[l][0], (char *)lanes[l][1],
						 ivbuf, (char *)methods[m], sbuf, NULL };
				double us, sys;
				char saved[32] = "";

				snprintf(ivbuf, sizeof(ivbuf), "%d", ivs[i]);
				if (run_child(args, &us, &sys)) {
					printf("%-5s %-5s %5d  %-8s %10s\n", lanes[l][0],
					       lanes[l][1], ivs[i], methods[m], "failed");
					continue;
				}
				if (m == 0 && i == 3)
					end_us = us;
				if (m == 0)
					errq_us[i] = us;
				if (m > 0 && i < 3 && errq_us[i] > end_us)
					snprintf(saved, sizeof(saved), "%.0f%%",
						 (errq_us[i] - us) / (errq_us[i] - end_us) * 100);
				printf("%-5s %-5s %5d  %-8s %10.2f %9.3f %14s\n", lanes[l][0],
				       lanes[l][1], ivs[i], methods[m], us, sys, saved);
			}
		}
	}
	printf("\nreaping saved: the share of what reaping after every 1, 8 or 32 sends "
	       "costs with recvmsg(MSG_ERRQUEUE), over reaping every 512, that the "
	       "method takes away (wall clock of this machine, one run)\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1 || (argc <= 3 && !strcmp(argv[1], "auto")))
		return cmd_auto(argc == 3 ? atol(argv[2]) : 20000);
	if (argc == 8 && !strcmp(argv[1], "run"))
		return cmd_run(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "overhead"))
		return cmd_overhead(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "threads"))
		return cmd_threads(argv + 2);
	fprintf(stderr, "usage: %s [auto [SENDS]]\n"
		"       %s run LANE PROTO SIZE INTERVAL METHOD SENDS\n"
		"       %s overhead PROTO SIZE CALLS none|pktinfo|tstamp\n"
		"       %s threads NTHREADS CALLS\n",
		argv[0], argv[0], argv[0], argv[0]);
	return 2;
}
