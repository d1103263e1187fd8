#!/bin/bash
# dkms-image.sh -- a Debian bookworm root filesystem (debootstrap, cached in
# .cache/chroots/dkms-bookworm) with dkms and the real linux-headers
# packages of the fast-lane kernels installed with apt, as on a user's
# machine. Prints its path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/.cache/chroots/dkms-bookworm
kernels="6.1.0-56-amd64 6.12.117+deb12-amd64"
if [ ! -f "$dir/.ready" ]; then
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y debootstrap >/dev/null
	rm -rf "$dir"
	mkdir -p "$dir"
	debootstrap --variant=minbase --include=dkms,gcc,make,libc6-dev,kmod,pahole,busybox,ca-certificates \
		bookworm "$dir" http://deb.debian.org/debian >"$dir.log" 2>&1 ||
		{ tail -20 "$dir.log" >&2; exit 1; }
	cat >"$dir/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
	hdrs=""
	for k in $kernels; do hdrs="$hdrs linux-headers-$k"; done
	unshare -m sh -c "mount -t proc proc '$dir/proc' && chroot '$dir' sh -c 'apt-get -qq update &&
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends $hdrs'" \
		>>"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; exit 1; }
	# Smaller initramfs: no documentation, caches or locales.
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
		"$dir"/usr/share/doc "$dir"/usr/share/man "$dir"/usr/share/locale \
		"$dir"/usr/share/info
	touch "$dir/.ready"
fi
echo "$dir"
