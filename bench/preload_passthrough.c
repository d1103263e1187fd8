// SPDX-License-Identifier: GPL-2.0
/*
 * preload_passthrough - calls that libzcnotify-preload.so passes through
 * (no MSG_ZEROCOPY, no MSG_ERRQUEUE, no served socket), N of each kind:
 * bench/preload-passthrough.sh counts the instructions it executes in
 * user space with and without the library (valgrind), the difference per
 * call being what pass-through costs.
 *
 *   preload_passthrough KIND N    KIND: sendmsg send recvmsg poll
 *                                       epoll_wait close none
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char buf[16] = "x";
	struct iovec iov = { buf, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct epoll_event ev;
	struct pollfd p;
	long i, n;
	int rx, tx, ep;

	if (argc != 3)
		return 2;
	n = atol(argv[2]);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	ep = epoll_create1(0);
	if (rx < 0 || tx < 0 || ep < 0 || bind(rx, (void *)&a, alen) ||
	    getsockname(rx, (void *)&a, &alen) || connect(tx, (void *)&a, alen))
		return 1;
	p.fd = rx;
	p.events = POLLIN;
	for (i = 0; i < n; i++) {
		if (!strcmp(argv[1], "sendmsg"))
			sendmsg(tx, &m, MSG_DONTWAIT);
		else if (!strcmp(argv[1], "send"))
			send(tx, buf, 1, MSG_DONTWAIT);
		else if (!strcmp(argv[1], "recvmsg"))
			recvmsg(rx, &m, MSG_DONTWAIT);
		else if (!strcmp(argv[1], "poll"))
			poll(&p, 1, 0);
		else if (!strcmp(argv[1], "epoll_wait"))
			epoll_wait(ep, &ev, 1, 0);
		else if (!strcmp(argv[1], "close"))
			close(-1);
	}
	return 0;
}
