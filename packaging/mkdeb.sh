#!/bin/bash
# make deb: build/deb/zcnotify-dkms_<v>_all.deb (the module's source in
# /usr/src, registered with DKMS by dh-dkms's maintainer scripts, loaded at
# boot by modules-load.d), build/deb/libzcnotify-dev_<v>_all.deb (uapi
# header, zcn.h helper, pkg-config file, zcnotify(7)) and
# build/deb/zcnotify-tools_<v>_<arch>.deb (zcstat, zcnotify-bench), with
# dpkg-buildpackage from debian/; then lintian --pedantic on the three
# (any tag it prints, even informational, fails the build: what remains is
# overridden with a reason in debian/*.lintian-overrides).
# mkdeb.sh VERSION: the same tree packaged as VERSION, into
# build/deb-VERSION/, without lintian: the "later version" that make
# check-dkms upgrades to.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
as=${1:-}
case $as in *[!0-9A-Za-z.+~]*)
	echo "mkdeb.sh: not a version: $as" >&2
	exit 2 ;;
esac
out=$top/build/deb${as:+-$as}
# Build-Depends of debian/control, the compiler, and lintian.
bash "$top/harness/need.sh" debhelper dh-dkms dpkg-dev liburing-dev gcc make libc6-dev lintian
rm -rf "$out"
mkdir -p "$out/src/zcnotify"
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$out/src/zcnotify")
if [ -n "$as" ]; then
	s=$out/src/zcnotify
	echo "$as" >"$s/VERSION"
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$as\"/" "$s/dkms.conf"
	trailer="$(grep -m1 '^ -- ' "$s/debian/changelog" | sed 's/>  .*/>/')  $(date -R)"
	{ printf 'zcnotify (%s) unstable; urgency=medium\n\n  * The tree of %s as %s.\n\n%s\n\n' \
		"$as" "$(cat "$top/VERSION")" "$as" "$trailer"
	  cat "$s/debian/changelog"; } >"$s/changelog.new"
	mv "$s/changelog.new" "$s/debian/changelog"
	LINTIAN=0
fi
(cd "$out/src/zcnotify" && dpkg-buildpackage -us -uc -b -nc >"$out/build.log" 2>&1) ||
	{ tail -30 "$out/build.log" >&2; exit 1; }
mv "$out"/src/*.deb "$out/"
ls "$out"/*.deb
[ "${LINTIAN:-1}" = 0 ] && exit 0
# lintian exits 0 on info and pedantic tags: fail on any line it prints.
# Its stderr (a warning about running as root) is not a tag.
lintian --pedantic -I -E --tag-display-limit 0 "$out"/*.deb >"$out/lintian.log" 2>"$out/lintian.stderr" || true
if [ -s "$out/lintian.log" ]; then
	cat "$out/lintian.log" >&2
	echo "lintian: $(wc -l <"$out/lintian.log") tag(s), see above" >&2
	exit 1
fi
echo "lintian --pedantic -I -E: clean"
