// SPDX-License-Identifier: GPL-2.0
/*
 * adv_stale: a request is honoured only inside the sendmsg()/sendmmsg()
 * system call that recorded it.
 *
 * Every earlier call that the ____sys_sendmsg() hook sees (one that fails
 * with ENOBUFS before the control buffer is copied, one whose buffer
 * faults, one carrying other control messages, a processed request, a
 * sendmmsg() batch) is followed by the two unprivileged routes into
 * __sock_cmsg_send() that do not start at ____sys_sendmsg():
 * setsockopt(IPV6_2292PKTOPTIONS) and setsockopt(IPV6_FLOWLABEL_MGR) with
 * options. Each must get the stock EINVAL, reach the module (its einval
 * counter goes up by one: it was asked and refused), take nothing off the
 * error queue, and leave the kernel log clean (checked by dmesg_clean).
 * The 32-bit build runs the same arming calls through the compat
 * syscalls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include "proto_lib.h"
#include "cases.h"

#ifndef IPV6_2292PKTOPTIONS
#define IPV6_2292PKTOPTIONS	6
#endif
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR	32
#endif

/* struct in6_flowlabel_req from <linux/in6.h>, without its header clash. */
struct zc_flowlabel_req {
	struct in6_addr dst;
	uint32_t label;		/* network order */
	uint8_t action;		/* IPV6_FL_A_GET */
	uint8_t share;		/* IPV6_FL_S_EXCL */
	uint16_t flags;		/* IPV6_FL_F_CREATE */
	uint16_t expires;
	uint16_t linger;
	uint32_t pad;
};

/* The request the routes carry: one SCM_ZC_NOTIFICATION, size 1. */
static void stale_request(struct zc_req *r)
{
	zc_req_init(r);
	zc_req_add_zc(r, 1);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
}

/*
 * The request the setsockopt() routes carry. The kernel parses option
 * buffers in its own (64-bit) cmsg layout whatever the caller's ABI, so
 * the 32-bit build lays it out the same way: a 16-byte header (64-bit
 * length, level, type), then the payload (size 1), padded to 8 bytes.
 */
struct native_request {
	uint64_t len;
	int32_t level;
	int32_t type;
	uint32_t size;
	struct zc_info_elem arr[1];
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct native_request) == 32, "native cmsg layout");
_Static_assert(sizeof(struct zc_flowlabel_req) == 32, "in6_flowlabel_req");

static size_t native_request(struct native_request *r)
{
	memset(r, 0, sizeof(*r));
	r->len = 16 + ZC_INFO_SIZE(1);
	r->level = SOL_SOCKET;
	r->type = SCM_ZC_NOTIFICATION;
	r->size = 1;
	r->arr[0].zerocopy = ZC_ELEM_UNWRITTEN;
	return sizeof(*r);
}

static int route_pktoptions(struct t_ctx *t, int fd)
{
	struct native_request r, snap;
	size_t len = native_request(&r);
	int ret;

	snap = r;
	ret = setsockopt(fd, IPPROTO_IPV6, IPV6_2292PKTOPTIONS, &r, len);
	CHECK(t, ret < 0 && errno == EINVAL,
	      "IPV6_2292PKTOPTIONS: %d (%s), want EINVAL", ret,
	      ret < 0 ? strerror(errno) : "success");
	CHECK(t, !memcmp(&r, &snap, sizeof(r)), "IPV6_2292PKTOPTIONS wrote the buffer");
	return 0;
}

static int route_flowlabel(struct t_ctx *t, int fd)
{
	struct {
		struct zc_flowlabel_req req;
		struct native_request r;
	} u;
	int ret;

	memset(&u, 0, sizeof(u));
	u.req.dst = in6addr_loopback;
	u.req.label = htonl(0x1234);
	u.req.action = 0;	/* IPV6_FL_A_GET */
	u.req.share = 1;	/* IPV6_FL_S_EXCL */
	u.req.flags = 1;	/* IPV6_FL_F_CREATE */
	native_request(&u.r);
	ret = setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &u, sizeof(u));
	CHECK(t, ret < 0 && errno == EINVAL,
	      "IPV6_FLOWLABEL_MGR: %d (%s), want EINVAL", ret,
	      ret < 0 ? strerror(errno) : "success");
	return 0;
}

/* A sendmsg() whose control buffer is @ctl/@len; returns errno or 0. */
static int send_ctl(struct zc_pair *p, void *ctl, size_t len)
{
	struct iovec iov = { .iov_base = p->buf, .iov_len = 10 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = len };

	return sendmsg(p->tx, &m, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? errno : 0;
}

/* The arming calls: each leaves what the ____sys_sendmsg() hook saw. */
struct arming {
	const char *what;
	int want;		/* its errno */
	int (*fn)(struct zc_pair *p, void *hole);
};

static int arm_enobufs(struct zc_pair *p, void *hole)
{
	struct zc_req r;

	(void)hole;
	stale_request(&r);
	return send_ctl(p, r.ctl.buf, (size_t)INT_MAX + 1);
}

static int arm_enobufs_max(struct zc_pair *p, void *hole)
{
	struct zc_req r;

	(void)hole;
	stale_request(&r);
	return send_ctl(p, r.ctl.buf, SIZE_MAX);
}

static int arm_efault(struct zc_pair *p, void *hole)
{
	return send_ctl(p, hole, CMSG_SPACE(ZC_INFO_SIZE(1)));
}

static void other_cmsg(struct zc_req *o)
{
	zc_req_init(o);
	*(int *)zc_req_add(o, SOL_SOCKET, SO_TIMESTAMPING_OLD, sizeof(int)) = 0;
}

static int arm_other(struct zc_pair *p, void *hole)
{
	struct zc_req o;
	int err;

	(void)hole;
	other_cmsg(&o);
	err = send_ctl(p, o.ctl.buf, o.len);
	zc_pair_drain_rx(p);
	return err;
}

/* Where the processed requests' answers go. */
static struct zc_ledger *stale_ledger;

/* A request that is processed, its answer collected. */
static int arm_processed(struct zc_pair *p, void *hole)
{
	struct t_ctx t = { .why = "" };
	struct zc_req r;
	int err;

	(void)hole;
	stale_request(&r);
	err = send_ctl(p, r.ctl.buf, r.len);
	if (!err && zc_req_collect(&t, &r, stale_ledger) < 0)
		err = EPROTO;		/* not processed, or a bad answer */
	zc_pair_drain_rx(p);
	return err;
}

/* A request whose call fails before parsing (EMSGSIZE for UDP). */
static int arm_unparsed(struct zc_pair *p, void *hole)
{
	struct iovec iov = { .iov_base = p->buf, .iov_len = 70000 };
	struct zc_req r;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	(void)hole;
	if (p->type == SOCK_STREAM)
		return arm_processed(p, hole);
	stale_request(&r);
	m.msg_control = r.ctl.buf;
	m.msg_controllen = r.len;
	return sendmsg(p->tx, &m, MSG_DONTWAIT) < 0 ? errno : 0;
}

static int arm_sendmmsg(struct zc_pair *p, void *hole)
{
	struct mmsghdr mm[2];
	struct iovec iov[2];
	struct zc_req o;
	int i;

	(void)hole;
	other_cmsg(&o);
	zc_mmsg_fill(mm, iov, 2, p, 10, o.ctl.buf, o.len);
	i = sendmmsg(p->tx, mm, 2, MSG_DONTWAIT) == 2 ? 0 : errno ? errno : EIO;
	zc_pair_drain_rx(p);
	return i;
}

static const struct arming armings[] = {
	{ "controllen INT_MAX + 1 (ENOBUFS)", ENOBUFS, arm_enobufs },
	{ "controllen SIZE_MAX (ENOBUFS)", ENOBUFS, arm_enobufs_max },
	{ "an unreadable control buffer (EFAULT)", EFAULT, arm_efault },
	{ "another control message", 0, arm_other },
	{ "a processed request", 0, arm_processed },
	{ "sendmmsg with other control messages", 0, arm_sendmmsg },
};

static int t_stale(struct t_ctx *t, struct t_fix *f)
{
	int (*const routes[])(struct t_ctx *, int) = {
		route_pktoptions, route_flowlabel,
	};
	static const char *const route_names[] = {
		"IPV6_2292PKTOPTIONS", "IPV6_FLOWLABEL_MGR",
	};
	long long a[S_NR], b[S_NR];
	char why[sizeof(t->why)];
	size_t i, j;
	void *hole;
	int err, ret = -1;

	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	stale_ledger = &f->l;
	for (i = 0; i < sizeof(armings) / sizeof(armings[0]); i++) {
		for (j = 0; j < 2; j++) {
			/* The route follows the arming call at once. */
			if (read_stats(t, a))
				goto out;
			err = armings[i].fn(&f->p, hole);
			if (err != armings[i].want) {
				t_fail(t, "%s: %s, want %s", armings[i].what,
				       strerror(err), strerror(armings[i].want));
				goto out;
			}
			if (routes[j](t, f->p.tx)) {
				snprintf(why, sizeof(why), "%s", t->why);
				t_fail(t, "after %s: %s", armings[i].what, why);
				goto out;
			}
			if (read_stats(t, b))
				goto out;
			if (b[S_EINVAL] - a[S_EINVAL] != 1) {
				t_fail(t, "after %s: %s: einval +%lld, want +1 (refused by the module)",
				       armings[i].what, route_names[j],
				       b[S_EINVAL] - a[S_EINVAL]);
				goto out;
			}
		}
	}
	/* A request of an unparsed call is honoured by no later route. */
	for (j = 0; j < 2; j++) {
		err = arm_unparsed(&f->p, hole);
		if (f->p.type == SOCK_DGRAM && err != EMSGSIZE) {
			t_fail(t, "70000-byte datagram: %s, want EMSGSIZE",
			       strerror(err));
			goto out;
		}
		if (routes[j](t, f->p.tx)) {
			snprintf(why, sizeof(why), "%s", t->why);
			t_fail(t, "after an unparsed request (%s): %s",
			       strerror(err), why);
			goto out;
		}
	}
	ret = 0;
out:
	munmap(hole, 4096);
	return ret;
}

/* Afterwards: only the processed requests took completions. */
static const struct t_fixture stale = {
	.ledger = 64, .queued = 10, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};

const struct t_case adv_stale_cases[] = {
	T_FIX("adv_stale_tcp6", t_stale, &stale, 0, AF_INET6, SOCK_STREAM, 60),
	T_FIX("adv_stale_udp6", t_stale, &stale, 0, AF_INET6, SOCK_DGRAM, 60),
	{ NULL }
};
