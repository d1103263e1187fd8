/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the caller's control buffer and payload, read and written
 * without faulting (zc_user.c).
 */
#ifndef _ZC_USER_H
#define _ZC_USER_H

#include <linux/types.h>
#include <linux/uaccess.h>
#include <uapi/linux/zcnotify.h>

int zc_user_find(const void __user *uctl, size_t ctl_len, bool compat,
		 unsigned int max_headers, struct zc_info __user **payload,
		 size_t *plen, bool *alone);
/* zc_user_find(): the walk did not finish; walk again at the parse */
#define ZC_WALK_LATER		(-EAGAIN)
/*
 * Headers the ____sys_sendmsg() callback walks, nofault, maybe with
 * preemption off: a request is usually the first or second.
 */
#define ZC_WALK_ENTRY_HEADERS	8
/* zc_user_find()'s @max_headers at the parse: all, faults allowed */
#define ZC_WALK_PARSE		0
/* ... and the parse's first try: all, without a fault */
#define ZC_WALK_ALL_NOFAULT	UINT_MAX
/* i386 socketcall()'s argument block as read: the fd and the msghdr */
#define ZC_SOCKETCALL_ARGS	(2 * sizeof(u32))
/*
 * Control buffers longer than this are not looked at (the kernel's optmem
 * limit refuses them: 20 KB by default on 6.1, 128 KB on 6.12).
 */
#define ZC_CTL_WALK_MAX		(256 * 1024)
int zc_user_msg_ctl(unsigned long umsg, bool compat, bool may_fault,
		    void __user **ctl, size_t *len);

/**
 * struct zc_user_head - the first 16 bytes of a request's payload
 * @size: the number of elements asked for
 * @zerocopy: arr[0].zerocopy as the caller left it
 * @ask_empty: arr[0].reserved[0..2] are ZC_ASK_QUEUE_EMPTY
 */
struct zc_user_head {
	u32 size;
	u8 zerocopy;
	bool ask_empty;
};

int zc_user_head(const struct zc_info __user *uzi, struct zc_user_head *h);
int zc_user_put_u32(u32 __user *p, u32 v);
int zc_user_put_elem(struct zc_info_elem __user *p, u32 lo, u32 hi,
		     u8 zerocopy, u8 flag);
int zc_user_put_short(struct zc_info __user *uzi, u32 size, u8 zerocopy);
int zc_user_put_u8(u8 __user *p, u8 v);
int zc_user_put_u8_faulting(u8 __user *p, u8 v);

#endif /* _ZC_USER_H */
