#!/bin/bash
# debug-kernel.sh [6.1|6.12-rt] -- build a debug kernel from Debian's own
# source, cached in .cache/debug-kernel[-<variant>], registered as a
# "kernel" in .cache/kernels/<release>/ so the normal suite can run on it.
# Prints the release.
#   6.1 (default): linux-source-6.1 (the same 6.1.192 as the stock
#     6.1.0-56) from 6.1.0-56-amd64's config, with KASAN, lockdep
#     (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, KFENCE and KMEMLEAK.
#   6.12-rt: linux-source-6.12 (6.12 has PREEMPT_RT in mainline) from
#     6.12.117+deb12-rt-amd64's config, with the same checks plus
#     PROVE_RAW_LOCK_NESTING: a sleeping lock (every spinlock_t on RT)
#     taken where only raw locks may be, or a sleep in atomic context, is
#     reported.
# Every module is dropped (only built-in code, like the stock kernel as
# booted here) and there is no debug info, so that it builds on a 2-core
# machine.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
variant=${1:-6.1}
case $variant in
6.1) ver=6.1 base=6.1.0-56-amd64 dir=$top/.cache/debug-kernel local=-zcdebug extra=() ;;
6.12-rt) ver=6.12 base=6.12.117+deb12-rt-amd64 dir=$top/.cache/debug-kernel-6.12-rt
	local=-zcdebug-rt extra=(-e PREEMPT_RT -e PROVE_RAW_LOCK_NESTING) ;;
*) echo "debug-kernel.sh: unknown variant $variant (6.1, 6.12-rt)" >&2; exit 2 ;;
esac
src=$dir/linux-$ver
rel_file=$dir/release
if [ -f "$dir/.ready" ]; then cat "$rel_file"; exit 0; fi
bash "$top/harness/deps.sh"
mkdir -p "$dir"
# A whole kernel build: the suite's compilers and tools (deps.sh), and
# OpenSSL's headers for the module signing tools Debian's config enables.
bash "$top/harness/deps.sh"
bash "$top/harness/need.sh" libssl-dev
if [ ! -f "$src/Makefile" ]; then
	deb=$(bash "$top/harness/fetch-kernel.sh" --deb "linux-source-$ver")
	rm -rf "$src" && mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "*/linux-source-$ver.tar.xz" |
		xz -dc | tar -x -C "$src" --strip-components=1
fi
cd "$src"
bash "$top/harness/fetch-kernel.sh" "$base" >/dev/null
cp "$top/.cache/kernels/$base/config" .config
echo -n >"$dir/lsmod.empty"
make -s LSMOD="$dir/lsmod.empty" localmodconfig </dev/null >/dev/null 2>&1 || true
./scripts/config --set-str LOCALVERSION "$local" \
	-d DEBUG_INFO -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_DWARF4 -d DEBUG_INFO_BTF \
	-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -e DEBUG_INFO_NONE -d MODULE_SIG_ALL -d MODULE_SIG_FORCE \
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	-e KASAN -e KASAN_GENERIC -e KASAN_INLINE -e PROVE_LOCKING -e DEBUG_ATOMIC_SLEEP \
	-e KFENCE -e DEBUG_KMEMLEAK -e DEBUG_KMEMLEAK_AUTO_SCAN \
	--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000 -e TASKS_RCU \
	-e MODULES -e MODULE_UNLOAD -e KPROBES -e FUNCTION_TRACER -e DYNAMIC_FTRACE \
	-e IA32_EMULATION -e DUMMY "${extra[@]}"
make -s olddefconfig >/dev/null
want=(KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP KFENCE DEBUG_KMEMLEAK KPROBES)
[ "$variant" = 6.12-rt ] && want+=(PREEMPT_RT PROVE_RAW_LOCK_NESTING)
for opt in "${want[@]}"; do
	grep -q "^CONFIG_$opt=y" .config || { echo "debug kernel: CONFIG_$opt did not stick" >&2; exit 1; }
done
grep -Eq '^CONFIG_DYNAMIC_FTRACE_WITH_(REGS|ARGS)=y' .config ||
	{ echo "debug kernel: no DYNAMIC_FTRACE_WITH_REGS/ARGS" >&2; exit 1; }
nice make -s -j"$(nproc)" bzImage modules >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log" >&2; exit 1; }
rel=$(make -s kernelrelease)
kd=$top/.cache/kernels/$rel
mkdir -p "$kd"
cp arch/x86/boot/bzImage "$kd/vmlinuz"
cp .config "$kd/config"
ln -sfn "$src" "$kd/build"
touch "$kd/boot-bzimage" "$kd/.ready"
echo "$rel" >"$rel_file"
touch "$dir/.ready"
echo "$rel"
