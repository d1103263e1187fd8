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
printf '%-22s %-9s %-6s %-6s %6s %6s %-6s %8s %8s %8s\n' kernel toolchain built loaded passed failed dmesg fetch_s build_s vm_s
while IFS=$'\t' read -r k tc b l p f d tf tb tv; do
	printf '%-22s %-9s %-6s %-6s %6s %6s %-6s %8.1f %8.1f %8.1f\n' "$k" "$tc" "$b" "$l" "$p" "$f" "$d" "$tf" "$tb" "$tv"
done <"$BUILD/summary.tsv"
exit $rc
