// SPDX-License-Identifier: GPL-2.0
/*
 * adv_page_absent: a valid request is processed wherever its page is.
 *
 * The control buffer (headers and payload) lives in memory that is valid,
 * readable and writable but has no page table entry, or no writable one,
 * when sendmsg() is entered: a MAP_SHARED page after MADV_DONTNEED (its
 * contents stay in the page cache), a fork() child's view of its
 * parent's shared buffer (page tables of shared mappings are not copied
 * at fork), a MAP_PRIVATE file page only read so far (its write is a
 * copy-on-write of the file's page), and a fork() child's view of its
 * parent's private file page (a program's initialised data: copy-on-write
 * again). The same for an i386 socketcall(): its argument block's page
 * is dropped while the kernel waits for the control buffer's page
 * (userfaultfd), between the module's two reads of the arguments, or
 * for the msghdr's page, before the entry's read (alone, and next to
 * another control message, which only the parse answers). And
 * NUMA balancing's hinting faults: its scanner makes present page table
 * entries inaccessible (PROT_NONE) until the next access faults them
 * back; the request's header lies alone on a page that only the kernel
 * reads, so that sendmsg() is the access that meets such an entry. And
 * the churn: another thread drops the page and takes the mmap lock for
 * writing all the time, so the page may go between the kernel's copy and
 * the parse, or again between the parse's fault-in and its access, and
 * the parse's fault-in waits for the lock. Such
 * a request must be processed like any other, never refused
 * with EINVAL (the "module absent" answer) and never with EFAULT; every
 * send counter value is reported exactly once. Done with the request
 * alone in its buffer and next to another control message.
 *
 * Module: zc_user_find() (ZC_WALK_LATER) in module/zc_user.c, the walk
 * at the parse in zc_call_claim() (module/zc_sendmsg.c), the socketcall()
 * arguments in zc_arch_sendmsg_syscall() (module/zc_arch_x86.h) and
 * zc_sysid_recorded() (module/zc_callid.h),
 * zc_user_fault_in() (the mmap lock waited for) and zc_user_fault_flags()
 * (module/zc_user_pages.c), zc_user_fault_retry() (a page dropped again
 * after its fault-in: module/zc_user_pages.h),
 * ZC_FOLL_HONOR_NUMA (module/zc_compat.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__i386__)
#include <linux/net.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#endif
#include "proto_lib.h"
#include "cases.h"

/* How the page is absent: shared memory, or a private file mapping. */
enum { A_DONTNEED, A_FORK, A_FILE_READ, A_FILE_FORK };

/* What a send leaves for the test: a fork() child writes it here. */
struct absent_out {
	ssize_t ret;
	int err;
	char ctl[sizeof(((struct zc_req *)0)->ctl.buf)];
};

static ssize_t absent_sendmsg(struct zc_pair *p, char *ctl, size_t len,
			      struct absent_out *o)
{
	struct iovec iov = { .iov_base = p->buf, .iov_len = 1000 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = len };

	o->ret = sendmsg(p->tx, &m, MSG_ZEROCOPY);
	o->err = errno;
	memcpy(o->ctl, ctl, sizeof(o->ctl));
	return o->ret;
}

/*
 * One send of @r's control buffer placed in the page @ctl (of memfd @fd
 * for the A_FILE_* ways), made absent first the way @how says; the
 * answer is copied back into @r.
 */
static ssize_t absent_send(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
			   char *ctl, int fd, struct absent_out *o, size_t pg,
			   int how)
{
	pid_t pid;
	int st;

	if (how == A_FILE_READ) {
		/* The file holds the request; the mapping only reads it. */
		if (pwrite(fd, r->ctl.buf, sizeof(r->ctl.buf), 0) < 0)
			return t_fail(t, "pwrite: %s", strerror(errno));
	} else {
		memcpy(ctl, r->ctl.buf, sizeof(r->ctl.buf));
	}
	/* Private file page: drop the copy, back to the file's page. */
	if (how != A_FORK && how != A_FILE_FORK &&
	    madvise(ctl, pg, MADV_DONTNEED))
		return t_fail(t, "madvise: %s", strerror(errno));
	if (how == A_DONTNEED || how == A_FILE_READ) {
		absent_sendmsg(p, ctl, r->len, o);
	} else {
		pid = fork();
		if (pid < 0)
			return t_fail(t, "fork: %s", strerror(errno));
		if (!pid) {
			/* Nothing of @ctl touched here before the call. */
			absent_sendmsg(p, ctl, r->len, o);
			_exit(0);
		}
		waitpid(pid, &st, 0);
	}
	memcpy(r->ctl.buf, o->ctl, sizeof(r->ctl.buf));
	errno = o->err;
	return o->ret;
}

/*
 * Send @i of @r returned @n (errno @err): 1000 bytes sent, counted, its
 * answer collected exactly; @what says where the page was.
 */
static int absent_collect(struct t_ctx *t, struct t_fix *f, struct zc_req *r,
			  ssize_t n, int err, int i, const char *what)
{
	int got;

	if (n != 1000)
		return t_fail(t, "send %d with %s: %zd (%s), want 1000", i, what,
			      n, n < 0 ? strerror(err) : "short");
	f->l.sends++;
	got = zc_req_collect(t, r, &f->l);
	if (got == -2)
		return t_fail(t, "send %d: request not processed", i);
	if (got < 0)
		return -1;
	zc_pair_drain_rx(&f->p);
	return 0;
}

/* Variant: how the page is absent (A_*), plus V_OTHER: another cmsg first. */
#define V_OTHER	0x100

static int t_page_absent(struct t_ctx *t, struct t_fix *f)
{
	int how = f->variant & ~V_OTHER;
	bool other = f->variant & V_OTHER;
	bool file = how == A_FILE_READ || how == A_FILE_FORK;
	size_t pg = sysconf(_SC_PAGESIZE);
	struct absent_out *o;
	struct zc_req r;
	int i, fd = -1, ret = -1;
	ssize_t n;
	char *ctl;

	o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (o == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	if (file) {
		fd = memfd_create("adv_page_absent", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, pg)) {
			t_fail(t, "memfd: %s", strerror(errno));
			goto out_o;
		}
	}
	ctl = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		   file ? MAP_PRIVATE : MAP_SHARED | MAP_ANONYMOUS, fd, 0);
	if (ctl == MAP_FAILED) {
		t_fail(t, "mmap: %s", strerror(errno));
		goto out_o;
	}
	for (i = 0; i < 10; i++) {
		if (queue_completions(t, &f->p, &f->l, 2))
			goto out;
		zc_req_init(&r);
		if (other)	/* parsed by the kernel, asks for nothing */
			*(int *)zc_req_add(&r, SOL_SOCKET, SO_TIMESTAMPING_OLD,
					   sizeof(int)) = 0;
		zc_req_add_zc(&r, 4);
		memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
		n = absent_send(t, &f->p, &r, ctl, fd, o, pg, how);
		if (absent_collect(t, f, &r, n, errno, i,
				   "its control buffer's page absent"))
			goto out;
	}
	ret = 0;
out:
	munmap(ctl, pg);
out_o:
	if (fd >= 0)
		close(fd);
	munmap(o, sizeof(*o));
	return ret;
}

/*
 * NUMA balancing, scanning as fast as it can: its knobs (debugfs from
 * 5.13, /proc/sys/kernel before), each saved to be put back.
 */
static const char *const numa_knobs[][2] = {
	{ "scan_delay_ms", "0" },
	{ "scan_period_min_ms", "10" },
	{ "scan_period_max_ms", "10" },
	{ "scan_size_mb", "16" },
};

#define NUMA_KNOBS (sizeof(numa_knobs) / sizeof(numa_knobs[0]))

struct numa_saved {
	char on[32];
	char knob[NUMA_KNOBS][32];
	char path[NUMA_KNOBS][96];
};

static const char numa_on[] = "/proc/sys/kernel/numa_balancing";

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, len, f);

	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* Async-signal-safe: numa_deadline() calls it too. */
static void numa_put(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = write(fd, v, strlen(v));
	(void)n;	/* a value not put back: nothing more to try */
	close(fd);
}

static const struct numa_saved *numa_pending;

static void numa_restore(const struct numa_saved *s)
{
	size_t i;

	numa_pending = NULL;
	for (i = 0; i < NUMA_KNOBS; i++)
		if (s->knob[i][0])
			numa_put(s->path[i], s->knob[i]);
	if (s->on[0])
		numa_put(numa_on, s->on);
}

/*
 * The case's deadline (SIGALRM, runner.c) would end it before its own
 * restore: the knobs are put back first, then the signal does its work.
 */
static void numa_deadline(int sig)
{
	if (numa_pending)
		numa_restore(numa_pending);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int numa_fast(struct t_ctx *t, struct numa_saved *s)
{
	size_t i;

	if (read_line(numa_on, s->on, sizeof(s->on)))
		return t_skip(t, "no NUMA balancing in this kernel (%s)", numa_on);
	numa_pending = s;
	signal(SIGALRM, numa_deadline);
	for (i = 0; i < NUMA_KNOBS; i++) {
		snprintf(s->path[i], sizeof(s->path[i]),
			 "/sys/kernel/debug/sched/numa_balancing/%s",
			 numa_knobs[i][0]);
		if (access(s->path[i], W_OK))
			snprintf(s->path[i], sizeof(s->path[i]),
				 "/proc/sys/kernel/numa_balancing_%s",
				 numa_knobs[i][0]);
		if (access(s->path[i], W_OK))
			return t_skip(t, "no NUMA balancing knob %s (debugfs, CONFIG_SCHED_DEBUG)",
				      numa_knobs[i][0]);
		if (read_line(s->path[i], s->knob[i], sizeof(s->knob[i])) ||
		    write_sysctl(s->path[i], numa_knobs[i][1]))
			return t_fail(t, "%s: %s", s->path[i], strerror(errno));
	}
	if (write_sysctl(numa_on, "1"))
		return t_fail(t, "%s: %s", numa_on, strerror(errno));
	return 0;
}

/* A /proc/vmstat counter, or -1. */
static long long vmstat(const char *name)
{
	char line[128];
	long long v = -1;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			v = atoll(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

/* The scanner leaves a single-threaded task's private memory alone. */
static void *numa_idle(void *arg)
{
	char c;

	return read(*(int *)arg, &c, 1) < 0 ? NULL : arg;
}

/*
 * Sends for 5 s (and until the scanner has updated page table entries,
 * 20 s at most; 60000 sends at most, the ledger's room), each with a
 * request whose header is the last 16 bytes of page X and whose payload
 * starts page Y: the test writes and reads back Y around each call and
 * touches X only before the first and after the last, so the scanner's
 * PROT_NONE entry for X is met by sendmsg() (the module's read, then the
 * kernel's copy). Private memory: shared memory is not scanned (no
 * MPOL_F_MOF).
 */
static int t_page_numa(struct t_ctx *t, struct t_fix *f)
{
	size_t pg = sysconf(_SC_PAGESIZE), hdr = sizeof(struct cmsghdr);
	long long upd0, hint0, upd = 0, hint = 0;
	struct numa_saved s = { 0 };
	int i, ret, pfd[2] = { -1, -1 };
	long t0 = zc_now_ms();
	struct zc_req r;
	pthread_t th;
	char *map, *ctl;
	ssize_t n;

	ret = numa_fast(t, &s);
	if (ret) {
		numa_restore(&s);
		return ret;
	}
	ret = -1;
	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || pipe(pfd)) {
		t_fail(t, "setup: %s", strerror(errno));
		goto out;
	}
	errno = pthread_create(&th, NULL, numa_idle, &pfd[0]);
	if (errno) {
		t_fail(t, "pthread_create: %s", strerror(errno));
		goto out;
	}
	ctl = map + pg - hdr;
	upd0 = vmstat("numa_pte_updates");
	hint0 = vmstat("numa_hint_faults");
	for (i = 0; ; i++) {
		struct iovec iov = { .iov_base = f->p.buf, .iov_len = 1000 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl };
		long el = zc_now_ms() - t0;

		if (!(i % 32)) {
			upd = vmstat("numa_pte_updates") - upd0;
			hint = vmstat("numa_hint_faults") - hint0;
			if ((el > 5000 && upd > 0) || el > 20000 || i >= 60000)
				break;
		}
		zc_req_init(&r);
		zc_req_add_zc(&r, 4);
		memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
		if (!i)
			memcpy(ctl, r.ctl.buf, hdr);
		memcpy(ctl + hdr, r.ctl.buf + hdr, sizeof(r.ctl.buf) - hdr);
		m.msg_controllen = r.len;
		n = sendmsg(f->p.tx, &m, MSG_ZEROCOPY);
		/* The header stays unread here: checked after the loop. */
		memcpy(r.ctl.buf + hdr, ctl + hdr, sizeof(r.ctl.buf) - hdr);
		if (absent_collect(t, f, &r, n, errno, i,
				   "its header's page under NUMA balancing"))
			goto out_th;
	}
	if (i && memcmp(ctl, r.snap, hdr)) {
		t_fail(t, "the request's header changed");
		goto out_th;
	}
	printf("# %s: %d sends, NUMA balancing: %lld page table entries made PROT_NONE, %lld hinting faults\n",
	       zc_pair_name(&f->p), i, upd, hint);
	if (upd <= 0)
		t_fail(t, "NUMA balancing made no entry PROT_NONE in 20 s");
	else
		ret = 0;
out_th:
	close(pfd[1]);
	pfd[1] = -1;
	pthread_join(th, NULL);
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (map != MAP_FAILED)
		munmap(map, 2 * pg);
	numa_restore(&s);
	return ret;
}

/*
 * The churn: while the test sends, a second thread drops the control
 * buffer's page again and again (MADV_DONTNEED; shared memory keeps its
 * contents) and maps and unmaps a page of its own (the mmap lock taken
 * for writing). The page goes at any point of a sendmsg(): before the
 * module's read at entry, between the kernel's copy of the control
 * buffer and the parse, before the answer is written or between its
 * stores (module/zc_errqueue.c, the commit); and the parse's fault-in
 * meets the mmap lock held by the other thread.
 */
struct churn {
	char *ctl;
	size_t pg;
	int stop;
	long drops, maps;
};

static void *churn_run(void *arg)
{
	struct churn *c = arg;
	void *m;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		m = mmap(NULL, c->pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED && !munmap(m, c->pg))
			c->maps++;
		if (!madvise(c->ctl, c->pg, MADV_DONTNEED))
			c->drops++;
	}
	return NULL;
}

/*
 * One send of the churn with a request for 4. A send refused with ENOBUFS
 * (the socket's option memory full of completions still in flight: the
 * receiving softirq can lag the sender on a loaded host) is tried again
 * for up to 2 s, what its answer took collected first, as a program
 * would; a module that stopped taking completions still fails the test.
 * -2 for a malformed answer (reason in @t).
 */
static ssize_t churn_send(struct t_ctx *t, struct t_fix *f, struct churn *c,
			  struct zc_req *r, struct absent_out *o)
{
	ssize_t n;
	int tries;

	for (tries = 0;; tries++) {
		zc_req_init(r);
		if (f->variant & V_OTHER)
			*(int *)zc_req_add(r, SOL_SOCKET, SO_TIMESTAMPING_OLD,
					   sizeof(int)) = 0;
		zc_req_add_zc(r, 4);
		memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
		memcpy(c->ctl, r->ctl.buf, sizeof(r->ctl.buf));
		n = absent_sendmsg(&f->p, c->ctl, r->len, o);
		memcpy(r->ctl.buf, o->ctl, sizeof(r->ctl.buf));
		if (!(n < 0 && o->err == ENOBUFS) || tries == 2000)
			return n;
		if (zc_req_collect(t, r, &f->l) == -1)
			return -2;
		zc_pair_drain_rx(&f->p);
		usleep(1000);
	}
}

/* Sends for 4 s (60000 at most), each processed and counted once. */
static int t_page_churn(struct t_ctx *t, struct t_fix *f)
{
	struct churn c = { .pg = sysconf(_SC_PAGESIZE) };
	long t0 = zc_now_ms();
	struct absent_out o;
	struct zc_req r;
	int i, ret = -1;
	pthread_t th;
	ssize_t n;

	c.ctl = mmap(NULL, c.pg, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c.ctl == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	errno = pthread_create(&th, NULL, churn_run, &c);
	if (errno) {
		t_fail(t, "pthread_create: %s", strerror(errno));
		goto out;
	}
	for (i = 0; zc_now_ms() - t0 < 4000 && i < 60000; i++) {
		n = churn_send(t, f, &c, &r, &o);
		if (n == -2 || absent_collect(t, f, &r, n, o.err, i,
					      "its page dropped by another thread"))
			goto out_th;
	}
	printf("# %s: %d sends; the other thread dropped the page %ld times, mapped and unmapped %ld\n",
	       zc_pair_name(&f->p), i, c.drops, c.maps);
	ret = 0;
out_th:
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
out:
	munmap(c.ctl, c.pg);
	return ret;
}

/*
 * Which page of a socketcall(SYS_SENDMSG) is missing (userfaultfd), its
 * fault dropping the argument block's page first: the control buffer's,
 * which the kernel reads after the module's entry read the arguments
 * (SC_CTL), or the msghdr's, which it reads before (SC_MSGHDR: the entry
 * finds them gone).
 */
enum { SC_CTL, SC_MSGHDR };

#if defined(__i386__)
struct sc_fault {
	int uffd;
	char *page;	/* the missing page */
	char *src;	/* what it gets */
	void *args;	/* socketcall()'s argument block's page */
	size_t pg;
	int faults;
};

static void *sc_fault_handler(void *arg)
{
	struct sc_fault *s = arg;
	struct pollfd pfd = { .fd = s->uffd, .events = POLLIN };
	struct uffdio_copy cp = { .dst = (unsigned long)s->page,
				  .src = (unsigned long)s->src, .len = s->pg };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 10000) == 1 &&
	    read(s->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT &&
	    !madvise(s->args, s->pg, MADV_DONTNEED) &&
	    !ioctl(s->uffd, UFFDIO_COPY, &cp)) {
		s->faults++;
		return NULL;
	}
	/* No fault or no answer: closing it fails the fault (EFAULT). */
	close(s->uffd);
	s->uffd = -1;
	return NULL;
}

/* One socketcall(SYS_SENDMSG) of @r, as struct sc_fault and @how arrange it. */
static ssize_t sc_send(struct t_ctx *t, struct zc_pair *p, struct zc_req *r,
		       struct sc_fault *s, int how)
{
	struct iovec iov = { .iov_base = p->buf, .iov_len = 1000 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = how == SC_CTL ? s->page : r->ctl.buf,
			    .msg_controllen = r->len };
	unsigned long *a = s->args;
	pthread_t th;
	ssize_t n;
	int err;

	if (how == SC_CTL)
		memcpy(s->src, r->ctl.buf, sizeof(r->ctl.buf));
	else
		memcpy(s->src, &m, sizeof(m));
	a[0] = p->tx;
	a[1] = how == SC_CTL ? (unsigned long)&m : (unsigned long)s->page;
	a[2] = MSG_ZEROCOPY;
	s->faults = 0;
	if (madvise(s->page, s->pg, MADV_DONTNEED) ||
	    pthread_create(&th, NULL, sc_fault_handler, s))
		return t_fail(t, "setup: %s", strerror(errno));
	n = syscall(SYS_socketcall, SYS_SENDMSG, a);
	err = errno;
	pthread_join(th, NULL);
	if (s->faults != 1)
		return t_fail(t, "the %s's page faulted %d times, want 1",
			      how == SC_CTL ? "control buffer" : "msghdr",
			      s->faults);
	if (how == SC_CTL)
		memcpy(r->ctl.buf, s->page, sizeof(r->ctl.buf));
	errno = err;
	return n;
}

static int t_socketcall_absent(struct t_ctx *t, struct t_fix *f)
{
	int how = f->variant & ~V_OTHER;
	size_t pg = sysconf(_SC_PAGESIZE);
	struct sc_fault s = { .pg = pg, .uffd = -1 };
	struct zc_req r;
	int i, ret = -1;
	ssize_t n;

	s.args = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s.args == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	s.src = (char *)s.args + pg;
	s.page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s.page == MAP_FAILED) {
		t_fail(t, "mmap: %s", strerror(errno));
		goto out_args;
	}
	for (i = 0; i < 10; i++) {
		if (s.uffd < 0)
			s.uffd = zc_uffd_missing(t, s.page, pg);
		if (s.uffd < 0 || queue_completions(t, &f->p, &f->l, 2))
			goto out;
		zc_req_init(&r);
		if (f->variant & V_OTHER)
			*(int *)zc_req_add(&r, SOL_SOCKET, SO_TIMESTAMPING_OLD,
					   sizeof(int)) = 0;
		zc_req_add_zc(&r, 4);
		memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
		n = sc_send(t, &f->p, &r, &s, how);
		if (absent_collect(t, f, &r, n, errno, i,
				   how == SC_CTL ?
				   "its arguments' page dropped meanwhile" :
				   "its arguments' page dropped before the entry"))
			goto out;
	}
	ret = 0;
out:
	if (s.uffd >= 0)
		close(s.uffd);
	munmap(s.page, pg);
out_args:
	munmap(s.args, 3 * pg);
	return ret;
}
#else
static int t_socketcall_absent(struct t_ctx *t, struct t_fix *f)
{
	(void)f;
	return t_skip(t, "socketcall() is an i386 system call: none in this ABI");
}
#endif

static const struct t_fixture absent = {
	.ledger = 256, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};

static const struct t_fixture numa = {
	.ledger = 1 << 16, .settle = T_SETTLE_ERRQ, .settle_ms = 5000,
};

const struct t_case adv_page_absent_cases[] = {
	PER_PROTO_FIX("adv_page_absent_dontneed", t_page_absent, &absent,
		      A_DONTNEED, 60),
	PER_PROTO_FIX("adv_page_absent_dontneed_other", t_page_absent, &absent,
		      A_DONTNEED | V_OTHER, 60),
	PER_PROTO_FIX("adv_page_absent_fork", t_page_absent, &absent, A_FORK,
		      60),
	PER_PROTO_FIX("adv_page_absent_private_file", t_page_absent, &absent,
		      A_FILE_READ, 60),
	PER_PROTO_FIX("adv_page_absent_private_file_other", t_page_absent,
		      &absent, A_FILE_READ | V_OTHER, 60),
	PER_PROTO_FIX("adv_page_absent_private_fork", t_page_absent, &absent,
		      A_FILE_FORK, 60),
	PER_PROTO_FIX("adv_page_absent_numa", t_page_numa, &numa, 0, 60),
	PER_PROTO_FIX("adv_page_absent_churn", t_page_churn, &numa, 0, 60),
	PER_PROTO_FIX("adv_page_absent_churn_other", t_page_churn, &numa,
		      V_OTHER, 60),
	PER_PROTO_FIX("adv_page_absent_socketcall", t_socketcall_absent,
		      &absent, SC_CTL, 60),
	PER_PROTO_FIX("adv_page_absent_socketcall_entry", t_socketcall_absent,
		      &absent, SC_MSGHDR, 60),
	PER_PROTO_FIX("adv_page_absent_socketcall_entry_other",
		      t_socketcall_absent, &absent, SC_MSGHDR | V_OTHER, 60),
	{ NULL }
};
