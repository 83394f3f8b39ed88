#!/bin/bash
# clean_tree.sh: in a fresh clone of the committed tree, the cheap build
# targets (make userspace, make dist, make deb) write only ignored files:
# `git status --porcelain` stays empty after each.  (make check, make demo
# and make bench write under build/ too, see scripts/; they need the guest
# and are not repeated here.)  Also: the version is written once (VERSION)
# and CHANGELOG.md and debian/changelog agree with it.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "ok - $1"; }
fail() { echo "not ok - $1"; failed=1; }

git clone -q "$top" "$tmp/c" || { echo "not ok - git clone $top"; exit 1; }
cd "$tmp/c" || exit 1
version=$(cat VERSION 2>/dev/null)
[ -n "$version" ] || fail "the tree has a VERSION file"

# step NAME CMD...: CMD succeeds and leaves git status empty
step() {
	local name=$1 st
	shift
	if ! "$@" >"$tmp/log" 2>&1; then
		tail -n 20 "$tmp/log" | sed 's/^/# /'
		fail "clean clone: $name (exit status)"
		return 1
	fi
	st=$(git status --porcelain)
	if [ -n "$st" ]; then
		printf '%s\n' "$st" | sed 's/^/# dirty: /'
		fail "clean clone: $name leaves git status empty"
		return 1
	fi
	pass "clean clone: $name leaves git status empty"
}

step "make userspace" make -s userspace
if step "make dist" make -s dist; then
	t=build/ackguard-$version.tar.gz
	if [ -f "$t" ] && [ "$(tar -tzf "$t" | grep -vc "^ackguard-$version/")" = 0 ] &&
		tar -tzf "$t" | grep -qx "ackguard-$version/VERSION" &&
		tar -tzf "$t" | grep -qx "ackguard-$version/debian/control"; then
		pass "make dist: $t holds the tree under ackguard-$version/"
	else
		fail "make dist: $t holds the tree under ackguard-$version/"
	fi
fi
if command -v dpkg-buildpackage >/dev/null && command -v dh_dkms >/dev/null; then
	if step "make deb" make -s deb; then
		n=$(ls build/deb/ackguard-dkms_"$version"_all.deb \
			build/deb/ackguard-tools_"$version"_*.deb 2>/dev/null | wc -l)
		if [ "$n" = 2 ]; then
			pass "make deb: ackguard-dkms and ackguard-tools $version in build/deb"
		else
			fail "make deb: ackguard-dkms and ackguard-tools $version in build/deb ($n found)"
		fi
	fi
else
	echo "# SKIP: make deb (debhelper/dh-dkms not installed: make deps)"
fi

# one version: nothing but VERSION spells it in the build files
d=$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
c=$(sed -n 's/^## \([0-9][0-9.]*\).*/\1/p' CHANGELOG.md | head -n 1)
if [ -n "$version" ] && [ "$d" = "$version" ] && [ "$c" = "$version" ]; then
	pass "VERSION, debian/changelog and CHANGELOG.md say $version"
else
	fail "VERSION ($version), debian/changelog ($d) and CHANGELOG.md ($c) agree"
fi
spelled=$(git grep -nF "$version" -- Makefile dkms.conf module userspace scripts | grep -v '^userspace/ackguardctl.8:')
if [ -z "$spelled" ]; then
	pass "no build file spells the version $version (all read VERSION)"
else
	printf '%s\n' "$spelled" | sed 's/^/# /'
	fail "no build file spells the version $version (all read VERSION)"
fi
exit "$failed"
