// SPDX-License-Identifier: GPL-2.0
/*
 * adv_uffd: a user cannot pin the module (or a socket lock) with a page
 * whose write fault never completes.
 *
 * The request's page is write-protected with userfaultfd, and nobody
 * ever resolves a fault on it (the same as a MAP_SHARED page of a FUSE
 * file whose daemon never answers). The stock kernel only reads the
 * control buffer; the module writes its answer without faulting pages
 * in, so the call must return promptly with EFAULT (TCP before 7.x:
 * EINVAL), take nothing, leave the buffer untouched, raise no fault on
 * the userfaultfd, and rmmod must succeed at once; the module is loaded
 * again afterwards. The same through sendmmsg(), whose payloads are also
 * located in physical memory before they are written (one message: the
 * call fails with that message's EFAULT, not EINVAL). And reads: a
 * msghdr whose page was dropped after the kernel read it, in a
 * userfaultfd range nobody answers, is read again by the parse without
 * waiting (EFAULT, nothing taken; adv_uffd_msghdr).
 *
 * Module: zc_user_fault_flags() (module/zc_user_pages.c),
 * zc_call_may_write() (module/zc_answer.c), zc_user_msg_ctl()
 * (module/zc_user.c) and zc_call_claim() (module/zc_sendmsg.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

static int uffd_wp(struct t_ctx *t, void *addr, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = {
		.range = { (unsigned long)addr, len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { (unsigned long)addr, len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	CHECK(t, fd >= 0, "userfaultfd: %s", strerror(errno));
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = errno;

		close(fd);
		/*
		 * EINVAL for the feature: no write-protect faults on this
		 * kernel (arm64 6.1 lacks HAVE_ARCH_USERFAULTFD_WP), so the
		 * never-ending write fault this test builds cannot be built
		 * by any user here.
		 */
		if (err == EINVAL)
			return -2;
		return t_fail(t, "UFFDIO_API: %s", strerror(err));
	}
	CHECK(t, !ioctl(fd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER: %s",
	      strerror(errno));
	CHECK(t, !ioctl(fd, UFFDIO_WRITEPROTECT, &wp), "UFFDIO_WRITEPROTECT: %s",
	      strerror(errno));
	return fd;
}

static int uffd_case(struct t_ctx *t, const struct t_env *e, bool mmsg)
{
	struct mmsghdr mm = { 0 };
	int want = EFAULT, alt = e->type == SOCK_STREAM ? EINVAL : EFAULT;
	struct msghdr m = { 0 };
	struct pollfd pfd;
	struct iovec iov;
	struct zc_ledger l;
	struct zc_pair p;
	struct zc_req *r;
	int uffd = -1, ret = -1;
	long t0, ms;
	ssize_t n;

	r = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	if (zc_pair_open(t, &p, e->family, e->type, true) ||
	    zc_ledger_init(&l, 64) || queue_completions(t, &p, &l, 10))
		goto out;
	zc_req_init(r);
	zc_req_add_zc(r, 8);
	memcpy(r->snap, r->ctl.buf, sizeof(r->snap));
	iov.iov_base = p.buf;
	iov.iov_len = 100;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = r->ctl.buf;
	m.msg_controllen = r->len;
	/* From here on, nothing may write to *r: the fault would hang. */
	uffd = uffd_wp(t, r, 2 * 4096);
	if (uffd == -2) {
		ret = t_skip(t, "this kernel has no userfaultfd write-protect (UFFD_FEATURE_PAGEFAULT_FLAG_WP)");
		goto out;
	}
	if (uffd < 0)
		goto out;
	t0 = zc_now_ms();
	mm.msg_hdr = m;
	if (mmsg)
		n = sendmmsg(p.tx, &mm, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		n = sendmsg(p.tx, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
	ms = zc_now_ms() - t0;
	if (!(n < 0 && (errno == want || errno == alt))) {
		t_fail(t, "got %zd (%s), want %s", n,
		       n < 0 ? strerror(errno) : "success", strerror(want));
		goto out;
	}
	if (ms > 2000) {
		t_fail(t, "the call took %ld ms", ms);
		goto out;
	}
	if (!zc_req_untouched(r)) {
		t_fail(t, "write-protected request changed");
		goto out;
	}
	pfd.fd = uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 0) {
		t_fail(t, "a fault is pending on the userfaultfd");
		goto out;
	}
	if (zc_unload("zcnotify")) {
		t_fail(t, "rmmod with the write-protected page around: %s",
		       strerror(errno));
		goto out;
	}
	if (zc_load(e->ko, "")) {
		t_fail(t, "reload: %s", strerror(errno));
		goto out;
	}
	ret = expect_all_queued(t, &p, &l);
out:
	if (!zc_loaded())
		zc_load(e->ko, "");
	if (uffd >= 0)
		close(uffd);
	zc_ledger_free(&l);
	zc_pair_close(&p);
	munmap(r, 2 * 4096);
	return ret;
}

static int t_uffd(struct t_ctx *t, const struct t_env *e)
{
	return uffd_case(t, e, false);
}

static int t_uffd_sendmmsg(struct t_ctx *t, const struct t_env *e)
{
	return uffd_case(t, e, true);
}

/*
 * The msghdr's page is dropped while the kernel waits for the control
 * buffer's page (its userfaultfd fault), after the kernel read the
 * msghdr: the parse must read the msghdr again, and its page is in a
 * userfaultfd range (missing mode) whose faults nobody answers. Until 3 s
 * after the call starts; then the fault is answered, so that a module
 * that waits is seen waiting, not left hanging.
 */
struct mh_fault {
	int uffd_ctl, uffd_msg;
	char *ctl, *src, *msg, *msg_copy;
	size_t pg;
	atomic_int done;
	int msg_faults;
};

static void *mh_fault_handler(void *arg)
{
	struct mh_fault *s = arg;
	struct pollfd pfd = { .fd = s->uffd_ctl, .events = POLLIN };
	struct uffdio_copy cp = { .dst = (unsigned long)s->ctl,
				  .src = (unsigned long)s->src, .len = s->pg };
	struct uffd_msg msg;
	long t0 = zc_now_ms();

	if (poll(&pfd, 1, 5000) != 1 ||
	    read(s->uffd_ctl, &msg, sizeof(msg)) != sizeof(msg) ||
	    madvise(s->msg, s->pg, MADV_DONTNEED) ||
	    ioctl(s->uffd_ctl, UFFDIO_COPY, &cp))
		return NULL;
	pfd.fd = s->uffd_msg;
	while (!atomic_load(&s->done) && zc_now_ms() - t0 < 3000) {
		struct uffdio_copy mc = { .dst = (unsigned long)s->msg,
					  .src = (unsigned long)s->msg_copy,
					  .len = s->pg };

		if (poll(&pfd, 1, 100) != 1)
			continue;
		if (read(s->uffd_msg, &msg, sizeof(msg)) == sizeof(msg))
			s->msg_faults++;
		/* 3 s are over below, or at once after a fault */
		while (!atomic_load(&s->done) && zc_now_ms() - t0 < 3000)
			usleep(10000);
		ioctl(s->uffd_msg, UFFDIO_COPY, &mc);
	}
	return NULL;
}

static int t_uffd_msghdr(struct t_ctx *t, struct t_fix *f)
{
	int want = EFAULT, alt = f->p.type == SOCK_STREAM ? EINVAL : EFAULT;
	size_t pg = sysconf(_SC_PAGESIZE);
	struct mh_fault s = { .pg = pg, .uffd_ctl = -1, .uffd_msg = -1 };
	struct iovec iov = { .iov_base = f->p.buf, .iov_len = 100 };
	struct msghdr *m;
	struct zc_req r;
	pthread_t th;
	char *mem;
	int ret = -1, err;
	long ms;
	ssize_t n;

	/* msghdr, control buffer, and their two sources: four pages */
	mem = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	s.msg = mem;
	s.ctl = mem + pg;
	s.src = mem + 2 * pg;
	s.msg_copy = mem + 3 * pg;
	zc_req_init(&r);
	zc_req_add_zc(&r, 8);
	memcpy(r.snap, r.ctl.buf, sizeof(r.snap));
	memcpy(s.src, r.ctl.buf, sizeof(r.ctl.buf));
	m = (struct msghdr *)s.msg;
	*m = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = s.ctl, .msg_controllen = r.len };
	memcpy(s.msg_copy, s.msg, pg);
	/* The control buffer's page missing, the msghdr's present. */
	s.uffd_ctl = zc_uffd_missing(t, s.ctl, pg);
	s.uffd_msg = zc_uffd_missing(t, s.msg, pg);
	if (s.uffd_ctl < 0 || s.uffd_msg < 0 ||
	    pthread_create(&th, NULL, mh_fault_handler, &s))
		goto out;
	ms = zc_now_ms();
	n = sendmsg(f->p.tx, m, MSG_ZEROCOPY | MSG_DONTWAIT | MSG_NOSIGNAL);
	err = errno;
	ms = zc_now_ms() - ms;
	atomic_store(&s.done, 1);
	pthread_join(th, NULL);
	/* Nothing touches the msghdr's page before its userfaultfd is gone. */
	close(s.uffd_msg);
	s.uffd_msg = -1;
	if (s.msg_faults) {
		t_fail(t, "the module waited on the msghdr's userfaultfd (%d fault(s), %ld ms)",
		       s.msg_faults, ms);
		goto out;
	}
	if (!(n < 0 && (err == want || err == alt))) {
		t_fail(t, "got %zd (%s), want %s", n,
		       n < 0 ? strerror(err) : "success", strerror(want));
		goto out;
	}
	if (ms > 2000) {
		t_fail(t, "the call took %ld ms", ms);
		goto out;
	}
	memcpy(r.ctl.buf, s.ctl, sizeof(r.ctl.buf));
	if (!zc_req_untouched(&r)) {
		t_fail(t, "the refused request changed");
		goto out;
	}
	if (zc_unload("zcnotify") || zc_load(f->e->ko, "")) {
		t_fail(t, "reload: %s", strerror(errno));
		goto out;
	}
	ret = expect_all_queued(t, &f->p, &f->l);
out:
	if (s.uffd_msg >= 0)
		close(s.uffd_msg);
	if (s.uffd_ctl >= 0)
		close(s.uffd_ctl);
	munmap(mem, 4 * pg);
	return ret;
}

static const struct t_fixture fix_ten = { .ledger = 64, .queued = 10 };

const struct t_case adv_uffd_cases[] = {
	PER_PROTO("adv_uffd", t_uffd, 60),
	PER_PROTO("adv_uffd_sendmmsg", t_uffd_sendmmsg, 60),
	PER_PROTO_FIX("adv_uffd_msghdr", t_uffd_msghdr, &fix_ten, 0, 60),
	{ NULL }
};
