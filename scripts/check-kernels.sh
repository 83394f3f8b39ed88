#!/usr/bin/env bash
# check-kernels.sh [--build-only | --boot-ends]: ackguard on every kernel of
# the matrix (make check-kernels).
#
# The matrix: Debian's 6.1 (generic, cloud, rt) and 6.12 (when its headers
# are installed) from the archive, and every kernel of ../shared/kernels
# (scripts/kernel-tree.sh --list).  Each one:
#   build   W=1 -Werror, in its own copy of module/ (build/kernels/NAME/),
#           so no object of one kernel reaches another's build;
#   boot    (generic Debian kernels and the matrix kernels; cloud and rt are
#           built only, check-debug boots rt) tests/vm/run.sh with
#           tests/e2e/run-all.sh, that kernel's module (AG_KO) and the
#           scenarios AG_KERNEL_SCENARIOS (default "loop oracle reload":
#           the real ACK loop stopped by the module, an oracle sample of
#           AG_ORACLE_COUNT (default 2000) segments, load/unload under a loop).
# Then a table kernel x (build, boot, each scenario) with timings; TAP lines
# "ok - ..." / "not ok - ..." for make check; exit status 1 if anything
# failed.  A scenario a kernel cannot run (the table below) is shown as
# SKIP with its reason, never left out silently.  A kernel of a series
# Kbuild refuses (4.4: the oracle has not passed there) is built and
# booted all the same; its results are shown, marked unverified, and do
# not fail the run.
#
#   --build-only  build every kernel, boot none
#   --boot-ends   build every kernel, boot only the oldest and the newest
#                 bootable one (make check; Debian 6.1 has the full suite)
#   --boot-ends-built  the same boots, with the builds a --build-only run
#                 left in build/kernels (make check builds while its guest
#                 suite runs, then boots)
# Environment: AG_MATRIX="5.10 6.6 ..." limits the list (a name or a
# version prefix: "6.1" is 6.1, 6.1-cloud and 6.1-rt, not 6.12),
# AG_MATRIX_EXCLUDE the same way leaves kernels out (make check: "6.1");
# AG_KERNEL_SCENARIOS, AG_ORACLE_COUNT, AG_BUILD_JOBS (parallel builds,
# default: the number of CPUs), AG_BOOT_TIMEOUT (s per boot, default 1500).
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=$top/build/kernels
mode=all
built=0
case ${1:-} in
--build-only) mode=build ;;
--boot-ends) mode=ends ;;
--boot-ends-built) mode=ends built=1 ;;
"") ;;
*)
	sed -n '2,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
	exit 2
	;;
esac
scenarios=${AG_KERNEL_SCENARIOS:-loop oracle reload}
export AG_ORACLE_COUNT=${AG_ORACLE_COUNT:-2000}
jobs=${AG_BUILD_JOBS:-$(nproc)}
boot_timeout=${AG_BOOT_TIMEOUT:-1500}
mkdir -p "$out"
# On a loaded host the emulated PIT can miss the matrix kernels' timer check
# ("IO-APIC + timer doesn't work!" panic, seen with 5.15.100 at load 12).
export AG_VM_APPEND="no_timer_check ${AG_VM_APPEND:-}"

# Scenarios a kernel cannot run, with the reason the table shows:
# "NAME-GLOB SCENARIO REASON...".  Empty for 5.4 and later; branches that
# bring older kernels add their lines (and prefer making the test work).
skip_table=''

# ---- the list: NAME KDIR CC BOOT (BOOT: --kver=K, --kernel=PATH or -)
entries=()
debian() { # FLAVOUR-SUFFIX NAME SERIES
	local suffix=$1 name=$2 series=$3 d v boot
	for d in $(ls -d /lib/modules/"$series".*"$suffix" 2>/dev/null | sort -rV); do
		v=${d##*/}
		case $suffix in -amd64) case $v in *-cloud-amd64 | *-rt-amd64) continue ;; esac ;; esac
		[ -d "$d/build" ] || continue
		boot=-
		[ "$suffix" = -amd64 ] && [ -e "/boot/vmlinuz-$v" ] && boot=--kver=$v
		entries+=("$name $d/build gcc $boot")
		return
	done
}
for ver in $(scripts/kernel-tree.sh --list 2>/dev/null); do
	case $ver in 6.[1-9]* | [7-9].*) break ;; esac
	entries+=("$ver @matrix - -")
done
debian -amd64 6.1 6.1
debian -cloud-amd64 6.1-cloud 6.1
debian -rt-amd64 6.1-rt 6.1
for ver in $(scripts/kernel-tree.sh --list 2>/dev/null); do
	case $ver in 6.[1-9]* | [7-9].*) entries+=("$ver @matrix - -") ;; esac
done
debian -amd64 6.12 6.12
debian -cloud-amd64 6.12-cloud 6.12
debian -rt-amd64 6.12-rt 6.12

wanted() { # NAME: in AG_MATRIX (exact, or a prefix followed by . or -)
	local w
	for w in ${AG_MATRIX_EXCLUDE:-}; do
		case $1 in "$w" | "$w".* | "$w"-*) return 1 ;; esac
	done
	[ -n "${AG_MATRIX:-}" ] || return 0
	for w in $AG_MATRIX; do
		case $1 in "$w" | "$w".* | "$w"-*) return 0 ;; esac
	done
	return 1
}

names=()
declare -A kdir cc boot build_res build_t boot_res boot_t cell rate
for e in "${entries[@]}"; do
	set -- $e
	wanted "$1" || continue
	n=$1
	names+=("$n")
	if [ "$2" = @matrix ]; then
		kdir[$n]=$(scripts/kernel-tree.sh --kdir "$n" 2>"$out/$n.tree.log") || kdir[$n]=
		cc[$n]=$(scripts/kernel-tree.sh --cc "$n")
		k=$(scripts/kernel-tree.sh --kernel "$n" 2>/dev/null) && boot[$n]=--kernel=$k || boot[$n]=-
	else
		kdir[$n]=$2
		cc[$n]=$3
		boot[$n]=$4
	fi
done
[ ${#names[@]} -gt 0 ] || {
	echo "not ok - no kernel of the matrix matches AG_MATRIX=${AG_MATRIX:-}"
	exit 1
}
echo "# kernels: ${names[*]}"

# A series Kbuild refuses (not in its ag_verified: the oracle has not
# passed there) is still built and booted, and its results shown, but they
# do not fail the run: that is why it is refused.
verified=" $(sed -n 's/^ag_verified := //p' module/Kbuild) "
is_verified() { # NAME
	local v
	v=$(echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	case $verified in *" $v "*) return 0 ;; esac
	return 1
}

# ---- builds, AG_BUILD_JOBS at a time
build_one() { # NAME
	local n=$1 d=$out/$1 t0 rc
	t0=$(date +%s)
	rm -rf "$d"
	mkdir -p "$d"
	cp -r module/. VERSION "$d/"
	rm -f "$d"/*.o "$d"/.*.cmd "$d"/*.ko "$d"/*.mod* "$d/.kdir" "$d/Module.symvers" "$d/modules.order"
	if [ -z "${kdir[$n]}" ]; then
		echo "no build tree" >"$d.build.log"
		rc=1
	else
		# every kernel of the matrix builds, verified or not (Kbuild)
		make -s -C "${kdir[$n]}" M="$d" CC="${cc[$n]}" W=1 KCFLAGS=-Werror \
			AG_UNVERIFIED_KERNEL=1 modules \
			>"$d.build.log" 2>&1
		rc=$?
		[ -f "$d/ackguard.ko" ] || rc=1
	fi
	echo "$rc $(($(date +%s) - t0))" >"$d.build.res"
}
for n in "${names[@]}"; do
	[ "$built" = 1 ] && break
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	build_one "$n" &
done
wait
for n in "${names[@]}"; do
	read -r rc t <"$out/$n.build.res" 2>/dev/null || { rc=1 t=0; }
	build_t[$n]=$t
	if [ "$rc" = 0 ]; then
		build_res[$n]=ok
		# --boot-ends-built: the --build-only run reported it already
		[ "$built" = 1 ] || echo "ok - module builds W=1 -Werror against $n (${t}s)"
	else
		build_res[$n]=FAIL
		[ "$built" = 1 ] || echo "not ok - module builds W=1 -Werror against $n (${kdir[$n]:-no tree})"
		grep -E 'error|Error' "$out/$n.build.log" | head -n 5 | sed 's/^/#   /'
	fi
done

# ---- boots
bootable=()
for n in "${names[@]}"; do
	[ "${boot[$n]}" != - ] && bootable+=("$n")
done
case $mode in
build) bootable=() ;;
ends)
	if [ ${#bootable[@]} -gt 2 ]; then
		bootable=("${bootable[0]}" "${bootable[${#bootable[@]} - 1]}")
	fi
	;;
esac

skip_reason() { # NAME SCENARIO: prints the reason if the table skips it
	local glob s why
	while read -r glob s why; do
		[ -n "$glob" ] || continue
		# shellcheck disable=SC2254
		case $1 in $glob) [ "$s" = "$2" ] && { echo "$why"; return; } ;; esac
	done <<<"$skip_table"
}

for n in "${bootable[@]}"; do
	run=()
	for s in $scenarios; do
		why=$(skip_reason "$n" "$s")
		if [ -n "$why" ]; then
			cell[$n.$s]="SKIP ($why)"
			echo "ok - $n: $s # SKIP $why"
		else
			run+=("$s")
		fi
	done
	if [ "${build_res[$n]}" != ok ]; then
		boot_res[$n]="not built"
		continue
	fi
	[ ${#run[@]} -gt 0 ] || { boot_res[$n]="nothing to run"; continue; }
	log=$out/$n.boot.log
	t0=$(date +%s)
	# 3.10 booted reliably here only with SeaBIOS (under qboot it hung
	# early in some boots of the last sessions; cause not found)
	seabios=${AG_VM_SEABIOS:-}
	case $n in 3.*) seabios=1 ;; esac
	# shellcheck disable=SC2086
	env AG_VM_SEABIOS="$seabios" AG_REQUIRE_MODULE=1 AG_KO="$out/$n/ackguard.ko" AG_SCENARIOS="${run[*]}" \
		tests/vm/run.sh ${boot[$n]/=/ } --timeout "$boot_timeout" \
		--log "$out/$n.console.log" -- tests/e2e/run-all.sh >"$log" 2>&1
	rc=$?
	boot_t[$n]=$(($(date +%s) - t0))
	up=$(sed -n 's/.* up in \([0-9.]*s\).*/\1/p' "$log" | head -n 1)
	if grep -q '^# ackguard e2e: kernel' "$log"; then
		boot_res[$n]="ok ${up:-?}"
	else
		boot_res[$n]="FAIL (exit $rc)"
	fi
	case $rc in
	98) boot_res[$n]="${boot_res[$n]}, kernel log!" ;;
	124) boot_res[$n]="${boot_res[$n]}, timeout" ;;
	esac
	for s in "${run[@]}"; do
		line=$(grep -E "^# test_$s: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$log" | tail -n 1)
		took=$(sed -n "s/^# test_$s took \([0-9]*\)s$/\1/p" "$log" | tail -n 1)
		if [ -z "$line" ]; then
			c="FAIL (no summary)"
		else
			set -- $(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')
			if [ "$2" != 0 ]; then
				c="FAIL ($2 of $(($1 + $2)))"
			elif [ "$1" = 0 ]; then
				c="SKIP ($3 skipped)"
			else
				c="ok $1"
				[ "$3" = 0 ] || c="$c, $3 skip"
			fi
		fi
		cell[$n.$s]="$c${took:+ ${took}s}"
	done
	# The loop's rate without and with the module, as test_loop logs it.
	r0=$(sed -n 's/^# loop without module: \([0-9]*\) pkt\/s.*/\1/p' "$log" | head -n 1)
	r1=$(sed -n 's/^# with module: \([0-9]*\) pkt\/s over the next.*/\1/p' "$log" | head -n 1)
	[ -z "$r0$r1" ] || rate[$n]="${r0:-?} -> ${r1:-?}"
	if [ "$rc" = 0 ]; then
		echo "ok - $n boots and passes ${run[*]} (${boot_t[$n]}s)"
	else
		todo=""
		is_verified "$n" || todo=" # TODO not a verified series (Kbuild refuses it)"
		echo "not ok - $n boots and passes ${run[*]} (exit $rc, ${boot_t[$n]}s; $log)$todo"
		grep -E '^not ok' "$log" | head -n 10 | sed 's/^/#   /'
	fi
done

# ---- the table
printf '\n'
hdr="| kernel | build | boot |"
sep="|---|---|---|"
for s in $scenarios; do
	hdr="$hdr $s |"
	sep="$sep---|"
done
echo "$hdr loop pkt/s without -> with module | boot total |"
echo "$sep---|---|"
for n in "${names[@]}"; do
	ver=""
	is_verified "$n" || ver=" (unverified: Kbuild refuses it)"
	row="| $n$ver | ${build_res[$n]} ${build_t[$n]}s | ${boot_res[$n]:-not booted} |"
	for s in $scenarios; do
		row="$row ${cell[$n.$s]:--} |"
	done
	echo "$row ${rate[$n]:--} | ${boot_t[$n]:+${boot_t[$n]}s} |"
done
printf '\n'
fail=0
for n in "${names[@]}"; do
	if ! is_verified "$n"; then
		echo "# $n: not a verified series (module/Kbuild's ag_verified): shown, not counted"
		continue
	fi
	[ "${build_res[$n]}" = ok ] || fail=1
	case ${boot_res[$n]:-} in "" | ok*) ;; *) fail=1 ;; esac
	for s in $scenarios; do
		case ${cell[$n.$s]:-} in FAIL*) fail=1 ;; esac
	done
	case ${boot_res[$n]:-} in *!* | *timeout*) fail=1 ;; esac
done
exit $fail
