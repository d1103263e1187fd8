#!/bin/bash
# debug-tests.sh <kver> <test,test,...> -- debugging aid: run some tests (glob
# patterns as make check TESTS= takes them) in the VM and print the console.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
k=$1 tests=$2
bash "$TOP/harness/deps.sh" "$(kernel_arch "$k")"
build_tests "$(kernel_arch "$k")"
build_module "$k" >/dev/null
build_initramfs "$k" "$BUILD/$k/initramfs.cpio.gz"
bash "$TOP/harness/qemu-boot.sh" "$k" "$BUILD/$k/initramfs.cpio.gz" \
	"$BUILD/$k/console.log" "${VM_TIMEOUT:-300}" "zctests=$tests softlockup_panic=1 ${APPEND:-}" || true
tr -d '\r' <"$BUILD/$k/console.log"
