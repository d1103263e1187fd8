#!/bin/bash
# need.sh <package>... -- install the Debian packages a script is about to
# use, if they are not installed yet (root; what every entry point calls
# before its first use of a tool, so that a fresh machine works). Fetches
# the package indexes first when there are none yet (a fresh debootstrap
# or container has empty /var/lib/apt/lists), or when the first attempt
# fails on stale ones. Idempotent: does nothing when all are there.
set -euo pipefail
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "need: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() { apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null; }
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print -quit 2>/dev/null)" ]; then
	apt-get -qq update >/dev/null
	install
else
	install 2>/dev/null || { apt-get -qq update >/dev/null; install; }
fi
