/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the zcnotify tests: socket pairs, requests that follow the
 * header's protocol, and a ledger that checks every completion is seen
 * exactly once.
 */
#ifndef PROTO_LIB_H
#define PROTO_LIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/zcnotify.h>

/* Outcome of one test: failing checks write a reason and return -1. */
/* Older libc headers lack these. */
#ifndef SO_TIMESTAMPING_OLD
#define SO_TIMESTAMPING_OLD	37
#endif
#ifndef UDP_CORK
#define UDP_CORK		1
#endif

struct t_ctx {
	char why[512];
};

int t_fail(struct t_ctx *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A test that cannot be built on this kernel (a missing kernel feature,
 * not a module fault) returns T_SKIP through t_skip(); it is reported as
 * "ok - NAME # SKIP reason", the reason saying what is missing.
 */
#define T_SKIP	1
int t_skip(struct t_ctx *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define CHECK(t, cond, ...)						\
	do {								\
		if (!(cond))						\
			return t_fail((t), __VA_ARGS__);		\
	} while (0)

/* A connected loopback pair: tx sends, rx receives. */
struct zc_pair {
	int family;		/* AF_INET or AF_INET6 */
	int type;		/* SOCK_STREAM or SOCK_DGRAM */
	int tx;
	int rx;
	char *buf;		/* payload, never written while in flight */
	size_t buflen;
};

int zc_pair_open(struct t_ctx *t, struct zc_pair *p, int family, int type,
		 bool zerocopy);
void zc_pair_close(struct zc_pair *p);
/* Read and discard whatever rx has queued; never blocks. */
void zc_pair_drain_rx(struct zc_pair *p);

/* Every id 0..sends-1 must be reported exactly once. */
struct zc_ledger {
	pthread_mutex_t mu;	/* senders and errqueue readers may race */
	uint32_t sends;		/* successful MSG_ZEROCOPY sends so far */
	uint32_t cap;
	uint8_t *seen;		/* times each id was reported */
	uint32_t dups;
	uint32_t bogus;		/* ids >= cap */
	uint32_t via_cmsg;	/* ranges reported through the cmsg */
	uint32_t via_errqueue;	/* ranges reported through MSG_ERRQUEUE */
	uint32_t ids_cmsg;
	uint32_t ids_errqueue;
	uint32_t copied;	/* ranges with zerocopy == 0 */
};

int zc_ledger_init(struct zc_ledger *l, uint32_t cap);
void zc_ledger_free(struct zc_ledger *l);
void zc_ledger_add(struct zc_ledger *l, uint32_t lo, uint32_t hi, bool cmsg);
/* Number of ids < sends not yet seen. */
uint32_t zc_ledger_missing(const struct zc_ledger *l);
/* 0 if every id < sends was seen exactly once and nothing else. */
int zc_ledger_verify(struct t_ctx *t, const struct zc_ledger *l);

/* A control buffer holding one SCM_ZC_NOTIFICATION plus room for more. */
#define ZC_CTL_EXTRA	256
union zc_ctl {
	char buf[CMSG_SPACE(ZC_INFO_SIZE(ZC_NOTIFICATION_MAX + 1)) +
		 ZC_CTL_EXTRA];
	struct cmsghdr align;
};

struct zc_req {
	uint32_t n;		/* capacity asked for */
	size_t len;		/* bytes of ctl in use */
	struct cmsghdr *zc;	/* our cmsg inside ctl (NULL: none) */
	bool ask_empty;		/* arr[0].reserved[0] = ZC_ASK_QUEUE_EMPTY */
	union zc_ctl ctl;
	char snap[sizeof(union zc_ctl)];	/* ctl before the call */
};

#define ZC_FILL	0xa5		/* pattern in the array before a call */

/* Start a control buffer, add cmsgs in order. */
void zc_req_init(struct zc_req *r);
void *zc_req_add(struct zc_req *r, int level, int type, size_t len);
/* Add the SCM_ZC_NOTIFICATION with capacity n, filled per the protocol. */
void zc_req_add_zc(struct zc_req *r, uint32_t n);

/*
 * After a call: decide per the header whether the request was processed,
 * check what the kernel wrote (bounds, reserved bytes, zerocopy 0/1, the
 * rest untouched) and add the entries to @l. Returns the number of
 * entries, -1 (with reason) on a malformed answer, -2 if not processed.
 */
int zc_req_collect(struct t_ctx *t, struct zc_req *r, struct zc_ledger *l);
/* ... and ask whether the answer leaves the error queue empty. */
void zc_req_ask_empty(struct zc_req *r);
/* True if the payload is exactly as zc_req_add_zc() left it. */
bool zc_req_untouched(const struct zc_req *r);

/*
 * A blocking TCP send of 64 KiB with a lone request for one element, for
 * the restart and reload cases: @started says it began, @ret and @err
 * what sendmsg() returned. zc_blocked_map() puts one in memory shared
 * with a forked child (NULL with a reason on failure).
 */
struct zc_blocked {
	struct zc_req r;
	atomic_int started;
	ssize_t ret;
	int err;
};

struct zc_blocked *zc_blocked_map(struct t_ctx *t);
void zc_blocked_unmap(struct zc_blocked *b);
/*
 * A userfaultfd (O_NONBLOCK) with [addr, addr + len) registered for
 * missing pages, or -1 with a reason.
 */
int zc_uffd_missing(struct t_ctx *t, void *addr, size_t len);
void zc_blocked_send(struct zc_pair *p, struct zc_blocked *b);
/* A handler that does nothing for @sig, SA_RESTART: calls are restarted. */
void zc_signal_restart(int sig);

/*
 * One sendmsg() of len bytes (0: none) from a static buffer, with the
 * request's control buffer (NULL: none). Returns sendmsg()'s value, errno
 * kept. Counts a successful MSG_ZEROCOPY send of len > 0 in @l.
 */
ssize_t zc_send(struct zc_pair *p, size_t len, int flags, struct zc_req *r,
		struct zc_ledger *l);

/*
 * The common case: a MSG_ZEROCOPY send (flags added) of len bytes carrying
 * a fresh request of capacity n, its entries collected into @l. Retries
 * for a while on ENOBUFS (too many completions outstanding). *got is what
 * zc_req_collect() returned for the last attempt; -1 means a malformed
 * answer (reason in @t). Returns sendmsg()'s value, errno kept.
 */
ssize_t zc_send_zc(struct t_ctx *t, struct zc_pair *p, size_t len, int flags,
		   uint32_t n, struct zc_ledger *l, int *got);

/*
 * A sendmmsg() batch of @n messages of @len bytes from p->buf, every one
 * with the same control buffer @ctl/@ctl_len (NULL: none).
 */
void zc_mmsg_fill(struct mmsghdr *mm, struct iovec *iov, unsigned int n,
		  struct zc_pair *p, size_t len, void *ctl, size_t ctl_len);

/*
 * Point message i of @mm at request r[i] (a snapshot taken for
 * zc_req_collect()); after the call, collect each message's answer.
 * Returns -1 (reason in @t) if one is malformed or not processed.
 */
void zc_mmsg_reqs(struct mmsghdr *mm, struct zc_req *r, unsigned int n);
int zc_mmsg_collect(struct t_ctx *t, struct zc_req *r, unsigned int n,
		    struct zc_ledger *l);

/* Read the whole error queue; zerocopy entries go to @l, others counted.
 * If @ts is not NULL, timestamp entries' ee_data are appended to it.
 */
struct zc_tslog {
	uint32_t n;
	uint32_t cap;
	uint32_t *key;
};

int zc_read_errqueue(struct t_ctx *t, int fd, struct zc_ledger *l,
		     struct zc_tslog *ts);

/*
 * Collect the remaining completions until none is missing or timeout_ms
 * passes: with cmsg-only sends (use_cmsg) or MSG_ERRQUEUE.
 */
int zc_settle(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l,
	      bool use_cmsg, int timeout_ms);

/* Wait until the socket has no unsent/unacked data (SIOCOUTQ == 0). */
void zc_wait_outq(int fd, int timeout_ms);

long zc_now_ms(void);
const char *zc_pair_name(const struct zc_pair *p);

#endif /* PROTO_LIB_H */
