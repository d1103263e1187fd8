#!/bin/bash
# make stress: per kernel, a long fuzz (10^6 calls 64-bit, 2*10^5 32-bit;
# SEED=... replays one) and a soak of SOAK_SECS seconds with SOAK_UNLOADS
# rmmod/insmod cycles, senders blocked in sendmsg() meanwhile, exact
# accounting. Prints results and "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
KERNELS=${KERNELS:-$DEFAULT_KERNELS}
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
passed=0 failed=0 n=0
bash "$TOP/harness/deps.sh"
for k in $KERNELS; do	# build everything before the long runs start
	build_tests "$(kernel_arch "$k")" || { echo "not ok - $k: build tests"; exit 1; }
	bash "$TOP/harness/fetch-kernel.sh" "$k"
	build_module "$k" >"$BUILD/$k.build.log" 2>&1 || { echo "not ok - $k: build"; exit 1; }
	build_initramfs "$k" "$BUILD/$k/stress.cpio.gz"
	cat >"$BUILD/$k/initramfs/stress.conf" <<CONF
FUZZ_SEED=$SEED
FUZZ_CALLS=${FUZZ_CALLS:-1000000}
FUZZ_CALLS32=${FUZZ_CALLS32:-200000}
SOAK_SECS=${SOAK_SECS:-120}
SOAK_UNLOADS=${SOAK_UNLOADS:-100}
CONF
	(cd "$BUILD/$k/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) \
		>"$BUILD/$k/stress.cpio.gz"
done
echo "# seed $SEED"
for k in $KERNELS; do
	stage_start
	bash "$TOP/harness/qemu-boot.sh" "$k" "$BUILD/$k/stress.cpio.gz" \
		"$BUILD/$k/stress.log" 3600 zcmode=stress || true
	stage_end "$k: stress in QEMU"
	tr -d '\r' <"$BUILD/$k/stress.log" | sed -n 's/^ZC: //p' >"$BUILD/$k/stress.results"
	grep '^# \(fuzz\|soak\)' "$BUILD/$k/stress.results"
	for name in fuzz fuzz_m32 soak dmesg_clean; do
		line=$(grep -E "^(not )?ok - $name( |$)" "$BUILD/$k/stress.results" | head -1)
		n=$((n + 1))
		case $line in
		"ok - $name") passed=$((passed + 1)); echo "ok $n - $k: $name" ;;
		*) failed=$((failed + 1)); echo "not ok $n - $k: $name # ${line#*# }" ;;
		esac
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
