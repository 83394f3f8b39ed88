#!/bin/bash
# run.sh [options] -- CMD [ARGS...]
#
# Boot a Debian kernel in QEMU with the host's / mounted read-only over 9p
# and run CMD ARGS as root inside it, in the caller's current directory.
# The host can't load modules; this is how every kernel-side test runs.
#
# Options (env var equivalents in brackets):
#   --kernel VMLINUZ  kernel image            [AG_VM_KERNEL]
#   --kver KVER       its /lib/modules name   [AG_VM_KVER]
#                     default: newest /lib/modules/*-amd64 with /boot/vmlinuz-*
#   --mem MB          guest memory, 1024      [AG_VM_MEM]
#   --smp N           guest CPUs, 2           [AG_VM_SMP]
#   --timeout SEC     whole-VM wall clock, 600 [AG_VM_TIMEOUT]
#   --log FILE        also append the serial console output to FILE
#   --allow-dmesg ERE ignore kernel log lines matching ERE (repeatable)
#   --no-dmesg-check  skip the kernel log check
#   --print-kver      print the KVER that would be used and exit
# Other env: AG_VM_ACCEL (kvm|tcg, default auto), AG_VM_APPEND (extra kernel
# args, e.g. "loglevel=7" to see all kernel messages on the console),
# AG_VM_KEEP=1 (keep the work dir), AG_VM_NO_PVH=1 (boot the bzImage, see
# below), AG_CACHE (initramfs/vmlinux cache).
# AG_VM_SEABIOS=1 (SeaBIOS instead of the quieter, faster qboot).
# Every AG_* variable of the caller is exported into the guest; the guest
# also gets AG_IN_VM=1, AG_VM_KVER and AG_VM_WORK (a writable dir shared
# with the host, removed afterwards unless AG_VM_KEEP=1).
#
# Exit status: CMD's exit status; 98 if the guest kernel log shows a bug,
# warning or bad taint (see check-dmesg.sh); 124 on timeout; 125 if the
# guest never reported a status (harness failure, kernel panic); 2 on usage.
# Inside the VM already (AG_IN_VM=1), run.sh just runs CMD directly.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=run.sh

# Already inside the test VM (a test script that wraps itself in run.sh,
# called from another one): just run the command, nesting QEMU under TCG
# would be hopelessly slow.
if [ "${AG_IN_VM:-}" = 1 ]; then
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		shift
	done
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] || { echo "$prog: no command given" >&2; exit 2; }
	exec "$@"
fi

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
	exit 2
}
die() {
	echo "$prog: $*" >&2
	exit 125
}

kernel=${AG_VM_KERNEL:-}
kver=${AG_VM_KVER:-}
mem=${AG_VM_MEM:-1024}
smp=${AG_VM_SMP:-2}
timeout_s=${AG_VM_TIMEOUT:-600}
log=
dmesg_check=1
print_kver=0
allow=()

need_arg() {
	[ $# -ge 2 ] || {
		echo "$prog: $1 needs an argument" >&2
		usage
	}
}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) need_arg "$@"; kernel=$2; shift 2 ;;
	--kver) need_arg "$@"; kver=$2; shift 2 ;;
	--mem) need_arg "$@"; mem=$2; shift 2 ;;
	--smp) need_arg "$@"; smp=$2; shift 2 ;;
	--timeout) need_arg "$@"; timeout_s=$2; shift 2 ;;
	--log) need_arg "$@"; log=$2; shift 2 ;;
	--allow-dmesg) need_arg "$@"; allow+=(--ignore "$2"); shift 2 ;;
	--no-dmesg-check) dmesg_check=0; shift ;;
	--print-kver) print_kver=1; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown option $1" >&2; usage ;;
	esac
done
for v in "$mem" "$smp" "$timeout_s"; do
	case $v in '' | *[!0-9]*) echo "$prog: not a number: $v" >&2; usage ;; esac
done

# Pick the kernel.  The host's own kernel (uname -r) is a custom build with
# no modules, so the default is the Debian generic kernel: the newest
# /lib/modules/X.Y.Z-N-amd64 that has a /boot/vmlinuz-X.Y.Z-N-amd64.  The
# -cloud/-rt flavours are skipped: -cloud lacks much of the hardware and
# debugging support, -rt changes locking behaviour.
if [ -z "$kver" ] && [ -n "$kernel" ]; then
	case $(basename "$kernel") in
	vmlinuz-*) kver=$(basename "$kernel") kver=${kver#vmlinuz-} ;;
	*) die "can't tell KVER from $kernel; pass --kver" ;;
	esac
fi
if [ -z "$kver" ]; then
	kver=$(
		for d in /lib/modules/*-amd64; do
			k=${d##*/}
			[[ $k =~ ^[0-9.]+-[0-9]+-amd64$ ]] || continue
			[ -e "/boot/vmlinuz-$k" ] && echo "$k"
		done | sort -V | tail -n 1
	)
	[ -n "$kver" ] || die "no Debian kernel found (apt-get install linux-image-amd64)"
fi
if [ "$print_kver" = 1 ]; then
	echo "$kver"
	exit 0
fi
kernel=${kernel:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || die "cannot read kernel $kernel"
if [ ! -d "/lib/modules/$kver" ]; then
	# Fine for a kernel that has what the initramfs would load built in
	# (e.g. scripts/debug-kernel.sh's), told by the config next to it.
	kcfg=$(dirname "$kernel")/config-$kver
	for opt in CONFIG_VIRTIO_PCI CONFIG_NET_9P_VIRTIO CONFIG_9P_FS; do
		grep -qx "$opt=y" "$kcfg" 2>/dev/null ||
			die "no /lib/modules/$kver, and $kcfg does not say $opt=y"
	done
fi
[ $# -gt 0 ] || {
	echo "$prog: no command given" >&2
	usage
}
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"

# KVM only when the CPU really offers VMX/SVM.  On this workplace /dev/kvm
# exists and opens, but the CPU flags lack vmx and a KVM guest hangs in the
# host kernel forever, so the mere presence of /dev/kvm is not enough.
accel=${AG_VM_ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		accel=kvm
	fi
fi
case $accel in
kvm) accel_args=(-accel kvm -cpu host) ;;
tcg) accel_args=(-accel "tcg,thread=multi" -cpu max) ;;
*) die "AG_VM_ACCEL must be kvm or tcg" ;;
esac

initrd=$("$here/mkinitramfs.sh" - "$kver") || die "initramfs build failed"

# Boot the uncompressed vmlinux through its PVH entry point when we can:
# under TCG, decompressing Debian's xz bzImage takes ~3 s, more than the
# whole rest of the boot.  The ELF is extracted once and cached (~65 MB),
# keyed by the bzImage's hash.  Needs CONFIG_PVH (checked via the config
# next to the kernel); anything unexpected falls back to the bzImage.
# AG_VM_NO_PVH=1 forces the bzImage.
pvh_kernel() {
	local bz=$1 cfg cache sum out off tmp
	cfg=$(dirname "$bz")/config-$kver
	grep -qx 'CONFIG_PVH=y' "$cfg" 2>/dev/null || return 1
	cache=${AG_CACHE:-$HOME/.cache/ackguard}/vm
	sum=$(sha256sum "$bz" | cut -c1-16)
	out=$cache/vmlinux-$kver-$sum
	if [ ! -s "$out" ]; then
		mkdir -p "$cache"
		tmp=$(mktemp "$cache/.vmlinux.XXXXXX")
		# Same approach as the kernel's scripts/extract-vmlinux: find the
		# payload's magic, decompress from there, ignore what follows.
		off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n 1 | cut -d: -f1)
		if [ -n "$off" ]; then
			tail -c +$((off + 1)) "$bz" | xz -dc --single-stream >"$tmp" 2>/dev/null
		else
			off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$bz" | head -n 1 | cut -d: -f1)
			[ -n "$off" ] && tail -c +$((off + 1)) "$bz" | zstd -qdc >"$tmp" 2>/dev/null
		fi
		if [ "$(head -c 4 "$tmp" | od -An -c | tr -d ' ')" != '177ELF' ]; then
			rm -f "$tmp"
			return 1
		fi
		chmod 0644 "$tmp"
		mv -f "$tmp" "$out"
		# Older extractions of this KVER are dead weight; keep a day's
		# grace for a concurrent run that may be about to boot one.
		find "$cache" -maxdepth 1 -name "vmlinux-$kver-*" ! -path "$out" -mtime +0 -delete 2>/dev/null || true
	fi
	echo "$out"
}
boot_kernel=$kernel
if [ "${AG_VM_NO_PVH:-0}" != 1 ]; then
	boot_kernel=$(pvh_kernel "$kernel") || boot_kernel=$kernel
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ackguard-vm.XXXXXX")
# shellcheck disable=SC2317 # called via trap
cleanup() {
	if [ "${AG_VM_KEEP:-0}" = 1 ]; then
		echo "$prog: work dir kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# POSIX single-quoting, so cmd.sh works under the guest's /bin/sh (dash):
# bash's printf %q can emit $'...' which dash doesn't understand.
shquote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

cwd=$PWD
case $cwd in
/run/ackguard-work | /run/ackguard-work/*) die "cannot run from $cwd" ;;
esac
printf '%s\n' "$cwd" >"$work/cwd"
{
	echo '# generated by tests/vm/run.sh'
	# AG_* settings of the caller reach the test, so e.g. AG_VERBOSE=1
	# works the same inside and outside the VM.
	while IFS= read -r name; do
		case $name in AG_IN_VM | AG_VM_WORK | AG_VM_KVER) continue ;; esac
		printf 'export %s=%s\n' "$name" "$(shquote "${!name}")"
	done < <(compgen -e | grep -E '^AG_[A-Za-z0-9_]*$' || true)
	printf 'export AG_VM_KVER=%s\n' "$(shquote "$kver")"
	printf 'cd -- %s || exit 126\n' "$(shquote "$cwd")"
	printf 'exec'
	for a in "$@"; do
		printf ' %s' "$(shquote "$a")"
	done
	printf '\n'
} >"$work/cmd.sh"

# -nodefaults drops the NIC (and its iPXE ROM), VGA and the monitor; with
# qboot instead of SeaBIOS that leaves a silent, faster firmware.  The serial
# port is the console; QEMU's stdin is /dev/null so it can't swallow the
# caller's stdin (think `while read ...; do run.sh ...; done`).
bios_args=()
if [ -r /usr/share/qemu/qboot.rom ] && [ -z "${AG_VM_SEABIOS:-}" ]; then
	bios_args=(-bios /usr/share/qemu/qboot.rom)
fi
# loglevel=5 (after quiet): warnings, with the stack traces of soft
# lockups and hung tasks, reach the console, the only log left when a
# guest hangs (a demo run hung in a soft lockup that quiet hid the trace of)
qemu=(
	qemu-system-x86_64
	-machine q35 "${accel_args[@]}" "${bios_args[@]}"
	-m "$mem" -smp "$smp"
	-nodefaults -nographic -serial stdio -no-reboot
	-kernel "$boot_kernel" -initrd "$initrd"
	-append "console=ttyS0 quiet loglevel=5 panic=-1 log_buf_len=4M printk.devkmsg=on ${AG_VM_APPEND:-}"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap"
)

# When the guest dies before writing its dmesg (panic, hang), the console
# capture is all there is; scan it for the cause.  Only a diagnostic: the
# console also carries the test's own output, which may say "WARNING:".
console_diag() {
	"$here/check-dmesg.sh" "${allow[@]}" "$work/console.log" >&2 || true
}

start=$(date +%s.%N)
# --foreground keeps QEMU in our process group so ^C reaches it; QEMU then
# exits cleanly, so note the signal ourselves to report it.
interrupted=
trap 'interrupted=1' INT TERM
set +e
# The guest's console ends lines with \r\n; drop the \r so logs and greps
# behave.  sed -u, not tr: tr would block-buffer and the console would only
# show up in 4 KB chunks.  Only timeout's status matters; the guest's own
# comes back through work/rc.
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" </dev/null 2>&1 |
	sed -u 's/\r$//' |
	tee "$work/console.log" ${log:+-a "$log"}
status=("${PIPESTATUS[@]}")
set -e
trap - INT TERM
if [ -n "$interrupted" ]; then
	echo "$prog: interrupted" >&2
	exit 130
fi
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

if [ "${status[0]}" = 124 ] || [ "${status[0]}" = 137 ]; then
	echo "$prog: TIMEOUT: guest did not finish within ${timeout_s}s" >&2
	console_diag
	exit 124
fi
if [ ! -s "$work/rc" ]; then
	echo "$prog: guest did not report an exit status after ${elapsed}s (qemu exit ${status[0]}; kernel panic or harness failure, see console output above)" >&2
	console_diag
	exit 125
fi
rc=$(cat "$work/rc")
echo "$prog: guest exit status $rc after ${elapsed}s" >&2

if [ "$dmesg_check" = 1 ]; then
	if ! "$here/check-dmesg.sh" "${allow[@]}" "$work/dmesg" >&2; then
		if [ -n "$log" ]; then
			{
				echo "==== guest dmesg ===="
				cat "$work/dmesg"
			} >>"$log"
		fi
		echo "$prog: guest kernel log is not clean${log:+ (full guest dmesg appended to $log)}" >&2
		exit 98
	fi
fi
exit "$rc"
