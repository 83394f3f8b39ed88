#!/usr/bin/env bash
# make check-debug: the module under a debug kernel (KASAN, lockdep,
# PROVE_RCU, kmemleak, UBSAN, DEBUG_ATOMIC_SLEEP; tests/debug/kernel.config).
#
#   scripts/check-debug.sh [--e2e] [--no-stress] [--no-flood] [--no-fuzz]
#
# 1. builds (once; cached, see scripts/debug-kernel.sh) the debug kernel,
#    the module against it in build/debug-module/, ackguardctl and the
#    stress helpers (tests/stress/Makefile);
# 2. boots it (tests/vm/run.sh, 2 GB) and runs inside, in this order:
#    load/unload smoke, the netlink fuzzer, the stress, the floods, and with
#    --e2e (or AG_DEBUG_E2E=1) the end-to-end suite tests/e2e/run-all.sh;
# 3. after the last rmmod, two kmemleak scans: any unreferenced object
#    allocated by ackguard (a backtrace through the module's code) fails;
#    other leaks are only reported;
# 4. run.sh fails the run on any KASAN/lockdep/RCU/UBSAN/WARN report in the
#    guest's kernel log (exit 98).
# Emulated, with KASAN, everything is 10-20 times slower than on Debian's
# kernel (netlink ~450 msgs/s, floods ~400-1000 pps, 1000 connections
# in 20 s), so the floods run scaled down by default; the
# full-size runs belong to the normal suite.  The AG_DEBUG_* variables set
# the counts here (the scripts' own AG_STRESS_*, AG_FLOOD_* and AG_FUZZ_*
# variables win when set).
#
# Environment: AG_DEBUG_TIMEOUT (s, default 10800), AG_DEBUG_MEM (MB, 2048),
# AG_DEBUG_FUZZ (100000 messages), AG_DEBUG_SPOOF (100000 spoofed ACKs),
# AG_DEBUG_CONNS (5000 connections), AG_DEBUG_MAX_FLOWS (1000),
# AG_DEBUG_E2E=1.
# Output: TAP-like lines; the last is "N passed, N failed".
# SC2317: the guest helpers only run via step().
# shellcheck disable=SC2317
set -uo pipefail

if [ "${1:-}" = --guest ]; then
	# ------------------------------------------------------------ in the VM
	shift
	steps=$1
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
			echo "ok - debug: $name ($(($(date +%s) - t0)) s)"
			pass=$((pass + 1))
		else
			echo "not ok - debug: $name (exit $rc, $(($(date +%s) - t0)) s)"
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

	echo "# check-debug: kernel $(uname -r), module $AG_KO"
	if [ -w /sys/kernel/debug/kmemleak ]; then
		# forget what boot left behind: only new leaks count
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	fi
	: >"$AG_VM_WORK/ag-modrange"
	modrange_sampler &
	sampler=$!
	step "load/unload smoke (20 cycles)" smoke
	has fuzz && step "netlink fuzzing" fuzz
	has stress && step "stress (tests/stress/stress.sh)" tests/stress/stress.sh
	has flood && step "floods (tests/stress/flood.sh)" env \
		AG_FLOOD_SPOOF="${AG_FLOOD_SPOOF:-${AG_DEBUG_SPOOF:-100000}}" \
		AG_FLOOD_CONNS="${AG_FLOOD_CONNS:-${AG_DEBUG_CONNS:-5000}}" \
		AG_FLOOD_MAX_FLOWS="${AG_FLOOD_MAX_FLOWS:-${AG_DEBUG_MAX_FLOWS:-1000}}" \
		tests/stress/flood.sh
	has e2e && step "end-to-end suite (tests/e2e/run-all.sh)" tests/e2e/run-all.sh
	step "module unloaded at the end" unload
	kill $sampler 2>/dev/null
	sort -u -o "$AG_VM_WORK/ag-modrange" "$AG_VM_WORK/ag-modrange"
	step "kmemleak: nothing allocated by ackguard leaked" kmemleak
	echo "# check-debug guest: $pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
fi

# ---------------------------------------------------------------- host
# All in a function, parsed whole before it runs: editing this file during
# a (long) run cannot derail it.
host() {
	cd "$(dirname "$0")/.." || exit 2
	top=$PWD
	out=$top/build/debug-module
	steps="fuzz stress flood"
	[ "${AG_DEBUG_E2E:-0}" = 1 ] && steps+=" e2e"
	for a in "$@"; do
		case $a in
		--e2e) steps+=" e2e" ;;
		--no-stress) steps=${steps/stress/} ;;
		--no-flood) steps=${steps/flood/} ;;
		--no-fuzz) steps=${steps/fuzz/} ;;
		-h | --help)
			sed -n '2,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0"
			exit 0
			;;
		*) echo "check-debug.sh: unknown argument $a" >&2; exit 2 ;;
		esac
	done
	if [[ " $steps " == *" e2e "* ]] && [ ! -x tests/e2e/run-all.sh ]; then
		echo "check-debug.sh: no tests/e2e/run-all.sh; skipping the e2e suite" >&2
		steps=${steps/e2e/}
	fi

	t0=$(date +%s)
	bz=$(scripts/debug-kernel.sh) || { echo "not ok - debug kernel build"; echo "0 passed, 1 failed"; exit 1; }
	kdir=$(scripts/debug-kernel.sh --kdir)
	echo "ok - debug kernel $(basename "$bz") ($(($(date +%s) - t0)) s)"
	pass=1
	fail=0

	rm -rf "$out"
	mkdir -p "$out"
	(cd module && find . -name '*.[ch]' -o -name Kbuild -o -name Makefile | cpio -pdm --quiet "$out")
	if make -s -C "$kdir" M="$out" modules >"$out/build.log" 2>&1 && [ -f "$out/ackguard.ko" ]; then
		echo "ok - module builds against the debug kernel"
		pass=$((pass + 1))
	else
		cat "$out/build.log"
		echo "not ok - module builds against the debug kernel"
		echo "$pass passed, $((fail + 1)) failed"
		exit 1
	fi
	[ -x userspace/ackguardctl ] || make -s -C userspace VERSION=0.1.0 || exit 1
	make -s -C tests/stress || exit 1

	log=$out/guest-console.log
	: >"$log"
	echo "# booting $bz (console log: $log)"
	tests/vm/run.sh --kernel "$bz" --mem "${AG_DEBUG_MEM:-2048}" \
		--timeout "${AG_DEBUG_TIMEOUT:-10800}" --log "$log" \
		-- env AG_KO="$out/ackguard.ko" scripts/check-debug.sh --guest "$steps" |
		tee "$out/guest.out"
	rc=${PIPESTATUS[0]}
	p=$(grep -cE '^ok( |$)' "$out/guest.out")
	f=$(grep -cE '^not ok( |$)' "$out/guest.out")
	pass=$((pass + p))
	fail=$((fail + f))
	case $rc in
	98)
		echo "not ok - debug kernel log clean (KASAN/lockdep/RCU/UBSAN/WARN; full dmesg at the end of $log)"
		fail=$((fail + 1))
		;;
	124 | 125)
		echo "not ok - debug guest finished (run.sh exit $rc: timeout or panic; see $log)"
		fail=$((fail + 1))
		;;
	*)
		echo "ok - debug kernel log clean"
		pass=$((pass + 1))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			echo "not ok - debug guest (exit $rc)"
			fail=$((fail + 1))
		fi
		;;
	esac
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
host "$@"
exit
