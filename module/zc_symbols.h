/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - kernel symbols (zc_symbols.c).
 */
#ifndef _ZC_SYMBOLS_H
#define _ZC_SYMBOLS_H

#include <linux/tracepoint.h>

int zc_symbol_resolve(const char *name, unsigned long *addr);
int zc_symbol_check_clones(const char *name);
int zc_symbol_range(const char *name, unsigned long *start,
		    unsigned long *end);
struct tracepoint *zc_tracepoint_find(const char *name);

#endif /* _ZC_SYMBOLS_H */
