// SPDX-License-Identifier: GPL-2.0
/*
 * adv_partial_write: an answer that cannot be written completely takes
 * nothing and leaves the error queue exactly as it was.
 *
 * The request's payload straddles a page boundary with arr[1] on a page
 * that is read-only (the kernel can read the request, not write the
 * answer). Two completions are queued with software TX timestamps
 * between them ([TS0, ZC0, TS1, ZC1]), so the second completion is the
 * first write that fails. Expected: EFAULT, @size and arr[0] untouched
 * (the request reads as not processed), and the error queue read
 * afterwards is entry for entry what the same traffic leaves on a second
 * socket that got no request at all: no completion both written and
 * queued, none lost, nothing reordered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

struct entry {
	unsigned int origin, info, data;
};

/* Two MSG_ZEROCOPY sends, each followed by its timestamp and completion. */
static int traffic(struct t_ctx *t, struct zc_pair *p)
{
	int i, v = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		   SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

	CHECK(t, !setsockopt(p->tx, SOL_SOCKET, SO_TIMESTAMPING_OLD, &v,
			     sizeof(v)), "SO_TIMESTAMPING: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		CHECK(t, zc_send(p, 1000, MSG_ZEROCOPY, NULL, NULL) == 1000,
		      "send %d: %s", i, strerror(errno));
		usleep(50000);
		zc_pair_drain_rx(p);
	}
	usleep(50000);
	return 0;
}

static int read_queue(struct t_ctx *t, int fd, struct entry *e, int max)
{
	char ctl[512];
	int n = 0;

	for (;;) {
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return errno == EAGAIN ? n : t_fail(t, "errqueue: %s",
							    strerror(errno));
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err *ee;

			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)CMSG_DATA(c);
			CHECK(t, n < max, "more than %d error queue entries", max);
			e[n].origin = ee->ee_origin;
			e[n].info = ee->ee_info;
			e[n].data = ee->ee_data;
			n++;
		}
	}
}

static int t_partial_write(struct t_ctx *t, const struct t_env *e)
{
	struct entry want[16], got[16];
	struct zc_pair a = { .tx = -1, .rx = -1 }, b = { .tx = -1, .rx = -1 };
	int nwant, ngot, i, zc = 0, ret = -1;
	struct zc_info *zi;
	struct cmsghdr *c;
	struct msghdr m;
	struct iovec iov;
	char *pg;
	ssize_t n;

	pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	memset(pg, 0, 8192);
	if (zc_pair_open(t, &a, e->family, e->type, true) ||
	    zc_pair_open(t, &b, e->family, e->type, true) ||
	    traffic(t, &a) || traffic(t, &b))
		goto out;
	nwant = read_queue(t, a.tx, want, 16);
	if (nwant < 0)
		goto out;
	for (i = 0; i < nwant; i++)
		zc += want[i].origin == SO_EE_ORIGIN_ZEROCOPY;
	if (zc != 2 || nwant != 4) {
		t_fail(t, "setup: %d entries, %d completions, want 4 and 2", nwant, zc);
		goto out;
	}

	/* arr[1] starts at the second page, which is read-only. */
	c = (struct cmsghdr *)(pg + 4096 - CMSG_LEN(0) - ZC_INFO_SIZE(1));
	c->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(4));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_ZC_NOTIFICATION;
	zi = (struct zc_info *)CMSG_DATA(c);
	zi->size = 4;
	zi->arr[0].zerocopy = ZC_ELEM_UNWRITTEN;
	if (mprotect(pg + 4096, 4096, PROT_READ)) {
		t_fail(t, "mprotect: %s", strerror(errno));
		goto out;
	}
	iov.iov_base = b.buf;
	iov.iov_len = 10;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = c;
	m.msg_controllen = CMSG_SPACE(ZC_INFO_SIZE(4));
	n = sendmsg(b.tx, &m, MSG_DONTWAIT);
	if (!(n < 0 && errno == EFAULT)) {
		t_fail(t, "send: %zd (%s), want EFAULT", n,
		       n < 0 ? strerror(errno) : "sent");
		goto out;
	}
	if (zi->size != 4 || zi->arr[0].zerocopy != ZC_ELEM_UNWRITTEN) {
		t_fail(t, "failed request reads as processed: size %u, arr[0].zerocopy %u",
		       zi->size, zi->arr[0].zerocopy);
		goto out;
	}
	zc_pair_drain_rx(&b);
	ngot = read_queue(t, b.tx, got, 16);
	if (ngot < 0)
		goto out;
	if (ngot != nwant) {
		t_fail(t, "%d entries left on the queue, want %d", ngot, nwant);
		goto out;
	}
	for (i = 0; i < nwant; i++)
		if (memcmp(&got[i], &want[i], sizeof(got[i]))) {
			t_fail(t, "entry %d: origin %u [%u, %u], want origin %u [%u, %u]",
			       i, got[i].origin, got[i].info, got[i].data,
			       want[i].origin, want[i].info, want[i].data);
			goto out;
		}
	ret = 0;
out:
	zc_pair_close(&a);
	zc_pair_close(&b);
	munmap(pg, 8192);
	return ret;
}

const struct t_case adv_partial_write_cases[] = {
	T_CASE("adv_partial_write_udp4", t_partial_write, AF_INET, SOCK_DGRAM, 30),
	T_CASE("adv_partial_write_udp6", t_partial_write, AF_INET6, SOCK_DGRAM, 30),
	{ NULL }
};
