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

/*
 * Fault-ins zc_user_fault_retry() makes. A page faulted in can be gone
 * again before the nofault access that follows it (another thread's
 * MADV_DONTNEED, reclaim, a migration: tests/adv_page_absent.c, the
 * churn), as the kernel's own fault-in loops expect; each try is another
 * chance for the access. Bounded, unlike those loops: an access that
 * fails where get_user_pages() succeeds (an arm64 MTE tag that does not
 * match) must end, with -EFAULT.
 */
#define ZC_FAULT_IN_TRIES	8

/**
 * zc_user_fault_retry() - fault a user range in, then try a nofault
 *	access of it again, until the access succeeds or the fault-in fails
 * @access: the access, an expression that is true when it succeeded;
 *	evaluated after each fault-in, at most ZC_FAULT_IN_TRIES times, so
 *	one whose failure leaves nothing done (a nofault read, or an answer
 *	that takes nothing unless it is written whole); @uaddr, @len and
 *	@write are evaluated as often
 * @uaddr: the range the access reaches
 * @len: its length
 * @write: the access writes (the range is made writable)
 *
 * For a caller whose first, nofault try of @access failed, where the
 * task may sleep (zc_user_fault_in()).
 *
 * Return: true if @access succeeded.
 */
#define zc_user_fault_retry(access, uaddr, len, write)			\
({									\
	unsigned int zc_fr_tries_ = ZC_FAULT_IN_TRIES;			\
	bool zc_fr_done_ = false;					\
									\
	while (!zc_fr_done_ && zc_fr_tries_-- &&			\
	       zc_user_fault_in(uaddr, len, write))			\
		zc_fr_done_ = (access);					\
	zc_fr_done_;							\
})

bool zc_user_extent(const void __user *p, size_t len, struct zc_extent *x);
bool zc_extent_overlap(const struct zc_extent *a, const struct zc_extent *b);

#endif /* _ZC_USER_PAGES_H */
