#!/bin/bash
# make bench: run bench/zc_bench.c on stock kernels under QEMU, two lanes
# per kernel, and report both in one set of tables, build/bench/bench.csv
# and build/bench/ratios.svg:
#  - wall clock (KVM where harness/kvm-probe.sh finds that /dev/kvm boots
#    a stock kernel, plain TCG otherwise; two vCPUs): throughput of each method
#    relative to the classic MSG_ERRQUEUE one, plain sendmsg() with the
#    module loaded vs not;
#  - instructions (QEMU -icount shift=0, one vCPU, deterministic: the lane
#    of make bench-icount, shorter, without its request-size and thread
#    studies): instructions per send, and the recovery of the reaping cost.
# Knobs (environment): KERNELS; TCG wall clock: REPS, SENDS, SIZES,
# INTERVALS, METHODS, LANES, OH_REPS, OH_CALLS; instructions: ICOUNT_RUNS
# (boots per kernel, default 1; 0: none), ICOUNT_SENDS (default 3000, as
# make bench-icount's: the TCP figures depend on it), ICOUNT_LANES,
# ICOUNT_INTERVALS (default "1 8 32 512"; the recovery needs 1 and 512).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$TOP/bench/lib.sh"
KERNELS=${KERNELS:-$DEFAULT_KERNELS}
out=$BUILD/bench
mkdir -p "$out"
bench_prepare
# The wall-clock lane uses KVM where /dev/kvm boots a stock kernel (probed
# once per host kernel, cached); the instruction lane is TCG by nature.
accel=$(bash "$TOP/harness/kvm-probe.sh")
echo "# wall-clock lane: $accel"
: >"$out/raw.txt"
: >"$out/raw-icount.txt"
for k in $KERNELS; do
	stage_start
	bench_root "$k" "$TOP/bench/guest-bench.sh"
	bench_guest "$k" "$TOP/bench/guest-bench.sh"
	bench_conf "$BUILD/$k/initramfs/bench.conf" REPS=3 SENDS=20000 SIZES=4096 "INTERVALS=1 8 32" \
		"METHODS=copy errqueue cmsg uring" "LANES=lo:tcp4 lo:udp4 lo:tcp6 lo:udp6 dummy:udp4" \
		OH_REPS=6 OH_CALLS=40000
	pack_root "$k" "$BUILD/$k/bench.cpio.gz"
	ACCEL=$accel bash "$TOP/harness/qemu-boot.sh" "$k" "$BUILD/$k/bench.cpio.gz" \
		"$BUILD/$k/bench.log" 3000 zcmode=bench || true
	tr -d '\r' <"$BUILD/$k/bench.log" | sed -n 's/^ZC: //p' |
		sed "s/^/kernel=$k /" >>"$out/raw.txt"
	stage_end "$k: bench, $accel wall clock"
	# The same module build and initramfs tree, the instruction-count lane.
	SENDS=${ICOUNT_SENDS:-} LANES=${ICOUNT_LANES:-} INTERVALS=${ICOUNT_INTERVALS:-} \
		METHODS='' PRELOAD_INTERVALS=0 NS=0 THREADS=0 OH_CALLS='' WARMUP='' TH_CALLS='' \
		icount_lane "$k" "${ICOUNT_RUNS:-1}" "$out/raw-icount.txt"
done
WALL_ACCEL=$accel python3 "$TOP/bench/bench-report.py" "$out/raw.txt" "$out" "$out/raw-icount.txt"
