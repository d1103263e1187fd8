#!/bin/bash
# make deb: build/deb/zcnotify-dkms_<v>_all.deb (the source in /usr/src,
# registered with DKMS by its maintainer scripts, as dh-dkms packages do)
# and build/deb/libzcnotify-dev_<v>_all.deb (uapi header, zcn.h helper,
# pkg-config file, zcnotify(7)). Built with dpkg-deb, no debhelper needed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
v=0.1.0
out=$top/build/deb
rm -rf "$out"
mkdir -p "$out"

d=$out/zcnotify-dkms
mkdir -p "$d/DEBIAN" "$d/usr/src/zcnotify-$v"
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$d/usr/src/zcnotify-$v")
cat >"$d/DEBIAN/control" <<CTL
Package: zcnotify-dkms
Version: $v
Architecture: all
Maintainer: zcnotify developers <zcnotify@localhost>
Depends: dkms (>= 2.1.0.0)
Recommends: linux-headers-amd64 | linux-headers-generic
Section: kernel
Priority: optional
Description: MSG_ZEROCOPY completions in sendmsg() control messages (DKMS)
 Out-of-tree module that returns MSG_ZEROCOPY completions in an
 SCM_ZC_NOTIFICATION control message of sendmsg() on stock kernels.
CTL
cat >"$d/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	dkms add zcnotify/0.1.0 >/dev/null 2>&1 || true
	k=$(uname -r)
	if [ -e "/lib/modules/$k/build" ]; then
		dkms build zcnotify/0.1.0 -k "$k" && dkms install zcnotify/0.1.0 -k "$k"
	fi
fi
SH
cat >"$d/DEBIAN/prerm" <<'SH'
#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = upgrade ]; then
	modprobe -r zcnotify 2>/dev/null || true
	dkms remove zcnotify/0.1.0 --all >/dev/null 2>&1 || true
fi
SH
chmod 755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm"
dpkg-deb --root-owner-group -Zxz -b "$d" "$out/zcnotify-dkms_${v}_all.deb" >/dev/null

l=$out/libzcnotify-dev
mkdir -p "$l/DEBIAN"
make -s -C "$top" install DESTDIR="$l" PREFIX=/usr >/dev/null
rm -rf "$l/usr/bin"	# zcstat is arch-specific: not in this package
gzip -9n "$l/usr/share/man/man7/zcnotify.7"
cat >"$l/DEBIAN/control" <<CTL
Package: libzcnotify-dev
Version: $v
Architecture: all
Maintainer: zcnotify developers <zcnotify@localhost>
Section: libdevel
Priority: optional
Description: MSG_ZEROCOPY completions in sendmsg(): header and helper
 The uapi header <linux/zcnotify.h>, the header-only helper
 <zcnotify/zcn.h> (falls back to MSG_ERRQUEUE without the module),
 a pkg-config file and zcnotify(7).
CTL
dpkg-deb --root-owner-group -Zxz -b "$l" "$out/libzcnotify-dev_${v}_all.deb" >/dev/null
ls "$out"/*.deb
