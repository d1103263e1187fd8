// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of zcn.h's copy of the kernel's answer: the answered
 * size is clamped to the capacity the helper asked for (an answer of
 * 1000 ranges for a request of 4 must not write past z.ranges), and the
 * completed-ID count that zcn_in_flight() uses follows the ranges.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <zcnotify/zcn.h>

static int passed, failed;

static void expect(const char *name, unsigned long got, unsigned long want)
{
	if (got == want) {
		passed++;
		printf("ok - answer_%s\n", name);
	} else {
		failed++;
		printf("not ok - answer_%s # %lu, want %lu\n", name, got, want);
	}
}

int main(void)
{
	static struct {
		struct zcn z;
	} s;
	union {
		struct zc_info zi;
		char buf[ZC_INFO_SIZE(ZC_NOTIFICATION_MAX) + 64];
	} a;
	uint32_t i;

	memset(&s, 0, sizeof(s));
	s.z.n = 4;
	memset(&a, 0, sizeof(a));
	a.zi.size = 1000;	/* more than asked for, more than the array */
	for (i = 0; i < ZC_NOTIFICATION_MAX; i++) {
		a.zi.arr[i].lo = 10 * i;
		a.zi.arr[i].hi = 10 * i + 9;
		a.zi.arr[i].zerocopy = 1;
	}
	zcn_take_answer(&s.z, &a.zi);
	expect("clamped_to_request", s.z.nranges, 4);
	expect("last_range_kept", s.z.ranges[3].hi, 39);
	expect("completed_counted", s.z.completed, 40);
	s.z.next_id = 45;
	expect("in_flight", zcn_in_flight(&s.z), 5);
	expect("nothing_past_the_request", s.z.ranges[4].hi, 0);
	expect("others_untouched", s.z.nothers, 0);
	s.z.nranges = 0;
	a.zi.size = 2;
	zcn_take_answer(&s.z, &a.zi);
	expect("smaller_answer", s.z.nranges, 2);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
