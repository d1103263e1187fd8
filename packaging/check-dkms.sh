#!/bin/bash
# make check-dkms: inside a VM running a Debian bookworm userspace on the
# stock kernel, install this tree with DKMS and modprobe it, as a user
# does; then compile and run the tests there, modprobe -r, dkms remove.
# Prints each step's result and the closing "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../harness/lib.sh"
KERNELS=${KERNELS:-$DEFAULT_KERNELS}
out=$BUILD/dkms
mkdir -p "$out"
passed=0 failed=0 n=0

stage_start
bash "$TOP/harness/deps.sh"
img=$(bash "$TOP/packaging/dkms-image.sh") || { echo "not ok 1 - dkms image"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -s "$out/base.cpio.gz" ] || [ "$img/.ready" -nt "$out/base.cpio.gz" ]; then
	(cd "$img" && find . -path ./proc -prune -o -print | cpio -o -H newc --quiet | gzip -1) \
		>"$out/base.cpio.gz"
fi
stage_end "bookworm image with dkms and headers"

# The source tree as a user would copy it to /usr/src.
ov=$out/overlay
rm -rf "$ov"
mkdir -p "$ov/usr/src/zcnotify-0.1.0" "$ov/proc"
(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$ov/usr/src/zcnotify-0.1.0")
cp "$TOP/packaging/vm-dkms-init.sh" "$ov/init"
bash "$TOP/packaging/mkdeb.sh" >/dev/null
mkdir -p "$ov/debs"
cp "$BUILD"/deb/*.deb "$ov/debs/"
(cd "$ov" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/overlay.cpio.gz"
cat "$out/base.cpio.gz" "$out/overlay.cpio.gz" >"$out/initramfs.cpio.gz"

for k in $KERNELS; do
	stage_start
	bash "$TOP/harness/fetch-kernel.sh" "$k"
	VM_MEM=3G bash "$TOP/harness/vm-run.sh" "$k" "$out/initramfs.cpio.gz" \
		"$out/$k.log" 1800 || true
	stage_end "$k: dkms lane in QEMU"
	tr -d '\r' <"$out/$k.log" | sed -n 's/^ZC: //p' >"$out/$k.results"
	grep '^#' "$out/$k.results" | head -40
	while read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $k: ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $k: ${line#not ok - }" ;;
		esac
	done <"$out/$k.results"
	for step in add build install modprobe loaded compile_tests modprobe_r unloaded remove removed \
		    deb_install deb_modprobe deb_compile deb_modprobe_r deb_remove deb_removed; do
		grep -qE "^(not )?ok - dkms_$step( |$)" "$out/$k.results" || {
			n=$((n + 1)); failed=$((failed + 1))
			echo "not ok $n - $k: dkms_$step # no result (see build/dkms/$k.log)"; }
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
