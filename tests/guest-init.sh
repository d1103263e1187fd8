#!/bin/busybox sh
# /init of the test VM: runs the suite against the stock kernel and prints
# results on the serial console for harness/check.sh to parse. Everything
# the suite prints goes through lines starting with "ZC: ".
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
ip link set lo up
echo 1 > /proc/sys/kernel/panic_on_oops
mode=$(sed -n 's/.*zcmode=\([a-z]*\).*/\1/p' /proc/cmdline)
# zcslow=N (check.sh's TIMEOUT_SCALE): every case's deadline times N.
ZC_TIMEOUT_SCALE=$(sed -n 's/.*zcslow=\([0-9]*\).*/\1/p' /proc/cmdline)
export ZC_TIMEOUT_SCALE

say() { echo "ZC: $*"; }

# zctests=GLOB,GLOB... (make check TESTS=...): run only the tests whose
# names, as make check reports them (basic_udp4, basic_udp4_m32, fuzz,
# fuzz_m32), match one of the globs, each in its usual place in the
# sequence below; dmesg_clean always runs. Globs are never expanded as
# paths.
set -f
only=$(sed -n 's/.*zctests=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
want() {
	local p
	[ -z "$only" ] && return 0
	for p in $only; do
		case $1 in $p) return 0 ;; esac
	done
	return 1
}
# pick BIN GLOB...: BIN's tests that the GLOBs name (in the order "BIN run
# GLOB..." runs them) and that want() takes, named as BIN run takes them.
pick() {
	local bin=$1 g n
	shift
	for g in "$@"; do
		for n in $($bin list "$g"); do
			want "$n" && echo "${n%_m32}"
		done
	done
}
# run/run32 GLOB...: without zctests=, the globs as they are (a glob
# matching nothing is a failure); with it, only what pick() keeps.
run() {
	if [ -n "$only" ]; then set -- $(pick /bin/zc_test "$@"); [ $# -gt 0 ] || return 0; fi
	/bin/zc_test run "$@" -- /zcnotify.ko /zc_ipmodify_owner.ko 2>&1 | sed 's/^/ZC: /'
}
run32() {
	if [ -n "$only" ]; then set -- $(pick /bin/zc_test32 "$@"); [ $# -gt 0 ] || return 0; fi
	/bin/zc_test32 run "$@" 2>&1 | sed 's/^/ZC: /'
}

# Point 7: nothing suspicious in the kernel log, in any run.
dmesg_check() {
	leaks=""
	if [ -e /sys/kernel/debug/kmemleak ]; then	# debug kernel lane
		echo scan >/sys/kernel/debug/kmemleak; sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		leaks=$(grep -c 'unreferenced object' /sys/kernel/debug/kmemleak)
		[ "$leaks" = 0 ] && leaks="" || cat /sys/kernel/debug/kmemleak | head -60 | sed 's/^/ZC: # /'
	fi
	# Reports, not the debug features' own boot lines ("RCU lockdep
	# checking is enabled", "kmemleak: ... initialized"): KASAN, KFENCE,
	# lockdep and might_sleep reports all carry BUG: or WARNING:. On
	# arm64 a pointer authentication failure in the kernel is an
	# "Internal error: Oops - FPAC" or, without FEAT_FPAC, an "Unable to
	# handle kernel ..." fault at the poisoned address; a user program's
	# BTI failure is a SIGILL logged as "unhandled exception: BTI".
	bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|Internal error|Unable to handle|exception: BTI|possible circular|possible recursive|inconsistent lock state|suspicious RCU|INFO: task|soft lockup|rcu_sched detected|RCU stall|general protection|UBSAN|sleeping function' | head -3)
	[ -n "$leaks" ] && bad="kmemleak: $leaks unreferenced objects $bad"
	if [ -z "$bad" ]; then say "ok - dmesg_clean"; else
		say "not ok - dmesg_clean # $(echo $bad | cut -c1-200)"
		dmesg | sed 's/^/ZC: # /'
	fi
}

say "kernel $(uname -r)"
if [ "$mode" = stress ]; then
	# make stress: long fuzz (both ABIs), soak with an unload storm.
	. /stress.conf
	[ -d /sys/module/zcnotify ] || insmod /zcnotify.ko
	/bin/zc_fuzz "$FUZZ_SEED" "$FUZZ_CALLS" 2>&1 | sed 's/^/ZC: /'
	/bin/zc_fuzz32 "$FUZZ_SEED" "$FUZZ_CALLS32" 2>&1 | sed 's/^/ZC: /'
	export ZC_SOAK_SECS=$SOAK_SECS ZC_SOAK_UNLOADS=$SOAK_UNLOADS
	run soak
	dmesg_check
elif [ "$mode" = bench ]; then
	sh /bench.sh 2>&1 | sed 's/^/ZC: /'
elif [ "$mode" = demo ]; then
	insmod /zcnotify.ko && /bin/zc_demo 2>&1 | sed 's/^/ZC: /'
	/bin/zcstat | sed 's/^/ZC: zcstat: /'
else
	run 'absent_*' 'fallback_*' load_errors load_busy_cpu
	[ -d /sys/module/zcnotify ] || insmod /zcnotify.ko
	run sysfs stats_udp4 'basic_*' 'sendmmsg_*' 'other_cmsgs_*' 'bounded_*' 'returned_*' 'helper_*' 'invalid_*' \
	    'efault_*' 'hybrid_*' 'errors_*'
	# Unmodified programs under libzcnotify-preload.so (tests/preload.c).
	run 'preload_*'
	# Adversarial cases, one contract point per tests/adv_*.c file.
	run 'adv_*'
	# The same through the 32-bit compat syscalls.
	run32 $(cat /m32-tests.txt)
	# Short fuzz (the seed is printed so that a failure can be replayed)
	# and a short soak with an unload storm; make stress runs long ones.
	seed=$(cat /proc/sys/kernel/random/uuid | tr -dc 0-9 | cut -c1-9)
	want fuzz && /bin/zc_fuzz "$seed" 20000 2>&1 | sed 's/^/ZC: /'
	want fuzz_m32 && /bin/zc_fuzz32 "$seed" 10000 2>&1 | sed 's/^/ZC: /'
	run unload_traffic unload_blocked
	export ZC_SOAK_SECS=8 ZC_SOAK_UNLOADS=6
	run soak
	# A few tests (harness/debug-tests.sh): the end of the log, to debug.
	[ -n "$only" ] && dmesg | tail -60 | sed 's/^/ZC: # /'
	dmesg_check
fi
say "END"
poweroff -f
