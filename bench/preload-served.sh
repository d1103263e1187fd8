#!/bin/bash
# preload-served.sh -- what libzcnotify-preload.so adds to a program it
# serves but cannot help: a send reaped right after it (the completion is
# not queued yet when the request is answered, so every answer is empty
# and the library soon stops asking: ZCP_EMPTY_RUN). No module is needed:
# a stub preloaded under the library answers its requests empty
# (bench/preload_served.c). User-space instructions (valgrind lackey) of
# N rounds (one sendmsg(), two recvmsg(MSG_ERRQUEUE)) with the stub alone
# and with the library over it, and of 0 rounds (start-up); printed per
# round. The kernel's side is what bench-icount's preload method adds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dpkg-query -W -f='${Status}' valgrind 2>/dev/null | grep -q 'ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get -qq install -y valgrind >/dev/null
make -s -C "$top" preload
out=$top/build/bench
mkdir -p "$out"
cflags=(-std=c11 -Wall -Wextra -Werror -O2 -I"$top/include/uapi")
cc "${cflags[@]}" -o "$out/preload_served" "$top/bench/preload_served.c"
cc "${cflags[@]}" -DPRELOAD_SERVED_STUB -shared -fPIC \
	-o "$out/preload_served_stub.so" "$top/bench/preload_served.c" -ldl
lib=$top/build/preload/libzcnotify-preload.so stub=$out/preload_served_stub.so
n=${N:-20000}
count() {	# count PRELOAD ROUNDS: the run's user-space instructions
	LD_PRELOAD="$1" valgrind --tool=lackey "$out/preload_served" "$2" 2>&1 |
		sed -n 's/.*guest instrs:[ ]*\([0-9,]*\).*/\1/p' | tr -d ,
}
a0=$(count "$stub" 0) b0=$(count "$lib $stub" 0)
a=$(count "$stub" "$n") b=$(count "$lib $stub" "$n")
# Served at all? The library's counters over 1000 rounds (requests, skips).
ZCNOTIFY_PRELOAD_STATS=/dev/stdout LD_PRELOAD="$lib $stub" "$out/preload_served" 1000 2>&1
printf 'rounds %s: without %s, with %s; start-up without %s, with %s\n' "$n" "$a" "$b" "$a0" "$b0"
printf 'the library adds %.1f instructions per round (one sendmsg, two recvmsg)\n' \
	"$(echo "(($b - $b0) - ($a - $a0)) / $n" | bc -l)"
