/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the ____sys_sendmsg() hook (zc_sendmsg.c).
 */
#ifndef _ZC_SENDMSG_H
#define _ZC_SENDMSG_H

#include <net/sock.h>
#include "zc_hook.h"
#include "zc_records.h"

extern struct zc_hook zc_sendmsg_hook;
void zc_sendmsg_init(void);
struct zc_call *zc_call_claim(struct sock *sk, int *err);
struct zc_call *zc_sendmsg_message(struct socket *sock, struct msghdr *msg,
				   unsigned int flags, void *used_address,
				   unsigned long parent_ip, bool can_return);
int zc_sendmsg_returned(struct zc_call *call, int ret);

#endif /* _ZC_SENDMSG_H */
