/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the __sock_cmsg_send() redirect (zc_cmsg_send.c).
 */
#ifndef _ZC_CMSG_SEND_H
#define _ZC_CMSG_SEND_H

#include "zc_compat.h"
#include "zc_hook.h"

extern struct zc_hook zc_cmsg_send_hook;
void zc_cmsg_send_quiesce(void);
ZC_CMSG_SEND_PROTO(zc_cmsg_send_direct);

#endif /* _ZC_CMSG_SEND_H */
