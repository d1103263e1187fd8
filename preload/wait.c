// SPDX-License-Identifier: GPL-2.0
/*
 * wait: poll, ppoll, select, pselect, epoll_wait, epoll_pwait and
 * epoll_pwait2 report POLLERR/EPOLLERR for a served socket whose store
 * holds completions, as the kernel does for a non-empty error queue.
 *
 * - A wait that involves no served socket passes straight through.
 * - If a socket in the set has stored completions, the wait does not
 *   block: the other events come from one call with a zero timeout
 *   (never blocking), and POLLERR is added (select: the fd is readable
 *   and writable, the kernel's mapping of POLLERR). epoll: level-
 *   triggered registrations report EPOLLERR while the store is not empty;
 *   edge-triggered (EPOLLET) ones once per batch of completions stored
 *   since they last reported; EPOLLONESHOT ones once until EPOLL_CTL_MOD.
 * - Otherwise it blocks in the kernel with an eventfd of the library's
 *   added to the set (epoll: registered once in that epoll instance with
 *   a private data value, never reported to the program), so that a
 *   sender thread that stores completions meanwhile wakes it. A wake-up
 *   for nothing is never returned: the wait goes on for the time left.
 * - A wait whose kernel call reports an error event (select: any event)
 *   ends what the module's "queue left empty" meant (empty.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "zcp.h"

#define WAKE_DATA	0x7a636e6f74696679ULL	/* "zcnotify" */
#define POLL_STACK	64

static bool stored_locked(int fd)
{
	struct zcp_sock *s = zcp_sock_peek(fd);

	return s && s->n;
}

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static struct timespec ts_add(struct timespec a, const struct timespec *b)
{
	a.tv_sec += b->tv_sec;
	a.tv_nsec += b->tv_nsec;
	if (a.tv_nsec >= 1000000000) {
		a.tv_sec++;
		a.tv_nsec -= 1000000000;
	}
	return a;
}

/* end - now, at least zero. */
static struct timespec left(const struct timespec *end)
{
	struct timespec n = now(), r = { 0, 0 };

	if (n.tv_sec > end->tv_sec ||
	    (n.tv_sec == end->tv_sec && n.tv_nsec >= end->tv_nsec))
		return r;
	r.tv_sec = end->tv_sec - n.tv_sec;
	r.tv_nsec = end->tv_nsec - n.tv_nsec;
	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += 1000000000;
	}
	return r;
}

static bool ts_zero(const struct timespec *t)
{
	return t && !t->tv_sec && !t->tv_nsec;
}

/* Register as a blocked waiter; the wake eventfd, -1 if none. */
static int waiter_enter_locked(void)
{
	int w = zcp_wake_get_locked();

	if (w >= 0)
		zcp_waiters++;
	return w;
}

static void waiter_leave(void)
{
	zcp_lock();
	zcp_waiters--;
	zcp_wake_drain_locked();
	zcp_unlock();
}

/* A thread cancelled while blocked (poll and friends are cancellation
 * points) still leaves the waiters. */
static void waiter_cancelled(void *arg)
{
	(void)arg;
	waiter_leave();
}

static int blocked_ppoll(struct pollfd *fds, nfds_t n,
			 const struct timespec *tmo, const sigset_t *mask)
{
	volatile int r;

	pthread_cleanup_push(waiter_cancelled, NULL);
	r = KCALL(ppoll)(fds, n, tmo, mask);
	pthread_cleanup_pop(0);
	return r;
}

static int blocked_pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
			   const struct timespec *tmo, const sigset_t *mask)
{
	volatile int ret;

	pthread_cleanup_push(waiter_cancelled, NULL);
	ret = KCALL(pselect)(nfds, r, w, e, tmo, mask);
	pthread_cleanup_pop(0);
	return ret;
}

/* ---- poll, ppoll */

static bool poll_served(struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	/* glibc declares the array write-only (it is read and written). */
	__asm__("" : "+r"(fds));
	if (atomic_load_explicit(&zcp_absent, memory_order_relaxed))
		return false;
	for (i = 0; i < n; i++)
		if (zcp_wait_wanted(fds[i].fd))
			return true;
	return false;
}

/* The kernel's poll reported POLLERR somewhere: tell empty.c. */
static void poll_errors(const struct pollfd *fds, nfds_t n, int r)
{
	nfds_t i;

	for (i = 0; r > 0 && i < n; i++)
		if (fds[i].revents & POLLERR) {
			zcp_errors_reported();
			return;
		}
}

/* POLLERR for stored sockets; returns how many entries became ready. */
static int poll_merge_locked(struct pollfd *fds, nfds_t n)
{
	int added = 0;
	nfds_t i;

	for (i = 0; i < n; i++)
		if (fds[i].fd >= 0 && stored_locked(fds[i].fd)) {
			added += !fds[i].revents;
			fds[i].revents |= POLLERR;
		}
	return added;
}

/*
 * Under zcp_mu: every entry is a stored socket whose events ask for
 * nothing but errors (POLLERR is reported whatever events says): then
 * POLLERR is the whole answer and no system call is needed.
 */
static bool errors_only(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (fds[i].fd >= 0 && (!stored_locked(fds[i].fd) ||
				       (fds[i].events & ~POLLERR)))
			return false;
	return true;
}

static int zc_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		    const sigset_t *mask)
{
	static const struct timespec zero = { 0, 0 };
	struct pollfd stack[POLL_STACK + 1], *tmp;
	struct timespec end = { 0, 0 }, rem;
	bool pending, eo;
	int r, err, w = -1, woke;
	nfds_t i;

	if (tmo)
		end = ts_add(now(), tmo);
	for (;;) {
		zcp_lock();
		pending = false;
		for (i = 0; i < n && !pending; i++)
			pending = fds[i].fd >= 0 && stored_locked(fds[i].fd);
		if (!pending && !ts_zero(tmo))
			w = waiter_enter_locked();
		zcp_unlock();
		if (pending) {
			ZCP_COUNT(ZC_WAIT_SERVED);
			r = 0;
			zcp_lock();
			eo = errors_only(fds, n);
			zcp_unlock();
			if (eo)
				for (i = 0; i < n; i++)
					fds[i].revents = 0;
			else
				r = KCALL(ppoll)(fds, n, &zero, NULL);
			if (r < 0)
				return r;
			poll_errors(fds, n, r);
			zcp_lock();
			r += poll_merge_locked(fds, n);
			zcp_unlock();
			/* Another reader took them meanwhile: wait on. */
			if (r || ts_zero(tmo))
				return r;
			continue;
		}
		ZCP_COUNT(ZC_WAIT_PASSED);
		if (w < 0) {
			r = KCALL(ppoll)(fds, n, tmo, mask);
			poll_errors(fds, n, r);
			return r;
		}
		tmp = n < POLL_STACK ? stack : malloc((n + 1) * sizeof(*tmp));
		if (!tmp) {
			waiter_leave();
			r = KCALL(ppoll)(fds, n, tmo, mask);
			poll_errors(fds, n, r);
			return r;
		}
		memcpy(tmp, fds, n * sizeof(*tmp));
		tmp[n].fd = w;
		tmp[n].events = POLLIN;
		tmp[n].revents = 0;
		rem = left(&end);
		r = blocked_ppoll(tmp, n + 1, tmo ? &rem : NULL, mask);
		err = errno;
		waiter_leave();
		if (r >= 0) {
			for (i = 0; i < n; i++)
				fds[i].revents = tmp[i].revents;
			woke = tmp[n].revents != 0;
			r -= woke;
			poll_errors(fds, n, r);
		}
		if (tmp != stack)
			free(tmp);
		if (r < 0) {
			errno = err;
			return r;
		}
		if (r > 0) {
			zcp_lock();
			r += poll_merge_locked(fds, n);
			zcp_unlock();
			return r;
		}
		if (!woke)
			return 0;
		/* Woken for completions stored meanwhile: serve them. */
	}
}

static struct timespec ms_ts(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	return t;
}

ZCP_VISIBLE int poll(struct pollfd *fds, nfds_t n, int ms)
{
	struct timespec t;

	if (!poll_served(fds, n))
		return KCALL(poll)(fds, n, ms);
	t = ms_ts(ms);
	return zc_ppoll(fds, n, ms < 0 ? NULL : &t, NULL);
}

ZCP_VISIBLE int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
		      const sigset_t *mask)
{
	if (!poll_served(fds, n) || (tmo && (tmo->tv_sec < 0 ||
					     tmo->tv_nsec < 0 ||
					     tmo->tv_nsec >= 1000000000)))
		return KCALL(ppoll)(fds, n, tmo, mask);
	return zc_ppoll(fds, n, tmo, mask);
}

/*
 * Programs built with _FORTIFY_SOURCE (Debian's packages are) call these
 * instead of poll() and ppoll() when the array's size is known.
 */
extern void __chk_fail(void) __attribute__((noreturn));

ZCP_VISIBLE int __poll_chk(struct pollfd *fds, nfds_t n, int ms, size_t len)
{
	if (len / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, ms);
}

ZCP_VISIBLE int __ppoll_chk(struct pollfd *fds, nfds_t n,
			    const struct timespec *tmo, const sigset_t *mask,
			    size_t len)
{
	if (len / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, tmo, mask);
}

/* ---- select, pselect */

static bool select_served(int nfds, const fd_set *r, const fd_set *w)
{
	int fd, max = nfds < FD_SETSIZE ? nfds : FD_SETSIZE;

	if (atomic_load_explicit(&zcp_absent, memory_order_relaxed))
		return false;
	for (fd = 0; fd < max; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w))) &&
		    zcp_wait_wanted(fd))
			return true;
	return false;
}

/* Stored sockets read and write ready (POLLERR); how many bits added. */
static int select_merge_locked(int nfds, const fd_set *in_r, const fd_set *in_w,
			       fd_set *r, fd_set *w, bool only_check)
{
	int fd, added = 0, max = nfds < FD_SETSIZE ? nfds : FD_SETSIZE;

	for (fd = 0; fd < max; fd++) {
		if (!((in_r && FD_ISSET(fd, in_r)) ||
		      (in_w && FD_ISSET(fd, in_w))) || !stored_locked(fd))
			continue;
		if (only_check)
			return 1;
		if (in_r && FD_ISSET(fd, in_r) && !FD_ISSET(fd, r)) {
			FD_SET(fd, r);
			added++;
		}
		if (in_w && FD_ISSET(fd, in_w) && !FD_ISSET(fd, w)) {
			FD_SET(fd, w);
			added++;
		}
	}
	return added;
}

static void set_copy(fd_set *dst, const fd_set *src)
{
	if (dst && src)
		memcpy(dst, src, sizeof(*dst));
}

static int zc_pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
		      const struct timespec *tmo, const sigset_t *mask,
		      struct timeval *tv)
{
	static const struct timespec zero = { 0, 0 };
	fd_set in_r, in_w, in_e, rr, ww;
	struct timespec end = { 0, 0 }, rem;
	int ret, err, wk = -1, woke;
	bool pending;

	if (r)
		in_r = *r;
	if (w)
		in_w = *w;
	if (e)
		in_e = *e;
	if (tmo)
		end = ts_add(now(), tmo);
	for (;;) {
		zcp_lock();
		pending = select_merge_locked(nfds, r ? &in_r : NULL,
					      w ? &in_w : NULL, NULL, NULL,
					      true);
		if (!pending && !ts_zero(tmo))
			wk = waiter_enter_locked();
		zcp_unlock();
		set_copy(r, &in_r);
		set_copy(w, &in_w);
		set_copy(e, &in_e);
		if (pending) {
			ZCP_COUNT(ZC_WAIT_SERVED);
			ret = KCALL(pselect)(nfds, r, w, e, &zero, NULL);
			if (ret < 0)
				return ret;
			if (ret)
				zcp_errors_reported();
			if (!r)
				FD_ZERO(&rr);
			if (!w)
				FD_ZERO(&ww);
			zcp_lock();
			ret += select_merge_locked(nfds, r ? &in_r : NULL,
						   w ? &in_w : NULL,
						   r ? r : &rr, w ? w : &ww,
						   false);
			zcp_unlock();
			/* Another reader took them meanwhile: wait on. */
			if (ret || ts_zero(tmo))
				return ret;
			continue;
		}
		ZCP_COUNT(ZC_WAIT_PASSED);
		if (wk < 0 || wk >= FD_SETSIZE) {
			if (wk >= 0)
				waiter_leave();
			ret = tv ? KCALL(select)(nfds, r, w, e, tv) :
				KCALL(pselect)(nfds, r, w, e, tmo, mask);
			if (ret > 0)
				zcp_errors_reported();
			return ret;
		}
		if (!r) {
			FD_ZERO(&rr);
			r = &rr;
			FD_ZERO(&in_r);
		}
		FD_SET(wk, r);
		rem = left(&end);
		ret = blocked_pselect(nfds > wk ? nfds : wk + 1, r, w, e,
				      tmo ? &rem : NULL, mask);
		err = errno;
		waiter_leave();
		if (r == &rr)
			r = NULL;
		if (ret < 0) {
			errno = err;
			return ret;
		}
		woke = r ? FD_ISSET(wk, r) : FD_ISSET(wk, &rr);
		if (woke) {
			FD_CLR(wk, r ? r : &rr);
			ret--;
		}
		if (ret > 0)
			zcp_errors_reported();
		if (tv) {
			rem = left(&end);
			tv->tv_sec = rem.tv_sec;
			tv->tv_usec = rem.tv_nsec / 1000;
		}
		if (ret > 0) {
			if (!w)
				FD_ZERO(&ww);
			zcp_lock();
			ret += select_merge_locked(nfds, r ? &in_r : NULL,
						   w ? &in_w : NULL,
						   r ? r : &rr, w ? w : &ww,
						   false);
			zcp_unlock();
			return ret;
		}
		if (!woke)
			return 0;
	}
}

ZCP_VISIBLE int select(int nfds, fd_set *r, fd_set *w, fd_set *e,
		       struct timeval *tv)
{
	struct timespec t;

	if (!select_served(nfds, r, w) ||
	    (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 ||
		    tv->tv_usec >= 1000000)))
		return KCALL(select)(nfds, r, w, e, tv);
	if (tv) {
		t.tv_sec = tv->tv_sec;
		t.tv_nsec = tv->tv_usec * 1000;
	}
	return zc_pselect(nfds, r, w, e, tv ? &t : NULL, NULL, tv);
}

ZCP_VISIBLE int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
			const struct timespec *tmo, const sigset_t *mask)
{
	if (!select_served(nfds, r, w) ||
	    (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		     tmo->tv_nsec >= 1000000000)))
		return KCALL(pselect)(nfds, r, w, e, tmo, mask);
	return zc_pselect(nfds, r, w, e, tmo, mask, NULL);
}

/* ---- epoll */

ZCP_VISIBLE int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct zcp_epreg *r, **pp;
	int ret = REAL(epoll_ctl)(epfd, op, fd, ev);

	if (ret || (unsigned int)epfd >= ZCP_FD_MAX ||
	    (unsigned int)fd >= ZCP_FD_MAX)
		return ret;
	zcp_lock();
	for (pp = &zcp_epregs; (r = *pp); pp = &r->next)
		if (r->epfd == epfd && r->fd == fd)
			break;
	if (op == EPOLL_CTL_DEL && r) {
		*pp = r->next;
		free(r);
	} else if (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) {
		if (!r && (r = calloc(1, sizeof(*r)))) {
			r->epfd = epfd;
			r->fd = fd;
			r->next = zcp_epregs;
			zcp_epregs = r;
			atomic_store(&zcp_fd_hasreg[fd], 1);
			atomic_store(&zcp_fd_hasreg[epfd], 1);
		}
		if (r && ev) {
			r->events = ev->events;
			r->data = ev->data;
			r->disabled = false;
			r->sock = zcp_sock_peek(fd);
			if (r->sock && !atomic_load(&zcp_ep_served[epfd]))
				atomic_store(&zcp_ep_served[epfd], 1);
		}
	}
	zcp_unlock();
	return ret;
}

/* How epoll_wait, epoll_pwait and epoll_pwait2 block. */
enum ep_kind { EP_WAIT, EP_PWAIT, EP_PWAIT2 };

static int ep_real(enum ep_kind k, int epfd, struct epoll_event *ev, int max,
		   const struct timespec *tmo, const sigset_t *mask)
{
	long long ms;

	if (k == EP_PWAIT2) {
		if (!REAL(epoll_pwait2)) {
			errno = ENOSYS;
			return -1;
		}
		ZCP_COUNT(ZC_KCALLS);
		return zcp_real.epoll_pwait2(epfd, ev, max, tmo, mask);
	}
	ms = !tmo ? -1 : tmo->tv_sec * 1000LL + (tmo->tv_nsec + 999999) / 1000000;
	if (ms > 0x7fffffff)
		ms = 0x7fffffff;
	if (k == EP_WAIT)
		return KCALL(epoll_wait)(epfd, ev, max, (int)ms);
	return KCALL(epoll_pwait)(epfd, ev, max, (int)ms, mask);
}

static int blocked_epoll(enum ep_kind k, int epfd, struct epoll_event *ev,
			 int max, const struct timespec *tmo,
			 const sigset_t *mask)
{
	volatile int ret;

	pthread_cleanup_push(waiter_cancelled, NULL);
	ret = ep_real(k, epfd, ev, max, tmo, mask);
	pthread_cleanup_pop(0);
	return ret;
}

/*
 * Drop the wake eventfd's events; returns the count left, *woke set. An
 * error event among them is told to empty.c.
 */
static int ep_filter(struct epoll_event *ev, int n, bool *woke)
{
	bool errors = false;
	int i, j = 0;

	for (i = 0; i < n; i++) {
		if (ev[i].data.u64 == WAKE_DATA) {
			*woke = true;
			continue;
		}
		errors |= ev[i].events & EPOLLERR;
		ev[j++] = ev[i];
	}
	if (errors)
		zcp_errors_reported();
	return j;
}

/*
 * Under zcp_mu: the registrations of epfd with something to report, as
 * events (EPOLLERR, the program's data), at most max; marks EPOLLET and
 * EPOLLONESHOT ones reported.
 */
static int ep_pending_locked(int epfd, struct epoll_event *out, int max)
{
	struct zcp_epreg *r;
	struct zcp_sock *s;
	int n = 0;

	for (r = zcp_epregs; r && n < max; r = r->next) {
		if (r->epfd != epfd || r->disabled)
			continue;
		s = r->sock;
		if (!s || !s->n || ((r->events & EPOLLET) && r->seen_gen == s->gen))
			continue;
		r->seen_gen = s->gen;
		if (r->events & EPOLLONESHOT)
			r->disabled = true;
		out[n].events = EPOLLERR;
		out[n].data = r->data;
		n++;
	}
	return n;
}

static int zc_epoll(enum ep_kind k, int epfd, struct epoll_event *ev, int max,
		    const struct timespec *tmo, const sigset_t *mask)
{
	static const struct timespec zero = { 0, 0 };
	struct epoll_event mine[POLL_STACK];
	struct epoll_event wev = { .events = EPOLLIN };
	struct timespec end = { 0, 0 }, rem;
	int n, i, j, ret, err, w = -1, cap = max < POLL_STACK ? max : POLL_STACK;
	bool woke;

	if (tmo)
		end = ts_add(now(), tmo);
	wev.data.u64 = WAKE_DATA;
	for (;;) {
		zcp_lock();
		n = ep_pending_locked(epfd, mine, cap);
		if (!n && !ts_zero(tmo)) {
			w = waiter_enter_locked();
			if (w >= 0 && atomic_load(&zcp_ep_served[epfd]) == 1) {
				ZCP_COUNT(ZC_SYSCALLS);
				if (!REAL(epoll_ctl)(epfd, EPOLL_CTL_ADD, w, &wev) ||
				    errno == EEXIST)
					atomic_store(&zcp_ep_served[epfd], 2);
			}
		}
		zcp_unlock();
		woke = false;
		if (n) {
			ZCP_COUNT(ZC_WAIT_SERVED);
			ret = 0;
			if (max > n) {
				ret = ep_real(k, epfd, ev, max - n, &zero, NULL);
				if (ret < 0)
					return ret;
				ret = ep_filter(ev, ret, &woke);
			}
			for (i = 0; i < n; i++) {
				for (j = 0; j < ret; j++)
					if (ev[j].data.u64 == mine[i].data.u64)
						break;
				if (j < ret)
					ev[j].events |= EPOLLERR;
				else
					ev[ret++] = mine[i];
			}
			return ret;
		}
		ZCP_COUNT(ZC_WAIT_PASSED);
		rem = left(&end);
		if (w >= 0) {
			ret = blocked_epoll(k, epfd, ev, max, tmo ? &rem : NULL,
					    mask);
			err = errno;
			waiter_leave();
		} else {
			ret = ep_real(k, epfd, ev, max, tmo ? &rem : NULL, mask);
			err = errno;
		}
		w = -1;
		if (ret < 0) {
			errno = err;
			return ret;
		}
		ret = ep_filter(ev, ret, &woke);
		if (ret > 0 || !woke)
			return ret;
	}
}

static bool ep_served(int epfd, int max)
{
	return (unsigned int)epfd < ZCP_FD_MAX && max > 0 &&
	       atomic_load_explicit(&zcp_ep_served[epfd], memory_order_relaxed) &&
	       !atomic_load_explicit(&zcp_absent, memory_order_relaxed);
}

ZCP_VISIBLE int epoll_wait(int epfd, struct epoll_event *ev, int max, int ms)
{
	struct timespec t;

	if (!ep_served(epfd, max))
		return KCALL(epoll_wait)(epfd, ev, max, ms);
	t = ms_ts(ms);
	return zc_epoll(EP_WAIT, epfd, ev, max, ms < 0 ? NULL : &t, NULL);
}

ZCP_VISIBLE int epoll_pwait(int epfd, struct epoll_event *ev, int max, int ms,
			    const sigset_t *mask)
{
	struct timespec t;

	if (!ep_served(epfd, max))
		return KCALL(epoll_pwait)(epfd, ev, max, ms, mask);
	t = ms_ts(ms);
	return zc_epoll(EP_PWAIT, epfd, ev, max, ms < 0 ? NULL : &t, mask);
}

ZCP_VISIBLE int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
			     const struct timespec *tmo, const sigset_t *mask)
{
	if (!REAL(epoll_pwait2)) {
		errno = ENOSYS;
		return -1;
	}
	if (!ep_served(epfd, max) || (tmo && (tmo->tv_sec < 0 ||
					      tmo->tv_nsec < 0 ||
					      tmo->tv_nsec >= 1000000000)))
		return KCALL(epoll_pwait2)(epfd, ev, max, tmo, mask);
	return zc_epoll(EP_PWAIT2, epfd, ev, max, tmo, mask);
}
