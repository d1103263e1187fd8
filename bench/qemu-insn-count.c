// SPDX-License-Identifier: GPL-2.0
/*
 * qemu-insn-count.c - a QEMU TCG plugin: how many instructions the guest
 * executed at each address, between two marks.
 *
 * Every translated block gets an inline counter (no callback on the hot
 * path); a block's instructions are its count times its length. When the
 * guest runs the mark (a block starting at mark=ADDR, a function of
 * bench/zc_mark.c linked at a fixed address), the totals since the last
 * mark are written to out=PREFIX.N (one "vaddr insns" line per block
 * start address that ran), N = 0, 1, ..., and start again from zero.
 * bench/bench-where.sh maps the addresses to the guest's symbols.
 *
 * Written against QEMU's plugin API version 1 (QEMU 7.2, Debian bookworm,
 * which builds with plugins but ships no qemu-plugin.h): the few
 * declarations it needs are below.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb_t)(qemu_plugin_id_t id, void *userdata);
enum { QEMU_PLUGIN_CB_NO_REGS };
enum { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  vcpu_udata_cb_t cb, int flags,
					  void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      int op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb,
				    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

EXPORT int qemu_plugin_version = 1;

/* One translation of a block: blocks are translated again, so many per address. */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t count;		/* the inline counter */
	struct block *next;
};

static struct block *blocks;
static uint64_t mark;
static const char *prefix = "insn-count";
static unsigned int dumps;

struct total {
	uint64_t vaddr, insns;
};

static int by_vaddr(const void *a, const void *b)
{
	const struct total *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* The totals since the last mark, one line per address, then zero. */
static void dump(void)
{
	size_t n = 0, i, j;
	struct total *t;
	struct block *b;
	char path[4096];
	FILE *f;

	for (b = blocks; b; b = b->next)
		n += b->count != 0;
	t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		abort();
	for (i = 0, b = blocks; b; b = b->next) {
		if (!b->count)
			continue;
		t[i].vaddr = b->vaddr;
		t[i++].insns = b->count * b->insns;
		b->count = 0;
	}
	qsort(t, n, sizeof(*t), by_vaddr);
	snprintf(path, sizeof(path), "%s.%u", prefix, dumps++);
	f = fopen(path, "w");
	if (!f)
		abort();
	for (i = 0; i < n; i = j) {
		uint64_t sum = 0;

		for (j = i; j < n && t[j].vaddr == t[i].vaddr; j++)
			sum += t[j].insns;
		fprintf(f, "%" PRIx64 " %" PRIu64 "\n", t[i].vaddr, sum);
	}
	fclose(f);
	free(t);
}

static void at_mark(unsigned int vcpu, void *userdata)
{
	(void)vcpu;
	(void)userdata;
	dump();
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));

	(void)id;
	if (!b)
		abort();
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->count, 1);
	if (mark && b->vaddr == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, at_mark,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	(void)id;
	(void)userdata;
	dump();
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
			       const struct qemu_info_t *info, int argc,
			       char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			prefix = argv[i] + 4;
		else
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
