#!/bin/bash
# qemu-boot.sh <kver> <initramfs.cpio.gz> <console.log> [timeout-seconds] [append]
# Boot a stock kernel from .cache/kernels/<kver> under QEMU TCG (KVM cannot
# boot stock kernels on these machines) and log the serial console.
# The uncompressed ELF vmlinux is extracted once: it boots faster under TCG.
set -euo pipefail

kver=$1 initrd=$2 log=$3 tmo=${4:-900} append=${5:-}
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$top/.cache/kernels/$kver

case $kver in
*-arm64)
	# arm64: the virt board, the kernel's Image as Debian ships it (no
	# Secure Boot: -kernel boots it directly). -cpu max emulates pointer
	# authentication (the kernel and the module are built with pac-ret and
	# it is enforced), BTI (enforced for user programs built with it) and
	# AArch32 at EL0 (the 32-bit tests); pauth-impdef only picks QEMU's
	# faster signing algorithm. ICOUNT=1 as below.
	accel=(-accel "tcg,thread=${TCG_THREAD:-single}" -smp 2)
	[ "${ICOUNT:-0}" = 1 ] && accel=(-accel tcg,thread=single -icount shift=0,sleep=off -smp 1)
	# shellcheck disable=SC2086
	exec timeout --foreground -k 5 "$tmo" qemu-system-aarch64 \
		-M virt "${accel[@]}" ${QEMU_EXTRA:-} \
		-cpu max,pauth-impdef=on -m "${VM_MEM:-1G}" -nographic -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$initrd" \
		-append "console=ttyAMA0 panic=-1 quiet $append" \
		-nic none </dev/null >"$log" 2>&1
	;;
esac

vmlinux=$kdir/vmlinux
# A kernel may ask to boot its bzImage (the KASAN debug build does not
# start from the PVH entry of its ELF image).
[ -e "$kdir/boot-bzimage" ] && vmlinux=$kdir/vmlinuz
if [ ! -f "$vmlinux" ]; then
	python3 - "$kdir/vmlinuz" "$vmlinux.tmp" <<'PY'
import subprocess, sys
data = open(sys.argv[1], 'rb').read()
for magic, cmd in ((b'\x28\xb5\x2f\xfd', ['zstd', '-dcq']),
                   (b'\xfd7zXZ\x00', ['xz', '-dcq'])):
    i = data.find(magic)
    if i >= 0:
        out = subprocess.run(cmd, input=data[i:], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout
        if out[:4] == b'\x7fELF':
            open(sys.argv[2], 'wb').write(out)
            sys.exit(0)
sys.exit(1)
PY
	if [ -s "$vmlinux.tmp" ]; then mv "$vmlinux.tmp" "$vmlinux"; else
		rm -f "$vmlinux.tmp"; vmlinux=$kdir/vmlinuz; fi
fi

# ICOUNT=1: guest time counts executed instructions (1 ns each), one vCPU
# (with two the guest hangs bringing up the second one), deterministic.
# ACCEL=kvm: -accel kvm (only where harness/kvm-probe.sh said it boots).
# QEMU_CPU: the x86 CPU model (the debug lanes turn 5-level paging off).
accel=(-accel "tcg,thread=${TCG_THREAD:-single}" -smp 2 -cpu "${QEMU_CPU:-max}")
[ "${ICOUNT:-0}" = 1 ] && accel=(-accel tcg,thread=single -icount shift=0,sleep=off -smp 1 -cpu max)
[ "${ACCEL:-tcg}" = kvm ] && [ "${ICOUNT:-0}" != 1 ] && accel=(-accel kvm -smp 2 -cpu host)
# QEMU_EXTRA: more QEMU arguments (bench-where.sh's counting plugin).
# shellcheck disable=SC2086
timeout --foreground -k 5 "$tmo" qemu-system-x86_64 \
	"${accel[@]}" ${QEMU_EXTRA:-} -m "${VM_MEM:-1G}" -nographic -no-reboot \
	-kernel "$vmlinux" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet $append" \
	-nic none </dev/null >"$log" 2>&1
