# Shared by bench.sh and bench-icount.sh (after harness/lib.sh). Source it.
# shellcheck shell=bash

# bench_prepare: host packages, the test programs and zc_bench; for an
# arm64 kernel in KERNELS also theirs, zc_bench cross-built as the tests
# are (trixie's static aarch64 libc has no liburing: no io_uring method).
# zc_bench_dyn: the same program dynamically linked, without io_uring,
# for the preload cells (LD_PRELOAD does nothing to a static program);
# build_tests built the library, preload_root puts it, the loader and
# libc into the image.
bench_prepare() {
	local dyn=${CFLAGS_TEST/ -static/}
	bash "$TOP/harness/deps.sh"
	build_tests
	gcc $CFLAGS_TEST -o "$BUILD/tests/zc_bench" "$TOP/bench/zc_bench.c" -luring
	gcc $dyn -DZC_BENCH_NO_URING -o "$BUILD/tests/zc_bench_dyn" "$TOP/bench/zc_bench.c"
	case " ${KERNELS:-} " in
	*-arm64\ *)
		build_tests arm64 || return 1
		in_toolchain trixie aarch64-linux-gnu-gcc $CFLAGS_TEST \
			-mbranch-protection=standard -DZC_BENCH_NO_URING \
			-o "$BUILD/tests-arm64/zc_bench" "$TOP/bench/zc_bench.c" &&
		in_toolchain trixie aarch64-linux-gnu-gcc $dyn \
			-mbranch-protection=standard -DZC_BENCH_NO_URING \
			-o "$BUILD/tests-arm64/zc_bench_dyn" "$TOP/bench/zc_bench.c" ;;
	esac
}

# bench_guest <kver> <guest script>: the script as /bench.sh in the
# kernel's bench_root tree, guest-net.sh (which it sources) beside it.
bench_guest() {
	cp "$2" "$BUILD/$1/initramfs/bench.sh"
	cp "$TOP/bench/guest-net.sh" "$BUILD/$1/initramfs/"
}

# bench_conf <file> NAME=default...: the guest's /bench.conf, one
# NAME="value" line per argument: $NAME here if set and not empty, else
# the default.
bench_conf() {
	local f=$1 a n
	shift
	for a in "$@"; do
		n=${a%%=*}
		printf '%s="%s"\n' "$n" "${!n:-${a#*=}}"
	done >"$f"
}

# icount_lane <kver> <runs> <raw>: the instruction-count lane on a kernel
# whose bench_root is laid out: guest-bench-icount.sh with its bench.conf,
# booted <runs> times under QEMU -icount shift=0 (one vCPU: guest time is
# executed instructions), the ZC: lines appended to <raw> as
# "kernel=K run=R ...". Parameters: SENDS, SIZE, LANES, INTERVALS, METHODS,
# PRELOAD_INTERVALS (the intervals of INTERVALS at which METHODS' preload
# runs; 0: none), NS (0: no request-size study), OH_CALLS, THREADS (0:
# none), WARMUP, TH_CALLS, VM_MEM; the defaults are make bench-icount's.
icount_lane() {
	local k=$1 runs=$2 raw=$3 root=$BUILD/$1/initramfs run
	bench_guest "$k" "$TOP/bench/guest-bench-icount.sh"
	bench_conf "$root/bench.conf" SENDS=3000 SIZE=4096 \
		"LANES=dummy:udp4:4096 lo:tcp4:4096 lo:tcp4:65536:600" "INTERVALS=1 8 32 512" \
		"METHODS=copy errqueue cmsg uring preload" PRELOAD_INTERVALS=1 "NS=1 2 4 16 64" OH_CALLS=5000 THREADS=20000 \
		WARMUP=120 TH_CALLS=5000
	pack_root "$k" "$BUILD/$k/icount.cpio.gz"
	for run in $(seq "$runs"); do
		stage_start
		ICOUNT=1 VM_MEM=${VM_MEM:-3G} bash "$TOP/harness/qemu-boot.sh" "$k" \
			"$BUILD/$k/icount.cpio.gz" "$BUILD/$k/icount-$run.log" 3000 zcmode=bench || true
		tr -d '\r' <"$BUILD/$k/icount-$run.log" | sed -n 's/^ZC: //p' |
			sed "s/^/kernel=$k run=$run /" >>"$raw"
		stage_end "$k: instruction-count run $run"
	done
}
