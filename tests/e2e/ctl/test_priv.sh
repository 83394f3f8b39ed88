#!/bin/bash
# test_priv: without CAP_NET_ADMIN (uid 65534, every capability dropped),
# set, flush and flows are refused (exit 2, "not permitted") by the kernel,
# also when the tool is bypassed, and change nothing; show, stats and watch
# work (reading configuration and counters is allowed to everyone, the
# documented decision), watch without its flow list.  Joining the storm
# events group is refused (EPERM) where the kernel can restrict a group,
# allowed where it cannot (modinfo mcast_perm=none, README).  Root of a user
# namespace may configure its own network namespace, and only that one.
. "$(dirname "$0")/lib.sh"
ctl_init test_priv
ctl_load mode=monitor || ctl_die "cannot load the module"
T=$CTL_TMP

# One tracked flow in agc-srv, so that a flush would be visible.
pair_setup || ctl_die "namespaces"
ctl @$SRV set flow-timeout 1h || ctl_die "set flow-timeout"
bg "$AG_PY" "$CTL_DIR/conns.py" open --cli-ns $CLI --srv-ns $SRV --cli $CLI4 \
	--srv $SRV4 --port 7100 -n 1 --iface agc-c0 --out "$T/conns.json"
wait_file "$T/conns.json" 90 || ctl_die "no connection"
nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" --each >/dev/null ||
	ctl_die "inject"
[ "$(stat_get @$SRV flows_active)" = 1 ] || ctl_die "no flow tracked in $SRV"

# as_nobody NS ARGS...: ackguardctl ARGS in NS without privileges.
as_nobody() {
	local ns=$1
	shift
	ip netns exec "$ns" "${NOBODY[@]}" "$AG_CTL" "$@"
}
# The same identity has no capability at all: prove it once.
caps=$(ip netns exec $SRV "${NOBODY[@]}" grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status | awk '{ print $2 }' | sort -u)
check "setpriv leaves no capability (CapEff/CapPrm/CapBnd $caps)" [ "$caps" = 0000000000000000 ]

ctl @$SRV -j show >"$T/cfg0"
# denied DESC ARGS...
denied() {
	local rc
	ctl @$SRV -j show >"$T/before"
	as_nobody $SRV "$@" >"$T/out" 2>"$T/err"
	rc=$?
	ctl @$SRV -j show >"$T/after"
	if [ "$rc" = 2 ] && grep -qi 'not permitted' "$T/err" && [ ! -s "$T/out" ] &&
		cmp -s "$T/before" "$T/after"; then
		ok "unprivileged ackguardctl $*: exit 2, \"$(head -n 1 "$T/err")\", nothing changed"
	else
		fail "unprivileged ackguardctl $*: exit 2 (got $rc), not permitted, nothing changed"
		diag "$T/err" "$T/out" "$T/before" "$T/after"
	fi
}
denied set burst 3
denied set mode off
denied set mode monitor interval 1s burst 5 max-flows 10 flow-timeout 1 storm-pps 1 log off
denied flush
denied flows
denied -j flows
denied flows port 7100 --top 1
check "the flow survived the refused flushes" [ "$(stat_get @$SRV flows_active)" = 1 ]

# The kernel refuses, not just the tool.
raw_denied() { # DESC ARGS...
	local d=$1 rc
	shift
	ctl @$SRV -j show >"$T/before"
	ip netns exec $SRV "${NOBODY[@]}" "$AG_PY" "$CTL_DIR/genl.py" "$@" >"$T/out" 2>&1
	rc=$?
	ctl @$SRV -j show >"$T/after"
	if [ "$rc" != 0 ] && grep -qE '"errno": 1[,}]|not permitted' "$T/out" &&
		cmp -s "$T/before" "$T/after"; then
		ok "unprivileged raw netlink $d: EPERM, nothing changed"
	else
		fail "unprivileged raw netlink $d: EPERM (exit $rc), nothing changed"
		diag "$T/out"
	fi
}
raw_denied SET_CONFIG set burst=3
raw_denied FLUSH_FLOWS flush
raw_denied "GET_FLOWS dump" dump-flows

# Storm events name flows: joining their group needs CAP_NET_ADMIN too, where
# the kernel can restrict a group (the module records which mechanism it was
# built with, compat.h).  Where it cannot (mcast_perm=none, e.g. 5.10.198),
# README says anyone may join: prove that too, so a wrong probe shows.
perm=$(modinfo -F mcast_perm "$AG_KO" 2>/dev/null)
ip netns exec $SRV "${NOBODY[@]}" "$AG_PY" "$CTL_DIR/genl.py" join-events >"$T/out" 2>&1
rc=$?
if [ "$perm" = none ]; then
	check "kernel without multicast permissions (mcast_perm=none): an unprivileged join succeeds, as README documents (exit $rc)" \
		[ "$rc" = 0 ]
else
	check "unprivileged join of the events group: EPERM (mcast_perm=${perm:-unknown}, exit $rc)" \
		grep -q '"errno": 1}' "$T/out"
	[ "$rc" = 3 ] || diag "$T/out"
fi
check "root joins the events group" \
	ip netns exec $SRV "$AG_PY" "$CTL_DIR/genl.py" join-events
check "the flow survived the refused raw flush" [ "$(stat_get @$SRV flows_active)" = 1 ]

# Reading is allowed to everyone and shows the same as root sees.
for args in "-j show" "show" "stats" "-j stats" "stats -o prometheus"; do
	# shellcheck disable=SC2086
	ctl @$SRV $args >"$T/root" 2>&1
	# shellcheck disable=SC2086
	as_nobody $SRV $args >"$T/user" 2>"$T/err"
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$T/err" ] && cmp -s "$T/root" "$T/user"; then
		ok "unprivileged ackguardctl $args works and shows what root sees"
	else
		fail "unprivileged ackguardctl $args works (exit $rc) and shows what root sees"
		diag "$T/err"
		diff "$T/root" "$T/user" | sed 's/^/#   /'
	fi
done
if ip netns exec $SRV "${NOBODY[@]}" "$AG_PY" "$CTL_DIR/genl.py" get-config >"$T/out" 2>&1 &&
	ip netns exec $SRV "${NOBODY[@]}" "$AG_PY" "$CTL_DIR/genl.py" get-counters >>"$T/out" 2>&1; then
	ok "unprivileged raw GET_CONFIG and GET_COUNTERS work"
else
	fail "unprivileged raw GET_CONFIG and GET_COUNTERS work"
	diag "$T/out"
fi

as_nobody $SRV -j watch --interval 200ms --count 2 >"$T/out" 2>"$T/err"
rc=$?
tops=$("$AG_PY" -c "import json,sys; print([json.loads(l)['top_flows'] for l in open(sys.argv[1])])" "$T/out" 2>/dev/null)
if [ "$rc" = 0 ] && "$AG_PY" "$CTL_DIR/ctlcheck.py" jsonl "$T/out" 2 &&
	[ "$tops" = "[None, None]" ] && grep -q 'cannot list flows' "$T/err"; then
	ok "unprivileged watch -j: exit 0, top_flows null, a warning on stderr"
else
	fail "unprivileged watch -j: exit 0 (got $rc), top_flows null ($tops), a warning"
	diag "$T/out" "$T/err"
fi
ctl @$SRV -j watch --interval 200ms --count 1 >"$T/out" 2>"$T/err"
n=$("$AG_PY" -c "import json,sys; print(len(json.loads(open(sys.argv[1]).readline())['top_flows']))" "$T/out" 2>/dev/null)
check "privileged watch -j lists the flow in top_flows (got $n)" [ "$n" = 1 ]
ctl @$SRV -j show >"$T/cfg1"
check "the configuration is what it was before the unprivileged attempts" cmp -s "$T/cfg0" "$T/cfg1"

# CAP_NET_ADMIN is checked against the namespace's owner: root of a new
# user namespace may configure the network namespace it creates, nothing else.
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] &&
	"${NOBODY[@]}" unshare -Urn true 2>/dev/null; then
	ctl -j show >"$T/init0"
	"${NOBODY[@]}" unshare -Urn sh -c '"$1" set burst 9 mode off && "$1" -j show' sh "$AG_CTL" \
		>"$T/out" 2>"$T/err"
	rc=$?
	ctl -j show >"$T/init1"
	got=$("$AG_PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['config']; print(c['burst'], c['mode'])" "$T/out" 2>/dev/null)
	if [ "$rc" = 0 ] && [ "$got" = "9 off" ]; then
		ok "root of a user namespace configures its own network namespace"
	else
		fail "root of a user namespace configures its own network namespace (exit $rc, got $got)"
		diag "$T/err"
	fi
	check "... which leaves the initial namespace unchanged" cmp -s "$T/init0" "$T/init1"
else
	ok "user namespaces unavailable to unprivileged users # SKIP"
fi
ctl_summary
