/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the memory of the per-task records (zc_records_pool.c):
 * zc_records.c takes and gives back, the hooks grow it.
 */
#ifndef _ZC_RECORDS_POOL_H
#define _ZC_RECORDS_POOL_H

#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include "zc_call.h"

/**
 * struct zc_task_rec - one task's record, in the table or in the pool
 * @node: in zc_records.c's table, or in the pool's free list
 * @task: its owner, compared only
 * @call: what the hooks recorded of the owner's call
 * @exited: sched_process_exit has run for the owner
 * @rcu: its way back to the pool after a grace period
 */
struct zc_task_rec {
	struct hlist_node node;
	struct task_struct *task;
	struct zc_call call;
	bool exited;
	struct rcu_head rcu;
};

int zc_pool_init(void);
void zc_pool_free(void);
struct zc_task_rec *zc_pool_take(void);
void zc_pool_put(struct zc_task_rec *r);
void zc_records_refill(void);

#endif /* _ZC_RECORDS_POOL_H */
