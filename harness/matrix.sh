#!/bin/bash
# make matrix: the whole suite on every kernel of harness/kernels.txt, each
# module built with its kernel's compiler family, then the table.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
KERNELS=$(awk '!/^#/ && NF { print $1 }' "$TOP/harness/kernels.txt")
KERNELS="$KERNELS" bash "$TOP/harness/check.sh"
rc=$?
echo
echo "## kernel matrix"
# compiler_of <kver>: the compiler its module was built with, as the
# kernel's headers name it (CROSS_COMPILE filled in for arm64).
compiler_of() {
	local cc
	cc=$(sed -n 's/^CC = .*)\([a-z0-9.+-]*gcc[a-z0-9.-]*\)$/\1/p' \
		"$TOP/.cache/kernels/$1/build/.kernelvariables" 2>/dev/null)
	case $(kernel_arch "$1") in arm64) cc=aarch64-linux-gnu-$cc ;; esac
	echo "${cc:-?}"
}
printf '%-22s %-9s %-25s %-6s %-6s %6s %6s %-6s %8s %8s %8s\n' kernel toolchain compiler built loaded passed failed dmesg fetch_s build_s vm_s
while IFS=$'\t' read -r k tc b l p f d tf tb tv; do
	printf '%-22s %-9s %-25s %-6s %-6s %6s %6s %-6s %8.1f %8.1f %8.1f\n' "$k" "$tc" "$(compiler_of "$k")" \
		"$b" "$l" "$p" "$f" "$d" "$tf" "$tb" "$tv"
done <"$BUILD/summary.tsv"
exit $rc
