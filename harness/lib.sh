# Sourced by the harness/, bench/ and packaging/ scripts that build or
# boot (check, matrix, lint, demo, stress, the debug and DKMS lanes, the
# benchmarks): paths, the kernel lists, toolchains, the test programs'
# build, the VM images. Source it.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
DEFAULT_KERNELS="6.1.0-56-amd64 6.12.117+deb12-amd64"
# make check ARCH=arm64: bookworm's two kernels, arm64 flavour.
ARM64_KERNELS="6.1.0-56-arm64 6.12.117+deb12-arm64"
# The test programs' flags, as tests/Makefile defines them.
CFLAGS_TEST=$(make -s --no-print-directory -C "$TOP/tests" print-cflags)

stage_start() { STAGE_T0=$(date +%s.%N); }
stage_end() {		# stage_end <label>; sets STAGE_SECS
	STAGE_SECS=$(echo "$(date +%s.%N) - $STAGE_T0" | bc)
	printf '# stage %-40s %6.1fs\n' "$1" "$STAGE_SECS"
}

# kernel_arch <kver>: the Debian architecture of a kernel (its flavour).
kernel_arch() {
	case $1 in
	*-arm64) echo arm64 ;;
	*) echo amd64 ;;
	esac
}

# kbuild_cross <kver>: the make variables that cross-build for it.
kbuild_cross() {
	case $(kernel_arch "$1") in
	arm64) echo ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- ;;
	esac
}

# tests_dir <kver>: where the test programs for its architecture are.
tests_dir() {
	case $(kernel_arch "$1") in
	amd64) echo "$BUILD/tests" ;;
	*) echo "$BUILD/tests-$(kernel_arch "$1")" ;;
	esac
}

# Userspace test programs, kernel independent: build_tests [arch].
# amd64 builds natively (32-bit with -m32). arm64 cross-builds, in the
# trixie chroot, static aarch64 programs with branch protection (BTI and
# pointer authentication, enforced by QEMU's -cpu max; bookworm's aarch64
# libc has no BTI notes, which would turn BTI off for the whole program)
# and the 32-bit ones for armhf (AArch32).
build_tests() {
	case ${1:-amd64} in
	amd64)
		mkdir -p "$BUILD/tests"
		make -s -C "$TOP/tests" OUT="$BUILD/tests" &&
		make -s -C "$TOP" preload >/dev/null &&
		bash "$TOP/harness/selftest-msgzc.sh" >/dev/null ;;
	arm64)
		bash "$TOP/harness/deps.sh" arm64 || return 1
		bash "$TOP/harness/toolchain.sh" trixie arm64 >/dev/null || return 1
		mkdir -p "$BUILD/tests-arm64"
		in_toolchain trixie make -s -C "$TOP/tests" OUT="$BUILD/tests-arm64" \
			CC=aarch64-linux-gnu-gcc \
			CXX=aarch64-linux-gnu-g++ \
			CC32=arm-linux-gnueabihf-gcc \
			CFLAGS_TEST="$CFLAGS_TEST -mbranch-protection=standard" \
			CFLAGS_TEST32="$CFLAGS_TEST" &&
		in_toolchain trixie make -s -C "$TOP/preload" CC=aarch64-linux-gnu-gcc \
			OUT="$BUILD/preload-arm64" CFLAGS=-mbranch-protection=standard >/dev/null &&
		bash "$TOP/harness/selftest-msgzc.sh" arm64 >/dev/null ;;
	esac
}

# lane_kernels <lane>: the kernels harness/kernels.txt puts in a lane.
lane_kernels() {
	awk -v l="$1" '!/^#/ && $3 == l { print $1 }' "$TOP/harness/kernels.txt" | xargs
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
# the source tree in build/<kver>/ with the kernel's own compiler family
# (ZC_MODULE_FLAGS: kbuild variables for the module, e.g. ZC_LATENCY=y).
build_module() {
	local k=$1 kd=$TOP/.cache/kernels/$1/build out=$BUILD/$1
	local tc pahole=() cross
	tc=$(toolchain_of "$k")
	read -ra cross <<<"$(kbuild_cross "$k")"
	bash "$TOP/harness/toolchain.sh" "$tc" "$(kernel_arch "$k")" >/dev/null || return 1
	command -v pahole >/dev/null || pahole=(PAHOLE=)
	rm -rf "$out/src" "$out/kmod"
	mkdir -p "$out/src" "$out/kmod"
	cp -r "$TOP/Kbuild" "$TOP/VERSION" "$TOP/module" "$TOP/include" "$out/src/"
	cp "$TOP/tests/kmod/"* "$out/kmod/"
	sed -i 's#"../../module/#"'"$TOP"'/module/#' "$out/kmod/zc_ipmodify_owner.c"
	# shellcheck disable=SC2086 # ZC_MODULE_FLAGS: kbuild variables, e.g. ZC_LATENCY=y
	in_toolchain "$tc" make -s -C "$kd" M="$out/src" "${cross[@]}" "${pahole[@]}" \
		${ZC_MODULE_FLAGS:-} modules 2>&1 |
		grep -v 'Skipping BTF generation' || true
	in_toolchain "$tc" make -s -C "$kd" M="$out/kmod" ZC_TOP="$TOP" "${cross[@]}" "${pahole[@]}" \
		modules 2>&1 |
		grep -v 'Skipping BTF generation' || true
	[ -f "$out/src/zcnotify.ko" ] && [ -f "$out/kmod/zc_ipmodify_owner.ko" ]
}

# busybox_of <arch> <dest>: a static busybox for the architecture (the
# host's for amd64; Debian's busybox-static package of that architecture
# otherwise, downloaded once).
busybox_of() {
	local deb x=$BUILD/busybox-$1
	if [ "$1" = amd64 ]; then
		cp /bin/busybox "$2"
		return
	fi
	if [ ! -x "$x" ]; then
		deb=$(bash "$TOP/harness/fetch-kernel.sh" --deb busybox-static "$1") || return 1
		rm -rf "$x.d" && dpkg-deb -x "$deb" "$x.d" &&
			cp "$(find "$x.d" -name busybox -type f -perm -u+x | head -1)" "$x"
		rm -rf "$x.d"
	fi
	cp "$x" "$2"
}

# preload_root <arch> <root> <tests dir>: what the preload tests run, if
# built for the architecture: the dynamically linked programs
# (preload_errq, examples/errqueue_sender, the kernel's msg_zerocopy
# selftest), the library in /lib/zcnotify/, and the dynamic loader and
# libc they need (amd64: the host's, bookworm's glibc; arm64: the trixie
# chroot's, which built them).
preload_root() {
	local arch=$1 root=$2 t=$3 tc
	case $arch in
	amd64)
		[ -f "$BUILD/preload/libzcnotify-preload.so" ] || return 0
		mkdir -p "$root/lib/zcnotify" "$root/lib64" "$root/lib/x86_64-linux-gnu"
		cp "$BUILD/preload/libzcnotify-preload.so" "$root/lib/zcnotify/"
		cp "$t/preload_errq" "$t/errqueue_sender" "$BUILD/selftest/msg_zerocopy" "$root/bin/"
		cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
		cp -L /lib/x86_64-linux-gnu/libc.so.6 "$root/lib/x86_64-linux-gnu/" ;;
	arm64)	# built in the trixie chroot: its cross glibc
		[ -f "$BUILD/preload-arm64/libzcnotify-preload.so" ] || return 0
		tc=$(bash "$TOP/harness/toolchain.sh" trixie arm64)/usr/aarch64-linux-gnu/lib
		mkdir -p "$root/lib/zcnotify" "$root/lib/aarch64-linux-gnu"
		cp "$BUILD/preload-arm64/libzcnotify-preload.so" "$root/lib/zcnotify/"
		cp "$t/preload_errq" "$t/errqueue_sender" "$BUILD/selftest-arm64/msg_zerocopy" "$root/bin/"
		cp -L "$tc/ld-linux-aarch64.so.1" "$root/lib/"
		cp -L "$tc/libc.so.6" "$root/lib/aarch64-linux-gnu/" ;;
	esac
}

# apparmor_policy: the profiles tests/adv_lsm.c loads (tests/zcn_*.profile)
# compiled once by trixie's apparmor_parser (4.x, which this installs into
# the trixie chroot: bookworm's 3.0 leaves network rules unenforced on these
# kernels), for ABI 4.0 (6.12+) and ABI 3.0 (6.1 refuses 4.0's with
# EPROTO), into $BUILD/zcn_<name>-{4.0,3.0}.apparmor.
apparmor_policy() {
	local src dir abi name stale=
	for src in "$TOP"/tests/zcn_*.profile; do
		name=$(basename "$src" .profile)
		[ "$BUILD/$name-3.0.apparmor" -nt "$src" ] || stale=1
	done
	[ -n "$stale" ] || return 0
	dir=$(bash "$TOP/harness/toolchain.sh" trixie)
	if [ ! -x "$dir/usr/sbin/apparmor_parser" ]; then
		chroot "$dir" sh -c 'apt-get -qq -o Acquire::Check-Valid-Until=false update &&
			DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends apparmor' \
			>"$dir.apparmor.log" 2>&1 || { tail -5 "$dir.apparmor.log" >&2; return 1; }
	fi
	for src in "$TOP"/tests/zcn_*.profile; do
		name=$(basename "$src" .profile)
		cp "$src" "$dir/tmp/$name.profile"
		# The chroot sees no kernel's features: compile for the ABI's own.
		for abi in 4.0 3.0; do
			chroot "$dir" apparmor_parser -S -Q -M "/etc/apparmor.d/abi/$abi" \
				"/tmp/$name.profile" >"$BUILD/$name-$abi.apparmor" || return 1
		done
	done
}

# build_initramfs <kver> <out.cpio.gz>
build_initramfs() {
	local k=$1 img=$2 root=$BUILD/$1/initramfs t
	t=$(tests_dir "$k")
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	busybox_of "$(kernel_arch "$k")" "$root/bin/busybox"
	cp "$TOP/tests/guest-init.sh" "$root/init"
	cp "$t/zc_test" "$t/zc_test32" "$t/zc_demo" "$t/zc_fuzz" "$t/zc_fuzz32" \
	   "$t/zcstat" "$t/zcn_ring_c" "$t/zcn_ring_cpp" "$root/bin/"
	cp "$TOP/tests/m32-tests.txt" "$root/"
	apparmor_policy && cp "$BUILD"/zcn_*.apparmor "$root/" ||
		echo "build_initramfs: no AppArmor policy for adv_lsm (it fails)" >&2
	preload_root "$(kernel_arch "$k")" "$root" "$t"
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
# lay out its initramfs tree with zc_bench and zc_bench_dyn (bench/lib.sh
# bench_prepare builds both), the script as /bench.sh and dummy.ko; the
# caller adds /bench.conf and packs it with pack_root.
bench_root() {
	local k=$1 root=$BUILD/$1/initramfs
	bash "$TOP/harness/fetch-kernel.sh" "$k"
	build_module "$k" >"$BUILD/$k.build.log" 2>&1
	build_initramfs "$k" "$BUILD/$k/initramfs.cpio.gz"
	cp "$(tests_dir "$k")/zc_bench" "$(tests_dir "$k")/zc_bench_dyn" "$root/bin/"
	cp "$2" "$root/bench.sh"
	copy_dummy_ko "$k" "$root/dummy.ko"
}

# pack_root <kver> <out.cpio.gz>: pack the kernel's initramfs tree.
pack_root() {
	(cd "$BUILD/$1/initramfs" && find . | cpio -o -H newc --quiet | gzip -1) >"$2"
}
