// SPDX-License-Identifier: GPL-2.0
/*
 * preload_served - what libzcnotify-preload.so costs a program it serves
 * but cannot help, counted on the host (bench/preload-passthrough.sh).
 *
 *   preload_served N      N rounds of a 64-byte MSG_ZEROCOPY UDP send over
 *                         loopback, then recvmsg(MSG_ERRQUEUE) until EAGAIN
 *                         (zc_bench's errqueue method at interval 1)
 *   (as an LD_PRELOAD object) sendmsg() that answers every
 *                         SCM_ZC_NOTIFICATION request empty, as the module
 *                         does where the completion is not queued yet, and
 *                         sends the rest of the message
 *
 * Built twice from this file: with -DPRELOAD_SERVED_STUB, the stub.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/zcnotify.h>

#ifdef PRELOAD_SERVED_STUB
ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	static ssize_t (*next)(int, const struct msghdr *, int);
	struct msghdr mm = *m;
	struct cmsghdr *c;

	if (!next)
		next = (ssize_t (*)(int, const struct msghdr *, int))
			dlsym(RTLD_NEXT, "sendmsg");
	for (c = m->msg_controllen ? CMSG_FIRSTHDR(m) : NULL; c;
	     c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_ZC_NOTIFICATION)
			continue;
		((struct zc_info *)CMSG_DATA(c))->size = 0;
		mm.msg_controllen = (char *)c - (char *)m->msg_control;
		if (!mm.msg_controllen)
			mm.msg_control = NULL;
		break;
	}
	return next(fd, &mm, flags);
}
#else
int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[64] = "x", ctl[128], sink[128];
	struct iovec iov = { buf, sizeof(buf) };
	socklen_t alen = sizeof(a);
	long i, n, got = 0;
	int one = 1, rx, tx;

	if (argc != 2)
		return 2;
	n = atol(argv[1]);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (void *)&a, alen) ||
	    getsockname(rx, (void *)&a, &alen) ||
	    connect(tx, (void *)&a, alen) ||
	    setsockopt(tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return 1;
	for (i = 0; i < n; i++) {
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (sendmsg(tx, &m, MSG_ZEROCOPY) < 0)
			return 3;
		recv(rx, sink, sizeof(sink), MSG_DONTWAIT);
		for (;;) {
			struct msghdr e = { .msg_control = ctl,
					    .msg_controllen = sizeof(ctl) };

			if (recvmsg(tx, &e, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
				break;
			got++;
		}
	}
	fprintf(stderr, "%ld sends, %ld error-queue entries read\n", n, got);
	return 0;
}
#endif
