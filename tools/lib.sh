# Shared by check.sh and demo.sh: building and booting. Source it.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
DEFAULT_KERNELS="6.1.0-56-amd64 6.12.117+deb12-amd64"
CFLAGS_TEST="-std=c11 -Wall -Wextra -Werror -O2 -static -pthread -I$TOP/include/uapi"

stage_start() { STAGE_T0=$(date +%s.%N); }
stage_end() {		# stage_end <label>
	printf '# stage %-40s %6.1fs\n' "$1" \
		"$(echo "$(date +%s.%N) - $STAGE_T0" | bc)"
}

# Userspace test programs, kernel independent.
build_tests() {
	mkdir -p "$BUILD/tests"
	make -s -C "$TOP/tests" OUT="$BUILD/tests" CFLAGS_TEST="$CFLAGS_TEST"
}

# build_module <kver>: zcnotify.ko and the test helper module, built out of
# the source tree in build/<kver>/.
build_module() {
	local k=$1 kd=$TOP/.cache/kernels/$1/build out=$BUILD/$1
	local pahole=()
	command -v pahole >/dev/null || pahole=(PAHOLE=)
	mkdir -p "$out/src" "$out/kmod"
	cp -r "$TOP/Kbuild" "$TOP/module" "$TOP/include" "$out/src/"
	cp "$TOP/tests/kmod/"* "$out/kmod/"
	sed -i 's#"../../module/#"'"$TOP"'/module/#' "$out/kmod/zc_ipmodify_owner.c"
	make -s -C "$kd" M="$out/src" "${pahole[@]}" modules 2>&1 |
		grep -v 'Skipping BTF generation' || true
	make -s -C "$kd" M="$out/kmod" ZC_TOP="$TOP" "${pahole[@]}" modules 2>&1 |
		grep -v 'Skipping BTF generation' || true
	[ -f "$out/src/zcnotify.ko" ] && [ -f "$out/kmod/zc_ipmodify_owner.ko" ]
}

# build_initramfs <kver> <out.cpio.gz>
build_initramfs() {
	local k=$1 img=$2 root=$BUILD/$1/initramfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	cp /bin/busybox "$root/bin/busybox"
	cp "$TOP/tests/vm-init.sh" "$root/init"
	cp "$BUILD/tests/zc_test" "$BUILD/tests/zc_test32" "$BUILD/tests/zc_demo" \
	   "$BUILD/tests/zcstat" "$root/bin/"
	cp "$TOP/tests/m32-tests.txt" "$root/"
	cp "$BUILD/$k/src/zcnotify.ko" "$BUILD/$k/kmod/zc_ipmodify_owner.ko" "$root/"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$img"
}
