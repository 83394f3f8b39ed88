#!/usr/bin/env bash
# deb.sh OUTDIR (make deb): build the ackguard-dkms and ackguard-tools
# packages into OUTDIR (build/deb) with dpkg-buildpackage -us -uc -b, in a
# copy of the tree's tracked files (and new files not ignored, so uncommitted
# work is packaged the way make check tests it): the tree itself is never
# written, not even by debian/rules clean.  Then lintian, which must report
# no errors; its warnings are printed (README: "Packages").
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$1
case $out in /*) ;; *) out=$top/$out ;; esac
version=$(cat VERSION)
src=$out/ackguard-$version

for t in dpkg-buildpackage dh dh_dkms fakeroot; do
	command -v "$t" >/dev/null || {
		echo "deb: $t missing (make deps, or apt-get install debhelper dh-dkms fakeroot)" >&2
		exit 1
	}
done
changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$changelog" = "$version" ] || {
	echo "deb: debian/changelog is at $changelog, VERSION at $version" >&2
	exit 1
}

rm -rf "$out"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar -c --null -T - -f - | tar -x -f - -C "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log"
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
rm -rf "$src"
for d in "$out"/*.deb; do
	echo "$(basename "$d") $(stat -c %s "$d") bytes"
done
if command -v lintian >/dev/null; then
	lintian --fail-on error --info "$out"/*.changes | tee "$out/lintian.log" || {
		echo "deb: lintian reports errors" >&2
		exit 1
	}
	echo "deb: lintian: $(grep -c '^E:' "$out/lintian.log") errors, $(grep -c '^W:' "$out/lintian.log") warnings"
else
	echo "deb: lintian not installed, packages not checked" >&2
fi
