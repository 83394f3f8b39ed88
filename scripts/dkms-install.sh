#!/usr/bin/env bash
# dkms-install.sh VERSION KVER: register this tree with DKMS as
# ackguard/VERSION (sources in /usr/src/ackguard-VERSION), then build and
# install it for KVER. DKMS rebuilds it for every kernel installed later.
set -euo pipefail
version=$1 kver=$2
top=$(cd "$(dirname "$0")/.." && pwd)
src=/usr/src/ackguard-$version
[ "$(id -u)" -eq 0 ] || { echo "dkms-install: run as root" >&2; exit 1; }
if dkms status -m ackguard -v "$version" | grep -q .; then
	dkms remove -m ackguard -v "$version" --all
fi
rm -rf "$src"
mkdir -p "$src"
(cd "$top" && git ls-files --cached --others --exclude-standard -- VERSION module LICENSE |
	tar -cf - -T -) | tar -xf - -C "$src"
sed "s/#MODULE_VERSION#/$version/" "$top/dkms.conf" >"$src/dkms.conf"
dkms add -m ackguard -v "$version"
dkms build -m ackguard -v "$version" -k "$kver"
dkms install -m ackguard -v "$version" -k "$kver"
