// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - per-task record of the sendmsg() call in progress.
 *
 * __sock_cmsg_send() only sees the kernel copy of the control buffer (and,
 * since 6.12, not even the msghdr), so the user's control pointer is
 * recorded when ____sys_sendmsg() is entered, while msg_control_user still
 * holds it. The record is per task: between the two points the task may
 * sleep (lock_sock(), waiting for a connection).
 *
 * Trust: a record is only written and read by its own task, and it is
 * honoured only inside the system call that recorded it: every use
 * compares the current system call (number and msghdr argument, from the
 * task's own pt_regs) and the socket with what was recorded, and claiming
 * it disarms it. It holds user addresses and values, never a kernel
 * pointer that is followed, so a stale record can at worst be refused.
 *
 * Records come from a pool allocated at load time (the ____sys_sendmsg()
 * callback runs with preemption disabled, where PREEMPT_RT cannot
 * allocate), are taken by a task on its first sendmsg() with control
 * messages on a zerocopy socket, and go back to the pool when the task
 * exits (sched_process_exit) after an RCU grace period. Only zerocopy
 * TCP/UDP sendmsg() calls ever look a record up. With the pool exhausted a
 * call is not recorded: its request gets EINVAL untouched (counted in
 * stats/norecord) and the helper falls back to the error queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <net/sock.h>
#include <trace/events/sched.h>
#include "zcnotify.h"

#define ZC_RECS		4096	/* tasks with a record at the same time */
#define ZC_HASH_BITS	11

struct zc_task_rec {
	struct hlist_node node;
	struct task_struct *task;	/* owner, compared only */
	struct zc_call call;
	struct rcu_head rcu;
};

static struct zc_task_rec *zc_pool;
static HLIST_HEAD(zc_free);
static DEFINE_HASHTABLE(zc_recs, ZC_HASH_BITS);
/* Insertions, removals and the free list; lookups use RCU. */
static DEFINE_RAW_SPINLOCK(zc_recs_lock);
static atomic_t zc_nrecs = ATOMIC_INIT(0);
static struct tracepoint *zc_exit_tp;

/* Caller holds rcu_read_lock() or has preemption disabled. */
static struct zc_task_rec *zc_rec_find(struct task_struct *task)
{
	struct zc_task_rec *r;

	hash_for_each_possible_rcu(zc_recs, r, node, (unsigned long)task)
		if (r->task == task)
			return r;
	return NULL;
}

/* The current task's record, taken from the pool if it has none. */
static struct zc_task_rec *zc_rec_get(void)
{
	struct zc_task_rec *r;
	unsigned long flags;

	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	/* Only this task takes or frees its record: it stays valid. */
	if (r)
		return r;
	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	if (!hlist_empty(&zc_free)) {
		r = hlist_entry(zc_free.first, struct zc_task_rec, node);
		hlist_del(&r->node);
		memset(&r->call, 0, sizeof(r->call));
		r->task = current;
		hash_add_rcu(zc_recs, &r->node, (unsigned long)current);
		atomic_inc(&zc_nrecs);
	}
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	return r;
}

/**
 * zc_sendmsg_entry() - ftrace callback on ____sys_sendmsg() entry
 * @ip: address of the traced function
 * @parent_ip: its caller
 * @ops: our ftrace_ops
 * @fregs: arguments: (sock, msg_sys, flags, used_address, allowed_flags)
 *
 * Runs with preemption disabled for every sendmsg()/sendmmsg() message
 * (and io_uring's): returns at once unless the call carries control
 * messages on a zerocopy TCP/UDP socket. Never changes the call.
 */
void notrace zc_sendmsg_entry(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	struct socket *sock = (struct socket *)zc_fregs_arg(fregs, 0);
	struct msghdr *msg = (struct msghdr *)zc_fregs_arg(fregs, 1);
	unsigned int flags = zc_fregs_arg(fregs, 2);
	void *used_address = (void *)zc_fregs_arg(fregs, 3);
	unsigned long nr, arg;
	struct zc_task_rec *r;
	struct zc_call *c;

	if (!msg->msg_controllen || !sock->sk || !zc_sock_ok(sock->sk))
		return;
	r = zc_rec_get();
	if (!r) {
		zc_stat_add(norecord, 1);
		return;
	}
	c = &r->call;
	c->armed = false;
	/* The kernel fails such a call with ENOBUFS before parsing it. */
	if (msg->msg_controllen > INT_MAX ||
	    !zc_current_sendmsg_syscall(&nr, &arg))
		return;
	if (zc_first_message(used_address) || nr != c->sys_nr ||
	    arg != c->sys_arg) {
		c->sys_nr = nr;
		c->sys_arg = arg;
		c->processed = false;
		c->nwritten = 0;
	}
	c->uctl = msg->msg_control_user;
	c->ctl_len = msg->msg_controllen;
	c->sk = (unsigned long)sock->sk;
	c->compat = flags & MSG_CMSG_COMPAT;
	c->armed = true;
}

/**
 * zc_call_claim() - take the current message's record for a request
 * @sk: socket whose control messages are being parsed
 *
 * Return: the record, disarmed, if the ____sys_sendmsg() entry of this
 * very message on @sk recorded it in the current system call; NULL for
 * every other way into __sock_cmsg_send() (setsockopt(), io_uring, kernel
 * senders, a call that was not recorded). The record stays valid until
 * the current task exits.
 */
struct zc_call *zc_call_claim(struct sock *sk)
{
	unsigned long nr, arg;
	struct zc_task_rec *r;
	struct zc_call *c;

	if (!atomic_read(&zc_nrecs) || !zc_current_sendmsg_syscall(&nr, &arg))
		return NULL;
	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	if (!r)
		return NULL;
	c = &r->call;
	if (!c->armed || c->sk != (unsigned long)sk || c->sys_nr != nr ||
	    c->sys_arg != arg)
		return NULL;
	c->armed = false;
	return c;
}

/**
 * zc_signal_entry() - ftrace callback on get_signal() entry
 * @ip: address of the traced function
 * @parent_ip: its caller
 * @ops: our ftrace_ops
 * @fregs: unused
 *
 * get_signal() runs on the way back to user mode whenever a signal, a
 * stop, the freezer or a tracer interrupted the task, and before the
 * kernel decides to restart an interrupted system call. A restarted
 * sendmsg() would parse its control buffer again, which by now holds the
 * results of its request: a call that processed a request returns EINTR
 * instead (documented in the uapi header).
 */
void notrace zc_signal_entry(unsigned long ip, unsigned long parent_ip,
			     struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	unsigned long nr, arg;
	struct zc_task_rec *r;

	if (!atomic_read(&zc_nrecs))
		return;
	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	if (!r || !r->call.processed ||
	    !zc_current_sendmsg_syscall(&nr, &arg) ||
	    nr != r->call.sys_nr || arg != r->call.sys_arg)
		return;
	if (zc_syscall_restart_to_eintr())
		zc_stat_add(eintr, 1);
	r->call.processed = false;
}

static void zc_rec_free_rcu(struct rcu_head *rcu)
{
	struct zc_task_rec *r = container_of(rcu, struct zc_task_rec, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hlist_add_head(&r->node, &zc_free);
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
}

static ZC_EXIT_PROBE_PROTO(zc_task_exit)
{
	struct zc_task_rec *r;
	unsigned long flags;

	if (!atomic_read(&zc_nrecs))
		return;
	rcu_read_lock();
	r = zc_rec_find(task);
	rcu_read_unlock();
	if (!r)
		return;
	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hash_del_rcu(&r->node);
	atomic_dec(&zc_nrecs);
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	/* Lookups of other tasks may still walk through it. */
	call_rcu(&r->rcu, zc_rec_free_rcu);
}

/**
 * zc_calls_init() - allocate the record pool, free records of exiting tasks
 *
 * Return: 0 or a negative errno (one line logged).
 */
int zc_calls_init(void)
{
	int err, i;

	ZC_EXIT_PROBE_TYPECHECK(zc_task_exit);
	zc_pool = kvcalloc(ZC_RECS, sizeof(*zc_pool), GFP_KERNEL_ACCOUNT);
	if (!zc_pool) {
		pr_err("cannot allocate %d per-task records\n", ZC_RECS);
		return -ENOMEM;
	}
	for (i = 0; i < ZC_RECS; i++)
		hlist_add_head(&zc_pool[i].node, &zc_free);
	zc_exit_tp = zc_tracepoint_find("sched_process_exit");
	if (!zc_exit_tp) {
		pr_err("tracepoint sched_process_exit not found\n");
		err = -ENOENT;
		goto out_free;
	}
	err = tracepoint_probe_register(zc_exit_tp, zc_task_exit, NULL);
	if (err) {
		pr_err("cannot attach to sched_process_exit: error %d\n", err);
		goto out_free;
	}
	return 0;

out_free:
	kvfree(zc_pool);
	return err;
}

/**
 * zc_calls_exit() - free every record
 *
 * Call only once no hook can run any more.
 */
void zc_calls_exit(void)
{
	tracepoint_probe_unregister(zc_exit_tp, zc_task_exit, NULL);
	tracepoint_synchronize_unregister();
	rcu_barrier();		/* zc_rec_free_rcu() is module code */
	kvfree(zc_pool);
	hash_init(zc_recs);
	INIT_HLIST_HEAD(&zc_free);
	atomic_set(&zc_nrecs, 0);
}
