// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - symbol resolution and ftrace/tracepoint plumbing.
 *
 * kallsyms_lookup_name() is not exported, but register_kprobe() resolves
 * a symbol and reports where a probe goes: the function's ftrace call
 * site (past the endbr64 on IBT kernels). That is exactly the address
 * ftrace_set_filter_ip() wants. The kprobe is registered disabled, so it
 * never patches the live function (which may be running on other CPUs),
 * and is removed at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include "zc_compat.h"
#include "zc_hook.h"

static int zc_resolve(const char *name, unsigned long *addr)
{
	struct kprobe kp = {
		.symbol_name = name,
		.flags = KPROBE_FLAG_DISABLED,
	};
	int err;

	err = register_kprobe(&kp);
	if (err)
		return err;
	*addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return 0;
}

/*
 * The function's ftrace site calls @hook->direct itself. The kernel
 * refuses a second direct user of one function (a BPF fentry program:
 * EBUSY, before it changes anything) and a direct call on a function an
 * IPMODIFY user (a livepatch) owns (EBUSY, after it set the ops up; 6.6+
 * kernels without commit 56b3c85e153b, "ftrace: Fix BPF fexit with
 * livepatch", 6.18 and its stable backports, also leave the function in
 * ftrace's table of direct calls: harmless, but no direct call can then
 * go on that function until a reboot). Either
 * way the ops is made ready for a regular registration again, as the
 * kernel's own unregister does.
 */
static int zc_hook_attach_direct(struct zc_hook *hook)
{
	int err;

	ZC_FTRACE_DIRECT_TYPECHECK();
	hook->ops.func = NULL;
	err = ftrace_set_filter_ip(&hook->ops, hook->addr, 0, 0);
	if (err)
		return err;
	err = zc_ftrace_direct_register(&hook->ops, hook->direct);
	if (err) {
		hook->ops.func = NULL;
		hook->ops.trampoline = 0;
		hook->ops.flags &= FTRACE_OPS_FL_INITIALIZED;
		ftrace_set_filter_ip(&hook->ops, hook->addr, 1, 0);
	}
	return err;
}

/**
 * zc_hook_attach() - attach @hook at @hook->addr
 * @hook: the hook, with @addr set (a kernel function's ftrace site, or one
 *	of this module's own functions)
 *
 * As a direct call where @hook->direct is set and the kernel takes it,
 * else as the ftrace callback @hook->func (and @hook->direct is cleared).
 * The callback is permanent, as zc_hook_install() says; a direct call is
 * not (the kernel's direct ops have fixed flags), and is kept from being
 * turned off by the permanent restart hook beside it. One line logged on
 * failure, except for a hook with no callback.
 *
 * Return: 0 or a negative errno.
 */
int zc_hook_attach(struct zc_hook *hook)
{
	int err;

	if (hook->direct) {
		err = zc_hook_attach_direct(hook);
		if (!err)
			return 0;
		hook->direct = 0;
		/* A hook with no callback (the self-test): nothing logged. */
		if (!hook->func)
			return err;
	}
	hook->ops.func = hook->func;
	hook->ops.flags = hook->flags | ZC_FTRACE_RECURSION_FLAGS |
			  ZC_FTRACE_PERMANENT_FLAGS |
			  (hook->ops.flags & FTRACE_OPS_FL_INITIALIZED);
	err = ftrace_set_filter_ip(&hook->ops, hook->addr, 0, 0);
	if (err) {
		pr_err("cannot trace %s: error %d\n", hook->name, err);
		return err;
	}
	err = register_ftrace_function(&hook->ops);
	if (err) {
		pr_err("cannot hook %s: error %d%s\n", hook->name, err,
		       err == -EBUSY ?
		       " (kernel.ftrace_enabled is 0, or a livepatch or another module owns it)" :
		       "");
		ftrace_set_filter_ip(&hook->ops, hook->addr, 1, 0);
		return err;
	}
	return 0;
}

/**
 * zc_hook_install() - resolve @hook->name and attach @hook->func to it
 * @hook: the hook; @name, @func and @flags set by the caller
 *
 * Logs one line and returns a negative errno on failure: -ENOENT if the
 * symbol does not exist, -EBUSY if another IPMODIFY user (a livepatch,
 * another hooking module) owns the function or if kernel.ftrace_enabled
 * is 0. The hook is permanent: while it is installed, the
 * kernel.ftrace_enabled sysctl cannot be set to 0 (EBUSY), so it cannot
 * silently stop running.
 *
 * Return: 0 or a negative errno.
 */
int zc_hook_install(struct zc_hook *hook)
{
	int err;

	err = zc_resolve(hook->name, &hook->addr);
	if (err) {
		pr_err("cannot resolve %s: error %d\n", hook->name, err);
		return err == -EINVAL ? -ENOENT : err;
	}
	return zc_hook_attach(hook);
}

/*
 * The load-time redirect check: a call of zc_redirect_probe() must end up
 * in zc_redirect_target(). ZC_NOIPA: the compiler may neither inline the
 * probe, nor clone it, nor fold its result into the caller.
 */
static ZC_NOIPA int zc_redirect_probe(int v)
{
	return v;
}

/* Also the direct-call self-test's target (zc_direct_x86.c). */
ZC_NOIPA int zc_redirect_target(int v)
{
	return v + 1;
}

static void notrace zc_redirect_entry(unsigned long ip,
				      unsigned long parent_ip,
				      struct ftrace_ops *ops,
				      struct zc_fregs *fregs)
{
	zc_fregs_set_ip(fregs, (unsigned long)zc_redirect_target);
}

/**
 * zc_hook_check_redirect() - check that a hook can redirect a call
 * @flags: the FTRACE_OPS_FL_* flags the redirecting hook will use
 * @direct: 0 to check an ftrace callback; else a direct-call trampoline
 *	that returns into zc_redirect_target() instead of the traced
 *	function, as the __sock_cmsg_send() one returns into its own
 *
 * The __sock_cmsg_send() hook works by changing where the traced call
 * continues. Where ftrace cannot do that (no WITH_ARGS and no WITH_REGS,
 * or an accessor that compiles to nothing, as
 * ftrace_instruction_pointer_set() does on arm64 6.1), or where a direct
 * call does not find the stack its trampoline was written for, the hook
 * would run and change nothing, or worse: the module would half-work. So
 * it is tried once, on a function of this module, before any kernel
 * function is hooked.
 *
 * Return: 0, or -EOPNOTSUPP (one line logged), or the ftrace error.
 */
int zc_hook_check_redirect(unsigned long flags, unsigned long direct)
{
	/* Static, as ftrace_ops are: never left on ftrace's list from a stack. */
	static struct zc_hook h = {
		.name = "a zcnotify function (redirect self-test)",
		.func = zc_redirect_entry,
	};
	static struct zc_hook hd = {
		.name = "a zcnotify function (direct-call self-test)",
	};
	struct zc_hook *hook = direct ? &hd : &h;
	int err, got;

	BUILD_BUG_ON(!__same_type(ftrace_func_t,
				  void (*)(unsigned long, unsigned long,
					   struct ftrace_ops *,
					   struct zc_fregs *)));
	if (!direct && !ZC_CAN_REDIRECT) {
		pr_err("ftrace on this kernel cannot redirect a traced call (no DYNAMIC_FTRACE_WITH_ARGS or _WITH_REGS)\n");
		return -EOPNOTSUPP;
	}
	hook->flags = flags;
	hook->direct = direct;
	hook->addr = (unsigned long)zc_redirect_probe;
	/* Permanent as the real hooks are: EBUSY while ftrace_enabled=0. */
	err = zc_hook_attach(hook);
	if (err)
		return err;
	got = zc_redirect_probe(1);
	zc_hook_remove(hook);
	if (got != 2) {
		pr_err("%s on this kernel does not redirect a traced call (self-test got %d)\n",
		       direct ? "an ftrace direct call" : "ftrace", got);
		return -EOPNOTSUPP;
	}
	return 0;
}

/**
 * zc_hook_remove() - detach a hook installed by zc_hook_install()
 * @hook: the hook
 *
 * On return no CPU runs @hook->func any more. Code the callback redirected
 * to may still be running: see zc_cmsg_send_quiesce().
 */
void zc_hook_remove(struct zc_hook *hook)
{
	if (hook->direct)
		zc_ftrace_direct_unregister(&hook->ops, hook->direct);
	else
		unregister_ftrace_function(&hook->ops);
	ftrace_set_filter_ip(&hook->ops, hook->addr, 1, 0);
}

/*
 * The suffixes gcc gives the copies of a function it specialises (IPA-SRA
 * ".isra.N", constant propagation ".constprop.N", partial inlining
 * ".part.N", each numbered per translation unit, and combined when one
 * copy is specialised again, e.g. ".constprop.0.isra.0") and LTO
 * ".lto_priv.N". Numbers up to ZC_CLONE_NUM_MAX are tried, and pairs
 * numbered 0 (each lookup is a kallsyms search, linear on 5.10: a load
 * does about 60 of them). A ".cold" part (hot/cold splitting, which 6.1
 * does to get_signal()) is not a copy: only the function itself jumps
 * there, after its entry ran the hook.
 */
static const char *const zc_clone_kinds[] = { "isra", "constprop", "part" };
#define ZC_CLONE_NUM_MAX	3

static bool zc_clone_exists(const char *name, const char *suffix)
{
	char clone[KSYM_NAME_LEN];
	unsigned long addr;

	snprintf(clone, sizeof(clone), "%s%s", name, suffix);
	if (zc_resolve(clone, &addr))
		return false;
	pr_err("%s has a compiler clone %s that would bypass the hook\n",
	       name, clone);
	return true;
}

/**
 * zc_hook_check_clones() - refuse a function that has compiler clones
 * @name: the function to be hooked
 *
 * Callers of a clone never run the hooked original: the module would
 * half-work. None of the supported kernels has such clones of the hooked
 * functions; a kernel built differently is refused here.
 *
 * Return: 0, or -EOPNOTSUPP (one line logged) if a clone exists.
 */
int zc_hook_check_clones(const char *name)
{
	char sfx[48];
	size_t a, b;
	int n;

	for (n = 0; n <= ZC_CLONE_NUM_MAX; n++) {
		snprintf(sfx, sizeof(sfx), ".lto_priv.%d", n);
		if (n < 2 && zc_clone_exists(name, sfx))
			return -EOPNOTSUPP;
		for (a = 0; a < ARRAY_SIZE(zc_clone_kinds); a++) {
			snprintf(sfx, sizeof(sfx), ".%s.%d", zc_clone_kinds[a], n);
			if (zc_clone_exists(name, sfx))
				return -EOPNOTSUPP;
		}
	}
	for (a = 0; a < ARRAY_SIZE(zc_clone_kinds); a++)
		for (b = 0; b < ARRAY_SIZE(zc_clone_kinds); b++)
			if (a != b) {
				snprintf(sfx, sizeof(sfx), ".%s.0.%s.0",
					 zc_clone_kinds[a], zc_clone_kinds[b]);
				if (zc_clone_exists(name, sfx))
					return -EOPNOTSUPP;
			}
	return 0;
}

/**
 * zc_symbol_range() - where a kernel function starts and ends
 * @name: function name
 * @start: set to its first byte
 * @end: set to the byte after its last one
 *
 * Return: 0, or -ENOENT if there is no such function (nothing logged).
 */
int zc_symbol_range(const char *name, unsigned long *start,
		    unsigned long *end)
{
	char buf[KSYM_SYMBOL_LEN], *p;
	unsigned long addr, off, size;

	if (zc_resolve(name, &addr))
		return -ENOENT;
	sprint_symbol(buf, addr);
	p = strrchr(buf, '+');
	if (!p || sscanf(p, "+%lx/%lx", &off, &size) != 2 || off > addr)
		return -ENOENT;
	*start = addr - off;
	*end = *start + size;
	return 0;
}

struct zc_tp_lookup {
	const char *name;
	struct tracepoint *tp;
};

static void zc_tp_match(struct tracepoint *tp, void *priv)
{
	struct zc_tp_lookup *l = priv;

	if (!strcmp(tp->name, l->name))
		l->tp = tp;
}

/**
 * zc_tracepoint_find() - find a core kernel tracepoint by name
 * @name: tracepoint name, e.g. "sched_process_exit"
 *
 * Return: the tracepoint, or NULL if the kernel has none of that name.
 */
struct tracepoint *zc_tracepoint_find(const char *name)
{
	struct zc_tp_lookup l = { .name = name };

	for_each_kernel_tracepoint(zc_tp_match, &l);
	return l.tp;
}
