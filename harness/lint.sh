#!/bin/bash
# make lint: checkpatch.pl --strict (taken from Debian's linux-source
# package into .cache, never committed) and sparse on the module, built
# against the first default kernel and cross-built for an arm64 one; the
# userspace programs, the helper and examples with every compiler, the
# README example, and the version (VERSION) in the files that cannot
# read it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# sparse, the compilers and (for the arm64 cross build) gcc-12-aarch64:
# installed here, before their first use, not by a later lane.
bash "$TOP/harness/deps.sh" arm64
cp=$TOP/.cache/checkpatch
if [ ! -x "$cp/scripts/checkpatch.pl" ]; then
	deb=$(bash "$TOP/harness/fetch-kernel.sh" --deb linux-source-6.1)
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/linux-source-6.1.tar.xz'
	mkdir -p "$cp"
	tar -xJf "$tmp"/usr/src/linux-source-6.1.tar.xz -C "$cp" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	rm -rf "$tmp"
fi
rc=0
echo "== checkpatch --strict"
# LINUX_VERSION_CODE: an out-of-tree module builds for many kernels; its
# one use is ZC_KERNEL_SINCE() in module/zc_kernel_version.h, which every
# version gate goes through. ENOSYS: its one use, in module/zc_arch_x86.h,
# compares with the -ENOSYS the x86 entry code puts in pt_regs->ax (the
# system call has not returned); the module never returns it.
"$cp/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore LINUX_VERSION_CODE,ENOSYS -f \
	"$TOP"/module/*.[ch] "$TOP"/include/uapi/linux/zcnotify.h \
	"$TOP"/tests/kmod/*.c || rc=1
echo "== sparse"
# Against the first default kernel, and an arm64 one (cross: the arm64
# compat header is compiled only there).
for k in ${KERNEL:-${DEFAULT_KERNELS%% *} 6.12.117+deb12-arm64}; do
	bash "$TOP/harness/fetch-kernel.sh" "$k"
	bash "$TOP/harness/toolchain.sh" "$(toolchain_of "$k")" "$(kernel_arch "$k")" >/dev/null
	read -ra cross <<<"$(kbuild_cross "$k")"
	out=$BUILD/lint-$k
	rm -rf "$out" && mkdir -p "$out"
	cp -r "$TOP/Kbuild" "$TOP/VERSION" "$TOP/module" "$TOP/include" "$out/"
	log=$(make -s -C "$TOP/.cache/kernels/$k/build" M="$out" "${cross[@]}" C=2 \
		CHECK="sparse -Wsparse-all" modules 2>&1 | grep -v 'Skipping BTF' || true)
	warn=$(echo "$log" | grep -E "$out/(module|include)/.*(warning|error)" || true)
	if [ ! -f "$out/zcnotify.ko" ]; then echo "$log"; echo "sparse ($k): build failed"; rc=1
	elif [ -n "$warn" ]; then echo "$warn"; rc=1; else echo "sparse ($k): clean"; fi
done
echo "== userspace (-Wall -Wextra -Werror, C11)"
if build_tests && gcc $CFLAGS_TEST -o "$BUILD/tests/zc_bench" "$TOP/bench/zc_bench.c" -luring; then
	echo "userspace: clean"
else
	rc=1
fi
echo "== helper and examples (gcc, clang, g++, clang++; -Wall -Wextra -Werror)"
bash "$TOP/harness/helper-builds.sh" || rc=1
echo "== README example (examples/zc_example.c, C11 -Wall -Wextra -Werror)"
if bash "$TOP/harness/readme-example.sh" &&
	gcc $CFLAGS_TEST -o "$BUILD/tests/zc_example" "$TOP/examples/zc_example.c"; then
	echo "README example: clean, the same as examples/zc_example.c"
else
	rc=1
fi
echo "== version (VERSION; the files that cannot read it must agree)"
v=$(cat "$TOP/VERSION")
bad=$( {
	grep -q "^PACKAGE_VERSION=\"$v\"$" "$TOP/dkms.conf" || echo dkms.conf
	head -1 "$TOP/debian/changelog" | grep -q "^zcnotify ($v)" || echo debian/changelog
	grep -q "^Version: *$v$" "$TOP/packaging/zcnotify.spec" || echo packaging/zcnotify.spec
	grep -q "^Version: $v$" "$TOP/zcnotify-uninstalled.pc" || echo zcnotify-uninstalled.pc
	for m in "$TOP"/docs/*.[1-8]; do
		grep -q "^\.TH .* \"zcnotify $v\"" "$m" || echo "docs/${m##*/}"
	done
} )
if [ -n "$bad" ]; then echo "version: not $v in:" $bad; rc=1; else echo "version: $v everywhere"; fi
exit $rc
