/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - the direct-call trampolines (zc_direct.c); where there are
 * none, the hooks are ftrace callbacks.
 */
#ifndef _ZC_DIRECT_H
#define _ZC_DIRECT_H

#include "zc_compat.h"

#if ZC_HAVE_DIRECT_CALLS
/*
 * What the trampolines read, as the asm operands %c0..%c7 of both
 * architectures' files: where msg_controllen, socket->sk and sk_flags
 * are, the SOCK_ZEROCOPY bit, where cmsg_type and cmsg_level are, and
 * the two constants they are compared with. The layouts differ between
 * kernels and configurations, so the compiler says.
 */
#define ZC_DIRECT_ASM_OPERANDS						\
	"i" (offsetof(struct msghdr, msg_controllen)),			\
	"i" (offsetof(struct socket, sk)),				\
	"i" (offsetof(struct sock, sk_flags)),				\
	"i" (SOCK_ZEROCOPY),						\
	"i" (offsetof(struct cmsghdr, cmsg_type)),			\
	"i" (offsetof(struct cmsghdr, cmsg_level)),			\
	"i" (SCM_ZC_NOTIFICATION), "i" (SOL_SOCKET)

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
