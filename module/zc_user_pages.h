/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the pages behind a payload: made present, and identified
 * physically (zc_user_pages.c).
 */
#ifndef _ZC_USER_PAGES_H
#define _ZC_USER_PAGES_H

#include <linux/types.h>

/**
 * struct zc_extent - where a payload is in physical memory
 * @phys: physical address of its part in each of the (at most two) pages
 * @len: the length of each part (0: none)
 */
struct zc_extent {
	phys_addr_t phys[2];
	u16 len[2];
};

bool zc_user_fault_in(const void __user *uaddr, size_t len, bool write);
bool zc_user_extent(const void __user *p, size_t len, struct zc_extent *x);
bool zc_extent_overlap(const struct zc_extent *a, const struct zc_extent *b);

#endif /* _ZC_USER_PAGES_H */
