/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcnotify - declarations shared by the module's files.
 */
#ifndef _ZCNOTIFY_H
#define _ZCNOTIFY_H

#include <linux/ftrace.h>
#include <linux/socket.h>
#include <linux/tracepoint.h>
#include <uapi/linux/zcnotify.h>
#include "zc_compat.h"

#define ZC_VERSION	"0.1.0"

/* zc_hook.c: symbol resolution, ftrace and tracepoint plumbing */

/**
 * struct zc_hook - an ftrace hook on the entry of one kernel function
 * @name: symbol to hook
 * @func: ftrace callback
 * @flags: extra FTRACE_OPS_FL_* flags (e.g. IPMODIFY)
 * @addr: the function's ftrace call site, set by zc_hook_install()
 * @ops: the registered ftrace_ops
 */
struct zc_hook {
	const char *name;
	ftrace_func_t func;
	unsigned long flags;
	unsigned long addr;
	struct ftrace_ops ops;
};

int zc_hook_attach(struct zc_hook *hook);
int zc_hook_install(struct zc_hook *hook);
int zc_hook_check_clones(const char *name);
int zc_hook_check_redirect(unsigned long flags);
int zc_symbol_range(const char *name, unsigned long *start,
		    unsigned long *end);
void zc_hook_remove(struct zc_hook *hook);
struct tracepoint *zc_tracepoint_find(const char *name);

/* zc_call.c: per-task record of the sendmsg() call in progress */

/* Requests one sendmmsg() call may carry (each in its own buffer). */
#define ZC_CALL_WRITTEN_MAX	16

/**
 * struct zc_extent - where a payload is in physical memory
 * @phys: physical address of its part in each of the (at most two) pages
 * @len: the length of each part (0: none)
 */
struct zc_extent {
	phys_addr_t phys[2];
	u16 len[2];
};

/**
 * struct zc_call - what the ____sys_sendmsg() hook saw of the current call
 * @id: the system call that recorded it (zc_current_sendmsg_syscall())
 * @uctl: the caller's control buffer of the message being sent
 * @ctl_len: its length (msg_controllen at entry, at most INT_MAX)
 * @payload: the payload of its first SCM_ZC_NOTIFICATION, found at entry
 *	by walking the user's own headers
 * @plen: that payload's length
 * @nreq: the number of SCM_ZC_NOTIFICATION messages in it, or
 *	ZC_WALK_LATER if the entry could not walk the whole buffer
 * @sk: the socket of the message; compared, never dereferenced
 * @armed: the message fields above describe the message now being sent,
 *	which carries a request, and no request of it was handled yet
 * @processed: a request was processed since the task last left the
 *	kernel, i.e. during this system call (zc_call_hold())
 * @nwritten: number of entries in @written
 * @written: user addresses of the payloads written during this system
 *	call; no payload overlapping one of them is parsed again in the
 *	same call
 * @written_len: their lengths
 * @written_at: their physical extents (sendmmsg() only)
 *
 * Nothing in here is a kernel pointer that is ever followed: a record may
 * be stale (an earlier call of the task), so every use checks it against
 * the current system call and the arguments of the current hook.
 */
struct zc_call {
	struct zc_sysid id;
	void __user *uctl;
	size_t ctl_len;
	struct zc_info __user *payload;
	size_t plen;
	int nreq;
	unsigned long sk;
	bool armed;
	bool processed;
	unsigned int nwritten;
	unsigned long written[ZC_CALL_WRITTEN_MAX];
	u16 written_len[ZC_CALL_WRITTEN_MAX];
	struct zc_extent written_at[ZC_CALL_WRITTEN_MAX];
};

int zc_calls_init(void);
void zc_calls_exit(void);
void zc_calls_refill(void);
bool zc_call_hold(struct zc_call *call);
struct zc_call *zc_call_claim(struct sock *sk);
void zc_sendmsg_entry(unsigned long ip, unsigned long parent_ip,
		      struct ftrace_ops *ops, struct zc_fregs *fregs);
void zc_signal_entry(unsigned long ip, unsigned long parent_ip,
		     struct ftrace_ops *ops, struct zc_fregs *fregs);

/* zc_user.c: the caller's memory, never faulted in from a callback */

int zc_user_find(const void __user *uctl, size_t ctl_len, bool compat,
		 unsigned int max_headers, struct zc_info __user **payload,
		 size_t *plen, bool *alone);
/* zc_user_find(): the walk did not finish; walk again at the parse */
#define ZC_WALK_LATER		(-EAGAIN)
/*
 * Headers the ____sys_sendmsg() callback walks, nofault, maybe with
 * preemption off: a request is usually the first or second.
 */
#define ZC_WALK_ENTRY_HEADERS	8
/* zc_user_find()'s @max_headers at the parse: all, faults allowed */
#define ZC_WALK_PARSE		0
/*
 * Control buffers longer than this are not looked at (the kernel's optmem
 * limit refuses them: 20 KB by default on 6.1, 128 KB on 6.12).
 */
#define ZC_CTL_WALK_MAX		(256 * 1024)
int zc_user_msg_ctl(unsigned long umsg, bool compat, void __user **ctl,
		    size_t *len);
/**
 * struct zc_user_head - the first 16 bytes of a request's payload
 * @size: the number of elements asked for
 * @zerocopy: arr[0].zerocopy as the caller left it
 */
struct zc_user_head {
	u32 size;
	u8 zerocopy;
};

int zc_user_head(const struct zc_info __user *uzi, struct zc_user_head *h);
int zc_user_put_u32(u32 __user *p, u32 v);
int zc_user_put_elem(struct zc_info_elem __user *p, u32 lo, u32 hi,
		     u8 zerocopy);
int zc_user_put_u8(u8 __user *p, u8 v);
bool zc_user_fault_in(void __user *uaddr, size_t len);
bool zc_user_extent(const void __user *p, size_t len, struct zc_extent *x);
bool zc_extent_overlap(const struct zc_extent *a, const struct zc_extent *b);

/* zc_lsm.c: the security module's say on an answer */

int zc_lsm_init(void);
void zc_lsm_exit(void);
int zc_lsm_may_answer(struct sock *sk, struct msghdr *entry_msg);

/* zc_notify.c: SCM_ZC_NOTIFICATION handling */

bool zc_sock_inet(const struct sock *sk);
bool zc_sock_ok(const struct sock *sk);
int zc_answer(struct sock *sk, struct zc_call *call, u32 n,
	      struct msghdr *entry_msg);

/* zc_stats.c: counters in /sys/module/zcnotify/stats/ */

/**
 * struct zc_stats - per-CPU counters (documented in README)
 * @requests: requests processed (entries and size written)
 * @ranges: ranges written to users
 * @completions: send counter values those ranges covered
 * @full: requests that filled their array or hit the skip bound, so
 *	completions may have been left on the error queue
 * @einval: requests rejected as invalid
 * @efault: requests that failed writing to the user (nothing consumed)
 * @norecord: sendmsg() calls on a zerocopy socket that could not be
 *	recorded (all per-task records in use); their requests get EINVAL
 * @eintr: blocking calls whose restart was turned into EINTR because a
 *	request of theirs had been processed
 */
struct zc_stats {
	u64 requests;
	u64 ranges;
	u64 completions;
	u64 full;
	u64 einval;
	u64 efault;
	u64 norecord;
	u64 eintr;
};

DECLARE_PER_CPU(struct zc_stats, zc_stats);
#define zc_stat_add(field, n)	this_cpu_add(zc_stats.field, (n))

int zc_stats_init(void);
void zc_stats_exit(void);

/* zc_notify.c, continued */

void zc_cmsg_send_entry(unsigned long ip, unsigned long parent_ip,
			struct ftrace_ops *ops, struct zc_fregs *fregs);
void zc_notify_quiesce(void);

#endif /* _ZCNOTIFY_H */
