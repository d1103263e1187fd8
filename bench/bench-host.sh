#!/bin/bash
# make bench-host: what reaping MSG_ZEROCOPY completions costs on this
# machine's own kernel (no module: the classic MSG_ERRQUEUE method, which
# the running kernel supports natively), on a real CPU, over loopback.
# Reaping after every 1, 8 or 32 sends is compared with reaping only
# every 512 sends (the limit: completions that cost nothing to read).
# The difference is the most any reaping method, zcnotify included, can
# save here. Wall clock and per-thread CPU time of this machine, median of
# REPS runs, interleaved.
# Lanes: loopback, and a veth pair into a network namespace this script
# creates (as the kernel's msg_zerocopy.sh does) and removes.
# Knobs: SIZES, INTERVALS, PROTOS, LANES, SENDS, REPS.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
out=$BUILD/bench-host
mkdir -p "$out"
bash "$TOP/harness/deps.sh"
# ip for the veth lane (iproute2 is not in a minimal system).
bash "$TOP/harness/need.sh" iproute2
gcc $CFLAGS_TEST -o "$out/zc_bench" "$TOP/bench/zc_bench.c" -luring
SIZES=${SIZES:-4096 65536}
INTERVALS=${INTERVALS:-1 8 32 512}
PROTOS=${PROTOS:-tcp4 udp4}
SENDS=${SENDS:-20000}
REPS=${REPS:-3}
LANES=${LANES:-lo veth}
cleanup() { ip netns del zcpeer 2>/dev/null || true; ip link del zcv0 2>/dev/null || true; }
trap cleanup EXIT
if [[ " $LANES " == *" veth "* ]]; then
	cleanup
	ip netns add zcpeer
	ip link add zcv0 type veth peer name zcv1 netns zcpeer
	ip addr add 10.11.0.1/24 dev zcv0
	ip link set zcv0 up
	ip -n zcpeer addr add 10.11.0.2/24 dev zcv1
	ip -n zcpeer link set zcv1 up
	ip -n zcpeer link set lo up
fi
{
	echo "# kernel $(uname -r), CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs"
	for f in /sys/devices/system/cpu/vulnerabilities/*; do
		echo "# vulnerability $(basename "$f"): $(cat "$f")"
	done
} | tee "$out/raw.txt"
for rep in $(seq "$REPS"); do
	for lane in $LANES; do
		for p in $PROTOS; do
			for size in $SIZES; do
				[ "$p" = udp4 ] && [ "$size" -gt 65000 ] && continue
				# UDP across veth: in a trial the sender outran the
				# peer and the bench's waits for completions (10 ms
				# polls) made the figures; TCP only there.
				[ "$p" = udp4 ] && [ "$lane" = veth ] && continue
				for iv in $INTERVALS; do
					"$out/zc_bench" run "$lane" "$p" "$size" "$iv" errqueue "$SENDS" |
						sed "s/^/rep=$rep /" >>"$out/raw.txt"
				done
			done
		done
	done
done
python3 - "$out/raw.txt" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith('#'):
        print(line.rstrip())
        continue
    d = dict(w.split('=', 1) for w in line.split() if '=' in w)
    rows[(d['lane'], d['proto'], int(d['size']), int(d['interval']))].append(d)
print('\n| lane | proto | size | reap every | us/send (median) | CPU us/send | syscalls/send | vs every 512 |')
print('|---|---|---|---|---|---|---|---|')
for (lane, p, size, iv) in sorted(rows):
    r = rows[(lane, p, size, iv)]
    us = statistics.median(float(x['secs']) * 1e6 / int(x['sends']) for x in r)
    cpu = statistics.median(float(x['cpu_s_per_gb']) * int(x['size']) / 1e3 for x in r)
    base = rows.get((lane, p, size, 512))
    b = statistics.median(float(x['secs']) * 1e6 / int(x['sends']) for x in base) if base else None
    rel = f'{(us / b - 1) * 100:+.1f}%' if b else ''
    print(f'| {lane} | {p} | {size} | {iv} | {us:.2f} | {cpu:.2f} | {float(r[0]["syscalls_per_send"]):.3f} | {rel} |')
PY
