#!/bin/bash
# mkinitramfs.sh OUT KVER
#
# Build the tiny initramfs used by tests/vm/run.sh: a static busybox, the
# guest init script (tests/vm/guest-init) and the handful of modules the
# Debian kernel KVER needs before it can mount the host root over virtio-9p.
# Everything else (veth, the project's module, ...) is loaded later from the
# host's /lib/modules through the 9p root, so the image stays ~1 MB.
#
# A kernel with virtio-pci and 9p built in needs no modules: when
# /lib/modules/KVER does not exist at all (a self-built kernel such as the
# debug one, scripts/debug-kernel.sh), the image carries none; run.sh checks
# the kernel's config for the built-ins before it asks for that.
#
# The image is cached under ${AG_CACHE:-$HOME/.cache/ackguard}/vm, keyed by
# KVER and the content of everything that goes into it, so repeated calls are
# a cheap cp.  OUT may be "-" to only build the cache entry and print its path
# (run.sh uses that to avoid copying).  Prints the path of the image on stdout.
set -euo pipefail

usage() {
	echo "usage: $0 OUT|- KVER" >&2
	exit 2
}
[ $# -eq 2 ] || usage
out=$1
kver=$2
if [ -z "$out" ] || [ -z "$kver" ]; then
	usage
fi

here=$(cd "$(dirname "$0")" && pwd)
init_src=$here/guest-init
busybox=${AG_BUSYBOX:-/bin/busybox}
moddir=/lib/modules/$kver

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

[ -r "$init_src" ] || die "missing $init_src"
builtin_all=0
if [ ! -e "$moddir" ]; then
	builtin_all=1
elif [ ! -r "$moddir/modules.dep" ]; then
	die "no $moddir/modules.dep (is the kernel package for $kver installed?)"
fi
[ -x "$busybox" ] || die "no $busybox (apt-get install busybox-static)"
# A dynamically linked busybox would need its libc in the image too; the
# busybox-static package ships a static one at /bin/busybox.
if command -v file >/dev/null 2>&1 && file -L "$busybox" | grep -q 'dynamically linked'; then
	die "$busybox is dynamically linked; install busybox-static"
fi
for tool in cpio gzip sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done

# Modules needed to reach the 9p root, in the order we ask for them; their
# dependencies are pulled in from modules.dep.  Anything built in (listed in
# modules.builtin) is skipped, so this also works with kernels that have
# virtio/9p compiled in.
wanted="virtio_pci 9pnet_virtio 9p"

# Resolve a module name (dashes and underscores are interchangeable) to its
# path relative to $moddir, via modules.dep.  Empty output if built in.
modpath() {
	local name=${1//-/_}
	awk -v n="$name" -F: '
		{
			p = $1; b = p; sub(/.*\//, "", b); sub(/\.ko(\.(xz|gz|zst))?$/, "", b)
			gsub(/-/, "_", b)
			if (b == n) { print p; exit }
		}' "$moddir/modules.dep"
}
is_builtin() {
	local name=${1//-/_}
	[ -r "$moddir/modules.builtin" ] &&
		sed -e 's#.*/##' -e 's/\.ko$//' -e 's/-/_/g' "$moddir/modules.builtin" | grep -qxF "$name"
}

# Ordered, de-duplicated list of module paths: for each wanted module its
# dependencies first (modules.dep lists them with the deepest last, so they
# are reversed), then the module itself.
ordered=()
[ "$builtin_all" = 1 ] && wanted=
add_path() {
	local p=$1 q
	for q in "${ordered[@]}"; do
		[ "$q" = "$p" ] && return 0
	done
	ordered+=("$p")
}
for m in $wanted; do
	p=$(modpath "$m")
	if [ -z "$p" ]; then
		is_builtin "$m" && continue
		die "module $m not found in $moddir/modules.dep"
	fi
	deps=$(awk -v p="$p" -F': *' '$1 == p { print $2; exit }' "$moddir/modules.dep")
	rev=()
	for d in $deps; do
		rev=("$d" "${rev[@]}")
	done
	for d in "${rev[@]}"; do
		add_path "$d"
	done
	add_path "$p"
done

# Cache key: everything that changes the image.  modules.dep and the module
# files are hashed too because Debian keeps KVER (the ABI name) fixed across
# point releases while the binaries change.
key=$(
	{
		echo "kver=$kver"
		sha256sum "$init_src" "$0" "$busybox" | cut -d' ' -f1
		if [ "$builtin_all" = 1 ]; then
			echo "no modules"
		else
			sha256sum "$moddir/modules.dep" | cut -d' ' -f1
		fi
		for p in "${ordered[@]}"; do
			sha256sum "$moddir/$p" | cut -d' ' -f1
		done
	} | sha256sum | cut -c1-16
)
cache=${AG_CACHE:-$HOME/.cache/ackguard}/vm
image=$cache/initramfs-$kver-$key.cpio.gz

if [ ! -s "$image" ]; then
	mkdir -p "$cache"
	stage=$(mktemp -d "$cache/stage.XXXXXX")
	tmp=$(mktemp "$cache/.initramfs.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the paths are fixed
	trap "rm -rf '$stage' '$tmp'" EXIT
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,mnt/root,modules,etc}
	cp "$busybox" "$stage/bin/busybox"
	# Applet symlinks at build time, so the init script can use plain names
	# before it has mounted anything.
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] && continue
		[ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
	done
	cp "$init_src" "$stage/init"
	chmod 0755 "$stage/init"
	# The kernel opens /dev/console for init before init can mount
	# devtmpfs; without the node init starts with no stdio.  Only root can
	# mknod; guest-init reopens the console itself as a fallback.
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
	: >"$stage/etc/modules"
	for p in "${ordered[@]}"; do
		base=$(basename "$p")
		# Decompress here rather than rely on busybox insmod's
		# compression support (which depends on its build config).
		case $base in
		*.ko.xz) xz -dc "$moddir/$p" >"$stage/modules/${base%.xz}" ;;
		*.ko.zst) zstd -qdc "$moddir/$p" >"$stage/modules/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$moddir/$p" >"$stage/modules/${base%.gz}" ;;
		*.ko) cp "$moddir/$p" "$stage/modules/$base" ;;
		*) die "unexpected module file $p" ;;
		esac
		base=${base%.xz}
		base=${base%.zst}
		base=${base%.gz}
		echo "$base" >>"$stage/etc/modules"
	done
	echo "$kver" >"$stage/etc/kver"
	# Sorted, owner-normalised archive so rebuilds are byte-stable.
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -9n >"$tmp"
	# Atomic publish: concurrent run.sh invocations may build at once.
	chmod 0644 "$tmp"
	mv -f "$tmp" "$image"
	rm -rf "$stage"
	trap - EXIT
	# Stale keys are never hit again; drop those not touched for a day
	# (not younger ones: a concurrent run from another checkout may be
	# about to boot one).
	find "$cache" -maxdepth 1 -name "initramfs-$kver-*.cpio.gz" ! -path "$image" -mtime +0 -delete 2>/dev/null || true
fi

if [ "$out" != - ]; then
	mkdir -p "$(dirname "$out")"
	cp "$image" "$out.tmp.$$"
	mv -f "$out.tmp.$$" "$out"
	echo "$out"
else
	echo "$image"
fi
