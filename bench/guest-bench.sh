#!/bin/sh
# Runs inside the bench VM (busybox sh): the method comparison, interleaved
# over repetitions, then plain sendmsg() with the module loaded and not.
# Parameters come from /bench.conf (written by bench/bench.sh).
. /bench.conf
. /guest-net.sh

rep=1
while [ $rep -le $REPS ]; do
	for lane in $LANES; do
		l=${lane%%:*} p=${lane#*:}
		for size in $SIZES; do
			for iv in $INTERVALS; do
				for m in $METHODS; do
					/bin/zc_bench run $l $p $size $iv $m $SENDS ||
						echo "BENCHFAIL $l $p $size $iv $m"
				done
			done
		done
	done
	rep=$((rep + 1))
done

# Overhead for everyone else: alternate off/on, swapping the order each rep.
rep=1
while [ $rep -le $OH_REPS ]; do
	if [ $((rep % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
	for state in $order; do
		if [ $state = on ]; then insmod /zcnotify.ko; else rmmod zcnotify; fi
		for c in "udp4 64" "tcp4 1024"; do
			for cm in none pktinfo; do
				/bin/zc_bench overhead $c $OH_CALLS $cm
			done
		done
	done
	rep=$((rep + 1))
done
rmmod zcnotify 2>/dev/null
