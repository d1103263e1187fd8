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

# modstat NAME: the module's counter stats/NAME.
modstat() { cat /sys/module/zcnotify/stats/$1; }

# preload LANE PROTO SIZE INTERVAL SENDS: the "preload" method, an
# unmodified errqueue program under libzcnotify-preload.so: zc_bench's
# errqueue method, dynamically linked (zc_bench_dyn: LD_PRELOAD does
# nothing to the static zc_bench). Three cells: errqueue_dyn (the same
# binary without the library: what dynamic linking alone changes),
# preload (under the library, its counters off, as a program runs it),
# preload_counted (once more with ZCNOTIFY_PRELOAD_STATS, whose counting
# adds a few instructions per call). The PRELOADCHECK line has the
# module's stats/ growth over the preload run and the library's own
# counters of the counted run: whether the library served the program at
# all, and the system calls it made for it. Outputs go to a file, never
# through a pipe: no second process runs while the sends are counted.
preload() {
	local lib=/lib/zcnotify/libzcnotify-preload.so r0 g0 c0 r1 g1 c1
	if [ ! -x /bin/zc_bench_dyn ] || [ ! -f $lib ]; then
		echo "BENCHFAIL $1 $2 $3 $4 preload (no zc_bench_dyn or library in the image)"
		return
	fi
	ZC_NORECV=1 /bin/zc_bench_dyn run $1 $2 $3 $4 errqueue $5 >/tmp/pl.out 2>&1 ||
		echo "BENCHFAIL $1 $2 $3 $4 errqueue_dyn"
	sed 's/ method=errqueue / method=errqueue_dyn /' /tmp/pl.out
	r0=$(modstat requests) g0=$(modstat ranges) c0=$(modstat completions)
	ZC_NORECV=1 LD_PRELOAD=$lib /bin/zc_bench_dyn run $1 $2 $3 $4 errqueue $5 \
		>/tmp/pl.out 2>&1 || echo "BENCHFAIL $1 $2 $3 $4 preload"
	r1=$(modstat requests) g1=$(modstat ranges) c1=$(modstat completions)
	sed 's/ method=errqueue / method=preload /' /tmp/pl.out
	rm -f /tmp/pl.stats
	ZC_NORECV=1 LD_PRELOAD=$lib ZCNOTIFY_PRELOAD_STATS=/tmp/pl.stats \
		/bin/zc_bench_dyn run $1 $2 $3 $4 errqueue $5 >/tmp/pl.out 2>&1 ||
		echo "BENCHFAIL $1 $2 $3 $4 preload_counted"
	sed 's/ method=errqueue / method=preload_counted /' /tmp/pl.out
	echo "PRELOADCHECK lane=$1 proto=$2 size=$3 interval=$4 sends=$5" \
		"module_requests=$((r1 - r0)) module_ranges=$((g1 - g0))" \
		"module_completions=$((c1 - c0))" \
		"$(sed 's/^zcnotify-preload: //' /tmp/pl.stats 2>/dev/null || echo nostats=1)"
}

# The methods, per lane (lane:proto:size[:sends]): UDP through dummy0
# (no receiver, real zero-copy), TCP over loopback (read afterwards).
for lane in $LANES; do
	IFS=: read l p size n <<EOF2
$lane
EOF2
	[ -n "$n" ] || n=$SENDS
	for iv in $INTERVALS; do
		for m in $METHODS; do
			# cmsg_mixed: the request after an SO_TIMESTAMPING cmsg
			# (answered at the parse, as for a program's own cmsgs).
			if [ $m = cmsg_mixed ]; then
				ZC_MIXED=1 ZC_NORECV=1 /bin/zc_bench run $l $p $size $iv cmsg $n ||
					echo "BENCHFAIL $l $p $size $iv $m"
				continue
			fi
			if [ $m = preload ]; then
				case " $PRELOAD_INTERVALS " in
				*" $iv "*) preload $l $p $size $iv $n ;;
				esac
				continue
			fi
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
