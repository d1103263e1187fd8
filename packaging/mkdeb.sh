#!/bin/bash
# make deb: build/deb/zcnotify-dkms_<v>_all.deb (source in /usr/src,
# registered with DKMS by dh-dkms's maintainer scripts) and
# build/deb/libzcnotify-dev_<v>_all.deb (uapi header, zcn.h helper,
# pkg-config file, zcnotify(7)), with dpkg-buildpackage from debian/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
missing=()
for p in debhelper dh-dkms dpkg-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] ||
	DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
rm -rf "$out"
mkdir -p "$out/src/zcnotify"
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$out/src/zcnotify")
(cd "$out/src/zcnotify" && dpkg-buildpackage -us -uc -b -nc >"$out/build.log" 2>&1) ||
	{ tail -30 "$out/build.log" >&2; exit 1; }
mv "$out"/src/*.deb "$out/"
ls "$out"/*.deb
