#!/bin/bash
# make bench: run bench/zc_bench.c on stock kernels under QEMU and report
# one table per kernel (ratios to the classic MSG_ERRQUEUE method), plus
# build/bench/bench.csv and build/bench/ratios.svg.
# Knobs (environment): KERNELS, REPS, SENDS, SIZES, INTERVALS, OH_REPS.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
KERNELS=${KERNELS:-$DEFAULT_KERNELS}
out=$BUILD/bench
mkdir -p "$out"
bash "$TOP/harness/deps.sh"
build_tests
gcc $CFLAGS_TEST -o "$BUILD/tests/zc_bench" "$TOP/bench/zc_bench.c" -luring
: >"$out/raw.txt"
for k in $KERNELS; do
	stage_start
	bench_root "$k" "$TOP/bench/vm-bench.sh"
	root=$BUILD/$k/initramfs
	cat >"$root/bench.conf" <<CONF
REPS=${REPS:-3}
SENDS=${SENDS:-20000}
SIZES="${SIZES:-4096}"
INTERVALS="${INTERVALS:-1 8 32}"
METHODS="copy errqueue cmsg uring"
LANES="lo:tcp4 lo:udp4 lo:tcp6 lo:udp6 dummy:udp4"
OH_REPS=${OH_REPS:-6}
OH_CALLS=${OH_CALLS:-40000}
CONF
	pack_root "$k" "$BUILD/$k/bench.cpio.gz"
	bash "$TOP/harness/vm-run.sh" "$k" "$BUILD/$k/bench.cpio.gz" \
		"$BUILD/$k/bench.log" 3000 zcmode=bench || true
	tr -d '\r' <"$BUILD/$k/bench.log" | sed -n 's/^ZC: //p' |
		sed "s/^/kernel=$k /" >>"$out/raw.txt"
	stage_end "$k: bench"
done
python3 "$TOP/bench/bench-report.py" "$out/raw.txt" "$out"
