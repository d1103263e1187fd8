# Shared by check.sh and demo.sh: building and booting. Source it.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
DEFAULT_KERNELS="6.1.0-56-amd64 6.12.117+deb12-amd64"
CFLAGS_TEST="-std=c11 -Wall -Wextra -Werror -O2 -static -pthread -I$TOP/include/uapi -I$TOP/include"

stage_start() { STAGE_T0=$(date +%s.%N); }
stage_end() {		# stage_end <label>; sets STAGE_SECS
	STAGE_SECS=$(echo "$(date +%s.%N) - $STAGE_T0" | bc)
	printf '# stage %-40s %6.1fs\n' "$1" "$STAGE_SECS"
}

# Userspace test programs, kernel independent.
build_tests() {
	mkdir -p "$BUILD/tests"
	make -s -C "$TOP/tests" OUT="$BUILD/tests" CFLAGS_TEST="$CFLAGS_TEST"
}

# toolchain_of <kver>: the toolchain column of harness/kernels.txt (host if
# the kernel is not listed).
toolchain_of() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "host" }' \
		"$TOP/harness/kernels.txt"
}

# in_toolchain <suite> <cmd...>: run a command with the compiler family
# the kernel was built with: here, or in a cached debootstrap chroot of
# that suite with this tree bind-mounted at the same path.
in_toolchain() {
	local suite=$1
	shift
	if [ "$suite" = host ]; then
		"$@"
		return
	fi
	local root
	root=$(bash "$TOP/harness/toolchain.sh" "$suite")
	mkdir -p "$root$TOP"
	unshare -m sh -c 'mount --bind "$1" "$2$1" && mount -t proc proc "$2/proc" &&
		shift 2 && exec chroot "$0" "$@"' \
		"$root" "$TOP" "$root" "$@"
}

# build_module <kver>: zcnotify.ko and the test helper module, built out of
# the source tree in build/<kver>/ with the kernel's own compiler family.
build_module() {
	local k=$1 kd=$TOP/.cache/kernels/$1/build out=$BUILD/$1
	local tc pahole=()
	tc=$(toolchain_of "$k")
	command -v pahole >/dev/null || pahole=(PAHOLE=)
	rm -rf "$out/src" "$out/kmod"
	mkdir -p "$out/src" "$out/kmod"
	cp -r "$TOP/Kbuild" "$TOP/module" "$TOP/include" "$out/src/"
	cp "$TOP/tests/kmod/"* "$out/kmod/"
	sed -i 's#"../../module/#"'"$TOP"'/module/#' "$out/kmod/zc_ipmodify_owner.c"
	in_toolchain "$tc" make -s -C "$kd" M="$out/src" "${pahole[@]}" modules 2>&1 |
		grep -v 'Skipping BTF generation' || true
	in_toolchain "$tc" make -s -C "$kd" M="$out/kmod" ZC_TOP="$TOP" "${pahole[@]}" modules 2>&1 |
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
	   "$BUILD/tests/zc_fuzz" "$BUILD/tests/zc_fuzz32" \
	   "$BUILD/tests/zcstat" "$root/bin/"
	cp "$TOP/tests/m32-tests.txt" "$root/"
	cp "$BUILD/$k/src/zcnotify.ko" "$BUILD/$k/kmod/zc_ipmodify_owner.ko" "$root/"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$img"
}

# copy_dummy_ko <kver> <dest>: the kernel's dummy.ko, uncompressed (the
# benchmarks' UDP lane sends through a dummy device).
copy_dummy_ko() {
	local d
	d=$(find "$TOP/.cache/kernels/$1/root" -name 'dummy.ko*' | head -1)
	case $d in
	*.xz) xz -dc "$d" >"$2" ;;
	*.zst) zstd -dcq "$d" >"$2" ;;
	*) cp "$d" "$2" ;;
	esac
}

# bench_root <kver> <guest script>: fetch and build for the kernel, and
# lay out its initramfs tree with zc_bench, the script as /bench.sh and
# dummy.ko; the caller adds /bench.conf and packs it with pack_root.
bench_root() {
	local k=$1 root=$BUILD/$1/initramfs
	bash "$TOP/harness/fetch-kernel.sh" "$k"
	build_module "$k" >"$BUILD/$k.build.log" 2>&1
	build_initramfs "$k" "$BUILD/$k/initramfs.cpio.gz"
	cp "$BUILD/tests/zc_bench" "$root/bin/"
	cp "$2" "$root/bench.sh"
	copy_dummy_ko "$k" "$root/dummy.ko"
}

# pack_root <kver> <out.cpio.gz>: pack the kernel's initramfs tree.
pack_root() {
	(cd "$BUILD/$1/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$2"
}
