// SPDX-License-Identifier: GPL-2.0
/*
 * zcnotify - per-task record of the sendmsg() call in progress.
 *
 * __sock_cmsg_send() only sees the kernel copy of the control buffer (and,
 * since 6.12, not even the msghdr), so the user's control pointer is
 * recorded when ____sys_sendmsg() is entered, while msg_control_user still
 * holds it. The record is per task: between the two points the task may
 * sleep (allocation, lock_sock(), waiting for a connection).
 *
 * A record is only written and read by its own task, allocated on the
 * first control-message sendmsg() on an SO_ZEROCOPY socket and freed when
 * the task exits (sched_process_exit) or the module goes away. The hash
 * table lock only serialises insertions and removals of different tasks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/sock.h>
#include "zcnotify.h"

struct zc_task_rec {
	struct hlist_node node;
	struct task_struct *task;
	struct zc_call call;
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(zc_recs, 10);
static DEFINE_SPINLOCK(zc_recs_lock);
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

static struct zc_task_rec *zc_rec_get(struct task_struct *task)
{
	struct zc_task_rec *r = zc_rec_find(task);

	if (r)
		return r;
	r = kzalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	if (!r)
		return NULL;
	r->task = task;
	spin_lock(&zc_recs_lock);
	hash_add_rcu(zc_recs, &r->node, (unsigned long)task);
	atomic_inc(&zc_nrecs);
	spin_unlock(&zc_recs_lock);
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
 * messages. Never changes the call.
 */
void notrace zc_sendmsg_entry(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	struct socket *sock = (struct socket *)zc_fregs_arg(fregs, 0);
	struct msghdr *msg = (struct msghdr *)zc_fregs_arg(fregs, 1);
	unsigned int flags = zc_fregs_arg(fregs, 2);
	struct zc_task_rec *r;
	struct sock *sk;

	if (!msg->msg_controllen)
		return;
	sk = sock->sk;
	if (!sk || !sock_flag(sk, SOCK_ZEROCOPY)) {
		/* Forget an older call, in case SO_ZEROCOPY gets set meanwhile. */
		if (atomic_read(&zc_nrecs)) {
			r = zc_rec_find(current);
			if (r)
				r->call.armed = false;
		}
		return;
	}
	r = zc_rec_get(current);
	if (!r)
		return;
	r->call.msg = msg;
	r->call.uctl = msg->msg_control_user;
	r->call.ctl_len = msg->msg_controllen;
	r->call.sk = sk;
	r->call.compat = flags & MSG_CMSG_COMPAT;
	r->call.done = false;
	r->call.armed = true;
}

/**
 * zc_call_current() - the current task's call in progress on @sk
 * @sk: socket whose control messages are being parsed
 *
 * Return: the record, or NULL if ____sys_sendmsg() did not record this
 * call (out of memory, or not a sendmsg() at all).
 */
struct zc_call *zc_call_current(struct sock *sk)
{
	struct zc_task_rec *r;

	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	/* Only this task frees its record, so it stays valid here. */
	if (!r || !r->call.armed || r->call.sk != sk)
		return NULL;
	return &r->call;
}

static ZC_EXIT_PROBE_PROTO(zc_task_exit)
{
	struct zc_task_rec *r;

	if (!atomic_read(&zc_nrecs))
		return;
	rcu_read_lock();
	r = zc_rec_find(task);
	rcu_read_unlock();
	if (!r)
		return;
	spin_lock(&zc_recs_lock);
	hash_del_rcu(&r->node);
	atomic_dec(&zc_nrecs);
	spin_unlock(&zc_recs_lock);
	kfree_rcu(r, rcu);
}

/**
 * zc_calls_init() - start freeing records of exiting tasks
 *
 * Return: 0 or a negative errno (one line logged).
 */
int zc_calls_init(void)
{
	int err;

	zc_exit_tp = zc_tracepoint_find("sched_process_exit");
	if (!zc_exit_tp) {
		pr_err("tracepoint sched_process_exit not found\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(zc_exit_tp, zc_task_exit, NULL);
	if (err)
		pr_err("cannot attach to sched_process_exit: error %d\n", err);
	return err;
}

/**
 * zc_calls_exit() - free every record
 *
 * Call only once no hook can run any more.
 */
void zc_calls_exit(void)
{
	struct zc_task_rec *r;
	struct hlist_node *tmp;
	int bkt;

	tracepoint_probe_unregister(zc_exit_tp, zc_task_exit, NULL);
	tracepoint_synchronize_unregister();
	hash_for_each_safe(zc_recs, bkt, tmp, r, node) {
		hash_del(&r->node);
		kfree(r);
	}
	atomic_set(&zc_nrecs, 0);
}
