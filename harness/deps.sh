#!/bin/bash
# Install the host packages the test suite needs (Debian bookworm, root).
# Idempotent: does nothing when everything is already there.
set -euo pipefail

pkgs=(qemu-system-x86 busybox-static pahole sparse cpio gzip xz-utils zstd
      make gcc gcc-multilib libc6-dev libelf-dev bc flex bison kmod python3 liburing-dev)
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
