/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the restart hook (zc_restart.c).
 */
#ifndef _ZC_RESTART_H
#define _ZC_RESTART_H

#include "zc_hook.h"

extern struct zc_hook zc_restart_hook;
bool zc_restart_to_eintr(void);

#endif /* _ZC_RESTART_H */
