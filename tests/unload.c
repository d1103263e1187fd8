// SPDX-License-Identifier: GPL-2.0
/*
 * unload: the module goes away while applications use it.
 *
 * Senders keep going through load/unload cycles (unload_traffic); rmmod
 * succeeds while a sender whose call carries no request is blocked inside
 * a hooked sendmsg(), which then returns normally (unload_blocked; a call
 * whose request was answered keeps the module in use until it returns:
 * adv_reload); a soak of workers with failures on purpose and an unload
 * storm (soak); a package upgrade replaces the loaded module under
 * senders (upgrade_traffic, run by make check-dkms; packaging/zcnotify-reload).
 * Afterwards the stock behaviour (EINVAL, MSG_ERRQUEUE) delivers the rest,
 * and every completion arrives exactly once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/* Senders that keep going while the module comes and goes. */
struct churn {
	struct t_ctx t;
	struct zc_pair p;
	struct zc_ledger l;
	atomic_int *stop;
	int pace_us;		/* pause between sends */
	int err;
};

static void *churn_sender(void *arg)
{
	struct churn *c = arg;
	int got;

	while (!atomic_load(c->stop)) {
		ssize_t n = zc_send_zc(&c->t, &c->p, 4096, 0, 8, &c->l, &got);

		if (got == -1) {
			c->err = -1;
			break;
		}
		if (n < 0 && errno == EINVAL) {
			/* Module absent: stock behaviour, fall back. */
			if (zc_send(&c->p, 4096, MSG_ZEROCOPY, NULL,
				    &c->l) != 4096 && errno != ENOBUFS) {
				c->err = t_fail(&c->t, "plain send: %s",
						strerror(errno));
				break;
			}
			if (zc_read_errqueue(&c->t, c->p.tx, &c->l, NULL) < 0) {
				c->err = -1;
				break;
			}
		} else if (n != 4096) {
			c->err = t_fail(&c->t, "send: %zd (%s)", n,
					strerror(errno));
			break;
		}
		zc_pair_drain_rx(&c->p);
		if (c->pace_us)
			usleep(c->pace_us);
	}
	return NULL;
}

#define CHURN_NR 2

/* A TCP/IPv4 and a UDP/IPv6 churn_sender, started. */
static int churn_start(struct t_ctx *t, struct churn *c, pthread_t *th,
		       atomic_int *stop, int pace_us)
{
	static const int fam[CHURN_NR] = { AF_INET, AF_INET6 };
	static const int typ[CHURN_NR] = { SOCK_STREAM, SOCK_DGRAM };
	int i;

	for (i = 0; i < CHURN_NR; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].stop = stop;
		c[i].pace_us = pace_us;
		if (zc_pair_open(t, &c[i].p, fam[i], typ[i], true) ||
		    zc_ledger_init(&c[i].l, 1 << 20))
			return -1;
		errno = pthread_create(&th[i], NULL, churn_sender, &c[i]);
		if (errno)
			return t_fail(t, "pthread_create: %s", strerror(errno));
	}
	return 0;
}

/*
 * Stop the senders; the error queue delivers what the cmsg did not, and
 * every id must have come once. @ret: the body's result so far. Adds the
 * ids that came through the cmsg to *@via_cmsg.
 */
static int churn_finish(struct t_ctx *t, struct churn *c, pthread_t *th,
			atomic_int *stop, int ret, const char *what,
			uint32_t *via_cmsg)
{
	int i;

	atomic_store(stop, 1);
	for (i = 0; i < CHURN_NR; i++) {
		pthread_join(th[i], NULL);
		if (c[i].err && !ret)
			ret = t_fail(t, "%s sender: %s",
				     zc_pair_name(&c[i].p), c[i].t.why);
		if (!ret && zc_settle(t, &c[i].p, &c[i].l, true, 15000))
			ret = -1;
		if (!ret && zc_ledger_verify(t, &c[i].l))
			ret = -1;
		*via_cmsg += c[i].l.ids_cmsg;
		printf("# %s %s: %u sends, %u ids via cmsg\n", what,
		       zc_pair_name(&c[i].p), c[i].l.sends, c[i].l.ids_cmsg);
		zc_ledger_free(&c[i].l);
		zc_pair_close(&c[i].p);
	}
	return ret;
}

static int t_unload_traffic(struct t_ctx *t, const struct t_env *e)
{
	struct churn c[CHURN_NR];
	atomic_int stop = 0;
	uint32_t via_cmsg = 0;
	pthread_t th[CHURN_NR];
	int cycle, ret = 0, refused = 0;

	if (zc_loaded())
		CHECK(t, !zc_unload("zcnotify"), "rmmod: %s", strerror(errno));
	if (churn_start(t, c, th, &stop, 0))
		return -1;
	for (cycle = 0; cycle < 12 && !ret; cycle++) {
		if (zc_load(e->ko, ""))
			ret = t_fail(t, "load %d: %s", cycle, strerror(errno));
		usleep(100000 + (cycle % 4) * 50000);
		if (!ret && zc_unload_retry("zcnotify", &refused))
			ret = t_fail(t, "unload %d: %s", cycle,
				     strerror(errno));
		usleep(50000);
	}
	if (zc_loaded() && zc_unload("zcnotify"))
		ret = t_fail(t, "final unload: %s", strerror(errno));
	/* Module gone: the error queue must deliver the rest. */
	ret = churn_finish(t, c, th, &stop, ret, "unload_traffic", &via_cmsg);
	if (!ret && !via_cmsg)
		ret = t_fail(t, "no completion ever came through the cmsg");
	printf("# unload_traffic: 12 load/unload cycles, rmmod refused %d times (module in use)\n",
	       refused);
	return ret;
}

/* The ids sender @c has had through the cmsg so far. */
static uint32_t churn_ids_cmsg(struct churn *c)
{
	uint32_t n;

	pthread_mutex_lock(&c->l.mu);
	n = c->l.ids_cmsg;
	pthread_mutex_unlock(&c->l.mu);
	return n;
}

/*
 * Wait up to @ms for every sender to get 100 ids more than @base[i]
 * through the cmsg; @base is then updated to now. Returns the index of a
 * sender that did not, or -1.
 */
static int churn_served(struct churn *c, uint32_t *base, long ms)
{
	long end = zc_now_ms() + ms;
	int i, late = -1;

	for (i = 0; i < CHURN_NR; i++) {
		while (churn_ids_cmsg(&c[i]) <= base[i] + 100 &&
		       zc_now_ms() < end)
			usleep(10000);
		if (churn_ids_cmsg(&c[i]) <= base[i] + 100)
			late = i;
	}
	for (i = 0; i < CHURN_NR; i++)
		base[i] = churn_ids_cmsg(&c[i]);
	return late;
}

/*
 * A package upgrade under senders: $ZC_UPGRADE_CMD (make check-dkms: dpkg
 * -i of the next version, whose postinst runs zcnotify-reload) replaces
 * the loaded module. The cmsg serves before and after, the module loaded
 * afterwards is the other version, every completion arrives once.
 */
static int t_upgrade_traffic(struct t_ctx *t, const struct t_env *e)
{
	const char *cmd = getenv("ZC_UPGRADE_CMD");
	char v0[64] = "", v1[64] = "";
	uint32_t via_cmsg = 0, base[CHURN_NR] = { 0 };
	struct churn c[CHURN_NR];
	atomic_int stop = 0;
	pthread_t th[CHURN_NR];
	int ret = 0, rc, late;
	long t0;

	(void)e;
	CHECK(t, cmd, "no ZC_UPGRADE_CMD: make check-dkms sets it");
	CHECK(t, !read_param("version", v0, sizeof(v0)),
	      "zcnotify is not loaded before the upgrade");
	/* Paced (10 ms): the dkms build beside it takes minutes under TCG. */
	if (churn_start(t, c, th, &stop, 10000))
		return -1;
	late = churn_served(c, base, 10000);
	if (late >= 0)
		ret = t_fail(t, "version %s: %s got no completion through the cmsg",
			     v0, zc_pair_name(&c[late].p));
	t0 = zc_now_ms();
	rc = ret ? 0 : system(cmd);
	if (!ret && rc)
		ret = t_fail(t, "%s: %s %d", cmd,
			     WIFEXITED(rc) ? "exit status" : "status",
			     WIFEXITED(rc) ? WEXITSTATUS(rc) : rc);
	if (!ret && (read_param("version", v1, sizeof(v1)) || !strcmp(v0, v1)))
		ret = t_fail(t, "after the upgrade: version %s loaded, was %s",
			     v1[0] ? v1 : "none", v0);
	late = ret ? -1 : churn_served(c, base, 10000);
	if (late >= 0)
		ret = t_fail(t, "version %s: %s got no completion through the cmsg",
			     v1, zc_pair_name(&c[late].p));
	ret = churn_finish(t, c, th, &stop, ret, "upgrade_traffic", &via_cmsg);
	printf("# upgrade_traffic: version %s to %s in %ld ms under senders\n",
	       v0, v1, zc_now_ms() - t0);
	return ret;
}

/*
 * A sender blocked inside a hooked sendmsg() while the module goes: its
 * call carries no request (an answered one would keep the module in use,
 * see adv_reload.c).
 */
struct blocked {
	struct t_ctx t;
	struct zc_pair *p;
	struct zc_ledger *l;
	atomic_int done;
	ssize_t n;
	int err;
};

static void *blocked_sender(void *arg)
{
	struct blocked *b = arg;

	b->n = zc_send(b->p, b->p->buflen, MSG_ZEROCOPY, NULL, b->l);
	b->err = errno;
	atomic_store(&b->done, 1);
	return NULL;
}

static const struct t_fixture fix_unload_blocked = {
	.ledger = 4096, .settle = T_SETTLE_ERRQ, .settle_ms = 15000,
};

/* rmmod while @b's sender is blocked: it returns, and the sender too. */
static int unload_under(struct t_ctx *t, struct blocked *b)
{
	long t0 = zc_now_ms();

	CHECK(t, !atomic_load(&b->done), "sender did not block (%zd)", b->n);
	CHECK(t, !zc_unload("zcnotify"), "unload with a blocked sender: %s",
	      strerror(errno));
	printf("# unload_blocked: rmmod done in %ld ms, sender %s\n",
	       zc_now_ms() - t0, atomic_load(&b->done) ? "done" : "still blocked");
	return 0;
}

static int t_unload_blocked(struct t_ctx *t, struct t_fix *f)
{
	struct blocked b = { .p = &f->p, .l = &f->l };
	int small = 16384, ret;
	struct zc_req r;
	pthread_t th;
	ssize_t n;

	if (!zc_loaded())
		CHECK(t, !zc_load(f->e->ko, ""), "load: %s", strerror(errno));
	setsockopt(f->p.tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(f->p.rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (queue_completions(t, &f->p, &f->l, 5))
		return -1;
	pthread_create(&th, NULL, blocked_sender, &b);
	usleep(500000);
	ret = unload_under(t, &b);
	while (!atomic_load(&b.done)) {
		zc_pair_drain_rx(&f->p);
		usleep(1000);
	}
	pthread_join(th, NULL);
	if (ret)
		return ret;
	CHECK(t, b.n == (ssize_t)f->p.buflen, "blocked send returned %zd (%s)",
	      b.n, strerror(b.err));
	/* The application keeps working: stock EINVAL, errqueue delivers. */
	zc_req_init(&r);
	zc_req_add_zc(&r, 8);
	n = zc_send(&f->p, 1000, MSG_ZEROCOPY, &r, &f->l);
	CHECK(t, n < 0 && errno == EINVAL && zc_req_untouched(&r),
	      "cmsg after unload: %zd (%s), want EINVAL", n,
	      n < 0 ? strerror(errno) : "success");
	CHECK(t, zc_send(&f->p, 1000, MSG_ZEROCOPY, NULL, &f->l) == 1000,
	      "plain send after unload: %s", strerror(errno));
	return 0;
}

/*
 * Soak: workers sending with MSG_ZEROCOPY on their own sockets, reaping
 * through the cmsg, MSG_ERRQUEUE or both, with failures on purpose
 * (non-blocking sockets filling up, peers closing, optmem_max lowered so
 * that ENOBUFS happens), while the module is unloaded and loaded again
 * and a sender sits blocked in sendmsg(). Every send counter value must
 * be accounted for exactly once. Length from ZC_SOAK_SECS (default 20),
 * unload cycles from ZC_SOAK_UNLOADS (default 10).
 */
enum soak_mode { SOAK_CMSG, SOAK_ERRQ_THREAD, SOAK_NONBLOCK, SOAK_MIXED,
		 SOAK_CLOSER, SOAK_NR };

struct soak {
	struct t_ctx t;
	enum soak_mode mode;
	int family, type;
	atomic_int *stop;
	struct zc_pair p;
	struct zc_ledger l;
	atomic_int reader_stop;
	long sends, completions, lost, dups, pairs;
	int err;
};

static void *soak_reader(void *arg)
{
	struct soak *s = arg;
	struct pollfd pfd;

	while (!atomic_load(&s->reader_stop)) {
		pfd.fd = s->p.tx;
		pfd.events = 0;
		poll(&pfd, 1, 5);
		if (zc_read_errqueue(&s->t, s->p.tx, &s->l, NULL) < 0)
			break;
	}
	return NULL;
}

/* Close out one socket pair: collect the rest, check, add to totals. */
static int soak_finish_pair(struct soak *s)
{
	int ret = zc_settle(&s->t, &s->p, &s->l, false, 20000);

	s->sends += s->l.sends;
	s->completions += s->l.ids_cmsg + s->l.ids_errqueue;
	s->lost += zc_ledger_missing(&s->l);
	s->dups += s->l.dups + s->l.bogus;
	s->pairs++;
	if (!ret)
		ret = zc_ledger_verify(&s->t, &s->l);
	zc_ledger_free(&s->l);
	zc_pair_close(&s->p);
	return ret;
}

static int soak_open_pair(struct soak *s)
{
	int small = 16384;

	if (zc_pair_open(&s->t, &s->p, s->family, s->type, true) ||
	    zc_ledger_init(&s->l, 1 << 21))
		return -1;
	if (s->mode == SOAK_NONBLOCK) {
		setsockopt(s->p.tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		fcntl(s->p.tx, F_SETFL, O_NONBLOCK);
	}
	return 0;
}

static void *soak_worker(void *arg)
{
	struct soak *s = arg;
	pthread_t reader;
	long i = 0;
	int got;

	if (soak_open_pair(s)) {
		s->err = -1;
		return NULL;
	}
	if (s->mode == SOAK_ERRQ_THREAD)
		pthread_create(&reader, NULL, soak_reader, s);
	while (!atomic_load(s->stop) && !s->err) {
		bool cmsg = s->mode == SOAK_CMSG || s->mode == SOAK_ERRQ_THREAD ||
			    (s->mode == SOAK_MIXED && i % 2);
		ssize_t n;

		i++;
		if (cmsg) {
			struct zc_req r;

			zc_req_init(&r);
			zc_req_add_zc(&r, 8);
			n = zc_send(&s->p, 2048, MSG_ZEROCOPY, &r, &s->l);
			got = zc_req_collect(&s->t, &r, &s->l);
			if (got == -1)
				s->err = -1;
		} else {
			n = zc_send(&s->p, 2048, MSG_ZEROCOPY, NULL, &s->l);
		}
		if (n < 0 && errno != EINVAL && errno != EAGAIN &&
		    errno != ENOBUFS && errno != EPIPE && errno != ECONNRESET)
			s->err = t_fail(&s->t, "send: %s", strerror(errno));
		if (s->mode != SOAK_CMSG && s->mode != SOAK_ERRQ_THREAD &&
		    zc_read_errqueue(&s->t, s->p.tx, &s->l, NULL) < 0)
			s->err = -1;
		if (s->mode == SOAK_CMSG && n < 0 &&
		    zc_read_errqueue(&s->t, s->p.tx, &s->l, NULL) < 0)
			s->err = -1;	/* module absent: errqueue fallback */
		if (s->mode == SOAK_NONBLOCK && n < 0 && errno == EAGAIN &&
		    i % 16 == 0)
			zc_pair_drain_rx(&s->p);
		else if (s->mode != SOAK_NONBLOCK)
			zc_pair_drain_rx(&s->p);
		if (s->mode == SOAK_CLOSER && i % 300 == 0) {
			/* The peer goes away: EPIPE, then a fresh pair. */
			close(s->p.rx);
			s->p.rx = -1;
			zc_send(&s->p, 2048, MSG_ZEROCOPY, NULL, &s->l);
			if (soak_finish_pair(s) || soak_open_pair(s))
				s->err = -1;
		}
	}
	if (s->mode == SOAK_ERRQ_THREAD) {
		atomic_store(&s->reader_stop, 1);
		pthread_join(reader, NULL);
	}
	if (s->mode == SOAK_NONBLOCK)
		fcntl(s->p.tx, F_SETFL, 0);
	if (!s->err && soak_finish_pair(s))
		s->err = -1;
	return NULL;
}

static long meminfo(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return v;
}

static int t_soak(struct t_ctx *t, const struct t_env *e)
{
	static const int fam[SOAK_NR] = { AF_INET, AF_INET6, AF_INET6,
					  AF_INET, AF_INET };
	static const int typ[SOAK_NR] = { SOCK_STREAM, SOCK_DGRAM, SOCK_STREAM,
					  SOCK_DGRAM, SOCK_STREAM };
	const char *env_s = getenv("ZC_SOAK_SECS"), *env_u = getenv("ZC_SOAK_UNLOADS");
	int secs = env_s ? atoi(env_s) : 20, unloads = env_u ? atoi(env_u) : 10;
	long sends = 0, comps = 0, lost = 0, dups = 0, slab0, slab1;
	struct soak *w = calloc(SOAK_NR, sizeof(*w));
	struct blocked b;
	struct zc_pair bp;
	struct zc_ledger bl;
	pthread_t th[SOAK_NR], bth;
	atomic_int stop = 0;
	int i, cycle, refused = 0, ret = 0, small = 16384;
	long t_end;
	char optmem[32] = "";
	FILE *f;

	if (!w)
		return t_fail(t, "out of memory");
	if (zc_loaded())
		CHECK(t, !zc_unload("zcnotify"), "rmmod: %s", strerror(errno));
	slab0 = meminfo("Slab:");
	CHECK(t, !zc_load(e->ko, ""), "load: %s", strerror(errno));
	f = fopen("/proc/sys/net/core/optmem_max", "r");
	if (f && fgets(optmem, sizeof(optmem), f))
		write_sysctl("/proc/sys/net/core/optmem_max", "12288");
	if (f)
		fclose(f);

	/* A sender that stays blocked in sendmsg() through the unloads. */
	CHECK(t, !zc_pair_open(t, &bp, AF_INET, SOCK_STREAM, true) &&
	      !zc_ledger_init(&bl, 4096), "blocked pair: %s", t->why);
	setsockopt(bp.tx, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(bp.rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&b, 0, sizeof(b));
	b.p = &bp;
	b.l = &bl;
	pthread_create(&bth, NULL, blocked_sender, &b);

	for (i = 0; i < SOAK_NR; i++) {
		w[i].mode = i;
		w[i].family = fam[i];
		w[i].type = typ[i];
		w[i].stop = &stop;
		pthread_create(&th[i], NULL, soak_worker, &w[i]);
	}
	t_end = zc_now_ms() + secs * 1000L;
	for (cycle = 0; (cycle < unloads || zc_now_ms() < t_end) && !ret; cycle++) {
		usleep(cycle < unloads ? 20000 + 10000 * (cycle % 5) : 200000);
		if (cycle >= unloads)
			continue;
		if (zc_unload_retry("zcnotify", &refused))
			ret = t_fail(t, "unload %d: %s", cycle, strerror(errno));
		usleep(10000);
		if (!ret && zc_load(e->ko, ""))
			ret = t_fail(t, "load %d: %s", cycle, strerror(errno));
	}
	atomic_store(&stop, 1);
	for (i = 0; i < SOAK_NR; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err && !ret)
			ret = t_fail(t, "worker %d: %s", i, w[i].t.why);
		sends += w[i].sends;
		comps += w[i].completions;
		lost += w[i].lost;
		dups += w[i].dups;
	}
	if (atomic_load(&b.done) && !ret)
		ret = t_fail(t, "the blocked sender was not blocked");
	while (!atomic_load(&b.done)) {
		zc_pair_drain_rx(&bp);
		usleep(1000);
	}
	pthread_join(bth, NULL);
	if (!ret && zc_settle(t, &bp, &bl, false, 20000))
		ret = -1;
	if (!ret && zc_ledger_verify(t, &bl))
		ret = -1;
	zc_ledger_free(&bl);
	zc_pair_close(&bp);
	if (optmem[0])
		write_sysctl("/proc/sys/net/core/optmem_max", optmem);
	if (zc_loaded() && zc_unload_retry("zcnotify", &refused) && !ret)
		ret = t_fail(t, "final unload: %s", strerror(errno));
	usleep(200000);
	slab1 = meminfo("Slab:");
	printf("# soak: %ds, %d unload cycles (%d refused while in use), %ld sends, %ld completions, lost %ld, duplicated %ld, slab %+ld kB\n",
	       secs, unloads, refused, sends, comps, lost, dups, slab1 - slab0);
	if (!ret && (lost || dups))
		ret = t_fail(t, "lost %ld, duplicated %ld", lost, dups);
	free(w);
	if (!zc_loaded())
		zc_load(e->ko, "");
	return ret;
}

const struct t_case unload_cases[] = {
	T_CASE("unload_traffic", t_unload_traffic, 0, 0, 120),
	T_FIX("unload_blocked", t_unload_blocked, &fix_unload_blocked, 0,
	      AF_INET, SOCK_STREAM, 60),
	T_CASE("soak", t_soak, 0, 0, 1800),
	{ NULL }
};

/* Run by make check-dkms, by name (runner.c lane_tables). */
const struct t_case unload_lane_cases[] = {
	T_CASE("upgrade_traffic", t_upgrade_traffic, 0, 0, 1500),
	{ NULL }
};
