#!/bin/bash
# selftest-msgzc.sh -- build the kernel's own MSG_ZEROCOPY selftest,
# tools/testing/selftests/net/msg_zerocopy.c, unmodified from Debian's
# linux-source-6.1 package (downloaded once into .cache/ like checkpatch,
# never committed), as a dynamically linked program in
# build/selftest/msg_zerocopy: the preload tests run it under
# libzcnotify-preload.so in the VM. Prints the source's sha256.
# selftest-msgzc.sh arm64: also build/selftest-arm64/msg_zerocopy, with
# the trixie chroot's aarch64 cross compiler (as the arm64 tests are).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/harness/lib.sh"
out=$top/build/selftest
src=$out/msg_zerocopy.c
mkdir -p "$out"
if [ ! -f "$src" ]; then
	deb=$(bash "$top/harness/fetch-kernel.sh" --deb linux-source-6.1)
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		xz -dc | tar -xO linux-source-6.1/tools/testing/selftests/net/msg_zerocopy.c \
		>"$src.tmp"
	mv "$src.tmp" "$src"
fi
if [ ! -x "$out/msg_zerocopy" ] || [ "$src" -nt "$out/msg_zerocopy" ]; then
	# The selftest's own Makefile flags (tools/testing/selftests/net).
	${CC:-gcc} -Wall -Wl,--no-as-needed -O2 -g -o "$out/msg_zerocopy" "$src"
fi
if [ "${1:-}" = arm64 ]; then
	mkdir -p "$top/build/selftest-arm64"
	bin=$top/build/selftest-arm64/msg_zerocopy
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		in_toolchain trixie aarch64-linux-gnu-gcc -Wall -Wl,--no-as-needed -O2 -g \
			-o "$bin" "$src"
	fi
fi
sha256sum "$src" | awk '{print "msg_zerocopy.c sha256 " $1}'
