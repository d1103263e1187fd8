// SPDX-License-Identifier: GPL-2.0
/*
 * fixture: the fixture runner.c runs a case's body in (a zerocopy pair and
 * a ledger, set up, settled, verified and freed around it), and what the
 * case files share beyond proto_lib's protocol helpers (declared in
 * cases.h): expectations on the error queue, loading and unloading the
 * module, the kernel log, sysfs parameters, sysctls, the stats counters
 * and the kernel's function tracers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

const struct t_fixture fix_queued = { .ledger = 64, .queued = 10 };
const struct t_fixture fix_empty = { .ledger = 64 };
const struct t_fixture fix_filled = { .ledger = 4096, .fill = true };
const struct t_fixture fix_blocked_child = { .ledger = 4096, .fill = true,
				       .blocked = true };

/*
 * The blocked child of fix_blocked_child: a blocking send with a lone request
 * for one element, answered at entry, then blocked on the full socket.
 * Waits (5 s at most) for the answer to appear in the shared buffer.
 */
static int start_blocked(struct t_ctx *t, struct t_fix *f)
{
	struct zc_blocked *b = f->b;
	int i;

	f->child = fork();
	if (f->child < 0)
		return t_fail(t, "fork: %s", strerror(errno));
	if (!f->child) {
		zc_signal_restart(SIGUSR1);
		zc_blocked_send(&f->p, b);
		_exit(0);
	}
	for (i = 0; i < 5000 && (!atomic_load(&b->started) ||
				 !memcmp(b->r.ctl.buf, b->r.snap, sizeof(b->r.snap)));
	     i++)
		usleep(1000);
	usleep(200000);		/* blocked by now */
	return 0;
}

int settle_verify(struct t_ctx *t, struct t_fix *f, int how, int ms)
{
	bool cmsg = how == T_SETTLE_CMSG ||
		    (how == T_SETTLE_UDP_CMSG && f->p.type == SOCK_DGRAM);

	if (how != T_SETTLE_VERIFY && zc_settle(t, &f->p, &f->l, cmsg, ms))
		return -1;
	return zc_ledger_verify(t, &f->l);
}

int fixture_call(struct t_ctx *t, const struct t_env *e,
		 const struct t_fixture *x,
		 int (*body)(struct t_ctx *t, struct t_fix *f), int variant)
{
	struct t_fix f = { .e = e, .variant = variant,
			   .p = { .tx = -1, .rx = -1 }, .child = -1 };
	int ret = -1;

	if (zc_pair_open(t, &f.p, e->family, e->type, true) ||
	    zc_ledger_init(&f.l, x->ledger))
		goto out;
	if (x->queued && queue_completions(t, &f.p, &f.l, x->queued))
		goto out;
	if (x->fill && fill_send_path(t, &f.p, &f.l))
		goto out;
	if (x->blocked && (!(f.b = zc_blocked_map(t)) || start_blocked(t, &f)))
		goto out;
	ret = body(t, &f);
	if (!ret && x->settle)
		ret = settle_verify(t, &f, x->settle, x->settle_ms);
out:
	if (f.child > 0) {
		kill(f.child, SIGKILL);
		waitpid(f.child, NULL, 0);
	}
	if (x->blocked && !zc_loaded())
		zc_load(e->ko, "");
	if (f.b)
		zc_blocked_unmap(f.b);
	zc_ledger_free(&f.l);
	zc_pair_close(&f.p);
	return ret;
}

int fixture_run(struct t_ctx *t, const struct t_case *c,
		const struct t_env *e)
{
	return fixture_call(t, e, c->fix, c->body, c->variant);
}

int queue_completions(struct t_ctx *t, struct zc_pair *p,
		      struct zc_ledger *l, int sends)
{
	int i;

	for (i = 0; i < sends; i++) {
		CHECK(t, zc_send(p, 1000, MSG_ZEROCOPY, NULL, l) == 1000,
		      "zerocopy send %d: %s", i, strerror(errno));
		zc_pair_drain_rx(p);
	}
	zc_wait_outq(p->tx, 5000);
	usleep(50000);
	zc_pair_drain_rx(p);
	return 0;
}

/*
 * Fill @p's send path (small buffers, a receiver that does not read) until
 * a send cannot make progress; its zerocopy completions stay queued.
 */
int fill_send_path(struct t_ctx *t, struct zc_pair *p, struct zc_ledger *l)
{
	int round, v = 4096;

	setsockopt(p->tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(p->rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	for (round = 0; round < 3; round++) {
		while (zc_send(p, 4096, MSG_ZEROCOPY | MSG_DONTWAIT, NULL, l) > 0)
			;
		CHECK(t, errno == EAGAIN || errno == ENOBUFS, "fill: %s",
		      strerror(errno));
		usleep(50000);
	}
	return 0;
}

/*
 * @rounds times: three completions queued and @round with a request of
 * size 1 (which fills up whenever anything is queued), three more and
 * @round with size 8 (which does not).
 */
int queued_rounds(struct t_ctx *t, struct t_fix *f, int rounds,
		  int (*round)(struct t_ctx *t, struct t_fix *f, uint32_t n,
			       void *arg), void *arg)
{
	int i;

	for (i = 0; i < rounds; i++)
		if (queue_completions(t, &f->p, &f->l, 3) ||
		    round(t, f, 1, arg) ||
		    queue_completions(t, &f->p, &f->l, 3) ||
		    round(t, f, 8, arg))
			return -1;
	return 0;
}

/*
 * A sendmmsg() of two messages whose second one must be refused (@sent:
 * what it returned): one sent, the first message's request @r processed.
 */
int expect_first_of_two(struct t_ctx *t, struct t_fix *f, struct zc_req *r,
			int sent, const char *what)
{
	int got;

	CHECK(t, sent == 1, "sendmmsg, %s (size %u): %d (%s), want 1", what,
	      r->n, sent, sent < 0 ? strerror(errno) : "sent");
	f->l.sends++;
	got = zc_req_collect(t, r, &f->l);
	CHECK(t, got >= 0, "first message's request not processed%s%s",
	      t->why[0] ? ": " : "", t->why);
	zc_pair_drain_rx(&f->p);
	return 0;
}

/* Wait up to @ms for child @pid to exit; 0 if it did, else it is killed. */
int reap_within(pid_t pid, int ms)
{
	int st, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return 0;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/*
 * An answered call that was interrupted (@ret, @err: what it returned)
 * must have failed with EINTR, its answer in @r; then every completion of
 * @p arrives exactly once.
 */
int expect_answered_eintr(struct t_ctx *t, struct zc_pair *p,
			  struct zc_ledger *l, struct zc_req *r, ssize_t ret,
			  int err, const char *what)
{
	int got;

	CHECK(t, ret < 0 && err == EINTR, "%s: %zd (%s), want EINTR", what, ret,
	      ret < 0 ? strerror(err) : "sent");
	got = zc_req_collect(t, r, l);
	CHECK(t, got != -2, "%s: request not processed", what);
	if (got < 0 || zc_settle(t, p, l, false, 10000))
		return -1;
	return zc_ledger_verify(t, l);
}

/* After rejected requests: everything must still be on the error queue. */
int expect_all_queued(struct t_ctx *t, struct zc_pair *p,
		      struct zc_ledger *l)
{
	CHECK(t, zc_read_errqueue(t, p->tx, l, NULL) >= 0, "%s", t->why);
	CHECK(t, !l->ids_cmsg, "%u ids came through a rejected cmsg",
	      l->ids_cmsg);
	CHECK(t, !zc_ledger_missing(l),
	      "%u of %u completions lost by a rejected request",
	      zc_ledger_missing(l), l->sends);
	return zc_ledger_verify(t, l);
}

void *zc_req_map_shared(struct t_ctx *t, size_t size, uint32_t n)
{
	struct zc_req *r = mmap(NULL, size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED) {
		t_fail(t, "mmap: %s", strerror(errno));
		return NULL;
	}
	zc_req_init(r);
	zc_req_add_zc(r, n);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	return r;
}

int expect_owner_keeps_all(struct t_ctx *t, struct t_fix *f, int sends,
			   const char *what)
{
	int ret = sends ? queue_completions(t, &f->p, &f->l, sends) : 0;

	if (!ret)
		ret = expect_all_queued(t, &f->p, &f->l);
	if (!ret)
		printf("# %s: %s; %u of %u completions for the owner\n",
		       zc_pair_name(&f->p), what,
		       f->l.sends - zc_ledger_missing(&f->l), f->l.sends);
	return ret;
}

int expect_einval(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
		  const char *what)
{
	ssize_t ret = zc_send(p, 100, 0, r, NULL);

	CHECK(t, ret < 0 && errno == EINVAL, "%s: got %zd (%s), want EINVAL",
	      what, ret, ret < 0 ? strerror(errno) : "success");
	CHECK(t, zc_req_untouched(r), "%s: control buffer changed", what);
	return 0;
}

/* Module control (root in the test VM). */

int zc_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int zc_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/*
 * rmmod may be refused (EAGAIN) while a task is inside the module: retry
 * for a while, as an administrator would.
 */
int zc_unload_retry(const char *name, int *refused)
{
	int i, ret = -1;

	for (i = 0; i < 200; i++) {
		ret = zc_unload(name);
		if (!ret || (errno != EAGAIN && errno != EBUSY))
			break;
		(*refused)++;
		usleep(5000);
	}
	return ret;
}

bool zc_kernel_is(const char *machine, int major, int minor)
{
	struct utsname u;
	int maj, min;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return false;
	return !strcmp(u.machine, machine) &&
	       maj * 100 + min >= major * 100 + minor;
}

bool zc_answers_at_return(void)
{
	return zc_kernel_is("x86_64", 5, 18);
}

bool zc_loaded(void)
{
	return !access("/sys/module/zcnotify", F_OK);
}

/*
 * Lines the module logged: kernel log lines containing @needle, except the
 * kernel's own taint notices on the first load of an unsigned module.
 */
int klog_count(const char *needle)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *line, *save = NULL;
	int n = 0;

	if (len <= 0)
		return -1;
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	buf[len > 0 ? len : 0] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, needle) && !strstr(line, "taint");
	free(buf);
	return n;
}

int read_param(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/zcnotify/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int write_sysctl(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(v, f);
	return fclose(f);
}

const char *const stat_names[] = {
	"requests", "ranges", "completions", "full", "einval", "efault",
	"norecord", "eintr", "returned",
};

int read_stats(struct t_ctx *t, long long *v)
{
	char path[128], buf[64];
	int i;

	for (i = 0; i < S_NR; i++) {
		snprintf(path, sizeof(path), "stats/%s", stat_names[i]);
		CHECK(t, !read_param(path, buf, sizeof(buf)), "no %s counter",
		      stat_names[i]);
		v[i] = atoll(buf);
	}
	return 0;
}

/* The kernel's tracer, on the two hooked functions. */

/* tracefs, where the guest has it (under debugfs) or mounted here. */
static char tracefs[64];

/* Write @v to the tracefs file @file (appending with @append); -errno. */
static int tracefs_write(const char *file, const char *v, bool append)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	n = write(fd, v, strlen(v));
	n = n < 0 ? -errno : n == (ssize_t)strlen(v) ? 0 : -EIO;
	close(fd);
	return n;
}

static int tracefs_find(void)
{
	const char *dbg = "/sys/kernel/debug/tracing", *own = "/sys/kernel/tracing";
	struct stat st;

	snprintf(tracefs, sizeof(tracefs), "%s/current_tracer", dbg);
	if (!stat(tracefs, &st)) {
		snprintf(tracefs, sizeof(tracefs), "%s", dbg);
		return 0;
	}
	snprintf(tracefs, sizeof(tracefs), "%s/current_tracer", own);
	if (stat(tracefs, &st))
		mount("nodev", own, "tracefs", 0, NULL);
	if (stat(tracefs, &st))
		return -1;
	snprintf(tracefs, sizeof(tracefs), "%s", own);
	return 0;
}

/* Stops the recording: turning it on again would clear the buffer. */
int trace_hits(const char *fn)
{
	char line[512];
	FILE *f;
	int n = -1;

	tracefs_write("tracing_on", "0", false);
	snprintf(line, sizeof(line), "%s/trace", tracefs);
	f = fopen(line, "r");
	if (f) {
		n = 0;
		while (fgets(line, sizeof(line), f))
			if (line[0] != '#' && strstr(line, fn))
				n++;
		fclose(f);
	}
	return n;
}

void tracer_off(void)
{
	tracefs_write("current_tracer", "nop", false);
	tracefs_write("set_ftrace_filter", "", false);
	tracefs_write("tracing_on", "1", false);
}

int tracer_on(struct t_ctx *t, const char *tracer)
{
	int err;

	CHECK(t, !tracefs_find(), "no tracefs (%s)", strerror(errno));
	err = tracefs_write("set_ftrace_filter", "____sys_sendmsg", false);
	if (!err)
		err = tracefs_write("set_ftrace_filter", "__sock_cmsg_send", true);
	CHECK(t, !err, "%s/set_ftrace_filter: %s", tracefs, strerror(-err));
	err = tracefs_write("trace", "", false);
	CHECK(t, !err, "clear the trace: %s", strerror(-err));
	err = tracefs_write("current_tracer", tracer, false);
	CHECK(t, !err, "%s tracer: %s", tracer, strerror(-err));
	return 0;
}
