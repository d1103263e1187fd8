// SPDX-License-Identifier: GPL-2.0
/*
 * zc_mark.c - run one function at a fixed address, so that
 * bench/qemu-insn-count.c, watching for it, closes a count there.
 * Linked static, without PIE, at an address nothing else uses
 * (bench/bench-where.sh).
 */
__attribute__((noinline, used)) void zc_mark(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	zc_mark();
	return 0;
}
