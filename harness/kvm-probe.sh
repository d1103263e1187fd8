#!/bin/bash
# kvm-probe.sh -- can /dev/kvm here boot a stock Debian kernel? Prints
# "kvm" or "tcg", and on stderr the reason. Probed once per host kernel
# (boot the first default kernel with -accel kvm and a one-line /init),
# the answer cached in .cache/kvm-probe/<host kernel>. Paravirtual KVMs
# (PVM, as on this project's machines) expose /dev/kvm but cannot run a
# stock kernel: they hang in the decompressor or stop with an emulation
# failure, so only a kernel that reaches /init counts.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cache=$TOP/.cache/kvm-probe/$(uname -r)
bash "$TOP/harness/deps.sh"
if [ ! -f "$cache" ]; then
	mkdir -p "$(dirname "$cache")"
	if [ ! -w /dev/kvm ]; then
		echo "tcg no writable /dev/kvm" >"$cache"
	else
		k=${DEFAULT_KERNELS%% *}
		bash "$TOP/harness/fetch-kernel.sh" "$k"
		d=$BUILD/kvm-probe
		rm -rf "$d" && mkdir -p "$d/root/bin"
		busybox_of amd64 "$d/root/bin/busybox"
		printf '#!/bin/busybox sh\necho KVM-PROBE-REACHED-INIT\n/bin/busybox poweroff -f\n' \
			>"$d/root/init"
		chmod +x "$d/root/init"
		(cd "$d/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$d/initrd.gz"
		{ timeout --foreground -k 5 60 qemu-system-x86_64 -accel kvm -cpu host -m 512M \
			-nographic -no-reboot -kernel "$TOP/.cache/kernels/$k/vmlinuz" \
			-initrd "$d/initrd.gz" -append "console=ttyS0 panic=-1 quiet" \
			-nic none </dev/null >"$d/console.log" 2>&1; } 2>/dev/null || true
		if grep -q KVM-PROBE-REACHED-INIT "$d/console.log"; then
			echo "kvm $k reached /init under -accel kvm" >"$cache"
		else
			echo "tcg /dev/kvm did not boot $k to /init ($(tr -d '\r' <"$d/console.log" |
				grep -m1 -iE 'error|fail' | cut -c1-80))" >"$cache"
		fi
	fi
fi
read -r accel reason <"$cache"
echo "kvm probe ($(date -r "$cache" +%F), host kernel $(uname -r)): $accel: $reason" >&2
echo "$accel"
