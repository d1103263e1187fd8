// SPDX-License-Identifier: GPL-2.0
/*
 * adv_lsm: a request is answered only where the security module lets the
 * caller both send on the socket and read its error queue.
 *
 * A forked child inherits a zerocopy socket and moves itself into an
 * AppArmor profile (compiled by harness/lib.sh apparmor_policy with
 * trixie's apparmor_parser: bookworm's leaves network rules unenforced
 * on these kernels), then sends with a lone request:
 *
 * - adv_lsm_denied: "deny network" (tests/zcn_deny_net.profile), with
 *   completions queued. The stock recvmsg(MSG_ERRQUEUE) fails with
 *   EACCES, so must the child's send: its buffer untouched, and every
 *   completion still on the error queue for the socket's owner.
 * - adv_lsm_send_denied: only sending denied
 *   (tests/zcn_deny_send.profile), on an empty error queue: where the
 *   module leaves such a request for the call's return (x86-64), the
 *   entry does not ask the send itself, the kernel does, and refuses it;
 *   the return must not answer a send that failed without asking again.
 *   The child's send fails with EACCES, its buffer untouched.
 *
 * A kernel where the profile does not deny what the case needs of the
 * stock calls skips, saying so.
 *
 * Module: zc_lsm_may_answer() and zc_lsm_may_send() in module/zc_lsm.c,
 * asked by zc_answer() and zc_answer_returned() (module/zc_answer.c).
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

#define AA_DIR		"/sys/kernel/security/apparmor"

/* What the confined child saw, in memory shared with it. */
struct confined {
	struct zc_req r;
	int setup;		/* 0, or errno of the profile change */
	ssize_t rd, plain, snd;	/* the error-queue read, a plain send, the send */
	int rd_err, plain_err, snd_err;
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

/*
 * Load profile @name, ABI 4.0's first (6.1 refuses it, EPROTO, and takes
 * ABI 3.0's); 0, or T_SKIP without AppArmor.
 */
static int policy_load(struct t_ctx *t, const char *name)
{
	static const char *const abi[] = { "4.0", "3.0" };
	char path[64];
	struct stat st;
	unsigned int i;
	int err = -ENOENT;

	if (stat(AA_DIR, &st))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	if (stat(AA_DIR "/.replace", &st))
		return t_skip(t, "no AppArmor in this kernel (%s)", AA_DIR);
	for (i = 0; i < 2 && (err == -ENOENT || err == -EPROTO); i++) {
		snprintf(path, sizeof(path), "/%s-%s.apparmor", name, abi[i]);
		err = policy_write(path);
	}
	CHECK(t, !err, "load the profile %s (%s): %s", name, err == -ENOENT ?
	      "not in this VM image: harness/lib.sh apparmor_policy" : "",
	      strerror(-err));
	return 0;
}

/* In profile @name: a stock error-queue read, a plain send, the request. */
static void confined_child(struct zc_pair *p, struct confined *c,
			   const char *name)
{
	static const char *const attr[] = { "/proc/self/attr/apparmor/current",
					    "/proc/self/attr/current" };
	char cmd[64], ctl[128];
	struct msghdr m = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	unsigned int i;
	int fd;

	snprintf(cmd, sizeof(cmd), "changeprofile %s", name);
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
	c->plain = send(p->tx, ctl, 16, MSG_DONTWAIT);
	c->plain_err = errno;
	c->snd = zc_send(p, 100, 0, &c->r, NULL);
	c->snd_err = errno;
	_exit(0);
}

/*
 * Run confined_child() in profile @name with a lone request for 4
 * elements; what it saw in *@out (unmapped by the caller). 0, or the
 * result of a failed step.
 */
static int run_confined(struct t_ctx *t, struct t_fix *f, const char *name,
			struct confined **out)
{
	struct confined *c;
	int rc;
	pid_t pid;

	rc = policy_load(t, name);
	if (rc)
		return rc;
	c = zc_req_map_shared(t, sizeof(*c), 4);
	if (!c)
		return -1;
	*out = c;
	pid = fork();
	if (pid < 0)
		return t_fail(t, "fork: %s", strerror(errno));
	if (!pid)
		confined_child(&f->p, c, name);
	if (reap_within(pid, 10000))
		return t_fail(t, "the confined child did not finish");
	if (c->setup)
		return t_fail(t, "change to profile %s: %s", name,
			      strerror(c->setup));
	return 0;
}

/* The child's request: refused with EACCES, its buffer untouched. */
static int expect_refused(struct t_ctx *t, const struct confined *c)
{
	CHECK(t, c->snd < 0 && c->snd_err == EACCES && zc_req_untouched(&c->r),
	      "denied child's request: %zd (%s)%s, want EACCES, untouched",
	      c->snd, c->snd >= 0 ? "sent" : strerror(c->snd_err),
	      zc_req_untouched(&c->r) ? "" : ", buffer answered");
	return 0;
}

/* What a case's profile must deny of the stock calls, and what follows. */
static const struct lsm_case {
	const char *profile;
	int rd_err;		/* the stock error-queue read's errno */
	bool plain_denied;	/* a plain send fails with EACCES */
	int owner_sends;	/* zerocopy sends of the owner's afterwards */
	const char *says;
} lsm_cases[] = {
	{ "zcn_deny_net", EACCES, false, 0, "denied child got EACCES twice" },
	{ "zcn_deny_send", EAGAIN, true, 4,
	  "child allowed to read, denied to send: EACCES, untouched" },
};

static int t_lsm(struct t_ctx *t, struct t_fix *f)
{
	const struct lsm_case *v = &lsm_cases[f->variant];
	struct confined *c = NULL;
	int ret;

	ret = run_confined(t, f, v->profile, &c);
	if (ret)
		goto out;
	if (c->rd >= 0 || c->rd_err != v->rd_err ||
	    (v->plain_denied && (c->plain >= 0 || c->plain_err != EACCES))) {
		ret = t_skip(t, "profile %s does not deny what this case needs here (read %zd, %s; send %zd, %s)",
			     v->profile, c->rd, c->rd >= 0 ? "read" : strerror(c->rd_err),
			     c->plain, c->plain >= 0 ? "sent" : strerror(c->plain_err));
		goto out;
	}
	ret = expect_refused(t, c);
	/* The owner's own sends and completions go on as before. */
	if (!ret)
		ret = expect_owner_keeps_all(t, f, v->owner_sends, v->says);
out:
	if (c)
		munmap(c, sizeof(*c));
	return ret;
}

const struct t_case adv_lsm_cases[] = {
	PER_PROTO_FIX("adv_lsm_denied", t_lsm, &fix_queued, 0, 60),
	PER_PROTO_FIX("adv_lsm_send_denied", t_lsm, &fix_empty, 1, 60),
	{ NULL }
};
