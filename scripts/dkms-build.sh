#!/usr/bin/env bash
# dkms-build.sh WORKDIR KVER: build the module the way an operator's DKMS
# would (dkms add / build from dkms.conf), in a private DKMS tree so the
# host's /var/lib/dkms is left alone. Writes the built module's path to
# WORKDIR/ko-path for the guest test that loads it.
set -euo pipefail
work=$1 kver=$2
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
rm -rf "$work"
mkdir -p "$work/src/ackguard-$version" "$work/tree"
# what 'git archive' would ship: the tracked and new files, not build output
(cd "$top" && git ls-files --cached --others --exclude-standard -- VERSION module |
	tar -cf - -T -) | tar -xf - -C "$work/src/ackguard-$version"
# dkms.conf with its version filled in, as dh_dkms -V does for the package
sed "s/#MODULE_VERSION#/$version/" "$top/dkms.conf" >"$work/src/ackguard-$version/dkms.conf"
dkms() { command dkms --dkmstree "$work/tree" --sourcetree "$work/src" "$@"; }
dkms add -m ackguard -v "$version" >/dev/null
dkms build -m ackguard -v "$version" -k "$kver" >"$work/build.log" 2>&1 || {
	cat "$work/build.log" "$work"/tree/ackguard/"$version"/build/make.log 2>/dev/null
	exit 1
}
ko=$(find "$work/tree/ackguard/$version/$kver" -name 'ackguard.ko*' | head -n1)
[ -n "$ko" ] || { echo "dkms build produced no module"; exit 1; }
echo "$ko" >"$work/ko-path"
echo "ok - dkms build of ackguard $version for $kver: ${ko#$work/}"
