#!/bin/bash
# Install the host packages the test suite needs (Debian bookworm, root):
# g++ for the C++ example, clang (C and C++) for make lint's second compiler.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

# deps.sh [arm64]: also what arm64 kernels need here (QEMU for aarch64,
# bookworm's gcc-12 cross compiler for its kernels; the test programs are
# built in the trixie chroot, see lib.sh build_tests).
pkgs=(qemu-system-x86 busybox-static pahole sparse cpio gzip xz-utils zstd
      make gcc gcc-12-multilib libc6-dev libelf-dev bc flex bison kmod python3 liburing-dev
      g++ clang pkg-config)
[ "${1:-}" = arm64 ] && pkgs+=(qemu-system-arm gcc-12-aarch64-linux-gnu)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update >/dev/null || true
apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
