#!/bin/sh
# Runs inside make bench-latency's VM (busybox sh), the measuring build
# of the module loaded (ZC_LATENCY=y). Parameters: /bench.conf. Every
# scenario of /bin/zc_latency, alone and then with the function tracer
# on ____sys_sendmsg (another ftrace user of the hooked function: the
# callbacks then run inside ftrace's list function, preemption disabled
# where the kernel's ftrace takes no direct call).
. /bench.conf
. /guest-net.sh
[ -d /sys/module/zcnotify/latency ] || { echo "LATFAIL not a measuring build"; exit 0; }
dmesg | grep -m1 'zcnotify: version' | sed 's/^/LOAD /'
sleep $WARMUP
T=/sys/kernel/tracing
[ -d $T/options ] || mount -t tracefs nodev $T 2>/dev/null
for tracer in none function; do
	if [ $tracer = function ]; then
		echo ____sys_sendmsg >$T/set_ftrace_filter && echo function >$T/current_tracer ||
			{ echo "LATFAIL cannot start the function tracer"; break; }
	fi
	for s in $SCENARIOS; do
		/bin/zc_latency $s $SENDS | sed "s/^/tracer=$tracer /" ||
			echo "LATFAIL tracer=$tracer scenario=$s: accounting"
	done
	[ $tracer = function ] && echo nop >$T/current_tracer && echo >$T/set_ftrace_filter
done
dmesg | grep -E 'BUG|WARNING|sleeping function|lockdep|zcnotify' | sed 's/^/DMESG /'
echo LATDONE
