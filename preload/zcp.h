/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libzcnotify-preload: what its files share.
 *
 *   real.c      the interposed functions' next definitions (dlsym)
 *   socks.c     the fd -> socket table, per-socket completion store,
 *               close/dup/fork, counters
 *   send.c      send, sendto, sendmsg, sendmmsg: the request
 *   errqueue.c  recvmsg, recvmmsg with MSG_ERRQUEUE: served from the store
 *   empty.c     the read that ends a drain: EAGAIN where the module said
 *               its answer left the error queue empty
 *   wait.c      poll, ppoll, select, pselect, epoll_*: POLLERR from the store
 *
 * One mutex (zcp_mu) guards every socket's store and the table's
 * updates; the table is read without it on the pass-through paths.
 */
#ifndef ZCP_H
#define ZCP_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define ZCP_VISIBLE __attribute__((visibility("default")))

/* fds at or above this are never served (pass through). */
#define ZCP_FD_MAX	65536
/* Completion ranges stored per socket (merged when adjacent). */
#define ZCP_STORE_MAX	128
/*
 * Capacity of one request (ZC_NOTIFICATION_MAX at most). Requests start at
 * 1: alone in its buffer, CMSG_SPACE(ZC_INFO_SIZE(1)) = 32 bytes fits the
 * kernel's on-stack control buffer of ____sys_sendmsg(), so the request
 * costs no kmalloc and no optmem; each answer that comes back full makes
 * the next request four times larger, up to ZCP_REQ_MAX; one that does
 * not, sets it back to 1.
 */
#define ZCP_REQ_MAX	32
/*
 * A request that comes back empty is pure cost (about 1,600 instructions
 * of the module's, per send): a program that reaps right after every send
 * finds each completion on the kernel's queue before the next send can
 * ask for it. After ZCP_EMPTY_RUN empty answers in a row the socket's
 * sends go without a request for a while (ZCP_EMPTY_RUN sends, then
 * twice as many after each further empty answer, up to ZCP_SKIP_MAX).
 * An answer with a completion in it starts the count again; a send in
 * such a run that meets ENOBUFS ends the run (send.c: unrequested()).
 */
#define ZCP_EMPTY_RUN	4
#define ZCP_SKIP_MAX	128

struct zcp_range {
	uint32_t lo, hi;
	uint8_t copied;		/* SO_EE_CODE_ZEROCOPY_COPIED for ee_code */
};

/* One socket (shared by the fds that dup() made of it). */
struct zcp_sock {
	struct zcp_sock *next;	/* all sockets */
	unsigned int refs;	/* fds mapped to it */
	dev_t dev;
	ino_t ino;
	int family;		/* AF_INET or AF_INET6 */
	bool absent;		/* the module refused a request: pass through */
	uint32_t n, head;	/* stored ranges, ring start */
	uint32_t reserved;	/* slots lent to requests in flight */
	unsigned int busy;	/* sends in flight that hold it */
	uint32_t next_cap;	/* capacity of the next request */
	uint32_t empties;	/* answers in a row with nothing in them */
	/* Sends left to make without a request: taken without zcp_mu. */
	_Atomic uint32_t skip;
	uint32_t backoff;	/* the last such run of sends */
	uint32_t gen;		/* bumped whenever ranges are stored */
	/* empty.c, all taken without zcp_mu: */
	_Atomic uint32_t sends;		/* send calls started on it, any flags */
	_Atomic uint32_t inflight;	/* ... and not returned yet */
	/* MSG_ZEROCOPY messages it sent with data: the next send counter */
	_Atomic uint32_t ids;
	/* Its error queue may get entries no send here makes (TCP ACKs,
	 * TX timestamps, IP_RECVERR, a fork): never answered EAGAIN. */
	atomic_bool no_empty;
	atomic_bool told;		/* an answer left the queue empty ... */
	_Atomic uint32_t told_seq;	/* ... for send number told_seq */
	_Atomic uint32_t told_epoch;	/* ... with zcp_err_epoch at its start */
	struct zcp_range r[ZCP_STORE_MAX];
};

/* One send's place among its socket's sends, for empty.c. */
struct zcp_send {
	uint32_t seq;		/* its number in s->sends */
	uint32_t others;	/* sends in flight when it began */
	uint32_t epoch;		/* zcp_err_epoch when it began */
	uint32_t id;		/* the send counter its data takes */
};

/* An epoll registration of a socket fd (epoll_ctl), kept for the waits. */
struct zcp_epreg {
	struct zcp_epreg *next;
	int epfd, fd;		/* fd -1: closed, its socket open elsewhere */
	struct zcp_sock *sock;	/* the socket once served, else NULL */
	uint32_t events;
	epoll_data_t data;
	uint32_t seen_gen;	/* EPOLLET: the store's gen last reported */
	bool disabled;		/* EPOLLONESHOT fired */
};

/* Table value for an fd known not to be served. */
#define ZCP_NOT_SERVED	((struct zcp_sock *)1)

extern pthread_mutex_t zcp_mu;
extern _Atomic(struct zcp_sock *) zcp_fd[ZCP_FD_MAX];
extern atomic_bool zcp_absent;	/* the module is absent: serve nothing */
extern struct zcp_epreg *zcp_epregs;
extern atomic_uchar zcp_ep_served[ZCP_FD_MAX];	/* epfd has a served reg */
extern atomic_uchar zcp_fd_hasreg[ZCP_FD_MAX];	/* fd is in an epoll set */
extern int zcp_wake_fd;		/* eventfd that wakes blocked waiters */
extern unsigned int zcp_waiters;	/* threads blocked in a wait (zcp_mu) */

/* Counters, printed at exit when ZCNOTIFY_PRELOAD_STATS is set. */
enum {
	ZC_SEND_ZC,		/* MSG_ZEROCOPY sends seen */
	ZC_SEND_REQ,		/* ... that carried a request */
	ZC_SEND_ANSWERED,	/* ... whose request was processed */
	ZC_SEND_RESENT,		/* resent without the request (EINVAL) */
	ZC_SEND_RESTARTED,	/* made again after EINTR (SA_RESTART) */
	ZC_SEND_SKIPPED,	/* made without one: answers came back empty */
	ZC_SEND_EMPTY,		/* answers that said the queue was left empty */
	ZC_RANGES_IN,		/* ranges answered by the module */
	ZC_ERRQ_SERVED,		/* errqueue reads served from the store */
	ZC_ERRQ_PASSED,		/* errqueue reads passed to the kernel */
	ZC_ERRQ_EMPTY,		/* ... answered EAGAIN: told empty (empty.c) */
	ZC_WAIT_SERVED,		/* waits answered from the store */
	ZC_WAIT_PASSED,		/* waits passed to the kernel */
	ZC_SYSCALLS,		/* system calls the library made on its own */
	ZC_KCALLS,		/* system calls made for the program's
				 * MSG_ZEROCOPY sends, MSG_ERRQUEUE reads
				 * and waits */
	ZC_NR
};
extern atomic_ulong zcp_count[ZC_NR];
extern bool zcp_stats_on;	/* ZCNOTIFY_PRELOAD_STATS set: count */
static inline void zcp_add(int i, unsigned long n)
{
	if (__builtin_expect(zcp_stats_on, 0))
		atomic_fetch_add_explicit(&zcp_count[i], n, memory_order_relaxed);
}
#define ZCP_ADD(i, n)	zcp_add(i, n)
#define ZCP_COUNT(i)	zcp_add(i, 1)
/* The next definition of f, counted as a call into the kernel. */
#define KCALL(f)	(ZCP_COUNT(ZC_KCALLS), REAL(f))

/* real.c */
struct zcp_real {
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int,
			struct timespec *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *,
		       const struct timespec *, const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int,
			   const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int,
			    const struct timespec *, const sigset_t *);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
};
extern struct zcp_real zcp_real;
void zcp_resolve(void);
#define REAL(f) (__builtin_expect(zcp_real.f != NULL, 1) ? zcp_real.f : \
		 (zcp_resolve(), zcp_real.f))

/* socks.c */
struct zcp_sock *zcp_sock_classify(int fd);
/*
 * The fd's socket if it is served, classifying it on first use; else NULL.
 * Inline: the common answer, an fd already classified, takes two loads.
 */
static inline struct zcp_sock *zcp_sock_get(int fd)
{
	struct zcp_sock *s;

	if ((unsigned int)fd >= ZCP_FD_MAX ||
	    atomic_load_explicit(&zcp_absent, memory_order_relaxed))
		return NULL;
	s = atomic_load_explicit(&zcp_fd[fd], memory_order_acquire);
	if (!s)
		return zcp_sock_classify(fd);
	return s == ZCP_NOT_SERVED || s->absent ? NULL : s;
}
/* The fd's socket if already known to be served, else NULL (no classify). */
static inline struct zcp_sock *zcp_sock_peek(int fd)
{
	struct zcp_sock *s;

	if ((unsigned int)fd >= ZCP_FD_MAX)
		return NULL;
	s = atomic_load_explicit(&zcp_fd[fd], memory_order_acquire);
	return s == ZCP_NOT_SERVED ? NULL : s;
}
/* Should a wait on fd look at the store? (Racy read; the waits confirm.) */
static inline bool zcp_wait_wanted(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	return s && (!s->absent || s->n);
}
/* Bumped whenever a wait reports an error event from the kernel. */
extern _Atomic uint32_t zcp_err_epoch;
/*
 * A send call on s starts (any flags), for empty.c: its place among the
 * socket's sends. Every one is ended by zcp_send_end() when it returns.
 */
static inline struct zcp_send zcp_send_start(struct zcp_sock *s)
{
	struct zcp_send st;

	st.epoch = atomic_load(&zcp_err_epoch);
	st.others = atomic_fetch_add(&s->inflight, 1);
	st.seq = atomic_fetch_add(&s->sends, 1) + 1;
	st.id = atomic_load(&s->ids);
	return st;
}
/* ... returns, having sent @ids MSG_ZEROCOPY messages with data. */
static inline void zcp_send_end(struct zcp_sock *s, uint32_t ids)
{
	if (ids)
		atomic_fetch_add(&s->ids, ids);
	atomic_fetch_sub(&s->inflight, 1);
}
/*
 * A send call that passes through on fd: its socket if served and ever
 * to be told empty, started (empty.c).
 */
static inline struct zcp_sock *zcp_plain_start(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	if (!s || atomic_load_explicit(&s->no_empty, memory_order_relaxed))
		return NULL;
	zcp_send_start(s);
	return s;
}
static inline void zcp_plain_end(struct zcp_sock *s)
{
	if (s)
		zcp_send_end(s, 0);
}

/* empty.c */
extern bool zcp_empty_on;	/* ask at all (ZCNOTIFY_PRELOAD_EMPTY) */
/*
 * A send's answer @told the queue was left empty, or not; @last: the
 * last send counter it held (only an answer that held its own send's
 * completion counts).
 */
void zcp_empty_settle(struct zcp_sock *s, const struct zcp_send *st,
		      bool told, const uint32_t *last);
/* An error-queue read of fd with an empty store: EAGAIN without asking? */
bool zcp_empty_take(int fd);
/* A wait reported an error event from the kernel. */
void zcp_errors_reported(void);
/* setsockopt() that may let entries no send makes reach fd's queue? */
bool zcp_empty_option(int level, int name, const void *val, socklen_t len);
/* ... made on fd: it is never told empty again. */
void zcp_no_empty(int fd);
void zcp_empty_no(struct zcp_sock *s);
/* A new socket's: can entries reach its queue that no send makes? */
bool zcp_empty_never(int fd, int family, int type);
/* fork(): every socket is shared with the child now. */
void zcp_empty_forked(struct zcp_sock *socks);
/* fds open at the last fork() (empty.c): classified never to be told. */
extern atomic_uchar zcp_fd_forked[ZCP_FD_MAX];
void zcp_empty_fork_fds(void);

/* Under zcp_mu: store a range answered by the module. */
void zcp_store_add(struct zcp_sock *s, uint32_t lo, uint32_t hi, bool copied);
/* Under zcp_mu: take the oldest stored range; false if none. */
bool zcp_store_pop(struct zcp_sock *s, struct zcp_range *out);
/* Under zcp_mu: wake blocked waiters (after ranges were stored). */
void zcp_wake_locked(void);
/* Forget what the library knows of fd (closed, or replaced by dup2). */
void zcp_fd_forget(int fd);
void zcp_fd_reclassify(int fd);
void zcp_fd_dup(int oldfd, int newfd);
void zcp_lock(void);
/* Under zcp_mu: a send in flight is done with s (may free it). */
void zcp_sock_unbusy_locked(struct zcp_sock *s);
/* Under zcp_mu: the wake eventfd, created on first need (-1: none). */
int zcp_wake_get_locked(void);
/* Under zcp_mu: reset after the waiters left (drains the eventfd). */
void zcp_wake_drain_locked(void);
void zcp_unlock(void);

#endif /* ZCP_H */
