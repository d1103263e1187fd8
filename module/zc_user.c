// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the caller's own memory: its control buffer and msghdr.
 *
 * Everything here reads and writes user memory without sleeping: reads
 * and writes never fault a page in (pagefault_disable()), so they may run
 * in the ftrace callbacks and under the error queue's lock, and a page
 * the user made slow to fault (userfaultfd, a FUSE file) can never keep a
 * task inside the module. zc_user_fault_in() is the one place that faults
 * pages in, and only where that cannot wait on the user either.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include <net/compat.h>
#include <uapi/linux/zcnotify.h>
#include "zcnotify.h"

/*
 * One control message header of the user's buffer, in its own layout:
 * three loads with page faults disabled, or (@may_fault) allowed.
 */
static bool zc_user_cmsghdr(const char __user *p, bool compat, bool may_fault,
			    size_t *len, int *level, int *type)
{
	int err;

	if (!access_ok(p, compat ? sizeof(struct compat_cmsghdr) :
				  sizeof(struct cmsghdr)))
		return false;
	if (!may_fault)
		pagefault_disable();
	if (compat) {
		const struct compat_cmsghdr __user *h = (const void __user *)p;
		compat_size_t l;

		err = __get_user(l, &h->cmsg_len);
		*len = l;
		err |= __get_user(*level, &h->cmsg_level);
		err |= __get_user(*type, &h->cmsg_type);
	} else {
		const struct cmsghdr __user *h = (const void __user *)p;

		err = __get_user(*len, &h->cmsg_len);
		err |= __get_user(*level, &h->cmsg_level);
		err |= __get_user(*type, &h->cmsg_type);
	}
	if (!may_fault)
		pagefault_enable();
	return !err;
}

/**
 * zc_user_find() - find the request in a user control buffer
 * @uctl: the control buffer, as passed to sendmsg()
 * @ctl_len: its length (at most INT_MAX)
 * @compat: it has the 32-bit layout
 * @max_headers: walk at most this many headers, nofault (the hook's
 *	entry), or ZC_WALK_PARSE: all of them, faulting pages in (the parse,
 *	where the task may sleep and the kernel has just read the buffer)
 * @payload: set to the payload of the first SCM_ZC_NOTIFICATION, if any
 * @plen: set to that payload's length
 * @alone: set to true if the buffer holds that message and nothing else
 *	the kernel would parse (native: at most fewer bytes than a header
 *	follow; 32-bit: nothing follows)
 *
 * Walks the headers the way the kernel walks its copy, stopping where the
 * kernel would reject the buffer.
 *
 * Return: the number of SCM_ZC_NOTIFICATION messages seen, or
 * ZC_WALK_LATER if a nofault walk could not finish (a header not readable
 * without a fault, or more than @max_headers of them): walk again at the
 * parse.
 */
int zc_user_find(const void __user *uctl, size_t ctl_len, bool compat,
		 unsigned int max_headers, struct zc_info __user **payload,
		 size_t *plen, bool *alone)
{
	size_t hlen = compat ? sizeof(struct compat_cmsghdr) :
			       sizeof(struct cmsghdr);
	size_t align = compat ? sizeof(compat_uint_t) : sizeof(long);
	bool may_fault = max_headers == ZC_WALK_PARSE;
	const char __user *u = uctl;
	size_t off = 0, len;
	int level, type, found = 0;
	unsigned int walked = 0;

	*alone = false;
	/*
	 * The kernel refuses control buffers above the socket option memory
	 * limit (ENOBUFS); walking one would only cost time.
	 */
	if (ctl_len > ZC_CTL_WALK_MAX)
		return 0;
	while (off < ctl_len && ctl_len - off >= hlen) {
		if (!may_fault && walked == max_headers)
			return ZC_WALK_LATER;
		if (!zc_user_cmsghdr(u + off, compat, may_fault, &len, &level,
				     &type))
			return may_fault ? found : ZC_WALK_LATER;
		if (len < hlen || len > ctl_len - off)
			return found;		/* the kernel rejects the rest */
		walked++;
		if (level == SOL_SOCKET && type == SCM_ZC_NOTIFICATION &&
		    !found++) {
			*payload = (struct zc_info __user *)(u + off + hlen);
			*plen = len - hlen;
		}
		off += ALIGN(len, align);
	}
	/*
	 * The 32-bit parser (cmsg_compat_nxthdr()) reads a header from any
	 * byte left over and rejects the buffer (EINVAL); the native one
	 * ignores fewer bytes than a header.
	 */
	if (compat && off < ctl_len)
		return found;
	*alone = found == 1 && walked == 1;
	return found;
}

/**
 * zc_user_msg_ctl() - the control pointer and length in a user msghdr, now
 * @umsg: the msghdr (struct user_msghdr, or compat_msghdr)
 * @compat: it has the 32-bit layout
 * @ctl: set to msg_control
 * @len: set to msg_controllen
 *
 * Faults the msghdr in if needed: call only where the task may sleep
 * (the parse), as the kernel's own copy of it does.
 *
 * Return: 0, or -EFAULT if it is not readable.
 */
int zc_user_msg_ctl(unsigned long umsg, bool compat, void __user **ctl,
		    size_t *len)
{
	void __user *p = (void __user *)umsg;
	struct compat_msghdr __user *m32 = p;
	struct user_msghdr __user *m64 = p;
	compat_uptr_t c32;
	compat_size_t l32;
	int err;

	if (compat) {
		err = get_user(c32, &m32->msg_control);
		err |= get_user(l32, &m32->msg_controllen);
		*ctl = compat_ptr(c32);
		*len = l32;
	} else {
		err = get_user(*ctl, &m64->msg_control);
		err |= get_user(*len, &m64->msg_controllen);
	}
	return err ? -EFAULT : 0;
}

/**
 * zc_user_head() - read a payload's @size and arr[0].zerocopy
 * @uzi: the payload, inside a range access_ok() accepted
 * @h: where to put them
 *
 * Return: 0, or -EFAULT if they cannot be read without a fault.
 */
int zc_user_head(const struct zc_info __user *uzi, struct zc_user_head *h)
{
	int err;

	pagefault_disable();
	err = __get_user(h->size, &uzi->size);
	if (!err)
		err = __get_user(h->zerocopy, &uzi->arr[0].zerocopy);
	pagefault_enable();
	return err;
}

/**
 * zc_user_put_u32() - store a u32 in user memory with one instruction
 * @p: destination, inside a range access_ok() accepted
 * @v: value
 *
 * A single store is all or nothing, even across a page boundary, so it
 * can be the write that makes an answer visible.
 *
 * Return: 0 or -EFAULT (the page is not writable without a fault).
 */
int zc_user_put_u32(u32 __user *p, u32 v)
{
	int err;

	pagefault_disable();
	err = __put_user(v, p);
	pagefault_enable();
	return err;
}

/**
 * zc_user_put_elem() - store one element of an answer without a fault
 * @p: destination, inside a range access_ok() accepted
 * @lo: first send counter
 * @hi: last send counter
 * @zerocopy: the zerocopy byte (the reserved bytes after it become 0)
 *
 * Three aligned 32-bit stores (elements are 4-byte aligned in both ABIs).
 *
 * Return: 0 or -EFAULT (any of them may have been done).
 */
int zc_user_put_elem(struct zc_info_elem __user *p, u32 lo, u32 hi,
		     u8 zerocopy)
{
	int err;

	pagefault_disable();
	err = __put_user(lo, &p->lo);
	err |= __put_user(hi, &p->hi);
	/* zerocopy, then reserved[3] = 0, in memory order */
	err |= __put_user((__force u32)cpu_to_le32(zerocopy),
			  (u32 __user *)&p->zerocopy);
	pagefault_enable();
	return err ? -EFAULT : 0;
}

/**
 * zc_user_put_u8() - store a byte in user memory without a fault
 * @p: destination, inside a range access_ok() accepted
 * @v: value
 *
 * Return: 0 or -EFAULT.
 */
int zc_user_put_u8(u8 __user *p, u8 v)
{
	int err;

	pagefault_disable();
	err = __put_user(v, p);
	pagefault_enable();
	return err;
}

/*
 * Can a write fault on @vma be waited for? Anonymous private memory and
 * shared memory without a filesystem behind its writes (tmpfs/shmem,
 * memfd, MAP_SHARED|MAP_ANONYMOUS: no page_mkwrite) fault like any user
 * copy would; a swap-in is waited for. In a userfaultfd-registered range
 * only a fault that needs no user answer succeeds (FOLL_NOWAIT: the
 * handler returns "retry" before it queues an event).
 * Other file mappings are left alone: a shared one's write fault calls
 * the filesystem's page_mkwrite, a private one's may have to read the
 * page first (a FUSE daemon that never answers).
 */
static unsigned int zc_user_fault_flags(struct vm_area_struct *vma, bool *ok)
{
	*ok = vma_is_anonymous(vma) ||
	      ((vma->vm_flags & VM_SHARED) && !vma->vm_ops->page_mkwrite);
	return userfaultfd_armed(vma) ? FOLL_WRITE | FOLL_NOWAIT : FOLL_WRITE;
}

/**
 * zc_user_fault_in() - make a user range present and writable, never waiting
 * on the user
 * @uaddr: start
 * @len: length (the pages it spans are at most two: len <= 772)
 *
 * For pages that are not present (swapped out, dropped by MADV_DONTNEED,
 * shared memory a fork() child has not touched yet) or present but not
 * writable yet (the zero page of a buffer that was only read,
 * copy-on-write after fork(), NUMA hinting, a page being migrated), in the
 * mappings zc_user_fault_flags() accepts. Called only where the task may
 * sleep (the parse); the mmap lock is waited for, killably.
 *
 * Return: true if every page of the range could be made writable.
 */
bool zc_user_fault_in(void __user *uaddr, size_t len)
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
			gup = zc_user_fault_flags(vma, &ok);
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
