#!/bin/bash
# make bench-contention: what the shared module reference costs two
# senders on two CPUs, on this machine's real CPUs (bench/contention.c;
# QEMU TCG models no caches, so the VMs cannot show it). Wall clock, REPS
# interleaved repetitions; knobs: ITER, WORK (private work between two
# get/put pairs, loop iterations), REPS.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
out=$BUILD/bench-contention
mkdir -p "$out"
bash "$TOP/harness/need.sh" gcc bc
gcc -std=c11 -Wall -Wextra -Werror -O2 -pthread -o "$out/contention" \
	"$TOP/bench/contention.c"
ITER=${ITER:-3000000}
REPS=${REPS:-3}
echo "# $(nproc) CPUs; ns per iteration (one get/put pair + WORK), wall clock"
echo "| work | rep | 1 private | 2 private | 1 shared | 2 shared | shared line costs (2 threads) |"
echo "|---|---|---|---|---|---|---|"
for w in ${WORK:-0 1000}; do
	for r in $(seq "$REPS"); do
		row=()
		for c in "1 private" "2 private" "1 shared" "2 shared"; do
			row+=("$("$out/contention" $c "$ITER" "$w" | awk '{ print $4 }')")
		done
		echo "| $w | $r | ${row[0]} | ${row[1]} | ${row[2]} | ${row[3]} |" \
			"$(echo "${row[3]} - ${row[1]}" | bc -l) ns |"
	done
done | tee "$out/report.md"
