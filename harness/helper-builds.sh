#!/bin/bash
# The zcn.h helper and the examples as users build them (make lint): the
# flags from `pkg-config --cflags zcnotify` and nothing else, in the
# source tree (zcnotify-uninstalled.pc) and installed (make install-dev
# into a scratch prefix); the header alone in strict C99 and C11 (no
# feature macros, included last: after <stdio.h>, as users do), C++11
# and C++17, inside a struct of the user's; the examples in C11 and
# C++17. Each with gcc, clang, g++ and clang++, -Wall -Wextra -Werror.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bash "$TOP/harness/deps.sh"
out=$BUILD/helper-builds
rm -rf "$out" && mkdir -p "$out"
make -s -C "$TOP" install-dev DESTDIR="$out/root" PREFIX=/usr/local >/dev/null
intree=$(PKG_CONFIG_PATH=$TOP pkg-config --cflags zcnotify)
installed=$(PKG_CONFIG_SYSROOT_DIR=$out/root \
	    PKG_CONFIG_PATH=$out/root/usr/local/share/pkgconfig pkg-config --cflags zcnotify)
cat >"$out/user.c" <<'C'
#include <stdio.h>
#include <zcnotify/zcn.h>
struct conn {			/* the helper inside an application's struct */
	struct zcn z;
	struct zcn_tracker done;
	int other;
};
int main(void)
{
	static struct conn c;

	if (zcn_init(&c.z, 0, 16))
		return zcn_wait(&c.z, 0) + (int)zcn_in_flight(&c.z);
	zcn_tracker_add(&c.done, 0, 0x80000000u);
	return (int)zcn_send(&c.z, NULL, 0) + zcn_reap(&c.z) + c.other;
}
C
cp "$out/user.c" "$out/user.cpp"
rc=0
n=0
try() {		# try <what> <command...>
	local what=$1
	shift
	n=$((n + 1))
	if ! "$@" 2>"$out/err"; then
		echo "FAIL: $what"; sed 's/^/  /' "$out/err" | head -20; rc=1
	fi
}
W="-Wall -Wextra -Werror"
for where in intree installed; do
	flags=${!where}
	for cc in gcc clang; do
		for std in c99 c11; do
			# shellcheck disable=SC2086
			try "$cc -std=$std zcn.h ($where)" $cc -std=$std $W $flags -c -o /dev/null "$out/user.c"
		done
		# shellcheck disable=SC2086
		try "$cc -std=c11 examples/ring_sender.c ($where)" \
			$cc -std=c11 $W -O2 $flags -o "$out/ring_$cc" "$TOP/examples/ring_sender.c" -pthread
	done
	for cxx in g++ clang++; do
		for std in c++11 c++17; do
			# shellcheck disable=SC2086
			try "$cxx -std=$std zcn.h ($where)" $cxx -std=$std $W $flags -c -o /dev/null "$out/user.cpp"
		done
		# shellcheck disable=SC2086
		try "$cxx -std=c++17 examples/ring_sender.cpp ($where)" \
			$cxx -std=c++17 $W -O2 $flags -o "$out/ring_$cxx" "$TOP/examples/ring_sender.cpp" -pthread
	done
done
# The examples' own Makefile (what a user runs in examples/).
try "make -C examples (gcc, g++)" make -s -C "$TOP/examples" OUT="$out" CC=gcc CXX=g++
try "make -C examples (clang, clang++)" make -s -C "$TOP/examples" OUT="$out" CC=clang CXX=clang++ -B
[ $rc -eq 0 ] && echo "helper and examples: $n builds clean"
exit $rc
