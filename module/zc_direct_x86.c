// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the direct-call trampolines of x86-64 (5.18+); what each
 * does is in zc_direct.c.
 *
 * For a request of a sendmsg() system call zc_sendmsg_message() returns
 * the task's record, held: zc_sendmsg_tramp then runs the function
 * itself (as a BPF trampoline does: a return onto its first instruction
 * after the ftrace site, which IBT allows where an indirect call would
 * fault), passes its return value to zc_sendmsg_returned() and returns
 * that to the caller. The hold ends there, with no task work (zc_hold.c),
 * and a request left for the return is answered (zc_answer.c).
 * The other trampolines send a call elsewhere by changing their return
 * address, as ftrace's IPMODIFY does.
 *
 * The trampoline runs at the function's entry, before its prologue: it
 * keeps the argument registers and may use %rax (no variadic function is
 * hooked) and, across a C call, the registers a call may clobber. Entry
 * through a patched call (ENDBR for the shared case, where ftrace's own
 * trampoline returns here, with a RET), CALL_DEPTH_ACCOUNT for the call
 * depth tracking of 6.2+, and every return through ASM_RET (the return
 * thunk), as the kernel's samples do.
 *
 * Owns: the x86-64 trampolines.
 * May use: zc_sendmsg.c (zc_sendmsg_message()), zc_cmsg_send.c
 * (zc_cmsg_send_direct()), zc_lsm.c (the gates' targets), zc_hook.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/linkage.h>
#include <linux/socket.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zc_cmsg_send.h"
#include "zc_compat.h"
#include "zc_direct.h"
#include "zc_hook.h"
#include "zc_lsm.h"
#include "zc_sendmsg.h"

#if ZC_HAVE_DIRECT_CALLS
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

/* 6.2 added call depth tracking (CONFIG_CALL_DEPTH_TRACKING). */
#ifndef CALL_DEPTH_ACCOUNT
#define CALL_DEPTH_ACCOUNT ""
#endif

/*
 * objtool's unwind hint for where the function returns into the
 * trampoline: the record and the address the function ran from are on
 * the stack, the function's caller's return address above them, so that
 * caller's frame starts 24 bytes up. The trampoline never touches %rbp:
 * a hint cannot say where a saved %rbp is, and an unwinder that carried
 * the trampoline's %rbp up to a caller whose frame is found from %rbp
 * (a KASAN build's ___sys_sendmsg()) went the wrong way. 6.4 put the
 * hint's type first (compat.mk probes it).
 */
#ifdef ZC_HAVE_UNWIND_HINT_TYPE_FIRST
#define ZC_UNWIND_HINT_FRAME	UNWIND_HINT(UNWIND_HINT_TYPE_CALL, ORC_REG_SP, 24, 0)
#else
#define ZC_UNWIND_HINT_FRAME	UNWIND_HINT(ORC_REG_SP, 24, UNWIND_HINT_TYPE_CALL, 0)
#endif

/*
 * objtool's mark for a call to a label of the same function: usable from
 * C since linux/annotate.h (7.x here); before, only assembler files had
 * it, as an entry of its own section.
 */
#ifndef ANNOTATE_INTRA_FUNCTION_CALL
#define ANNOTATE_INTRA_FUNCTION_CALL					\
	"999:\n\t.pushsection .discard.intra_function_calls\n\t"		\
	".long 999b\n\t.popsection"
#endif

/*
 * The function runs from the trampoline only where the kernel unwinds
 * with ORC, which follows the trampoline's frame to the function's
 * caller; a frame-pointer unwinder would skip that caller in the trace
 * of a task blocked in the function (livepatch's reliable stacks).
 */
#ifdef CONFIG_UNWINDER_ORC
#define ZC_TRAMP_CAN_RETURN	"1"
#else
#define ZC_TRAMP_CAN_RETURN	"0"
#endif

/* __sock_cmsg_send()'s cmsg argument: %rdx with a msghdr (6.1), else %rsi. */
#if ZC_CMSG_ARG == 2
#define ZC_CMSG_REG	"%rdx"
#else
#define ZC_CMSG_REG	"%rsi"
#endif

/* A trampoline that returns into the function whose address is in @at. */
#define ZC_GATE_TRAMP(name, at)						\
"	.p2align	4\n"				/* even */	\
"	.globl		" #name "\n"					\
"	.type		" #name ", @function\n"			\
#name ":\n"								\
	ASM_ENDBR							\
	CALL_DEPTH_ACCOUNT						\
"	movq	" #at "(%rip), %rax\n"					\
"	movq	%rax, (%rsp)\n"						\
	ASM_RET								\
"	.size		" #name ", .-" #name "\n"

asm("	.pushsection	.text, \"ax\", @progbits\n"
"	.p2align	4\n"				/* even: see zc_hook_attach_direct() */
"	.globl		zc_sendmsg_tramp\n"
"	.type		zc_sendmsg_tramp, @function\n"
"zc_sendmsg_tramp:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT
"	testq	%rcx, %rcx\n"				/* sendmmsg() */
"	jnz	1f\n"
"	cmpq	$0, zc_msg_controllen(%rsi)\n"
"	je	2f\n"
"	movq	zc_socket_sk(%rdi), %rax\n"
"	testq	%rax, %rax\n"
"	jz	2f\n"
"	btq	$zc_sock_zerocopy, zc_sk_flags(%rax)\n"
"	jc	1f\n"
"2:\n"
	ASM_RET
"1:	pushq	%rdi\n"
"	pushq	%rsi\n"
"	pushq	%rdx\n"
"	pushq	%rcx\n"
"	pushq	%r8\n"
"	pushq	%r9\n"
"	movq	56(%rsp), %r8\n"			/* ____sys_sendmsg()'s caller */
"	movl	$" ZC_TRAMP_CAN_RETURN ", %r9d\n"		/* can_return */
"	call	zc_sendmsg_message\n"
"	popq	%r9\n"
"	popq	%r8\n"
"	popq	%rcx\n"
"	popq	%rdx\n"
"	popq	%rsi\n"
"	popq	%rdi\n"
"	testq	%rax, %rax\n"
"	jnz	4f\n"
	ASM_RET
/* Held until the return: run the function from here, then tell the module. */
"4:	pushq	%rax\n"				/* the record */
	ANNOTATE_INTRA_FUNCTION_CALL "\n"
"	call	5f\n"
	ZC_UNWIND_HINT_FRAME
"	movq	(%rsp), %rdi\n"
"	movl	%eax, %esi\n"
"	call	zc_sendmsg_returned\n"
"	addq	$16, %rsp\n"				/* the record, the function's address */
	UNWIND_HINT_FUNC
	ASM_RET					/* to ____sys_sendmsg()'s caller */
"5:\n"
	CALL_DEPTH_ACCOUNT			/* the return below is a call */
"	pushq	16(%rsp)\n"				/* after the function's ftrace site */
	UNWIND_HINT_FUNC			/* as the function's first instruction sees it */
	ASM_RET					/* a return, not an indirect call: IBT */
"	.size		zc_sendmsg_tramp, .-zc_sendmsg_tramp\n"

"	.p2align	4\n"				/* even: see zc_hook_attach_direct() */
"	.globl		zc_cmsg_send_tramp\n"
"	.type		zc_cmsg_send_tramp, @function\n"
"zc_cmsg_send_tramp:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT
"	cmpl	$zc_scm_zc_notification, zc_cmsg_type(" ZC_CMSG_REG ")\n"
"	jne	3f\n"
"	cmpl	$zc_sol_socket, zc_cmsg_level(" ZC_CMSG_REG ")\n"
"	jne	3f\n"
"	leaq	zc_cmsg_send_direct(%rip), %rax\n"
"	movq	%rax, (%rsp)\n"				/* an unwinder here sees that caller */
"3:\n"
	ASM_RET
"	.size		zc_cmsg_send_tramp, .-zc_cmsg_send_tramp\n"

"	.p2align	4\n"				/* even: see zc_hook_attach_direct() */
"	.globl		zc_redirect_tramp\n"
"	.type		zc_redirect_tramp, @function\n"
"zc_redirect_tramp:\n"
	ASM_ENDBR
	CALL_DEPTH_ACCOUNT
"	leaq	zc_redirect_target(%rip), %rax\n"
"	movq	%rax, (%rsp)\n"
	ASM_RET
"	.size		zc_redirect_tramp, .-zc_redirect_tramp\n"
	ZC_GATE_TRAMP(zc_lsm_sendmsg_tramp, zc_lsm_sendmsg_at)
	ZC_GATE_TRAMP(zc_lsm_recvmsg_tramp, zc_lsm_recvmsg_at)
"	.popsection\n"
);

/*
 * Where the trampolines read, as assembler symbols: struct msghdr, struct
 * socket and struct sock are laid out differently by different kernels
 * and configurations, so the compiler says where the fields are (never
 * called: it only emits them; zc_direct_init() checks their widths).
 */
static void __used notrace zc_direct_offsets(void)
{
	asm volatile(".set zc_msg_controllen, %c0\n\t"
		     ".set zc_socket_sk, %c1\n\t"
		     ".set zc_sk_flags, %c2\n\t"
		     ".set zc_sock_zerocopy, %c3\n\t"
		     ".set zc_cmsg_type, %c4\n\t"
		     ".set zc_cmsg_level, %c5\n\t"
		     ".set zc_scm_zc_notification, %c6\n\t"
		     ".set zc_sol_socket, %c7\n\t"
		     : : ZC_DIRECT_ASM_OPERANDS);
}

#endif /* ZC_HAVE_DIRECT_CALLS */
