// SPDX-License-Identifier: GPL-2.0
/*
 * socks: which fds are served, their sockets' completion stores, and what
 * close(), dup() and fork() do to them.
 *
 * An fd is served when it is a TCP or UDP socket over IPv4 or IPv6 with
 * SO_ZEROCOPY on, found at its first MSG_ZEROCOPY send. Its socket is
 * found by inode, so every fd of one socket (dup, SCM_RIGHTS) shares one
 * store, as they share the kernel's error queue. A store holds at most
 * ZCP_STORE_MAX ranges, merging a range into the last one when their
 * send counters are consecutive (the kernel's own rule on its queue).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "zcp.h"

pthread_mutex_t zcp_mu = PTHREAD_MUTEX_INITIALIZER;
_Atomic(struct zcp_sock *) zcp_fd[ZCP_FD_MAX];
atomic_bool zcp_absent;
struct zcp_epreg *zcp_epregs;
atomic_uchar zcp_ep_served[ZCP_FD_MAX];
atomic_uchar zcp_fd_hasreg[ZCP_FD_MAX];
int zcp_wake_fd = -1;
unsigned int zcp_waiters;
atomic_ulong zcp_count[ZC_NR];
bool zcp_stats_on;

static struct zcp_sock *socks;
/*
 * Sockets no fd maps to any more. They are kept for reuse, never freed:
 * the waits and error-queue reads peek at a socket's store without the
 * lock (and confirm under it), which must never touch freed memory.
 */
static struct zcp_sock *spare;

static void retire_locked(struct zcp_sock *s)
{
	s->next = spare;
	spare = s;
}

void zcp_lock(void)
{
	pthread_mutex_lock(&zcp_mu);
}

void zcp_unlock(void)
{
	pthread_mutex_unlock(&zcp_mu);
}

static bool sockopt_int(int fd, int level, int name, int *v)
{
	socklen_t len = sizeof(*v);

	ZCP_COUNT(ZC_SYSCALLS);
	return !getsockopt(fd, level, name, v, &len) && len == sizeof(*v);
}

/* Is fd a TCP/UDP socket over IPv4/IPv6 with SO_ZEROCOPY on? */
static bool servable(int fd, int *family, int *type)
{
	int proto, zc;

	if (!sockopt_int(fd, SOL_SOCKET, SO_DOMAIN, family) ||
	    (*family != AF_INET && *family != AF_INET6) ||
	    !sockopt_int(fd, SOL_SOCKET, SO_TYPE, type) ||
	    !sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &proto) ||
	    !sockopt_int(fd, SOL_SOCKET, SO_ZEROCOPY, &zc) || !zc)
		return false;
	return (*type == SOCK_STREAM && proto == IPPROTO_TCP) ||
	       (*type == SOCK_DGRAM && proto == IPPROTO_UDP);
}

/* An fd of s is gone; at the last one, s leaves the list (retired once
 * no send in flight holds it). */
static void sock_put_locked(struct zcp_sock *s)
{
	struct zcp_sock **pp;

	struct zcp_epreg **rp = &zcp_epregs, *r;

	if (s->refs)
		s->refs--;
	if (s->refs)
		return;
	/* The socket is closed: the kernel dropped its epoll registrations. */
	while ((r = *rp)) {
		if (r->sock == s) {
			*rp = r->next;
			free(r);
		} else {
			rp = &r->next;
		}
	}
	for (pp = &socks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	s->n = 0;
	if (!s->busy)
		retire_locked(s);
}

/* zcp_sock_get() for an fd not classified yet (zcp.h has the fast half). */
struct zcp_sock *zcp_sock_classify(int fd)
{
	struct zcp_sock *s;
	struct stat st;
	int family, type, err;
	bool never;

	err = errno;
	if (!servable(fd, &family, &type) || fstat(fd, &st)) {
		zcp_lock();
		if (!atomic_load(&zcp_fd[fd]))
			atomic_store(&zcp_fd[fd], ZCP_NOT_SERVED);
		zcp_unlock();
		errno = err;
		return NULL;
	}
	/* Options set before the library saw it (inherited), a fork (empty.c) */
	never = zcp_empty_never(fd, family, type) ||
		atomic_load(&zcp_fd_forked[fd]);
	errno = err;
	zcp_lock();
	s = atomic_load(&zcp_fd[fd]);
	if (s) {		/* another thread classified it meanwhile */
		zcp_unlock();
		return s == ZCP_NOT_SERVED || s->absent ? NULL : s;
	}
	for (s = socks; s; s = s->next)
		if (s->dev == st.st_dev && s->ino == st.st_ino)
			break;
	if (!s) {
		s = spare;
		if (s) {
			spare = s->next;
			/*
			 * A sender that found the retired socket before its fd
			 * closed may still take a skip from it (send.c,
			 * take_skip()): it sees 0 or its own count, never more;
			 * and ends its send (inflight) on it.
			 */
			uint32_t inflight = atomic_load(&s->inflight);

			memset(s, 0, sizeof(*s));
			atomic_store(&s->inflight, inflight);
		} else {
			s = calloc(1, sizeof(*s));
		}
		if (!s) {
			zcp_unlock();
			return NULL;
		}
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		s->family = family;
		s->next_cap = 1;
		s->next = socks;
		socks = s;
	}
	s->refs++;
	if (never)
		zcp_empty_no(s);
	atomic_store_explicit(&zcp_fd[fd], s, memory_order_release);
	/* Its epoll registrations now need the waits' attention. */
	for (struct zcp_epreg *r = zcp_epregs; r; r = r->next)
		if (r->fd == fd && (unsigned int)r->epfd < ZCP_FD_MAX) {
			r->sock = s;
			atomic_store(&zcp_ep_served[r->epfd], 1);
		}
	zcp_unlock();
	return s->absent ? NULL : s;
}

void zcp_store_add(struct zcp_sock *s, uint32_t lo, uint32_t hi, bool copied)
{
	struct zcp_range *last;

	if (s->n) {
		last = &s->r[(s->head + s->n - 1) % ZCP_STORE_MAX];
		/* Consecutive, and the merged range still fits 32 bits. */
		if (last->hi + 1 == lo && hi - last->lo != UINT32_MAX) {
			last->hi = hi;
			s->gen++;
			return;
		}
	}
	if (s->n == ZCP_STORE_MAX)	/* never: requests ask for free slots */
		abort();
	last = &s->r[(s->head + s->n) % ZCP_STORE_MAX];
	last->lo = lo;
	last->hi = hi;
	last->copied = copied;
	s->n++;
	s->gen++;
}

bool zcp_store_pop(struct zcp_sock *s, struct zcp_range *out)
{
	if (!s->n)
		return false;
	*out = s->r[s->head];
	s->head = (s->head + 1) % ZCP_STORE_MAX;
	s->n--;
	return true;
}

void zcp_sock_unbusy_locked(struct zcp_sock *s)
{
	s->busy--;
	if (!s->refs && !s->busy)
		retire_locked(s);
}

/* The eventfd was written and not yet drained (zcp_mu). */
static bool wake_armed;

void zcp_wake_drain_locked(void)
{
	uint64_t v;
	ssize_t r;

	if (zcp_waiters || zcp_wake_fd < 0 || !wake_armed)
		return;
	ZCP_COUNT(ZC_SYSCALLS);
	r = read(zcp_wake_fd, &v, sizeof(v));
	(void)r;
	wake_armed = false;
}

void zcp_wake_locked(void)
{
	uint64_t one = 1;
	ssize_t r;

	if (!zcp_waiters || zcp_wake_fd < 0 || wake_armed)
		return;
	ZCP_COUNT(ZC_SYSCALLS);
	r = write(zcp_wake_fd, &one, sizeof(one));
	(void)r;
	wake_armed = true;
}

/* Under zcp_mu. */
static void forget_locked(int fd)
{
	struct zcp_epreg **pp = &zcp_epregs, *r;
	struct zcp_sock *s;

	s = atomic_load(&zcp_fd[fd]);
	atomic_store(&zcp_fd[fd], NULL);
	if (s == ZCP_NOT_SERVED)
		s = NULL;
	while ((r = *pp)) {
		if (r->fd == fd && s && s->refs > 1) {
			/* Another fd keeps the socket open, and with it the
			 * kernel's registration (keyed by this fd number). */
			r->fd = -1;
			pp = &r->next;
		} else if (r->fd == fd || r->epfd == fd) {
			*pp = r->next;
			free(r);
		} else {
			pp = &r->next;
		}
	}
	if (s)
		sock_put_locked(s);
	atomic_store(&zcp_ep_served[fd], 0);
	atomic_store(&zcp_fd_hasreg[fd], 0);
	atomic_store(&zcp_fd_forked[fd], 0);
	if (fd == zcp_wake_fd)	/* the program closed ours */
		zcp_wake_fd = -1;
}

void zcp_fd_forget(int fd)
{
	if ((unsigned int)fd >= ZCP_FD_MAX)
		return;
	zcp_lock();
	forget_locked(fd);
	zcp_unlock();
}

/* SO_ZEROCOPY changed: classify again at the next zerocopy send. */
void zcp_fd_reclassify(int fd)
{
	if ((unsigned int)fd >= ZCP_FD_MAX)
		return;
	zcp_lock();
	if (atomic_load(&zcp_fd[fd]) == ZCP_NOT_SERVED)
		atomic_store(&zcp_fd[fd], NULL);
	zcp_unlock();
}

void zcp_fd_dup(int oldfd, int newfd)
{
	struct zcp_sock *s;

	if ((unsigned int)newfd >= ZCP_FD_MAX)
		return;
	zcp_lock();
	forget_locked(newfd);
	if ((unsigned int)oldfd < ZCP_FD_MAX) {
		s = atomic_load(&zcp_fd[oldfd]);
		if (s && s != ZCP_NOT_SERVED)
			s->refs++;
		atomic_store(&zcp_fd[newfd], s);
		atomic_store(&zcp_fd_forked[newfd],
			     atomic_load(&zcp_fd_forked[oldfd]));
	}
	zcp_unlock();
}

static void atfork_prepare(void)
{
	zcp_empty_fork_fds();
	zcp_lock();
}

static void atfork_parent(void)
{
	/* The child may send on them now: no "queue left empty". */
	zcp_empty_forked(socks);
	zcp_unlock();
}

/*
 * The child shares the parent's sockets but not its stores: what the
 * parent stored stays the parent's (delivered there exactly once), the
 * child starts with empty stores and its own wake eventfd.
 */
static void atfork_child(void)
{
	struct zcp_sock *s;

	pthread_mutex_init(&zcp_mu, NULL);
	for (s = socks; s; s = s->next) {
		s->n = s->head = s->reserved = s->busy = 0;
		atomic_store(&s->inflight, 0);
	}
	zcp_empty_forked(socks);
	zcp_waiters = 0;
	wake_armed = false;
	if (zcp_wake_fd >= 0) {
		REAL(close)(zcp_wake_fd);
		zcp_wake_fd = -1;
	}
	/* The epoll sets must get the child's eventfd: add it again. */
	for (struct zcp_epreg *r = zcp_epregs; r; r = r->next)
		if ((unsigned int)r->epfd < ZCP_FD_MAX &&
		    atomic_load(&zcp_ep_served[r->epfd]))
			atomic_store(&zcp_ep_served[r->epfd], 1);
}

static const char *const count_names[ZC_NR] = {
	"send_zc", "send_req", "send_answered", "send_resent", "send_restarted",
	"send_skipped", "send_empty", "ranges_in",
	"errq_served", "errq_passed", "errq_empty", "wait_served", "wait_passed",
	"lib_syscalls", "kernel_calls",
};

__attribute__((constructor)) static void zcp_init(void)
{
	const char *st = getenv("ZCNOTIFY_PRELOAD_STATS");
	const char *em = getenv("ZCNOTIFY_PRELOAD_EMPTY");

	zcp_stats_on = st && *st;
	zcp_empty_on = !em || strcmp(em, "0");
	zcp_resolve();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* ZCNOTIFY_PRELOAD_STATS=1: counters on stderr at exit; =PATH: appended. */
__attribute__((destructor)) static void zcp_fini(void)
{
	const char *where = getenv("ZCNOTIFY_PRELOAD_STATS");
	char line[512];
	int len = 0, fd = 2, i;

	if (!where || !*where)
		return;
	len = snprintf(line, sizeof(line), "zcnotify-preload: pid=%d absent=%d",
		       (int)getpid(), (int)atomic_load(&zcp_absent));
	for (i = 0; i < ZC_NR && len < (int)sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %s=%lu",
				count_names[i], atomic_load(&zcp_count[i]));
	if (len >= (int)sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (strcmp(where, "1"))
		fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, len) < 0)
		len = 0;
	if (fd != 2)
		REAL(close)(fd);
}

/* Creates the wake eventfd on first need (zcp_mu held). */
int zcp_wake_get_locked(void)
{
	if (zcp_wake_fd < 0) {
		ZCP_COUNT(ZC_SYSCALLS);
		zcp_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (zcp_wake_fd >= 0 && zcp_wake_fd < ZCP_FD_MAX &&
		    atomic_load(&zcp_fd[zcp_wake_fd]))
			forget_locked(zcp_wake_fd);
	}
	return zcp_wake_fd;
}
