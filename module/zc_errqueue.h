/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - completions off the error queue, under its lock
 * (zc_errqueue.c).
 */
#ifndef _ZC_ERRQUEUE_H
#define _ZC_ERRQUEUE_H

#include <net/sock.h>
#include <uapi/linux/zcnotify.h>

/**
 * struct zc_result - what one request delivered, for the counters
 * @taken: ranges written (and taken off the queue)
 * @ids: send counter values they cover
 * @bounded: the array was filled, or the skip bound hit
 * @late: committed, but arr[0].zerocopy could not be stored after the
 *	commit (its page went in between): it is owed, @late_zc
 * @late_zc: the byte owed
 */
struct zc_result {
	u32 taken;
	u64 ids;
	bool bounded;
	bool late;
	u8 late_zc;
};

int zc_errqueue_deliver(struct sock *sk, struct zc_info __user *uzi, u32 n,
			u8 zc0, bool tell_empty, struct zc_result *res);

#endif /* _ZC_ERRQUEUE_H */
