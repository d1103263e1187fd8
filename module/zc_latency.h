/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - how long the ftrace callbacks run, in a measuring build only
 * (zc_latency.c; `make ZC_LATENCY=y`, make bench-latency). In the module
 * as it ships every helper here is empty and the callbacks compile to the
 * same code.
 */
#ifndef _ZC_LATENCY_H
#define _ZC_LATENCY_H

#include <linux/types.h>

/* The timed points: the two callbacks that run on every hooked call. */
enum zc_latency_point {
	ZC_LAT_ENTRY,		/* zc_sendmsg_message(): ____sys_sendmsg() entry */
	ZC_LAT_RESTART,		/* zc_restart_entry(): the restart hook */
	ZC_LAT_POINTS
};

#ifdef ZC_LATENCY
u64 zc_latency_start(void);
void zc_latency_end(enum zc_latency_point p, u64 t0);
int zc_latency_init(void);
void zc_latency_exit(void);
#else
static inline u64 zc_latency_start(void)
{
	return 0;
}

static inline void zc_latency_end(enum zc_latency_point p, u64 t0)
{
}

static inline int zc_latency_init(void)
{
	return 0;
}

static inline void zc_latency_exit(void)
{
}
#endif

#endif /* _ZC_LATENCY_H */
