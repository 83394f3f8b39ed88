#!/bin/bash
# selftest.sh — check that the VM harness works, for `make check`.
#
# 1. check-dmesg.sh against synthetic logs (no VM needed).
# 2. One boot running this script with --guest: root, the expected kernel,
#    readable repo, ip netns, veth, scapy, writable scratch dirs.  The guest
#    part exits 3 when everything passed, which also proves that the exit
#    status makes it back through run.sh.
# 3. One boot that writes a fake WARNING into the kernel log: run.sh must
#    fail it with 98.
# Prints one ok/FAIL line per check, then "N passed, N failed".
# SC2317: the guest helpers only run via check(); SC2016: the sh -c snippets
# are meant to expand in the child shell.
# shellcheck disable=SC2317,SC2016
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
ok() {
	echo "ok   $*"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $*"
	fail=$((fail + 1))
}
check() { # description command...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

if [ "${1:-}" = --guest ]; then
	# Inside the VM.  $2 is the directory the host ran us from.
	python_import() {
		local t0 t1
		t0=$(date +%s%N)
		/usr/bin/python3 -c 'import scapy.all' || return 1
		t1=$(date +%s%N)
		echo "     (import scapy.all took $(((t1 - t0) / 1000000)) ms)" >&2
	}
	netns() {
		ip netns add agselftest &&
			ip netns exec agselftest ip link set lo up &&
			ip netns exec agselftest ip -o link show lo | grep -q 'state UNKNOWN\|,UP' &&
			ip netns del agselftest
	}
	veth() {
		modprobe veth &&
			ip link add agst0 type veth peer name agst1 &&
			ip link set agst0 up && ip link set agst1 up &&
			ip link del agst0
	}
	check "guest: running as root" test "$(id -u)" = 0
	check "guest: uname -r is $AG_VM_KVER" test "$(uname -r)" = "${AG_VM_KVER:-unset}"
	check "guest: cwd is the caller's dir" test "$PWD" = "${2:-}"
	check "guest: repo dir readable" test -r "$PWD/tests/vm/selftest.sh"
	check "guest: root fs is read-only" sh -c '! touch "$PWD/.ag-selftest-rw" 2>/dev/null'
	check "guest: /tmp writable" sh -c 'echo x >/tmp/agst && rm /tmp/agst'
	check "guest: work share writable" sh -c 'echo x >"$AG_VM_WORK/agst" && rm "$AG_VM_WORK/agst"'
	check "guest: ip netns add/exec/del" netns
	check "guest: modprobe veth + veth pair" veth
	check "guest: tcpdump and iperf3 present" sh -c 'command -v tcpdump && command -v iperf3'
	if python_import; then ok "guest: /usr/bin/python3 imports scapy.all"; else bad "guest: /usr/bin/python3 imports scapy.all"; fi
	check "guest: kernel not tainted" test "$(cat /proc/sys/kernel/tainted)" = 0
	# 3 = all good (see above); anything else = something failed.
	[ "$fail" = 0 ] && exit 3
	exit 1
fi

# ---- host side ---------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ag-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# check-dmesg.sh: expected status for a log made of the given lines.
dmesg_case() { # expect description [--ignore ERE] -- lines...
	local expect=$1 what=$2 args=() rc=0
	shift 2
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	printf '%s\n' "$@" >"$tmp/dmesg"
	"$here/check-dmesg.sh" "${args[@]}" "$tmp/dmesg" >"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" = "$expect" ]; then
		ok "check-dmesg: $what"
	else
		bad "check-dmesg: $what (exit $rc, expected $expect)"
		sed 's/^/     /' "$tmp/out"
	fi
}
clean='[    0.000000] Linux version 6.1.0-56-amd64'
dmesg_case 0 "clean log" -- "$clean" "[    2.9] 9p: Installing v9fs" "ackguard-vm: tainted=0"
dmesg_case 0 "O+E taint allowed" -- "$clean" "[ 3.1] ackguard: loading out-of-tree module taints kernel." "ackguard-vm: tainted=12288"
dmesg_case 1 "W taint rejected" -- "$clean" "ackguard-vm: tainted=512"
dmesg_case 1 "forced-load taint rejected" -- "$clean" "ackguard-vm: tainted=12290"
dmesg_case 1 "Tainted: line with D" -- "$clean" "[ 5.0] CPU: 1 PID: 9 Comm: x Tainted: G      D    OE      6.1.0-56-amd64 #1"
dmesg_case 0 "Tainted: line with OE only" -- "$clean" "[ 5.0] CPU: 1 PID: 9 Comm: x Tainted: G           OE      6.1.0-56-amd64 #1"
for line in \
	"BUG: unable to handle page fault for address: 0000000000000008" \
	"WARNING: CPU: 0 PID: 123 at net/core/dev.c:10 foo+0x1/0x2 [ackguard]" \
	"Oops: 0000 [#1] PREEMPT SMP NOPTI" \
	"rcu: INFO: rcu_sched detected stalls on CPUs/tasks:" \
	"rcu_preempt detected stall on CPU" \
	"list_add corruption. prev->next should be next" \
	"list_del corruption, ffff888000000000->next is LIST_POISON1" \
	"general protection fault, probably for non-canonical address" \
	"Call Trace:" \
	"kernel BUG at net/ackguard/main.c:42!" \
	"UBSAN: shift-out-of-bounds in foo.c:1:2" \
	"BUG: KASAN: use-after-free in ag_rx+0x10/0x20" \
	"WARNING: possible recursive locking detected" \
	"watchdog: BUG: soft lockup - CPU#0 stuck for 22s!" \
	"INFO: task ip:123 blocked for more than 120 seconds." \
	"refcount_t: underflow; use-after-free." \
	"Kernel panic - not syncing: Fatal exception"; do
	dmesg_case 1 "detects '${line:0:40}'" -- "$clean" "[   12.345678] $line" "ackguard-vm: tainted=0"
done
dmesg_case 0 "--ignore skips a matching line" --ignore 'WARNING: CPU: .* selftest' -- \
	"$clean" "[ 1.0] WARNING: CPU: 0 PID: 1 selftest" "ackguard-vm: tainted=0"
rc=0
"$here/check-dmesg.sh" "$tmp/nonexistent" >/dev/null 2>&1 || rc=$?
if [ "$rc" = 2 ]; then
	ok "check-dmesg: unreadable file -> 2"
else
	bad "check-dmesg: unreadable file -> 2 (got $rc)"
fi

# Boot 1: the guest checks.  Run from the repo root so the guest's cwd is a
# known directory.
repo=$(cd "$here/../.." && pwd)
kver=$("$here/run.sh" --print-kver)
echo "     booting $kver ..."
t0=$(date +%s%N)
rc=0
(cd "$repo" && "$here/run.sh" --log "$tmp/boot1.log" -- bash tests/vm/selftest.sh --guest "$repo") \
	>"$tmp/boot1.out" 2>&1 || rc=$?
t1=$(date +%s%N)
# Relay the guest's own ok/FAIL lines into our tally.
while IFS= read -r l; do
	case $l in
	"ok   "*) ok "${l#ok   }" ;;
	"FAIL "*) bad "${l#FAIL }" ;;
	"     ("*) echo "$l" ;;
	esac
done <"$tmp/boot1.out"
if [ "$rc" = 3 ]; then
	ok "run.sh propagates the guest exit status (3)"
else
	bad "run.sh propagates the guest exit status (got $rc, expected 3)"
	sed 's/^/     | /' "$tmp/boot1.out" | tail -n 40
fi
echo "     boot + checks took $(((t1 - t0) / 1000000)) ms"

# Boot 2: a kernel log problem must fail the run even though the command
# succeeded.  /dev/kmsg puts the line into the log like a real splat would.
rc=0
"$here/run.sh" -- sh -c 'echo "<4>WARNING: CPU: 0 PID: 1 at selftest injected" >/dev/kmsg' \
	>"$tmp/boot2.out" 2>&1 || rc=$?
if [ "$rc" = 98 ] && grep -q 'selftest injected' "$tmp/boot2.out"; then
	ok "run.sh fails a run whose kernel log has a WARNING (98)"
else
	bad "run.sh fails a run whose kernel log has a WARNING (got $rc, expected 98)"
	sed 's/^/     | /' "$tmp/boot2.out" | tail -n 20
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
