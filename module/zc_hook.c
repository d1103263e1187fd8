// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - ftrace plumbing: a hook attached as a direct call or as a
 * callback, the load-time redirect self-tests, and removal.
 *
 * Owns struct zc_hook's life on ftrace. May use: zc_symbols.c (where a
 * function's ftrace site is), zc_compat.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include "zc_compat.h"
#include "zc_hook.h"
#include "zc_symbols.h"

/*
 * The function's ftrace site calls @hook->direct itself. The kernel
 * refuses a second direct user of one function (a BPF fentry program:
 * EBUSY, before it changes anything) and a direct call on a function an
 * IPMODIFY user (a livepatch) owns (EBUSY, after it set the ops up; 6.6+
 * kernels without commit 56b3c85e153b, "ftrace: Fix BPF fexit with
 * livepatch", 6.18 and its stable backports, also leave the function in
 * ftrace's table of direct calls: harmless, but no direct call can then
 * go on that function until a reboot). Either way the ops is made
 * ready for a regular registration again, as the kernel's own unregister
 * does.
 */
static int zc_hook_attach_direct(struct zc_hook *hook)
{
	int err;

	ZC_FTRACE_DIRECT_TYPECHECK();
	/*
	 * 6.19's jmp attach (CONFIG_DYNAMIC_FTRACE_WITH_JMP, ftrace_is_jmp())
	 * reads bit 0 of a direct address as "attach with a jmp", which
	 * these trampolines are not written for: they are aligned, and an
	 * odd one is refused (the callback then serves).
	 */
	if (hook->direct & 1)
		return -EINVAL;
	hook->ops.func = NULL;
	err = ftrace_set_filter_ip(&hook->ops, hook->addr, 0, 0);
	if (err)
		return err;
	err = zc_ftrace_direct_register(&hook->ops, hook->direct);
	if (err) {
		hook->ops.func = NULL;
		hook->ops.trampoline = 0;
		hook->ops.flags &= FTRACE_OPS_FL_INITIALIZED;
		zc_ftrace_ops_forget_direct(&hook->ops);
		ftrace_set_filter_ip(&hook->ops, hook->addr, 1, 0);
	}
	return err;
}

/*
 * Callback hooks with the same flags share one ftrace_ops, which
 * dispatches on the traced address. A site that more than one ops
 * covers, and every site of a kernel whose ftrace_caller finds no ops of
 * its own (arm64 before CALL_OPS, 6.3: 6.1), calls ftrace's list
 * function, which tests each registered ops' filter in turn: five ops,
 * five hash lookups on every sendmsg(). Shared, they are two.
 *
 * IPMODIFY hooks share only where ZC_FTRACE_SHARE_IPMODIFY says so.
 *
 * Hooks are attached and removed from zc_init() and zc_exit() only,
 * never concurrently; the callbacks read the table with READ_ONCE(),
 * entries published with smp_store_release().
 */
#define ZC_HOOK_GROUPS		5	/* plain, and IPMODIFY ones each alone */
#define ZC_HOOK_GROUP_MAX	4	/* hooks sharing one ops */

struct zc_hook_group {
	struct ftrace_ops ops;
	unsigned long flags;
	unsigned int users;
	struct zc_hook *hooks[ZC_HOOK_GROUP_MAX];
};

static struct zc_hook_group zc_hook_groups[ZC_HOOK_GROUPS];

static void notrace zc_hook_dispatch(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *ops,
				     struct zc_fregs *fregs)
{
	struct zc_hook_group *g = container_of(ops, struct zc_hook_group, ops);
	struct zc_hook *hook;
	unsigned int i;

	for (i = 0; i < ZC_HOOK_GROUP_MAX; i++) {
		hook = READ_ONCE(g->hooks[i]);
		if (hook && ip - hook->addr <= ZC_FTRACE_SITE_MAX) {
			hook->func(ip, parent_ip, ops, fregs);
			return;
		}
	}
}

/*
 * The group for @hook: the one with its flags, else an unused one; NULL
 * if another hook's site is @hook's own (removing either would leave the
 * other's filter entry behind) or no group is left.
 */
static struct zc_hook_group *zc_hook_group_for(struct zc_hook *hook)
{
	bool share = ZC_FTRACE_SHARE_IPMODIFY ||
		     !(hook->flags & FTRACE_OPS_FL_IPMODIFY);
	struct zc_hook_group *g, *found = NULL, *free = NULL;
	unsigned int i;

	for (g = zc_hook_groups; g < zc_hook_groups + ZC_HOOK_GROUPS; g++) {
		for (i = 0; i < ZC_HOOK_GROUP_MAX; i++)
			if (g->hooks[i] &&
			    (hook->addr - g->hooks[i]->addr <= ZC_FTRACE_SITE_MAX ||
			     g->hooks[i]->addr - hook->addr <= ZC_FTRACE_SITE_MAX))
				return NULL;
		if (g->users && share && g->flags == hook->flags && !found)
			found = g;
		if (!g->users && !free)
			free = g;
	}
	return found ? found : free;
}

/*
 * Wait until no CPU runs a callback the dispatcher may have found: ones
 * running with preemption off (synchronize_rcu()) and tasks preempted in
 * one (synchronize_rcu_tasks()). ftrace_shutdown() also waits for code
 * RCU does not watch (synchronize_rcu_tasks_rude()); the hooked functions
 * run only where it does.
 */
static void zc_hook_wait(void)
{
	synchronize_rcu();
	synchronize_rcu_tasks();
}

/* Attach @hook's callback to its group's ops (registering it if new). */
static int zc_hook_share(struct zc_hook *hook)
{
	struct zc_hook_group *g = zc_hook_group_for(hook);
	unsigned int i;
	int err;

	for (i = 0; g && i < ZC_HOOK_GROUP_MAX && g->hooks[i]; i++)
		;
	if (WARN_ON_ONCE(!g || i == ZC_HOOK_GROUP_MAX))
		return -ENOSPC;
	if (!g->users) {
		g->flags = hook->flags;
		g->ops.func = zc_hook_dispatch;
		g->ops.flags = hook->flags | ZC_FTRACE_RECURSION_FLAGS |
			       ZC_FTRACE_PERMANENT_FLAGS |
			       (g->ops.flags & FTRACE_OPS_FL_INITIALIZED);
	}
	/* Published, with its address, before its site can be called. */
	smp_store_release(&g->hooks[i], hook);
	err = ftrace_set_filter_ip(&g->ops, hook->addr, 0, 0);
	if (err) {
		pr_err("cannot trace %s: error %d%s\n", hook->name, err,
		       err == -EBUSY ?
		       " (a livepatch or another module owns it)" : "");
		goto out;
	}
	err = g->users ? 0 : register_ftrace_function(&g->ops);
	if (err) {
		pr_err("cannot hook %s: error %d%s\n", hook->name, err,
		       err == -EBUSY ?
		       " (kernel.ftrace_enabled is 0, or a livepatch or another module owns it)" :
		       "");
		ftrace_set_filter_ip(&g->ops, hook->addr, 1, 0);
		WRITE_ONCE(g->hooks[i], NULL);
		/* A failed register may have let a CPU into the dispatcher. */
		zc_hook_wait();
		return err;
	}
	g->users++;
	return 0;
out:
	WRITE_ONCE(g->hooks[i], NULL);
	return err;
}

/*
 * Detach @hook's callback. The last one unregisters the ops, which waits
 * for every CPU to leave it; any other leaves the ops running for the
 * rest and waits itself (zc_hook_wait()). Its filter goes before that
 * wait, its table entry before the filter: an ops with an empty filter
 * would trace every function. A filter that cannot be removed (ENOMEM)
 * leaves the function traced with no hook to run: harmless, logged.
 */
static void zc_hook_unshare(struct zc_hook *hook)
{
	struct zc_hook_group *g;
	unsigned int i;
	int err;

	for (g = zc_hook_groups; g < zc_hook_groups + ZC_HOOK_GROUPS; g++)
		for (i = 0; i < ZC_HOOK_GROUP_MAX; i++)
			if (g->hooks[i] == hook)
				goto found;
	WARN_ON_ONCE(1);
	return;
found:
	WRITE_ONCE(g->hooks[i], NULL);
	if (!--g->users) {
		unregister_ftrace_function(&g->ops);
		ftrace_set_filter_ip(&g->ops, hook->addr, 1, 0);
		return;
	}
	err = ftrace_set_filter_ip(&g->ops, hook->addr, 1, 0);
	if (err)
		pr_warn("%s stays traced (error %d), with nothing to run\n",
			hook->name, err);
	zc_hook_wait();
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
	return zc_hook_share(hook);
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

	err = zc_symbol_resolve(hook->name, &hook->addr);
	if (err) {
		pr_err("cannot resolve %s: error %d\n", hook->name, err);
		return err == -EINVAL ? -ENOENT : err;
	}
	return zc_hook_attach(hook);
}

/*
 * The load-time redirect checks: a call of zc_redirect_probe() (the
 * callback's) or zc_direct_probe() (the direct call's) must end up in
 * zc_redirect_target(). ZC_NOIPA: the compiler may neither inline a
 * probe, nor clone it, nor merge the two, nor fold a result into the
 * caller.
 */
static ZC_NOIPA int zc_redirect_probe(int v)
{
	return v;
}

static ZC_NOIPA int zc_direct_probe(int v)
{
	return v;
}

/*
 * The checks that passed keep their hooks, on probes nothing else calls,
 * until zc_hook_checks_end(): removing a hook waits for RCU Tasks, that
 * is for every task on a CPU to switch of its own accord or be caught in
 * user space by a tick, and a task nearly always in the kernel that never
 * sleeps holds that wait for as long as it runs (module_control.c
 * load_busy_cpu: a load waited as long as such processes did). The
 * unload waits for its own hooks anyway.
 */
static struct zc_hook *zc_hook_checked[2];

/* Also the direct-call self-test's target (zc_direct.c). */
__visible ZC_NOIPA int zc_redirect_target(int v)
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
 * Return: 0, or -EOPNOTSUPP (one line logged: an error for a callback, a
 * warning for a direct call, whose hooks then stay callbacks), or the
 * ftrace error.
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
	int (*probe)(int) = direct ? zc_direct_probe : zc_redirect_probe;
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
	hook->addr = (unsigned long)probe;
	/* Permanent as the real hooks are: EBUSY while ftrace_enabled=0. */
	err = zc_hook_attach(hook);
	if (err)
		return err;
	got = probe(1);
	if (got == 2) {
		zc_hook_checked[!!direct] = hook;
		return 0;
	}
	zc_hook_remove(hook);
	if (direct) {
		pr_warn("an ftrace direct call on this kernel does not redirect a traced call (self-test got %d): the hooks stay callbacks\n",
			got);
		return -EOPNOTSUPP;
	}
	pr_err("ftrace on this kernel does not redirect a traced call (self-test got %d)\n",
	       got);
	return -EOPNOTSUPP;
}

/**
 * zc_hook_checks_end() - remove the hooks of the redirect checks that passed
 *
 * At unload, and where the load fails after zc_hook_check_redirect().
 */
void zc_hook_checks_end(void)
{
	unsigned int i;

	for (i = ARRAY_SIZE(zc_hook_checked); i--;) {
		if (zc_hook_checked[i])
			zc_hook_remove(zc_hook_checked[i]);
		zc_hook_checked[i] = NULL;
	}
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
	if (!hook->direct) {
		zc_hook_unshare(hook);
		return;
	}
	zc_ftrace_direct_unregister(&hook->ops, hook->direct);
	ftrace_set_filter_ip(&hook->ops, hook->addr, 1, 0);
}
