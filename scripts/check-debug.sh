#!/usr/bin/env bash
# make check-debug: the hardening runs (issue 5), three guest boots:
#
#   scripts/check-debug.sh [--no-debug] [--no-rt] [--no-full] [--no-oracle]
#                          [--no-fuzz] [--no-stress] [--no-flood] [--no-deb]
#                          [--no-e2e] [--no-ctl] [--plan]
#
# 1. debug: a kernel built from Debian's linux-source-6.1 with KASAN,
#    lockdep (PROVE_LOCKING), PROVE_RCU, kmemleak, UBSAN and
#    DEBUG_ATOMIC_SLEEP (tests/debug/kernel.config; built once and cached,
#    see scripts/debug-kernel.sh), the module built against it in
#    build/debug-module/.  One boot (2 GB) runs, in this order: 20
#    load/unload cycles, the netlink fuzzer (tests/stress/fuzz_genl.py,
#    privileged and unprivileged), the stress (tests/stress/stress.sh), the
#    floods scaled down (tests/stress/flood.sh), the end-to-end suite
#    (tests/e2e/run-all.sh, without its DKMS scenario: the self-built
#    kernel has no /lib/modules for DKMS), the ackguardctl/netlink suite
#    (tests/e2e/ctl/run.sh); then, after the last rmmod, two kmemleak
#    scans: any unreferenced object allocated by ackguard (a backtrace
#    through the module's code) fails; other leaks are only reported.
# 2. rt: the module built W=1 -Werror against Debian's PREEMPT_RT headers
#    (linux-headers-rt-amd64) in build/rt-module/, and by DKMS; Debian's
#    linux-image-rt-amd64 boots and runs 20 load/unload cycles, the
#    end-to-end suite (with the DKMS scenario) and the ctl suite.
# 3. full: Debian's generic kernel (the one make check boots), the module
#    in build/full-module/, booted with slab_nomerge (the flood's slab
#    check): the full-size floods (1,000,000 spoofed ACKs; 20,000
#    connections at max_flows 5,000) and the full stress.
# 4. oracle: Debian's generic kernel again (AG_ORACLE_KVER: another
#    /lib/modules name, e.g. the rt one), the module in
#    build/oracle-module/: test_oracle at full size, AG_DEBUG_ORACLE
#    (100,000) segments each judged by the kernel's own TCPACKSkipped*
#    counters, in parallel namespace pairs (~125 segments/s on an idle
#    host: ~15 min).
# Every boot fails on a KASAN/lockdep/RCU/UBSAN/WARN report or bad taint
# in the guest's kernel log (tests/vm/check-dmesg.sh via run.sh, exit 98).
# The --no-* switches leave out a boot (debug, rt, full, oracle) or a part
# (fuzz, stress, flood: the debug and full boots; deb: the full boot, with
# the packages make check built; e2e, ctl: the debug and
# rt boots).
#
# A deadline (AG_CHECK_DEBUG_DEADLINE, seconds since the epoch: CI's end,
# .ci/run sets it) skips each boot that would not end before it, judged
# by its time measured here (AG_EST_DEBUG 4000 s: 3,000 s seen before the
# samehost, pretcp, oracle and nfqueue scenarios joined it, ~950 s more
# estimated from their runs on the debug kernel; AG_EST_RT 1800 s (1,479 s
# seen with test_traffic whole),
# AG_EST_FULL 1500 s (300 s, and test_deb's two DKMS builds: 846 s seen
# for them alone at host load 5); AG_EST_ORACLE 1500 s (100,000
# segments): the slowest seen, with a margin; the
# debug boot adds
# AG_EST_KERNEL 2700 s when its kernel must be built), says so on a
# "# check-debug: ... skipped" line and caps every guest's timeout at the
# deadline. --plan prints which boots would run, and runs nothing.
#
# Emulated, with KASAN, everything is 10-20 times slower than on Debian's
# kernel (netlink ~450 msgs/s, floods ~400-1000 pps, 1000 connections
# in 20 s), so the floods run scaled down in the debug boot (the full-size
# ones are the full boot's), and the e2e/ctl suites get longer per-test
# limits there.  The ACK loop of test_loop/test_reload runs at 100-150
# pkt/s there instead of 10,000-60,000: "the loop runs" means >= 50 pkt/s
# in that boot (AG_LOOP_MIN; enforce must still take it to <= 10), and
# test_storm's injector, which cannot keep 200/s steady there, storms at
# 60/s for 30 s (AG_CTL_STORM_RATE, AG_CTL_STORM_SECS).  The
# AG_DEBUG_* variables set the debug boot's counts (the scripts' own
# AG_STRESS_*, AG_FLOOD_* and AG_FUZZ_* variables win when set, in every
# boot).
#
# Environment: AG_DEBUG_TIMEOUT (s, default 10800), AG_DEBUG_MEM (MB, 2048),
# AG_DEBUG_FUZZ (100000 messages), AG_DEBUG_SPOOF (100000 spoofed ACKs),
# AG_DEBUG_CONNS (5000 connections), AG_DEBUG_MAX_FLOWS (1000),
# AG_DEBUG_STRESS_SECS (60: the churn phase; slower there, it needs longer
# to churn as many namespaces and settings),
# AG_RT_TIMEOUT (s, 5400), AG_FULL_TIMEOUT (s, 5400), AG_ORACLE_TIMEOUT
# (s, 5400), AG_CHECK_DEBUG_OUT
# (where the module builds and logs go, default build/: debug-module/,
# rt-module/, rt-dkms/, full-module/, oracle-module/, each with guest.out and
# guest-console.log).
# Output: TAP-like lines; the last is "N passed, N failed".
# SC2317: the guest helpers only run via step().
# shellcheck disable=SC2317
set -uo pipefail

# The kernel's ynl CLI for the ctl suite's test_ynl (scripts/ynl.sh
# extracts it once on the host; the guest's HOME is not the host's).
[ "${1:-}" = --guest ] || export AG_YNL=${AG_YNL:-$(scripts/ynl.sh 2>/dev/null)}

if [ "${1:-}" = --guest ]; then
	# ------------------------------------------------------------ in the VM
	shift
	phase=$1
	steps=$2
	cd "$(dirname "$0")/.." || exit 2
	export AG_KO=${AG_KO:?}
	export AG_REQUIRE_MODULE=1
	pass=0
	fail=0
	step() { # NAME CMD...
		local name=$1 rc t0
		shift
		echo "# ==== $name"
		t0=$(date +%s)
		"$@"
		rc=$?
		if [ $rc = 0 ]; then
			echo "ok - $phase: $name ($(($(date +%s) - t0)) s)"
			pass=$((pass + 1))
		else
			echo "not ok - $phase: $name (exit $rc, $(($(date +%s) - t0)) s)"
			fail=$((fail + 1))
		fi
	}
	unload() {
		for _ in $(seq 1 100); do
			grep -q '^ackguard ' /proc/modules || return 0
			rmmod ackguard 2>/dev/null && return 0
			sleep 0.1
		done
		return 1
	}
	# where the module's code sits, to recognise its frames in kmemleak
	# backtraces after it is gone (they then print as bare addresses);
	# sampled in the background as the scripts load it again and again
	modrange() {
		awk '$1 == "ackguard" { sub(/^0x/, "", $6); print $6, $2 }' /proc/modules \
			>>"$AG_VM_WORK/ag-modrange"
	}
	modrange_sampler() {
		while :; do
			modrange
			sleep 0.5
		done
	}
	smoke() {
		for _ in $(seq 1 20); do
			insmod "$AG_KO" || return 1
			modrange
			[ -r /proc/net/ackguard/stats ] || return 1
			userspace/ackguardctl show >/dev/null || return 1
			userspace/ackguardctl flows >/dev/null || return 1
			rmmod ackguard || return 1
		done
		# a bad parameter refuses the load
		! insmod "$AG_KO" interval_ms=0 2>/dev/null || { unload; return 1; }
	}
	fuzz() {
		local rc
		insmod "$AG_KO" || return 1
		modrange
		/usr/bin/python3 tests/stress/fuzz_genl.py \
			--count "${AG_FUZZ_COUNT:-${AG_DEBUG_FUZZ:-100000}}"
		rc=$?
		unload || rc=1
		return "$rc"
	}
	kmemleak() {
		local f=/sys/kernel/debug/kmemleak out
		[ -w "$f" ] || { echo "# no $f"; return 1; }
		echo scan >"$f"
		sleep 5
		echo scan >"$f"
		out=$AG_VM_WORK/ag-kmemleak
		cat "$f" >"$out"
		/usr/bin/python3 - "$out" "$AG_VM_WORK/ag-modrange" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ranges = set()
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) == 2 and int(f[0], 16):
        ranges.add((int(f[0], 16), int(f[0], 16) + int(f[1])))
def ours(entry):
    # symbolised while the module was loaded, or an address inside it
    if re.search(r"ackguard|\bag_[a-z0-9_]+\+0x", entry):
        return True
    for m in re.finditer(r"\[<([0-9a-f]+)>\]", entry):
        a = int(m.group(1), 16)
        if any(lo <= a < hi for lo, hi in ranges):
            return True
    return False
entries = ["unreferenced object" + e for e in text.split("unreferenced object")[1:]]
mine = [e for e in entries if ours(e)]
print("# kmemleak: %d unreferenced objects, %d of them allocated by ackguard"
      % (len(entries), len(mine)))
for e in mine[:5]:
    print("# ackguard leak:\n" + "\n".join("#   " + l for l in e.rstrip().splitlines()))
sys.exit(1 if mine else 0)
PY
		local rc=$?
		if [ -s "$out" ]; then
			echo "# kmemleak report (first 60 lines):"
			head -n 60 "$out" | sed 's/^/#   /'
		fi
		return "$rc"
	}
	has() { case " $steps " in *" $1 "*) return 0 ;; esac; return 1; }

	echo "# check-debug $phase: kernel $(uname -r), module $AG_KO ($(modinfo -F vermagic "$AG_KO"))"
	if has kmemleak && [ -w /sys/kernel/debug/kmemleak ]; then
		# forget what boot left behind: only new leaks count
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	fi
	: >"$AG_VM_WORK/ag-modrange"
	modrange_sampler &
	sampler=$!
	has smoke && step "load/unload smoke (20 cycles)" smoke
	has fuzz && step "netlink fuzzing (fuzz_genl.py, privileged and unprivileged)" fuzz
	has stress && step "stress (tests/stress/stress.sh)" tests/stress/stress.sh
	has flood && step "floods (tests/stress/flood.sh)" env \
		AG_FLOOD_SPOOF="${AG_FLOOD_SPOOF:-${AG_DEBUG_SPOOF:-1000000}}" \
		AG_FLOOD_CONNS="${AG_FLOOD_CONNS:-${AG_DEBUG_CONNS:-20000}}" \
		AG_FLOOD_MAX_FLOWS="${AG_FLOOD_MAX_FLOWS:-${AG_DEBUG_MAX_FLOWS:-5000}}" \
		tests/stress/flood.sh
	has deb && step "Debian packages: install, remove, purge, reinstall (test_deb)" \
		env AG_DEB_REINSTALL=1 tests/e2e/test_deb.sh
	has e2e && step "end-to-end suite (tests/e2e/run-all.sh)" tests/e2e/run-all.sh
	has ctl && step "ackguardctl/netlink suite (tests/e2e/ctl/run.sh)" tests/e2e/ctl/run.sh
	has oracle && step "the oracle: ${AG_ORACLE_COUNT:?} segments judged by the kernel (test_oracle)" \
		tests/e2e/test_oracle.sh
	step "module unloaded at the end" unload
	kill $sampler 2>/dev/null
	sort -u -o "$AG_VM_WORK/ag-modrange" "$AG_VM_WORK/ag-modrange"
	has kmemleak && step "kmemleak: nothing allocated by ackguard leaked" kmemleak
	echo "# check-debug $phase guest: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

# ---------------------------------------------------------------- host
# All in a function, parsed whole before it runs: editing this file during
# a (long) run cannot derail it.
host() {
	cd "$(dirname "$0")/.." || exit 2
	top=$PWD
	bdir=${AG_CHECK_DEBUG_OUT:-$top/build}
	phases="debug rt full oracle"
	parts="fuzz stress flood e2e ctl deb"
	for a in "$@"; do
		case $a in
		--no-debug | --no-rt | --no-full | --no-oracle) phases=$(drop "$phases" "${a#--no-}") ;;
		--no-fuzz | --no-stress | --no-flood | --no-e2e | --no-ctl | --no-deb)
			parts=$(drop "$parts" "${a#--no-}")
			;;
		--e2e) ;; # the default now; kept for old command lines
		--plan) plan=1 ;;
		-h | --help)
			sed -n '2,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0"
			exit 0
			;;
		*) echo "check-debug.sh: unknown argument $a" >&2; exit 2 ;;
		esac
	done
	pass=0
	fail=0
	todo=0
	t_all=$(date +%s)
	deadline=${AG_CHECK_DEBUG_DEADLINE:-}
	if [ -n "${plan:-}" ]; then
		plan_phases
		return 0
	fi
	# always: a tool left from an older tree would test the wrong ABI
	make -s -C userspace || exit 1
	make -s -C tests/stress || exit 1
	local ran=""
	for ph in $phases; do
		if ! fits "$ph" "$(date +%s)"; then
			echo "# check-debug: $ph boot skipped: it needs ~$(estimate "$ph") s, $((deadline - $(date +%s))) s are left before the deadline"
			continue
		fi
		"phase_$ph"
		ran+="$ph "
	done
	echo "# check-debug: phases '${ran% }' of '$phases', parts '$parts': $(($(date +%s) - t_all)) s in all"
	[ "$todo" = 0 ] || echo "# $todo known bugs (TODO) not counted as failures"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# estimate PHASE: seconds the boot needed here at its slowest, with margin
estimate() {
	case $1 in
	debug)
		if scripts/debug-kernel.sh --cached; then
			echo "${AG_EST_DEBUG:-4000}"
		else
			echo $((${AG_EST_DEBUG:-4000} + ${AG_EST_KERNEL:-2700}))
		fi
		;;
	rt) echo "${AG_EST_RT:-1800}" ;;
	full) echo "${AG_EST_FULL:-1500}" ;;
	oracle) echo "${AG_EST_ORACLE:-1500}" ;;
	esac
}

# fits PHASE NOW: the boot would end before the deadline (if there is one)
fits() {
	[ -z "$deadline" ] || [ $(($2 + $(estimate "$1"))) -le "$deadline" ]
}

# plan_phases: which boots a run starting now would run, each assumed to
# take its estimate
plan_phases() {
	local ph t
	t=$(date +%s)
	for ph in $phases; do
		if fits "$ph" "$t"; then
			echo "run $ph $(estimate "$ph")"
			t=$((t + $(estimate "$ph")))
		else
			echo "skip $ph $(estimate "$ph")"
		fi
	done
}

# guest_timeout SECS: SECS, or less if the deadline comes first
guest_timeout() {
	local left
	[ -n "$deadline" ] || { echo "$1"; return; }
	left=$((deadline - $(date +%s)))
	[ "$left" -gt 60 ] || left=60
	[ "$left" -lt "$1" ] && echo "$left" || echo "$1"
}

drop() { # LIST WORD
	local w out=
	for w in $1; do
		[ "$w" = "$2" ] || out+="$w "
	done
	echo "${out% }"
}
has_part() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }

# build_module DIR KDIR [KBUILD ARGS...]: the module's sources copied to
# DIR and built there against KDIR; any compiler warning fails it (the
# BTF notice of Debian's headers is not one).
build_module() {
	local dir=$1 kdir=$2
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd module && find . -name '*.[ch]' -o -name Kbuild -o -name Makefile | cpio -pdm --quiet "$dir")
	cp VERSION "$dir/"
	if make -s -C "$kdir" M="$dir" "$@" modules >"$dir/build.log" 2>&1 &&
		[ -f "$dir/ackguard.ko" ] &&
		! grep -v 'Skipping BTF generation' "$dir/build.log" | grep -qi 'warning'; then
		return 0
	fi
	cat "$dir/build.log"
	return 1
}

# guest NAME LOGDIR STEPS RUN.SH-ARGS... -- ENV...: one boot running the
# guest half of this script with STEPS; counts its result lines and judges
# the kernel log (run.sh's exit 98) and the boot's end.
guest() {
	local name=$1 dir=$2 steps=$3 t0 rc p f d
	shift 3
	local args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	echo "# $name boot: steps '$steps' (console log: $dir/guest-console.log)"
	: >"$dir/guest-console.log"
	t0=$(date +%s)
	tests/vm/run.sh "${args[@]}" --log "$dir/guest-console.log" \
		-- env "$@" scripts/check-debug.sh --guest "$name" "$steps" |
		tee "$dir/guest.out"
	rc=${PIPESTATUS[0]}
	p=$(tr -d '\r' <"$dir/guest.out" | grep -cE '^ok( |$)')
	f=$(tr -d '\r' <"$dir/guest.out" | grep -E '^not ok( |$)' | grep -vc '# TODO')
	d=$(tr -d '\r' <"$dir/guest.out" | grep -E '^not ok( |$)' | grep -c '# TODO')
	pass=$((pass + p))
	fail=$((fail + f))
	todo=$((todo + d))
	case $rc in
	98)
		notok "$name: kernel log clean (KASAN/lockdep/RCU/UBSAN/WARN; full dmesg at the end of $dir/guest-console.log)"
		;;
	124 | 125)
		notok "$name: guest finished (run.sh exit $rc: timeout or panic; see $dir/guest-console.log)"
		;;
	*)
		ok "$name: kernel log clean (no KASAN, lockdep, RCU, UBSAN or WARN report, no bad taint)"
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			notok "$name: guest (exit $rc)"
		fi
		;;
	esac
	echo "# $name boot took $(($(date +%s) - t0)) s"
}

phase_debug() {
	local out=$bdir/debug-module t0 bz kdir steps=smoke p
	t0=$(date +%s)
	echo "# ==== debug kernel (KASAN, lockdep, PROVE_RCU, kmemleak, UBSAN)"
	if ! bz=$(scripts/debug-kernel.sh); then
		notok "debug kernel build"
		return
	fi
	kdir=$(scripts/debug-kernel.sh --kdir)
	ok "debug kernel $(basename "$bz") ($(($(date +%s) - t0)) s; built in $(cat "$(dirname "$bz")/build-seconds") s when not cached)"
	if ! build_module "$out" "$kdir"; then
		notok "module builds warning-free against the debug kernel"
		return
	fi
	ok "module builds warning-free against the debug kernel"
	for p in fuzz stress flood e2e ctl; do
		has_part "$p" && steps+=" $p"
	done
	steps+=" kmemleak"
	guest debug "$out" "$steps" \
		--kernel "$bz" --mem "${AG_DEBUG_MEM:-2048}" --timeout "$(guest_timeout "${AG_DEBUG_TIMEOUT:-10800}")" -- \
		AG_KO="$out/ackguard.ko" \
		AG_FLOOD_SPOOF="${AG_FLOOD_SPOOF:-${AG_DEBUG_SPOOF:-100000}}" \
		AG_FLOOD_CONNS="${AG_FLOOD_CONNS:-${AG_DEBUG_CONNS:-5000}}" \
		AG_FLOOD_MAX_FLOWS="${AG_FLOOD_MAX_FLOWS:-${AG_DEBUG_MAX_FLOWS:-1000}}" \
		AG_STRESS_SECS="${AG_STRESS_SECS:-${AG_DEBUG_STRESS_SECS:-60}}" \
		AG_SCENARIOS="${AG_SCENARIOS:-inject states samehost malformed pretcp oracle legit loop nfqueue reload}" \
		AG_NFQ_COUNT="${AG_NFQ_COUNT:-1000}" AG_NFQ_RATE="${AG_NFQ_RATE:-200}" \
		AG_NFQ_SETTLE="${AG_NFQ_SETTLE:-300}" AG_NFQ_STILL="${AG_NFQ_STILL:-20}" \
		AG_LOOP_MIN="${AG_LOOP_MIN:-50}" \
		AG_CTL_STORM_RATE="${AG_CTL_STORM_RATE:-60}" \
		AG_CTL_STORM_SECS="${AG_CTL_STORM_SECS:-30}" \
		AG_SCENARIO_TIMEOUT="${AG_SCENARIO_TIMEOUT:-1800}" \
		AG_CTL_TEST_TIMEOUT="${AG_CTL_TEST_TIMEOUT:-1800}"
	echo "# debug phase took $(($(date +%s) - t0)) s"
}

phase_rt() {
	local out=$bdir/rt-module t0 kver rt steps=smoke p ko
	t0=$(date +%s)
	echo "# ==== Debian PREEMPT_RT kernel"
	kver=$(scripts/guest-kver.sh) || { notok "rt: no Debian kernel"; return; }
	rt=${kver%-amd64}-rt-amd64
	if [ ! -e "/boot/vmlinuz-$rt" ] || [ ! -d "/lib/modules/$rt/build" ]; then
		notok "rt: linux-image-$rt and its headers installed (scripts/deps.sh)"
		return
	fi
	if build_module "$out" "/lib/modules/$rt/build" W=1 KCFLAGS=-Werror &&
		modinfo -F vermagic "$out/ackguard.ko" | grep -q "^$rt .*preempt_rt"; then
		ok "rt: module builds W=1 warning-free against $rt ($(modinfo -F vermagic "$out/ackguard.ko"))"
	else
		notok "rt: module builds W=1 warning-free against $rt"
		return
	fi
	ko=
	if scripts/dkms-build.sh "$bdir/rt-dkms" "$rt" >"$out/dkms.log" 2>&1; then
		ko=$(cat "$bdir/rt-dkms/ko-path")
		ok "rt: dkms build for $rt"
	else
		cat "$out/dkms.log"
		notok "rt: dkms build for $rt"
	fi
	for p in e2e ctl; do
		has_part "$p" && steps+=" $p"
	done
	guest rt "$out" "$steps" \
		--kver "$rt" --timeout "$(guest_timeout "${AG_RT_TIMEOUT:-5400}")" -- \
		AG_KO="$out/ackguard.ko" AG_DKMS_KO="$ko"
	echo "# rt phase took $(($(date +%s) - t0)) s"
}

phase_full() {
	local out=$bdir/full-module t0 kver steps="" p
	t0=$(date +%s)
	echo "# ==== Debian generic kernel, full-size floods and stress"
	kver=$(scripts/guest-kver.sh) || { notok "full: no Debian kernel"; return; }
	for p in stress flood; do
		has_part "$p" && steps+=" $p"
	done
	# the packages make check built: test_deb installs, removes, purges
	# and reinstalls them here (make check builds and lints them only:
	# DKMS in the emulated guest costs minutes)
	debs=${AG_DEB_DIR:-build/check/deb}
	if has_part deb && ls "$debs"/ackguard-dkms_*.deb >/dev/null 2>&1; then
		steps+=" deb"
	elif has_part deb; then
		echo "# full: no packages in $debs (make check or make deb builds them): test_deb left out"
	fi
	[ -n "$steps" ] || { echo "# full: nothing to run"; return; }
	if build_module "$out" "/lib/modules/$kver/build" W=1 KCFLAGS=-Werror; then
		ok "full: module builds W=1 warning-free against $kver"
	else
		notok "full: module builds W=1 warning-free against $kver"
		return
	fi
	# the flood's slab check needs the flow cache unmerged
	AG_VM_APPEND="slab_nomerge ${AG_VM_APPEND:-}" guest full "$out" "$steps" \
		--kver "$kver" --mem 2048 --timeout "$(guest_timeout "${AG_FULL_TIMEOUT:-5400}")" -- \
		AG_KO="$out/ackguard.ko" AG_DEB_DIR="$debs"
	echo "# full phase took $(($(date +%s) - t0)) s"
}

phase_oracle() {
	local out=$bdir/oracle-module t0 kver
	t0=$(date +%s)
	echo "# ==== Debian generic kernel, the oracle at full size"
	kver=${AG_ORACLE_KVER:-$(scripts/guest-kver.sh)} || { notok "oracle: no Debian kernel"; return; }
	if build_module "$out" "/lib/modules/$kver/build" W=1 KCFLAGS=-Werror; then
		ok "oracle: module builds W=1 warning-free against $kver"
	else
		notok "oracle: module builds W=1 warning-free against $kver"
		return
	fi
	guest oracle "$out" oracle \
		--kver "$kver" --timeout "$(guest_timeout "${AG_ORACLE_TIMEOUT:-5400}")" -- \
		AG_KO="$out/ackguard.ko" AG_ORACLE_COUNT="${AG_ORACLE_COUNT:-${AG_DEBUG_ORACLE:-100000}}"
	echo "# oracle phase took $(($(date +%s) - t0)) s"
}

host "$@"
exit
