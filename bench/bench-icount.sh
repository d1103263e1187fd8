#!/bin/bash
# make bench-icount: the benchmark counted in instructions instead of time.
# QEMU runs one vCPU with -icount shift=0,sleep=off, so guest time advances
# one nanosecond per executed instruction (sender, softirqs and all): the
# figures are instructions, deterministic, not TCG wall clock. Each kernel
# boots RUNS times (default 2) and the report prints every run and the
# spread between them. (make bench runs the same lane, shorter, and puts
# its figures into bench.csv and ratios.svg.)
# Knobs (environment): KERNELS, RUNS, SENDS, LANES, SIZE (for NS), INTERVALS, METHODS
# (preload: zc_bench's errqueue program under libzcnotify-preload.so; cmsg_mixed: the
# request after an SO_TIMESTAMPING cmsg, answered at the parse), PRELOAD_INTERVALS
# (the intervals the preload method runs at; default 1), NS
# (request sizes tried; 0: none), OH_CALLS, THREADS (0: skip), TH_CALLS.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$TOP/bench/lib.sh"
KERNELS=${KERNELS:-6.1.0-56-amd64 6.12.117+deb12-amd64}
RUNS=${RUNS:-2}
out=$BUILD/bench-icount
mkdir -p "$out"
bench_prepare
: >"$out/raw.txt"
for k in $KERNELS; do
	bench_root "$k" "$TOP/bench/guest-bench-icount.sh"
	icount_lane "$k" "$RUNS" "$out/raw.txt"
done
python3 "$TOP/bench/bench-icount-report.py" "$out/raw.txt" | tee "$out/report.md"
