#!/bin/bash
# debug-kernel.sh [--kdir | --kver | --cached | --force]
#
# Build (once) the ackguard debug kernel: Debian's linux-source-6.1,
# `make allnoconfig` with tests/debug/kernel.config on top (KASAN, lockdep,
# kmemleak, UBSAN, ...; virtio/9p/serial built in, so tests/vm/run.sh needs
# no modules directory for it), completed by `make olddefconfig`.
#
# Cached outside the clone, in
#   ${AG_CACHE:-$HOME/.cache/ackguard}/debug-kernel/<key>/
# where <key> is the sha256 of the fragment and the linux-source-6.1 package
# version: a second run with the same key builds nothing.  The entry holds
#   vmlinuz-<kver>   the bzImage (named so run.sh infers KVER from it)
#   config-<kver>    its .config (run.sh looks for CONFIG_PVH=y there)
#   build/           the O= build tree, after modules_prepare, for
#                    `make -C <entry>/build M=$PWD/module`
#   build.log        the build's output, build-seconds its duration
# The source is extracted once per package version next to the entries
# (src-<version>/; never into /work/src or /usr/src).
#
# Prints the path of the bzImage; --kdir prints the build tree instead,
# --kver the kernel release.  --cached builds nothing: exit 0 when the
# entry for the current key is complete, 1 when a run would build it (.ci/run
# asks, to know whether make check-debug fits its time).  --force rebuilds.
# Build on 2 cores: ~20 min alone, ~38 min on a busy host.
set -euo pipefail

prog=debug-kernel.sh
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
frag=$root/tests/debug/kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${AG_JOBS:-$(nproc)}

die() {
	echo "$prog: $*" >&2
	exit 1
}
log() { echo "$prog: $*" >&2; }

what=bz
force=0
for a in "$@"; do
	case $a in
	--kdir) what=kdir ;;
	--kver) what=kver ;;
	--cached) what=cached ;;
	--force) force=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
		exit 0
		;;
	*) die "unknown argument $a" ;;
	esac
done

[ -r "$frag" ] || die "missing $frag"
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed (scripts/deps.sh)"
[ -r "$tarball" ] || die "no $tarball"
for t in make gcc flex bison bc xz perl; do
	command -v "$t" >/dev/null || die "missing tool $t (scripts/deps.sh)"
done
[ -r /usr/include/libelf.h ] || die "missing libelf-dev (scripts/deps.sh)"
[ -r /usr/include/openssl/ssl.h ] || die "missing libssl-dev (scripts/deps.sh)"

key=$({
	cat "$frag"
	printf 'linux-source-6.1 %s\n' "$ver"
} | sha256sum | cut -c1-16)
base=${AG_CACHE:-$HOME/.cache/ackguard}/debug-kernel
dir=$base/$key
src=$base/src-$ver
out=$dir/build
if [ "$what" = cached ]; then
	[ -e "$dir/done" ]
	exit
fi
mkdir -p "$base"

report() {
	case $what in
	bz) echo "$dir/vmlinuz-$(cat "$dir/kver")" ;;
	kdir) echo "$out" ;;
	kver) cat "$dir/kver" ;;
	esac
}

# One builder per key; a concurrent caller waits and then reuses the result.
exec 9>"$base/.lock-$key"
if ! flock -n 9; then
	log "another build of $key is running; waiting for it"
	flock 9
fi
if [ "$force" = 0 ] && [ -e "$dir/done" ]; then
	report
	exit 0
fi

start=$(date +%s)
log "building debug kernel $key (linux-source-6.1 $ver, -j$jobs; log in $dir/build.log)"
rm -rf "$dir"
mkdir -p "$out"
blog=$dir/build.log
: >"$blog"
on_exit() {
	local rc=$?
	[ "$rc" = 0 ] || { tail -n 40 "$blog" >&2; log "FAILED (full log: $blog)"; }
}
trap on_exit EXIT

if [ ! -e "$src/.extracted" ]; then
	log "extracting $tarball into $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	: >"$src.tmp/.extracted"
	mv "$src.tmp" "$src"
fi

kmake() {
	make -C "$src" O="$out" "$@" >>"$blog" 2>&1
}
kmake KCONFIG_ALLCONFIG="$frag" allnoconfig
kmake olddefconfig

# Kconfig silently drops what has unmet dependencies: check that every
# line of the fragment made it into the final .config.
bad=0
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	sym=${line%%=*}
	val=${line#*=}
	if [ "$val" = n ]; then
		if grep -q "^$sym=" "$out/.config"; then
			log "config: wanted $sym=n, got $(grep "^$sym=" "$out/.config")"
			bad=1
		fi
	elif ! grep -qxF "$line" "$out/.config"; then
		log "config: wanted $line, got $(grep -E "^(# )?${sym}[= ]" "$out/.config" || echo 'nothing (unmet dependency?)')"
		bad=1
	fi
done <"$frag"
[ "$bad" = 0 ] || die "the fragment does not apply cleanly; fix tests/debug/kernel.config"

targets=(bzImage)
grep -q '=m$' "$out/.config" && targets+=(modules)
log "make -j$jobs ${targets[*]}"
kmake -j"$jobs" "${targets[@]}"
kmake modules_prepare
# External modules link against Module.symvers; `make modules` writes it,
# and with nothing =m it is only a modpost run.
[ -e "$out/Module.symvers" ] || kmake -j"$jobs" modules

kver=$(cat "$out/include/config/kernel.release")
cp "$out/arch/x86/boot/bzImage" "$dir/vmlinuz-$kver.tmp"
mv "$dir/vmlinuz-$kver.tmp" "$dir/vmlinuz-$kver"
cp "$out/.config" "$dir/config-$kver"
echo "$kver" >"$dir/kver"
# Object files are not needed any more (external modules need only the
# headers, scripts, .config and Module.symvers); keep vmlinux for symbols.
find "$out" -name '*.o' ! -path "$out/scripts/*" -delete
find "$out" -name '.*.o.cmd' ! -path "$out/scripts/*" -delete
echo $(($(date +%s) - start)) >"$dir/build-seconds"
: >"$dir/done"
# Entries of other keys are never hit again; drop those unused for a day.
find "$base" -mindepth 1 -maxdepth 1 -type d -name '????????????????' ! -path "$dir" \
	-mtime +0 -exec rm -rf {} + 2>/dev/null || true
log "built $kver in $(cat "$dir/build-seconds")s"
report
