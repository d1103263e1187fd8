#!/bin/bash
# preload-passthrough.sh -- what libzcnotify-preload.so adds to a call it
# passes through: user-space instructions (valgrind, lackey) of N calls of
# each kind with and without the library, on this machine; the difference
# divided by N. No module needed (nothing here is served).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dpkg-query -W -f='${Status}' valgrind 2>/dev/null | grep -q 'ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get -qq install -y valgrind >/dev/null
make -s -C "$top" preload
out=$top/build/bench
mkdir -p "$out"
cc -std=c11 -Wall -Wextra -Werror -O2 -o "$out/preload_passthrough" \
	"$top/bench/preload_passthrough.c"
lib=$top/build/preload/libzcnotify-preload.so
n=${N:-20000}
count() {	# count [VAR=VALUE...] PROGRAM ARGS...: its guest instructions
	local envs=()
	while [[ $1 == *=* ]]; do envs+=("$1"); shift; done
	env "${envs[@]}" valgrind --tool=lackey "$@" 2>&1 |
		sed -n 's/.*guest instrs:[ ]*\([0-9,]*\).*/\1/p' | tr -d ,
}
printf '%-11s %14s %14s %10s\n' call without with per_call
a0=$(count "$out/preload_passthrough" none "$n")
b0=$(count LD_PRELOAD="$lib" "$out/preload_passthrough" none "$n")
for k in sendmsg send recvmsg poll epoll_wait close; do
	a=$(count "$out/preload_passthrough" "$k" "$n")
	b=$(count LD_PRELOAD="$lib" "$out/preload_passthrough" "$k" "$n")
	printf '%-11s %14s %14s %10.1f\n' "$k" "$a" "$b" \
		"$(echo "(($b - $b0) - ($a - $a0)) / $n" | bc -l)"
done
