#!/bin/bash
# tcg-xmc-check.sh [kver] [single|multi] -- control experiment for the
# test harness, no zcnotify involved: toggle the stock function tracer on
# ____sys_sendmsg 60 times while other processes hammer sendmsg(). Under
# multi-threaded TCG this dies with "Oops: int3" in the kernel's own text
# patching (QEMU does not keep cross-modifying code coherent across vCPU
# threads), which is why qemu-boot.sh uses thread=single.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
k=${1:-6.12.117+deb12-amd64} mode=${2:-multi}
bash "$TOP/harness/deps.sh"
bash "$TOP/harness/fetch-kernel.sh" "$k"
build_tests
mkdir -p "$BUILD"
build_module "$k" >/dev/null 2>&1
build_initramfs "$k" "$BUILD/$k/xmc.cpio.gz"
root=$BUILD/$k/initramfs
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tracefs t /sys/kernel/tracing
ip link set lo up
( while :; do /bin/zc_test run hybrid_udp4 hybrid_tcp4 >/dev/null 2>&1; done ) &
( while :; do /bin/zc_test run hybrid_udp6 >/dev/null 2>&1; done ) &
cd /sys/kernel/tracing
i=0
while [ $i -lt 60 ]; do
	echo ____sys_sendmsg > set_ftrace_filter
	echo function > current_tracer
	sleep 0.1
	echo nop > current_tracer
	i=$((i + 1))
done
echo "XMC: survived $i tracer toggles"
poweroff -f
INIT
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$BUILD/$k/xmc.cpio.gz"
TCG_THREAD=$mode bash "$TOP/harness/qemu-boot.sh" "$k" "$BUILD/$k/xmc.cpio.gz" \
	"$BUILD/$k/xmc.log" 300 loglevel=4 || true
grep -a -m3 'XMC:\|Oops\|BUG' "$BUILD/$k/xmc.log"
