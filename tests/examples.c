// SPDX-License-Identifier: GPL-2.0
/*
 * examples: the programs of examples/ (ring_sender.c, ring_sender.cpp),
 * built static as /bin/zcn_ring_c and /bin/zcn_ring_cpp, run as a user
 * runs them: fallback_example_* before the module is loaded (they must
 * fall back to the error queue), helper_example_* with it (they must use
 * the cmsg). Each must exit 0 after counting every send ID back exactly
 * once ("exact"), every byte received on TCP. The *_enobufs cases run
 * them with RLIMIT_MEMLOCK 0: every MSG_ZEROCOPY send fails with
 * ENOBUFS with nothing in flight, so they must send by copy, not hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/* Run @prog with @args (up to 7), its stdout into @out; exit status. */
static int run_prog(const char *prog, const char *const *args, char *out,
		    size_t len)
{
	const char *argv[10] = { prog };
	size_t got = 0;
	int fds[2], st, i;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i < 8; i++)
		argv[i + 1] = args[i];
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (got < len - 1 && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(fds[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int example_run(struct t_ctx *t, const struct t_env *e,
		       const char *prog, bool enobufs)
{
	const char *args[8];
	const char *want = zc_loaded() ? " via cmsg:" : " via errqueue:";
	char out[4096], flat[4096], *p;
	unsigned long messages = 400, nobufs = 0, copies = 0;
	int a = 0, rc;

	args[a++] = "-n";
	args[a++] = "400";
	if (e->type == SOCK_DGRAM)
		args[a++] = "-u";
	if (e->family == AF_INET6)
		args[a++] = "-6";
	if (enobufs) {
		args[a++] = "-m";
		args[a++] = "0";
	}
	args[a] = NULL;
	rc = run_prog(prog, args, out, sizeof(out));
	strcpy(flat, out);
	for (p = flat; (p = strchr(p, '\n')); )
		*p = '|';	/* one reason line */
	CHECK(t, rc == 0, "%s exited %d: %s", prog, rc, flat);
	CHECK(t, strstr(out, ": exact\n"), "%s: not exact: %s", prog, flat);
	CHECK(t, strstr(out, want), "%s did not run%s %s", prog, want, flat);
	p = strstr(out, " by copy, ");
	if (p) {
		while (p > out && p[-1] != ' ')
			p--;
		copies = strtoul(p, NULL, 10);
		nobufs = strtoul(strstr(p, " by copy, ") + 10, NULL, 10);
	}
	if (enobufs)
		CHECK(t, nobufs >= messages && copies >= messages,
		      "RLIMIT_MEMLOCK 0: %lu ENOBUFS, %lu sends by copy for %lu messages: %s",
		      nobufs, copies, messages, flat);
	else
		CHECK(t, !nobufs && !copies, "%lu ENOBUFS, %lu by copy: %s",
		      nobufs, copies, flat);
	for (p = out; *p; ) {		/* the figures, as notes */
		size_t n = strcspn(p, "\n");

		printf("# %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	return 0;
}

static int t_example_c(struct t_ctx *t, const struct t_env *e)
{
	return example_run(t, e, "/bin/zcn_ring_c", false);
}

static int t_example_cpp(struct t_ctx *t, const struct t_env *e)
{
	return example_run(t, e, "/bin/zcn_ring_cpp", false);
}

static int t_example_c_enobufs(struct t_ctx *t, const struct t_env *e)
{
	return example_run(t, e, "/bin/zcn_ring_c", true);
}

static int t_example_cpp_enobufs(struct t_ctx *t, const struct t_env *e)
{
	return example_run(t, e, "/bin/zcn_ring_cpp", true);
}

#define EXAMPLES(prefix)						\
	PER_PROTO(prefix "_example_c", t_example_c, 60),		\
	PER_PROTO(prefix "_example_cpp", t_example_cpp, 60),		\
	T_CASE(prefix "_example_c_enobufs_tcp4", t_example_c_enobufs,	\
	       AF_INET, SOCK_STREAM, 60),					\
	T_CASE(prefix "_example_c_enobufs_udp6", t_example_c_enobufs,	\
	       AF_INET6, SOCK_DGRAM, 60),					\
	T_CASE(prefix "_example_cpp_enobufs_tcp6", t_example_cpp_enobufs,	\
	       AF_INET6, SOCK_STREAM, 60),					\
	T_CASE(prefix "_example_cpp_enobufs_udp4", t_example_cpp_enobufs,	\
	       AF_INET, SOCK_DGRAM, 60)

/* Before the module is loaded. */
const struct t_case examples_absent_cases[] = {
	EXAMPLES("fallback"),
	{ NULL }
};

const struct t_case examples_cases[] = {
	EXAMPLES("helper"),
	{ NULL }
};
