#!/bin/bash
# make check-debug: the whole suite (with its short fuzz and soak) on a
# 6.1 kernel built from Debian's source with KASAN, lockdep,
# DEBUG_ATOMIC_SLEEP, KFENCE and KMEMLEAK (harness/debug-kernel.sh, cached).
# make check-debug-rt (check-debug.sh 6.12-rt): the same on a 6.12
# PREEMPT_RT kernel with those and PROVE_RAW_LOCK_NESTING.
# Any report of theirs fails dmesg_clean.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
bash "$TOP/harness/deps.sh"
stage_start
rel=$(bash "$TOP/harness/debug-kernel.sh" "${1:-6.1}") || { echo "not ok 1 - build debug kernel"; echo "0 passed, 1 failed"; exit 1; }
stage_end "debug kernel $rel"
# Debug kernels run several times slower: every case's deadline times 4.
# Without 5-level paging: with it (QEMU's "max" CPU has LA57), both debug
# kernels' KASAN reported a wild access in an interrupt during early
# boot, before any module (cpu_detect, handle_edge_irq: 2 of 8 boots).
KERNELS=$rel VM_MEM=${VM_MEM:-2G} VM_TIMEOUT=${VM_TIMEOUT:-3600} \
	TIMEOUT_SCALE=${TIMEOUT_SCALE:-4} QEMU_CPU=${QEMU_CPU:-max,la57=off} \
	bash "$TOP/harness/check.sh"
