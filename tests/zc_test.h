/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zc_test - the case tables and the helpers the test files share.
 *
 * The cases live in one file per contract area, each with its table(s)
 * below, which zc_test.c (the runner) runs in the order it lists them:
 *
 *   protocol.c        well-formed requests: absent_*, basic_*,
 *                     sendmmsg_*, other_cmsgs_*, bounded_*
 *   invalid_input.c   malformed or unreadable requests: invalid_*, efault_*
 *   errors.c          failed sends, competing readers: errors_*, hybrid_*
 *   helper.c          the zcn.h helper: helper_*, fallback_*
 *   examples.c        the programs of examples/, run: *_example_*
 *   module_control.c  load refusals, sysfs, counters: load_errors, sysfs,
 *                     stats_udp4
 *   unload.c          unloading under traffic: unload_traffic,
 *                     unload_blocked, soak
 *   preload.c         unmodified programs under libzcnotify-preload.so:
 *                     absent_preload_*, preload_*
 *   adv_*.c           adversarial cases, one contract point per file,
 *                     named after it
 *
 * zc_testlib.c holds the helpers declared at the end of this file;
 * zc_lib.c the protocol helpers of zc_lib.h.
 */
#ifndef ZC_TEST_H
#define ZC_TEST_H

#include <stdbool.h>
#include <sys/types.h>
#include "zc_lib.h"

struct t_env {
	const char *ko;		/* zcnotify.ko */
	const char *owner_ko;	/* IPMODIFY owner of __sock_cmsg_send */
	int family;
	int type;
};

struct t_case {
	const char *name;	/* NULL ends a table */
	int (*fn)(struct t_ctx *t, const struct t_env *e);
	int family;		/* 0: not per protocol */
	int type;
	int timeout_s;
};

#define PER_PROTO(n, f, tmo)						\
	{ n "_tcp4", f, AF_INET, SOCK_STREAM, tmo },			\
	{ n "_tcp6", f, AF_INET6, SOCK_STREAM, tmo },			\
	{ n "_udp4", f, AF_INET, SOCK_DGRAM, tmo },			\
	{ n "_udp6", f, AF_INET6, SOCK_DGRAM, tmo }

/* *_absent_cases: run before the module is loaded. */
extern const struct t_case protocol_absent_cases[];
extern const struct t_case helper_absent_cases[];
extern const struct t_case examples_absent_cases[];
extern const struct t_case module_control_cases[];
extern const struct t_case protocol_cases[];
extern const struct t_case helper_cases[];
extern const struct t_case examples_cases[];
extern const struct t_case invalid_input_cases[];
extern const struct t_case errors_cases[];
extern const struct t_case unload_cases[];
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
extern const struct t_case adv_rt_unload_cases[];
extern const struct t_case preload_absent_cases[];
extern const struct t_case preload_cases[];

/* zc_testlib.c */

/* MSG_ZEROCOPY sends without requests, their completions left queued. */
int queue_completions(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l,
		      int sends);
/* Fill @p's send path until a send blocks; completions stay queued. */
int fill_send_path(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l);
/* Wait up to @ms for child @pid to exit; 0 if it did, else it is killed. */
int reap_within(pid_t pid, int ms);
/* An interrupted answered call: EINTR, its answer kept, exact accounting. */
int expect_answered_eintr(struct t_ctx *t, struct zc_pair *p,
			  struct zc_ledger *l, struct zc_req *r, ssize_t ret,
			  int err, const char *what);
/* After rejected requests: everything must still be on the error queue. */
int expect_all_queued(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l);
/* A send with @r must fail with EINVAL and leave @r untouched. */
int expect_einval(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
		  const char *what);

/* Module control (root in the test VM). */
int zc_load(const char *ko, const char *params);
int zc_unload(const char *name);
int zc_unload_retry(const char *name, int *refused);
bool zc_loaded(void);
/* Kernel log lines containing @needle (taint notices excepted). */
int klog_count(const char *needle);
/* /sys/module/zcnotify/<name> into @buf; -1 if absent. */
int read_param(const char *name, char *buf, size_t len);
int write_sysctl(const char *path, const char *v);

/* The counters in /sys/module/zcnotify/stats/, in this order. */
enum { S_REQ, S_RANGES, S_IDS, S_FULL, S_EINVAL, S_EFAULT, S_NORECORD,
       S_EINTR, S_NR };
extern const char *const stat_names[];
int read_stats(struct t_ctx *t, long long *v);

#endif /* ZC_TEST_H */
