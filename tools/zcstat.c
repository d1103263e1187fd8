// SPDX-License-Identifier: GPL-2.0
/*
 * zcstat - print zcnotify's counters like vmstat.
 *
 *   zcstat [INTERVAL [COUNT]]
 *
 * Without arguments: the totals since load. With an interval: one line of
 * per-interval differences every INTERVAL seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const names[] = {
	"requests", "ranges", "completions", "full", "einval", "efault",
	"norecord", "eintr",
};

#define N (sizeof(names) / sizeof(names[0]))

static int read_all(unsigned long long *v)
{
	char path[128];
	size_t i;

	for (i = 0; i < N; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/module/zcnotify/stats/%s",
			 names[i]);
		f = fopen(path, "r");
		if (!f)
			return -1;
		if (fscanf(f, "%llu", &v[i]) != 1)
			v[i] = 0;
		fclose(f);
	}
	return 0;
}

static void header(void)
{
	size_t i;

	for (i = 0; i < N; i++)
		printf("%12s", names[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	unsigned long long prev[N], cur[N];
	int interval = argc > 1 ? atoi(argv[1]) : 0;
	long count = argc > 2 ? atol(argv[2]) : -1;
	size_t i;

	if (read_all(cur)) {
		fprintf(stderr, "zcstat: zcnotify is not loaded\n");
		return 1;
	}
	header();
	for (i = 0; i < N; i++)
		printf("%12llu", cur[i]);
	printf("\n");
	while (interval > 0 && count--) {
		memcpy(prev, cur, sizeof(cur));
		sleep(interval);
		if (read_all(cur)) {
			fprintf(stderr, "zcstat: zcnotify was unloaded\n");
			return 1;
		}
		for (i = 0; i < N; i++)
			printf("%12llu", cur[i] - prev[i]);
		printf("\n");
	}
	return 0;
}
