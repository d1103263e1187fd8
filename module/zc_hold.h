/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the hold of an answered call (zc_hold.c).
 */
#ifndef _ZC_HOLD_H
#define _ZC_HOLD_H

#include "zc_records.h"

bool zc_call_hold(struct zc_call *call);

#endif /* _ZC_HOLD_H */
