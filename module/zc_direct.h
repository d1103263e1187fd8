/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the direct-call trampolines (zc_direct.c); where there are
 * none, the hooks are ftrace callbacks.
 */
#ifndef _ZC_DIRECT_H
#define _ZC_DIRECT_H

#include "zc_compat.h"

#if ZC_HAVE_DIRECT_CALLS
int zc_direct_init(void);
/* The trampolines (zc_direct_x86.c, zc_direct_arm64.c), for their addresses. */
void zc_sendmsg_tramp(void);
void zc_cmsg_send_tramp(void);
void zc_redirect_tramp(void);
void zc_lsm_sendmsg_tramp(void);
void zc_lsm_recvmsg_tramp(void);
#else
static inline int zc_direct_init(void)
{
	return 0;
}
#endif

#endif /* _ZC_DIRECT_H */
