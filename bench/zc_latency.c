// SPDX-License-Identifier: GPL-2.0
/*
 * zc_latency.c - the worst cases for the module's ftrace callbacks, run
 * against a measuring build (ZC_LATENCY=y: /sys/module/zcnotify/latency/)
 * inside make bench-latency's VM.
 *
 *   zc_latency SCENARIO SENDS
 *
 * UDP over IPv4 to 10.9.0.2 on dummy0 (bench/guest-net.sh), 4 KiB
 * MSG_ZEROCOPY sends, a 1 ms SA_RESTART interval timer throughout (so the
 * restart hook runs too). Scenarios, each the longest work of one kind
 * that a caller can put into the ____sys_sendmsg() entry callback:
 *   lone1     every send a lone request of one element (answered there)
 *   lone64    SO_TIMESTAMPING on: 64 sends leave 64 timestamps and 64
 *             completions interleaved on the error queue, then a lone
 *             request of 64 elements takes 64 and skips 64 (the bound)
 *   hdrs8     7 IP_TTL headers and the request: the whole bounded walk
 *   hdrsmany  16 KiB of IP_TTL headers and the request: the walk stops
 *             at its bound, the parse walks the rest
 *   absent    the lone request in a MAP_SHARED page dropped before every
 *             send (MADV_DONTNEED): the nofault read fails at once
 *   mmsg      sendmmsg() of 256 messages, each with a lone request
 * Before the scenario the latency files are reset; after it the error
 * queue is drained and every send counter value must have come back
 * exactly once (through an answer or the queue), else exit 1. Prints
 *   LAT scenario=S point=P calls=N mean_ns=M max_ns=X off_calls=N off_max_ns=X
 *       (off_*: preemption disabled; -1 where the kernel cannot tell)
 *   LATSUM scenario=S sends=N completions=N answered=N ranges=N missing=N
 *          duplicated=N (answered: answers with ranges; ranges: theirs)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/zcnotify.h>

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif

#define PAYLOAD 4096
#define MMSG 256
#define MANY_CTL (16 * 1024)
#define LAT_DIR "/sys/module/zcnotify/latency/"

static const char *const points[] = { "entry", "restart" };
static char payload[PAYLOAD];
static uint8_t *seen;		/* per send counter value: times reported */
static long sends, completions, answered, ranges, dup_ids;
static int fd;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void count(uint32_t lo, uint32_t hi)
{
	for (uint32_t id = lo;; id++) {
		if (id < (uint32_t)sends && seen[id]++)
			dup_ids++;
		completions++;
		if (id == hi)
			break;
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A control buffer of @hdrs IP_TTL headers, then a request for @n. */
static size_t build_ctl(char *ctl, size_t room, int hdrs, uint32_t n,
			struct zc_info **zi)
{
	size_t len = (size_t)hdrs * CMSG_SPACE(sizeof(int)) +
		     CMSG_SPACE(ZC_INFO_SIZE(n));
	struct msghdr m = { .msg_control = ctl, .msg_controllen = len };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int ttl = 64;

	if (len > room)
		die("control buffer room");
	memset(ctl, 0, len);
	for (int i = 0; i < hdrs; i++, c = CMSG_NXTHDR(&m, c)) {
		c->cmsg_level = SOL_IP;
		c->cmsg_type = IP_TTL;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &ttl, sizeof(ttl));
	}
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_ZC_NOTIFICATION;
	c->cmsg_len = CMSG_LEN(ZC_INFO_SIZE(n));
	*zi = (struct zc_info *)CMSG_DATA(c);
	(*zi)->size = n;
	return len;
}

static void take_answer(struct zc_info *zi, uint32_t n)
{
	if (zi->size > n) {
		fprintf(stderr, "answer size %u > %u\n", zi->size, n);
		exit(1);
	}
	for (uint32_t i = 0; i < zi->size; i++)
		count(zi->arr[i].lo, zi->arr[i].hi);
	ranges += zi->size;
	if (zi->size)
		answered++;
	zi->size = n;
}

/* Read the error queue dry: completions counted, timestamps dropped. */
static void drain(void)
{
	char ctl[256];

	for (;;) {
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR)
				continue;
			die("recvmsg(MSG_ERRQUEUE)");
		}
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err *ee = (void *)CMSG_DATA(c);

			if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) &&
			    ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY)
				count(ee->ee_info, ee->ee_data);
		}
	}
}

static void send_one(struct msghdr *m)
{
	m->msg_iov->iov_base = payload;
	m->msg_iov->iov_len = PAYLOAD;
	while (sendmsg(fd, m, MSG_ZEROCOPY) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {	/* optmem: read the queue, again */
			drain();
			continue;
		}
		die("sendmsg");
	}
	sends++;
}

static void run_requests(long n_sends, int hdrs, char *ctl, size_t room)
{
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct zc_info *zi;

	m.msg_controllen = build_ctl(ctl, room, hdrs, 1, &zi);
	m.msg_control = ctl;
	for (long i = 0; i < n_sends; i++) {
		send_one(&m);
		take_answer(zi, 1);
	}
}

static void run_lone64(long n_sends)
{
	int ts = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		 SOF_TIMESTAMPING_OPT_TSONLY;
	char ctl[CMSG_SPACE(ZC_INFO_SIZE(ZC_NOTIFICATION_MAX))];
	struct iovec iov;
	struct msghdr plain = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct msghdr req = plain;
	struct zc_info *zi;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts)))
		die("SO_TIMESTAMPING");
	req.msg_control = ctl;
	req.msg_controllen = build_ctl(ctl, sizeof(ctl), 0,
				       ZC_NOTIFICATION_MAX, &zi);
	while (sends < n_sends) {
		for (int i = 0; i < ZC_NOTIFICATION_MAX; i++)
			send_one(&plain);
		send_one(&req);
		take_answer(zi, ZC_NOTIFICATION_MAX);
		drain();
	}
}

static void run_absent(long n_sends)
{
	long pg = sysconf(_SC_PAGESIZE);
	int mfd = memfd_create("zc_latency", 0);
	char *ctl;

	if (mfd < 0 || ftruncate(mfd, pg))
		die("memfd");
	ctl = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (ctl == MAP_FAILED)
		die("mmap");
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl };
	struct zc_info *zi;

	m.msg_controllen = build_ctl(ctl, pg, 0, 1, &zi);
	for (long i = 0; i < n_sends; i++) {
		if (madvise(ctl, pg, MADV_DONTNEED))
			die("madvise");
		send_one(&m);
		take_answer(zi, 1);
	}
}

static void run_mmsg(long n_sends)
{
	static char ctl[MMSG][CMSG_SPACE(ZC_INFO_SIZE(1))];
	static struct mmsghdr mm[MMSG];
	static struct iovec iov[MMSG];
	struct zc_info *zi[MMSG];

	for (int i = 0; i < MMSG; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = PAYLOAD;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i];
		mm[i].msg_hdr.msg_controllen = build_ctl(ctl[i], sizeof(ctl[i]),
							 0, 1, &zi[i]);
	}
	while (sends < n_sends) {
		int r = sendmmsg(fd, mm, MMSG, MSG_ZEROCOPY);

		if (r < 0 && (errno == EINTR || errno == ENOBUFS)) {
			drain();
			continue;
		}
		if (r <= 0)
			die("sendmmsg");
		sends += r;
		for (int i = 0; i < r; i++)
			take_answer(zi[i], 1);
	}
}

static void lat_write(const char *p)
{
	char path[128];
	int f;

	snprintf(path, sizeof(path), LAT_DIR "%s", p);
	f = open(path, O_WRONLY);
	if (f < 0 || write(f, "0\n", 2) != 2)
		die(path);
	close(f);
}

static void lat_print(const char *scenario, const char *p)
{
	long long calls, sum, max, ocalls, osum, omax;
	int known;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), LAT_DIR "%s", p);
	f = fopen(path, "r");
	if (!f || fscanf(f, "n=%lld sum=%lld max=%lld off_n=%lld off_sum=%lld off_max=%lld off_known=%d",
			 &calls, &sum, &max, &ocalls, &osum, &omax, &known) != 7)
		die(path);
	fclose(f);
	if (!known)		/* no PREEMPT_COUNT: the kernel cannot tell */
		ocalls = omax = -1;
	printf("LAT scenario=%s point=%s calls=%lld mean_ns=%lld max_ns=%lld off_calls=%lld off_max_ns=%lld\n",
	       scenario, p, calls, calls ? sum / calls : 0, max, ocalls, omax);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	static char many[MANY_CTL + 512];
	char ctl8[512];
	const char *s;
	long n, missing = 0;
	int one = 1;

	if (argc != 3)
		return fprintf(stderr, "usage: zc_latency SCENARIO SENDS\n"), 2;
	s = argv[1];
	n = atol(argv[2]);
	seen = calloc(n + MMSG, 1);
	inet_pton(AF_INET, "10.9.0.2", &a.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("socket");
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		lat_write(points[i]);
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	if (!strcmp(s, "lone1"))
		run_requests(n, 0, ctl8, sizeof(ctl8));
	else if (!strcmp(s, "lone64"))
		run_lone64(n);
	else if (!strcmp(s, "hdrs8"))
		run_requests(n, 7, ctl8, sizeof(ctl8));
	else if (!strcmp(s, "hdrsmany"))
		run_requests(n, MANY_CTL / CMSG_SPACE(sizeof(int)), many,
			     sizeof(many));
	else if (!strcmp(s, "absent"))
		run_absent(n);
	else if (!strcmp(s, "mmsg"))
		run_mmsg(n);
	else
		return fprintf(stderr, "zc_latency: no scenario %s\n", s), 2;
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		lat_print(s, points[i]);
	/* Every send completes on dummy0: wait for the last ones. */
	for (int tries = 0; tries < 200 && completions < sends; tries++) {
		drain();
		if (completions < sends)
			usleep(10000);
	}
	for (long id = 0; id < sends; id++)
		missing += !seen[id];
	printf("LATSUM scenario=%s sends=%ld completions=%ld answered=%ld ranges=%ld missing=%ld duplicated=%ld\n",
	       s, sends, completions, answered, ranges, missing, dup_ids);
	return missing || dup_ids || completions != sends;
}
