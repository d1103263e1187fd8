// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - per-task records of the sendmsg() call in progress, and
 * their end when the task exits.
 *
 * A record is per task: it is written and read only by its own task, and
 * holds user addresses and values, never a kernel pointer that is
 * followed outside the call that recorded it (struct zc_call).
 *
 * A task takes a record on its first sendmsg() that carries a request
 * (seen by a nofault peek at its control buffer), from the pool of
 * zc_records_pool.c, and gives it back when it exits
 * (sched_process_exit), after an RCU grace period.
 *
 * Owns: the table of records by task, the sched_process_exit probe. What
 * a record means is the hooks' business: zc_sendmsg.c fills and claims
 * it, zc_hold.c holds it, zc_restart.c reads it on the way out.
 * May use: zc_records_pool.c, zc_symbols.c (a tracepoint by name),
 * zc_compat.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <trace/events/sched.h>
#include "zc_compat.h"
#include "zc_symbols.h"
#include "zc_records.h"

#define ZC_HASH_BITS	12

static DEFINE_HASHTABLE(zc_recs, ZC_HASH_BITS);
/* Insertions and removals; lookups use RCU. */
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
 * zc_call_get() - the current task's record, taken from the pool if it has
 * none
 *
 * Return: the record, or NULL if the pool is empty.
 */
struct zc_call *zc_call_get(void)
{
	struct zc_call *c = zc_call_find();
	struct zc_task_rec *r;
	unsigned long flags;

	if (c)
		return c;
	r = zc_pool_take();
	if (!r)
		return NULL;
	r->task = current;
	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hash_add_rcu(zc_recs, &r->node, (unsigned long)current);
	atomic_inc(&zc_nrecs);
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	return &r->call;
}

static void zc_rec_free_rcu(struct rcu_head *rcu)
{
	zc_pool_put(container_of(rcu, struct zc_task_rec, rcu));
}

static void zc_recs_free(void)
{
	hash_init(zc_recs);
	atomic_set(&zc_nrecs, 0);
	zc_pool_free();
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
	/*
	 * Held until a return that never came: the task died inside
	 * ____sys_sendmsg() (an oops, make_task_dead()). Nothing else will
	 * drop the reference.
	 */
	if (r->call.until_return) {
		r->call.until_return = false;
		r->call.held = false;
		module_put(THIS_MODULE);
	}
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
	int err;

	ZC_EXIT_PROBE_TYPECHECK(zc_task_exit);
	err = zc_pool_init();
	if (err)
		return err;
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
