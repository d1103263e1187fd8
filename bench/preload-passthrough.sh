#!/bin/bash
# preload-passthrough.sh -- what libzcnotify-preload.so adds to a call it
# passes through: user-space instructions (valgrind, lackey) of N calls of
# each kind with and without the library, on this machine; the difference
# divided by N. No module needed (nothing here is served).
# Then what it adds to a program it serves but cannot help: a send reaped
# right after it (every answer empty, so the library soon stops asking:
# ZCP_EMPTY_RUN), N rounds of one sendmsg() and two recvmsg(MSG_ERRQUEUE),
# with a stub preloaded under the library that answers its requests empty,
# as the module does there (bench/preload_served.c). The kernel's side of
# that is what bench-icount's preload method adds.
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

# A socket served but not helped.
cflags=(-std=c11 -Wall -Wextra -Werror -O2 -I"$top/include/uapi")
cc "${cflags[@]}" -o "$out/preload_served" "$top/bench/preload_served.c"
cc "${cflags[@]}" -DPRELOAD_SERVED_STUB -shared -fPIC \
	-o "$out/preload_served_stub.so" "$top/bench/preload_served.c" -ldl
stub=$out/preload_served_stub.so
served() {	# served PRELOAD ROUNDS: the run's user-space instructions
	LD_PRELOAD="$1" valgrind --tool=lackey "$out/preload_served" "$2" 2>&1 |
		sed -n 's/.*guest instrs:[ ]*\([0-9,]*\).*/\1/p' | tr -d ,
}
# Served at all? The library's counters over 1000 rounds (requests, skips).
ZCNOTIFY_PRELOAD_STATS=/dev/stdout LD_PRELOAD="$lib $stub" "$out/preload_served" 1000 2>&1
a0=$(served "$stub" 0) b0=$(served "$lib $stub" 0)
a=$(served "$stub" "$n") b=$(served "$lib $stub" "$n")
printf 'served, not helped: %.1f instructions per round (one sendmsg, two recvmsg)\n' \
	"$(echo "(($b - $b0) - ($a - $a0)) / $n" | bc -l)"
