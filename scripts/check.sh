#!/usr/bin/env bash
# make check: unit tests, builds, style, DKMS, the Debian packages, the
# QEMU-booted guest suites and the storm lab of make demo.
# Every step reports TAP-like "ok - ..." / "not ok - ..." lines (its own, or
# one for the step); the last line counts them all: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=$top/build/check
rm -rf "$out"
mkdir -p "$out"
pass=0
fail=0

# run_step NAME CMD...: run CMD, show its output, count its result lines.
run_step() {
	local name=$1 log rc t0
	shift
	log=$out/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').log
	echo "== $name"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count_step "$name" "$log" "$rc" "$t0"
}

# count_step NAME LOG RC T0: count a finished step's result lines.
count_step() {
	local name=$1 log=$2 rc=$3 p f
	p=$(tr -d '\r' <"$log" | grep -cE '^ok( |$)')
	f=$(tr -d '\r' <"$log" | grep -cE '^not ok( |$)')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name (exit $rc)"
		f=1
	elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "ok - $name"
		p=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "# $name: $(($(date +%s) - $4)) s"
}

# bg_step NAME CMD...: start CMD now at the lowest CPU priority, its output
# to its log; bg_wait NAME shows and counts it.  For host-only work that
# may overlap a guest boot: niced, it takes only the CPU the guest leaves.
declare -A bg_pid bg_t0
bg_step() {
	local name=$1
	shift
	bg_t0[$name]=$(date +%s)
	nice -n 19 "$@" >"$out/bg.$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').log" 2>&1 &
	bg_pid[$name]=$!
}
bg_wait() {
	local name=$1 log rc
	log=$out/bg.$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').log
	wait "${bg_pid[$name]}"
	rc=$?
	echo "== $name (in the background since $(($(date +%s) - ${bg_t0[$name]})) s)"
	cat "$log"
	count_step "$name" "$log" "$rc" "${bg_t0[$name]}"
}

kver=$(scripts/guest-kver.sh) || exit 1
export AG_KVER=$kver

# W=1 and -Werror against each Debian 6.1 flavour, each in its own copy so
# the guest's build in module/ stays the last one made.
build_flavour() {
	local flavour=$1 dir=$out/build-$1 kdir
	kdir=/lib/modules/${kver%-amd64}-$flavour/build
	[ "$flavour" = amd64 ] && { dir=$top/module; kdir=/lib/modules/$kver/build; }
	[ -d "$kdir" ] || { echo "no headers at $kdir"; return 1; }
	if [ "$dir" != "$top/module" ]; then
		mkdir -p "$dir" && cp -r module/. VERSION "$dir/"
	elif [ "$(cat module/.kdir 2>/dev/null)" != "$kdir" ]; then
		# built for another kernel (make module KERNEL=...): start clean
		make -s -C "$kdir" M="$dir" clean
		echo "$kdir" >module/.kdir
	fi
	make -s -C "$kdir" M="$dir" W=1 KCFLAGS=-Werror modules 2>&1 |
		grep -v 'Skipping BTF generation'
	[ -f "$dir/ackguard.ko" ]
}

run_step "module builds W=1 against $kver-cloud" build_flavour cloud-amd64
run_step "module builds W=1 against $kver-rt" build_flavour rt-amd64
run_step "module builds W=1 against $kver" build_flavour amd64
# Every other kernel of the matrix (make check-kernels, README "Supported
# kernels"): W=1 builds, niced in the background while the first guest
# suite runs; after the guests, the oldest and the newest one booted with
# the loop, an oracle sample and load/unload under a loop (Debian 6.1,
# built above, gets the whole suite below).  400 oracle segments, 4 reload
# cycles (README "Supported kernels").  Left to make check-kernels: 4.4
# (not verified: Kbuild refuses it) and 6.12-cloud (the 6.12 source again
# with a smaller config; 6.1-cloud is built above): their builds kept make
# check past its 25 minutes.
bg_step "matrix kernels (3.10 to 6.12): W=1 builds" \
	env AG_MATRIX_EXCLUDE="6.1 4.4 6.12-cloud" scripts/check-kernels.sh --build-only
run_step "checkpatch --strict (make style)" scripts/style.sh
run_step "ackguardctl builds" make -s -C userspace
run_step "unit tests" env CMOCKA_MESSAGE_OUTPUT=TAP make -s -C userspace test
run_step "Kbuild and dkms.conf name the same verified kernels; others refused" \
	tests/unit/kernel_range.sh
run_step "a clean clone stays clean (make userspace, dist, deb); one version" \
	tests/unit/clean_tree.sh
run_step "CI script (.ci/run): sums both runs, gives check-debug CI's deadline" \
	tests/unit/ci_run.sh
run_step "check-debug runs only the boots that end before its deadline" \
	tests/unit/check_debug_plan.sh
run_step "netlink spec (module/uapi/ackguard.yaml) matches the uapi header" \
	/usr/bin/python3 tests/unit/check_spec.py
run_step "VM harness self-test" tests/vm/selftest.sh
# ackflood, which test_owner runs in the guest (the guest sees the host's /)
run_step "guest test helpers build" make -s -C tests/stress
run_step "dkms build" scripts/dkms-build.sh "$out/dkms" "$kver"
# the packages test_deb installs in the guest, from the working tree
run_step "packages (make deb): dpkg-buildpackage, lintian without errors" \
	scripts/deb.sh "$out/deb"

# One guest boot runs the whole end-to-end suite (boots are ~7-10 s each
# under emulation, the suite itself dominates), test_deb aside (below).
# test_traffic over the netem router only, its half-close and keepalive
# phases, 20 requests, 2 s idle (~50 s; the whole of it, 400 s, in
# check-debug's rt and debug boots; test_samehost covers same-host
# traffic); test_oracle 2,500 segments (~30 s).
e2e_all=$(sed -n 's/^all="\(.*\)"$/\1/p' tests/e2e/run-all.sh)
run_step "guest suite" env AG_REQUIRE_MODULE=1 AG_DKMS_KO="$(cat "$out/dkms/ko-path" 2>/dev/null)" \
	AG_TRAFFIC_PATHS="${AG_TRAFFIC_PATHS:-netem}" AG_TRAFFIC_CONNS="${AG_TRAFFIC_CONNS:-20}" \
	AG_TRAFFIC_IDLE="${AG_TRAFFIC_IDLE:-2}" AG_TRAFFIC_PHASES="${AG_TRAFFIC_PHASES:-halfclose keepalive}" \
	AG_ORACLE_COUNT="${AG_ORACLE_COUNT:-2500}" \
	AG_SCENARIOS="$(echo " $e2e_all " | sed 's/ deb / /')" \
	tests/vm/run.sh --kver "$kver" --timeout 1800 --log "$out/guest-console.log" \
	-- tests/e2e/run-all.sh
bg_wait "matrix kernels (3.10 to 6.12): W=1 builds"
# The packages built above are installed in the guest by test_deb in
# make check-debug's full boot (CI runs it right after make check): DKMS
# compiles the module twice inside the emulated guest there, 7-14 min,
# which would take make check past its 25 minutes.

# test_ynl of the ctl suite runs the kernel's ynl CLI from the cache.
run_step "kernel ynl tool (linux-source-6.12) extracted" scripts/ynl.sh
run_step "netlink spec passes the kernel's ynl (schema genetlink-legacy)" \
	sh -c '/usr/bin/python3 tests/unit/check_ynl_spec.py "$(scripts/ynl.sh)"'
run_step "guest suite: ackguardctl and netlink" \
	env AG_YNL="$(scripts/ynl.sh 2>/dev/null)" tests/vm/run.sh --kver "$kver" --timeout 1800 --log "$out/guest-console-ctl.log" \
	-- tests/e2e/ctl/run.sh

# make demo, as a newcomer runs it: the storm lab must reproduce the loop
# (IPv4 and IPv6, TSval and sequence variants), suppress it, and plot it.
demo() {
	DEMO_OUT=$out/demo scripts/demo.sh || return 1
	[ -s "$out/demo/storm.png" ] || { echo "demo: no plot"; return 1; }
}
run_step "storm lab (make demo)" demo
run_step "matrix kernels: oldest and newest boot loop, oracle, reload" \
	env AG_MATRIX_EXCLUDE="6.1 4.4 6.12-cloud" AG_ORACLE_COUNT="${AG_ORACLE_COUNT:-400}" \
	AG_RELOADS="${AG_RELOADS:-4}" scripts/check-kernels.sh --boot-ends-built

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
