// SPDX-License-Identifier: GPL-2.0
/*
 * zc_fuzz - random and mutated control buffers against the module.
 *
 *   zc_fuzz SEED CALLS
 *
 * Sends on TCP/UDP v4/v6 sockets, with and without SO_ZEROCOPY and
 * MSG_ZEROCOPY, control buffers made of random cmsgs (random lengths,
 * levels, types, sizes; several per call; truncated; packed with 32-bit
 * alignment; straddling an unmapped page; in a read-only page), mixed with
 * valid requests. Whatever the kernel writes back must respect the ABI.
 * Prints the seed, calls made and the distinct results, and
 * "ok - fuzz..." if every answer was well-formed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "proto_lib.h"

#ifndef SCM_TXTIME
#define SCM_TXTIME		61
#endif

#define NPAIRS	8
#define PAGE	4096

struct fuzz {
	uint64_t rng;
	struct zc_pair pair[NPAIRS];
	char *area;		/* 3 pages: rw, rw, none (guard) */
	char *ro;		/* 1 read-only page */
	long results[256];	/* [0] success, [errno] failures */
	long processed, entries, bad;
	char why[256];
};

static uint32_t rnd(struct fuzz *f)
{
	/* xorshift64* */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return (uint32_t)((f->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t pick(struct fuzz *f, uint32_t n)
{
	return rnd(f) % n;
}

static int pick_level(struct fuzz *f)
{
	static const int levels[] = { SOL_SOCKET, SOL_SOCKET, SOL_SOCKET,
				      IPPROTO_IP, IPPROTO_IPV6, IPPROTO_UDP };

	return pick(f, 10) ? levels[pick(f, 6)] : (int)rnd(f);
}

static int pick_type(struct fuzz *f)
{
	static const int types[] = { SCM_ZC_NOTIFICATION, SCM_ZC_NOTIFICATION,
				     SCM_ZC_NOTIFICATION, SO_MARK,
				     SO_TIMESTAMPING_OLD, SCM_TXTIME,
				     IP_PKTINFO, IP_TOS, 78, 79 };

	return pick(f, 10) ? types[pick(f, 10)] : (int)rnd(f);
}

static uint32_t pick_size(struct fuzz *f)
{
	static const uint32_t sizes[] = { 0, 1, 2, 8, ZC_NOTIFICATION_MAX,
					  ZC_NOTIFICATION_MAX + 1, 0xffffffff,
					  0x80000000 };

	return pick(f, 3) ? 1 + pick(f, ZC_NOTIFICATION_MAX) : sizes[pick(f, 8)];
}

/* Fill buf[0..len) with random cmsgs; returns the length to pass. */
static size_t build_ctl(struct fuzz *f, char *buf, size_t room)
{
	size_t hdr = CMSG_LEN(0), off = 0, align = pick(f, 4) ? sizeof(long) : 4;
	int i, n = 1 + pick(f, 4);

	for (i = 0; i < n && off + hdr <= room; i++) {
		struct cmsghdr *c = (struct cmsghdr *)(buf + off);
		uint32_t size = pick_size(f);
		size_t payload = pick(f, 4) ? ZC_INFO_SIZE(size % 80) : pick(f, 900);
		size_t j;

		c->cmsg_level = pick_level(f);
		c->cmsg_type = pick_type(f);
		c->cmsg_len = CMSG_LEN(payload);
		if (!pick(f, 6))
			c->cmsg_len = pick(f, 6) ? pick(f, 2048) : rnd(f);
		for (j = 0; j < payload && off + hdr + j < room; j++)
			buf[off + hdr + j] = rnd(f);
		if (off + hdr + 4 <= room) {
			memcpy(buf + off + hdr, &size, 4);
			if (off + hdr + 12 < room && pick(f, 2))
				buf[off + hdr + 12] = (char)ZC_ELEM_UNWRITTEN;
			/* Ask "empty?" one time in four. */
			if (off + hdr + 16 <= room && !pick(f, 4))
				memset(buf + off + hdr + 13, ZC_ASK_QUEUE_EMPTY, 3);
		}
		off += (payload + hdr + align - 1) & ~(align - 1);
	}
	if (off > room)
		off = room;
	if (!pick(f, 8))	/* truncated */
		off = pick(f, off + 1);
	return off;
}

/* Did the request @zb ask whether the queue was left empty? */
static bool asked(const struct zc_info *zb)
{
	const __u8 *r = zb->arr[0].reserved;

	return r[0] == ZC_ASK_QUEUE_EMPTY && r[1] == ZC_ASK_QUEUE_EMPTY &&
		r[2] == ZC_ASK_QUEUE_EMPTY;
}

/*
 * Did the answer @zi write past its @size? An empty answer to a request
 * that asked whether the queue is empty may say so in arr[0].reserved[0].
 */
static bool past_size_changed(const struct zc_info *zi,
			      const struct zc_info *zb)
{
	size_t from = ZC_INFO_SIZE(zi->size), to = ZC_INFO_SIZE(zb->size);
	size_t q = offsetof(struct zc_info, arr[0].reserved[0]);

	const char *a = (const char *)zi, *b = (const char *)zb;
	unsigned char told = zi->arr[0].reserved[0];

	if (zi->size || !asked(zb))
		return memcmp(a + from, b + from, to - from);
	if (told != ZC_ASK_QUEUE_EMPTY && told > ZC_QUEUE_EMPTY)
		return true;
	return memcmp(a + from, b + from, q - from) ||
		memcmp(a + q + 1, b + q + 1, to - q - 1);
}

/* Check a processed valid request the way an application would. */
static void check_answer(struct fuzz *f, const char *ctl, size_t len,
			 const char *before)
{
	size_t off = 0;

	while (off + sizeof(struct cmsghdr) <= len) {
		const struct cmsghdr *c = (const struct cmsghdr *)(ctl + off);
		const struct cmsghdr *b = (const struct cmsghdr *)(before + off);
		const struct zc_info *zi = (const struct zc_info *)CMSG_DATA(c);
		const struct zc_info *zb = (const struct zc_info *)CMSG_DATA(b);
		uint32_t i;

		if (c->cmsg_len < sizeof(*c) || c->cmsg_len > len - off)
			return;
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_ZC_NOTIFICATION &&
		    c->cmsg_len >= CMSG_LEN(ZC_INFO_SIZE(1)) &&
		    memcmp(zi, zb, ZC_INFO_SIZE(1))) {
			f->processed++;
			if (zi->size > zb->size ||
			    c->cmsg_len != CMSG_LEN(ZC_INFO_SIZE(zb->size))) {
				f->bad++;
				snprintf(f->why, sizeof(f->why),
					 "answer to an invalid request (size %u of %u)",
					 zi->size, zb->size);
				return;
			}
			for (i = 0; i < zi->size; i++) {
				const struct zc_info_elem *e = &zi->arr[i];
				/* arr[0] of a request that asked: its answer */
				bool told = !i && asked(zb);

				if (e->zerocopy > 1 ||
				    e->reserved[0] > (told ? ZC_QUEUE_EMPTY : 0) ||
				    e->reserved[1] || e->reserved[2]) {
					f->bad++;
					snprintf(f->why, sizeof(f->why),
						 "malformed entry");
				}
			}
			f->entries += zi->size;
			if (past_size_changed(zi, zb)) {
				f->bad++;
				snprintf(f->why, sizeof(f->why),
					 "bytes past size changed");
			}
		}
		off += CMSG_ALIGN(c->cmsg_len);
	}
}

static void one_call(struct fuzz *f)
{
	static char before[2 * PAGE];
	struct zc_pair *p = &f->pair[pick(f, NPAIRS)];
	int where = pick(f, 10), flags = MSG_NOSIGNAL | MSG_DONTWAIT;
	struct iovec iov;
	struct msghdr m;
	char *ctl;
	size_t room, len;
	ssize_t n;

	if (where == 0) {		/* runs into the guard page */
		room = 64 + pick(f, 512);
		ctl = f->area + 2 * PAGE - room / 2;
		room = room / 2;
	} else if (where == 1) {	/* read-only page */
		ctl = f->ro;
		room = PAGE;
	} else {
		ctl = f->area + (pick(f, 2) ? 0 : 8 * pick(f, 64));
		room = 1024;
	}
	if (where != 1) {
		len = build_ctl(f, ctl, room);
		if (where == 0 && pick(f, 2))
			len += pick(f, 256);	/* past the end of the mapping */
	} else {
		len = pick(f, 1024);
	}
	if (where != 0)
		memcpy(before, ctl, len < sizeof(before) ? len : sizeof(before));
	if (pick(f, 2))
		flags |= MSG_ZEROCOPY;
	iov.iov_base = p->buf;
	iov.iov_len = pick(f, 4) ? pick(f, 8192) : 0;
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = len ? ctl : NULL;
	m.msg_controllen = len;
	n = sendmsg(p->tx, &m, flags);
	f->results[n < 0 ? (errno & 255) : 0]++;
	if (where >= 2 && len <= sizeof(before))
		check_answer(f, ctl, len, before);
}

static void housekeeping(struct fuzz *f)
{
	struct t_ctx t;
	int i;

	for (i = 0; i < NPAIRS; i++) {
		zc_pair_drain_rx(&f->pair[i]);
		zc_read_errqueue(&t, f->pair[i].tx, NULL, NULL);
	}
}

int main(int argc, char **argv)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	static const int typ[2] = { SOCK_STREAM, SOCK_DGRAM };
	struct t_ctx t = { .why = "" };
	struct fuzz *f = calloc(1, sizeof(*f));
	long calls, i;
	int e;

	if (argc != 3 || !f)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	f->rng = strtoull(argv[1], NULL, 10) | 1;
	calls = atol(argv[2]);
	f->area = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->area == MAP_FAILED || f->ro == MAP_FAILED)
		return 2;
	munmap(f->area + 2 * PAGE, PAGE);
	for (i = 0; i < PAGE; i++)
		f->ro[i] = rnd(f);
	mprotect(f->ro, PAGE, PROT_READ);
	for (i = 0; i < NPAIRS; i++) {
		if (zc_pair_open(&t, &f->pair[i], fam[i % 2], typ[(i / 2) % 2],
				 i < 4 || i % 2)) {
			printf("not ok - fuzz # setup: %s\n", t.why);
			return 1;
		}
		fcntl(f->pair[i].tx, F_SETFL, O_NONBLOCK);
	}
	printf("# fuzz: seed %s, %ld calls, %zu-bit\n", argv[1], calls,
	       sizeof(long) * 8);
	for (i = 0; i < calls; i++) {
		one_call(f);
		if (i % 64 == 63)
			housekeeping(f);
	}
	housekeeping(f);
	printf("# fuzz: %ld calls, %ld requests answered with %ld entries; results:",
	       calls, f->processed, f->entries);
	for (e = 0; e < 256; e++)
		if (f->results[e])
			printf(" %s=%ld", e ? strerrorname_np(e) : "ok",
			       f->results[e]);
	printf("\n");
	if (f->bad) {
		printf("not ok - fuzz%s # %ld bad answers (seed %s): %s\n",
		       sizeof(long) == 4 ? "_m32" : "", f->bad, argv[1], f->why);
		return 1;
	}
	printf("ok - fuzz%s\n", sizeof(long) == 4 ? "_m32" : "");
	return 0;
}
