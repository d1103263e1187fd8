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

/*
 * An error-queue entry that is not a completion (a TX timestamp, an ICMP
 * error), read while falling back to MSG_ERRQUEUE: kept for the
 * application, never dropped. @control holds the entry's control
 * messages as recvmsg(MSG_ERRQUEUE) returned them (CMSG_* macros apply).
 */
#define ZCN_OTHER_MAX 8
struct zcn_other {
	struct sock_extended_err ee;
	size_t controllen;
	union {
		char control[128];
		struct cmsghdr align;
	};
};

struct zcn {
	int fd;
	enum zcn_mode mode;	/* ZCN_CMSG or ZCN_ERRQUEUE once resolved */
	bool fallback;		/* ZCN_AUTO: fall back when not processed */
	bool stream;		/* TCP: an empty sendmsg() sends nothing */
	uint32_t n;		/* ranges asked for per call */
	unsigned int nranges;	/* ranges from the last call */
	struct zcn_range ranges[ZC_NOTIFICATION_MAX];
	unsigned int nothers;	/* entries kept in others[] */
	struct zcn_other others[ZCN_OTHER_MAX];
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
	z->fallback = mode == ZCN_AUTO;
	if (mode == ZCN_AUTO)
		mode = zcn_module_loaded() ? ZCN_CMSG : ZCN_ERRQUEUE;
	z->mode = mode;
}

static inline void zcn_init(struct zcn *z, int fd, uint32_t n)
{
	zcn_init_mode(z, fd, n, ZCN_AUTO);
}

/*
 * Read up to the room left in z->ranges from the error queue. Entries
 * that are not completions go to z->others (see zcn_pop_other()); once
 * that is full, reading stops and the rest stays queued.
 */
static inline int zcn_read_errqueue(struct zcn *z)
{
	while (z->nranges < z->n && z->nothers < ZCN_OTHER_MAX) {
		struct zcn_other *o = &z->others[z->nothers];
		struct msghdr m = { .msg_control = o->control,
				    .msg_controllen = sizeof(o->control) };
		struct sock_extended_err *ee = NULL;
		struct cmsghdr *c;

		if (recvmsg(z->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
				ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (!ee || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno) {
			if (ee)
				o->ee = *ee;
			else
				memset(&o->ee, 0, sizeof(o->ee));
			o->controllen = m.msg_controllen;
			z->nothers++;	/* not a completion: kept */
			continue;
		}
		z->ranges[z->nranges].lo = ee->ee_info;
		z->ranges[z->nranges].hi = ee->ee_data;
		z->ranges[z->nranges].zerocopy =
			!(ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
		z->nranges++;
	}
	return 0;
}

/*
 * Take the oldest kept error-queue entry that was not a completion.
 * Returns false if there is none.
 */
static inline bool zcn_pop_other(struct zcn *z, struct zcn_other *out)
{
	if (!z->nothers)
		return false;
	*out = z->others[0];
	memmove(&z->others[0], &z->others[1],
		--z->nothers * sizeof(z->others[0]));
	return true;
}

/*
 * Like sendmsg(); z->ranges/z->nranges then hold the completions that came
 * back. @msg may carry control messages of its own (up to 256 bytes).
 *
 * In ZCN_AUTO mode, whenever the request was not processed (the marker
 * in arr[0] and @size unchanged), the completions are read from the error
 * queue instead, so none waits forever: after EINVAL (the module is
 * absent, was unloaded, or does not serve this call: see
 * <linux/zcnotify.h>) the message is sent again without the request; a
 * send that succeeded without parsing the request (kTLS, sockmap, corked
 * UDP, ...) is not repeated. A blocking call that processed its request
 * and was interrupted returns -1 with errno EINTR (never restarted):
 * z->ranges is valid then too, and the caller sends again.
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
	int err;

	z->nranges = 0;
	if (z->mode == ZCN_ERRQUEUE || own > 256) {
		ret = sendmsg(z->fd, msg, flags);
		err = errno;
		if (zcn_read_errqueue(z) && ret >= 0)
			return -1;
		errno = err;
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
	err = errno;
	if (zi->size != z->n || zi->arr[0].zerocopy != ZC_ELEM_UNWRITTEN) {
		for (i = 0; i < zi->size; i++) {
			z->ranges[i].lo = zi->arr[i].lo;
			z->ranges[i].hi = zi->arr[i].hi;
			z->ranges[i].zerocopy = zi->arr[i].zerocopy;
		}
		z->nranges = zi->size;
		errno = err;
		return ret;
	}
	if (!z->fallback) {
		errno = err;
		return ret;
	}
	/*
	 * Not processed: nothing was taken. EINVAL: refused (or no module);
	 * EFAULT: the helper's own buffer could not be written without a
	 * wait (a transient state of its page): send without the request.
	 */
	if (ret < 0 && (err == EINVAL || err == EFAULT)) {
		if (!zcn_module_loaded())
			z->mode = ZCN_ERRQUEUE;		/* module gone */
		ret = sendmsg(z->fd, msg, flags);
		err = errno;
	}
	if (zcn_read_errqueue(z) && ret >= 0)
		return -1;
	errno = err;
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
