// SPDX-License-Identifier: GPL-2.0
/*
 * empty: the error-queue read that ends a drain, answered without a
 * system call where the module said its answer left the queue empty.
 *
 * A program that reaps after every send reads the error queue until
 * EAGAIN. Its completions come back in the send's answer and are served
 * from the store (errqueue.c), but the read that finds the store empty
 * would go to the kernel just to hear EAGAIN. Each request asks whether
 * its answer left the socket's error queue empty (ZC_ASK_QUEUE_EMPTY;
 * only an answer made when the send returns says yes: x86-64 from 5.18).
 * Where it did, the first read after the store drained fails with EAGAIN
 * at once, and only if nothing since can have put an entry there that
 * the program could know of:
 *
 * - the answer held that send's own completion (the socket's sends made
 *   through the library are counted): none of its sends is outstanding
 *   then, so no completion of theirs can arrive later, not even one whose
 *   datagram the program then receives (a receive left to ksoftirqd);
 * - no other send call on the socket ran during that send or started
 *   after it (any flags, any thread: a send's completion, timestamp or
 *   local error is queued by the send itself);
 * - no wait of the program's (poll, select, epoll) reported an error
 *   event from the kernel meanwhile: it may have reported, or consumed
 *   the edge of, an entry queued after the answer;
 * - the socket is UDP (TCP's completions come with ACKs, which the
 *   program can see arrive: data it receives), and has never had TX
 *   timestamps, IP_RECVERR / IPV6_RECVERR (ICMP and local errors),
 *   SO_TXTIME or SO_WIFI_STATUS (entries no send here makes) when the
 *   library first served it or since, nor been open at a fork() (the
 *   other process may send on it).
 *
 * Each answer serves one such read; the next goes to the kernel. What
 * else arrives after the answer is on the kernel's queue for that next
 * read, and its arrival wakes waiters as usual. ZCNOTIFY_PRELOAD_EMPTY=0
 * turns the question off.
 *
 * Lock-free (a read may come from a signal handler): the answer is one
 * atomic flag, taken by exchange.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <linux/net_tstamp.h>
#include "zcp.h"

_Atomic uint32_t zcp_err_epoch;
bool zcp_empty_on = true;
atomic_uchar zcp_fd_forked[ZCP_FD_MAX];

void zcp_empty_settle(struct zcp_sock *s, const struct zcp_send *st,
		      bool told, const uint32_t *last)
{
	told = told && last && *last == st->id && !st->others &&
		!atomic_load(&s->no_empty) && atomic_load(&s->sends) == st->seq;
	if (told) {
		atomic_store(&s->told_seq, st->seq);
		atomic_store(&s->told_epoch, st->epoch);
	}
	atomic_store(&s->told, told);
}

bool zcp_empty_take(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	if (!s || !atomic_load_explicit(&s->told, memory_order_relaxed) ||
	    !atomic_exchange(&s->told, false))
		return false;
	/* Only this send may have run since, and it has returned. */
	if (s->n || atomic_load(&s->no_empty) ||
	    atomic_load(&s->sends) != atomic_load(&s->told_seq) ||
	    atomic_load(&s->inflight) ||
	    atomic_load(&zcp_err_epoch) != atomic_load(&s->told_epoch))
		return false;
	ZCP_COUNT(ZC_ERRQ_EMPTY);
	errno = EAGAIN;
	return true;
}

void zcp_errors_reported(void)
{
	atomic_fetch_add(&zcp_err_epoch, 1);
}

static bool nonzero(const void *val, socklen_t len)
{
	int v = 0;

	if (!val || len < (socklen_t)sizeof(v))
		return true;
	memcpy(&v, val, sizeof(v));
	return v;
}

bool zcp_empty_option(int level, int name, const void *val, socklen_t len)
{
	if (level == SOL_SOCKET)
		return name == SO_TXTIME ||
			((name == SO_TIMESTAMPING_OLD || name == SO_TIMESTAMPING_NEW ||
			  name == SO_WIFI_STATUS) && nonzero(val, len));
	if (level == SOL_IP)
		return name == IP_RECVERR && nonzero(val, len);
	return level == SOL_IPV6 && name == IPV6_RECVERR && nonzero(val, len);
}

void zcp_empty_no(struct zcp_sock *s)
{
	atomic_store(&s->no_empty, true);
	atomic_store(&s->told, false);
}

void zcp_no_empty(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	if (s)
		zcp_empty_no(s);
}

/* getsockopt() of an int option; true (as if set) if it cannot be read. */
static bool opt_set(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = 0;

	ZCP_COUNT(ZC_SYSCALLS);
	return getsockopt(fd, level, name, &v, &len) || v;
}

bool zcp_empty_never(int fd, int family, int type)
{
	struct sock_txtime tx;
	socklen_t len = sizeof(tx);

	if (!zcp_empty_on || type != SOCK_DGRAM)
		return true;
	memset(&tx, 0, sizeof(tx));
	ZCP_COUNT(ZC_SYSCALLS);
	if (getsockopt(fd, SOL_SOCKET, SO_TXTIME, &tx, &len) || tx.flags)
		return true;
	return opt_set(fd, SOL_SOCKET, SO_TIMESTAMPING_OLD) ||
		opt_set(fd, SOL_SOCKET, SO_WIFI_STATUS) ||
		opt_set(fd, SOL_IP, IP_RECVERR) ||
		(family == AF_INET6 && opt_set(fd, SOL_IPV6, IPV6_RECVERR));
}

void zcp_empty_forked(struct zcp_sock *socks)
{
	struct zcp_sock *s;

	for (s = socks; s; s = s->next)
		zcp_empty_no(s);
}

/*
 * Before fork(): every fd open now, served yet or not, is marked (its
 * socket may be the child's too); without /proc, every fd.
 */
void zcp_empty_fork_fds(void)
{
	int fd, err = errno;
	struct dirent *d;
	DIR *dir;

	ZCP_COUNT(ZC_SYSCALLS);
	dir = opendir("/proc/self/fd");
	if (!dir) {
		for (fd = 0; fd < ZCP_FD_MAX; fd++)
			atomic_store_explicit(&zcp_fd_forked[fd], 1,
					      memory_order_relaxed);
		errno = err;
		return;
	}
	while ((d = readdir(dir))) {
		fd = atoi(d->d_name);
		if (fd >= 0 && fd < ZCP_FD_MAX && d->d_name[0] != '.')
			atomic_store_explicit(&zcp_fd_forked[fd], 1,
					      memory_order_relaxed);
	}
	closedir(dir);
	errno = err;
}
