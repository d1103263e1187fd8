// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - kernel symbols: where a function's ftrace site is, where it
 * ends, whether the compiler made copies of it, and tracepoints by name.
 *
 * kallsyms_lookup_name() is not exported, but register_kprobe() resolves
 * a symbol and reports where a probe goes: the function's ftrace call
 * site (past the endbr64 on IBT kernels). That is exactly the address
 * ftrace_set_filter_ip() wants. The kprobe is registered disabled, so it
 * never patches the live function (which may be running on other CPUs),
 * and is removed at once.
 *
 * May use: nothing of the module's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include "zc_symbols.h"

/**
 * zc_symbol_resolve() - the ftrace call site of a kernel function
 * @name: function name
 * @addr: set to the address a kprobe on @name goes to
 *
 * Return: 0 or register_kprobe()'s error (nothing logged).
 */
int zc_symbol_resolve(const char *name, unsigned long *addr)
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
	if (zc_symbol_resolve(clone, &addr))
		return false;
	pr_err("%s has a compiler clone %s that would bypass the hook\n",
	       name, clone);
	return true;
}

/**
 * zc_symbol_check_clones() - refuse a function that has compiler clones
 * @name: the function to be hooked
 *
 * Callers of a clone never run the hooked original: the module would
 * half-work. None of the supported kernels has such clones of the hooked
 * functions; a kernel built differently is refused here.
 *
 * Return: 0, or -EOPNOTSUPP (one line logged) if a clone exists.
 */
int zc_symbol_check_clones(const char *name)
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

	if (zc_symbol_resolve(name, &addr))
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
