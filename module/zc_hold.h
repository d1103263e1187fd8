/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the hold of an answered call (zc_hold.c).
 */
#ifndef _ZC_HOLD_H
#define _ZC_HOLD_H

#include "zc_records.h"

bool zc_call_hold(struct zc_call *call);
bool zc_call_hold_until_return(struct zc_call *call);
int zc_call_returned(struct zc_call *call, int ret);
void zc_call_late(struct zc_call *c, u8 __user *p, u8 v, bool may_fault);

#endif /* _ZC_HOLD_H */
