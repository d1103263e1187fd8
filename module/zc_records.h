/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - per-task records of the sendmsg() call in progress
 * (zc_records.c); what one holds is in zc_call.h, where it comes from
 * in zc_records_pool.h.
 */
#ifndef _ZC_RECORDS_H
#define _ZC_RECORDS_H

#include <linux/atomic.h>
#include "zc_call.h"
#include "zc_records_pool.h"

int zc_records_init(void);
void zc_records_exit(void);
struct zc_call *zc_call_find(void);
struct zc_call *zc_call_get(void);
void zc_call_unhold(struct zc_call *c);

extern atomic_t zc_nrecs;

/* zc_records_in_use - some task holds a record (else nothing to find) */
static inline bool zc_records_in_use(void)
{
	return atomic_read(&zc_nrecs);
}

#endif /* _ZC_RECORDS_H */
