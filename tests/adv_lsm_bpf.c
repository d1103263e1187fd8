// SPDX-License-Identifier: GPL-2.0
/*
 * adv_lsm_bpf: a send a BPF program refuses with a count is not answered.
 *
 * A BPF program may turn a send down with a positive value: an fmod_ret
 * program on security_socket_sendmsg() on every kernel, a BPF LSM program
 * on bpf_lsm_socket_sendmsg() before 6.12 (whose verifier then came to
 * refuse one that returns anything but 0 or an errno), and a cgroup BPF
 * LSM program there that sets the hook's return value (6.0+). sock_sendmsg()
 * returns that value without sending, and ____sys_sendmsg() passes it on
 * as if so many bytes went out. A lone request left for the call's return
 * (x86-64, an empty error queue at the entry) must not be answered then:
 * the module may leave the send's question to the kernel only where no
 * program can answer it with a count.
 *
 * The test loads the program itself (the bpf() system call, the function
 * found in /sys/kernel/btf/vmlinux; the cgroup one on the cgroup v2 root,
 * where the socket is): it answers 1 for one forked child and lets
 * everyone else's sends go on. The child's plain send must return 1 (the
 * program works), its request on an empty queue must return 1 with its
 * buffer untouched, and the owner's completions must all be there
 * afterwards. A kernel that refuses such a program (the BPF LSM one on
 * 6.12+), or cannot attach it (no BPF trampoline at that function),
 * skips, saying so.
 *
 * adv_lsm_bpf_read: an fmod_ret program refuses the child's error-queue
 * read with 1 (the stock read returns it as if so many bytes came). Its
 * plain send goes through; its request's send must fail (EACCES; TCP on
 * 6.12 and before makes any control message's error EINVAL, 7.2 passes it
 * on), its buffer untouched, as for a refusal with an errno: the parse
 * would otherwise hand the kernel a positive value, which it takes for
 * "go on".
 *
 * Module: zc_lsm_send_refusal_is_negative() in module/zc_lsm.h, asked by
 * zc_answer() and zc_answer_returned() (module/zc_answer.c); the hooks'
 * answers in module/zc_lsm.c (zc_lsm_refusal()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

#define BTF_VMLINUX	"/sys/kernel/btf/vmlinux"
#define ENOTSUPP_KERNEL	524	/* the kernel's internal ENOTSUPP */

static long bpf_call(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Bytes a BTF type of @kind has after its struct btf_type; -1 if unknown. */
static long btf_type_extra(unsigned int kind, unsigned int vlen)
{
	switch (kind) {
	case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12L * vlen;
	case BTF_KIND_ENUM: case BTF_KIND_FUNC_PROTO:
		return 8L * vlen;
	}
	return -1;
}

/* The BTF id of function @name in the kernel's own BTF; -errno. */
static int btf_func_id(const char *name, char *why, size_t why_len)
{
	const struct btf_header *h;
	struct stat st;
	char *buf;
	int fd, id = -ENOENT;
	size_t off, end, strs;
	unsigned int n = 1;
	ssize_t got;

	fd = open(BTF_VMLINUX, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, why_len, "%s: %s", BTF_VMLINUX, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	buf = malloc(st.st_size);
	/* sysfs gives a page per read() */
	for (off = 0; buf && off < (size_t)st.st_size; off += got) {
		got = read(fd, buf + off, st.st_size - off);
		if (got <= 0)
			break;
	}
	close(fd);
	if (!buf || off < (size_t)st.st_size) {
		snprintf(why, why_len, "read %s", BTF_VMLINUX);
		free(buf);
		return -EIO;
	}
	h = (const struct btf_header *)buf;
	off = h->hdr_len + h->type_off;
	end = off + h->type_len;
	strs = h->hdr_len + h->str_off;
	snprintf(why, why_len, "no function %s in %s", name, BTF_VMLINUX);
	while (off + sizeof(struct btf_type) <= end) {
		const struct btf_type *ty = (const void *)(buf + off);
		unsigned int kind = BTF_INFO_KIND(ty->info);
		long extra = btf_type_extra(kind, BTF_INFO_VLEN(ty->info));

		if (extra < 0) {
			snprintf(why, why_len, "BTF kind %u unknown here", kind);
			id = -EPROTO;
			break;
		}
		if (kind == BTF_KIND_FUNC && ty->name_off < h->str_len &&
		    !strcmp(buf + strs + ty->name_off, name)) {
			id = n;
			break;
		}
		off += sizeof(*ty) + extra;
		n++;
	}
	free(buf);
	return id;
}

/* BPF instructions, r0 the result; JNE jumps @off forward. */
#define INSN_CALL(f)	{ .code = BPF_JMP | BPF_CALL, .imm = (f) }
#define INSN_RSH0(k)	{ .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = BPF_REG_0, .imm = (k) }
#define INSN_JNE0(k, o)	{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_0, .off = (o), .imm = (k) }
#define INSN_MOV(r, k)	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = (r), .imm = (k) }
#define INSN_EXIT	{ .code = BPF_JMP | BPF_EXIT }
#define PROG_LEN	9

/*
 * @tgid's sends get 1, everyone else's the hook's own "go on": an fmod_ret
 * or BPF LSM program returns it; a cgroup one (which returns 1 to allow)
 * sets it as the hook's return value.
 */
static unsigned int prog_make(struct bpf_insn *insn, bool cgroup, pid_t tgid)
{
	const struct bpf_insn ret[] = {
		INSN_CALL(BPF_FUNC_get_current_pid_tgid), INSN_RSH0(32),
		INSN_JNE0(tgid, 2), INSN_MOV(BPF_REG_0, 1), INSN_EXIT,
		INSN_MOV(BPF_REG_0, 0), INSN_EXIT,
	};
	const struct bpf_insn cg[] = {
		INSN_CALL(BPF_FUNC_get_current_pid_tgid), INSN_RSH0(32),
		INSN_JNE0(tgid, 4), INSN_MOV(BPF_REG_1, 1),
		INSN_CALL(BPF_FUNC_set_retval), INSN_MOV(BPF_REG_0, 1), INSN_EXIT,
		INSN_MOV(BPF_REG_0, 1), INSN_EXIT,
	};

	_Static_assert(sizeof(cg) <= PROG_LEN * sizeof(*insn), "PROG_LEN");
	memcpy(insn, cgroup ? cg : ret, cgroup ? sizeof(cg) : sizeof(ret));
	return cgroup ? sizeof(cg) / sizeof(*cg) : sizeof(ret) / sizeof(*ret);
}

static int prog_load(int type, int attach, int btf_id, pid_t tgid, char *log,
		     size_t log_len)
{
	struct bpf_insn insn[PROG_LEN];
	union bpf_attr a;
	bool cgroup = attach == BPF_LSM_CGROUP;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = attach;
	a.insns = (uintptr_t)insn;
	a.insn_cnt = prog_make(insn, cgroup, tgid);
	a.license = (uintptr_t)"GPL";
	a.attach_btf_id = btf_id;
	a.log_buf = (uintptr_t)log;
	a.log_size = log_len;
	a.log_level = 1;
	log[0] = 0;
	return bpf_call(BPF_PROG_LOAD, &a);
}

/* The link's fd: to its BTF target, or to the root cgroup (@cgroup >= 0). */
static int prog_attach(int prog, int cgroup)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	if (cgroup >= 0) {
		a.link_create.prog_fd = prog;
		a.link_create.target_fd = cgroup;
		a.link_create.attach_type = BPF_LSM_CGROUP;
		return bpf_call(BPF_LINK_CREATE, &a);
	}
	a.raw_tracepoint.prog_fd = prog;	/* no name: its BTF target */
	return bpf_call(BPF_RAW_TRACEPOINT_OPEN, &a);
}

/* The cgroup v2 root, mounted if it is not; -1 with errno. */
static int cgroup_root(void)
{
	int fd;

	mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	fd = open("/sys/fs/cgroup/cgroup.procs", O_RDONLY);
	if (fd < 0)
		return -1;
	close(fd);
	return open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY);
}

/* What the child saw, in memory shared with it. */
struct refused {
	struct zc_req r;
	ssize_t plain, snd;
	int plain_err, snd_err;
};

/*
 * Where the program is, and what the child's sends must return: a
 * refused send returns the count, its request untouched; a refused read
 * of the error queue makes the request's send fail with EACCES, as a
 * refusal of it with an errno does (adv_lsm_denied), and leaves the
 * plain send alone.
 */
static const struct bpf_case {
	const char *func;
	int type, attach;
	const char *what;
	bool read;		/* the error queue's read is refused */
} bpf_cases[] = {
	{ "security_socket_sendmsg", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN,
	  "an fmod_ret program", false },
	{ "bpf_lsm_socket_sendmsg", BPF_PROG_TYPE_LSM, BPF_LSM_MAC,
	  "a BPF LSM program", false },
	{ "bpf_lsm_socket_sendmsg", BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP,
	  "a cgroup BPF LSM program", false },
	{ "security_socket_recvmsg", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN,
	  "an fmod_ret program", true },
};

/*
 * A BPF LSM program runs only where "bpf" is one of the active security
 * modules (bullseye's 5.10 leaves it out of CONFIG_LSM), and a cgroup one
 * only from 6.0 on.
 */
static const char *bpf_lsm_missing(const struct bpf_case *v)
{
	char buf[256] = "", *tok, *save;
	struct utsname u;
	int maj = 0, min = 0, fd;
	ssize_t n;

	if (v->type != BPF_PROG_TYPE_LSM)
		return NULL;
	if (!uname(&u) && sscanf(u.release, "%d.%d", &maj, &min) == 2 &&
	    v->attach == BPF_LSM_CGROUP && maj < 6)
		return "cgroup BPF LSM programs came with 6.0";
	mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	fd = open("/sys/kernel/security/lsm", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return NULL;
	return "bpf is not an active security module here (/sys/kernel/security/lsm)";
}

/* Attach @v's program for @child's sends; the link's fd, or T_SKIP/fail. */
static int attach_for(struct t_ctx *t, const struct bpf_case *v, pid_t child,
		      int *link)
{
	static char log[16384];
	const char *missing = bpf_lsm_missing(v);
	char why[128];
	int id, prog, cg = -1;

	if (missing)
		return t_skip(t, "%s", missing);
	id = btf_func_id(v->func, why, sizeof(why));
	if (id < 0)
		return t_skip(t, "%s", why);
	prog = prog_load(v->type, v->attach, id, child, log, sizeof(log));
	if (prog < 0 && errno == EINVAL && strstr(log, "should have been in"))
		return t_skip(t, "the kernel refuses %s on %s that returns a count",
			      v->what, v->func);
	CHECK(t, prog >= 0, "load %s on %s: %s; %.400s", v->what, v->func,
	      strerror(errno), log);
	if (v->attach == BPF_LSM_CGROUP) {
		cg = cgroup_root();
		if (cg < 0) {
			close(prog);
			return t_skip(t, "no cgroup v2 here: %s", strerror(errno));
		}
	}
	*link = prog_attach(prog, cg);
	close(prog);
	if (cg >= 0)
		close(cg);
	if (*link < 0 && (errno == ENOTSUPP_KERNEL || errno == EOPNOTSUPP))
		return t_skip(t, "no BPF trampoline can attach to %s here (%s)",
			      v->func, strerror(errno));
	CHECK(t, *link >= 0, "attach %s to %s: %s", v->what, v->func,
	      strerror(errno));
	return 0;
}

static int t_lsm_bpf(struct t_ctx *t, struct t_fix *f)
{
	const struct bpf_case *v = &bpf_cases[f->variant];
	struct refused *c;
	int go[2], link = -1, ret;
	bool failed;
	char ctl[16] = { 0 }, says[160];
	pid_t pid;

	c = zc_req_map_shared(t, sizeof(*c), 4);
	if (!c)
		return -1;
	if (pipe(go)) {
		munmap(c, sizeof(*c));
		return t_fail(t, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (!pid) {
		char b;

		close(go[1]);
		if (read(go[0], &b, 1) != 1 || b != 'g')
			_exit(1);
		c->plain = send(f->p.tx, ctl, sizeof(ctl), MSG_DONTWAIT);
		c->plain_err = errno;
		c->snd = zc_send(&f->p, 100, 0, &c->r, NULL);
		c->snd_err = errno;
		_exit(0);
	}
	close(go[0]);
	ret = pid < 0 ? t_fail(t, "fork: %s", strerror(errno)) :
			attach_for(t, v, pid, &link);
	/* The child goes on either way: on a failed attach, to its exit. */
	if (pid > 0 && write(go[1], ret ? "x" : "g", 1) != 1 && !ret)
		ret = t_fail(t, "start the child: %s", strerror(errno));
	close(go[1]);
	if (pid > 0 && reap_within(pid, 10000) && !ret)
		ret = t_fail(t, "the refused child did not finish");
	if (link >= 0)
		close(link);	/* the program goes with its link */
	if (ret)
		goto out;
	if (c->plain != (v->read ? (ssize_t)sizeof(ctl) : 1)) {
		ret = t_fail(t, "%s on %s: the child's plain send returned %zd (%s), want %zu",
			     v->what, v->func, c->plain,
			     c->plain < 0 ? strerror(c->plain_err) : "sent",
			     v->read ? sizeof(ctl) : 1);
		goto out;
	}
	/* TCP up to 6.12 makes any control message's error EINVAL */
	failed = c->snd < 0 && (c->snd_err == EACCES ||
				(f->e->type == SOCK_STREAM && c->snd_err == EINVAL));
	if ((v->read ? !failed : c->snd != 1) || !zc_req_untouched(&c->r)) {
		ret = t_fail(t, "refused child's request: %zd (%s)%s, want %s, untouched",
			     c->snd, c->snd < 0 ? strerror(c->snd_err) : "returned",
			     zc_req_untouched(&c->r) ? "" : ", buffer answered",
			     !v->read ? "1" : f->e->type == SOCK_STREAM ?
			     "EACCES or EINVAL" : "EACCES");
		goto out;
	}
	/* The owner's own sends and completions go on as before. */
	snprintf(says, sizeof(says),
		 "%s on %s refused the child's %s with 1: not answered",
		 v->what, v->func, v->read ? "error-queue read" : "send");
	ret = expect_owner_keeps_all(t, f, 4, says);
out:
	munmap(c, sizeof(*c));
	return ret;
}

const struct t_case adv_lsm_bpf_cases[] = {
	PER_PROTO_FIX("adv_lsm_bpf_fmodret", t_lsm_bpf, &fix_empty, 0, 60),
	PER_PROTO_FIX("adv_lsm_bpf_lsm", t_lsm_bpf, &fix_empty, 1, 60),
	PER_PROTO_FIX("adv_lsm_bpf_cgroup", t_lsm_bpf, &fix_empty, 2, 60),
	PER_PROTO_FIX("adv_lsm_bpf_read", t_lsm_bpf, &fix_empty, 3, 60),
	{ NULL }
};
