// SPDX-License-Identifier: GPL-2.0
/*
 * adv_lsm: a request is answered only where the security module lets the
 * caller both send on the socket and read its error queue.
 *
 * Completions are queued on a zerocopy socket; a forked child inherits it
 * and moves itself into an AppArmor profile with "deny network"
 * (tests/zcn_deny_net.profile, compiled by harness/lib.sh apparmor_policy
 * with trixie's apparmor_parser: bookworm's leaves network rules
 * unenforced on these kernels). There the stock recvmsg(MSG_ERRQUEUE) fails with EACCES,
 * so must the child's sendmsg() with a lone request: its buffer untouched,
 * and every completion still on the error queue for the socket's owner.
 * A kernel where the profile does not deny the stock read skips, saying
 * so.
 *
 * Module: zc_lsm_may_answer() in module/zc_lsm.c, asked by zc_answer()
 * (module/zc_answer.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/* ABI 4.0 first; 6.1 refuses it (EPROTO) and takes ABI 3.0's. */
static const char *const policies[] = { "/zcn_deny_net-4.0.apparmor",
					"/zcn_deny_net-3.0.apparmor" };
#define PROFILE		"zcn_deny_net"
#define AA_DIR		"/sys/kernel/security/apparmor"

/* What the confined child saw, in memory shared with it. */
struct confined {
	struct zc_req r;
	int setup;		/* 0, or errno of the profile change */
	ssize_t rd, snd;	/* the error-queue read, the send */
	int rd_err, snd_err;
};

/* Load (or replace) the profile from @path; 0 or -errno. */
static int policy_write(const char *path)
{
	char buf[16384];
	ssize_t n;
	int in, out, err = 0;

	in = open(path, O_RDONLY);
	if (in < 0)
		return -errno;
	n = read(in, buf, sizeof(buf));
	close(in);
	if (n <= 0)
		return -EIO;
	out = open(AA_DIR "/.replace", O_WRONLY);
	if (out < 0)
		return -errno;
	if (write(out, buf, n) != n)
		err = -errno;
	close(out);
	return err;
}

/* Load the profile; 0, or T_SKIP without AppArmor. */
static int policy_load(struct t_ctx *t)
{
	struct stat st;
	unsigned int i;
	int err = -ENOENT;

	if (stat(AA_DIR, &st))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	if (stat(AA_DIR "/.replace", &st))
		return t_skip(t, "no AppArmor in this kernel (%s)", AA_DIR);
	for (i = 0; i < 2 && (err == -ENOENT || err == -EPROTO); i++)
		err = policy_write(policies[i]);
	CHECK(t, !err, "load the profile (%s): %s", err == -ENOENT ?
	      "not in this VM image: harness/lib.sh apparmor_policy" : "",
	      strerror(-err));
	return 0;
}

static void confined_child(struct zc_pair *p, struct confined *c)
{
	static const char *const attr[] = { "/proc/self/attr/apparmor/current",
					    "/proc/self/attr/current" };
	const char *cmd = "changeprofile " PROFILE;
	char ctl[128];
	struct msghdr m = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	unsigned int i;
	int fd;

	c->setup = ENOENT;
	for (i = 0; i < 2 && c->setup; i++) {
		fd = open(attr[i], O_WRONLY);
		if (fd < 0)
			continue;
		c->setup = write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) ?
			   0 : errno;
		close(fd);
	}
	if (c->setup)
		_exit(0);
	c->rd = recvmsg(p->tx, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
	c->rd_err = errno;
	c->snd = zc_send(p, 100, 0, &c->r, NULL);
	c->snd_err = errno;
	_exit(0);
}

static int t_lsm_denied(struct t_ctx *t, struct t_fix *f)
{
	struct confined *c;
	int ret = -1, rc;
	pid_t pid;

	rc = policy_load(t);
	if (rc)
		return rc;
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return t_fail(t, "mmap: %s", strerror(errno));
	zc_req_init(&c->r);
	zc_req_add_zc(&c->r, 4);
	memcpy(c->r.snap, c->r.ctl.buf, sizeof(c->r.snap));
	pid = fork();
	if (pid < 0) {
		t_fail(t, "fork: %s", strerror(errno));
		goto out;
	}
	if (!pid)
		confined_child(&f->p, c);
	if (reap_within(pid, 10000)) {
		t_fail(t, "the confined child did not finish");
		goto out;
	}
	if (c->setup) {
		t_fail(t, "change to profile %s: %s", PROFILE, strerror(c->setup));
		goto out;
	}
	if (c->rd >= 0 || c->rd_err != EACCES) {
		ret = t_skip(t, "profile %s does not deny recvmsg(MSG_ERRQUEUE) here (%zd, %s)",
			     PROFILE, c->rd, c->rd >= 0 ? "read" : strerror(c->rd_err));
		goto out;
	}
	if (c->snd >= 0 || c->snd_err != EACCES || !zc_req_untouched(&c->r)) {
		t_fail(t, "denied child's request: %zd (%s)%s, want EACCES, untouched",
		       c->snd, c->snd >= 0 ? "sent" : strerror(c->snd_err),
		       zc_req_untouched(&c->r) ? "" : ", buffer answered");
		goto out;
	}
	ret = expect_all_queued(t, &f->p, &f->l);
	if (!ret)
		printf("# %s: denied child got EACCES twice, %u of %u completions left for the owner\n",
		       zc_pair_name(&f->p), f->l.sends - zc_ledger_missing(&f->l),
		       f->l.sends);
out:
	munmap(c, sizeof(*c));
	return ret;
}

const struct t_case adv_lsm_cases[] = {
	PER_PROTO_FIX("adv_lsm_denied", t_lsm_denied, &fix_queued, 0, 60),
	{ NULL }
};
