#!/bin/bash
# dkms-image.sh [amd64|arm64] -- a Debian bookworm root filesystem
# (debootstrap, cached in .cache/chroots/dkms-bookworm[-arm64]-<hash of
# the package list>) with dkms and the real linux-headers packages of that
# architecture's fast-lane kernels installed with apt, as on a user's
# machine; systemd for systemd-modules-load (the boot-time load), openssl
# for dkms's own MOK key pair (module signing). Prints its path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
arch=${1:-amd64}
case $arch in
amd64)
	dir=$top/.cache/chroots/dkms-bookworm
	kernels="6.1.0-56-amd64 6.12.117+deb12-amd64" ;;
arm64)
	dir=$top/.cache/chroots/dkms-bookworm-arm64
	kernels="6.1.0-56-arm64 6.12.117+deb12-arm64" ;;
*)
	echo "dkms-image.sh: unknown architecture $arch" >&2
	exit 1 ;;
esac
# liburing2: what zcnotify-tools depends on (zcnotify-bench).
include=dkms,gcc,make,libc6-dev,kmod,pahole,busybox,ca-certificates,systemd,openssl,liburing2
# A new package list is a new image (beside the old one, which other
# branches may still use).
dir=$dir-$(echo "$include $kernels" | md5sum | cut -c1-8)

# arm64 on this x86-64 host: the programs of the chroot (debootstrap's
# second stage, dpkg, apt, maintainer scripts) run under qemu-user through
# binfmt_misc. The F flag makes the kernel open the static interpreter
# now, so it works inside the chroot without a copy of it there (the
# image stays a pure arm64 userspace). Registered here, not by
# binfmt-support or systemd-binfmt, which a bare host or container may not
# run; idempotent.
binfmt_aarch64() {
	local bm=/proc/sys/fs/binfmt_misc conf=/usr/lib/binfmt.d/qemu-aarch64.conf
	bash "$top/harness/need.sh" qemu-user-static
	[ -e "$bm/register" ] || mount -t binfmt_misc binfmt_misc "$bm"
	if [ -e "$bm/qemu-aarch64" ]; then
		grep -q '^enabled' "$bm/qemu-aarch64" &&
			grep -q '^flags: .*F' "$bm/qemu-aarch64" && return 0
		echo -1 >"$bm/qemu-aarch64"	# registered without F: redo it
	fi
	# Debian's line (flags OPF: open-binary, preserve-argv0, fix-binary).
	cat "$conf" >"$bm/register"
}

if [ ! -f "$dir/.ready" ]; then
	bash "$top/harness/need.sh" debootstrap
	rm -rf "$dir"
	mkdir -p "$dir"
	foreign=()
	if [ "$arch" != amd64 ]; then
		binfmt_aarch64
		# First stage here (download, unpack), second stage (configure
		# the packages) in the chroot under qemu-user.
		foreign=(--arch="$arch" --foreign)
	fi
	debootstrap "${foreign[@]}" --variant=minbase \
		--include="$include" \
		bookworm "$dir" http://deb.debian.org/debian >"$dir.log" 2>&1 ||
		{ tail -20 "$dir.log" >&2; exit 1; }
	if [ ${#foreign[@]} -gt 0 ]; then
		chroot "$dir" /debootstrap/debootstrap --second-stage >>"$dir.log" 2>&1 ||
			{ tail -20 "$dir.log" >&2; exit 1; }
	fi
	cat >"$dir/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
	hdrs=""
	for k in $kernels; do hdrs="$hdrs linux-headers-$k"; done
	# linux-headers-6.12.* pulls in its linux-image; its initrd would never
	# be used (the VM boots this tree as its initramfs), and under
	# qemu-user mkinitramfs runs twice for about 7 minutes each: divert
	# update-initramfs to true.
	unshare -m sh -c "mount -t proc proc '$dir/proc' && chroot '$dir' sh -c 'apt-get -qq update &&
		dpkg-divert --local --rename --add /usr/sbin/update-initramfs &&
		ln -sf /bin/true /usr/sbin/update-initramfs &&
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends $hdrs'" \
		>>"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
	# Smaller initramfs: no documentation, caches or locales.
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
		"$dir"/usr/share/doc "$dir"/usr/share/man "$dir"/usr/share/locale \
		"$dir"/usr/share/info
	touch "$dir/.ready"
fi
echo "$dir"
