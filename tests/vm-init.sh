#!/bin/busybox sh
# /init of the test VM: runs the suite against the stock kernel and prints
# results on the serial console for tools/check.sh to parse. Everything
# the suite prints goes through lines starting with "ZC: ".
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ip link set lo up
echo 1 > /proc/sys/kernel/panic_on_oops
mode=$(sed -n 's/.*zcmode=\([a-z]*\).*/\1/p' /proc/cmdline)

say() { echo "ZC: $*"; }
run() { /bin/zc_test run "$@" -- /zcnotify.ko /zc_ipmodify_owner.ko 2>&1 | sed 's/^/ZC: /'; }
run32() { /bin/zc_test32 run "$@" 2>&1 | sed 's/^/ZC: /'; }

say "kernel $(uname -r)"
only=$(sed -n 's/.*zctests=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
if [ -n "$only" ]; then
	[ -d /sys/module/zcnotify ] || insmod /zcnotify.ko
	run $only
	dmesg | tail -60 | sed 's/^/ZC: # /'
elif [ "$mode" = bench ]; then
	sh /bench.sh 2>&1 | sed 's/^/ZC: /'
elif [ "$mode" = demo ]; then
	insmod /zcnotify.ko && /bin/zc_demo 2>&1 | sed 's/^/ZC: /'
	/bin/zcstat | sed 's/^/ZC: zcstat: /'
else
	run 'absent_*' load_errors
	[ -d /sys/module/zcnotify ] || insmod /zcnotify.ko
	run sysfs stats_udp4 'basic_*' 'sendmmsg_*' 'other_cmsgs_*' 'bounded_*' 'invalid_*' \
	    'efault_*' 'hybrid_*' 'errors_*'
	# The same through the 32-bit compat syscalls.
	set -f; run32 $(cat /m32-tests.txt); set +f
	run unload_traffic unload_blocked
	# Point 7: nothing suspicious in the kernel log, in any run.
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|KFENCE|lockdep|possible circular|INFO: task|soft lockup|rcu_sched detected|RCU stall|general protection|UBSAN|kmemleak' | head -3)
	if [ -z "$bad" ]; then say "ok - dmesg_clean"; else
		say "not ok - dmesg_clean # $(echo $bad | cut -c1-200)"
		dmesg | sed 's/^/ZC: # /'
	fi
fi
say "END"
poweroff -f
