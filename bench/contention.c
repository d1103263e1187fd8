// SPDX-License-Identifier: GPL-2.0
/*
 * contention - what the module reference costs when two senders on two
 * CPUs take it, on this machine's real CPUs (QEMU TCG has no cache model,
 * so no guest figure can show a cache line moving between CPUs).
 *
 * Each thread, pinned to its own CPU, loops: take a reference the way
 * try_module_get() does (a compare-and-swap that refuses zero), drop it
 * the way module_put() does (a decrement), then WORK iterations of
 * private work (the rest of a send). "shared": every thread uses one
 * counter, as every CPU uses struct module's refcnt; "private": each its
 * own cache line, as a per-CPU reference would. The difference per
 * iteration, threads 2 against 1, is what the bouncing line costs per
 * get/put pair.
 *
 *   contention THREADS shared|private ITERATIONS WORK
 * prints: threads mode work ns_per_iteration
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct line {
	_Alignas(128) atomic_int ref;
};

static struct line lines[2];
static long iterations, work;
static int shared;
static atomic_int ready;
static int nthreads;

/* try_module_get(): atomic_inc_not_zero(). */
static void get_ref(atomic_int *r)
{
	int v = atomic_load_explicit(r, memory_order_relaxed);

	while (v && !atomic_compare_exchange_weak(r, &v, v + 1))
		;
}

static void *run(void *arg)
{
	long id = (long)arg, i, j;
	atomic_int *r = &lines[shared ? 0 : id].ref;
	volatile long sink = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(id, &set);
	sched_setaffinity(0, sizeof(set), &set);
	atomic_fetch_add(&ready, 1);
	while (atomic_load(&ready) < nthreads)
		;
	for (i = 0; i < iterations; i++) {
		get_ref(r);
		atomic_fetch_sub(r, 1);		/* module_put() */
		for (j = 0; j < work; j++)
			sink += j;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	struct timespec a, b;
	long i;
	double ns;

	if (argc != 5 || (strcmp(argv[2], "shared") && strcmp(argv[2], "private"))) {
		fprintf(stderr, "usage: contention 1|2 shared|private ITERATIONS WORK\n");
		return 2;
	}
	nthreads = atoi(argv[1]);
	if (nthreads < 1 || nthreads > 2)
		return 2;
	shared = !strcmp(argv[2], "shared");
	iterations = atol(argv[3]);
	work = atol(argv[4]);
	atomic_store(&lines[0].ref, 1);	/* the module's own reference */
	atomic_store(&lines[1].ref, 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, run, (void *)i))
			return 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%d %s %ld %.1f\n", nthreads, argv[2], work, ns / iterations);
	return 0;
}
