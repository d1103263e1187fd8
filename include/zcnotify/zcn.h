/* SPDX-License-Identifier: MIT */
/*
 * zcn.h - user-space helper for MSG_ZEROCOPY completions (header only).
 *
 * With the zcnotify module loaded, completions come back inside sendmsg()
 * (SCM_ZC_NOTIFICATION, see <linux/zcnotify.h>). Without it, the same calls
 * read them with recvmsg(MSG_ERRQUEUE) instead, so one binary runs on both.
 *
 *	struct zcn z;
 *	struct zcn_tracker t;
 *
 *	zcn_init(&z, fd, 16);			// after SO_ZEROCOPY on fd
 *	zcn_tracker_init(&t, 0);
 *	n = zcn_sendmsg(&z, &msg, MSG_ZEROCOPY);	// like sendmsg()
 *	for (i = 0; i < z.nranges; i++)
 *		zcn_tracker_add(&t, z.ranges[i].lo, z.ranges[i].hi);
 *	// buffers of sends before zcn_tracker_next(&t) may be reused
 *	zcn_reap(&z);				// collect without sending
 *
 * Ranges are those of the kernel: lo..hi inclusive, 32-bit send counters
 * that wrap. The tracker folds them, in any order, into the lowest send
 * counter not yet completed.
 */
#ifndef ZCN_H
#define ZCN_H

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/zcnotify.h>

#define ZCN_PARAM "/sys/module/zcnotify/parameters/scm_zc_notification"

enum zcn_mode {
	ZCN_AUTO,	/* the cmsg if the module is loaded, else MSG_ERRQUEUE */
	ZCN_CMSG,	/* always the cmsg (EINVAL without the module) */
	ZCN_ERRQUEUE,	/* always recvmsg(MSG_ERRQUEUE) */
};

struct zcn_range {
	uint32_t lo, hi;	/* inclusive send counters */
	bool zerocopy;		/* false: the kernel copied the data */
};

struct zcn {
	int fd;
	enum zcn_mode mode;	/* ZCN_CMSG or ZCN_ERRQUEUE once resolved */
	bool stream;		/* TCP: an empty sendmsg() sends nothing */
	uint32_t n;		/* ranges asked for per call */
	unsigned int nranges;	/* ranges from the last call */
	struct zcn_range ranges[ZC_NOTIFICATION_MAX];
	union {
		char buf[CMSG_SPACE(ZC_INFO_SIZE(ZC_NOTIFICATION_MAX)) + 256];
		struct cmsghdr align;
	} ctl;
};

/* True if the running kernel has zcnotify loaded with our cmsg type. */
static inline bool zcn_module_loaded(void)
{
	FILE *f = fopen(ZCN_PARAM, "r");
	int type = -1;

	if (!f)
		return false;
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	return type == SCM_ZC_NOTIFICATION;
}

/* Set up for socket @fd (SO_ZEROCOPY already set), @n ranges per call. */
static inline void zcn_init_mode(struct zcn *z, int fd, uint32_t n,
				 enum zcn_mode mode)
{
	int type = 0;
	socklen_t len = sizeof(type);

	memset(z, 0, sizeof(*z));
	z->fd = fd;
	z->n = n < 1 ? 1 : n > ZC_NOTIFICATION_MAX ? ZC_NOTIFICATION_MAX : n;
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	z->stream = type == SOCK_STREAM;
	if (mode == ZCN_AUTO)
		mode = zcn_module_loaded() ? ZCN_CMSG : ZCN_ERRQUEUE;
	z->mode = mode;
}

static inline void zcn_init(struct zcn *z, int fd, uint32_t n)
{
	zcn_init_mode(z, fd, n, ZCN_AUTO);
}

/* Read up to the room left in z->ranges from the error queue. */
static inline int zcn_read_errqueue(struct zcn *z)
{
	char ctl[128];

	while (z->nranges < z->n) {
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct sock_extended_err *ee;
		struct cmsghdr *c;

		if (recvmsg(z->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c = CMSG_FIRSTHDR(&m);
		if (!c || !((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno)
			continue;	/* not a completion: dropped here */
		z->ranges[z->nranges].lo = ee->ee_info;
		z->ranges[z->nranges].hi = ee->ee_data;
		z->ranges[z->nranges].zerocopy =
			!(ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
		z->nranges++;
	}
	return 0;
}

/*
 * Like sendmsg(); z->ranges/z->nranges then hold the completions that came
 * back. @msg may carry control messages of its own (up to 256 bytes).
 * In ZCN_AUTO mode a module unloaded meanwhile is noticed and the call is
 * retried the MSG_ERRQUEUE way.
 */
static inline ssize_t zcn_sendmsg(struct zcn *z, const struct msghdr *msg,
				  int flags)
{
	struct msghdr m = *msg;
	struct zc_info *zi;
	struct cmsghdr *c;
	size_t own = msg->msg_controllen;
	ssize_t ret;
	uint32_t i;

	z->nranges = 0;
	if (z->mode == ZCN_ERRQUEUE || own > 256) {
		ret = sendmsg(z->fd, msg, flags);
		if (zcn_read_errqueue(z) && ret >= 0)
			ret = -1;
		return ret;
	}
	if (own)
		memcpy(z->ctl.buf, msg->msg_control, own);
	own = CMSG_ALIGN(own);
	c = (struct cmsghdr *)(z->ctl.buf + own);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_ZC_NOTIFICATION;
	c->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(z->n));
	zi = (struct zc_info *)CMSG_DATA(c);
	zi->size = z->n;
	zi->arr[0].zerocopy = ZC_ELEM_UNWRITTEN;
	m.msg_control = z->ctl.buf;
	m.msg_controllen = own + CMSG_SPACE(ZC_INFO_SIZE(z->n));
	ret = sendmsg(z->fd, &m, flags);
	if (zi->size != z->n || zi->arr[0].zerocopy != ZC_ELEM_UNWRITTEN) {
		for (i = 0; i < zi->size; i++) {
			z->ranges[i].lo = zi->arr[i].lo;
			z->ranges[i].hi = zi->arr[i].hi;
			z->ranges[i].zerocopy = zi->arr[i].zerocopy;
		}
		z->nranges = zi->size;
	} else if (ret < 0 && errno == EINVAL && !zcn_module_loaded()) {
		z->mode = ZCN_ERRQUEUE;		/* module gone: fall back */
		return zcn_sendmsg(z, msg, flags);
	}
	return ret;
}

/*
 * Collect completions without sending data: an empty sendmsg() carrying
 * the request on TCP, MSG_ERRQUEUE otherwise (an empty UDP sendmsg()
 * would send an empty datagram). Returns 0 or -1 (errno).
 */
static inline int zcn_reap(struct zcn *z)
{
	struct msghdr m = { 0 };

	if (z->mode == ZCN_CMSG && z->stream) {
		if (zcn_sendmsg(z, &m, MSG_DONTWAIT) < 0 && errno != EAGAIN &&
		    !z->nranges)
			return -1;
		if (z->mode == ZCN_CMSG)
			return 0;
	}
	z->nranges = 0;
	return zcn_read_errqueue(z);
}

/*
 * struct zcn_tracker - lowest send counter not yet completed
 * @next: every counter before it (in wrapping order) has completed
 * @n, @lo, @hi: completed ranges beyond @next, not yet contiguous with it
 */
#define ZCN_TRACK_MAX 64
struct zcn_tracker {
	uint32_t next;
	unsigned int n;
	uint32_t lo[ZCN_TRACK_MAX], hi[ZCN_TRACK_MAX];
};

static inline void zcn_tracker_init(struct zcn_tracker *t, uint32_t first)
{
	memset(t, 0, sizeof(*t));
	t->next = first;
}

/* a < b in the wrapping order of 32-bit send counters */
static inline bool zcn_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/*
 * Record that sends lo..hi completed, in any order. Returns -1 only if
 * more than ZCN_TRACK_MAX disjoint ranges are waiting for an earlier one.
 */
static inline int zcn_tracker_add(struct zcn_tracker *t, uint32_t lo,
				  uint32_t hi)
{
	unsigned int i;
	bool moved;

	if (!zcn_before(hi, t->next)) {
		if (!zcn_before(t->next, lo)) {
			t->next = hi + 1;
		} else {
			if (t->n == ZCN_TRACK_MAX)
				return -1;
			t->lo[t->n] = lo;
			t->hi[t->n] = hi;
			t->n++;
			return 0;
		}
	}
	do {		/* absorb waiting ranges that are now contiguous */
		moved = false;
		for (i = 0; i < t->n; i++) {
			if (zcn_before(t->next, t->lo[i]))
				continue;
			if (!zcn_before(t->hi[i], t->next))
				t->next = t->hi[i] + 1;
			t->lo[i] = t->lo[t->n - 1];
			t->hi[i] = t->hi[t->n - 1];
			t->n--;
			moved = true;
			break;
		}
	} while (moved);
	return 0;
}

/* The lowest send counter not yet completed. */
static inline uint32_t zcn_tracker_next(const struct zcn_tracker *t)
{
	return t->next;
}

/* May the buffer of send @id be reused? */
static inline bool zcn_tracker_done(const struct zcn_tracker *t, uint32_t id)
{
	return zcn_before(id, t->next);
}

#endif /* ZCN_H */
