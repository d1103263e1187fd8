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
 * - no other send call on the socket ran during that send or started
 *   after it (any flags, any thread: a send's completion, timestamp or
 *   local error is queued by the send itself);
 * - no wait of the program's (poll, select, epoll) reported an error
 *   event from the kernel meanwhile: it may have reported, or consumed
 *   the edge of, an entry queued after the answer;
 * - the socket is UDP (TCP's completions come with ACKs, which the
 *   program can see arrive: data it receives), and has never had TX
 *   timestamps, IP_RECVERR / IPV6_RECVERR (ICMP and local errors),
 *   SO_TXTIME or SO_WIFI_STATUS (entries no send here makes), nor been
 *   shared with a child by fork().
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
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <linux/net_tstamp.h>
#include "zcp.h"

_Atomic uint32_t zcp_err_epoch;
bool zcp_empty_on = true;

void zcp_empty_settle(struct zcp_sock *s, const struct zcp_send *st,
		      bool told)
{
	told = told && !st->others && !atomic_load(&s->no_empty) &&
		atomic_load(&s->sends) == st->seq;
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

void zcp_no_empty(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	if (s) {
		atomic_store(&s->no_empty, true);
		atomic_store(&s->told, false);
	}
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

	for (s = socks; s; s = s->next) {
		atomic_store(&s->no_empty, true);
		atomic_store(&s->told, false);
	}
}
