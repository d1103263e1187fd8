#!/bin/bash
# make check: build and run the whole suite on stock Debian kernels in QEMU.
# KERNELS="..." overrides the kernel list (ARCH=arm64: the arm64 pair). TESTS="GLOB,GLOB..." runs only
# the tests whose names, as printed here (basic_udp4, basic_udp4_m32,
# fuzz, tracker_in_order...), match one of the globs; dmesg_clean always
# runs. TIMEOUT_SCALE=N multiplies every case's deadline (the debug lanes).
# Prints a result per test per kernel, a summary per kernel, and the
# closing "N passed, N failed" line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Default: the "check" lane of kernels.txt (bookworm's two amd64 kernels
# and one arm64 kernel), then SMOKE_TESTS on its "smoke" lane: kernels
# whose differences the others cannot show (6.1 arm64: the generic
# uaccess fallbacks and ftrace callbacks without direct calls), in a
# minute each. ARCH=arm64: bookworm's two arm64 kernels, whole suite.
SMOKE=""
SMOKE_TESTS="basic_* sendmmsg_* other_cmsgs_* invalid_* adv_page_absent_* adv_restart_* adv_stale_*"
if [ -z "${KERNELS:-}" ]; then
	KERNELS=$(lane_kernels check)
	if [ "${ARCH:-}" = arm64 ]; then KERNELS=$ARM64_KERNELS
	elif [ -z "${TESTS:-}" ]; then SMOKE=$(lane_kernels smoke); fi
fi
TESTS=$(echo "${TESTS:-}" | tr -s ', ' '  ' | sed 's/^ //; s/ $//')
VM_TIMEOUT=${VM_TIMEOUT:-1200}
T_ALL=$(date +%s)
passed=0 failed=0 n=0
summary=()
mkdir -p "$BUILD"
: >"$BUILD/summary.tsv"	# one line per kernel, for harness/matrix.sh

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1${2:+ # $2}"; }
# A failure that leaves nothing to run: the closing line all the same.
fatal() { nok "$@"; echo "$passed passed, $failed failed"; exit 1; }
# want <name>: TESTS is empty or one of its globs matches the name (the
# VM's /init applies the same rule to zctests=).
want() {
	local - p
	set -f
	[ -z "$TESTS" ] && return 0
	for p in $TESTS; do
		case $1 in $p) return 0 ;; esac
	done
	return 1
}

stage_start
bash "$TOP/harness/deps.sh" || { nok "host dependencies"; }
stage_end "host dependencies"

stage_start
if build_tests; then ok "build userspace tests (C11 -Wall -Wextra -Werror)"; else
	nok "build userspace tests"; fi
# Other architectures' test programs, cross-built, if a kernel needs them.
for a in $(for k in $KERNELS $SMOKE; do kernel_arch "$k"; done | sort -u | grep -vx amd64); do
	if build_tests "$a"; then ok "build $a userspace tests (cross, static)"; else
		nok "build $a userspace tests"; fi
done
stage_end "build userspace tests"

# Host unit tests (the helper's tracker and answer copy): no VM needed.
selected=0
while read -r line; do
	case $line in
	"ok - "*) r=${line#ok - } ;;
	"not ok - "*) r=${line#not ok - } ;;
	*) continue ;;
	esac
	want "${r%% # *}" || continue
	selected=$((selected + 1))
	case $line in
	"ok - "*) ok "host: ${line#ok - }" ;;
	"not ok - "*) r=${line#not ok - }; nok "host: ${r%% # *}" "${r#* # }" ;;
	esac
done < <("$BUILD/tests/unit_tracker"; "$BUILD/tests/unit_answer")

# What every kernel's VM must report, TESTS applied: select_tests sets
# $expected and the kernel command line's $append (and adds to $selected).
# The 32-bit names come from the host's zc_test (the same tables): a host
# kernel without IA32 emulation cannot run zc_test32, and its silent
# failure here once dropped every _m32 case from the count.
all_tests=$("$BUILD/tests/zc_test" list) || fatal "zc_test list"
m32_tests=$(set -f; "$BUILD/tests/zc_test" list $(cat "$TOP/tests/m32-tests.txt")) ||
	fatal "zc_test list (m32)"
[ -n "$m32_tests" ] || fatal "tests/m32-tests.txt matches no test"
select_tests() {
	local sel
	expected=$(set -f
		   for name in $all_tests $(printf '%s_m32\n' $m32_tests) \
			       fuzz fuzz_m32; do
			   want "$name" && echo "$name"
		   done)
	sel=$(echo "$expected" | grep -c .)
	selected=$((selected + sel))
	expected="$expected dmesg_clean"
	append=""
	[ -n "$TESTS" ] && append="zctests=${TESTS// /,}"
	[ -n "${TIMEOUT_SCALE:-}" ] && append="$append zcslow=$TIMEOUT_SCALE"
	[ "$sel" -gt 0 ]
}
if ! select_tests && [ -n "$TESTS" ]; then
	want dmesg_clean && selected=$((selected + 1))
	if [ "$selected" -eq 0 ]; then
		nok "TESTS='$TESTS' matches no test" "see: $BUILD/tests/zc_test list"
		KERNELS="" SMOKE=""
	fi
fi
main_expected=$expected main_append=$append

for k in $KERNELS $SMOKE; do
	kp=0 kf=0 t_fetch=0 t_build=0 t_vm=0 built=no loaded=no dclean=no
	expected=$main_expected append=$main_append
	if [[ " $SMOKE " == *" $k "* ]]; then
		TESTS=$SMOKE_TESTS
		select_tests || fatal "SMOKE_TESTS matches no test"
		TESTS=""
	fi
	rec() { if [ "$1" = ok ]; then ok "$k: $2"; kp=$((kp + 1)); else
		nok "$k: $2" "${3:-}"; kf=$((kf + 1)); fi; }

	stage_start
	if ! bash "$TOP/harness/fetch-kernel.sh" "$k"; then
		rec fail "fetch kernel packages"; summary+=("$k: $kp passed, $kf failed")
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$(toolchain_of "$k")" \
			no no "$kp" "$kf" no 0 0 0 >>"$BUILD/summary.tsv"
		continue
	fi
	stage_end "$k: fetch kernel"
	t_fetch=$STAGE_SECS

	stage_start
	mkdir -p "$BUILD"
	if build_module "$k" >"$BUILD/$k.build.log" 2>&1; then
		rec ok "build module ($(toolchain_of "$k") toolchain)"
		built=yes
	else
		rec fail "build module ($(toolchain_of "$k") toolchain)" "see build/$k.build.log"
		sed 's/^/# /' "$BUILD/$k.build.log" | tail -20
		summary+=("$k: $kp passed, $kf failed")
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$(toolchain_of "$k")" \
			no no "$kp" "$kf" no "$t_fetch" 0 0 >>"$BUILD/summary.tsv"
		continue
	fi
	stage_end "$k: build module"
	t_build=$STAGE_SECS

	stage_start
	img=$BUILD/$k/initramfs.cpio.gz log=$BUILD/$k/console.log
	build_initramfs "$k" "$img"
	bash "$TOP/harness/qemu-boot.sh" "$k" "$img" "$log" "$VM_TIMEOUT" "$append"
	rc=$?
	stage_end "$k: boot and run tests in QEMU"
	t_vm=$STAGE_SECS

	# Results as the VM printed them; every expected test must appear.
	tr -d '\r' <"$log" | sed -n 's/^ZC: //p' >"$BUILD/$k/results"
	grep '^#' "$BUILD/$k/results" | grep -v '^# \[' | head -40
	for name in $expected; do
		line=$(grep -E "^(not )?ok - $name( |$)" "$BUILD/$k/results" | head -1)
		case $line in
		"ok - $name") rec ok "$name" ;;
		"ok - $name # SKIP "*) rec ok "$name # SKIP ${line#*# SKIP }" ;;
		"not ok - $name"*) rec fail "$name" "${line#*# }" ;;
		*) rec fail "$name" "no result (VM exit $rc)" ;;
		esac
	done
	if grep -q '^END$' "$BUILD/$k/results"; then rec ok "VM finished in time"; else
		rec fail "VM finished in time" "exit $rc, see build/$k/console.log"
		tail -30 "$log" | sed 's/^/# /'
	fi
	summary+=("$k: $kp passed, $kf failed")
	grep -q '^ok - sysfs$' "$BUILD/$k/results" && loaded=yes
	grep -q '^ok - dmesg_clean$' "$BUILD/$k/results" && dclean=yes
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$k" "$(toolchain_of "$k")" \
		"$built" "$loaded" "$kp" "$kf" "$dclean" "$t_fetch" "$t_build" "$t_vm" \
		>>"$BUILD/summary.tsv"
done

echo "# ---- summary"
for s in "${summary[@]}"; do echo "# $s"; done
echo "# total time $(( $(date +%s) - T_ALL ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
