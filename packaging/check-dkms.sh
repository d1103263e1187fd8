#!/bin/bash
# make check-dkms: inside a VM running a Debian bookworm userspace on the
# stock kernel, do what a user does (packaging/guest-dkms-init.sh): make
# dkms-install from a clean tree, the tests, make dkms-remove; the same
# with the .debs (make deb, lintian-checked here), the boot-time load
# (systemd-modules-load) and its opt-out, an upgrade under senders, removal;
# dkms's "Skipped" on an
# unsupported architecture and config; the module's signature (dkms's MOK
# key) against lockdown and sig_enforce.
# Prints each step's result and the closing "N passed, N failed".
# KERNELS="..." overrides the kernel list; ARCH=arm64: bookworm's two arm64
# kernels. Each architecture boots its own bookworm userspace (the arm64
# one is debootstrapped with qemu-user, see dkms-image.sh), so one run may
# mix amd64 and arm64 kernels.
set -uo pipefail
. "$(dirname "$0")/../harness/lib.sh"
if [ -z "${KERNELS:-}" ]; then
	KERNELS=$DEFAULT_KERNELS
	[ "${ARCH:-}" = arm64 ] && KERNELS=$ARM64_KERNELS
fi
out=$BUILD/dkms
mkdir -p "$out"
passed=0 failed=0 n=0
archs=$(for k in $KERNELS; do kernel_arch "$k"; done | sort -u | xargs)

# One image per architecture: base[-<arch>].cpio.gz (amd64 keeps its old
# name, so its cache stays valid).
for a in $archs; do
	sfx=-$a
	[ "$a" = amd64 ] && sfx=
	stage_start
	bash "$TOP/harness/deps.sh" "$a"
	img=$(bash "$TOP/packaging/dkms-image.sh" "$a") ||
		{ echo "not ok 1 - dkms image ($a)"; echo "0 passed, 1 failed"; exit 1; }
	if [ ! -s "$out/base$sfx.cpio.gz" ] || [ "$img/.ready" -nt "$out/base$sfx.cpio.gz" ]; then
		(cd "$img" && find . -path ./proc -prune -o -print | cpio -o -H newc --quiet | gzip -1) \
			>"$out/base$sfx.cpio.gz"
	fi
	stage_end "bookworm $a image with dkms and headers"
done

# The source tree as a user clones it (the tracked files, in /root), the
# list of what /usr/src must hold after make dkms-install or the .deb
# (packaging/dkms-files.txt expanded), and the .debs (built and checked
# with lintian here; the same for every architecture: the DKMS one is
# "all").
ov=$out/overlay
rm -rf "$ov"
mkdir -p "$ov/root/zcnotify" "$ov/proc"
(cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$ov/root/zcnotify")
(cd "$TOP" && git ls-files -- $(grep -v '^#' packaging/dkms-files.txt) | sort) >"$ov/dkms-files.expected"
cp "$TOP/packaging/guest-dkms-init.sh" "$ov/init"
# ARCH=arm64 means the target here, not for the package build.
n=$((n + 1))
if env -u ARCH bash "$TOP/packaging/mkdeb.sh" >"$out/mkdeb.log" 2>&1; then
	passed=$((passed + 1)); echo "ok $n - make deb, lintian --pedantic clean"
else
	failed=$((failed + 1)); echo "not ok $n - make deb, lintian --pedantic clean # see build/dkms/mkdeb.log"
	tail -20 "$out/mkdeb.log" | sed 's/^/# /'
fi
# The same tree as the next version, for the upgrade under senders.
next=$(cat "$TOP/VERSION").1
n=$((n + 1))
if env -u ARCH bash "$TOP/packaging/mkdeb.sh" "$next" >"$out/mkdeb-next.log" 2>&1; then
	passed=$((passed + 1)); echo "ok $n - make deb as $next (the upgrade)"
else
	failed=$((failed + 1)); echo "not ok $n - make deb as $next (the upgrade) # see build/dkms/mkdeb-next.log"
	tail -20 "$out/mkdeb-next.log" | sed 's/^/# /'
fi
mkdir -p "$ov/debs/next"
cp "$BUILD"/deb/*.deb "$ov/debs/"
cp "$BUILD/deb-$next"/zcnotify-dkms_*.deb "$ov/debs/next/"
echo "$next" >"$ov/debs/next/VERSION"
(cd "$ov" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/overlay.cpio.gz"
for a in $archs; do
	sfx=-$a
	[ "$a" = amd64 ] && sfx=
	cat "$out/base$sfx.cpio.gz" "$out/overlay.cpio.gz" >"$out/initramfs$sfx.cpio.gz"
done

for k in $KERNELS; do
	sfx=-$(kernel_arch "$k") tmo=5400
	# Six dkms builds under TCG (make dkms-install, the .deb, the
	# upgrade under senders, the downgrade, the reinstall, the upgrade
	# under lockdown) and three builds of the tests: on 6.1 amd64
	# beside three other QEMUs the upgrade's build alone took 17 to 23
	# minutes, and 3600 s ran out at the last build. arm64 emulates a
	# bigger CPU (pointer authentication, BTI) with a native gcc: slower
	# again.
	[ "$sfx" = -amd64 ] && sfx=
	[ -n "$sfx" ] && tmo=7200
	stage_start
	bash "$TOP/harness/fetch-kernel.sh" "$k"
	VM_MEM=3G bash "$TOP/harness/qemu-boot.sh" "$k" "$out/initramfs$sfx.cpio.gz" \
		"$out/$k.log" "$tmo" || true
	stage_end "$k: dkms lane in QEMU"
	tr -d '\r' <"$out/$k.log" | sed -n 's/^ZC: //p' >"$out/$k.results"
	grep '^#' "$out/$k.results" | head -40
	while read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $k: ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $k: ${line#not ok - }" ;;
		esac
	done <"$out/$k.results"
	# Every step of guest-dkms-init.sh must report.
	for step in $(sed -n 's/^step \([a-z_0-9]*\) .*/\1/p' "$TOP/packaging/guest-dkms-init.sh"); do
		grep -qE "^(not )?ok - dkms_$step( |$)" "$out/$k.results" || {
			n=$((n + 1)); failed=$((failed + 1))
			echo "not ok $n - $k: dkms_$step # no result (see build/dkms/$k.log)"; }
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
