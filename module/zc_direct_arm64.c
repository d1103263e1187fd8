// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the direct-call trampolines of arm64 (6.5+, where arm64
 * got direct calls); what each does is in zc_direct.c.
 *
 * The function's ftrace site is "mov x9, x30; bl <trampoline>" before
 * its prologue, or, where the trampoline is out of the bl's reach,
 * ftrace_caller's "br x17" to it with the same registers: x9 holds the
 * caller's return address, x30 the function's first instruction after
 * the site, x0-x7 the arguments; x9-x17 are free. A trampoline begins
 * with a BTI landing pad on a BTI kernel (ZC_BTI_C). It goes on with
 * "ret": into the function with x30 restored, or, to send the call
 * elsewhere, into the other function's first instruction with x30 = x9,
 * as if the caller had called that one (a function that signs its
 * return address signs x30 there). A ret, not a branch, both ways: it
 * pops the return-address prediction the site's bl pushed, so the
 * callers' own returns stay predicted, and BTI does not check it.
 * Across a C call zc_sendmsg_tramp keeps
 * x0-x8 on the stack under two frame records, the function's (returning
 * into it) and its caller's, as ftrace_caller does, so an unwinder sees
 * zc_sendmsg_message() called from ____sys_sendmsg() called from its
 * caller.
 *
 * A request is held until the task's next return to user space (task
 * work, zc_hold.c), as with the callback: zc_sendmsg_tramp does not run
 * the function itself.
 *
 * Owns: the arm64 trampolines.
 * May use: zc_sendmsg.c (zc_sendmsg_message()), zc_cmsg_send.c
 * (zc_cmsg_send_direct()), zc_lsm.c (the gates' targets), zc_hook.c.
 */
#include <linux/socket.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zc_compat.h"
#include "zc_direct.h"

#if ZC_HAVE_DIRECT_CALLS

/* __sock_cmsg_send()'s cmsg argument: x2 with a msghdr (6.1), else x1. */
#if ZC_CMSG_ARG == 2
#define ZC_CMSG_REG	"x2"
#else
#define ZC_CMSG_REG	"x1"
#endif

/*
 * ftrace_caller reaches a trampoline out of its site's bl range with a
 * "br x17", which a BTI kernel lets land only on a landing pad. Debian's
 * arm64 kernels have no kernel BTI (gcc builds them): there it would be
 * one more instruction in every send.
 */
#ifdef CONFIG_ARM64_BTI_KERNEL
#define ZC_BTI_C	"	hint	34\n"	/* bti c */
#else
#define ZC_BTI_C	""
#endif

/* The way back into the function, x30 = the caller's return address. */
#define ZC_RETURN_INTO_FUNCTION						\
"	mov	x16, x30\n"						\
"	mov	x30, x9\n"						\
"	ret	x16\n"

/* The way into the function @sym instead, x30 = the caller's return address. */
#define ZC_RETURN_INTO(sym)						\
"	adrp	x16, " #sym "\n"						\
"	add	x16, x16, :lo12:" #sym "\n"				\
"	mov	x30, x9\n"						\
"	ret	x16\n"

/* A trampoline that goes to the function whose address is in @at. */
#define ZC_GATE_TRAMP(name, at)						\
"	.p2align	3\n"						\
"	.globl		" #name "\n"					\
"	.type		" #name ", %%function\n"			\
#name ":\n"								\
	ZC_BTI_C							\
"	adrp	x16, " #at "\n"						\
"	ldr	x16, [x16, :lo12:" #at "]\n"				\
"	mov	x30, x9\n"						\
"	ret	x16\n"							\
"	.size		" #name ", .-" #name "\n"

/*
 * The trampolines, in a section of their own: an asm statement, so that
 * the compiler gives the fields' offsets as immediates (struct msghdr,
 * struct socket and struct sock are laid out differently by different
 * kernels and configurations). Never called: it only emits them.
 */
static void __used notrace zc_direct_tramps(void)
{
	/* ldr's scaled unsigned offsets; cmp's and mov's immediates. */
	BUILD_BUG_ON(offsetof(struct msghdr, msg_controllen) % 8 ||
		     offsetof(struct msghdr, msg_controllen) >= 32768);
	BUILD_BUG_ON(offsetof(struct socket, sk) % 8 ||
		     offsetof(struct socket, sk) >= 32768);
	BUILD_BUG_ON(offsetof(struct sock, sk_flags) % 8 ||
		     offsetof(struct sock, sk_flags) >= 32768);
	BUILD_BUG_ON(offsetof(struct cmsghdr, cmsg_type) % 4 ||
		     offsetof(struct cmsghdr, cmsg_type) >= 16384 ||
		     offsetof(struct cmsghdr, cmsg_level) % 4 ||
		     offsetof(struct cmsghdr, cmsg_level) >= 16384);
	BUILD_BUG_ON(SCM_ZC_NOTIFICATION >= 65536 || SOL_SOCKET >= 4096);

	asm volatile("	.pushsection	.text.zc_direct, \"ax\", %%progbits\n"
"	.p2align	3\n"
"	.globl		zc_sendmsg_tramp\n"
"	.type		zc_sendmsg_tramp, %%function\n"
"zc_sendmsg_tramp:\n"
	ZC_BTI_C
"	cbnz	x3, 1f\n"				/* sendmmsg() */
"	ldr	x16, [x1, #%c0]\n"			/* msg_controllen */
"	cbz	x16, 2f\n"
"	ldr	x16, [x0, #%c1]\n"			/* sock->sk */
"	cbz	x16, 2f\n"
"	ldr	x16, [x16, #%c2]\n"			/* sk_flags */
"	tbnz	x16, #%c3, 1f\n"			/* SOCK_ZEROCOPY */
"2:\n"
	ZC_RETURN_INTO_FUNCTION
"1:	stp	x29, x9, [sp, #-16]!\n"			/* the caller's frame */
"	mov	x29, sp\n"
"	stp	x29, x30, [sp, #-16]!\n"		/* the function's */
"	mov	x29, sp\n"
"	sub	sp, sp, #80\n"
"	stp	x0, x1, [sp]\n"
"	stp	x2, x3, [sp, #16]\n"
"	stp	x4, x5, [sp, #32]\n"
"	stp	x6, x7, [sp, #48]\n"
"	str	x8, [sp, #64]\n"
"	mov	x4, x9\n"				/* ____sys_sendmsg()'s caller */
"	mov	w5, #0\n"				/* can_return: no */
"	bl	zc_sendmsg_message\n"
"	ldp	x0, x1, [sp]\n"
"	ldp	x2, x3, [sp, #16]\n"
"	ldp	x4, x5, [sp, #32]\n"
"	ldp	x6, x7, [sp, #48]\n"
"	ldr	x8, [sp, #64]\n"
"	add	sp, sp, #80\n"
"	ldp	x29, x30, [sp], #16\n"
"	ldp	x29, x9, [sp], #16\n"
	ZC_RETURN_INTO_FUNCTION
"	.size		zc_sendmsg_tramp, .-zc_sendmsg_tramp\n"

"	.p2align	3\n"
"	.globl		zc_cmsg_send_tramp\n"
"	.type		zc_cmsg_send_tramp, %%function\n"
"zc_cmsg_send_tramp:\n"
	ZC_BTI_C
"	ldr	w16, [" ZC_CMSG_REG ", #%c4]\n"		/* cmsg_type */
"	mov	w17, #%c6\n"
"	cmp	w16, w17\n"
"	b.ne	3f\n"
"	ldr	w16, [" ZC_CMSG_REG ", #%c5]\n"		/* cmsg_level */
"	cmp	w16, #%c7\n"
"	b.ne	3f\n"
	ZC_RETURN_INTO(zc_cmsg_send_direct)
"3:\n"
	ZC_RETURN_INTO_FUNCTION
"	.size		zc_cmsg_send_tramp, .-zc_cmsg_send_tramp\n"

"	.p2align	3\n"
"	.globl		zc_redirect_tramp\n"
"	.type		zc_redirect_tramp, %%function\n"
"zc_redirect_tramp:\n"
	ZC_BTI_C
	ZC_RETURN_INTO(zc_redirect_target)
"	.size		zc_redirect_tramp, .-zc_redirect_tramp\n"
	ZC_GATE_TRAMP(zc_lsm_sendmsg_tramp, zc_lsm_sendmsg_at)
	ZC_GATE_TRAMP(zc_lsm_recvmsg_tramp, zc_lsm_recvmsg_at)
"	.popsection\n"
		     : : ZC_DIRECT_ASM_OPERANDS);
}

#endif /* ZC_HAVE_DIRECT_CALLS */
