// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - per-task records of the sendmsg() call in progress, their
 * pool, and their end when the task exits.
 *
 * A record is per task: it is written and read only by its own task, and
 * holds user addresses and values, never a kernel pointer that is
 * followed (struct zc_call).
 *
 * A task takes a record on its first sendmsg() that carries a request
 * (seen by a nofault peek at its control buffer), and gives it back when
 * it exits (sched_process_exit), after an RCU grace period. Records come
 * from a pool: the ____sys_sendmsg() callback may run with preemption
 * disabled (under another tracer of the function), where PREEMPT_RT
 * cannot allocate. The pool starts with ZC_RECS_START records and grows
 * a page at a time in the requests' own context (memory charged to the
 * caller's cgroup) up to ZC_RECS_MAX; with none free a call is not
 * recorded: its request gets EINVAL untouched (counted in
 * stats/norecord) and the helper falls back to the error queue.
 *
 * Owns: the records, the pool, the sched_process_exit probe. What a
 * record means is the hooks' business: zc_sendmsg.c fills and claims it,
 * zc_hold.c holds it, zc_restart.c reads it on the way out.
 * May use: zc_symbols.c (a tracepoint by name), zc_compat.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <trace/events/sched.h>
#include "zc_compat.h"
#include "zc_symbols.h"
#include "zc_records.h"

#define ZC_RECS_START	256	/* records allocated at load */
#define ZC_RECS_LOW	64	/* grow below this many free, a page at a time */
#define ZC_RECS_MAX	65536	/* tasks holding a record at the same time */
#define ZC_HASH_BITS	12

struct zc_task_rec {
	struct hlist_node node;
	struct task_struct *task;	/* owner, compared only */
	struct zc_call call;
	bool exited;			/* sched_process_exit has run */
	struct rcu_head rcu;
};

/* Pages of ZC_RECS_CHUNK records, under zc_recs_lock. */
#define ZC_RECS_CHUNK	(PAGE_SIZE / sizeof(struct zc_task_rec))
static struct zc_task_rec *zc_chunks[ZC_RECS_MAX / ZC_RECS_CHUNK];
static unsigned int zc_nchunks;
static unsigned int zc_nalloc;		/* records in zc_chunks */
static unsigned int zc_nfree;		/* records in zc_free */
static HLIST_HEAD(zc_free);
static DEFINE_HASHTABLE(zc_recs, ZC_HASH_BITS);
/* Insertions, removals and the free list; lookups use RCU. */
static DEFINE_RAW_SPINLOCK(zc_recs_lock);
/* Records in the table: 0 means no lookup can find one. */
atomic_t zc_nrecs = ATOMIC_INIT(0);
static struct tracepoint *zc_exit_tp;

/* Caller holds rcu_read_lock() or has preemption disabled. */
static struct zc_task_rec *zc_rec_find(struct task_struct *task)
{
	struct zc_task_rec *r;

	hash_for_each_possible_rcu(zc_recs, r, node, (unsigned long)task)
		if (r->task == task)
			return r;
	return NULL;
}

/**
 * zc_call_get() - the current task's record, taken from the pool if it has
 * none
 *
 * Return: the record, or NULL if the pool is empty.
 */
struct zc_call *zc_call_get(void)
{
	struct zc_task_rec *r;
	unsigned long flags;

	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	/* Only this task takes or frees its record: it stays valid. */
	if (r)
		return &r->call;
	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	if (!hlist_empty(&zc_free)) {
		r = hlist_entry(zc_free.first, struct zc_task_rec, node);
		hlist_del(&r->node);
		zc_nfree--;
		memset(&r->call, 0, sizeof(r->call));
		r->exited = false;
		r->task = current;
		hash_add_rcu(zc_recs, &r->node, (unsigned long)current);
		atomic_inc(&zc_nrecs);
	}
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	return r ? &r->call : NULL;
}

/*
 * Add a page of records to the free list (@flags: may it sleep?), charged
 * to the current task's memory cgroup.
 */
static int zc_recs_add(gfp_t flags)
{
	struct zc_task_rec *c;
	unsigned long irqf;
	unsigned int i;
	int err = 0;

	c = (struct zc_task_rec *)__get_free_page(flags | __GFP_ACCOUNT | __GFP_ZERO);
	if (!c)
		return -ENOMEM;
	raw_spin_lock_irqsave(&zc_recs_lock, irqf);
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
	raw_spin_unlock_irqrestore(&zc_recs_lock, irqf);
	free_page((unsigned long)c);
	return err;
}

/**
 * zc_records_refill() - grow the record pool if it runs low
 *
 * Called where the task takes a record and in the context of a request.
 * On PREEMPT_RT the page allocator takes sleeping locks: there only with
 * a module reference held (a held call, or the parse's redirect), and
 * with preemption disabled a later request grows the pool.
 */
void zc_records_refill(void)
{
	if (READ_ONCE(zc_nfree) >= ZC_RECS_LOW ||
	    READ_ONCE(zc_nalloc) + ZC_RECS_CHUNK > ZC_RECS_MAX)
		return;
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible())
		return;
	zc_recs_add(GFP_NOWAIT | __GFP_NOWARN);
}

/**
 * zc_call_find() - the current task's record
 *
 * Return: the record, or NULL if the task has none. Only this task takes
 * or frees its record, so it stays valid until the task exits.
 */
struct zc_call *zc_call_find(void)
{
	struct zc_task_rec *r;

	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	/* Only this task takes or frees its record: it stays valid. */
	return r ? &r->call : NULL;
}

/**
 * zc_call_reset() - a system call starts: forget what an earlier one left
 * @c: the current task's record
 * @id: the new call
 */
void zc_call_reset(struct zc_call *c, const struct zc_sysid *id)
{
	c->id = *id;
	c->armed = false;
	c->processed = false;
	c->nwritten = 0;
}

static void zc_rec_free_rcu(struct rcu_head *rcu)
{
	struct zc_task_rec *r = container_of(rcu, struct zc_task_rec, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hlist_add_head(&r->node, &zc_free);
	zc_nfree++;
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
}

static void zc_recs_free(void)
{
	while (zc_nchunks)
		free_page((unsigned long)zc_chunks[--zc_nchunks]);
	INIT_HLIST_HEAD(&zc_free);
	hash_init(zc_recs);
	zc_nalloc = 0;
	zc_nfree = 0;
	atomic_set(&zc_nrecs, 0);
}

/* Take a record out of the table; it returns to the pool after a grace period. */
static void zc_rec_unhash(struct zc_task_rec *r)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hash_del_rcu(&r->node);
	atomic_dec(&zc_nrecs);
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	/* Lookups of other tasks may still walk through it. */
	call_rcu(&r->rcu, zc_rec_free_rcu);
}

/**
 * zc_call_unhold() - the call's hold ended (zc_hold.c)
 * @c: the current task's record
 *
 * Gives the record back if its task has exited meanwhile.
 */
void zc_call_unhold(struct zc_call *c)
{
	struct zc_task_rec *r = container_of(c, struct zc_task_rec, call);

	c->held = false;
	if (r->exited)
		zc_rec_unhash(r);
}

/*
 * A task exits. A call it answered (killed while blocked) still has its
 * hold queued, which exit_task_work() runs after this probe: the record
 * is given back by zc_call_unhold() then.
 */
static ZC_EXIT_PROBE_PROTO(zc_task_exit)
{
	struct zc_task_rec *r;

	if (!atomic_read(&zc_nrecs))
		return;
	rcu_read_lock();
	r = zc_rec_find(task);
	rcu_read_unlock();
	if (!r)
		return;
	r->exited = true;
	if (!r->call.held)
		zc_rec_unhash(r);
}

/**
 * zc_records_init() - allocate the record pool, free records of exiting tasks
 *
 * Return: 0 or a negative errno (one line logged).
 */
int zc_records_init(void)
{
	unsigned int i;
	int err = 0;

	ZC_EXIT_PROBE_TYPECHECK(zc_task_exit);
	for (i = 0; i < ZC_RECS_START / ZC_RECS_CHUNK && !err; i++)
		err = zc_recs_add(GFP_KERNEL);
	if (err) {
		pr_err("cannot allocate %d per-task records\n", ZC_RECS_START);
		goto out_free;
	}
	zc_exit_tp = zc_tracepoint_find("sched_process_exit");
	if (!zc_exit_tp) {
		pr_err("tracepoint sched_process_exit not found\n");
		err = -ENOENT;
		goto out_free;
	}
	err = tracepoint_probe_register(zc_exit_tp, zc_task_exit, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_exit: error %d\n", err);
		goto out_free;
	}
	return 0;

out_free:
	zc_recs_free();
	return err;
}

/**
 * zc_records_exit() - free every record
 *
 * Call only once no hook can run any more.
 */
void zc_records_exit(void)
{
	tracepoint_probe_unregister(zc_exit_tp, zc_task_exit, NULL);
	tracepoint_synchronize_unregister();
	rcu_barrier();		/* zc_rec_free_rcu() is module code */
	zc_recs_free();
}
