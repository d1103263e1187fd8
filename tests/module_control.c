// SPDX-License-Identifier: GPL-2.0
/*
 * module_control: loading the module and what it shows in sysfs.
 *
 * Loads that must be refused, with one kernel log line each (load_errors);
 * a load beside processes busy in the kernel that never sleep
 * (load_busy_cpu: it must not wait for them); the fixed ABI parameters, the version and the load line naming the hooks
 * (sysfs); the counters in /sys/module/zcnotify/stats/ (stats_udp4).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/*
 * Debian's amd64 kernels all have ftrace direct calls, its arm64 ones
 * from 6.12 on (arm64 got them in 6.5); the module uses them from 5.18
 * (amd64) and 6.5 (arm64) on (module/zc_compat_ftrace.h,
 * ZC_HAVE_DIRECT_CALLS).
 */
static bool direct_calls_expected(void)
{
	return zc_kernel_is("x86_64", 5, 18) || zc_kernel_is("aarch64", 6, 5);
}

/* The module says at load which functions it hooked, in one line. */
static int klog_last_load_line(struct t_ctx *t)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *line, *last = NULL, *save = NULL;

	CHECK(t, len > 0, "klogctl: %s", strerror(errno));
	buf = malloc(len + 1);
	CHECK(t, buf, "out of memory");
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[len > 0 ? len : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "zcnotify: version") && strstr(line, "hooks at"))
			last = line;
	if (last)
		printf("# load line: %s\n", strstr(last, "zcnotify:"));
	CHECK(t, last, "no 'zcnotify: version ... hooks at' line in the kernel log");
	/* Both hooks are direct calls where the kernel has them (zc_direct.c). */
	if (direct_calls_expected()) {
		const char *d = strstr(last, "(direct call)");

		CHECK(t, d && strstr(d + 1, "(direct call, "),
		      "x86-64 5.18+, arm64 6.5+: both hooks should be direct calls");
	}
	free(buf);
	return 0;
}

static int expect_load_error(struct t_ctx *t, const char *ko,
			     const char *params, int want)
{
	int before = klog_count("zcnotify: "), after, ret;

	ret = zc_load(ko, params);
	CHECK(t, ret < 0 && errno == want, "load \"%s\": %d (%s), want %s",
	      params, ret, ret < 0 ? strerror(errno) : "loaded",
	      strerror(want));
	after = klog_count("zcnotify: ");
	CHECK(t, after == before + 1, "load \"%s\": %d log lines, want 1",
	      params, after - before);
	CHECK(t, !zc_loaded(), "module present after failed load");
	return 0;
}

/*
 * Loads that must fail with one log line each: the fixed ABI parameters
 * given a value (EPERM), a livepatch-like IPMODIFY owner of
 * __sock_cmsg_send (EBUSY), and kernel.ftrace_enabled=0 (EBUSY: the hooks
 * are permanent, so they would never run). While loaded, the sysctl
 * cannot be turned off (EBUSY).
 */
static int t_load_errors(struct t_ctx *t, const struct t_env *e)
{
	const char *fe = "/proc/sys/kernel/ftrace_enabled";

	if (zc_loaded())
		CHECK(t, !zc_unload("zcnotify"), "rmmod: %s", strerror(errno));
	if (expect_load_error(t, e->ko, "scm_zc_notification=78", EPERM) ||
	    expect_load_error(t, e->ko, "zc_notification_max=16", EPERM))
		return -1;
	CHECK(t, !zc_load(e->owner_ko, ""), "load owner module: %s",
	      strerror(errno));
	if (expect_load_error(t, e->ko, "", EBUSY)) {
		zc_unload("zc_ipmodify_owner");
		return -1;
	}
	CHECK(t, !zc_unload("zc_ipmodify_owner"), "rmmod owner: %s",
	      strerror(errno));
	if (write_sysctl(fe, "0")) {
		/* 7.3 dropped the switch: ftrace cannot be turned off at all. */
		CHECK(t, errno == EOPNOTSUPP, "ftrace_enabled=0: %s",
		      strerror(errno));
		printf("# kernel.ftrace_enabled cannot be set to 0 on this kernel\n");
	} else {
		if (expect_load_error(t, e->ko, "", EBUSY)) {
			write_sysctl(fe, "1");
			return -1;
		}
		CHECK(t, !write_sysctl(fe, "1"), "ftrace_enabled=1: %s",
		      strerror(errno));
	}
	CHECK(t, !zc_load(e->ko, ""), "load after the owner left: %s",
	      strerror(errno));
	CHECK(t, write_sysctl(fe, "0") && (errno == EBUSY || errno == EOPNOTSUPP),
	      "ftrace_enabled=0 while loaded: %s, want EBUSY",
	      errno == EBUSY ? "accepted" : strerror(errno));
	write_sysctl(fe, "1");
	return 0;
}

static int t_sysfs(struct t_ctx *t, const struct t_env *e)
{
	char v[64];

	(void)e;
	CHECK(t, !read_param("parameters/scm_zc_notification", v, sizeof(v)),
	      "no scm_zc_notification parameter");
	CHECK(t, atoi(v) == SCM_ZC_NOTIFICATION, "scm_zc_notification = %s",
	      v);
	CHECK(t, !read_param("parameters/zc_notification_max", v, sizeof(v)),
	      "no zc_notification_max parameter");
	CHECK(t, atoi(v) == ZC_NOTIFICATION_MAX, "zc_notification_max = %s",
	      v);
	CHECK(t, !read_param("version", v, sizeof(v)) && v[0], "no version");
	return klog_last_load_line(t);
}

/* The counters in /sys/module/zcnotify/stats match what this test did. */
static int t_stats(struct t_ctx *t, const struct t_env *e)
{
	size_t sz = 4096;
	long long a[S_NR], b[S_NR], want[S_NR] = { 0 };
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req r, *ro;
	struct zc_info *zi;
	int got, i, ret = -1;

	ro = mmap(NULL, 2 * sz, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64))
		goto out;
	if (queue_completions(t, &p, &l, 10) || read_stats(t, a))
		goto out;

	zc_req_init(&r);
	zc_req_add_zc(&r, 2);
	zc_req_add_zc(&r, 2);
	zc_send(&p, 10, 0, &r, NULL);
	zc_req_init(&r);
	zi = zc_req_add(&r, SOL_SOCKET, SCM_ZC_NOTIFICATION, ZC_INFO_SIZE(0));
	zi->size = 0;
	zc_send(&p, 10, 0, &r, NULL);
	want[S_EINVAL] = 2;

	zc_req_init(ro);
	zc_req_add_zc(ro, 4);
	{
		struct iovec iov = { p.buf, 10 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ro->ctl.buf,
				    .msg_controllen = ro->len };

		mprotect(ro, 2 * sz, PROT_READ);
		sendmsg(p.tx, &m, 0);
		mprotect(ro, 2 * sz, PROT_READ | PROT_WRITE);
	}
	want[S_EFAULT] = 1;

	for (i = 0; i < 3; i++) {
		zc_req_init(&r);
		zc_req_add_zc(&r, 1);
		if (zc_send(&p, 0, 0, &r, NULL) < 0) {
			t_fail(t, "request: %s", strerror(errno));
			goto out;
		}
		got = zc_req_collect(t, &r, &l);
		if (got < 0)
			goto out;
		want[S_REQ]++;
		want[S_RANGES] += got;
		want[S_FULL] += got == 1;
		/* Empty, so it met an empty queue: answered at the return */
		want[S_RETURNED] += !got && zc_answers_at_return();
	}
	if (read_stats(t, b))
		goto out;
	want[S_IDS] = l.ids_cmsg;
	for (i = 0; i < S_NR; i++)
		if (b[i] - a[i] != want[i]) {
			t_fail(t, "%s went up by %lld, want %lld",
			       stat_names[i], b[i] - a[i], want[i]);
			goto out;
		}
	if (zc_settle(t, &p, &l, true, 5000) || zc_ledger_verify(t, &l))
		goto out;
	ret = 0;
out:
	zc_ledger_free(&l);
	zc_pair_close(&p);
	munmap(ro, 2 * sz);
	return ret;
}

#define SPIN_MAX	8
#define SPIN_MS		30000
#define SPIN_READ	(8 << 20)

/*
 * What keeps RCU Tasks waiting: a process that is nearly always in the
 * kernel and never sleeps (a sender in a tight loop of sends that never
 * block does it too). Reads of 8 MiB from /dev/zero into memory already
 * faulted in, for up to 30 s: a scheduler tick almost never finds it in
 * user space, the only other quiescent state it has.
 */
static void spin_in_kernel(long t0)
{
	char *buf = malloc(SPIN_READ);
	int fd = open("/dev/zero", O_RDONLY);

	if (!buf || fd < 0)
		_exit(1);
	memset(buf, 1, SPIN_READ);
	while (zc_now_ms() - t0 < SPIN_MS)
		if (read(fd, buf, SPIN_READ) < 0)
			_exit(1);
	_exit(0);
}

/*
 * A load beside one process per CPU (8 at most) that spends its time in
 * the kernel without ever sleeping (spin_in_kernel()), for up to 30 s: it
 * must take less than 10 s. Removing an ftrace hook waits for RCU Tasks,
 * for every task on a CPU to give it up of its own accord or be caught in
 * user space; a load that removed one (the redirect checks did) waited
 * as long as such processes ran (6.1, under the soak's senders: minutes).
 * Before 6.6 registering a direct call waits for it too
 * (register_ftrace_direct_multi() frees the hash it replaced only after
 * it), so there, on x86-64 (direct calls from 5.18), the load's five
 * registrations wait and the case skips.
 * Module: zc_hook_check_redirect(), zc_hook_checks_end() in
 * module/zc_hook.c.
 */
static int t_load_busy(struct t_ctx *t, const struct t_env *e)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), t0, took;
	pid_t pid[SPIN_MAX];
	int i, n, ret, err, refused = 0;

	if (zc_kernel_is("x86_64", 5, 18) && !zc_kernel_is("x86_64", 6, 6))
		return t_skip(t, "the kernel's direct-call registration waits for RCU Tasks before 6.6");
	if (zc_loaded())
		CHECK(t, !zc_unload_retry("zcnotify", &refused), "rmmod: %s",
		      strerror(errno));
	n = ncpu < 1 ? 1 : ncpu > SPIN_MAX ? SPIN_MAX : ncpu;
	t0 = zc_now_ms();
	for (i = 0; i < n; i++) {
		pid[i] = fork();
		if (!pid[i])
			spin_in_kernel(t0);
		if (pid[i] < 0)
			break;
	}
	n = i;
	usleep(100000);		/* every spinner on a CPU */
	t0 = zc_now_ms();
	ret = zc_load(e->ko, "");
	err = errno;
	took = zc_now_ms() - t0;
	for (i = 0; i < n; i++) {
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	CHECK(t, n > 0, "fork: %s", strerror(errno));
	CHECK(t, !ret, "load beside %d busy processes: %s", n,
	      strerror(err));
	CHECK(t, took < 10000,
	      "the load took %ld ms beside %d processes busy in the kernel: it waited for them",
	      took, n);
	printf("# the load took %ld ms beside %d processes busy in the kernel\n",
	       took, n);
	return 0;
}

const struct t_case module_control_cases[] = {
	T_CASE("load_errors", t_load_errors, 0, 0, 60),
	T_CASE("load_busy_cpu", t_load_busy, 0, 0, 60),
	T_CASE("sysfs", t_sysfs, 0, 0, 10),
	T_CASE("stats_udp4", t_stats, AF_INET, SOCK_DGRAM, 30),
	{ NULL }
};
