#!/bin/bash
# make bench-where: where the instructions of a send go, exactly, per
# function. Like bench-icount, one vCPU under QEMU -icount; a TCG plugin
# (bench/qemu-insn-count.c) counts the instructions executed at every
# address, cell by cell, and bench-where.py maps them to the guest's
# symbols and prints, per function, the instructions per send of each
# cell and the difference to the first one. Not sampled: every
# instruction is counted (blocks cut short by an interrupt count whole).
# Knobs: KERNELS (one or more), SENDS, WARMUP, CELLS (lane:proto:size:
# interval:method, default: the request at every send against the
# reaping limit and reaping at every send, UDP 4 KB via dummy0; method
# errqueue_dyn or preload: the dynamically linked errqueue program without
# or under libzcnotify-preload.so, whose user-space part is one "(user)"
# line), TOP.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
. "$TOP/bench/lib.sh"
KERNELS=${KERNELS:-6.1.0-56-amd64}
out=$BUILD/bench-where
mkdir -p "$out"
bench_prepare
gcc -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC \
	-o "$out/qemu-insn-count.so" "$TOP/bench/qemu-insn-count.c"
gcc -std=c11 -Wall -Wextra -Werror -O1 -static -no-pie \
	-Wl,-Ttext-segment=0x7a000000 -o "$out/zc_mark" "$TOP/bench/zc_mark.c"
mark=0x$(nm "$out/zc_mark" | awk '$3 == "zc_mark" { print $1 }')
for k in $KERNELS; do
	case $k in *-amd64) ;; *) echo "bench-where: amd64 kernels only ($k)" >&2; exit 1 ;; esac
	bench_root "$k" "$TOP/bench/guest-bench-where.sh"
	root=$BUILD/$k/initramfs
	bench_guest "$k" "$TOP/bench/guest-bench-where.sh"
	cp "$out/zc_mark" "$root/bin/"
	bench_conf "$root/bench.conf" SENDS=5000 WARMUP=60 \
		"CELLS=dummy:udp4:4096:1:cmsg dummy:udp4:4096:512:errqueue dummy:udp4:4096:1:errqueue"
	pack_root "$k" "$BUILD/$k/where.cpio.gz"
	rm -f "$out/$k.count."*
	stage_start
	ICOUNT=1 VM_MEM=${VM_MEM:-3G} \
	QEMU_EXTRA="-plugin $out/qemu-insn-count.so,mark=$mark,out=$out/$k.count" \
		bash "$TOP/harness/qemu-boot.sh" "$k" "$BUILD/$k/where.cpio.gz" \
		"$out/$k.log" 3000 zcmode=bench || true
	stage_end "$k: counted run"
	python3 "$TOP/bench/bench-where.py" "$out/$k.log" "$out/$k.count" \
		"${TOP_N:-60}" | tee "$out/$k.md"
done
