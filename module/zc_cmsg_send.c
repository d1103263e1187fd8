// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - the __sock_cmsg_send() redirect: the parse of
 * SCM_ZC_NOTIFICATION.
 *
 * An ftrace callback on __sock_cmsg_send() looks at the type of each
 * SOL_SOCKET control message. For SCM_ZC_NOTIFICATION only (which the
 * stock function rejects with -EINVAL, so nothing of it is lost) it
 * redirects the call to zc_cmsg_send(), which has the same signature and
 * returns to __sock_cmsg_send()'s caller. The original is never called,
 * and the redirection is a return, not an indirect call (docs/design.md).
 * zc_cmsg_send() claims the message's record (zc_call_claim()) and
 * answers it (zc_answer()).
 *
 * Owns: zc_cmsg_send_hook and its callback, zc_cmsg_send(), the quiesce
 * at unload.
 * May use: zc_sendmsg.c (the claim), zc_answer.c, zc_records.c,
 * zc_hook.c, zc_stats.c.
 */
#include <linux/module.h>
#include <linux/socket.h>
#include <net/sock.h>
#include <uapi/linux/zcnotify.h>
#include "zc_answer.h"
#include "zc_cmsg_send.h"
#include "zc_compat.h"
#include "zc_hook.h"
#include "zc_records.h"
#include "zc_sendmsg.h"
#include "zc_stats.h"

/* One SCM_ZC_NOTIFICATION of the message being parsed. */
static int zc_cmsg_request(struct sock *sk, struct cmsghdr *cmsg)
{
	const struct zc_info *kzi = (const struct zc_info *)CMSG_DATA(cmsg);
	struct zc_call *call;
	int err;
	u32 n;

	/* The ABI's layout, as ZC_INFO_SIZE() assumes it. */
	BUILD_BUG_ON(sizeof(struct zc_info_elem) != 12);
	BUILD_BUG_ON(offsetof(struct zc_info, arr) != sizeof(__u32));

	/* The kernel checked that cmsg_len fits its copy of the buffer. */
	if (!zc_sock_ok(sk) || cmsg->cmsg_len < CMSG_LEN(ZC_INFO_SIZE(0)))
		return -EINVAL;
	n = kzi->size;
	if (!n || n > ZC_NOTIFICATION_MAX ||
	    cmsg->cmsg_len != CMSG_LEN(ZC_INFO_SIZE(n)))
		return -EINVAL;
	call = zc_call_claim(sk, &err);
	if (!call) {
		zc_records_refill();
		return err;
	}
	return zc_answer(sk, call, n, NULL);
}

/*
 * Reached from zc_cmsg_send_entry() instead of __sock_cmsg_send(), with
 * its arguments, in its caller's context. Waits on user memory only as
 * the kernel's own copy of the same buffer would (zc_user_fault_in(),
 * never for a userfaultfd answer or a file's page_mkwrite). Takes no
 * module reference of its own: before anything that may sleep (a fault,
 * and on PREEMPT_RT a sleeping lock or the page allocator) the call is
 * held (zc_call_hold()), so rmmod refuses (never waits) while a task
 * sleeps in here; a task that does not sleep is waited for at unload
 * (zc_cmsg_send_quiesce()).
 */
static ZC_CMSG_SEND_PROTO(zc_cmsg_send)
{
	int err;

	/* The prototype Kbuild chose must be the kernel's own. */
	BUILD_BUG_ON(!__same_type(&zc_cmsg_send, &__sock_cmsg_send));
	err = zc_cmsg_request(sk, cmsg);

	if (err == -EINVAL)
		zc_stat_add(einval, 1);
	else if (err)
		zc_stat_add(efault, 1);
	return err;
}

/**
 * zc_cmsg_send_entry() - ftrace callback on __sock_cmsg_send() entry
 * @ip: address of the traced function
 * @parent_ip: its caller
 * @ops: our ftrace_ops
 * @fregs: arguments of __sock_cmsg_send()
 *
 * Sends SCM_ZC_NOTIFICATION messages to zc_cmsg_send(); every other
 * control message continues into the stock function untouched.
 */
static void notrace zc_cmsg_send_entry(unsigned long ip,
				       unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct zc_fregs *fregs)
{
	struct cmsghdr *cmsg = (struct cmsghdr *)zc_fregs_arg(fregs, ZC_CMSG_ARG);

	if (cmsg->cmsg_type != SCM_ZC_NOTIFICATION ||
	    cmsg->cmsg_level != SOL_SOCKET)
		return;
	zc_fregs_set_ip(fregs, (unsigned long)zc_cmsg_send);
}

/**
 * zc_cmsg_send_direct() - where the direct-call trampoline sends
 *	SCM_ZC_NOTIFICATION
 *
 * Gone to by zc_cmsg_send_tramp (zc_direct.c) instead of
 * __sock_cmsg_send(), with its arguments, as zc_cmsg_send_entry() sends
 * the call to zc_cmsg_send().
 *
 * Return: as zc_cmsg_send(); -EINVAL, as the stock function would, while
 * the module is being unloaded (no call can be held then).
 */
__visible ZC_CMSG_SEND_PROTO(zc_cmsg_send_direct)
{
	BUILD_BUG_ON(!__same_type(&zc_cmsg_send_direct, &__sock_cmsg_send));
	return ZC_CMSG_SEND_CALL(zc_cmsg_send);
}

/* Redirecting needs the full pt_regs only where ftrace has no WITH_ARGS. */
struct zc_hook zc_cmsg_send_hook = {
	.name = "__sock_cmsg_send",
	.func = zc_cmsg_send_entry,
	.flags = ZC_FTRACE_ARGS_FLAGS | FTRACE_OPS_FL_IPMODIFY,
};

/**
 * zc_cmsg_send_quiesce() - wait until no task runs zc_cmsg_send()
 *
 * Call after the __sock_cmsg_send() hook is removed. A task sent to
 * zc_cmsg_send() holds a module reference (its call's hold) before it
 * may sleep there, so while the module is being removed none sleeps
 * inside it; one may still run or be preempted there, or between its
 * hold's module_put() and a return. Being preempted is not a voluntary
 * context switch, so a tasks-RCU grace period waits for it to leave.
 */
void zc_cmsg_send_quiesce(void)
{
	zc_sync_tasks();
}
