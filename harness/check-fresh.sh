#!/bin/bash
# make check-fresh: CI as a new machine runs it. A freshly debootstrapped
# Debian bookworm root (minbase: the essential and required packages and
# apt, nothing else, plus git), a fresh clone of this tree's HEAD in it,
# and `bash .ci/run` (make lint, make check) run there as root, to its
# closing "N passed, N failed" line. Nothing comes from this machine but
# its apt sources and resolv.conf, and /proc, /sys and /dev (QEMU): every
# package, kernel and chroot the lanes use is installed or downloaded
# inside, cold. SEED_CACHE=1 copies .cache/apt (the downloaded kernel
# packages) into the clone first: faster, but then not a cold run, and the
# last line says so. Prints the run's output, its time, and its last line;
# the exit status is .ci/run's. Uncommitted changes are not in the clone.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
out=$BUILD/check-fresh
root=$out/root
bash "$TOP/harness/need.sh" debootstrap git
[ -z "$(git -C "$TOP" status --porcelain --untracked-files=no)" ] ||
	echo "# check-fresh: uncommitted changes are not tested (the clone is of HEAD)"
rev=$(git -C "$TOP" rev-parse HEAD)
rm -rf "$out"
mkdir -p "$out"
stage_start
debootstrap --variant=minbase --include=git bookworm "$root" http://deb.debian.org/debian \
	>"$out/debootstrap.log" 2>&1 ||
	{ tail -20 "$out/debootstrap.log"; echo "0 passed, 1 failed"; exit 1; }
stage_end "debootstrap bookworm minbase + git"
# The host's apt sources (the same archive the lanes use), its resolver.
cp /etc/resolv.conf "$root/etc/resolv.conf"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && cp "$f" "$root/etc/apt/sources.list.d/"
done
# A snapshot-pinned host archive may carry an old Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99check-fresh"
git clone -q --no-checkout "$TOP" "$root/zcnotify"
git -C "$root/zcnotify" checkout -q "$rev"
seeded=""
if [ "${SEED_CACHE:-0}" = 1 ]; then
	mkdir -p "$root/zcnotify/.cache"
	cp -a "$TOP/.cache/apt" "$root/zcnotify/.cache/"
	seeded=" (seeded: .cache/apt copied from $TOP)"
fi
echo "# check-fresh: $rev in $root$seeded"
stage_start
# Own mount namespace: the mounts go away with it. The root is bound onto
# itself so that / is a mount point inside, as on a machine: the lanes'
# own `unshare -m` (harness/lib.sh in_toolchain) makes / private, which
# fails with EINVAL on a plain directory.
unshare -m --propagation private sh -c '
	mount --bind "$1" "$1" &&
	mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" &&
	mount --rbind /dev "$1/dev" &&
	exec chroot "$1" /usr/bin/env -i HOME=/root CI=true TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /zcnotify && bash .ci/run"' sh "$root" 2>&1 | tee "$out/ci.log"
rc=${PIPESTATUS[0]}
stage_end "fresh clone: bash .ci/run"
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/ci.log" | tail -1)
echo "# check-fresh: .ci/run exit $rc in ${STAGE_SECS%.*}s$seeded"
echo "${last:-0 passed, 1 failed (no closing line: see build/check-fresh/ci.log)}"
exit "$rc"
