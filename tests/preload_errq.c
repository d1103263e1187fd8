// SPDX-License-Identifier: GPL-2.0
/*
 * preload_errq - an ordinary MSG_ZEROCOPY program that knows nothing of
 * zcnotify: it sends with MSG_ZEROCOPY, waits for POLLERR and reads the
 * completions with recvmsg(MSG_ERRQUEUE), as QEMU, SPDK or the kernel's
 * selftest do. Dynamically linked: the preload tests run it under
 * libzcnotify-preload.so and without it, and it must count every send
 * counter value exactly once either way.
 *
 *   preload_errq [-6] [-u] [-n SENDS] [-r EVERY] [-w WAIT] [-T] [-M] [-s]
 *     -6        IPv6 (default IPv4)       -u  UDP (default TCP)
 *     -r EVERY  reap after every EVERY sends (0: only at the end)
 *     -L FROM   from send FROM on, reap only when a send meets ENOBUFS
 *     -w WAIT   poll ppoll select pselect epoll epollet
 *     -T        a reader thread reaps while the main thread sends
 *     -M        sendmmsg (batches of 4) and recvmmsg
 *     -D        move the socket to a dup()ed fd after setup (closing the
 *               first one; epoll keeps the registration)
 *     -F        fork a child half-way (it closes the socket and exits)
 *     -N        non-blocking sender with a small SO_SNDBUF: EAGAIN, then
 *               poll(POLLOUT) and send again
 *     -S        a 1 ms SA_RESTART interval timer (SIGALRM) during the run:
 *               blocking sends are interrupted and must be restarted
 *     -Z        no SO_ZEROCOPY: MSG_ZEROCOPY is ignored, no completions
 *     -s        UDP: TX software timestamps too (one per send expected);
 *               and an IP_TOS / IPV6_TCLASS cmsg on every send, which the
 *               receiver must see
 *     -e HOW    UDP, reaping after every send: between each send and its
 *               drain, a plain send with an SO_TIMESTAMPING control
 *               message, whose timestamp is queued during that send; the
 *               drain must read it (late= counts those it did not). HOW:
 *               libc (sendmsg()), raw (the system call itself, which a
 *               preloaded library does not see, then a wait for POLLERR)
 *               or write (write(), with SO_TIMESTAMPING turned on just
 *               before it and off after the drain)
 *
 * A send refused with ENOBUFS (optmem full of unread completions) is
 * retried after reading the error queue, as QEMU's multifd does since
 * 2025; their number is printed (enobufs=).
 *
 * Prints one line of counts; exit status 0 when they are exact.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#define LEN	4000
#define TOS	0x28

static int family = AF_INET, type = SOCK_STREAM, every = 1, tos_cmsg;
static unsigned int sends = 2000, lazy_from;
static const char *wait_mode = "poll";
static bool threaded, mmsg, tstamps, dupfd, forks, nonblock, sigs, nozc;
static const char *extra;	/* -e: libc or raw */
static unsigned int late;	/* -e: drains that missed the timestamp */
static volatile sig_atomic_t alarms;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *seen;
static unsigned int sent, dups, bogus, ranges, copied, bad_cmsg, stamps;
static unsigned int tos_ok, tos_bad;
static unsigned long calls;	/* send, wait and errqueue calls made */
static unsigned int enobufs;	/* sends refused for want of optmem */
#define CALL(x) (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED), (x))
static volatile int done;
static int tx, rx, epfd = -1;
static char payload[LEN];

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "preload_errq: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* One error-queue message: a completion (counted) or a timestamp. */
static void account(struct msghdr *m)
{
	struct cmsghdr *cm;
	int level = family == AF_INET ? SOL_IP : SOL_IPV6;
	int rtype = family == AF_INET ? IP_RECVERR : IPV6_RECVERR;
	size_t want = sizeof(struct sock_extended_err) +
		(family == AF_INET ? sizeof(struct sockaddr_in) :
		 sizeof(struct sockaddr_in6));

	pthread_mutex_lock(&mu);
	if (m->msg_flags & MSG_CTRUNC || !(m->msg_flags & MSG_ERRQUEUE))
		bad_cmsg++;
	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		struct sock_extended_err ee;
		uint32_t id;
		static const char zero[28];

		if (cm->cmsg_level == SOL_SOCKET)	/* the timestamp itself */
			continue;
		if (cm->cmsg_level != level || cm->cmsg_type != rtype ||
		    cm->cmsg_len != CMSG_LEN(want)) {
			bad_cmsg++;
			continue;
		}
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
			stamps++;
			continue;
		}
		if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee.ee_errno ||
		    ee.ee_type || ee.ee_pad || (ee.ee_code & ~1u) ||
		    memcmp(CMSG_DATA(cm) + sizeof(ee), zero, want - sizeof(ee))) {
			bad_cmsg++;
			continue;
		}
		ranges++;
		copied += ee.ee_code == SO_EE_CODE_ZEROCOPY_COPIED;
		id = ee.ee_info;
		do {
			if (id >= sends)
				bogus++;
			else if (seen[id]++)
				dups++;
		} while (id++ != ee.ee_data);
	}
	pthread_mutex_unlock(&mu);
}

/* Read the error queue until it is empty. */
static void drain(void)
{
	char ctl[4][256];
	struct mmsghdr mm[4];
	struct msghdr m;
	int i, n;

	for (;;) {
		if (mmsg) {
			memset(mm, 0, sizeof(mm));
			for (i = 0; i < 4; i++) {
				mm[i].msg_hdr.msg_control = ctl[i];
				mm[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
			}
			n = CALL(recvmmsg(tx, mm, 4, MSG_ERRQUEUE, NULL));
			if (n < 0 && errno == EAGAIN)
				return;
			if (n < 0)
				die("recvmmsg errqueue");
			for (i = 0; i < n; i++)
				account(&mm[i].msg_hdr);
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.msg_control = ctl[0];
		m.msg_controllen = sizeof(ctl[0]);
		if (CALL(recvmsg(tx, &m, MSG_ERRQUEUE)) < 0) {
			if (errno == EAGAIN)
				return;
			die("recvmsg errqueue");
		}
		account(&m);
	}
}

/* Wait up to ms for POLLERR on tx; true if it was reported. */
static bool wait_err(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct pollfd p = { .fd = tx, .events = 0 };
	/* Room for more events than the one registration can give. */
	struct epoll_event ev[4];
	fd_set r;
	int n;

	if (!strcmp(wait_mode, "poll") || !strcmp(wait_mode, "ppoll")) {
		n = CALL(wait_mode[0] == 'p' && wait_mode[1] == 'p' ?
			 ppoll(&p, 1, &ts, NULL) : poll(&p, 1, ms));
		if (n < 0)
			die("poll");
		return n == 1 && (p.revents & POLLERR);
	}
	if (!strcmp(wait_mode, "select") || !strcmp(wait_mode, "pselect")) {
		FD_ZERO(&r);
		FD_SET(tx, &r);
		n = CALL(wait_mode[0] == 'p' ?
			 pselect(tx + 1, &r, NULL, NULL, &ts, NULL) :
			 select(tx + 1, &r, NULL, NULL, &tv));
		if (n < 0)
			die("select");
		return n == 1 && FD_ISSET(tx, &r);
	}
	n = CALL(epoll_wait(epfd, ev, 4, ms));
	if (n < 0)
		die("epoll_wait");
	return n == 1 && (ev[0].events & EPOLLERR) && ev[0].data.u32 == 0x5eed;
}

/*
 * -e: a plain send whose software TX timestamp is queued during it, then
 * a drain that must read it.
 */
static void stamped_send_drain(void)
{
	union {
		char b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { payload, 100 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	unsigned int before = stamps;
	uint32_t v = SOF_TIMESTAMPING_TX_SOFTWARE;
	int on = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		 SOF_TIMESTAMPING_OPT_TSONLY, off = 0;
	long r;

	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_TIMESTAMPING;
	cm->cmsg_len = CMSG_LEN(sizeof(v));
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
	if (!strcmp(extra, "write")) {
		if (setsockopt(tx, SOL_SOCKET, SO_TIMESTAMPING, &on, sizeof(on)))
			die("SO_TIMESTAMPING");
		r = CALL(write(tx, payload, 100));
	} else if (!strcmp(extra, "raw")) {
		r = CALL(syscall(SYS_sendmsg, tx, &m, 0));
	} else {
		r = CALL(sendmsg(tx, &m, 0));
	}
	if (r != 100)
		die("stamped send");
	if (!strcmp(extra, "raw") && !wait_err(1000))
		die("no POLLERR for the timestamp");
	drain();
	if (stamps == before)
		late++;
	if (!strcmp(extra, "write") &&
	    setsockopt(tx, SOL_SOCKET, SO_TIMESTAMPING, &off, sizeof(off)))
		die("SO_TIMESTAMPING off");
}

static unsigned int missing(void)
{
	unsigned int i, m = 0;

	pthread_mutex_lock(&mu);
	for (i = 0; i < sent; i++)
		m += !seen[i];
	pthread_mutex_unlock(&mu);
	return m;
}

static void *reader(void *arg)
{
	(void)arg;
	while (!done || missing()) {
		if (wait_err(100))
			drain();
		if (done && now_ms() > (long)(intptr_t)arg)
			break;
	}
	return NULL;
}

/* The receiving side: reads everything, checks the TOS cmsg (UDP -s). */
static void *sink(void *arg)
{
	static char buf[65536];
	char ctl[256];
	struct cmsghdr *cm;
	struct msghdr m;
	struct iovec iov = { buf, sizeof(buf) };
	int fd = (int)(intptr_t)arg, v;

	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		if (recvmsg(fd, &m, 0) <= 0)
			return NULL;
		if (!tos_cmsg)
			continue;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_TOS) ||
			    (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_TCLASS)) {
				v = cm->cmsg_level == SOL_IP ?
					*(unsigned char *)CMSG_DATA(cm) :
					*(int *)CMSG_DATA(cm);
				__atomic_add_fetch(v == TOS ? &tos_ok : &tos_bad, 1,
						   __ATOMIC_RELAXED);
			}
	}
}

static void setup(void)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (void *)&ss;
	struct sockaddr_in6 *a6 = (void *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*a4) : sizeof(*a6);
	int one = 1, l, fd;
	pthread_t t;

	ss.ss_family = family;
	if (family == AF_INET)
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		a6->sin6_addr = in6addr_loopback;
	l = socket(family, type, 0);
	if (l < 0 || bind(l, (void *)&ss, len) || getsockname(l, (void *)&ss, &len))
		die("socket/bind");
	if (type == SOCK_STREAM && listen(l, 1))
		die("listen");
	if (type == SOCK_DGRAM) {
		setsockopt(l, family == AF_INET ? SOL_IP : SOL_IPV6,
			   family == AF_INET ? IP_RECVTOS : IPV6_RECVTCLASS,
			   &one, sizeof(one));
		l = setsockopt(l, SOL_SOCKET, SO_RCVBUF, &(int){ 4 << 20 },
			       sizeof(int)) ? -1 : l;
	}
	tx = socket(family, type, 0);
	if (tx < 0 || (!nozc &&
		       setsockopt(tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one))))
		die("SO_ZEROCOPY");
	if ((nonblock || sigs) &&
	    setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &(int){ 16384 }, sizeof(int)))
		die("SO_SNDBUF");
	if (connect(tx, (void *)&ss, len))
		die("connect");
	fd = type == SOCK_STREAM ? accept(l, NULL, NULL) : l;
	if (fd < 0)
		die("accept");
	rx = fd;
	if (tstamps) {
		int v = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			SOF_TIMESTAMPING_OPT_TSONLY;

		if (setsockopt(tx, SOL_SOCKET, SO_TIMESTAMPING, &v, sizeof(v)))
			die("SO_TIMESTAMPING");
	}
	if (!strncmp(wait_mode, "epoll", 5)) {
		struct epoll_event ev = { .events = EPOLLERR, .data.u32 = 0x5eed };

		if (!strcmp(wait_mode, "epollet"))
			ev.events |= EPOLLET;
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, tx, &ev))
			die("epoll");
	}
	if (pthread_create(&t, NULL, sink, (void *)(intptr_t)fd))
		die("pthread_create");
	pthread_detach(t);
	if (dupfd) {
		int d = dup(tx);

		if (d < 0 || close(tx))
			die("dup");
		tx = d;
	}
	if (nonblock && fcntl(tx, F_SETFL, fcntl(tx, F_GETFL) | O_NONBLOCK))
		die("O_NONBLOCK");
}

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* One send (or sendmmsg batch); returns how many counter values it took. */
static unsigned int send_some(void)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { payload, LEN };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mmsghdr mm[4];
	struct cmsghdr *cm;
	int i, n;
	ssize_t r;

	if (tos_cmsg) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof(ctl.b);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = family == AF_INET ? SOL_IP : SOL_IPV6;
		cm->cmsg_type = family == AF_INET ? IP_TOS : IPV6_TCLASS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &(int){ TOS }, sizeof(int));
	}
	for (;;) {
		if (mmsg) {
			n = sends - sent < 4 ? sends - sent : 4;
			for (i = 0; i < n; i++) {
				mm[i].msg_hdr = m;
				mm[i].msg_len = 0;
			}
			n = CALL(sendmmsg(tx, mm, n, MSG_ZEROCOPY));
			if (n > 0)
				return n;
		} else {
			r = CALL(sendmsg(tx, &m, MSG_ZEROCOPY));
			if (r > 0)
				return 1;
		}
		if (errno == EAGAIN && nonblock) {
			struct pollfd p = { .fd = tx, .events = POLLOUT };

			if (CALL(poll(&p, 1, 1000)) < 0)
				die("poll POLLOUT");
			continue;
		}
		if (errno != ENOBUFS)
			die("send");
		/* optmem full of completions: reap, then try again (QEMU) */
		enobufs++;
		wait_err(100);
		if (!threaded)
			drain();
	}
}

int main(int argc, char **argv)
{
	unsigned int i, miss, k;
	long deadline;
	pthread_t t;
	int c;

	while ((c = getopt(argc, argv, "6un:r:L:w:TMsDFNSZe:")) != -1) {
		switch (c) {
		case '6': family = AF_INET6; break;
		case 'u': type = SOCK_DGRAM; break;
		case 'n': sends = strtoul(optarg, NULL, 0); break;
		case 'r': every = atoi(optarg); break;
		case 'L': lazy_from = strtoul(optarg, NULL, 0); break;
		case 'w': wait_mode = optarg; break;
		case 'T': threaded = true; break;
		case 'M': mmsg = true; break;
		case 's': tstamps = true; tos_cmsg = 1; break;
		case 'D': dupfd = true; break;
		case 'F': forks = true; break;
		case 'N': nonblock = true; break;
		case 'S': sigs = true; break;
		case 'Z': nozc = true; break;
		case 'e': extra = optarg; break;
		default: return 2;
		}
	}
	if (tstamps && type != SOCK_DGRAM)
		return 2;
	seen = calloc(sends, 1);
	if (!seen)
		die("calloc");
	setup();
	if (sigs) {
		struct sigaction sa = { .sa_handler = on_alarm,
					.sa_flags = SA_RESTART };
		struct itimerval it = { { 0, 1000 }, { 0, 1000 } };

		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	deadline = now_ms() + 20000;
	if (threaded &&
	    pthread_create(&t, NULL, reader, (void *)(intptr_t)(deadline)))
		die("pthread_create");
	for (i = 0; sent < sends; i++) {
		k = send_some();
		pthread_mutex_lock(&mu);
		sent += k;
		pthread_mutex_unlock(&mu);
		if (extra)
			stamped_send_drain();
		else if (!threaded && every && !(i % every) &&
			 (!lazy_from || sent < lazy_from))
			drain();
		if (forks && sent == sends / 2) {
			pid_t pid = fork();

			if (pid == 0) {
				close(tx);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				die("fork");
		}
	}
	if (sigs) {
		struct itimerval off = { { 0, 0 }, { 0, 0 } };

		setitimer(ITIMER_REAL, &off, NULL);
	}
	done = 1;
	if (threaded) {
		pthread_join(t, NULL);
	} else {
		while (!nozc && missing() && now_ms() < deadline)
			if (wait_err(200))
				drain();
	}
	drain();		/* nothing more may come */
	if (tstamps || extra)	/* one per send, on the same queue */
		while (stamps < sends && now_ms() < deadline)
			if (wait_err(200))
				drain();
	/* The receiver may not have run yet on a busy machine. */
	while (tos_cmsg && !__atomic_load_n(&tos_ok, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&tos_bad, __ATOMIC_RELAXED) && now_ms() < deadline)
		usleep(1000);
	miss = nozc ? 0 : missing();
	printf("preload_errq: sends=%u missing=%u dups=%u bogus=%u ranges=%u "
	       "copied=%u bad_cmsg=%u stamps=%u tos_ok=%u tos_bad=%u calls=%lu "
	       "enobufs=%u alarms=%d late=%u\n",
	       sends, miss, dups, bogus, ranges, copied, bad_cmsg, stamps,
	       tos_ok, tos_bad, calls, enobufs, (int)alarms, late);
	return miss || dups || bogus || bad_cmsg || (nozc && ranges) ||
	       (sigs && !alarms) || late || (extra && stamps != sends) ||
	       (tstamps && (stamps != sends || tos_bad || !tos_ok)) ? 1 : 0;
}
