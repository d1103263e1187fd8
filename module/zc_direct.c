// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - direct calls: what every other sender pays for the hooks,
 * and when the hooks use them.
 *
 * A regular ftrace_ops callback costs every call of the hooked function
 * ftrace's own trampoline: about 75 instructions (x86-64) that save and
 * restore the registers, look the ops up and call the callback, before
 * the callback's first test. With a direct call (the kernel's
 * samples/ftrace/ftrace-direct*.c) the function's ftrace site calls the
 * module's trampoline itself, which tests what it needs to in a handful
 * of instructions and returns. Each architecture writes its trampolines
 * in its own file (zc_direct_x86.c, zc_direct_arm64.c); they do:
 *
 * - zc_sendmsg_tramp, on ____sys_sendmsg(sock, msg, flags, used_address,
 *   ...): a sendmsg() message (used_address NULL: sendmsg(), and
 *   io_uring's sends) without control data, or on a socket without
 *   SO_ZEROCOPY, returns at once: zc_sendmsg_message() would do nothing
 *   for it either, but its io_uring branch, which disarms the task's
 *   record; an io_uring message that never reaches __sock_cmsg_send(), or
 *   reaches it for a socket the record is not for, can claim nothing, so
 *   leaving the record armed changes nothing. Every other message goes
 *   to zc_sendmsg_message(), with the caller's address as the callback
 *   would have it.
 * - zc_cmsg_send_tramp, on __sock_cmsg_send(): a control message that is
 *   not SOL_SOCKET/SCM_ZC_NOTIFICATION returns into the stock function;
 *   SCM_ZC_NOTIFICATION goes to zc_cmsg_send_direct() instead, with the
 *   same arguments and the caller's return address, as ftrace's IPMODIFY
 *   does: the original is never run and calls and returns stay paired.
 * - zc_redirect_tramp, the same into zc_redirect_target(), for the
 *   load-time self-test (zc_hook_check_redirect()): where direct calls do
 *   not find the registers or stack written for, the hooks stay
 *   callbacks. The test's function is in this module, so its site
 *   reaches the trampoline directly; a kernel function's site may be out
 *   of reach (arm64 with modules placed anywhere: ftrace_caller branches
 *   on, with the same registers). That second way is exercised by every
 *   hooked send, not by the self-test.
 * - zc_lsm_sendmsg_tramp and zc_lsm_recvmsg_tramp, on the security gates
 *   of zc_lsm.c: the same, into the security hook the gate stands for
 *   (its first instruction, zc_lsm_*_at).
 *
 * Owns: zc_direct_init(). May use: zc_hook.c, zc_lsm.c, the
 * architecture's trampolines.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/socket.h>
#include <net/sock.h>
#include "zc_compat.h"
#include "zc_direct.h"
#include "zc_hook.h"
#include "zc_lsm.h"
#include "zc_sendmsg.h"
#include "zc_cmsg_send.h"

#if ZC_HAVE_DIRECT_CALLS

/**
 * zc_direct_init() - give the hooks their direct calls, if they work here
 *
 * Call after the callback self-test and before the hooks are installed.
 * Where the kernel refuses a direct call on a function of this module the
 * hooks stay callbacks (nothing logged; the "loaded" line says which), and
 * where a direct call does not redirect as written here, too (one line
 * logged).
 *
 * Return: 0.
 */
int zc_direct_init(void)
{
	/* What the trampolines read, as wide as they read it. */
	BUILD_BUG_ON(sizeof(((struct msghdr *)0)->msg_controllen) != 8);
	BUILD_BUG_ON(sizeof(((struct socket *)0)->sk) != 8);
	BUILD_BUG_ON(sizeof(((struct sock *)0)->sk_flags) != 8);
	BUILD_BUG_ON(SOCK_ZEROCOPY >= BITS_PER_LONG);
	BUILD_BUG_ON(sizeof(((struct cmsghdr *)0)->cmsg_type) != 4);
	BUILD_BUG_ON(sizeof(((struct cmsghdr *)0)->cmsg_level) != 4);

	if (zc_hook_check_redirect(0, (unsigned long)zc_redirect_tramp))
		return 0;
	zc_sendmsg_hook.direct = (unsigned long)zc_sendmsg_tramp;
	zc_cmsg_send_hook.direct = (unsigned long)zc_cmsg_send_tramp;
	zc_lsm_set_direct((unsigned long)zc_lsm_sendmsg_tramp,
			  (unsigned long)zc_lsm_recvmsg_tramp);
	return 0;
}

#endif /* ZC_HAVE_DIRECT_CALLS */
