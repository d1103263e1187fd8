/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the restart hook (zc_restart.c).
 */
#ifndef _ZC_RESTART_H
#define _ZC_RESTART_H

#include <linux/errno.h>
#include "zc_hook.h"

extern struct zc_hook zc_restart_hook;
bool zc_restart_to_eintr(void);

/* zc_restart_code() - @ret is one of the codes the kernel restarts a call on */
static inline bool zc_restart_code(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR ||
	       ret == -ERESTARTNOHAND || ret == -ERESTART_RESTARTBLOCK;
}

#endif /* _ZC_RESTART_H */
