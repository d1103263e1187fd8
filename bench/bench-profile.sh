#!/bin/bash
# bench-profile.sh [kver] -- where the time goes in the bench's errqueue and
# cmsg methods (interval 1): perf record (cpu-clock, call graphs) in a
# Debian userspace with linux-perf, on the stock kernel, under QEMU.
# Knobs: LANE (lo or dummy), PROTOS, SENDS, FREQ, ZC_N (request size),
# CELLS (METHOD:INTERVAL pairs, default "errqueue:1 cmsg:1"; errqueue:512
# is the limit, I_end);
# ICOUNT=1 counts instructions (guest time = instructions, one vCPU), so
# the samples are shares of executed instructions.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
k=${1:-6.1.0-56-amd64}
bash "$TOP/harness/deps.sh"
img=$TOP/.cache/chroots/perf-bookworm
if [ ! -f "$img/.ready" ]; then
	base=$(bash "$TOP/packaging/dkms-image.sh")
	rm -rf "$img"
	cp -a "$base" "$img"
	unshare -m sh -c "mount -t proc proc '$img/proc' && chroot '$img' sh -c 'apt-get -qq update &&
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends linux-perf'" >/dev/null
	rm -rf "$img"/var/lib/apt/lists/* "$img"/var/cache/apt/archives/*.deb
	touch "$img/.ready"
fi
out=$BUILD/profile
mkdir -p "$out"
[ -s "$out/base.cpio.gz" ] && [ "$out/base.cpio.gz" -nt "$img/.ready" ] ||
	(cd "$img" && find . -path ./proc -prune -o -print | cpio -o -H newc --quiet | gzip -1) >"$out/base.cpio.gz"
build_tests
gcc $CFLAGS_TEST -o "$BUILD/tests/zc_bench" "$TOP/bench/zc_bench.c" -luring
bash "$TOP/harness/fetch-kernel.sh" "$k"
build_module "$k" >/dev/null 2>&1
ov=$out/overlay
rm -rf "$ov" && mkdir -p "$ov/proc"
cp "$BUILD/tests/zc_bench" "$BUILD/$k/src/zcnotify.ko" "$ov/"
copy_dummy_ko "$k" "$ov/dummy.ko"
cat >"$ov/profile.conf" <<CONF
LANE=${LANE:-lo}
PROTOS="${PROTOS:-udp4 tcp4}"
SENDS=${SENDS:-20000}
FREQ=${FREQ:-1000}
CELLS="${CELLS:-errqueue:1 cmsg:1}"
TOPN=${TOPN:-40}
${ZC_N:+export ZC_N=$ZC_N}
CONF
cat >"$ov/init" <<'INIT'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
busybox ip link set lo up
. /profile.conf
insmod /dummy.ko
busybox ip link add dummy0 type dummy
busybox ip addr add 10.9.0.1/24 dev dummy0
busybox ip link set dummy0 up
insmod /zcnotify.ko
echo -1 >/proc/sys/kernel/perf_event_paranoid
for p in $PROTOS; do
	for c in $CELLS; do
		m=${c%:*} i=${c#*:}
		perf record -q -e cpu-clock -F $FREQ -g -o /tmp/p.data -- /zc_bench run $LANE $p 4096 $i $m $SENDS 2>&1 | sed 's/^/ZC: /'
		echo "ZC: ## $LANE $p $m interval $i: top symbols (self, whole system)"
		perf report -i /tmp/p.data --stdio --no-children -g none --percent-limit 0.05 --sort sym 2>/dev/null |
			grep "%" | grep -v "^#" | head -${TOPN:-40} | sed 's/^/ZC: /'
	done
done
echo "ZC: END"
echo o >/proc/sysrq-trigger
sleep 5
INIT
chmod +x "$ov/init"
(cd "$ov" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/overlay.cpio.gz"
cat "$out/base.cpio.gz" "$out/overlay.cpio.gz" >"$out/initramfs.cpio.gz"
VM_MEM=3G bash "$TOP/harness/qemu-boot.sh" "$k" "$out/initramfs.cpio.gz" "$out/$k.log" 1200 || true
tr -d '\r' <"$out/$k.log" | sed -n 's/^ZC: //p' | grep -v '^END$'
