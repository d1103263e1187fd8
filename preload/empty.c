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
 * - no other send call started on the socket after that send began (any
 *   flags, any thread: a send's completion, timestamp or local error is
 *   queued by the send itself);
 * - no wait of the program's (poll, select, epoll) reported an error
 *   event from the kernel meanwhile: it may have reported, or consumed
 *   the edge of, an entry queued after the answer;
 * - the socket has no TX timestamping (SO_TIMESTAMPING: write() and
 *   sendfile() queue timestamps the library does not see).
 *
 * Each answer serves one such read; the next goes to the kernel. What
 * else arrives after the answer (the ACK's completion of a TCP send, an
 * ICMP error) is on the kernel's queue for that next read, and its
 * arrival wakes waiters as usual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/net_tstamp.h>
#include "zcp.h"

_Atomic uint32_t zcp_err_epoch;

/* Any TX timestamping flag: such entries come from sends not seen here. */
#define TX_TSTAMP	(SOF_TIMESTAMPING_TX_HARDWARE | \
			 SOF_TIMESTAMPING_TX_SOFTWARE | \
			 SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_ACK)

void zcp_empty_settle_locked(struct zcp_sock *s, const struct zcp_send *st,
			     bool told)
{
	s->empty_told = told && !s->tstamp &&
		atomic_load(&s->sends) == st->seq;
	s->empty_seq = st->seq;
	s->empty_epoch = st->epoch;
}

bool zcp_empty_take(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);
	bool took = false;

	if (!s || !s->empty_told)	/* racy peek; confirmed under the lock */
		return false;
	zcp_lock();
	if (atomic_load(&zcp_fd[fd]) == s && s->empty_told && !s->n) {
		took = atomic_load(&s->sends) == s->empty_seq &&
			atomic_load(&zcp_err_epoch) == s->empty_epoch;
		s->empty_told = false;
	}
	zcp_unlock();
	if (took) {
		ZCP_COUNT(ZC_ERRQ_EMPTY);
		errno = EAGAIN;
	}
	return took;
}

void zcp_errors_reported(void)
{
	atomic_fetch_add(&zcp_err_epoch, 1);
}

void zcp_tstamp_set(int fd, int flags)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	if (!s || !(flags & TX_TSTAMP))
		return;
	zcp_lock();
	if (atomic_load(&zcp_fd[fd]) == s)
		s->tstamp = true;
	zcp_unlock();
}

bool zcp_tstamp_flags(int flags)
{
	return flags & TX_TSTAMP;
}
