#!/bin/bash
# toolchain.sh <suite> [arch] -- a minimal Debian chroot of <suite> with
# the compiler and kbuild tools its kernels were built with, made once with
# debootstrap into .cache/chroots/<suite>. "host" means: use this machine.
# arch arm64 adds that suite's aarch64 cross compiler (on the host too).
# Prints the chroot path (empty for host).
set -euo pipefail
suite=$1 arch=${2:-amd64}
top=$(cd "$(dirname "$0")/.." && pwd)
# arm64: the kernel's cross compiler, and in a chroot also static C
# libraries for aarch64 and armhf test programs (trixie's are built with
# branch protection, so the programs get BTI landing pads throughout),
# and the aarch64 C++ compiler for the C++17 example (examples/).
cross=()
[ "$arch" = arm64 ] && cross=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross
			     gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
			     g++-aarch64-linux-gnu)
if [ "$suite" = host ]; then
	[ "$arch" = arm64 ] && bash "$top/harness/deps.sh" arm64
	exit 0
fi
dir=$top/.cache/chroots/$suite
if [ ! -f "$dir/.ready" ]; then
	bash "$top/harness/need.sh" debootstrap
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
if [ ${#cross[@]} -gt 0 ] && [ ! -f "$dir/.ready-$arch.3" ]; then
	chroot "$dir" sh -c 'apt-get -qq -o Acquire::Check-Valid-Until=false update && DEBIAN_FRONTEND=noninteractive \
		apt-get -qq install -y --no-install-recommends "$@"' sh "${cross[@]}" \
		>"$dir.$arch.log" 2>&1 || { tail -20 "$dir.$arch.log" >&2; exit 1; }
	touch "$dir/.ready-$arch.3"
fi
echo "$dir"
