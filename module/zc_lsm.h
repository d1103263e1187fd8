/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the security module's say on an answer (zc_lsm.c).
 */
#ifndef _ZC_LSM_H
#define _ZC_LSM_H

#include <linux/socket.h>
#include <net/sock.h>

int zc_lsm_init(void);
void zc_lsm_exit(void);
int zc_lsm_may_answer(struct sock *sk, struct msghdr *entry_msg);

#endif /* _ZC_LSM_H */
