#!/bin/bash
# fetch-kernel.sh <kver> -- download a stock Debian kernel's image and headers
# packages into .cache/kernels/<kver>/ (never installed into the host) and
# prepare a tree the module can be built against:
#   .cache/kernels/<kver>/vmlinuz            the boot image
#   .cache/kernels/<kver>/build/             kbuild tree (KDIR)
# Uses a private apt configuration so the system's sources stay untouched.
set -euo pipefail

kver=$1	# or --apt-only: just set up the private apt configuration,
	# or --deb <package> [arch]: download one package, print its path
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$top/.cache
dest=$cache/kernels/$kver
[ -f "$dest/.ready" ] && exit 0
case $kver in --apt-only | --deb) dest=$cache/kernels ;; esac
# arm64 kernels come from a second private apt state of that architecture;
# their kbuild host tools (fixdep, modpost) come from the amd64 package of
# the same version, which runs here.
arch=amd64
case $kver in *-arm64) arch=arm64 ;; esac
[ "$kver" = --deb ] && arch=${3:-amd64}

apt_setup() {		# apt_setup <arch>: sets $apt and aptopts for it
	apt=$cache/apt
	[ "$1" = amd64 ] || apt=$cache/apt-$1
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$dest"
	if [ ! -f "$apt/sources.list" ]; then
		for s in bookworm bookworm-updates bookworm-backports bullseye trixie sid experimental; do
			echo "deb http://deb.debian.org/debian $s main"
		done >"$apt/sources.list"
		echo "deb http://deb.debian.org/debian-security bookworm-security main" >>"$apt/sources.list"
		echo "deb http://deb.debian.org/debian-security bullseye-security main" >>"$apt/sources.list"
	fi
	aptopts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
		 -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt"
		 -o Dir::Cache::archives="$apt/archives" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root
		 -o Acquire::Check-Valid-Until=false)
	[ "$1" = amd64 ] || aptopts+=(-o APT::Architecture="$1" -o APT::Architectures::="$1")
	# Refresh indexes at most once a day.
	if [ -z "$(find "$apt/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		apt-get -qq "${aptopts[@]}" update >/dev/null
	fi
}
apt_setup "$arch"

[ "$kver" = --apt-only ] && exit 0

dl() {			# dl <pkg>: download into $apt/debs, print the .deb path
	local d=$apt/debs
	mkdir -p "$d"
	local f
	f=$(ls "$d/$1"_*.deb 2>/dev/null | head -1 || true)
	if [ -z "$f" ]; then
		(cd "$d" && apt-get -qq "${aptopts[@]}" download "$1" >/dev/null)
		f=$(ls "$d/$1"_*.deb | head -1)
	fi
	echo "$f"
}

if [ "$kver" = --deb ]; then
	dl "$2"
	exit 0
fi

root=$dest/root
rm -rf "$root"
mkdir -p "$root"
img=linux-image-$kver-unsigned
apt-cache "${aptopts[@]}" show "$img" >/dev/null 2>&1 || img=linux-image-$kver
imgdeb=$(dl "$img")
dpkg-deb -x "$imgdeb" "$root"
# Since 7.x the image package is split: the kernel and its modules come in
# linux-binary-* and linux-modules-* packages it depends on.
if [ ! -e "$root/boot/vmlinuz-$kver" ] && [ ! -e "$root/usr/lib/modules/$kver/vmlinuz" ]; then
	for dep in $(dpkg-deb -f "$imgdeb" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//' |
		     awk '{print $1}' | grep -E '^linux-(binary|modules)-'); do
		dpkg-deb -x "$(dl "$dep")" "$root"
	done
fi
hdr=$(dl "linux-headers-$kver")
dpkg-deb -x "$hdr" "$root"
# The arch headers depend on a -common tree and a kbuild package.
for dep in $(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//' |
	     awk '{print $1}' | grep -E '^linux-headers-'); do
	dpkg-deb -x "$(dl "$dep")" "$root"
done
kbuild=$(dpkg-deb -f "$hdr" Depends | tr ',' '\n' | sed 's/(.*//; s/|.*//' |
	 awk '{print $1}' | grep -E '^linux-kbuild-')
apt_setup amd64
dpkg-deb -x "$(dl "$kbuild")" "$root"

# 7.x keeps the kernel in /usr/lib/modules/<kver>/vmlinuz.
cp "$root/boot/vmlinuz-$kver" "$dest/vmlinuz" 2>/dev/null ||
	cp "$root/usr/lib/modules/$kver/vmlinuz" "$dest/vmlinuz"
cp "$root/boot/config-$kver" "$dest/config" 2>/dev/null ||
	cp "$root/usr/src/linux-headers-$kver/.config" "$dest/config"
# The headers tree refers to the -common tree and kbuild by absolute
# /usr/src and /usr/lib paths: make them point inside the cache.
build=$root/usr/src/linux-headers-$kver
for f in $(grep -rlE '/usr/(src|lib)/linux' "$build" --include=Makefile 2>/dev/null); do
	sed -i "s#/usr/src/#$root/usr/src/#g; s#/usr/lib/linux-kbuild#$root/usr/lib/linux-kbuild#g" "$f"
done
for l in $(find "$build" -maxdepth 2 -type l); do
	t=$(readlink "$l")
	case $t in /usr/*) ln -sfn "$root$t" "$l" ;; esac
done
ln -sfn "$build" "$dest/build"
touch "$dest/.ready"
