// SPDX-License-Identifier: GPL-2.0
/*
 * adv_reload: a call whose request was answered is never answered again,
 * whatever happens to the module meanwhile.
 *
 * A blocking TCP sendmsg() whose lone request was answered at entry (a
 * full answer: size 1 of 1, itself a valid request) blocks on a full
 * socket. Only the module instance that answered knows it did: a
 * reloaded one (rmmod && insmod, as a DKMS upgrade does) would let the
 * kernel restart the call after an SA_RESTART signal and parse the answer
 * as a new request, losing its completions. The contract: while such a
 * call is in the kernel the module is in use (rmmod is refused with
 * EAGAIN, as for any module in use); once the signal ends the call
 * (EINTR, the answer in the buffer) rmmod succeeds. Every send counter
 * value is reported exactly once.
 *
 * And a task killed while its answered call is blocked gives the module
 * back when it exits (adv_reload_killed); the kernel's unwinder traces
 * such a task to its system call's entry (adv_reload_unwind).
 *
 * The blocked child is fix_blocked_child's (tests/fixture.c).
 *
 * Module: zc_call_hold() and zc_call_release() in module/zc_hold.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proto_lib.h"
#include "cases.h"

/*
 * SIGUSR1 (SA_RESTART) to the blocked child, which must then return
 * EINTR with its answer, every completion arriving once; the child is
 * reaped either way.
 */
static int interrupt_blocked(struct t_ctx *t, struct t_fix *f)
{
	struct zc_blocked *b = f->b;

	kill(f->child, SIGUSR1);
	if (reap_within(f->child, 3000))
		return t_fail(t, "the answered call was restarted (still blocked 3 s after SIGUSR1)");
	f->child = -1;
	return expect_answered_eintr(t, &f->p, &f->l, &b->r, b->ret, b->err,
				     "interrupted answered send");
}

static int t_reload_blocked(struct t_ctx *t, struct t_fix *f)
{
	int unloaded = 0, refused_err = 0;

	if (f->b->ret || f->b->err)
		return t_fail(t, "the send did not block: %zd (%s)", f->b->ret,
			      strerror(f->b->err));
	/* An upgrade: unload and load again while the answered call waits. */
	if (!zc_unload("zcnotify")) {
		unloaded = 1;
		if (zc_load(f->e->ko, ""))
			return t_fail(t, "reload: %s", strerror(errno));
	} else {
		refused_err = errno;
	}
	if (interrupt_blocked(t, f))
		return -1;
	if (unloaded)
		return t_fail(t, "rmmod succeeded while an answered call was blocked");
	if (refused_err != EAGAIN && refused_err != EBUSY)
		return t_fail(t, "rmmod with an answered call blocked: %s, want EAGAIN",
			      strerror(refused_err));
	/* The call is over: the module is free to go, and comes back. */
	if (zc_unload("zcnotify") || zc_load(f->e->ko, ""))
		return t_fail(t, "reload after the call returned: %s", strerror(errno));
	return 0;
}

static int t_reload_killed(struct t_ctx *t, struct t_fix *f)
{
	int got, i;

	kill(f->child, SIGKILL);
	waitpid(f->child, NULL, 0);
	f->child = -1;
	/* The answer is in shared memory: its completions are still ours. */
	got = zc_req_collect(t, &f->b->r, &f->l);
	if (got == -2)
		t_fail(t, "the killed call's request not processed");
	if (got < 0 || zc_settle(t, &f->p, &f->l, false, 10000) ||
	    zc_ledger_verify(t, &f->l))
		return -1;
	/* Its exit gave the module back (RCU may take a moment). */
	for (i = 0; i < 100 && zc_unload("zcnotify"); i++)
		usleep(10000);
	if (i == 100)
		return t_fail(t, "rmmod after the killed task exited: %s", strerror(errno));
	if (zc_load(f->e->ko, ""))
		return t_fail(t, "load: %s", strerror(errno));
	return 0;
}

/*
 * The kernel's unwinder walks a task blocked in an answered call through
 * the module's frames to the system call's entry: on x86-64 the call runs
 * from the direct-call trampoline, whose frame must not send the unwinder
 * the wrong way (an ORC trace from a KASAN kernel's ___sys_sendmsg() did;
 * zc_direct_x86.c). /proc/PID/stack is that unwinder's trace.
 */
static int t_reload_unwind(struct t_ctx *t, struct t_fix *f)
{
	static const char *const entry[] = { "do_syscall_64", "el0_svc" };
	char path[64], trace[8192] = "";
	unsigned int i;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)f->child);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, trace, sizeof(trace) - 1);
		close(fd);
	}
	trace[n > 0 ? n : 0] = 0;
	if (interrupt_blocked(t, f))
		return -1;
	if (n <= 0) {	/* no CONFIG_STACKTRACE: nothing to look at */
		printf("# %s unreadable (%s)\n", path, strerror(errno));
		return 0;
	}
	for (i = 0; i < sizeof(entry) / sizeof(entry[0]); i++)
		if (strstr(trace, entry[i]))
			break;
	if (i == sizeof(entry) / sizeof(entry[0])) {
		char *line, *save = NULL;

		for (line = strtok_r(trace, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("# stack: %s\n", line);
		return t_fail(t, "the blocked call's stack (above) stops short of the system call entry");
	}
	/* Where the call runs from the module's trampoline, say so. */
	if (strstr(trace, "zc_sendmsg_tramp"))
		printf("# the blocked call runs from zc_sendmsg_tramp; its stack reaches %s\n",
		       entry[i]);
	return 0;
}

const struct t_case adv_reload_cases[] = {
	T_FIX_TCP("adv_reload_blocked", t_reload_blocked, &fix_blocked_child, 0, 60),
	T_FIX_TCP("adv_reload_unwind", t_reload_unwind, &fix_blocked_child, 0, 60),
	T_FIX("adv_reload_killed_tcp4", t_reload_killed, &fix_blocked_child, 0,
	      AF_INET, SOCK_STREAM, 60),
	{ NULL }
};
