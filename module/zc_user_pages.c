// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the pages behind a payload.
 *
 * zc_user_fault_in() makes a payload's pages present and writable where
 * the parse may wait (never on the user: no filesystem write fault, no
 * userfaultfd event); zc_user_extent() says where a payload is in
 * physical memory, so that two mappings of one page are recognised as one
 * payload (tests/adv_alias.c, tests/adv_page_absent.c).
 *
 * May use: zc_compat.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include "zc_compat.h"
#include "zc_user_pages.h"

/*
 * Can a write fault on @vma be waited for? Private memory, anonymous or
 * file-backed, faults like any user copy would: a copy-on-write (after
 * fork(), of a file page mapped read-only, of the zero page) or a swap-in
 * is waited for, and a private file page that is not present any more is
 * read the way the kernel read it a moment before, when it copied the
 * control buffer. Shared memory without a filesystem behind its writes
 * (tmpfs/shmem, memfd, MAP_SHARED|MAP_ANONYMOUS: no page_mkwrite) too.
 * In a userfaultfd-registered range only a fault that needs no user
 * answer succeeds (FOLL_NOWAIT: the handler returns "retry" before it
 * queues an event); for a read, only missing-page and minor-fault
 * registrations ask. A read takes a NUMA hinting fault, as the user's
 * own access would (ZC_FOLL_HONOR_NUMA). A shared file mapping whose writes call the
 * filesystem's page_mkwrite is left alone: the stock sendmsg() never
 * write-faults a file, and its filesystem may wait on anyone (a FUSE
 * daemon that never answers).
 */
static unsigned int zc_user_fault_flags(struct vm_area_struct *vma, bool write,
					bool *ok)
{
	unsigned int gup = write ? FOLL_WRITE : ZC_FOLL_HONOR_NUMA;
	bool asks = write ? userfaultfd_armed(vma) :
			    vma->vm_flags & ZC_VM_UFFD_READ_ASKS;

	*ok = !write || !(vma->vm_flags & VM_SHARED) || !vma->vm_ops ||
	      !vma->vm_ops->page_mkwrite;
	return asks ? gup | FOLL_NOWAIT : gup;
}

/**
 * zc_user_fault_in() - make a user range present (and writable), never
 * waiting for a userfaultfd answer
 * @uaddr: start
 * @len: length (at most two pages: a payload, len <= 772, a msghdr, a
 *	control header or i386 socketcall()'s argument block)
 * @write: make it writable too; else readable only
 *
 * For pages that are not present (swapped out, dropped by MADV_DONTNEED,
 * shared memory a fork() child has not touched yet) or present but not
 * writable yet (the zero page of a buffer that was only read,
 * copy-on-write after fork() or of a private file page, NUMA hinting, a
 * page being migrated), in the mappings zc_user_fault_flags() accepts.
 * Called only where the task may sleep (the parse); the mmap lock is
 * waited for, killably. A read of a file page evicted since the kernel's
 * own read waits for its filesystem as that read did (a FUSE daemon too).
 *
 * Return: true if every page of the range could be made writable
 * (readable).
 */
bool zc_user_fault_in(const void __user *uaddr, size_t len, bool write)
{
	/* VMAs know untagged addresses (arm64 TBI/MTE, x86 LAM). */
	unsigned long u = untagged_addr((__force unsigned long)uaddr);
	unsigned long a = u & PAGE_MASK, end = u + len;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned int gup;
	bool ok = true;

	if (!mm || !len || mmap_read_lock_killable(mm))
		return false;
	for (; ok && a < end; a += PAGE_SIZE) {
		struct page *page;

		vma = find_vma(mm, a);
		ok = vma && vma->vm_start <= a;
		if (ok)
			gup = zc_user_fault_flags(vma, write, &ok);
		ok = ok && zc_get_user_page(a, gup, &page) == 1;
		if (ok)
			put_page(page);
	}
	mmap_read_unlock(mm);
	return ok;
}

/**
 * zc_user_extent() - where a user range is in physical memory, now
 * @p: start of the range (a payload: at most two pages)
 * @len: its length
 * @x: set to the physical start and length of its part in each page
 *
 * Two mappings of one page (a memfd mapped twice, tagged aliases, a
 * double-mapped ring) give two addresses for one payload; its physical
 * extent is the same. Nofault (get_user_page_fast_only()), of the pages
 * a write would reach now (FOLL_WRITE: after any copy-on-write).
 *
 * Return: true, or false if a page of it is not mapped writable now.
 */
bool zc_user_extent(const void __user *p, size_t len, struct zc_extent *x)
{
	unsigned long u = untagged_addr((__force unsigned long)p);
	unsigned int i;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < ARRAY_SIZE(x->phys) && len; i++) {
		size_t part = min_t(size_t, len, PAGE_SIZE - offset_in_page(u));
		struct page *page;

		if (!get_user_page_fast_only(u & PAGE_MASK, FOLL_WRITE, &page))
			return false;
		x->phys[i] = page_to_phys(page) + offset_in_page(u);
		x->len[i] = part;
		put_page(page);
		u += part;
		len -= part;
	}
	return !len;
}

/**
 * zc_extent_overlap() - do two physical extents share a byte?
 * @a: one
 * @b: the other
 *
 * Return: true if they do.
 */
bool zc_extent_overlap(const struct zc_extent *a, const struct zc_extent *b)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(a->phys); i++)
		for (j = 0; j < ARRAY_SIZE(b->phys); j++)
			if (a->len[i] && b->len[j] &&
			    a->phys[i] < b->phys[j] + b->len[j] &&
			    b->phys[j] < a->phys[i] + a->len[i])
				return true;
	return false;
}
