// SPDX-License-Identifier: MIT
/*
 * zc_example - UDP over loopback with MSG_ZEROCOPY, 8 buffers in a ring:
 * a buffer is written again only once the kernel said its send completed.
 * With zcnotify loaded the completions come back inside sendmsg();
 * without it the same code reads them from the error queue.
 *   cc -O2 -o zc_example zc_example.c      (libzcnotify-dev installed)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <zcnotify/zcn.h>

#define NBUF 8
#define SENDS 1000

static void track(struct zcn *z, struct zcn_tracker *t)
{
	for (unsigned int i = 0; i < z->nranges; i++)
		zcn_tracker_add(t, z->ranges[i].lo, z->ranges[i].hi);
}

/* Collect completions until send @id has completed (a real program would
 * poll() for POLLERR instead of spinning). */
static int wait_done(struct zcn *z, struct zcn_tracker *t, uint32_t id)
{
	while (!zcn_tracker_done(t, id)) {
		if (zcn_reap(z) && errno != EAGAIN)
			return -1;
		track(z, t);
	}
	return 0;
}

int main(void)
{
	static char buf[NBUF][4096];
	char sink[1];
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(dst);
	int rx = socket(AF_INET, SOCK_DGRAM, 0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1;
	struct zcn z;
	struct zcn_tracker t;

	if (bind(rx, (struct sockaddr *)&dst, sizeof(dst)) ||	/* a free port */
	    getsockname(rx, (struct sockaddr *)&dst, &len) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) ||
	    setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return perror("socket setup"), 1;
	zcn_init(&z, fd, 16);		/* up to 16 ranges back per call */
	zcn_tracker_init(&t, 0);	/* the first send is counter 0 */

	for (uint32_t id = 0; id < SENDS; id++) {
		char *b = buf[id % NBUF];	/* last sent by send id - NBUF */
		struct iovec iov = { b, sizeof(buf[0]) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (id >= NBUF && wait_done(&z, &t, id - NBUF))
			return perror("zcn_reap"), 1;
		snprintf(b, sizeof(buf[0]), "send %u", (unsigned int)id);
		if (zcn_sendmsg(&z, &msg, MSG_ZEROCOPY) < 0)
			return perror("zcn_sendmsg"), 1;
		track(&z, &t);		/* what came back with this call */
		recv(rx, sink, sizeof(sink), MSG_DONTWAIT | MSG_TRUNC);
	}
	if (wait_done(&z, &t, SENDS - 1))
		return perror("zcn_reap"), 1;
	printf("%d sends, all completed; completions %s\n", SENDS,
	       z.mode == ZCN_CMSG ? "in sendmsg() (zcnotify)" : "from MSG_ERRQUEUE");
	return 0;
}
