#!/bin/bash
# test_netns: configuration is per network namespace.  A set in namespace A
# changes nothing in B or in the initial namespace; a new namespace starts
# from the module parameters, not from any namespace's live configuration;
# flows and flush are per namespace too. -n NAME reads and writes NAME's
# configuration and reads NAME's tcp_invalid_ratelimit.
. "$(dirname "$0")/lib.sh"
ctl_init test_netns
T=$CTL_TMP
ctl_load mode=monitor interval_ms=250 burst=2 max_flows=1000 flow_timeout_s=30 \
	storm_pps=50 log_throttle=N || ctl_die "cannot load the module"
DEFAULTS='{"burst": 2, "flow_timeout_s": 30, "interval_ms": 250, "log": false, "max_flows": 1000, "mode": "monitor", "storm_pps": 50}'

cfg_of() { # [@NS]: the config of show -j, keys sorted
	ctl "$@" -j show >"$T/j" || return 1
	jget "$T/j" "json.dumps(j['config'], sort_keys=True)"
}
expect_cfg() { # DESC WANT [@NS]
	local d=$1 want=$2 got
	shift 2
	got=$(cfg_of "$@")
	if [ "$got" = "$want" ]; then
		ok "$d"
	else
		fail "$d"
		echo "#   got  $got"
		echo "#   want $want"
	fi
}

expect_cfg "initial namespace starts from the module parameters" "$DEFAULTS"
ns_add agc-a && ns_add agc-b || ctl_die "netns"
expect_cfg "namespace A starts from the module parameters" "$DEFAULTS" @agc-a
expect_cfg "namespace B starts from the module parameters" "$DEFAULTS" @agc-b

ctl @agc-a set mode enforce interval 2s burst 9 max-flows 77 flow-timeout 5m \
	storm-pps 3 log on || fail "set in A"
A='{"burst": 9, "flow_timeout_s": 300, "interval_ms": 2000, "log": true, "max_flows": 77, "mode": "enforce", "storm_pps": 3}'
expect_cfg "a set in A applies in A" "$A" @agc-a
expect_cfg "a set in A changes nothing in B" "$DEFAULTS" @agc-b
expect_cfg "a set in A changes nothing in the initial namespace" "$DEFAULTS"

ctl set burst 5 mode off || fail "set in the initial namespace"
INIT=${DEFAULTS/\"burst\": 2/\"burst\": 5}
INIT=${INIT/\"mode\": \"monitor\"/\"mode\": \"off\"}
expect_cfg "a set in the initial namespace applies there" "$INIT"
expect_cfg "a set in the initial namespace changes nothing in A" "$A" @agc-a
expect_cfg "a set in the initial namespace changes nothing in B" "$DEFAULTS" @agc-b

ctl @agc-b set storm-pps 1234 || fail "set in B"
expect_cfg "a set in B changes nothing in A" "$A" @agc-a
expect_cfg "a set in B changes nothing in the initial namespace" "$INIT"

ns_add agc-c || ctl_die "netns"
expect_cfg "a namespace created after all that starts from the module parameters" \
	"$DEFAULTS" @agc-c
ns_del agc-a
ns_add agc-a || ctl_die "netns"
expect_cfg "a namespace re-created under A's name starts from the module parameters" \
	"$DEFAULTS" @agc-a
# unshare: a namespace without a name in /run/netns
got=$(unshare -n "$AG_CTL" -j show | "$AG_PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["config"], sort_keys=True))')
check "an anonymous namespace (unshare -n) starts from the module parameters" \
	[ "$got" = "$DEFAULTS" ]

# -n NAME (ip -n): the tool itself enters /run/netns/NAME; the same as
# running it under ip netns exec, for reads and for writes.
expect_cfg "-n agc-a reads A's configuration" "$DEFAULTS" -n agc-a
ctl -n agc-a set burst 11 || fail "set with -n agc-a"
A2=${DEFAULTS/\"burst\": 2/\"burst\": 11}
expect_cfg "set with -n agc-a applies in A (read under ip netns exec)" "$A2" @agc-a
expect_cfg "... and nowhere else: B" "${DEFAULTS/\"storm_pps\": 50/\"storm_pps\": 1234}" @agc-b
expect_cfg "... and nowhere else: the initial namespace" "$INIT"
expect_cfg "--netns=agc-b reads B's configuration" "${DEFAULTS/\"storm_pps\": 50/\"storm_pps\": 1234}" --netns=agc-b
ctl -n agc-no-such-ns show >"$T/out" 2>"$T/err"
rc=$?
msg=$(grep -c 'cannot open network namespace "agc-no-such-ns"' "$T/err")
check "-n with no such namespace: exit 2, a message, nothing on stdout (exit $rc: $(cat "$T/err"))" \
	[ "$rc:$(wc -c <"$T/out"):$msg" = "2:0:1" ]
# The kernel's own limiter is read in the namespace -n names: each its own
# net.ipv4.tcp_invalid_ratelimit (per namespace since Linux 4.x).
init_rl=$(sysctl -n net.ipv4.tcp_invalid_ratelimit)
nsx agc-a sysctl -qw net.ipv4.tcp_invalid_ratelimit=0 &&
	nsx agc-b sysctl -qw net.ipv4.tcp_invalid_ratelimit=1200 || fail "sysctl in A and B"
# (stored in jiffies: 1200 ms is exact at HZ 100, 250, 300 and 1000)
b_rl=$(nsx agc-b sysctl -n net.ipv4.tcp_invalid_ratelimit)
lim() { # ARGS...: "MS LIMITER" of show -j
	ctl "$@" -j show | "$AG_PY" -c 'import json,sys; j=json.load(sys.stdin); print(j["kernel_invalid_ratelimit_ms"], j["kernel_limiter"])'
}
check "-n agc-a: tcp_invalid_ratelimit 0, limiter off (got $(lim -n agc-a))" [ "$(lim -n agc-a)" = "0 off" ]
check "-n agc-b: tcp_invalid_ratelimit 1200 (sysctl there: $b_rl), limiter on (got $(lim -n agc-b))" [ "$(lim -n agc-b):$b_rl" = "1200 on:1200" ]
want="$init_rl $([ "$init_rl" = 0 ] && echo off || echo on)"
check "initial namespace: its own value $want (got $(lim))" [ "$(lim)" = "$want" ]
got=$(ctl -n agc-b stats -o prometheus | grep '^ackguard_kernel_invalid_ratelimit_seconds ')
check "-n agc-b stats -o prometheus: 1.2 s (got $got)" [ "$got" = "ackguard_kernel_invalid_ratelimit_seconds 1.200" ]
got=$(ctl -n agc-a show | grep -c 'ackguard is the only limiter\|nothing limits the answers')
check "-n agc-a show (text) says the kernel answers every invalid segment" [ "$got" = 1 ]

# Flows and flush are per namespace: a flow in agc-srv, flushes elsewhere.
pair_setup || ctl_die "namespaces"
ctl @$SRV set flow-timeout 1h || fail "set flow-timeout in $SRV"
bg "$AG_PY" "$CTL_DIR/conns.py" open --cli-ns $CLI --srv-ns $SRV --cli $CLI4 \
	--srv $SRV4 --port 7200 -n 2 --iface agc-c0 --out "$T/conns.json"
wait_file "$T/conns.json" 90 || ctl_die "no connections"
nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" --each >/dev/null ||
	ctl_die "inject"
check "two flows tracked in $SRV" [ "$(stat_get @$SRV flows_active)" = 2 ]
check "no flow in $CLI" [ "$(stat_get @$CLI flows_active)" = 0 ]
check "no flow in the initial namespace" [ "$(stat_get flows_active)" = 0 ]
n=$(ctl @$CLI -j flows | "$AG_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "flows in $CLI lists none of $SRV's flows (got $n)" [ "$n" = 0 ]
ctl flush && ctl @$CLI flush && ctl @agc-b flush || fail "flush elsewhere"
check "flushes in other namespaces leave $SRV's flows" [ "$(stat_get @$SRV flows_active)" = 2 ]
ctl @$SRV flush || fail "flush in $SRV"
check "flush in $SRV empties its table" [ "$(stat_get @$SRV flows_active)" = 0 ]
ctl_summary
