/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cases.h - the case tables of zc_test, the fixtures runner.c sets up
 * around them, and the helpers the case files share (fixture.c).
 *
 * One file of cases per contract, its tables below, run in the order
 * runner.c lists them. Each file, its contract in one sentence, and the
 * module file and function that implement it:
 *
 *   protocol.c         absent_*, basic_*, sendmmsg_*, other_cmsgs_*,
 *                      bounded_*: a well-formed request gets the queued
 *                      completions back in its cmsg, oldest first, on every
 *                      sendmsg() and every message of a sendmmsg(), other
 *                      cmsgs working alongside (the stock kernel rejects
 *                      it with EINVAL). module/zc_sendmsg.c
 *                      zc_sendmsg_entry(), zc_call_claim();
 *                      module/zc_cmsg_send.c zc_cmsg_send();
 *                      module/zc_answer.c zc_answer();
 *                      module/zc_errqueue.c zc_errqueue_deliver()
 *   answer_returned.c  returned_*: an answer that found nothing at the
 *                      entry gets what the send itself completed, where
 *                      the sendmsg() trampoline sees the call return
 *                      (x86-64 5.18+); returned_empty_*: and only it
 *                      says, when asked, whether it left the queue
 *                      empty. module/zc_sendmsg.c zc_sendmsg_returned();
 *                      module/zc_answer.c zc_answer_returned();
 *                      module/zc_errqueue.c zc_errqueue_deliver()
 *   invalid_input.c    invalid_*, efault_*: a malformed request fails with
 *                      EINVAL, an unreadable one with EFAULT, the buffer
 *                      untouched and nothing taken. module/zc_user.c
 *                      zc_user_find(), zc_user_head(); module/zc_answer.c
 *                      zc_sock_ok(); module/zc_user_pages.c
 *                      zc_user_fault_in()
 *   errors.c           hybrid_*, errors_*: every completion arrives once
 *                      when the cmsg and MSG_ERRQUEUE compete and when
 *                      sends fail. module/zc_errqueue.c
 *                      zc_errqueue_deliver(); module/zc_sendmsg.c
 *                      zc_answer_at_entry()
 *   helper.c           helper_*, fallback_*: the zcn.h helper reaps through
 *                      the cmsg with the module and MSG_ERRQUEUE without,
 *                      exactly once. include/zcnotify/zcn.h;
 *                      module/zc_cmsg_send.c zc_cmsg_send()
 *   examples.c         *_example_*: the programs of examples/ count every
 *                      send ID once, with the module or without.
 *                      examples/ring_sender.c, .cpp; module/zc_answer.c
 *                      zc_answer()
 *   module_control.c   load_errors, sysfs, stats_udp4: refused loads log
 *                      one line each, the ABI parameters are fixed and the
 *                      counters count; the load line says whether the
 *                      hooks are direct calls. module/zc_main.c zc_init();
 *                      module/zc_symbols.c zc_symbol_check_clones(),
 *                      module/zc_hook.c zc_hook_check_redirect(); module/zc_stats.c
 *   unload.c           unload_traffic, unload_blocked, soak,
 *                      upgrade_traffic (make check-dkms): rmmod under
 *                      traffic, and a package upgrade replacing the loaded
 *                      module, lose no completion, and a blocked call
 *                      without a request does not keep the module.
 *                      module/zc_main.c zc_exit(); module/zc_hold.c
 *                      zc_call_hold(); packaging/zcnotify-reload
 *   preload.c          absent_preload_*, preload_*: unmodified programs
 *                      under libzcnotify-preload.so account exactly, served
 *                      by the module when it is there; preload_empty_*:
 *                      the read that ends a drain answered EAGAIN only
 *                      while nothing may have come since. preload/,
 *                      preload/empty.c; module/zc_answer.c zc_answer()
 *   adv_stale.c        a request is honoured only in the system call that
 *                      recorded it. module/zc_callid.h
 *                      zc_current_sendmsg_syscall(); module/zc_sendmsg.c
 *                      zc_call_claim(); module/zc_cmsg_send.c
 *                      zc_cmsg_send_entry()
 *   adv_shared_buffer.c  one buffer in several messages is answered once
 *                      per system call. module/zc_answer.c
 *                      zc_call_may_write()
 *   adv_restart.c      an answered blocking send returns EINTR instead of
 *                      being restarted; an unanswered one restarts.
 *                      module/zc_restart.c zc_restart_entry(),
 *                      zc_restart_to_eintr(); module/zc_hold.c
 *                      zc_call_release()
 *   adv_partial_write.c  an answer that cannot be written completely takes
 *                      nothing. module/zc_errqueue.c zc_errqueue_deliver();
 *                      module/zc_user.c zc_user_put_*()
 *   adv_uffd.c         a page whose write fault never completes cannot
 *                      pin the module. module/zc_user_pages.c
 *                      zc_user_fault_in()
 *   adv_io_uring.c     io_uring's SENDMSG is not a sendmsg() call and
 *                      never mixes with one, even where a tracer hides
 *                      its caller. module/zc_sendmsg.c
 *                      zc_sendmsg_message(); module/zc_callid.h
 *                      zc_callid_is_calls(); module/zc_call.h
 *                      zc_call_new(); module/zc_hold.c
 *                      zc_call_release()
 *   adv_sendmmsg_partial.c  a processed request's answer belongs to the
 *                      caller when its message then fails.
 *                      module/zc_answer.c zc_answer()
 *   adv_helper_silent.c  a request silently not parsed leaves the helper
 *                      nothing waiting. include/zcnotify/zcn.h;
 *                      module/zc_sendmsg.c zc_answer_at_entry()
 *   adv_alias.c        a payload is answered at most once in a system
 *                      call, whatever address reaches it.
 *                      module/zc_answer.c zc_call_may_write();
 *                      module/zc_user_pages.c zc_user_extent(),
 *                      zc_extent_overlap()
 *   adv_reload.c       an answered call keeps the module until it returns;
 *                      a trace of it unwinds to the system call entry.
 *                      module/zc_hold.c zc_call_hold(), zc_call_release()
 *   adv_page_absent.c  a valid request is processed wherever its page is.
 *                      module/zc_user.c zc_user_find();
 *                      module/zc_sendmsg.c zc_call_claim();
 *                      module/zc_user_pages.c zc_user_fault_in()
 *   adv_rt_unload.c    rmmod never frees the module under a task sleeping
 *                      in it. module/zc_hold.c zc_call_hold();
 *                      module/zc_main.c zc_exit()
 *   adv_tracer_shared.c  the hooks work unchanged beside another tracer
 *                      of the same functions. module/zc_direct.c (the
 *                      trampolines); module/zc_hook.c zc_hook_attach()
 *
 *   adv_lsm.c          a request is answered only where the security
 *                      module lets the caller send and read the error
 *                      queue. module/zc_lsm.c zc_lsm_may_answer()
 *   adv_lsm_bpf.c      a send a BPF program refuses with a count is not
 *                      answered. module/zc_lsm.c
 *                      zc_lsm_send_refusal_is_negative()
 *
 * Not in a table here: the per-task records (module/zc_records.c
 * zc_task_exit(); module/zc_records_pool.c zc_records_refill()) serve
 * every case; the arch glue (module/zc_arch_x86.h, zc_arch_arm64.h) every
 * answer.
 *
 * A case is either a plain function of the environment (.fn) or a body
 * run in a fixture (.body, .fix): the runner opens a zerocopy pair and a
 * ledger, queues completions or fills the send path as the fixture says,
 * runs the body, and, when it passed, collects what is left and verifies
 * that every completion arrived exactly once; then it frees both. A
 * body states only what it sends and what it expects.
 */
#ifndef CASES_H
#define CASES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "proto_lib.h"

struct t_env {
	const char *ko;		/* zcnotify.ko */
	const char *owner_ko;	/* IPMODIFY owner of __sock_cmsg_send */
	int family;
	int type;
};

/* What the runner sets up before a body and checks after it. */
struct t_fixture {
	uint32_t ledger;	/* ids the ledger can hold */
	int queued;		/* completions left queued before the body */
	bool fill;		/* fill the send path before the body */
	int settle;		/* after the body: T_SETTLE_*, then verify */
	int settle_ms;
	/*
	 * After the fill, a forked child's blocking send whose lone request
	 * was answered at entry (f->b, f->child; the fill makes it block).
	 * The body reaps it and sets f->child to -1, or teardown kills it;
	 * teardown loads the module again if the body left it unloaded.
	 */
	bool blocked;
};

enum {
	T_SETTLE_NONE,		/* the body verifies itself */
	T_SETTLE_CMSG,		/* cmsg-only sends */
	T_SETTLE_ERRQ,		/* MSG_ERRQUEUE */
	T_SETTLE_UDP_CMSG,	/* cmsg-only sends on UDP, MSG_ERRQUEUE on TCP */
	T_SETTLE_VERIFY,	/* the body collected: only verify the ledger */
};

/*
 * The fixtures most files share: 10 completions queued; nothing queued
 * (a lone request may be left for the call's return); a full send path.
 */
extern const struct t_fixture fix_queued, fix_empty, fix_filled,
	fix_blocked_child;

/* What a body gets: its environment and variant, the pair, the ledger. */
struct t_fix {
	const struct t_env *e;
	int variant;
	struct zc_pair p;
	struct zc_ledger l;
	struct zc_blocked *b;	/* t_fixture.blocked: the child's send */
	pid_t child;		/* and the child, -1 once reaped */
};

struct t_case {
	const char *name;	/* NULL ends a table */
	int (*fn)(struct t_ctx *t, const struct t_env *e);
	int family;		/* 0: not per protocol */
	int type;
	int timeout_s;
	/* Instead of fn: a body run in the fixture, with its variant. */
	int (*body)(struct t_ctx *t, struct t_fix *f);
	const struct t_fixture *fix;
	int variant;
};

#define T_CASE(n, f, fam, typ, tmo)					\
	{ .name = n, .fn = f, .family = fam, .type = typ, .timeout_s = tmo }
#define PER_PROTO(n, f, tmo)						\
	T_CASE(n "_tcp4", f, AF_INET, SOCK_STREAM, tmo),		\
	T_CASE(n "_tcp6", f, AF_INET6, SOCK_STREAM, tmo),		\
	T_CASE(n "_udp4", f, AF_INET, SOCK_DGRAM, tmo),			\
	T_CASE(n "_udp6", f, AF_INET6, SOCK_DGRAM, tmo)

#define TCP_ONLY(n, f, tmo)						\
	T_CASE(n "_tcp4", f, AF_INET, SOCK_STREAM, tmo),		\
	T_CASE(n "_tcp6", f, AF_INET6, SOCK_STREAM, tmo)

#define T_FIX(n, b, x, v, fam, typ, tmo)				\
	{ .name = n, .body = b, .fix = x, .variant = v, .family = fam,	\
	  .type = typ, .timeout_s = tmo }
#define T_FIX_TCP(n, b, x, v, tmo)					\
	T_FIX(n "_tcp4", b, x, v, AF_INET, SOCK_STREAM, tmo),		\
	T_FIX(n "_tcp6", b, x, v, AF_INET6, SOCK_STREAM, tmo)
#define T_FIX_UDP(n, b, x, v, tmo)					\
	T_FIX(n "_udp4", b, x, v, AF_INET, SOCK_DGRAM, tmo),		\
	T_FIX(n "_udp6", b, x, v, AF_INET6, SOCK_DGRAM, tmo)
#define PER_PROTO_FIX(n, b, x, v, tmo)					\
	T_FIX_TCP(n, b, x, v, tmo), T_FIX_UDP(n, b, x, v, tmo)

/* *_absent_cases: run before the module is loaded. */
extern const struct t_case protocol_absent_cases[];
extern const struct t_case helper_absent_cases[];
extern const struct t_case examples_absent_cases[];
extern const struct t_case module_control_cases[];
extern const struct t_case protocol_cases[];
extern const struct t_case answer_returned_cases[];
extern const struct t_case helper_cases[];
extern const struct t_case examples_cases[];
extern const struct t_case invalid_input_cases[];
extern const struct t_case errors_cases[];
extern const struct t_case unload_cases[];
extern const struct t_case unload_lane_cases[];
extern const struct t_case adv_stale_cases[];
extern const struct t_case adv_shared_buffer_cases[];
extern const struct t_case adv_restart_cases[];
extern const struct t_case adv_partial_write_cases[];
extern const struct t_case adv_uffd_cases[];
extern const struct t_case adv_io_uring_cases[];
extern const struct t_case adv_sendmmsg_partial_cases[];
extern const struct t_case adv_helper_silent_cases[];
extern const struct t_case adv_alias_cases[];
extern const struct t_case adv_reload_cases[];
extern const struct t_case adv_page_absent_cases[];
extern const struct t_case adv_tracer_shared_cases[];
extern const struct t_case adv_rt_unload_cases[];
extern const struct t_case adv_lsm_cases[];
extern const struct t_case adv_lsm_bpf_cases[];
extern const struct t_case preload_absent_cases[];
extern const struct t_case preload_cases[];

/* fixture.c */

/*
 * Run @body in fixture @x with @variant: what a case that runs its body
 * more than once (each time in a fresh fixture) calls.
 */
int fixture_call(struct t_ctx *t, const struct t_env *e,
		 const struct t_fixture *x,
		 int (*body)(struct t_ctx *t, struct t_fix *f), int variant);
/* Run @c's body in its fixture (see struct t_fixture). */
int fixture_run(struct t_ctx *t, const struct t_case *c,
		const struct t_env *e);
/* Collect what is left (T_SETTLE_*) within @ms, then verify the ledger. */
int settle_verify(struct t_ctx *t, struct t_fix *f, int how, int ms);

/* MSG_ZEROCOPY sends without requests, their completions left queued. */
int queue_completions(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l,
		      int sends);
/* Fill @p's send path until a send blocks; completions stay queued. */
int fill_send_path(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l);
/* Rounds of queued completions and @round with sizes 1 and 8. */
int queued_rounds(struct t_ctx *t, struct t_fix *f, int rounds,
		  int (*round)(struct t_ctx *t, struct t_fix *f, uint32_t n,
			       void *arg), void *arg);
/* sendmmsg() of two returned @sent: must be 1, the first request processed. */
int expect_first_of_two(struct t_ctx *t, struct t_fix *f, struct zc_req *r,
			int sent, const char *what);
/* Wait up to @ms for child @pid to exit; 0 if it did, else it is killed. */
int reap_within(pid_t pid, int ms);
/* An interrupted answered call: EINTR, its answer kept, exact accounting. */
int expect_answered_eintr(struct t_ctx *t, struct zc_pair *p,
			  struct zc_ledger *l, struct zc_req *r, ssize_t ret,
			  int err, const char *what);
/* After rejected requests: everything must still be on the error queue. */
int expect_all_queued(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l);
/*
 * @size bytes of memory shared with a forked child, starting with a
 * struct zc_req holding a lone request for @n (snapshot taken); NULL with
 * a reason. munmap() it with @size.
 */
void *zc_req_map_shared(struct t_ctx *t, size_t size, uint32_t n);
/*
 * After another task's request was refused: @sends more zerocopy sends of
 * the owner, then every completion still queued; one line says @what.
 */
int expect_owner_keeps_all(struct t_ctx *t, struct t_fix *f, int sends,
			   const char *what);
/* A send with @r must fail with EINVAL and leave @r untouched. */
int expect_einval(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
		  const char *what);

/* Module control (root in the test VM). */
int zc_load(const char *ko, const char *params);
int zc_unload(const char *name);
int zc_unload_retry(const char *name, int *refused);
bool zc_loaded(void);
/* The running kernel is @machine's (uname -m), release @major.@minor or later. */
bool zc_kernel_is(const char *machine, int major, int minor);
/*
 * The kernel's sendmsg() trampoline sees the call return (x86-64 5.18+),
 * where an empty answer gets what the send completed (answer_returned.c).
 */
bool zc_answers_at_return(void);
/* Kernel log lines containing @needle (taint notices excepted). */
int klog_count(const char *needle);
/* /sys/module/zcnotify/<name> into @buf; -1 if absent. */
int read_param(const char *name, char *buf, size_t len);
int write_sysctl(const char *path, const char *v);

/* The counters in /sys/module/zcnotify/stats/, in this order. */
enum { S_REQ, S_RANGES, S_IDS, S_FULL, S_EINVAL, S_EFAULT, S_NORECORD,
       S_EINTR, S_RETURNED, S_NR };
extern const char *const stat_names[];
int read_stats(struct t_ctx *t, long long *v);

/*
 * The kernel's @tracer ("function", "function_graph") on ____sys_sendmsg()
 * and __sock_cmsg_send(), its buffer cleared; tracer_off() after, also
 * where tracer_on() failed. trace_hits(): lines of the buffer that name
 * @fn, or -1; it stops the recording until tracer_off().
 */
int tracer_on(struct t_ctx *t, const char *tracer);
void tracer_off(void);
int trace_hits(const char *fn);

#endif /* CASES_H */
