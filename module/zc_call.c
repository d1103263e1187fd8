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
 * A task takes a record on its first sendmsg() that carries a request
 * (seen by a nofault peek at its control buffer), and gives it back when
 * it exits (sched_process_exit), after an RCU grace period. Records come
 * from a pool: the ____sys_sendmsg() callback may run with preemption
 * disabled (under another tracer of the function), where PREEMPT_RT
 * cannot allocate. The pool starts with ZC_RECS_START records and grows
 * a page at a time in the requests' own context (memory charged to the
 * caller's cgroup) up to ZC_RECS_MAX; with none free a call is not
 * recorded: its request gets EINVAL untouched (counted in
 * stats/norecord) and the helper falls back to the error queue.
 *
 * Cost for everyone else: a sendmsg() without control messages, or on a
 * socket without SO_ZEROCOPY, returns after a few tests and never looks a
 * record up (a sendmmsg() looks once per call while some task holds a
 * record).
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

#define ZC_RECS_START	256	/* records allocated at load */
#define ZC_RECS_LOW	64	/* grow below this many free, a page at a time */
#define ZC_RECS_MAX	65536	/* tasks holding a record at the same time */
#define ZC_HASH_BITS	12

struct zc_task_rec {
	struct hlist_node node;
	struct task_struct *task;	/* owner, compared only */
	struct zc_call call;
	struct rcu_head rcu;
};

/* Pages of ZC_RECS_CHUNK records, under zc_recs_lock. */
#define ZC_RECS_CHUNK	(PAGE_SIZE / sizeof(struct zc_task_rec))
static struct zc_task_rec *zc_chunks[ZC_RECS_MAX / ZC_RECS_CHUNK];
static unsigned int zc_nchunks;
static unsigned int zc_nalloc;		/* records in zc_chunks */
static unsigned int zc_nfree;		/* records in zc_free */
static HLIST_HEAD(zc_free);
/* io_uring's way into ____sys_sendmsg(): not a sendmsg() system call */
static unsigned long zc_io_uring_start, zc_io_uring_end;
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
		zc_nfree--;
		memset(&r->call, 0, sizeof(r->call));
		r->task = current;
		hash_add_rcu(zc_recs, &r->node, (unsigned long)current);
		atomic_inc(&zc_nrecs);
	}
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	return r;
}

/*
 * Add a page of records to the free list (@flags: may it sleep?), charged
 * to the current task's memory cgroup.
 */
static int zc_recs_add(gfp_t flags)
{
	struct zc_task_rec *c;
	unsigned long irqf;
	unsigned int i;
	int err = 0;

	c = (struct zc_task_rec *)__get_free_page(flags | __GFP_ACCOUNT | __GFP_ZERO);
	if (!c)
		return -ENOMEM;
	raw_spin_lock_irqsave(&zc_recs_lock, irqf);
	if (zc_nchunks < ARRAY_SIZE(zc_chunks)) {
		zc_chunks[zc_nchunks++] = c;
		for (i = 0; i < ZC_RECS_CHUNK; i++)
			hlist_add_head(&c[i].node, &zc_free);
		zc_nalloc += ZC_RECS_CHUNK;
		zc_nfree += ZC_RECS_CHUNK;
		c = NULL;
	} else {
		err = -ENOSPC;
	}
	raw_spin_unlock_irqrestore(&zc_recs_lock, irqf);
	free_page((unsigned long)c);
	return err;
}

/**
 * zc_calls_refill() - grow the record pool if it runs low
 *
 * Called in the context of a request; never sleeps. Allocating is not
 * allowed with preemption disabled on PREEMPT_RT: then a later request
 * grows the pool.
 */
void zc_calls_refill(void)
{
	if (READ_ONCE(zc_nfree) >= ZC_RECS_LOW ||
	    READ_ONCE(zc_nalloc) + ZC_RECS_CHUNK > ZC_RECS_MAX)
		return;
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible())
		return;
	zc_recs_add(GFP_NOWAIT | __GFP_NOWARN);
}

static struct zc_call *zc_call_find(void)
{
	struct zc_task_rec *r;

	rcu_read_lock();
	r = zc_rec_find(current);
	rcu_read_unlock();
	/* Only this task takes or frees its record: it stays valid. */
	return r ? &r->call : NULL;
}

/* A system call starts: forget what an earlier one left. */
static void zc_call_reset(struct zc_call *c, const struct zc_sysid *id)
{
	c->id = *id;
	c->armed = false;
	c->processed = false;
	c->nwritten = 0;
}

/*
 * The fast path: a message whose control buffer holds the request and
 * nothing else is answered right here, and the kernel is told the message
 * has no control messages (msg_controllen = 0 in its own copy of the
 * msghdr, which sendmsg() never writes back). The kernel then neither
 * copies nor parses the buffer, and UDP keeps its connected-socket route
 * (any control message makes udp_sendmsg() look the route up again).
 * The answer, validation and exactly-once rules are those of the parse
 * path, which handles everything this path declines: a request that
 * needs a page made writable first, an invalid one (its EINVAL comes from
 * the parse), or one met where the queue's lock may not be taken
 * (PREEMPT_RT with preemption disabled, e.g. under another tracer).
 */
static void zc_answer_at_entry(struct sock *sk, struct zc_call *c,
			       struct msghdr *msg)
{
	u32 n;

	if (IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible())
		return;
	if (c->plen < ZC_INFO_SIZE(1) || c->plen > ZC_INFO_SIZE(ZC_NOTIFICATION_MAX))
		return;
	n = (c->plen - ZC_INFO_SIZE(0)) / sizeof(struct zc_info_elem);
	if (zc_answer(sk, c, n, false))
		return;
	c->armed = false;
	msg->msg_controllen = 0;
}

/**
 * zc_sendmsg_entry() - ftrace callback on ____sys_sendmsg() entry
 * @ip: address of the traced function
 * @parent_ip: its caller
 * @ops: our ftrace_ops
 * @fregs: arguments: (sock, msg_sys, flags, used_address, allowed_flags)
 *
 * Runs for every sendmsg()/sendmmsg() message (and io_uring's), maybe
 * with preemption disabled: returns at once unless the message carries
 * control messages on a zerocopy TCP/UDP socket. Records the message if it
 * carries a request inside a sendmsg()/sendmmsg() system call, and
 * answers it at once if it is the message's only control message (then
 * the kernel sees no control messages); disarms the task's record
 * otherwise.
 */
void notrace zc_sendmsg_entry(unsigned long ip, unsigned long parent_ip,
			      struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	struct socket *sock = (struct socket *)zc_fregs_arg(fregs, 0);
	struct msghdr *msg = (struct msghdr *)zc_fregs_arg(fregs, 1);
	unsigned int flags = zc_fregs_arg(fregs, 2);
	void *used_address = (void *)zc_fregs_arg(fregs, 3);
	bool first = zc_first_message(used_address);
	bool compat = flags & MSG_CMSG_COMPAT;
	struct zc_info __user *payload;
	struct zc_task_rec *r;
	struct zc_sysid id;
	struct zc_call *c;
	bool alone = false;
	size_t plen;
	int nreq = 0;

	if (!msg->msg_controllen || !sock->sk ||
	    !sock_flag(sock->sk, SOCK_ZEROCOPY) || !zc_sock_inet(sock->sk)) {
		/*
		 * A sendmmsg() starts with a message that is not looked at:
		 * forget what an earlier call left (the paths below reset on
		 * a first message themselves).
		 */
		if (used_address && first && atomic_read(&zc_nrecs)) {
			c = zc_call_find();
			if (c && zc_current_sendmsg_syscall(&id))
				zc_call_reset(c, &id);
		}
		return;
	}
	if (!zc_current_sendmsg_syscall(&id))
		memset(&id, 0, sizeof(id));	/* matches no system call */
	if (id.nr && msg->msg_controllen <= INT_MAX &&	/* else ENOBUFS */
	    !(parent_ip >= zc_io_uring_start && parent_ip < zc_io_uring_end))
		nreq = zc_user_find(msg->msg_control_user, msg->msg_controllen,
				    compat, &payload, &plen, &alone);
	if (!nreq) {
		if (atomic_read(&zc_nrecs)) {
			c = zc_call_find();
			if (c && first)
				zc_call_reset(c, &id);
			else if (c)
				c->armed = false;
		}
		return;
	}
	r = zc_rec_get();
	zc_calls_refill();
	if (!r) {
		zc_stat_add(norecord, 1);
		return;
	}
	c = &r->call;
	if (first || !zc_sysid_eq(&id, &c->id))
		zc_call_reset(c, &id);
	c->uctl = msg->msg_control_user;
	c->ctl_len = msg->msg_controllen;
	c->payload = payload;
	c->plen = plen;
	c->nreq = nreq;
	c->sk = (unsigned long)sock->sk;
	c->armed = true;
	if (alone)
		zc_answer_at_entry(sock->sk, c, msg);
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
	struct zc_sysid id;
	struct zc_call *c;
	void __user *uctl;
	size_t len;

	if (!atomic_read(&zc_nrecs) || !zc_current_sendmsg_syscall(&id))
		return NULL;
	c = zc_call_find();
	if (!c || !c->armed || c->sk != (unsigned long)sk ||
	    !zc_sysid_eq(&c->id, &id))
		return NULL;
	c->armed = false;
	/*
	 * A message whose entry did not look (its socket had no SO_ZEROCOPY
	 * then) cannot use a record armed by an earlier call: for sendmsg()
	 * the control buffer must still be the recorded one.
	 */
	if (!id.mmsg && (zc_user_msg_ctl(id.msg, id.compat, &uctl, &len) ||
			 uctl != c->uctl || len != c->ctl_len))
		return NULL;
	return c;
}

/* The payload a call answered last (written[] is in answer order). */
static struct zc_info __user *zc_call_answered(const struct zc_call *c)
{
	return (struct zc_info __user *)c->written[c->nwritten - 1];
}

/* The number of elements that payload asked for. */
static u32 zc_call_answered_n(const struct zc_call *c)
{
	return (c->written_len[c->nwritten - 1] - sizeof(u32)) /
	       sizeof(struct zc_info_elem);
}

/**
 * zc_signal_entry() - ftrace callback on get_signal() entry (on kernels
 *	before 5.18: arch_do_signal_or_restart(), see ZC_RESTART_HOOK)
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
 * instead (documented in the uapi header). The call is recognised by its
 * arguments and, for sendmsg(), by its control buffer being the one that
 * was answered.
 */
void notrace zc_signal_entry(unsigned long ip, unsigned long parent_ip,
			     struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	struct zc_sysid id;
	struct zc_call *c;
	void __user *uctl;
	size_t len;

	if (!atomic_read(&zc_nrecs))
		return;
	c = zc_call_find();
	if (!c)
		return;
	/* No message is being parsed now: nothing run from here may claim. */
	c->armed = false;
	if (!c->processed || !zc_current_sendmsg_syscall(&id) ||
	    !zc_sysid_eq(&id, &c->id))
		return;
	/*
	 * A later call with the same arguments but another control buffer
	 * (or none) is not the one answered. If the msghdr cannot be read
	 * now, err on the side of EINTR: a restart would lose the answer.
	 */
	if (!id.mmsg && !zc_user_msg_ctl(id.msg, id.compat, &uctl, &len) &&
	    (uctl != c->uctl || len != c->ctl_len))
		return;
	/*
	 * @processed outlives its call when no signal came: a later call
	 * with the same arguments can be restarted before it ever reaches
	 * ____sys_sendmsg() (arm64 restarts a call that met an asynchronous
	 * MTE fault before running it; a seccomp user-notification wait ends
	 * so on a signal). That call answered nothing: unless the answer is
	 * still in the buffer (the caller did not reset its request), it is
	 * restarted as usual.
	 */
	if (c->nwritten &&
	    zc_user_answer_is(zc_call_answered(c), zc_call_answered_n(c),
			      c->answer) && zc_syscall_restart_to_eintr())
		zc_stat_add(eintr, 1);
	c->processed = false;
}

static void zc_rec_free_rcu(struct rcu_head *rcu)
{
	struct zc_task_rec *r = container_of(rcu, struct zc_task_rec, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hlist_add_head(&r->node, &zc_free);
	zc_nfree++;
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
}

static void zc_recs_free(void)
{
	while (zc_nchunks)
		free_page((unsigned long)zc_chunks[--zc_nchunks]);
	INIT_HLIST_HEAD(&zc_free);
	hash_init(zc_recs);
	zc_nalloc = 0;
	zc_nfree = 0;
	atomic_set(&zc_nrecs, 0);
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
	unsigned int i;
	int err = 0;

	ZC_EXIT_PROBE_TYPECHECK(zc_task_exit);
	for (i = 0; i < ZC_RECS_START / ZC_RECS_CHUNK && !err; i++)
		err = zc_recs_add(GFP_KERNEL);
	if (err) {
		pr_err("cannot allocate %d per-task records\n", ZC_RECS_START);
		goto out_free;
	}
	/* Without io_uring there is no such caller. */
	zc_symbol_range("__sys_sendmsg_sock", &zc_io_uring_start,
			&zc_io_uring_end);
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
	zc_recs_free();
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
	zc_recs_free();
}
