// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the caller's own memory: its control buffer and msghdr.
 *
 * The payload is read and written without sleeping: those accesses never
 * fault a page in (pagefault_disable()), so they may run in the ftrace
 * callbacks and under the error queue's lock, and a page the user made
 * slow to fault (userfaultfd, a FUSE file) can never keep a task inside
 * the module there. The control buffer's headers are walked nofault at
 * ____sys_sendmsg() entry, and the msghdr read there; where the parse
 * walks them again, or reads the msghdr (zc_user_msg_ctl()), a page not
 * present any more is faulted in as the kernel's own reads of the same
 * memory just did, but never waiting for a userfaultfd answer
 * (zc_user_fault_in() in zc_user_pages.c: such a range is only asked),
 * then read nofault. The same helper makes a payload's pages writable.
 *
 * Each read or write is one user access window (user_access_begin():
 * one range check, one STAC/CLAC pair on x86) with the accesses inline
 * (unsafe_get_user()/unsafe_put_user()), not one out-of-line helper per
 * field: about a hundred instructions per request (docs/perf.md).
 *
 * May use: zc_user_pages.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/uaccess.h>
#include <net/compat.h>
#include <uapi/linux/zcnotify.h>
#include "zc_user.h"
#include "zc_user_pages.h"

/*
 * One store of @v at @p in its own window, page faults disabled: 0 or
 * -EFAULT. The locals have names of their own: on arm64 6.1
 * unsafe_put_user() is __put_user(), which declares a "__p" of its own
 * and would initialise it from itself.
 */
#define zc_put_nofault(v, p)						\
({									\
	__label__ efault;						\
	typeof(p) zc_put_p = (p);					\
	int zc_put_err = -EFAULT;					\
									\
	pagefault_disable();						\
	if (user_write_access_begin(zc_put_p, sizeof(*zc_put_p))) {	\
		unsafe_put_user(v, zc_put_p, efault);			\
		zc_put_err = 0;						\
efault:									\
		user_write_access_end();				\
	}								\
	pagefault_enable();						\
	zc_put_err;							\
})

/*
 * One control message header of the user's buffer, in its own layout:
 * three loads with page faults disabled. Inline: the entry's walk reads
 * one header per request, and a call costs it about 22 instructions.
 */
static __always_inline bool
zc_user_cmsghdr_nofault(const char __user *p, bool compat, size_t *len,
			int *level, int *type)
{
	bool ok = false;

	pagefault_disable();
	if (compat) {
		const struct compat_cmsghdr __user *h = (const void __user *)p;
		compat_size_t l;

		if (!user_read_access_begin(h, sizeof(*h)))
			goto out;
		unsafe_get_user(l, &h->cmsg_len, end);
		unsafe_get_user(*level, &h->cmsg_level, end);
		unsafe_get_user(*type, &h->cmsg_type, end);
		*len = l;
	} else {
		const struct cmsghdr __user *h = (const void __user *)p;

		if (!user_read_access_begin(h, sizeof(*h)))
			goto out;
		unsafe_get_user(*len, &h->cmsg_len, end);
		unsafe_get_user(*level, &h->cmsg_level, end);
		unsafe_get_user(*type, &h->cmsg_type, end);
	}
	ok = true;
end:
	user_read_access_end();
out:
	pagefault_enable();
	return ok;
}

/*
 * The same, and with @may_fault a header not readable now is faulted in
 * and read again (zc_user_fault_in()): a plain faulting read would wait,
 * with the call held, for a userfaultfd answer that may never come
 * (tests/adv_uffd.c).
 */
static bool zc_user_cmsghdr(const char __user *p, bool compat, bool may_fault,
			    size_t *len, int *level, int *type)
{
	size_t hlen = compat ? sizeof(struct compat_cmsghdr) :
			       sizeof(struct cmsghdr);

	if (zc_user_cmsghdr_nofault(p, compat, len, level, type))
		return true;
	return may_fault &&
	       zc_user_fault_retry(zc_user_cmsghdr_nofault(p, compat, len,
							   level, type),
				   p, hlen, false);
}

/**
 * zc_user_find() - find the request in a user control buffer
 * @uctl: the control buffer, as passed to sendmsg()
 * @ctl_len: its length (at most INT_MAX)
 * @compat: it has the 32-bit layout
 * @max_headers: walk at most this many headers, nofault (the hook's
 *	entry; ZC_WALK_ALL_NOFAULT: all of them), or ZC_WALK_PARSE: all of
 *	them, faulting pages in (the parse, where the task may sleep, holds
 *	the module and the kernel has just read the buffer)
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
 * parse; there (ZC_WALK_PARSE), -EFAULT for a header that cannot be read
 * even so (zc_user_cmsghdr()).
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
			return may_fault ? -EFAULT : ZC_WALK_LATER;
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

/* The control pointer and length in a user msghdr, page faults disabled. */
static int zc_user_msg_ctl_nofault(void __user *p, bool compat,
				   void __user **ctl, size_t *len)
{
	struct compat_msghdr __user *m32 = p;
	struct user_msghdr __user *m64 = p;
	compat_uptr_t c32;
	compat_size_t l32;
	int err = -EFAULT;

	pagefault_disable();
	if (compat) {
		if (!user_read_access_begin(m32, sizeof(*m32)))
			goto out;
		unsafe_get_user(c32, &m32->msg_control, end);
		unsafe_get_user(l32, &m32->msg_controllen, end);
		*ctl = compat_ptr(c32);
		*len = l32;
	} else {
		if (!user_read_access_begin(m64, sizeof(*m64)))
			goto out;
		unsafe_get_user(*ctl, &m64->msg_control, end);
		unsafe_get_user(*len, &m64->msg_controllen, end);
	}
	err = 0;
end:
	user_read_access_end();
out:
	pagefault_enable();
	return err;
}

/**
 * zc_user_msg_ctl() - the control pointer and length in a user msghdr, now
 * @umsg: the msghdr (struct user_msghdr, or compat_msghdr)
 * @compat: it has the 32-bit layout
 * @may_fault: if it is not readable now, fault it in (never waiting for
 *	a userfaultfd answer: zc_user_fault_in()) and read it again; only
 *	where the task may sleep, as the kernel's own copy of it does
 * @ctl: set to msg_control
 * @len: set to msg_controllen
 *
 * Return: 0, or -EFAULT if it is not readable (now, without @may_fault;
 * with it, not without a userfaultfd answer, or not at all).
 */
int zc_user_msg_ctl(unsigned long umsg, bool compat, bool may_fault,
		    void __user **ctl, size_t *len)
{
	void __user *p = (void __user *)umsg;
	size_t size = compat ? sizeof(struct compat_msghdr) :
			       sizeof(struct user_msghdr);

	if (!zc_user_msg_ctl_nofault(p, compat, ctl, len))
		return 0;
	if (may_fault &&
	    zc_user_fault_retry(!zc_user_msg_ctl_nofault(p, compat, ctl, len),
				p, size, false))
		return 0;
	return -EFAULT;
}

/**
 * zc_user_head() - read a payload's @size, arr[0].zerocopy and whether
 * it asks if the error queue is left empty
 * @uzi: the payload, inside a range access_ok() accepted
 * @h: where to put them
 *
 * Return: 0, or -EFAULT if they cannot be read without a fault.
 */
int zc_user_head(const struct zc_info __user *uzi, struct zc_user_head *h)
{
	int err = -EFAULT;
	u32 w;

	pagefault_disable();
	if (!user_read_access_begin(uzi, ZC_INFO_SIZE(1)))
		goto out;
	unsafe_get_user(h->size, &uzi->size, end);
	/* arr[0].zerocopy, then reserved[0..2], in memory order: one load */
	unsafe_get_user(w, (const u32 __user *)&uzi->arr[0].zerocopy, end);
	w = le32_to_cpu((__force __le32)w);
	h->zerocopy = w & 0xff;
	h->ask_empty = w >> 8 == ZC_ASK_QUEUE_EMPTY * 0x010101u;
	err = 0;
end:
	user_read_access_end();
out:
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
	return zc_put_nofault(v, p);
}

/**
 * zc_user_put_elem() - store one element of an answer without a fault
 * @p: destination, inside a range access_ok() accepted
 * @lo: first send counter
 * @hi: last send counter
 * @zerocopy: the zerocopy byte
 * @flag: reserved[0] (0, or arr[0]'s ZC_QUEUE_EMPTY); reserved[1..2]
 *	become 0
 *
 * Three aligned 32-bit stores (elements are 4-byte aligned in both ABIs).
 *
 * Return: 0 or -EFAULT (any of them may have been done).
 */
int zc_user_put_elem(struct zc_info_elem __user *p, u32 lo, u32 hi,
		     u8 zerocopy, u8 flag)
{
	int err = -EFAULT;

	pagefault_disable();
	if (!user_write_access_begin(p, sizeof(*p)))
		goto out;
	unsafe_put_user(lo, &p->lo, end);
	unsafe_put_user(hi, &p->hi, end);
	/* zerocopy, then reserved[3] = { flag, 0, 0 }, in memory order */
	unsafe_put_user((__force u32)cpu_to_le32(zerocopy | (u32)flag << 8),
			(u32 __user *)&p->zerocopy, end);
	err = 0;
end:
	user_write_access_end();
out:
	pagefault_enable();
	return err;
}

/**
 * zc_user_put_short() - commit a short answer without a fault: @size,
 * then arr[0].zerocopy, in one user access window
 * @uzi: the payload, inside a range access_ok() accepted
 * @size: the number of elements written (at least 1, below the capacity)
 * @zerocopy: arr[0]'s zerocopy byte
 *
 * The @size store is the commit; the byte follows as the next store, so
 * that only a page table entry gone in between those two instructions
 * (another CPU's TLB invalidation, which on arm64 needs no interrupt) can
 * separate them. The caller keeps interrupts off around it.
 *
 * Return: 0; -EFAULT if @size was not stored (nothing is visible); 1 if
 * it was and the byte was not (the caller's byte stays in arr[0]).
 */
int zc_user_put_short(struct zc_info __user *uzi, u32 size, u8 zerocopy)
{
	int ret = -EFAULT;

	pagefault_disable();
	if (!user_write_access_begin(uzi, ZC_INFO_SIZE(1)))
		goto out;
	unsafe_put_user(size, &uzi->size, end);
	ret = 1;
	unsafe_put_user(zerocopy, &uzi->arr[0].zerocopy, end);
	ret = 0;
end:
	user_write_access_end();
out:
	pagefault_enable();
	return ret;
}

/**
 * zc_user_put_u8_faulting() - store a byte in user memory, faulting its
 * page in if it must (never waiting for a userfaultfd answer)
 * @p: destination, inside a range access_ok() accepted
 * @v: value
 *
 * Only where the task may sleep: the parse, task work.
 *
 * Return: 0 or -EFAULT.
 */
int zc_user_put_u8_faulting(u8 __user *p, u8 v)
{
	if (!zc_user_put_u8(p, v) ||
	    zc_user_fault_retry(!zc_user_put_u8(p, v), p, 1, true))
		return 0;
	return -EFAULT;
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
	return zc_put_nofault(v, p);
}
