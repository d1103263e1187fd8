#!/bin/bash
# make demo: boot a stock kernel with the module and run tests/zc_demo.c,
# which shows completions arriving in the sendmsg() cmsg next to the
# classic MSG_ERRQUEUE path. KERNEL=<kver> picks the kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
k=${KERNEL:-6.12.117+deb12-amd64}
bash "$TOP/harness/deps.sh"
bash "$TOP/harness/fetch-kernel.sh" "$k"
build_tests "$(kernel_arch "$k")"
mkdir -p "$BUILD"
build_module "$k" >"$BUILD/$k.build.log" 2>&1 || {
	cat "$BUILD/$k.build.log"; exit 1; }
build_initramfs "$k" "$BUILD/$k/initramfs.cpio.gz"
echo "booting $k under QEMU (TCG)..."
bash "$TOP/harness/qemu-boot.sh" "$k" "$BUILD/$k/initramfs.cpio.gz" \
	"$BUILD/$k/demo.log" 300 zcmode=demo || true
tr -d '\r' <"$BUILD/$k/demo.log" | sed -n 's/^ZC: //p' | grep -v '^END$'
grep -q 'each exactly once' "$BUILD/$k/demo.log"
