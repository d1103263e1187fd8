// SPDX-License-Identifier: GPL-2.0
/*
 * zc_test - zcnotify functional tests, run inside the test VM.
 *
 *   zc_test list                 names of all tests make check runs
 *   zc_test run NAME... [-- KO [OWNER_KO]]
 *                                NAME: a glob of those, or the exact name
 *                                of a lane's case (lane_tables)
 *
 * Each test runs in its own child process under a deadline and prints
 * "ok - NAME" or "not ok - NAME # reason". KO is the zcnotify module for
 * the tests that load and unload it; OWNER_KO a module that owns
 * __sock_cmsg_send with IPMODIFY.
 *
 * This file is only the runner. The cases live in one file per contract
 * area, each with its table (see cases.h): protocol.c, invalid_input.c,
 * errors.c, helper.c, examples.c, module_control.c, unload.c, and adv_*.c for the
 * adversarial ones, one contract point per file.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/*
 * Every table of cases, in the order "zc_test list" prints them; each
 * ends with a NULL name. The cases that need the module absent come
 * first: the VM's /init runs them before it loads the module.
 */
static const struct t_case *const tables[] = {
	protocol_absent_cases,
	helper_absent_cases,
	examples_absent_cases,
	module_control_cases,
	protocol_cases,
	answer_returned_cases,
	helper_cases,
	examples_cases,
	invalid_input_cases,
	errors_cases,
	unload_cases,
	adv_stale_cases,
	adv_shared_buffer_cases,
	adv_restart_cases,
	adv_partial_write_cases,
	adv_uffd_cases,
	adv_io_uring_cases,
	adv_sendmmsg_partial_cases,
	adv_helper_silent_cases,
	adv_alias_cases,
	adv_reload_cases,
	adv_page_absent_cases,
	adv_rt_unload_cases,
	adv_tracer_shared_cases,
	adv_lsm_cases,
	adv_lsm_bpf_cases,
	preload_absent_cases,
	preload_cases,
};

/*
 * Cases that a lane outside make check runs, by their exact name, in what
 * it sets up (make check-dkms: upgrade_traffic during a package upgrade).
 * Not in "zc_test list": make check does not expect them.
 */
static const struct t_case *const lane_tables[] = {
	unload_lane_cases,
};

#define for_each_case_in(c, ti, tab)					\
	for ((ti) = 0; (ti) < sizeof(tab) / sizeof((tab)[0]); (ti)++)	\
		for ((c) = (tab)[ti]; (c)->name; (c)++)
#define for_each_case(c, ti) for_each_case_in(c, ti, tables)

/* The 32-bit build reports its results under names ending in _m32. */
static const char *abi_suffix(void)
{
	return sizeof(long) == 4 ? "_m32" : "";
}

/*
 * $ZC_TIMEOUT_SCALE (1 to 20, default 1) multiplies every case's deadline:
 * the debug lanes' kernels (KASAN, lockdep) run several times slower.
 */
static unsigned int timeout_scale(void)
{
	const char *v = getenv("ZC_TIMEOUT_SCALE");
	int n = v ? atoi(v) : 1;

	return n >= 1 && n <= 20 ? (unsigned int)n : 1;
}

static int run_one(const struct t_case *c, struct t_env *env)
{
	struct t_ctx t = { .why = "" };
	int status, fds[2], ret;
	pid_t pid;
	char why[sizeof(t.why)] = "";
	ssize_t n;

	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		alarm(c->timeout_s * timeout_scale());
		env->family = c->family;
		env->type = c->type;
		ret = c->fn ? c->fn(&t, env) : fixture_run(&t, c, env);
		if (ret) {
			if (!t.why[0])
				strcpy(t.why, "failed");
			n = write(fds[1], t.why, strlen(t.why));
			_exit(n < 0 ? 2 : ret == T_SKIP ? 3 : 1);
		}
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], why, sizeof(why) - 1);
	why[n > 0 ? n : 0] = 0;
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		printf("ok - %s%s\n", c->name, abi_suffix());
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		printf("ok - %s%s # SKIP %s\n", c->name, abi_suffix(), why);
		return 0;
	}
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d%s",
			 WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? " (deadline)" : "");
	printf("not ok - %s%s # %s\n", c->name, abi_suffix(), why);
	return 1;
}

int main(int argc, char **argv)
{
	struct t_env env = { 0 };
	const struct t_case *c;
	size_t ti;
	int a, end = argc, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "list")) {
		for_each_case(c, ti) {
			bool match = argc == 2;

			for (a = 2; a < argc; a++)
				match |= !fnmatch(argv[a], c->name, 0);
			if (match)
				printf("%s%s\n", c->name, abi_suffix());
		}
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: %s list | run NAME... [-- KO OWNER_KO]\n",
			argv[0]);
		return 2;
	}
	for (a = 2; a < argc; a++)
		if (!strcmp(argv[a], "--")) {
			end = a;
			env.ko = a + 1 < argc ? argv[a + 1] : NULL;
			env.owner_ko = a + 2 < argc ? argv[a + 2] : NULL;
		}
	for (a = 2; a < end; a++) {
		bool found = false;

		for_each_case(c, ti) {
			if (!fnmatch(argv[a], c->name, 0)) {
				found = true;
				failed += run_one(c, &env);
			}
		}
		for_each_case_in(c, ti, lane_tables) {
			if (!found && !strcmp(argv[a], c->name)) {
				found = true;
				failed += run_one(c, &env);
			}
		}
		if (!found) {
			printf("not ok - %s # no such test\n", argv[a]);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
