/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - ftrace plumbing (zc_hook.c).
 */
#ifndef _ZC_HOOK_H
#define _ZC_HOOK_H

#include <linux/ftrace.h>
#include "zc_compat.h"

/**
 * struct zc_hook - an ftrace hook on the entry of one kernel function
 * @name: symbol to hook
 * @func: ftrace callback
 * @flags: extra FTRACE_OPS_FL_* flags (e.g. IPMODIFY)
 * @direct: a direct-call trampoline doing what @func does, or 0: where
 *	set (zc_direct.c), the function's ftrace site calls it instead
 *	of ftrace's own trampoline and @func; cleared if the kernel refuses
 *	it (the hook then falls back to @func)
 * @addr: the function's ftrace call site, set by zc_hook_install()
 * @ops: the direct call's ftrace_ops (callbacks with the same @flags
 *	share one ops instead: zc_hook.c)
 */
struct zc_hook {
	const char *name;
	ftrace_func_t func;
	unsigned long flags;
	unsigned long direct;
	unsigned long addr;
	struct ftrace_ops ops;
};

int zc_hook_attach(struct zc_hook *hook);
int zc_hook_install(struct zc_hook *hook);
int zc_hook_check_redirect(unsigned long flags, unsigned long direct);
void zc_hook_checks_end(void);
int zc_redirect_target(int v);
void zc_hook_remove(struct zc_hook *hook);

#endif /* _ZC_HOOK_H */
