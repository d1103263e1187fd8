// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the pool the per-task records come from.
 *
 * The ____sys_sendmsg() callback may run with preemption disabled (under
 * another tracer of the function), where PREEMPT_RT cannot allocate, so a
 * task takes its record from a free list. The pool starts with
 * ZC_RECS_START records and grows a page at a time in the requests' own
 * context (memory charged to the caller's cgroup) up to ZC_RECS_MAX;
 * with none free a call is not recorded: its request gets EINVAL
 * untouched (counted in stats/norecord) and the helper falls back to the
 * error queue.
 *
 * Owns: the pages of records and the free list.
 * May use: nothing else of the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include "zc_records_pool.h"

#define ZC_RECS_START	256	/* records allocated at load */
#define ZC_RECS_LOW	64	/* grow below this many free, a page at a time */
#define ZC_RECS_MAX	65536	/* tasks holding a record at the same time */

/* Pages of ZC_RECS_CHUNK records, under zc_pool_lock. */
#define ZC_RECS_CHUNK	(PAGE_SIZE / sizeof(struct zc_task_rec))
static struct zc_task_rec *zc_chunks[ZC_RECS_MAX / ZC_RECS_CHUNK];
static unsigned int zc_nchunks;
static unsigned int zc_nalloc;		/* records in zc_chunks */
static unsigned int zc_nfree;		/* records in zc_free */
static HLIST_HEAD(zc_free);
static DEFINE_RAW_SPINLOCK(zc_pool_lock);

/**
 * zc_pool_take() - a free record, its call cleared
 *
 * Return: the record, or NULL if the pool is empty.
 */
struct zc_task_rec *zc_pool_take(void)
{
	struct zc_task_rec *r = NULL;
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_pool_lock, flags);
	if (!hlist_empty(&zc_free)) {
		r = hlist_entry(zc_free.first, struct zc_task_rec, node);
		hlist_del(&r->node);
		zc_nfree--;
	}
	raw_spin_unlock_irqrestore(&zc_pool_lock, flags);
	if (r) {
		memset(&r->call, 0, sizeof(r->call));
		r->exited = false;
	}
	return r;
}

/**
 * zc_pool_put() - give a record back
 * @r: a record no lookup can reach any more
 */
void zc_pool_put(struct zc_task_rec *r)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_pool_lock, flags);
	hlist_add_head(&r->node, &zc_free);
	zc_nfree++;
	raw_spin_unlock_irqrestore(&zc_pool_lock, flags);
}

/*
 * Add a page of records to the free list (@flags: may it sleep?), charged
 * to the current task's memory cgroup.
 */
static int zc_pool_add(gfp_t flags)
{
	struct zc_task_rec *c;
	unsigned long irqf;
	unsigned int i;
	int err = 0;

	c = (struct zc_task_rec *)__get_free_page(flags | __GFP_ACCOUNT | __GFP_ZERO);
	if (!c)
		return -ENOMEM;
	raw_spin_lock_irqsave(&zc_pool_lock, irqf);
	if (zc_nchunks < ARRAY_SIZE(zc_chunks)) {
		zc_chunks[zc_nchunks++] = c;
		for (i = 0; i < ZC_RECS_CHUNK; i++)
			hlist_add_head(&c[i].node, &zc_free);
		zc_nalloc += ZC_RECS_CHUNK;
		zc_nfree += ZC_RECS_CHUNK;
		c = NULL;
	} else {
		err = -ENOSPC;
	}
	raw_spin_unlock_irqrestore(&zc_pool_lock, irqf);
	free_page((unsigned long)c);
	return err;
}

/**
 * zc_records_refill() - grow the record pool if it runs low
 *
 * Called where the task takes a record and in the context of a request.
 * On PREEMPT_RT the page allocator takes sleeping locks: there it grows
 * the pool only where the task may sleep, with a module reference held
 * across the allocation (no unload frees the module under it); with
 * preemption disabled a later request grows the pool.
 */
void zc_records_refill(void)
{
	if (READ_ONCE(zc_nfree) >= ZC_RECS_LOW ||
	    READ_ONCE(zc_nalloc) + ZC_RECS_CHUNK > ZC_RECS_MAX)
		return;
	if (IS_ENABLED(CONFIG_PREEMPT_RT) &&
	    (!preemptible() || !try_module_get(THIS_MODULE)))
		return;
	zc_pool_add(GFP_NOWAIT | __GFP_NOWARN);
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		module_put(THIS_MODULE);
}

/**
 * zc_pool_free() - free every page of records
 *
 * Call only once no record is in use or on its way back.
 */
void zc_pool_free(void)
{
	while (zc_nchunks)
		free_page((unsigned long)zc_chunks[--zc_nchunks]);
	INIT_HLIST_HEAD(&zc_free);
	zc_nalloc = 0;
	zc_nfree = 0;
}

/**
 * zc_pool_init() - allocate the records a load starts with
 *
 * Return: 0 or a negative errno (one line logged).
 */
int zc_pool_init(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < ZC_RECS_START / ZC_RECS_CHUNK && !err; i++)
		err = zc_pool_add(GFP_KERNEL);
	if (err) {
		pr_err("cannot allocate %d per-task records\n", ZC_RECS_START);
		zc_pool_free();
	}
	return err;
}
