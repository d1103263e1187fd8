#!/bin/bash
# debug-kernel.sh -- build Debian's 6.1 source (linux-source-6.1, the same
# 6.1.192 as the stock 6.1.0-56) with KASAN, lockdep (PROVE_LOCKING),
# DEBUG_ATOMIC_SLEEP, KFENCE and KMEMLEAK, cached in .cache/debug-kernel.
# Starts from Debian's own config with every module dropped (only built-in
# code, like the stock kernel as booted here) and no debug info, so that it
# builds on a 2-core machine. Registers the result as a "kernel" in
# .cache/kernels/<release>/ so the normal suite can run on it. Prints the
# release.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/.cache/debug-kernel
src=$dir/linux-6.1
rel_file=$dir/release
if [ -f "$dir/.ready" ]; then cat "$rel_file"; exit 0; fi
mkdir -p "$dir"
# A whole kernel build: the suite's compilers and tools (deps.sh), and
# OpenSSL's headers for the module signing tools Debian's config enables.
bash "$top/harness/deps.sh"
bash "$top/harness/need.sh" libssl-dev
if [ ! -f "$src/Makefile" ]; then
	deb=$(bash "$top/harness/fetch-kernel.sh" --deb linux-source-6.1)
	rm -rf "$src" && mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*/linux-source-6.1.tar.xz' |
		xz -dc | tar -x -C "$src" --strip-components=1
fi
cd "$src"
bash "$top/harness/fetch-kernel.sh" 6.1.0-56-amd64
cp "$top/.cache/kernels/6.1.0-56-amd64/config" .config
echo -n >"$dir/lsmod.empty"
make -s LSMOD="$dir/lsmod.empty" localmodconfig </dev/null >/dev/null 2>&1 || true
./scripts/config --set-str LOCALVERSION "-zcdebug" \
	-d DEBUG_INFO -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_DWARF4 -d DEBUG_INFO_BTF \
	-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -e DEBUG_INFO_NONE -d MODULE_SIG_ALL -d MODULE_SIG_FORCE \
	--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	-e KASAN -e KASAN_GENERIC -e KASAN_INLINE -e PROVE_LOCKING -e DEBUG_ATOMIC_SLEEP \
	-e KFENCE -e DEBUG_KMEMLEAK -e DEBUG_KMEMLEAK_AUTO_SCAN \
	--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000 -e TASKS_RCU \
	-e MODULES -e MODULE_UNLOAD -e KPROBES -e FUNCTION_TRACER -e DYNAMIC_FTRACE \
	-e IA32_EMULATION -e DUMMY
make -s olddefconfig >/dev/null
for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP KFENCE DEBUG_KMEMLEAK DYNAMIC_FTRACE_WITH_REGS KPROBES; do
	grep -q "^CONFIG_$opt=y" .config || { echo "debug kernel: CONFIG_$opt did not stick" >&2; exit 1; }
done
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
