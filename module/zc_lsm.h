/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the security module's say on an answer (zc_lsm.c).
 */
#ifndef _ZC_LSM_H
#define _ZC_LSM_H

#include <linux/socket.h>
#include <net/sock.h>

int zc_lsm_init(void);
void zc_lsm_set_direct(unsigned long sendmsg_tramp, unsigned long recvmsg_tramp);
/* The security hooks' first instructions, where the gates go. */
extern unsigned long zc_lsm_sendmsg_at, zc_lsm_recvmsg_at;
void zc_lsm_exit(void);
int zc_lsm_may_answer(struct sock *sk, struct msghdr *entry_msg);
int zc_lsm_may_send(struct sock *sk, struct msghdr *msg, int size);
bool zc_lsm_send_refusal_is_negative(void);

#endif /* _ZC_LSM_H */
