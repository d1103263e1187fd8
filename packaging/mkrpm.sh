#!/bin/bash
# make rpm: build/rpm/zcnotify-dkms-<v>-1.noarch.rpm from
# packaging/zcnotify.spec with Debian's rpm tools (rpmbuild), then
# rpmlint on the spec and the package (any error or warning fails; what
# is filtered, and why, is in packaging/zcnotify.rpmlintrc).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/rpm
v=$(cat "$top/VERSION")
bash "$top/harness/need.sh" rpm rpmlint git
rm -rf "$out"
mkdir -p "$out/SOURCES" "$out/stage/zcnotify-$v"
cd "$top"
git ls-files -z -- $(grep -v '^#' packaging/dkms-files.txt) LICENSE README.md |
	xargs -0 cp --parents -t "$out/stage/zcnotify-$v"
cp -r packaging/modules-load.d packaging/zcnotify-reload "$out/stage/zcnotify-$v/"
tar -C "$out/stage" -czf "$out/SOURCES/zcnotify-$v.tar.gz" "zcnotify-$v"
# Fedora's macros that Debian's rpm lacks.
rpmbuild -bb --define "_topdir $out" --define "_usrsrc /usr/src" \
	--define "_modulesloaddir /usr/lib/modules-load.d" \
	packaging/zcnotify.spec >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
rpm=$(find "$out/RPMS" -name '*.rpm')
echo "$rpm"
rpm -qlp "$rpm"
rpmlint -r packaging/zcnotify.rpmlintrc packaging/zcnotify.spec "$rpm" 2>&1 | tee "$out/rpmlint.log"
grep -qE '^ *[0-9]+ packages and [0-9]+ specfiles checked; 0 errors, 0 warnings' "$out/rpmlint.log"
