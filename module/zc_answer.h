/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the answer to a request (zc_answer.c).
 */
#ifndef _ZC_ANSWER_H
#define _ZC_ANSWER_H

#include <linux/socket.h>
#include <net/sock.h>
#include "zc_records.h"

bool zc_sock_inet(const struct sock *sk);
bool zc_sock_ok(const struct sock *sk);
int zc_answer(struct sock *sk, struct zc_call *call, u32 n,
	      struct msghdr *entry_msg);

#endif /* _ZC_ANSWER_H */
