#!/bin/bash
# make bench-icount: the benchmark counted in instructions instead of time.
# QEMU runs one vCPU with -icount shift=0,sleep=off, so guest time advances
# one nanosecond per executed instruction (sender, softirqs and all): the
# figures are instructions, deterministic, not TCG wall clock. Each kernel
# boots RUNS times (default 2) and the report prints every run and the
# spread between them.
# Knobs (environment): KERNELS, RUNS, SENDS, LANES, SIZE (for NS), INTERVALS, METHODS, NS
# (request sizes tried), OH_CALLS, THREADS (0: skip), TH_CALLS.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
KERNELS=${KERNELS:-6.1.0-56-amd64 6.12.117+deb12-amd64}
RUNS=${RUNS:-2}
out=$BUILD/bench-icount
mkdir -p "$out"
bash "$TOP/harness/deps.sh"
build_tests
gcc $CFLAGS_TEST -o "$BUILD/tests/zc_bench" "$TOP/bench/zc_bench.c" -luring
: >"$out/raw.txt"
for k in $KERNELS; do
	bench_root "$k" "$TOP/bench/vm-bench-icount.sh"
	root=$BUILD/$k/initramfs
	cat >"$root/bench.conf" <<CONF
SENDS=${SENDS:-3000}
SIZE=${SIZE:-4096}
LANES="${LANES:-dummy:udp4:4096 lo:tcp4:4096 lo:tcp4:65536:600}"
INTERVALS="${INTERVALS:-1 8 32 512}"
METHODS="${METHODS:-copy errqueue cmsg uring}"
NS="${NS:-1 2 4 16 64}"
OH_CALLS=${OH_CALLS:-5000}
THREADS=${THREADS:-20000}
WARMUP=${WARMUP:-120}
TH_CALLS=${TH_CALLS:-5000}
CONF
	pack_root "$k" "$BUILD/$k/icount.cpio.gz"
	for run in $(seq "$RUNS"); do
		stage_start
		ICOUNT=1 VM_MEM=${VM_MEM:-3G} bash "$TOP/harness/vm-run.sh" "$k" \
			"$BUILD/$k/icount.cpio.gz" "$BUILD/$k/icount-$run.log" 3000 zcmode=bench || true
		tr -d '\r' <"$BUILD/$k/icount-$run.log" | sed -n 's/^ZC: //p' |
			sed "s/^/kernel=$k run=$run /" >>"$out/raw.txt"
		stage_end "$k: instruction-count run $run"
	done
done
python3 "$TOP/bench/bench-icount-report.py" "$out/raw.txt" | tee "$out/report.md"
