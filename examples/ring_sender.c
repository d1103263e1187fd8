// SPDX-License-Identifier: MIT
/*
 * ring_sender - a MSG_ZEROCOPY sender with a ring of buffers, written
 * against <zcnotify/zcn.h> (C11). Copy it.
 *
 *   ring_sender [-u] [-6] [-n MESSAGES] [-s SIZE] [-m MEMLOCK] [HOST PORT]
 *
 * Sends MESSAGES messages of SIZE bytes over TCP (-u: UDP) to HOST PORT,
 * or, without them, to a receiver it starts itself on the loopback
 * address (-6: IPv6). The socket is non-blocking. Each message is
 * written into the next of RING buffers; a buffer is written again only
 * once every send that read it has completed, and only then does the
 * program wait for completions (the flush loop, as QEMU and SPDK do). With
 * the zcnotify module, completions come back inside the sends; without
 * it, from the error queue when a buffer is needed.
 *
 * It handles partial sends (TCP: the rest is sent again, each call its
 * own send ID), EAGAIN (poll() for POLLOUT), and ENOBUFS: with sends in
 * flight, it waits for completions and retries; with none, zerocopy
 * cannot work (the RLIMIT_MEMLOCK or optmem limit is too small even for
 * one send) and it sends by copy. -m sets RLIMIT_MEMLOCK to MEMLOCK bytes
 * (as root it also drops CAP_IPC_LOCK, which would ignore the limit), to
 * see that happen.
 *
 * At the end it waits until every send has completed and checks that
 * each send ID came back exactly once: "exact" in its last line, exit 0.
 *
 * Build: cc -std=c11 -O2 $(pkg-config --cflags zcnotify) ring_sender.c -pthread
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <zcnotify/zcn.h>

#define RING 16

struct slot {
	char *buf;
	bool busy;		/* a zerocopy send read it */
	uint32_t last_id;	/* the last such send's ID */
};

struct sender {
	struct zcn z;
	struct zcn_tracker done;
	struct slot ring[RING];
	uint8_t *seen;		/* times each send ID came back */
	uint32_t cap;
	unsigned long ids, copies, zerocopy, copied, enobufs, eagain;
	bool bad;
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* Count send ID @id as come back (the check at the end). */
static void seen(struct sender *s, uint32_t id)
{
	if (id >= s->cap) {
		uint32_t cap = id < 1024 ? 2048 : id * 2;
		uint8_t *p = realloc(s->seen, cap);

		if (!p)
			die("realloc");
		memset(p + s->cap, 0, cap - s->cap);
		s->seen = p;
		s->cap = cap;
	}
	s->seen[id]++;
}

/* Fold what the last helper call brought back. */
static void fold(struct sender *s)
{
	unsigned int i;
	uint32_t id;

	for (i = 0; i < s->z.nranges; i++) {
		const struct zcn_range *r = &s->z.ranges[i];

		if (zcn_tracker_add(&s->done, r->lo, r->hi))
			s->bad = true;	/* more than ZCN_TRACK_MAX gaps */
		for (id = r->lo;; id++) {
			seen(s, id);
			if (id == r->hi)
				break;
		}
		if (r->zerocopy)
			s->zerocopy += r->hi - r->lo + 1;
		else
			s->copied += r->hi - r->lo + 1;
	}
}

/* Wait for completions (the flush loop's one step). */
static void wait_completions(struct sender *s)
{
	struct zcn_other o;
	int r = zcn_wait(&s->z, 10000), others = 0;

	if (r < 0)
		die("zcn_wait");
	fold(s);
	while (zcn_pop_other(&s->z, &o))
		others++;	/* timestamps, ICMP errors: not used here */
	if (!r && !others) {
		fprintf(stderr, "no completion in 10 s, %u in flight\n",
			zcn_in_flight(&s->z));
		exit(2);
	}
}

/* Send @len bytes of @buf completely; returns the last send ID or -1. */
static long send_all(struct sender *s, const char *buf, size_t len)
{
	long last = -1;
	int flags = MSG_ZEROCOPY;

	while (len) {
		struct iovec iov = { (void *)buf, len };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = zcn_send(&s->z, &m, flags | MSG_DONTWAIT | MSG_NOSIGNAL);

		fold(s);	/* with the module, completions came back */
		if (n >= 0) {
			if (s->z.took_id) {
				s->ids++;
				last = s->z.id;
			} else if (!(flags & MSG_ZEROCOPY)) {
				s->copies++;
			}
			buf += n;
			len -= (size_t)n;
			flags = MSG_ZEROCOPY;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = { s->z.fd, POLLOUT, 0 };

			s->eagain++;
			if (poll(&p, 1, 10000) < 0)
				die("poll");
			if (p.revents & POLLERR)
				wait_completions(s);
		} else if (errno == ENOBUFS) {
			s->enobufs++;
			if (zcn_in_flight(&s->z))
				wait_completions(s);	/* frees the limit */
			else
				flags = 0;		/* nothing will: copy */
		} else if (errno != EINTR) {
			die("send");
		}
	}
	return last;
}

struct receiver {
	int fd;
	unsigned long long bytes;
};

static void *receive(void *arg)
{
	struct receiver *r = arg;
	static char buf[1 << 16];
	ssize_t n;

	while ((n = recv(r->fd, buf, sizeof(buf), 0)) > 0)
		r->bytes += (unsigned long long)n;
	return NULL;
}

/* No HOST PORT: a receiver on the loopback address, in a thread. */
static int loopback_peer(int family, int type, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	int fd = socket(family, type, 0), one = 1;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	}
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, *len) ||
	    getsockname(fd, (struct sockaddr *)ss, len))
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 1))
		die("listen");
	return fd;
}

/* -m: RLIMIT_MEMLOCK, and no CAP_IPC_LOCK (which would ignore it). */
static void limit_memlock(rlim_t bytes)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct rlimit rl = { bytes, bytes };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		die("setrlimit");
	if (!syscall(SYS_capget, &h, d)) {
		d[0].effective &= ~(1u << CAP_IPC_LOCK);
		if (syscall(SYS_capset, &h, d))
			die("capset");
	}
}

int main(int argc, char **argv)
{
	int family = AF_INET, type = SOCK_STREAM, opt, fd, one = 1, lfd = -1;
	unsigned long messages = 2000, i;
	size_t size = 65536;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct receiver rx = { -1, 0 };
	pthread_t th;
	struct sender *s;
	uint32_t id, missing = 0, dups = 0;
	bool exact;

	while ((opt = getopt(argc, argv, "u6n:s:m:")) != -1) {
		switch (opt) {
		case 'u': type = SOCK_DGRAM; break;
		case '6': family = AF_INET6; break;
		case 'n': messages = strtoul(optarg, NULL, 0); break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'm': limit_memlock(strtoul(optarg, NULL, 0)); break;
		default:
			fprintf(stderr, "usage: %s [-u] [-6] [-n MESSAGES] [-s SIZE] [-m MEMLOCK] [HOST PORT]\n",
				argv[0]);
			return 2;
		}
	}
	if (type == SOCK_DGRAM && size > 65000)
		size = 16384;
	s = calloc(1, sizeof(*s));
	if (!s)
		die("calloc");
	if (optind + 2 == argc) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, argv[optind], &a->sin_addr) == 1) {
			family = a->sin_family = AF_INET;
			a->sin_port = htons((uint16_t)atoi(argv[optind + 1]));
			sslen = sizeof(*a);
		} else if (inet_pton(AF_INET6, argv[optind], &a6->sin6_addr) == 1) {
			family = a6->sin6_family = AF_INET6;
			a6->sin6_port = htons((uint16_t)atoi(argv[optind + 1]));
			sslen = sizeof(*a6);
		} else {
			fprintf(stderr, "%s: not an address\n", argv[optind]);
			return 2;
		}
	} else {
		lfd = loopback_peer(family, type, &ss, &sslen);
		if (type == SOCK_DGRAM)
			rx.fd = lfd;
	}

	fd = socket(family, type, 0);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("SO_ZEROCOPY");
	if (connect(fd, (struct sockaddr *)&ss, sslen))
		die("connect");
	if (lfd >= 0 && type == SOCK_STREAM) {
		rx.fd = accept(lfd, NULL, NULL);
		if (rx.fd < 0)
			die("accept");
	}
	if (rx.fd >= 0 && pthread_create(&th, NULL, receive, &rx))
		die("pthread_create");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		die("O_NONBLOCK");

	/* Before the first MSG_ZEROCOPY send: send IDs start at 0. */
	if (zcn_init(&s->z, fd, 16))
		die("zcn_init");
	zcn_tracker_init(&s->done, 0);
	for (i = 0; i < RING; i++) {
		s->ring[i].buf = aligned_alloc(4096, (size + 4095) / 4096 * 4096);
		if (!s->ring[i].buf)
			die("aligned_alloc");
	}

	for (i = 0; i < messages; i++) {
		struct slot *b = &s->ring[i % RING];
		long last;

		/* The flush loop: this buffer is needed again. */
		while (b->busy && !zcn_tracker_done(&s->done, b->last_id))
			wait_completions(s);
		memset(b->buf, 'a' + (int)(i % 26), size);	/* the new message */
		last = send_all(s, b->buf, size);
		b->busy = last >= 0;
		if (last >= 0)
			b->last_id = (uint32_t)last;
		if (s->bad)
			break;
	}
	while (zcn_in_flight(&s->z) && !s->bad)	/* the final flush */
		wait_completions(s);

	for (id = 0; id < s->z.next_id && id < s->cap; id++) {
		missing += !s->seen[id];
		dups += s->seen[id] > 1;
	}
	for (; id < s->cap; id++)
		dups += s->seen[id] > 0;	/* IDs never given */
	shutdown(fd, SHUT_WR);
	if (type == SOCK_DGRAM)
		shutdown(rx.fd, SHUT_RDWR);
	if (rx.fd >= 0)
		pthread_join(th, NULL);
	printf("%s %s via %s: %lu messages of %zu bytes, %lu send IDs, %lu by copy, %lu ENOBUFS, %lu EAGAIN\n",
	       type == SOCK_STREAM ? "tcp" : "udp", family == AF_INET6 ? "ipv6" : "ipv4",
	       s->z.mode == ZCN_CMSG ? "cmsg" : "errqueue", messages, size,
	       s->ids, s->copies, s->enobufs, s->eagain);
	if (rx.fd >= 0 && type == SOCK_STREAM)
		printf("received %llu of %llu bytes\n", rx.bytes,
		       (unsigned long long)messages * size);
	exact = !missing && !dups && !s->bad && s->ids == s->z.next_id &&
		(rx.fd < 0 || type != SOCK_STREAM ||
		 rx.bytes == (unsigned long long)messages * size);
	printf("completions: %lu zerocopy, %lu copied by the kernel, %u missing, %u duplicate or unknown: %s\n",
	       s->zerocopy, s->copied, missing, dups, exact ? "exact" : "WRONG");
	return exact ? 0 : 1;
}
