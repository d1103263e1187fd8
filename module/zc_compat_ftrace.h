/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - what differs in ftrace between the kernels it builds for:
 * the callback's register set, the way to change a traced call's
 * registers, direct calls, the ops flags.
 *
 * Included by zc_compat.h, which the rest of the module includes.
 */
#ifndef _ZC_COMPAT_FTRACE_H
#define _ZC_COMPAT_FTRACE_H

#include <linux/errno.h>
#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include "zc_kernel_version.h"

/*
 * ftrace callbacks: 5.10 passes struct pt_regs (only with SAVE_REGS),
 * 5.11+ struct ftrace_regs (commit d19ad0775dcd, "ftrace: Have the
 * callbacks receive a struct ftrace_regs instead of pt_regs"), opaque
 * since 6.13 with accessors (commit 7888af4166d4, "ftrace: Make
 * ftrace_regs abstract from direct use"). The
 * registers a callback may read and change come with every call where
 * ftrace has WITH_ARGS (x86 5.11+, arm64 6.2+); elsewhere (x86 5.10,
 * arm64 6.1: WITH_REGS only) only with SAVE_REGS. zc_hook.c checks
 * struct zc_fregs against the kernel's ftrace_func_t.
 */
#if ZC_KERNEL_SINCE(5, 11)
#define zc_fregs		ftrace_regs
#else
#define zc_fregs		pt_regs
#endif
#if defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#define ZC_FTRACE_ARGS_FLAGS	0	/* arguments come with every call */
#define ZC_CAN_REDIRECT		1
#elif defined(CONFIG_DYNAMIC_FTRACE_WITH_REGS)
#define ZC_FTRACE_ARGS_FLAGS	FTRACE_OPS_FL_SAVE_REGS
#define ZC_CAN_REDIRECT		1
#else
/* No way to change a traced call's registers: zc_init() refuses. */
#define ZC_FTRACE_ARGS_FLAGS	0
#define ZC_CAN_REDIRECT		0
#endif

/*
 * ftrace direct calls: the function's ftrace site calls a trampoline of
 * the module's own, with no ftrace_caller, register save or ops list in
 * between. 5.16 gave each ftrace_ops its own direct trampoline
 * (register_ftrace_direct_multi(), commit f64dd4627ec6, "ftrace: Add
 * multi direct register/unregister interface"); 6.6 renamed it
 * register_ftrace_direct() and gave the unregister a free_filters
 * argument (commit da8bdfbd4231, "ftrace: Rename _ftrace_direct_multi
 * APIs to _ftrace_direct APIs"). compat.mk says which form the headers
 * declare; zc_hook.c checks it against the declaration. The trampolines
 * are written for x86-64, against the asm/ibt.h (ASM_ENDBR) of 5.18+,
 * where the x86 IBT series added it (zc_direct_x86.c), and for arm64,
 * which has direct calls since 6.5 (commit 2aa6ac03516d, "arm64: ftrace:
 * Add direct call support"; arm64 6.1 has none) (zc_direct_arm64.c);
 * elsewhere the hooks stay ftrace callbacks.
 */
#if defined(CONFIG_X86_64) && ZC_KERNEL_SINCE(5, 18)
#define ZC_ARCH_HAS_DIRECT_TRAMPS	1
#elif defined(CONFIG_ARM64)
#define ZC_ARCH_HAS_DIRECT_TRAMPS	1
#else
#define ZC_ARCH_HAS_DIRECT_TRAMPS	0
#endif
#if ZC_ARCH_HAS_DIRECT_TRAMPS && defined(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS) && \
	(defined(ZC_HAVE_FTRACE_DIRECT_OPS) || defined(ZC_HAVE_FTRACE_DIRECT_MULTI))
#define ZC_HAVE_DIRECT_CALLS	1
#else
#define ZC_HAVE_DIRECT_CALLS	0
#endif

#if ZC_HAVE_DIRECT_CALLS && defined(ZC_HAVE_FTRACE_DIRECT_OPS)
#define zc_ftrace_direct_register	register_ftrace_direct
#define ZC_FTRACE_DIRECT_TYPECHECK()					\
	BUILD_BUG_ON(!__same_type(&register_ftrace_direct,		\
		     (int (*)(struct ftrace_ops *, unsigned long))NULL) ||	\
		     !__same_type(&unregister_ftrace_direct,		\
		     (int (*)(struct ftrace_ops *, unsigned long, bool))NULL))
/* The filter is the caller's to remove, as for a regular ftrace_ops. */
#define zc_ftrace_direct_unregister(ops, addr)				\
	unregister_ftrace_direct(ops, addr, false)
/* 6.6's register leaves the address in the ops where it fails. */
#define zc_ftrace_ops_forget_direct(ops)	((ops)->direct_call = 0)
#elif ZC_HAVE_DIRECT_CALLS
#define zc_ftrace_direct_register	register_ftrace_direct_multi
#define zc_ftrace_direct_unregister	unregister_ftrace_direct_multi
#define ZC_FTRACE_DIRECT_TYPECHECK()					\
	BUILD_BUG_ON(!__same_type(&register_ftrace_direct_multi,	\
		     (int (*)(struct ftrace_ops *, unsigned long))NULL) ||	\
		     !__same_type(&unregister_ftrace_direct_multi,	\
		     (int (*)(struct ftrace_ops *, unsigned long))NULL))
#define zc_ftrace_ops_forget_direct(ops)	do { } while (0)
#else
static inline int zc_ftrace_direct_register(struct ftrace_ops *ops,
					    unsigned long addr)
{
	return -EOPNOTSUPP;
}

static inline int zc_ftrace_direct_unregister(struct ftrace_ops *ops,
					      unsigned long addr)
{
	return -EOPNOTSUPP;
}

#define ZC_FTRACE_DIRECT_TYPECHECK()			do { } while (0)
#define zc_ftrace_ops_forget_direct(ops)	do { } while (0)
#endif

/*
 * ZC_FTRACE_SITE_MAX - how far past a function's first byte the ip that
 * ftrace hands a callback (the function's ftrace site) may lie. x86-64
 * IBT kernels (5.18, the IBT series) put a 4-byte ENDBR64 first; arm64's
 * patchable entry (5.5, DYNAMIC_FTRACE_WITH_REGS) is "mov x9, x30" and
 * the call, after a BTI landing pad on BTI kernels (5.10). A hook's
 * address is its function's first byte or the site itself (kprobe
 * addresses skip ENDBR64, not arm64's prologue); every hooked function
 * is longer than this, so no ip falls in two hooks' ranges.
 */
#if defined(CONFIG_ARM64)
#define ZC_FTRACE_SITE_MAX	8
#else
#define ZC_FTRACE_SITE_MAX	4
#endif

/*
 * ZC_FTRACE_SHARE_IPMODIFY - may an IPMODIFY callback join an ftrace_ops
 * that is already registered (zc_hook.c)? Not on kernels with direct
 * calls: since 6.0 ("ftrace: Allow IPMODIFY and DIRECT ops on the same
 * function") only register_ftrace_function() moves a direct call on the
 * function (a BPF trampoline) aside for an IPMODIFY ops; a filter added
 * to a registered ops skips that, and the redirect would be lost. Those
 * kernels call one ops per site anyway (x86's per-ops trampolines,
 * arm64's CALL_OPS), so sharing would save nothing there.
 */
#define ZC_FTRACE_SHARE_IPMODIFY \
	(!IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS))

/*
 * Every hook is permanent: while it is registered, kernel.ftrace_enabled
 * cannot be set to 0 (the sysctl answers EBUSY), and registering fails
 * with EBUSY while it is 0. A module whose hooks silently stop running
 * would otherwise keep saying "loaded" (see zc_hook_install()).
 */
#define ZC_FTRACE_PERMANENT_FLAGS	FTRACE_OPS_FL_PERMANENT

/*
 * No recursion guard: the callbacks call no function they hook, and they
 * are written for either preemption state (RCU read locks, per-CPU adds
 * that are preempt-safe, a raw spinlock with interrupts off). Asking for
 * FTRACE_OPS_FL_RECURSION (5.11, commit a25d036d939a) would route every
 * call of the hooked functions through ftrace's assist function. Before
 * 5.11 the guard was implicit and cannot be turned off.
 */
#define ZC_FTRACE_RECURSION_FLAGS	0

/*
 * The traced call's full pt_regs where the callback gets them: x86 6.1's
 * WITH_ARGS ftrace_regs holds a partial pt_regs whose argument registers
 * and ip are valid; arm64 6.1's ftrace_regs is the pt_regs SAVE_REGS
 * filled (there ftrace_instruction_pointer_set() is an empty macro).
 */
#define zc_fregs_pt_regs(fregs)	(&(fregs)->regs)

/* zc_fregs_arg - the n-th (0-based) integer argument of the traced call */
static __always_inline unsigned long zc_fregs_arg(struct zc_fregs *fregs,
						  unsigned int n)
{
#if defined(ZC_HAVE_FREGS_ACCESSORS)
	return ftrace_regs_get_argument(fregs, n);
#elif ZC_KERNEL_SINCE(5, 11)
	return regs_get_kernel_argument(zc_fregs_pt_regs(fregs), n);
#else
	return regs_get_kernel_argument(fregs, n);
#endif
}

/* zc_fregs_set_ip - make the traced call continue at @ip (by a return) */
static __always_inline void zc_fregs_set_ip(struct zc_fregs *fregs,
					    unsigned long ip)
{
#if defined(ZC_HAVE_FREGS_ACCESSORS)
	ftrace_regs_set_instruction_pointer(fregs, ip);
#elif ZC_KERNEL_SINCE(5, 11)
	instruction_pointer_set(zc_fregs_pt_regs(fregs), ip);
#else
	instruction_pointer_set(fregs, ip);
#endif
}

#endif /* _ZC_COMPAT_FTRACE_H */
