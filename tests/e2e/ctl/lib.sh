# shellcheck shell=bash
# tests/e2e/ctl/lib.sh: helpers of the ackguardctl / netlink guest tests.
#
# Each test_*.sh sources this, calls ctl_init NAME, reports with ok/fail
# (TAP-like "ok - DESC" / "not ok - DESC") and ends with ctl_summary.  The
# EXIT trap kills what the test started, deletes its namespaces and unloads
# the module, whatever happened.  Namespaces are named agc-* so they cannot
# collide with the other e2e scenarios' ag-*.
#
# Environment: AG_KO (module, default module/ackguard.ko), AG_CTL (the tool,
# default userspace/ackguardctl), AG_PY (python, default /usr/bin/python3),
# AG_VERBOSE=1 (echo commands).
set -u

CTL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CTL_ROOT=$(cd "$CTL_DIR/../../.." && pwd)
# shellcheck source=tests/lib/guest.sh
. "$CTL_ROOT/tests/lib/guest.sh"
AG_KO=${AG_KO:-$CTL_ROOT/module/ackguard.ko}
AG_CTL=${AG_CTL:-$CTL_ROOT/userspace/ackguardctl}
AG_PY=${AG_PY:-/usr/bin/python3}
CTL_NAME=ctl
CTL_PIDS=()
CTL_TMP=

# Two namespaces joined by a veth pair: agc-cli (agc-c0, 10.77.0.1) and
# agc-srv (agc-s0, 10.77.0.2).
CLI=agc-cli
SRV=agc-srv
CLI4=10.77.0.1
SRV4=10.77.0.2

# The unprivileged identity of the privilege tests.
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups
	--inh-caps=-all --bounding-set=-all)

# relay < FILE: count the "ok - " / "not ok - " lines of a helper (the
# python checks print their own) as this test's; other lines pass through.
relay() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) fail "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done
}

# known_bug WHY DESC CMD...: a check of a known, reported bug.  Failing, it
# prints "not ok - DESC # TODO known bug: WHY", which is no failure (TAP's
# TODO) unless AG_CTL_STRICT=1; passing, a plain "ok - DESC".
known_bug() {
	local why=$1 desc=$2
	shift 2
	if "$@"; then
		ok "$desc"
	elif [ "${AG_CTL_STRICT:-0}" = 1 ]; then
		fail "$desc (known bug: $why)"
	else
		GUEST_TODO=$((GUEST_TODO + 1))
		echo "not ok - $desc # TODO known bug: $why"
	fi
}
# diag FILE...: show files as TAP comments (after a failure).
diag() {
	local f
	for f in "$@"; do
		[ -e "$f" ] && sed "s/^/#   ${f##*/}: /" "$f"
	done
	return 0
}

ctl_summary() {
	echo "# $CTL_NAME: $GUEST_PASS passed, $GUEST_FAIL failed, $GUEST_TODO todo"
	[ "$GUEST_FAIL" -eq 0 ]
	exit
}
ctl_die() {
	fail "$CTL_NAME: $*"
	ctl_summary
}

ctl_init() {
	CTL_NAME=$1
	if [ "$(id -u)" != 0 ] || [ "${AG_IN_VM:-0}" != 1 ]; then
		echo "# $CTL_NAME: run inside the test VM as root:" \
			"tests/vm/run.sh -- tests/e2e/ctl/run.sh" >&2
		exit 2
	fi
	CTL_TMP=$(mktemp -d /tmp/agc-test.XXXXXX)
	chmod 0755 "$CTL_TMP"
	trap ctl_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	local m
	for m in veth; do
		modprobe -q "$m" 2>/dev/null || true
	done
	[ -f "$AG_KO" ] || ctl_die "${AG_KO} is not built (make module)"
	[ -x "$AG_CTL" ] || ctl_die "${AG_CTL} is not built (make -C userspace)"
}

ctl_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	guest_reap "${CTL_PIDS[@]}"
	CTL_PIDS=()
	guest_del_netns
	ag_unload
	[ -n "$CTL_TMP" ] && rm -rf "$CTL_TMP"
	exit "$rc"
}

# bg CMD...: run CMD in the background, killed by the cleanup; sets LASTPID.
bg() {
	vlog "bg $*"
	"$@" &
	LASTPID=$!
	CTL_PIDS+=("$LASTPID")
}

# ---------------------------------------------------------------- module

# ctl_load [PARAM=VALUE...]: (re)load the module.
ctl_load() {
	ag_unload || return 1
	vlog "insmod $AG_KO $*"
	insmod "$AG_KO" "$@" || return 1
	[ -r /proc/net/ackguard/stats ]
}

# ---------------------------------------------------------------- netns

# pair_setup: agc-cli <-> agc-srv over veth, IPv4 only, the server's own
# out-of-window ACK limit off (every invalid segment gets its dupack).
pair_setup() {
	ns_add $CLI && ns_add $SRV || return 1
	ip link add name agc-c0 netns $CLI type veth peer name agc-s0 netns $SRV ||
		return 1
	ip -n $CLI addr add $CLI4/24 dev agc-c0
	ip -n $SRV addr add $SRV4/24 dev agc-s0
	ip -n $CLI link set agc-c0 up
	ip -n $SRV link set agc-s0 up
	nsx $SRV sysctl -qw net.ipv4.tcp_invalid_ratelimit=0 || return 1
	nsx $CLI sysctl -qw net.ipv4.tcp_invalid_ratelimit=0 || return 1
	# No neighbour resolution on the first injected packet.
	local mac
	mac=$(ip -n $SRV -br link show agc-s0 | awk '{ print $3 }')
	ip -n $CLI neigh replace $SRV4 lladdr "$mac" dev agc-c0 nud permanent
	mac=$(ip -n $CLI -br link show agc-c0 | awk '{ print $3 }')
	ip -n $SRV neigh replace $CLI4 lladdr "$mac" dev agc-s0 nud permanent
}

# ---------------------------------------------------------------- tool

# ctl [NS] ARGS...: run ackguardctl (in NS when the first word is "@NS").
ctl() {
	if [ "${1:0:1}" = @ ]; then
		local ns=${1:1}
		shift
		vlog "[$ns] ackguardctl $*"
		ip netns exec "$ns" "$AG_CTL" "$@"
	else
		vlog "ackguardctl $*"
		"$AG_CTL" "$@"
	fi
}

# stat_get [@NS] NAME: one value of /proc/net/ackguard/stats.
stat_get() {
	local pre=()
	if [ "${1:0:1}" = @ ]; then
		pre=(ip netns exec "${1:1}")
		shift
	fi
	"${pre[@]}" awk -v n="$1" '$1 == n { print $2; f = 1 } END { exit !f }' \
		/proc/net/ackguard/stats
}

# py ARGS...: the Debian python (with scapy), not a pyenv one.
py() { "$AG_PY" "$@"; }

# jq-like access without jq: jget JSON-FILE PYTHON-EXPR (on variable j).
jget() {
	"$AG_PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
