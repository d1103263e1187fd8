#!/bin/bash
# make bench-latency: how long the module's ftrace callbacks run, worst
# cases driven on purpose. The module is built as a measuring build
# (ZC_LATENCY=y, module/zc_latency.c: every ____sys_sendmsg() entry
# callback and restart callback timed with local_clock()), and
# bench/zc_latency.c runs each scenario in the VM, alone and beside the
# function tracer, checking that every completion came back once. Each
# kernel boots once per MODE: tcg (guest nanoseconds are TCG wall clock:
# an emulated CPU, several times slower than a real one, and interrupts
# and the host's load land inside a callback) and icount (-icount
# shift=0, one vCPU: guest nanoseconds are executed instructions,
# deterministic). Knobs: KERNELS, MODES, SENDS, SCENARIOS, WARMUP.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$TOP/bench/lib.sh"
# The fast lane, both RT kernels, and 5.10 (amd64 without direct calls).
KERNELS=${KERNELS:-6.1.0-56-amd64 6.12.117+deb12-amd64 6.1.0-56-arm64 6.1.0-56-rt-amd64 6.12.117+deb12-rt-amd64 5.10.0-32-amd64}
MODES=${MODES:-tcg icount}
out=$BUILD/bench-latency
mkdir -p "$out"
bench_prepare
gcc $CFLAGS_TEST -o "$BUILD/tests/zc_latency" "$TOP/bench/zc_latency.c"
case " $KERNELS " in
*-arm64\ *)
	in_toolchain trixie aarch64-linux-gnu-gcc $CFLAGS_TEST -mbranch-protection=standard \
		-o "$BUILD/tests-arm64/zc_latency" "$TOP/bench/zc_latency.c" ;;
esac
: >"$out/raw.txt"
for k in $KERNELS; do
	root=$BUILD/$k/initramfs
	ZC_MODULE_FLAGS=ZC_LATENCY=y bench_root "$k" "$TOP/bench/guest-bench-latency.sh"
	bench_guest "$k" "$TOP/bench/guest-bench-latency.sh"
	cp "$(tests_dir "$k")/zc_latency" "$root/bin/"
	bench_conf "$root/bench.conf" SENDS=4000 WARMUP=20 \
		"SCENARIOS=lone1 lone64 hdrs8 hdrsmany absent mmsg"
	pack_root "$k" "$BUILD/$k/latency.cpio.gz"
	for mode in $MODES; do
		stage_start
		icount=0
		[ "$mode" = icount ] && icount=1
		ICOUNT=$icount VM_MEM=${VM_MEM:-2G} bash "$TOP/harness/qemu-boot.sh" "$k" \
			"$BUILD/$k/latency.cpio.gz" "$BUILD/$k/latency-$mode.log" 1800 zcmode=bench || true
		tr -d '\r' <"$BUILD/$k/latency-$mode.log" | sed -n 's/^ZC: //p' |
			sed "s/^/kernel=$k mode=$mode /" >>"$out/raw.txt"
		stage_end "$k: latency, $mode"
	done
done
python3 "$TOP/bench/bench-latency-report.py" "$out/raw.txt" | tee "$out/report.md"
