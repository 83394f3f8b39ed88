#!/bin/bash
# kernel-tree.sh [--kdir | --kernel | --kver | --list] [VERSION]
#
# The project's matrix kernels built from source (../shared/kernels/<VERSION>/:
# bzImage, config, relocatable build.tar.xz; see its README.md), made
# usable by the build and by tests/vm/run.sh.  Extracted once into a cache
# outside the clone:
#   ${AG_CACHE:-$HOME/.cache/ackguard}/kernels/<VERSION>/
#     build/          the module build tree (make -C <it> M=$PWD/module)
#     vmlinuz-<kver>  symlink to the bzImage (run.sh infers KVER from it)
#     config-<kver>   symlink to its config (run.sh reads it)
#     kver            the kernel release (uname -r)
#
#   --kdir    print the build tree (default)
#   --kernel  print the vmlinuz path, for run.sh --kernel
#   --kver    print the kernel release
#   --cc      print the CC the tree wants ("gcc -fno-pie" for 3.x)
#   --list    print the versions available, oldest first
# VERSION may be a prefix ("3.10", "5.15"); it must match exactly one.
# AG_KERNELS overrides the shared directory.
set -euo pipefail

prog=kernel-tree.sh
here=$(cd "$(dirname "$0")" && pwd)
shared=${AG_KERNELS:-$(cd "$here/../.." && pwd)/shared/kernels}
[ -d "$shared" ] || shared=/work/shared/kernels
cache=${AG_CACHE:-$HOME/.cache/ackguard}/kernels

die() {
	echo "$prog: $*" >&2
	exit 1
}

what=kdir
want=
for a in "$@"; do
	case $a in
	--kdir | --kernel | --kver | --cc | --list) what=${a#--} ;;
	-h | --help)
		sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
		exit 0
		;;
	-*) die "unknown option $a" ;;
	*) want=$a ;;
	esac
done

[ -d "$shared" ] || die "no kernel matrix at $shared (AG_KERNELS)"
versions=$(cd "$shared" && for d in */; do
	if [ -r "$d/bzImage" ] && [ -r "$d/build.tar.xz" ]; then
		echo "${d%/}"
	fi
done | sort -V)

if [ "$what" = list ]; then
	echo "$versions"
	exit 0
fi
[ -n "$want" ] || die "which version? one of: $(echo $versions)"
match=$(echo "$versions" | awk -v w="$want" '$0 == w || index($0, w ".") == 1')
[ -n "$match" ] || die "no matrix kernel $want (have: $(echo $versions))"
[ "$(echo "$match" | wc -l)" = 1 ] || die "$want is ambiguous: $(echo $match)"
ver=$match
src=$shared/$ver
dst=$cache/$ver

if [ "$what" = cc ]; then
	case $ver in 3.*) echo "gcc -fno-pie" ;; *) echo gcc ;; esac
	exit 0
fi

# Extract once; a lock keeps parallel callers from racing, a stamp holding
# the tarball's size and mtime notices a replaced matrix.
stamp=$(stat -c '%s %Y' "$src/build.tar.xz" "$src/bzImage" | tr '\n' ' ')
mkdir -p "$cache"
exec 9>"$cache/.lock-$ver"
flock 9
if [ ! -r "$dst/stamp" ] || [ "$(cat "$dst/stamp")" != "$stamp" ]; then
	echo "$prog: extracting $ver into $dst" >&2
	rm -rf "$dst"
	mkdir -p "$dst"
	tar -xJf "$src/build.tar.xz" -C "$dst"
	mv "$dst"/linux-build-* "$dst/build"
	kver=$(make -s -C "$dst/build" kernelrelease 2>/dev/null | tail -1)
	[ -n "$kver" ] || die "can't tell the kernel release of $ver"
	echo "$kver" >"$dst/kver"
	ln -s "$src/bzImage" "$dst/vmlinuz-$kver"
	ln -s "$src/config" "$dst/config-$kver"
	echo "$stamp" >"$dst/stamp"
fi
flock -u 9
kver=$(cat "$dst/kver")

case $what in
kdir) echo "$dst/build" ;;
kernel) echo "$dst/vmlinuz-$kver" ;;
kver) echo "$kver" ;;
esac
