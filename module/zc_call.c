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
#include <linux/task_work.h>
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
	struct callback_head hold;	/* zc_call_release(), while held */
	bool held;			/* a module reference, hold queued */
	bool exited;			/* sched_process_exit has run */
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
		r->held = false;
		r->exited = false;
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
 * Called where the task takes a record and in the context of a request.
 * On PREEMPT_RT the page allocator takes sleeping locks: there only with
 * a module reference held (a held call, or the parse's redirect), and
 * with preemption disabled a later request grows the pool.
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

static void zc_rec_unhash(struct zc_task_rec *r);

/*
 * The task is on its way back to user mode (or exiting): the call that
 * answered is over. This is also a place that keeps the answered call
 * from being restarted: x86 decides on the restart after task work ran
 * (in get_signal(), and on 5.11-5.17 in tracehook_notify_signal() before
 * the restart hook); arm64 prepares it in do_signal() after the restart
 * hook, and task work can also run before that on its first pass (a
 * ptrace stop that cleared TIF_SIGPENDING). Where the restart hook or
 * do_signal() came first, the return value is no longer an ERESTART code
 * and nothing changes here.
 */
static void notrace zc_call_release(struct callback_head *work)
{
	struct zc_task_rec *r = container_of(work, struct zc_task_rec, hold);

	if (r->call.processed && zc_syscall_restart_to_eintr())
		zc_stat_add(eintr, 1);
	r->call.processed = false;
	r->held = false;
	if (r->exited)
		zc_rec_unhash(r);
	module_put(THIS_MODULE);
}

/**
 * zc_call_hold() - keep the module while the current call may restart
 * @call: the current task's record
 *
 * An answered call must not be restarted and answered again, and the
 * module that answered it is the only one that knows it was: a reloaded
 * instance would parse the answer as a new request. So before a call's
 * first answer it takes a module reference, which task work drops when
 * the task returns to user mode (zc_call_release()): rmmod is refused
 * while an answered call is still in the kernel (blocked on a full
 * socket, say), and @processed means exactly "answered since the task
 * last left the kernel". The reference also covers whatever may sleep
 * in the answer (PREEMPT_RT's sleeping spinlocks, the page allocator):
 * a module is never freed under a task that sleeps inside it.
 *
 * Return: true if held (the call may be answered), false if the module is
 * going away or the task is exiting (the request is not answered).
 */
bool zc_call_hold(struct zc_call *call)
{
	struct zc_task_rec *r = container_of(call, struct zc_task_rec, call);

	if (r->held)
		return true;
	if (!try_module_get(THIS_MODULE))
		return false;
	init_task_work(&r->hold, zc_call_release);
	if (task_work_add(current, &r->hold, TWA_RESUME)) {
		module_put(THIS_MODULE);
		return false;
	}
	r->held = true;
	return true;
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

	if (!zc_callback_may_sleep())
		return;
	if (c->plen < ZC_INFO_SIZE(1) || c->plen > ZC_INFO_SIZE(ZC_NOTIFICATION_MAX))
		return;
	n = (c->plen - ZC_INFO_SIZE(0)) / sizeof(struct zc_info_elem);
	if (zc_answer(sk, c, n, msg))
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
 * otherwise. io_uring's sends only disarm the record: its task work may
 * run on the way out of an interrupted sendmsg() of the same task, whose
 * registers would make it look like a message of that call.
 *
 * The walk of the user's headers here is nofault and bounded
 * (ZC_WALK_ENTRY_HEADERS): a buffer that is not readable right now, or
 * holds more headers, is recorded for a full walk at the parse
 * (zc_call_claim()), where the kernel has just read it.
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
	struct zc_info __user *payload = NULL;
	struct zc_task_rec *r;
	struct zc_sysid id;
	struct zc_call *c;
	bool alone = false;
	size_t plen = 0;
	int nreq = 0;

	if (parent_ip >= zc_io_uring_start && parent_ip < zc_io_uring_end) {
		/* Nothing parsed now belongs to an interrupted call. */
		if (atomic_read(&zc_nrecs)) {
			c = zc_call_find();
			if (c)
				c->armed = false;
		}
		return;
	}
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
	if (id.nr && msg->msg_controllen <= INT_MAX)	/* else ENOBUFS */
		nreq = zc_user_find(msg->msg_control_user, msg->msg_controllen,
				    compat, ZC_WALK_ENTRY_HEADERS, &payload,
				    &plen, &alone);
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
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))	/* may not allocate there */
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
	c->nreq = nreq;		/* ZC_WALK_LATER: walked at the parse */
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
 * the current task exits. Called where the task may sleep.
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
	/* The entry could not finish its walk: the kernel has just read it. */
	if (c->nreq == ZC_WALK_LATER) {
		bool alone;

		c->nreq = zc_user_find(c->uctl, c->ctl_len, id.compat,
				       ZC_WALK_PARSE, &c->payload, &c->plen,
				       &alone);
		if (c->nreq <= 0)
			return NULL;
	}
	return c;
}

/**
 * zc_signal_entry() - ftrace callback on the restart hook (ZC_RESTART_HOOK)
 * @ip: address of the traced function
 * @parent_ip: its caller
 * @ops: our ftrace_ops
 * @fregs: unused
 *
 * The restart hook runs on the way back to user mode whenever a signal, a
 * stop, the freezer or a tracer interrupted the task, before the kernel
 * decides to restart an interrupted system call. A restarted sendmsg()
 * would parse its control buffer again, which by now holds the results of
 * its request: a call that processed a request returns EINTR instead
 * (documented in the uapi header). @processed identifies that call by
 * construction: it is set by an answer and cleared when the task next
 * leaves the kernel (zc_call_release()), so no argument, control buffer
 * or payload needs to be read back to recognise it.
 */
void notrace zc_signal_entry(unsigned long ip, unsigned long parent_ip,
			     struct ftrace_ops *ops, struct zc_fregs *fregs)
{
	struct zc_call *c;

	if (!atomic_read(&zc_nrecs))
		return;
	c = zc_call_find();
	if (!c)
		return;
	/* No message is being parsed now: nothing run from here may claim. */
	c->armed = false;
	if (c->processed && zc_syscall_restart_to_eintr())
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

/* Take a record out of the table; it returns to the pool after a grace period. */
static void zc_rec_unhash(struct zc_task_rec *r)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&zc_recs_lock, flags);
	hash_del_rcu(&r->node);
	atomic_dec(&zc_nrecs);
	raw_spin_unlock_irqrestore(&zc_recs_lock, flags);
	/* Lookups of other tasks may still walk through it. */
	call_rcu(&r->rcu, zc_rec_free_rcu);
}

/*
 * A task exits. A call it answered (killed while blocked) still has its
 * hold queued, which exit_task_work() runs after this probe: the record
 * is given back by zc_call_release() then.
 */
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
	r->exited = true;
	if (!r->held)
		zc_rec_unhash(r);
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
