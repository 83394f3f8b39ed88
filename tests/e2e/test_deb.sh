#!/bin/bash
# Scenario n: the Debian packages as an operator installs them.
#
# make check builds ackguard-dkms and ackguard-tools on the host (make deb);
# make check-debug's full boot passes their directory as AG_DEB_DIR.  The guest's / is the host's,
# read-only: the packages go onto an overlay of it (writable layer in
# tmpfs), in a chroot.  There: dpkg -i both, DKMS builds the module for the
# guest's kernel (and refuses a kernel outside dkms.conf's range), modprobe
# loads it, the installed unit's ExecStart lines (no systemd here: run as
# the unit would) load it and apply /etc/ackguard, a real ACK loop (as in
# test_loop) dies, dpkg -r removes module and binaries, dpkg --purge leaves
# nothing named ackguard behind, and a reinstall works again.
# Run: AG_DEB_DIR=build/deb tests/vm/run.sh -- tests/e2e/test_deb.sh
. "$(dirname "$0")/lib.sh"
ag_init test_deb

MIN=${AG_LOOP_MIN:-1000}
MAX=${AG_LOOP_MAX:-10}
debs=${AG_DEB_DIR:-}
case $debs in '' | /*) ;; *) debs=$AG_ROOT/$debs ;; esac
if [ -z "$debs" ] || ! ls "$debs"/ackguard-dkms_*_all.deb >/dev/null 2>&1 ||
	! ls "$debs"/ackguard-tools_*.deb >/dev/null 2>&1; then
	# AG_DEB_DIR names packages the caller built (check-debug does): then
	# they must be there; unset (check-debug's boots), the scenario skips
	if [ -n "$debs" ]; then
		fail "packages present (AG_DEB_DIR='${AG_DEB_DIR:-}')"
	else
		skip "no packages (AG_DEB_DIR unset; make deb builds them)"
	fi
	ag_summary
fi
version=$(cat "$AG_ROOT/VERSION")
kver=$(uname -r)
dkms_deb=$(ls "$debs"/ackguard-dkms_"$version"_all.deb 2>/dev/null)
tools_deb=$(ls "$debs"/ackguard-tools_"$version"_*.deb 2>/dev/null)
[ -n "$dkms_deb" ] && [ -n "$tools_deb" ] ||
	die "no packages of version $version in $debs"

# ---------------------------------------------------------------- the root
ov=$AG_TMP/ov
R=$ov/root
MOUNTS=()
deb_umount() {
	local i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -l "${MOUNTS[i]}" 2>/dev/null
	done
	MOUNTS=()
}
# ag_cleanup (the EXIT trap) unloads the module and deletes the namespaces;
# the mounts go first.
trap 'rc=$?; deb_umount; (exit $rc); ag_cleanup' EXIT
mnt() { # TARGET ARGS...: mount, remembered for the cleanup
	local t=$1
	shift
	mount "$@" "$t" && MOUNTS+=("$t")
}
mkdir -p "$ov"
mnt "$ov" -t tmpfs -o mode=0755 tmpfs || die "tmpfs for the overlay"
mkdir -p "$ov/upper" "$ov/work" "$R"
mnt "$R" -t overlay -o "lowerdir=/,upperdir=$ov/upper,workdir=$ov/work" overlay ||
	die "overlay over /"
mnt "$R/proc" -t proc proc &&
	mnt "$R/sys" -t sysfs sysfs &&
	mnt "$R/dev" --rbind /dev &&
	mnt "$R/tmp" -t tmpfs -o mode=1777 tmpfs &&
	mnt "$R/run" -t tmpfs -o mode=0755 tmpfs || die "chroot mounts"
# The guest's devtmpfs lacks udev's /dev/fd links; dkms needs <(...).
for l in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
	[ -e "/dev/${l%%:*}" ] || ln -s "${l#*:}" "/dev/${l%%:*}"
done
# No manual page index rebuild (man-db's trigger) in this throwaway root:
# minutes under emulation, and nothing of ackguard's.
rm -f "$R/var/lib/man-db/auto-update"
t0=$(date +%s)
inroot dpkg -S /usr/sbin/dkms >/dev/null 2>&1
log "dpkg database read once (over 9p): $(($(date +%s) - t0)) s"
# what the chroot sees of the tree and the packages (both on the lower /)
[ -r "$R$dkms_deb" ] || die "$dkms_deb not visible in the overlay"
inroot() {
	chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}
ko=/lib/modules/$kver/updates/dkms/ackguard.ko
log "overlay root at $R; packages $(basename "$dkms_deb") $(basename "$tools_deb")"

# deb_install TAG: dpkg -i both; DKMS builds the module for this kernel.
deb_install() {
	local tag=$1 t0 rc out=$AG_TMP/dpkg-i.$1
	t0=$(date +%s)
	# streamed, each line with its time: DKMS's build dominates (minutes
	# under emulation)
	inroot dpkg -i "$dkms_deb" "$tools_deb" 2>&1 | tee "$out" |
		while IFS= read -r line; do echo "#   [$(($(date +%s) - t0)) s] $line"; done
	rc=${PIPESTATUS[0]}
	check "$tag: dpkg -i both packages, DKMS build included (exit $rc, $(($(date +%s) - t0)) s)" [ "$rc" = 0 ]
	check "$tag: DKMS built and installed ackguard $version for $kver" \
		sh -c "chroot '$R' dkms status -m ackguard -v '$version' -k '$kver' | grep -q ': installed'"
	check "$tag: $ko is version $version" \
		sh -c "[ \"\$(chroot '$R' modinfo -F version '$ko')\" = '$version' ]"
	check "$tag: ackguardctl --version says $version" \
		sh -c "chroot '$R' ackguardctl --version | grep -qx 'ackguardctl $version'"
}

# modprobe_check TAG: modprobe (from the installed tree) loads it.
modprobe_check() {
	ag_unload
	check "$1: modprobe ackguard" inroot modprobe ackguard
	check "$1: loaded module is $version (/sys/module/ackguard/version)" \
		sh -c "[ \"\$(cat /sys/module/ackguard/version 2>/dev/null)\" = '$version' ]"
	check "$1: ackguardctl show talks to it" sh -c "chroot '$R' ackguardctl show >/dev/null"
}

# ---------------------------------------------------------------- install
ag_unload
deb_install install
modprobe_check install

# A kernel outside BUILD_EXCLUSIVE_KERNEL: DKMS refuses it with an error
# (exit 77), it does not quietly build.  The range is read from dkms.conf;
# a headers directory outside it is made on the overlay when the guest has
# none (DKMS refuses before it looks inside).
range=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$AG_ROOT/dkms.conf")
other=
for d in /lib/modules/*/build; do
	k=$(basename "$(dirname "$d")")
	printf '%s\n' "$k" | grep -qE "$range" && continue
	other=$k
	break
done
if [ -z "$other" ] && [ -n "$range" ]; then
	other=6.14.0-outside-range
	mkdir -p "$R/lib/modules/$other/build"
fi
if [ -n "$other" ]; then
	out=$(inroot dkms build -m ackguard -v "$version" -k "$other" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E 'Error|BUILD_EXCLUSIVE' | sed 's/^/#   /'
	check "DKMS refuses kernel $other (outside $range): exit $rc, BUILD_EXCLUSIVE error" \
		sh -c "[ $rc = 77 ] && printf '%s' \"\$1\" | grep -q 'BUILD_EXCLUSIVE directive which does not match'" sh "$out"
else
	skip "DKMS refuses a kernel outside the range (no other kernel's headers)"
fi

# ---------------------------------------------------------------- the unit
# Parsed from the installed file, run as systemd would (no systemd as PID 1
# here): ExecStartPre then ExecStart, in order, in the chroot.
unit=
for u in /usr/lib/systemd/system/ackguard.service /lib/systemd/system/ackguard.service; do
	[ -f "$R$u" ] && { unit=$u; break; }
done
conf=/etc/ackguard/ackguard.conf
unit_start() {
	local line cmd rc=0
	while IFS= read -r line; do
		cmd=${line#*=}
		# systemd's prefixes: - (failure ignored), @, :, +, !
		while :; do
			case $cmd in [-@:+!]*) cmd=${cmd:1} ;; *) break ;; esac
		done
		log "unit: $cmd"
		inroot sh -c "$cmd" || { rc=$?; case $line in *=-*) rc=0 ;; *) return $rc ;; esac; }
	done < <(grep -E '^ExecStart(Pre)?=' "$R$unit" | sort -s -t= -k1,1r)
	return $rc
}

ag_unload
loop_setup || die "loop setup failed"
loop_pedit || die "tc pedit setup failed"
loop_kick cli
sleep 1
r0=$(loop_rate 1)
check "loop without module runs at >= $MIN pkt/s ($r0)" [ "$r0" -ge "$MIN" ]

if [ -n "$unit" ]; then
	# a non-default burst in the config, to see the unit apply it
	burst_set=
	if [ -f "$R$conf" ] && grep -qiE '^[#[:space:]]*burst[[:space:]]*[=[:space:]]' "$R$conf"; then
		sed -i -E 's/^[#[:space:]]*(burst)([[:space:]]*[=[:space:]][[:space:]]*)[0-9]+/\1\27/I' "$R$conf" &&
			burst_set=7
	fi
	check "unit $unit: its ExecStart lines succeed" unit_start
	check "unit loaded the module" ag_loaded
	if [ -n "$burst_set" ]; then
		b=$(chroot "$R" ackguardctl -j show 2>/dev/null |
			/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("burst", d.get("config", {}).get("burst")))' 2>/dev/null)
		check "unit applied $conf (burst $burst_set, module says $b)" [ "$b" = "$burst_set" ]
	else
		skip "unit applies $conf (no burst key found in it)"
	fi
else
	echo "# SKIP: no ackguard.service installed (dist/ not in this tree yet): modprobe instead"
	skip "the unit applies the config (no unit installed)"
	inroot modprobe ackguard || fail "modprobe ackguard"
fi
r1=$(loop_rate 1)
r2=$(loop_rate 1)
log "loop with the packaged module: $r1 pkt/s in the 1st second, $r2 in the 2nd"
check "loop falls to <= $MAX pkt/s within 2 s ($r2)" [ "$r2" -le "$MAX" ]
ds=$(stat_get $SRV paws_dropped) dc=$(stat_get $CLI paws_dropped)
check "an end drops loop ACKs as paws (ag-srv $ds, ag-cli $dc)" \
	[ $((${ds:-0} + ${dc:-0})) -gt 0 ]
guest_reap "${AG_PIDS[@]}"
AG_PIDS=()
guest_del_netns
ag_rt_timers_restore

# ---------------------------------------------------------------- remove
check "rmmod before removing the packages" ag_unload
out=$(inroot dpkg -r ackguard-tools ackguard-dkms 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
check "dpkg -r both packages (exit $rc)" [ "$rc" = 0 ]
check "dpkg -r: $ko is gone" [ ! -e "$R$ko" ]
check "dpkg -r: modprobe finds no ackguard" sh -c "! chroot '$R' modprobe -n ackguard 2>/dev/null"
check "dpkg -r: DKMS knows no ackguard" sh -c "! chroot '$R' dkms status -m ackguard | grep -q ."
check "dpkg -r: /usr/src/ackguard-$version is gone" [ ! -e "$R/usr/src/ackguard-$version" ]
check "dpkg -r: ackguardctl and its man page are gone" \
	[ ! -e "$R/usr/sbin/ackguardctl" -a ! -e "$R/usr/share/man/man8/ackguardctl.8.gz" ]
if [ -n "$unit" ]; then
	check "dpkg -r: $unit is gone" [ ! -e "$R$unit" ]
	if [ -e "$R$conf" ]; then
		ok "dpkg -r keeps the conffile $conf (purge removes it)"
	else
		log "no $conf after dpkg -r (the package ships none)"
	fi
fi

out=$(inroot dpkg --purge ackguard-tools ackguard-dkms 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
check "dpkg --purge both packages (exit $rc)" [ "$rc" = 0 ]
check "dpkg --purge: /etc/ackguard is gone" [ ! -e "$R/etc/ackguard" ]
check "dpkg --purge: dpkg has no record of either package" \
	sh -c "! chroot '$R' dpkg-query -W -f='\${Status}\n' ackguard-tools ackguard-dkms 2>/dev/null | grep -q ."
# Everything the packages, DKMS and the unit wrote went to the overlay's
# upper layer: nothing named ackguard may remain there.
left=$(find "$ov/upper" -iname '*ackguard*' ! -type c 2>/dev/null)
printf '%s\n' "$left" | grep . | sed 's/^/#   left: /'
check "dpkg --purge leaves nothing named ackguard in the overlay" [ -z "$left" ]

# ---------------------------------------------------------------- again
# A second DKMS build under emulation costs minutes: AG_DEB_REINSTALL=0
# leaves it out, and says so.
if [ "${AG_DEB_REINSTALL:-1}" = 1 ]; then
	deb_install reinstall
	modprobe_check reinstall
	ag_unload
	inroot dpkg --purge ackguard-tools ackguard-dkms >/dev/null 2>&1
else
	skip "reinstall after purge (AG_DEB_REINSTALL=0)"
fi

ag_summary
