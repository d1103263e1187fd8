#!/bin/sh
# Runs inside the instruction-count VM (busybox sh, one vCPU, QEMU
# -icount: 1 ns of guest time = 1 instruction). Parameters: /bench.conf.
. /bench.conf
echo 200000 >/proc/sys/kernel/threads-max
. /guest-net.sh
# Let the kernel's own start-up work (timers, workqueues) finish first:
# with -icount,sleep=off idle guest time costs no host time, but work that
# still runs would be counted into the first lanes.
sleep $WARMUP

# The methods, per lane (lane:proto:size[:sends]): UDP through dummy0
# (no receiver, real zero-copy), TCP over loopback (read afterwards).
for lane in $LANES; do
	IFS=: read l p size n <<EOF2
$lane
EOF2
	[ -n "$n" ] || n=$SENDS
	for iv in $INTERVALS; do
		for m in $METHODS; do
			ZC_NORECV=1 /bin/zc_bench run $l $p $size $iv $m $n ||
				echo "BENCHFAIL $l $p $size $iv $m"
		done
	done
done

# What a request costs with n elements (interval 1; the control buffer
# stays on the kernel's stack up to 36 bytes, n = 1).
[ "$NS" = 0 ] || for n in $NS; do
	ZC_N=$n /bin/zc_bench run dummy udp4 $SIZE 1 cmsg $SENDS
done

# Everyone else's sendmsg() and a system call that is not one (getppid),
# module off, on, off, on (drift shows).
for state in off on off on; do
	if [ $state = on ]; then insmod /zcnotify.ko; else rmmod zcnotify; fi
	for c in "udp4 64 none" "udp4 64 pktinfo" "udp4 64 tstamp" \
		 "tcp4 1024 none" "tcp4 1024 tstamp" "getppid 0 none"; do
		set -- $c
		ZC_DUMMY=1 /bin/zc_bench overhead $1 $2 $OH_CALLS $3
	done
done

# An unrelated sendmsg() before and after THREADS threads hold a record;
# then the same without the module (what many threads cost by themselves).
if [ "$THREADS" -gt 0 ]; then
	/bin/zc_bench threads $THREADS $TH_CALLS
	cat /sys/module/zcnotify/stats/norecord | sed 's/^/NORECORD /'
	rmmod zcnotify
	/bin/zc_bench threads $THREADS $TH_CALLS
fi
