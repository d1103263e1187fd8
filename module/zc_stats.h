/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - counters in /sys/module/zcnotify/stats/ (zc_stats.c).
 */
#ifndef _ZC_STATS_H
#define _ZC_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

/**
 * struct zc_stats - per-CPU counters (documented in README)
 * @requests: requests processed (entries and size written)
 * @ranges: ranges written to users
 * @completions: send counter values those ranges covered
 * @full: requests that filled their array or hit the skip bound, so
 *	completions may have been left on the error queue
 * @einval: requests rejected as invalid
 * @efault: requests that failed writing to the user (nothing consumed)
 * @norecord: sendmsg() calls on a zerocopy socket that could not be
 *	recorded (all per-task records in use); their requests get EINVAL
 * @eintr: blocking calls whose restart was turned into EINTR because a
 *	request of theirs had been processed
 * @returned: requests answered when their sendmsg() returned, an empty
 *	error queue at its entry (x86-64 direct calls: zc_answer_returned())
 */
struct zc_stats {
	u64 requests;
	u64 ranges;
	u64 completions;
	u64 full;
	u64 einval;
	u64 efault;
	u64 norecord;
	u64 eintr;
	u64 returned;
};

DECLARE_PER_CPU(struct zc_stats, zc_stats);
#define zc_stat_add(field, n)	this_cpu_add(zc_stats.field, (n))

int zc_stats_init(void);
void zc_stats_exit(void);

#endif /* _ZC_STATS_H */
