#!/bin/sh
# Runs inside the counted VM of bench-where.sh (busybox sh, one vCPU,
# QEMU -icount, the instruction-count plugin). Parameters: /bench.conf.
# Each cell runs between two marks (/bin/zc_mark), so the plugin's
# count N+1 holds that cell alone: zc_bench's start-up and exit, and its
# SENDS sends.
. /bench.conf
. /guest-net.sh
sleep $WARMUP
grep -i ' t ' /proc/kallsyms | sed 's/^/SYM /'
sleep 5		# the console drains that before the first cell (idle: free)
/bin/zc_mark
for c in $CELLS; do
	IFS=: read l p size iv m <<EOF2
$c
EOF2
	# errqueue_dyn / preload: the dynamically linked errqueue program,
	# without and under libzcnotify-preload.so (as bench-icount's).
	case $m in
	errqueue_dyn) ZC_NORECV=1 /bin/zc_bench_dyn run $l $p $size $iv errqueue $SENDS ;;
	preload) ZC_NORECV=1 LD_PRELOAD=/lib/zcnotify/libzcnotify-preload.so \
		/bin/zc_bench_dyn run $l $p $size $iv errqueue $SENDS ;;
	*) ZC_NORECV=1 /bin/zc_bench run $l $p $size $iv $m $SENDS ;;
	esac
	/bin/zc_mark
	echo "CELL $c"
done
