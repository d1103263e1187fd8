/* SPDX-License-Identifier: MIT */
/*
 * zcn.h - user-space helper for MSG_ZEROCOPY completions (header only).
 *
 * With the zcnotify module loaded, completions come back inside sendmsg()
 * (SCM_ZC_NOTIFICATION, see <linux/zcnotify.h>). Without it, the same calls
 * read them with recvmsg(MSG_ERRQUEUE) instead, so one binary runs on both.
 * C99, C11 and C++ (11 and later); compile with the flags of
 * `pkg-config --cflags zcnotify` (in the source tree: with
 * PKG_CONFIG_PATH=<tree>, which finds zcnotify-uninstalled.pc).
 *
 *	struct zcn z;
 *	struct zcn_tracker t;
 *	struct zcn_other o;
 *
 *	if (zcn_init(&z, fd, 16))		// SO_ZEROCOPY must be on
 *		err(1, "zcn_init");		// (EINVAL if it is not)
 *	zcn_tracker_init(&t, 0);
 *	n = zcn_send(&z, &msg, MSG_ZEROCOPY);	// like sendmsg(); z.id is
 *						// the send's ID if z.took_id
 *	...
 *	// A buffer is needed again: wait until its send has completed.
 *	while (!zcn_tracker_done(&t, id_of_that_buffer)) {
 *		if (zcn_wait(&z, 1000) < 0)	// poll(POLLERR) + reap
 *			err(1, "zcn_wait");	// e.g. ECONNRESET
 *		for (i = 0; i < z.nranges; i++)
 *			zcn_tracker_add(&t, z.ranges[i].lo, z.ranges[i].hi);
 *		while (zcn_pop_other(&z, &o))	// timestamps, ICMP errors
 *			;			// (only kept for you)
 *	}
 *
 * The calls:
 * - zcn_send(): send now, reap later. With the module the call also
 *   brings back what has completed (for free, in the same system call);
 *   without it, it is exactly one sendmsg(): the error queue is read only
 *   when the application asks (zcn_reap(), zcn_wait()), as QEMU and SPDK
 *   do when they need a buffer back.
 * - zcn_sendmsg(): send and reap: like zcn_send(), and without the module
 *   it also reads the error queue after every send (one more system call
 *   per send, more when entries are queued).
 * - zcn_reap(): collect without sending (never blocks).
 * - zcn_wait(): wait up to a timeout for completions, then collect them.
 * - zcn_in_flight(): sends whose completion the helper has not returned.
 *
 * After every call z.ranges[0 .. z.nranges - 1] hold the completions it
 * brought back, whatever it returned. Ranges are those of the kernel:
 * lo..hi inclusive, 32-bit send IDs that wrap. The tracker folds them,
 * in any order, into the lowest send ID not yet completed.
 *
 * Send IDs: the kernel numbers a socket's MSG_ZEROCOPY sends 0, 1, 2, ...
 * The helper follows that count, so call zcn_init() before the socket's
 * first MSG_ZEROCOPY send, send with MSG_ZEROCOPY only through the helper
 * and from one thread, and read the error queue only through it. After
 * each zcn_send()/zcn_sendmsg(), z.took_id says whether the call took an
 * ID and z.id is that ID: a MSG_ZEROCOPY send takes one when it sent
 * anything (a partial TCP send takes one; a datagram takes one; a failed
 * call, EAGAIN included, and a send without MSG_ZEROCOPY take none).
 * z.next_id is the ID the next one will take.
 *
 * ENOBUFS from a MSG_ZEROCOPY send has two causes:
 * - completions not yet collected hold the socket's option memory
 *   (optmem_max), or sends still in flight hold pinned pages against
 *   RLIMIT_MEMLOCK: zcn_in_flight() is not 0; collect (zcn_wait()) and
 *   send again;
 * - nothing is in flight (zcn_in_flight() == 0): the limit is too small
 *   for even this one send (typically a RLIMIT_MEMLOCK of 64 KiB without
 *   CAP_IPC_LOCK); waiting would hang. Send this one by copy (the same
 *   call without MSG_ZEROCOPY: the buffer is free when it returns).
 *
 *	n = zcn_send(&z, &msg, MSG_ZEROCOPY | MSG_DONTWAIT);
 *	if (n < 0 && errno == ENOBUFS) {
 *		if (!zcn_in_flight(&z))
 *			n = zcn_send(&z, &msg, MSG_DONTWAIT);	// by copy
 *		else
 *			zcn_wait(&z, -1);	// fold z.ranges, send again
 *	}
 *
 * The helper's own system calls never raise SIGPIPE (MSG_NOSIGNAL). A
 * socket error (sk_err: ECONNRESET, ...) that one of them consumed is
 * returned (-1, errno) and kept in z.error; the completions that came
 * back with it are in z.ranges all the same.
 */
#ifndef ZCN_H
#define ZCN_H

#include <errno.h>
#include <time.h>	/* struct timespec, before <linux/errqueue.h> */
#if defined(__GLIBC__) && !defined(_STRUCT_TIMESPEC)
#include <bits/types/struct_timespec.h>	/* strict C99: not in <time.h> */
#endif
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/zcnotify.h>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif

#define ZCN_PARAM "/sys/module/zcnotify/parameters/scm_zc_notification"

enum zcn_mode {
	ZCN_AUTO,	/* the cmsg if the module is loaded, else MSG_ERRQUEUE */
	ZCN_CMSG,	/* always the cmsg (EINVAL without the module) */
	ZCN_ERRQUEUE	/* always recvmsg(MSG_ERRQUEUE) */
};

struct zcn_range {
	uint32_t lo, hi;	/* inclusive send IDs */
	bool zerocopy;		/* false: the kernel copied the data */
};

/*
 * An error-queue entry that is not a completion (a TX timestamp, an ICMP
 * error), read while falling back to MSG_ERRQUEUE: kept for the
 * application in z.others (take them with zcn_pop_other()). @control
 * holds the entry's control messages as recvmsg(MSG_ERRQUEUE) returned
 * them (CMSG_* macros apply). Completions never wait behind them: once
 * ZCN_OTHER_MAX are kept, later ones are dropped and counted in
 * z.others_dropped. With the module, sends skip at most
 * ZC_NOTIFICATION_MAX such entries per call: completions behind more of
 * them (timestamps nobody reads) come back through zcn_reap() and
 * zcn_wait(), and until then they can fill optmem_max (ENOBUFS with sends
 * in flight: wait, see above).
 */
#define ZCN_OTHER_MAX 8
struct zcn_other {
	struct sock_extended_err ee;
	size_t controllen;
	union {
		char control[128];
		size_t align;	/* struct cmsghdr's (not itself: a */
	};			/* flexible array in C++ and clang) */
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
	unsigned long others_dropped;	/* not kept: others[] was full */
	uint32_t next_id;	/* the ID the next MSG_ZEROCOPY send takes */
	uint32_t id;		/* the ID the last send took, if took_id */
	bool took_id;		/* the last zcn_send()/zcn_sendmsg() took one */
	uint32_t completed;	/* IDs returned in z.ranges so far (wraps) */
	int error;		/* last socket error a helper call consumed */
	union {
		char buf[CMSG_SPACE(ZC_INFO_SIZE(ZC_NOTIFICATION_MAX)) + 256];
		size_t align;	/* struct cmsghdr's */
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

/*
 * Set up for socket @fd, @n ranges per call (1 .. ZC_NOTIFICATION_MAX).
 * Returns 0, or -1 with errno: EINVAL if SO_ZEROCOPY is not on (its
 * MSG_ZEROCOPY sends would be plain copies and no completion would ever
 * come), or what getsockopt() said (EBADF, ENOTSOCK). Before the socket's
 * first MSG_ZEROCOPY send (send IDs start at 0).
 */
static inline int zcn_init_mode(struct zcn *z, int fd, uint32_t n,
				enum zcn_mode mode)
{
	int type = 0, on = 0;
	socklen_t len = sizeof(type);

	memset(z, 0, sizeof(*z));
	z->fd = fd;
	z->n = n < 1 ? 1 : n > ZC_NOTIFICATION_MAX ? ZC_NOTIFICATION_MAX : n;
	z->fallback = mode == ZCN_AUTO;
	if (mode == ZCN_AUTO)
		mode = zcn_module_loaded() ? ZCN_CMSG : ZCN_ERRQUEUE;
	z->mode = mode;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return -1;
	z->stream = type == SOCK_STREAM;
	len = sizeof(on);
	if (getsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &on, &len))
		return -1;
	if (!on) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static inline int zcn_init(struct zcn *z, int fd, uint32_t n)
{
	return zcn_init_mode(z, fd, n, ZCN_AUTO);
}

/* Append lo..hi to z->ranges (room checked by the caller). */
static inline void zcn_put_range(struct zcn *z, uint32_t lo, uint32_t hi,
				 bool zerocopy)
{
	z->ranges[z->nranges].lo = lo;
	z->ranges[z->nranges].hi = hi;
	z->ranges[z->nranges].zerocopy = zerocopy;
	z->nranges++;
	z->completed += hi - lo + 1;
}

/*
 * Read up to the room left in z->ranges from the error queue. Entries
 * that are not completions go to z->others (see zcn_pop_other()), or are
 * counted in z->others_dropped once it is full; completions never wait
 * behind them. Returns 0, or -1 (errno) if recvmsg() failed otherwise
 * than with an empty queue.
 */
static inline int zcn_read_errqueue(struct zcn *z)
{
	while (z->nranges < z->n) {
		struct zcn_other spare;
		struct zcn_other *o = z->nothers < ZCN_OTHER_MAX ?
				      &z->others[z->nothers] : &spare;
		struct msghdr m;
		struct sock_extended_err *ee = NULL;
		struct cmsghdr *c;

		memset(&m, 0, sizeof(m));
		m.msg_control = o->control;
		m.msg_controllen = sizeof(o->control);
		if (recvmsg(z->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
				ee = (struct sock_extended_err *)CMSG_DATA(c);
		if (!ee || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY || ee->ee_errno) {
			if (o == &spare) {
				z->others_dropped++;
				continue;
			}
			if (ee)
				o->ee = *ee;
			else
				memset(&o->ee, 0, sizeof(o->ee));
			o->controllen = m.msg_controllen;
			z->nothers++;	/* not a completion: kept */
			continue;
		}
		zcn_put_range(z, ee->ee_info, ee->ee_data,
			      !(ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED));
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
 * Copy the kernel's answer into z->ranges. @size is clamped to the
 * capacity asked for: the helper never trusts it to fit.
 */
static inline void zcn_take_answer(struct zcn *z, const struct zc_info *zi)
{
	uint32_t i, size = zi->size < z->n ? zi->size : z->n;

	for (i = 0; i < size; i++)
		zcn_put_range(z, zi->arr[i].lo, zi->arr[i].hi,
			      zi->arr[i].zerocopy);
}

/* The send ID bookkeeping of one sendmsg() that returned @ret. */
static inline void zcn_count_id(struct zcn *z, ssize_t ret, int flags)
{
	z->took_id = (flags & MSG_ZEROCOPY) && (ret > 0 || (ret == 0 && !z->stream));
	if (z->took_id)
		z->id = z->next_id++;
}

/*
 * The one plain send of the helper: sendmsg(), its send ID counted, then
 * (@reap) the error queue read. The send's result wins: a failed read
 * leaves the entries queued for the next call. errno is the send's.
 */
static inline ssize_t zcn_send_plain(struct zcn *z, const struct msghdr *msg,
				     int flags, bool reap)
{
	ssize_t ret = sendmsg(z->fd, msg, flags);
	int err = errno;

	zcn_count_id(z, ret, flags);
	if (reap)
		zcn_read_errqueue(z);
	errno = err;
	return ret;
}

/*
 * zcn_send() and zcn_sendmsg(): like sendmsg(); z->ranges/z->nranges
 * then hold the completions that came back. @msg may carry control
 * messages of its own (up to 256 bytes; with more, it is sent as it is
 * and the error queue is read as without the module). The return value
 * and errno are those of the send, never of the helper's reading.
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
 *
 * @reap false (zcn_send()): without the module, no error-queue read.
 */
static inline ssize_t zcn_send_reap(struct zcn *z, const struct msghdr *msg,
				    int flags, bool reap)
{
	struct msghdr m = *msg;
	struct zc_info *zi;
	struct cmsghdr *c;
	size_t own = msg->msg_controllen;
	ssize_t ret;
	int err;

	z->nranges = 0;
	z->took_id = false;
	if (z->mode == ZCN_ERRQUEUE || own > 256)
		return zcn_send_plain(z, msg, flags, reap);
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
		zcn_take_answer(z, zi);
		zcn_count_id(z, ret, flags);
		errno = err;
		return ret;
	}
	if (!z->fallback) {
		zcn_count_id(z, ret, flags);
		errno = err;
		return ret;
	}
	/*
	 * Not processed: nothing was taken. EINVAL: refused (or no module);
	 * EFAULT: the helper's own buffer could not be written without a
	 * wait (a transient state of its page): send without the request.
	 * Otherwise the send itself went through without the request being
	 * parsed: only read what it did not bring.
	 */
	if (ret < 0 && (err == EINVAL || err == EFAULT)) {
		if (!zcn_module_loaded())
			z->mode = ZCN_ERRQUEUE;		/* module gone */
		return zcn_send_plain(z, msg, flags, reap);
	}
	zcn_count_id(z, ret, flags);
	if (reap)
		zcn_read_errqueue(z);
	errno = err;
	return ret;
}

/* Send and reap (see zcn_send_reap()). */
static inline ssize_t zcn_sendmsg(struct zcn *z, const struct msghdr *msg,
				  int flags)
{
	return zcn_send_reap(z, msg, flags, true);
}

/*
 * Send now, reap later: with the module, what completed comes back in
 * the same call; without it this is exactly one sendmsg(), and the error
 * queue waits for zcn_reap() or zcn_wait().
 */
static inline ssize_t zcn_send(struct zcn *z, const struct msghdr *msg,
			       int flags)
{
	return zcn_send_reap(z, msg, flags, false);
}

/*
 * Collect completions without sending data: an empty sendmsg() carrying
 * the request on TCP, MSG_ERRQUEUE otherwise (an empty UDP sendmsg()
 * would send an empty datagram). Never blocks, never raises SIGPIPE.
 * When the cmsg brings nothing back, the error queue is read too (one
 * more system call). Returns 0, or -1 (errno): a socket error the empty
 * send consumed (ECONNRESET after a reset, also kept in z->error) or a
 * failed error-queue read; z->ranges holds what came back either way. EPIPE
 * after shutdown(SHUT_WR) is no error of the reap (the request, alone
 * in its message, was answered all the same).
 */
static inline int zcn_reap(struct zcn *z)
{
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	if (z->mode == ZCN_CMSG && z->stream) {
		if (zcn_sendmsg(z, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN && errno != EPIPE) {
			z->error = errno;
			return -1;
		}
		/*
		 * Nothing came back: read the error queue as well. The
		 * module skips at most ZC_NOTIFICATION_MAX other entries
		 * (timestamps nobody reads) per call, so completions behind
		 * more of them are reachable only from here.
		 */
		if (z->nranges || z->mode != ZCN_CMSG)
			return 0;	/* module gone: zcn_sendmsg() read it */
		return zcn_read_errqueue(z);
	}
	z->nranges = 0;
	return zcn_read_errqueue(z);
}

/*
 * Wait up to @timeout_ms (-1: no limit, 0: do not wait) until the socket
 * reports something on its error queue, and collect it (poll() for
 * POLLERR, then zcn_reap()). Returns 1 when completions came back
 * (z->nranges > 0); 0 when nothing did: the timeout passed, or only
 * entries that are not completions came (moved to z->others, or counted
 * in z->others_dropped): call it again. -1 (errno) on an error: what
 * zcn_reap() returns, a pending socket error (SO_ERROR: ECONNRESET, ...;
 * also kept in z->error), EPIPE when the socket is closed (POLLHUP) and
 * nothing came back, or poll()'s (EINTR).
 */
static inline int zcn_wait(struct zcn *z, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t len;
	int err = 0;

	pfd.fd = z->fd;
	pfd.events = 0;		/* POLLERR and POLLHUP are reported anyway */
	pfd.revents = 0;
	z->nranges = 0;
	switch (poll(&pfd, 1, timeout_ms)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	if (pfd.revents & POLLNVAL) {
		errno = EBADF;
		return -1;
	}
	if (zcn_reap(z))
		return -1;
	if (!z->nranges && (pfd.revents & POLLERR) &&
	    zcn_read_errqueue(z))	/* what the cmsg leaves queued */
		return -1;
	if (z->nranges)
		return 1;
	len = sizeof(err);
	if ((pfd.revents & POLLERR) &&
	    !getsockopt(z->fd, SOL_SOCKET, SO_ERROR, &err, &len) && err) {
		z->error = errno = err;		/* sk_err without a queue entry */
		return -1;
	}
	if (pfd.revents & POLLHUP) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/*
 * How many MSG_ZEROCOPY sends the helper counted (z->next_id) have not
 * come back in z->ranges yet. 0 after ENOBUFS: send by copy (see the top
 * of this file).
 */
static inline uint32_t zcn_in_flight(const struct zcn *z)
{
	return z->next_id - z->completed;
}

/*
 * struct zcn_tracker - lowest send ID not yet completed
 * @next: every ID before it (in wrapping order) has completed
 * @n, @lo, @hi: completed ranges beyond @next, not yet contiguous with it
 *
 * Positions are 32-bit distances from @next, so a range may hold up to
 * 2^32 - 1 IDs (the kernel merges that many). A range that does not
 * contain @next lies either ahead (waiting for a gap to fill) or behind
 * (already completed: a duplicate, ignored): the nearer reading wins.
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

/* a < b in the wrapping order of 32-bit send IDs (within 2^31) */
static inline bool zcn_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Does lo..hi contain @id? (uint32 distances: any length) */
static inline bool zcn_range_has(uint32_t lo, uint32_t hi, uint32_t id)
{
	return (uint32_t)(id - lo) <= (uint32_t)(hi - lo);
}

/* Is lo..hi (not containing @next) behind @next rather than ahead? */
static inline bool zcn_range_behind(uint32_t lo, uint32_t hi, uint32_t next)
{
	return (uint32_t)(next - 1 - hi) < (uint32_t)(lo - next);
}

/*
 * Record that sends lo..hi completed, in any order. Returns -1 only if
 * more than ZCN_TRACK_MAX disjoint ranges are waiting for an earlier one
 * (the range is then not recorded).
 */
static inline int zcn_tracker_add(struct zcn_tracker *t, uint32_t lo,
				  uint32_t hi)
{
	uint32_t base = t->next;	/* the waiting ranges lie ahead of it */
	unsigned int i;
	bool moved;

	if (!zcn_range_has(lo, hi, t->next)) {
		if (zcn_range_behind(lo, hi, t->next))
			return 0;		/* already completed */
		if (t->n == ZCN_TRACK_MAX)
			return -1;
		t->lo[t->n] = lo;
		t->hi[t->n] = hi;
		t->n++;
		return 0;
	}
	t->next = hi + 1;
	do {		/* absorb the waiting ranges that next reached */
		moved = false;
		for (i = 0; i < t->n; i++) {
			uint32_t span = t->next - base;

			if ((uint32_t)(t->lo[i] - base) > span)
				continue;	/* still ahead */
			if ((uint32_t)(t->hi[i] - base) >= span)
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

/* The lowest send ID not yet completed. */
static inline uint32_t zcn_tracker_next(const struct zcn_tracker *t)
{
	return t->next;
}

/* May the buffer of send @id be reused? (@id within 2^31 of next) */
static inline bool zcn_tracker_done(const struct zcn_tracker *t, uint32_t id)
{
	return zcn_before(id, t->next);
}

#endif /* ZCN_H */
