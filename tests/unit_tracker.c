// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the zcn.h tracker: order, overlap, 32-bit wrap,
 * ranges of 2^31 IDs and more.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <zcnotify/zcn.h>

struct u_ctx {
	int passed, failed;
};

static void expect(struct u_ctx *u, const char *name, uint32_t got,
		   uint32_t want)
{
	if (got == want) {
		u->passed++;
		printf("ok - tracker_%s\n", name);
	} else {
		u->failed++;
		printf("not ok - tracker_%s # next %u, want %u\n", name, got, want);
	}
}

int main(void)
{
	struct u_ctx u = { 0, 0 };
	struct zcn_tracker t;
	uint32_t i, base = 0xfffffff0u;

	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 0, 4);
	zcn_tracker_add(&t, 5, 5);
	expect(&u, "in_order", zcn_tracker_next(&t), 6);

	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 10, 19);
	zcn_tracker_add(&t, 5, 9);
	expect(&u, "gap_waits", zcn_tracker_next(&t), 0);
	zcn_tracker_add(&t, 0, 4);
	expect(&u, "gap_filled", zcn_tracker_next(&t), 20);

	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 0, 9);
	zcn_tracker_add(&t, 3, 5);	/* already covered */
	expect(&u, "duplicate_ignored", zcn_tracker_next(&t), 10);

	zcn_tracker_init(&t, base);
	zcn_tracker_add(&t, base, base + 0x1f);		/* wraps through 0 */
	expect(&u, "range_wraps", zcn_tracker_next(&t), base + 0x20);

	zcn_tracker_init(&t, base);
	zcn_tracker_add(&t, 0, 7);			/* after the wrap */
	zcn_tracker_add(&t, base + 8, 0xffffffffu);
	expect(&u, "wrap_out_of_order_waits", zcn_tracker_next(&t), base);
	zcn_tracker_add(&t, base, base + 7);
	expect(&u, "wrap_out_of_order_folds", zcn_tracker_next(&t), 8);
	expect(&u, "done_before_wrap", zcn_tracker_done(&t, 0xfffffffeu), 1);
	expect(&u, "done_after_wrap", zcn_tracker_done(&t, 7), 1);
	expect(&u, "not_done", zcn_tracker_done(&t, 8), 0);

	/* Every single id in reverse order, across the wrap. */
	zcn_tracker_init(&t, base);
	for (i = 40; i > 0; i--)
		if (zcn_tracker_add(&t, base + i - 1, base + i - 1) && i > 1)
			break;
	expect(&u, "reverse_singles", zcn_tracker_next(&t),
	       i ? base : base + 40);

	/*
	 * Ranges of 2^31 IDs and more (the kernel merges up to 2^32 - 1):
	 * an int32 comparison took them for ranges behind next.
	 */
	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 0, 0x80000000u);
	expect(&u, "range_2e31_plus_1", zcn_tracker_next(&t), 0x80000001u);
	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 0, 0xfffffffeu);
	expect(&u, "range_2e32_minus_1", zcn_tracker_next(&t), 0xffffffffu);
	zcn_tracker_init(&t, 7);
	zcn_tracker_add(&t, 7, 6 + 0x90000000u);
	expect(&u, "range_2e31_from_7", zcn_tracker_next(&t), 7 + 0x90000000u);
	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 0, 0x80000000u);
	zcn_tracker_add(&t, 0x80000003u, 0x80000005u);	/* waits */
	zcn_tracker_add(&t, 0x80000001u, 0x80000002u);
	expect(&u, "range_2e31_then_gap", zcn_tracker_next(&t), 0x80000006u);
	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 5, 9);			/* both wait, then */
	zcn_tracker_add(&t, 0x10, 0x12);		/* are covered */
	zcn_tracker_add(&t, 0, 0x8fffffffu);
	expect(&u, "range_2e31_absorbs", zcn_tracker_next(&t), 0x90000000u);
	expect(&u, "range_2e31_absorbs_empty", t.n, 0);
	zcn_tracker_init(&t, 0);
	zcn_tracker_add(&t, 10, 10 + 0x80000000u);	/* ahead: a gap of 10 */
	expect(&u, "range_2e31_ahead_waits", zcn_tracker_next(&t), 0);
	zcn_tracker_add(&t, 0, 9);
	expect(&u, "range_2e31_ahead_folds", zcn_tracker_next(&t), 11 + 0x80000000u);

	printf("%d passed, %d failed\n", u.passed, u.failed);
	return u.failed ? 1 : 0;
}
