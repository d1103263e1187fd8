// SPDX-License-Identifier: GPL-2.0
/*
 * adv_rt_unload: rmmod never frees the module under a task that sleeps
 * inside it.
 *
 * On PREEMPT_RT the error queue's spinlock is a sleeping lock, and a task
 * blocked on it counts as quiescent for RCU Tasks, which ftrace waits on
 * before freeing a trampoline. So: an error-queue reader on CPU 0, starved
 * by a SCHED_FIFO busy loop there (it may be preempted holding the lock),
 * a sender on CPU 1 whose lone requests are answered at entry (taking that
 * lock inside the ftrace callback), and the module unloaded and loaded
 * again in a loop meanwhile. Every unload must either be refused (in use)
 * or leave no task inside the module: no oops, a clean kernel log, and
 * every send counter value reported exactly once. Run on every kernel; it
 * matters on the -rt ones.
 *
 * Module: zc_call_hold() (the reference taken before anything that may
 * sleep) in module/zc_hold.c; zc_exit() in module/zc_main.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

struct rt_unload {
	struct t_ctx t;
	struct zc_pair p;
	struct zc_ledger l;
	atomic_int stop;
	int err;
};

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* SCHED_FIFO on CPU 0: 9 ms busy, 1 ms asleep, so the VM stays alive. */
static void *busy(void *arg)
{
	struct rt_unload *u = arg;
	struct sched_param sp = { .sched_priority = 10 };

	pin(0);
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	while (!atomic_load(&u->stop)) {
		long end = zc_now_ms() + 9;

		while (zc_now_ms() < end)
			;
		usleep(1000);
	}
	return NULL;
}

/* CPU 0, normal priority: takes the error queue's lock over and over. */
static void *reader(void *arg)
{
	struct rt_unload *u = arg;

	pin(0);
	while (!atomic_load(&u->stop) && !u->err)
		if (zc_read_errqueue(&u->t, u->p.tx, &u->l, NULL) < 0)
			u->err = -1;
	return NULL;
}

/* CPU 1: lone requests, answered at entry while the module is loaded. */
static void *sender(void *arg)
{
	struct rt_unload *u = arg;
	int got;

	pin(1);
	while (!atomic_load(&u->stop) && !u->err) {
		ssize_t n = zc_send_zc(&u->t, &u->p, 1000, MSG_DONTWAIT, 4,
				       &u->l, &got);

		if (got == -1) {
			u->err = -1;
			break;
		}
		if (n < 0 && errno == EINVAL)	/* module absent: plain send */
			n = zc_send(&u->p, 1000, MSG_ZEROCOPY | MSG_DONTWAIT,
				    NULL, &u->l);
		if (n < 0 && errno != EAGAIN && errno != ENOBUFS) {
			u->err = t_fail(&u->t, "send: %s", strerror(errno));
			break;
		}
		zc_pair_drain_rx(&u->p);
	}
	return NULL;
}

static int t_rt_unload(struct t_ctx *t, const struct t_env *e)
{
	const char *env = getenv("ZC_RT_UNLOAD_SECS");
	int secs = env ? atoi(env) : 15, cycles = 0, refused = 0, ret = -1;
	struct rt_unload *u = calloc(1, sizeof(*u));
	pthread_t th[3];
	long end;

	if (!u)
		return t_fail(t, "out of memory");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		free(u);
		return t_skip(t, "needs two CPUs");
	}
	if (zc_pair_open(t, &u->p, e->family, e->type, true) ||
	    zc_ledger_init(&u->l, 1 << 22))
		goto out;
	pthread_create(&th[0], NULL, busy, u);
	pthread_create(&th[1], NULL, reader, u);
	pthread_create(&th[2], NULL, sender, u);
	for (end = zc_now_ms() + secs * 1000L; zc_now_ms() < end && !u->err;
	     cycles++) {
		usleep(20000);
		if (zc_unload_retry("zcnotify", &refused) || zc_load(e->ko, "")) {
			t_fail(t, "unload/load cycle %d: %s", cycles, strerror(errno));
			break;
		}
	}
	atomic_store(&u->stop, 1);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	pthread_join(th[2], NULL);
	printf("# rt_unload: %ds, %d unload cycles (%d refused while in use), %u sends\n",
	       secs, cycles, refused, u->l.sends);
	if (u->err) {
		t_fail(t, "%s", u->t.why);
		goto out;
	}
	if (t->why[0] || zc_settle(t, &u->p, &u->l, false, 10000))
		goto out;
	ret = zc_ledger_verify(t, &u->l);
out:
	if (!zc_loaded())
		zc_load(e->ko, "");
	zc_ledger_free(&u->l);
	zc_pair_close(&u->p);
	free(u);
	return ret;
}

const struct t_case adv_rt_unload_cases[] = {
	T_CASE("adv_rt_unload_udp4", t_rt_unload, AF_INET, SOCK_DGRAM, 120),
	{ NULL }
};
