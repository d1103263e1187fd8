#!/bin/bash
# toolchain.sh <suite> -- a minimal Debian chroot of <suite> with the
# compiler and kbuild tools its kernels were built with, made once with
# debootstrap into .cache/chroots/<suite>. "host" means: use this machine.
# Prints the chroot path (empty for host).
set -euo pipefail
suite=$1
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$suite" = host ] && exit 0
dir=$top/.cache/chroots/$suite
if [ ! -f "$dir/.ready" ]; then
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y debootstrap >/dev/null
	rm -rf "$dir"
	mkdir -p "$dir"
	pahole=pahole
	[ "$suite" = bullseye ] && pahole=dwarves
	debootstrap --variant=minbase \
		--include=gcc,make,libc6-dev,libelf-dev,bc,flex,bison,cpio,kmod,$pahole,xz-utils,zstd \
		"$suite" "$dir" http://deb.debian.org/debian >"$dir.log" 2>&1 ||
		{ tail -20 "$dir.log" >&2; exit 1; }
	touch "$dir/.ready"
fi
echo "$dir"
