// SPDX-License-Identifier: GPL-2.0
/*
 * errqueue_sender - an ordinary MSG_ZEROCOPY sender that knows nothing of
 * zcnotify, written as the kernel's Documentation/networking/msg_zerocopy.rst
 * describes: it sends over TCP on loopback with MSG_ZEROCOPY, waits for
 * POLLERR, reads the completions with recvmsg(MSG_ERRQUEUE) and checks that
 * every send was reported exactly once.
 *
 * Run it as it is, or unchanged under zcnotify's preload library:
 *
 *     ./errqueue_sender -n 10000 -r 8
 *     zcnotify-run ./errqueue_sender -n 10000 -r 8
 *
 * With the module loaded, the second run's completions come back inside its
 * own send() calls, and its poll() and error-queue reads are answered from
 * them without a system call. Either way the output is the same line.
 *
 *   -n SENDS   how many sends (default 1000)
 *   -r EVERY   reap after every EVERY sends (default 1; 0: only at the end)
 *   -6         IPv6 loopback (default IPv4)
 *
 * Exit status 0 when every send was reported exactly once.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif

enum { LEN = 4096, MAX_SENDS = 1 << 20 };

static unsigned char seen[MAX_SENDS];
static unsigned int completed, copied, dups;

static void die(const char *what)
{
	fprintf(stderr, "errqueue_sender: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* The receiving end: read and drop everything. */
static void *drain(void *arg)
{
	char buf[65536];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static void count(uint32_t id, bool was_copied)
{
	if (id >= MAX_SENDS || seen[id]) {
		dups++;
		return;
	}
	seen[id] = 1;
	completed++;
	copied += was_copied;
}

/* Read every queued completion; with @wait, first wait for one. */
static void reap(int fd, bool wait)
{
	char control[128];
	struct pollfd pfd = { .fd = fd };

	if (wait && poll(&pfd, 1, 10000) != 1)
		die("no completion within 10 s");
	for (;;) {
		struct msghdr msg = {
			.msg_control = control,
			.msg_controllen = sizeof(control),
		};
		struct sock_extended_err *ee;
		struct cmsghdr *cm;
		uint32_t id;

		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			die("recvmsg(MSG_ERRQUEUE)");
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			ee = (struct sock_extended_err *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				continue;
			/* Sends ee_info..ee_data, inclusive, are complete. */
			id = ee->ee_info;
			do
				count(id, ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
			while (id++ != ee->ee_data);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned int sends = 1000, every = 1, sent = 0;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = sizeof(ss);
	static char buf[LEN];
	int family = AF_INET, lfd, rfd, fd, one = 1, c;
	pthread_t rx;

	while ((c = getopt(argc, argv, "n:r:6")) != -1) {
		if (c == 'n')
			sends = strtoul(optarg, NULL, 0);
		else if (c == 'r')
			every = strtoul(optarg, NULL, 0);
		else if (c == '6')
			family = AF_INET6;
		else
			return fprintf(stderr, "usage: %s [-n SENDS] [-r EVERY] [-6]\n", argv[0]), 2;
	}
	if (sends > MAX_SENDS)
		sends = MAX_SENDS;
	ss.ss_family = family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, sizeof(ss)) ||
	    listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&ss, &sl))
		die("listen");
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("SO_ZEROCOPY");
	if (connect(fd, (struct sockaddr *)&ss, sl))
		die("connect");
	rfd = accept(lfd, NULL, NULL);
	if (rfd < 0 || pthread_create(&rx, NULL, drain, &rfd))
		die("accept");
	while (sent < sends) {
		ssize_t n = send(fd, buf, sizeof(buf), MSG_ZEROCOPY);

		if (n < 0 && errno == ENOBUFS) {	/* optmem full: reap first */
			reap(fd, true);
			continue;
		}
		if (n < 0)
			die("send");
		sent++;				/* each send that sent takes one id */
		if (every && sent % every == 0)
			reap(fd, false);
	}
	while (completed + dups < sent)
		reap(fd, true);
	shutdown(fd, SHUT_WR);
	pthread_join(rx, NULL);
	printf("errqueue_sender: sends=%u completed=%u copied=%u dups=%u\n",
	       sent, completed, copied, dups);
	return completed == sent && !dups ? 0 : 1;
}
