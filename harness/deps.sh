#!/bin/bash
# Install the host packages the test suite needs (Debian bookworm, root):
# g++ for the C++ example, clang (C and C++) for make lint's second compiler.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

# deps.sh [amd64|arm64]: arm64 also what arm64 kernels need here (QEMU for aarch64,
# bookworm's gcc-12 cross compiler for its kernels; the test programs are
# built in the trixie chroot, see lib.sh build_tests). perl (not only the
# essential perl-base): checkpatch.pl needs Term::ANSIColor and Encode.
# debootstrap: the toolchain chroots of harness/toolchain.sh.
pkgs=(qemu-system-x86 busybox-static pahole sparse cpio gzip xz-utils zstd
      make gcc gcc-12-multilib libc6-dev libelf-dev bc flex bison kmod python3 liburing-dev
      g++ clang pkg-config perl debootstrap)
[ "${1:-}" = arm64 ] && pkgs+=(qemu-system-arm gcc-12-aarch64-linux-gnu)
exec bash "$(dirname "$0")/need.sh" "${pkgs[@]}"
