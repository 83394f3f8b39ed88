# shellcheck shell=bash
# tests/e2e/lib.sh: helpers sourced by the ackguard end-to-end scenarios.
#
# The scenarios run as root inside the test VM (tests/vm/run.sh), where the
# kernel is Debian's 6.1 and the module can be loaded.  Every packet they
# send stays inside network namespaces made here (veth only).
#
#   . "$(dirname "$0")/lib.sh"
#   ag_init NAME          name the scenario, check root, set the cleanup trap
#   ok/fail/skip DESC     report one check (TAP-ish: "ok - DESC")
#   check DESC CMD...     ok if CMD succeeds, else fail
#   ag_summary            print "# NAME: P passed, F failed, S skipped", exit
#
# Environment:
#   AG_KO               module to load (default module/ackguard.ko)
#   AG_REQUIRE_MODULE=1 a missing module is a failure, not a skip
#   AG_VERBOSE=1        echo the commands the helpers run
set -u

AG_E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AG_ROOT=$(cd "$AG_E2E/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
. "$AG_ROOT/tests/lib/guest.sh"
AG_KO=${AG_KO:-$AG_ROOT/module/ackguard.ko}
AG_PY=${AG_PY:-/usr/bin/python3}
AG_NAME=${AG_NAME:-e2e}
AG_PIDS=()
AG_TMP=

# Two-host topology: ag-cli (ag-c0) <-> ag-srv (ag-s0).
CLI=ag-cli
SRV=ag-srv
RTR=ag-rtr
CLI4=10.99.0.1
SRV4=10.99.0.2
CLI6=fd99::1
SRV6=fd99::2
# Routed topology: ag-cli (ag-c0) <-> (ag-rc) ag-rtr (ag-rs) <-> (ag-s0) ag-srv
RCLI4=10.99.1.1
RRC4=10.99.1.254
RRS4=10.99.2.254
RSRV4=10.99.2.1
RCLI6=fd99:1::1
RRC6=fd99:1::fe
RRS6=fd99:2::fe
RSRV6=fd99:2::1

# ---------------------------------------------------------------- reporting

# The scenario's closing line, read by run-all.sh.
ag_summary() {
	echo "# $AG_NAME: $GUEST_PASS passed, $GUEST_FAIL failed, $GUEST_SKIP skipped"
	[ "$GUEST_FAIL" -eq 0 ]
	exit
}

die() {
	fail "$AG_NAME: $*"
	ag_summary
}

# ---------------------------------------------------------------- setup

ag_init() {
	AG_NAME=$1
	if [ "$(id -u)" != 0 ]; then
		echo "# $AG_NAME must run as root (inside tests/vm/run.sh)" >&2
		exit 2
	fi
	if [ "${AG_IN_VM:-0}" != 1 ] && [ "${AG_ALLOW_HOST:-0}" != 1 ]; then
		echo "# $AG_NAME: refusing to run outside the test VM;" \
			"use tests/vm/run.sh -- $0 (AG_ALLOW_HOST=1 overrides)" >&2
		exit 2
	fi
	AG_TMP=$(mktemp -d /tmp/ag-e2e.XXXXXX)
	trap ag_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ag_kmods
	ag_pin_hooks
	log "$AG_NAME: kernel $(uname -r), module ${AG_KO#"$AG_ROOT"/}"
}

# The guest's init runs from an initramfs, so the kernel's module autoload
# (which runs /sbin/modprobe in init's root, not in the chroot) does not
# work there: load what the scenarios use by hand.  Built-ins just succeed.
ag_kmods() {
	local m
	for m in veth sch_netem sch_ingress cls_u32 act_pedit act_csum \
		nf_tables nfnetlink ipv6; do
		modprobe -q "$m" 2>/dev/null || true
	done
}

# The LOCAL_IN hooks pinned in the VM's own namespace for the whole run:
# see guest_pin_hooks in tests/lib/guest.sh.
ag_pin_hooks() {
	guest_pin_hooks 2>/dev/null ||
		log "warning: cannot pin the LOCAL_IN hooks (nft)"
}

ag_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	guest_reap "${AG_PIDS[@]}"
	AG_PIDS=()
	ag_unload
	guest_del_netns
	ag_rt_timers_restore
	guest_unpin_hooks
	[ -n "$AG_TMP" ] && rm -rf "$AG_TMP"
	exit "$rc"
}

# ag_bg NS CMD...: run CMD in namespace NS in the background; its pid is
# killed by the cleanup.  Sets AG_LASTPID.
ag_bg() {
	local ns=$1
	shift
	vlog "bg [$ns] $*"
	ip netns exec "$ns" "$@" &
	AG_LASTPID=$!
	AG_PIDS+=("$AG_LASTPID")
}

ag_kill() { # pid
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# veth_pair NS1 DEV1 NS2 DEV2
veth_pair() {
	ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		return 1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# ns_setup: ag-cli <-> ag-srv, 10.99.0.0/24 and fd99::/64.
ns_setup() {
	ns_teardown
	ns_add $CLI && ns_add $SRV || return 1
	veth_pair $CLI ag-c0 $SRV ag-s0 || return 1
	ip -n $CLI addr add $CLI4/24 dev ag-c0
	ip -n $SRV addr add $SRV4/24 dev ag-s0
	ip -n $CLI -6 addr add $CLI6/64 dev ag-c0 nodad
	ip -n $SRV -6 addr add $SRV6/64 dev ag-s0 nodad
	ns_ping $CLI $SRV4 && ns_ping $CLI $SRV6
}

# ns_setup_routed: ag-cli <-> ag-rtr <-> ag-srv, 10.99.1.0/24 and
# 10.99.2.0/24 (fd99:1::/64, fd99:2::/64), the router forwarding.
ns_setup_routed() {
	ns_teardown
	ns_add $CLI && ns_add $RTR && ns_add $SRV || return 1
	veth_pair $CLI ag-c0 $RTR ag-rc || return 1
	veth_pair $RTR ag-rs $SRV ag-s0 || return 1
	ip -n $CLI addr add $RCLI4/24 dev ag-c0
	ip -n $RTR addr add $RRC4/24 dev ag-rc
	ip -n $RTR addr add $RRS4/24 dev ag-rs
	ip -n $SRV addr add $RSRV4/24 dev ag-s0
	ip -n $CLI -6 addr add $RCLI6/64 dev ag-c0 nodad
	ip -n $RTR -6 addr add $RRC6/64 dev ag-rc nodad
	ip -n $RTR -6 addr add $RRS6/64 dev ag-rs nodad
	ip -n $SRV -6 addr add $RSRV6/64 dev ag-s0 nodad
	ip -n $CLI route add default via $RRC4
	ip -n $SRV route add default via $RRS4
	ip -n $CLI -6 route add default via $RRC6
	ip -n $SRV -6 route add default via $RRS6
	nsx $RTR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	ns_ping $CLI $RSRV4 && ns_ping $CLI $RSRV6
}

ns_ping() { # NS ADDR: wait until ADDR answers (if ping is installed)
	local i
	command -v ping >/dev/null 2>&1 || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		nsx "$1" ping -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "# ping $2 from $1 failed" >&2
	return 1
}

ns_teardown() {
	guest_del_netns
	return 0
}

# ratelimit NS MS: the kernel's own net.ipv4.tcp_invalid_ratelimit.
ratelimit() {
	# Kernels before 4.0 (vanilla 3.10) have no limiter at all: 0 is what
	# they do anyway; anything else cannot be had there.
	if [ ! -e /proc/sys/net/ipv4/tcp_invalid_ratelimit ]; then
		vlog "$1: no net.ipv4.tcp_invalid_ratelimit (kernel $(uname -r)): no limiter"
		[ "$2" = 0 ]
		return
	fi
	nsx "$1" sysctl -qw net.ipv4.tcp_invalid_ratelimit="$2" >/dev/null 2>&1 && return
	# per namespace since 4.15: before, one global value (the initial
	# namespace's), which every namespace uses
	[ -z "$(nsx "$1" sh -c 'ls /proc/sys/net/ipv4/tcp_invalid_ratelimit' 2>/dev/null)" ] || return
	vlog "$1: net.ipv4.tcp_invalid_ratelimit is global on $(uname -r): set for every namespace"
	sysctl -qw net.ipv4.tcp_invalid_ratelimit="$2" >/dev/null
}

# ---------------------------------------------------------------- counters

# stat_get NS NAME: one value from /proc/net/ackguard/stats in NS; prints
# nothing and fails if the file or the name is missing.
stat_get() {
	nsx "$1" awk -v n="$2" '$1 == n { print $2; f = 1; exit } END { exit !f }' \
		/proc/net/ackguard/stats 2>/dev/null
}

# stats_snap NS ARRAY: every value of NS's stats file into the associative
# array ARRAY (declare -A it first); one read for many counters, which
# matters in the slow VM.  (No process substitution: the guest has no
# /dev/fd.)
stats_snap() {
	local -n _snap=$2
	local k v
	_snap=()
	while read -r k v; do
		[ -n "$k" ] && _snap[$k]=$v
	done <<<"$(nsx "$1" cat /proc/net/ackguard/stats 2>/dev/null)"
}

# sdelta A B NAME: B[NAME] - A[NAME] of two stats_snap arrays; NA if B
# lacks NAME.
sdelta() {
	local -n _a=$1 _b=$2
	if [ -z "${_b[$3]:-}" ]; then echo NA; else echo $((_b[$3] - ${_a[$3]:-0})); fi
}

# stat_dump NS: the whole stats file, as comments.
stat_dump() {
	nsx "$1" cat /proc/net/ackguard/stats 2>/dev/null | sed "s/^/# [$1] /"
}

# stat_sum NS SUFFIX: sum of R_SUFFIX over all reasons (e.g. dropped).
stat_sum() {
	nsx "$1" awk -v s="_$2" 'substr($1, length($1) - length(s) + 1) == s { t += $2 }
		END { print t + 0 }' /proc/net/ackguard/stats 2>/dev/null
}

# flows_count NS: flow lines in /proc/net/ackguard/flows (header excluded).
flows_count() {
	nsx "$1" awk 'NR > 1 && NF { n++ } END { print n + 0 }' /proc/net/ackguard/flows 2>/dev/null
}

# netstat_get NS NAME: a TcpExt/IpExt/... counter from /proc/net/netstat
# (or Tcp/Ip/... from /proc/net/snmp) in NS; 0 if the kernel lacks it.
netstat_get() {
	nsx "$1" awk -v n="$2" '
		{
			if (!($1 in hdr)) { hdr[$1] = $0; next }
			k = split(hdr[$1], h)
			for (i = 2; i <= k; i++)
				if (h[i] == n) { print $i; f = 1; exit }
			delete hdr[$1]
		}
		END { if (!f) print 0 }' /proc/net/netstat /proc/net/snmp
}

# ---------------------------------------------------------------- module

ag_have_module() { [ -f "$AG_KO" ]; }

# ag_need_module DESC: true if the module can be loaded; otherwise reports
# DESC as skipped (or failed with AG_REQUIRE_MODULE=1) and returns 1.
ag_need_module() {
	ag_have_module && return 0
	if [ "${AG_REQUIRE_MODULE:-0}" = 1 ]; then
		fail "$1 (${AG_KO#"$AG_ROOT"/} missing, AG_REQUIRE_MODULE=1)"
	else
		skip "$1 (${AG_KO#"$AG_ROOT"/} not built)"
	fi
	return 1
}

# ag_load [PARAM=VALUE...]: (re)load the module with these parameters.
ag_load() {
	ag_unload || return 1
	vlog "insmod $AG_KO $*"
	if ! insmod "$AG_KO" "$@"; then
		echo "# insmod $AG_KO $* failed" >&2
		return 1
	fi
	if [ ! -r /proc/net/ackguard/stats ]; then
		echo "# module loaded but /proc/net/ackguard/stats is missing" >&2
		return 1
	fi
}

# ---------------------------------------------------------------- tools

# inject NS ARGS...: run inject.py in NS; its RESULT lines (one per mode)
# go to stdout as comments and into AG_RESULT, its other output to stderr.
inject() {
	local ns=$1 out rc
	shift
	vlog "[$ns] inject.py $*"
	out=$(ip netns exec "$ns" "$AG_PY" "$AG_E2E/inject.py" "$@")
	rc=$?
	AG_RESULT=$(printf '%s\n' "$out" | grep '^RESULT ')
	[ -n "$AG_RESULT" ] && printf '%s\n' "$AG_RESULT" | sed 's/^/# /'
	return $rc
}

# res KEY [MODE]: a field of inject's RESULT line for MODE (default: the
# last line).
res() {
	printf '%s\n' "$AG_RESULT" | grep -E "${2:+ mode=$2 }" | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$1=//p"
}

# tcpserver NS ARGS...: start "tcpapp.py serve ARGS" in NS and wait until
# it listens.
tcpserver() {
	local ns=$1 ready
	shift
	ready=$AG_TMP/srv.$RANDOM.ready
	ag_bg "$ns" "$AG_PY" "$AG_E2E/tcpapp.py" serve --ready "$ready" "$@"
	wait_file "$ready" 60 || {
		echo "# tcpserver $* did not start" >&2
		return 1
	}
}

# limit_bound DURATION_S [INTERVAL_MS] [BURST]: the most answers a flow
# limited to BURST per INTERVAL may get in DURATION: BURST per interval the
# injection touched, plus one interval of slack for the window boundary.
limit_bound() {
	awk -v d="$1" -v i="${2:-500}" -v b="${3:-1}" 'BEGIN {
		n = d * 1000 / i; c = int(n); if (c < n) c++
		print b * (c + 1) }'
}

now_ns() { date +%s%N; }

# ---------------------------------------------------------------- ACK loop

LOOP_PORT=5100

# loop_setup [ROUTE_OPTS...]: the routed topology with the kernel's own
# limit off at both ends, and one established connection between two
# tcpapp.py peers (LOOP_SRV_PID in ag-srv, LOOP_CLI_PID in ag-cli).
# ROUTE_OPTS (e.g. "rto_min 1s") go on both ends' default routes.
# On PREEMPT_RT, softirqs raised in the timer thread run there: once a TCP
# retransmission (a timer) restarts the unprotected ACK loop, the loop runs
# in ktimers/N, a SCHED_FIFO thread, and keeps that CPU's softirq lock; the
# ksoftirqd, rcuc and kworker threads then wait for it for minutes (the
# netns cleanup and so every insmod/rmmod hang on pernet_ops_rwsem behind
# them: seen in the rt boot of make check-debug, test_reload).  The loop
# runs like this without ackguard too, so while a scenario runs the loop,
# these threads run as SCHED_OTHER and share the CPU; ag_cleanup puts them
# back.  (A second rmmod hang there was ackguard's own: its flush took every
# empty bucket's lock, see ag_table_flush().)
AG_RT_TIMERS=()
ag_rt_timers_fair() {
	local pid
	uname -v | grep -q PREEMPT_RT || return 0
	for pid in $(pgrep -x 'ktimers/[0-9]+'); do
		chrt -o -p 0 "$pid" && AG_RT_TIMERS+=("$pid")
	done
	log "PREEMPT_RT: ktimers threads (${AG_RT_TIMERS[*]}) run as SCHED_OTHER during the loop"
}
ag_rt_timers_restore() {
	local pid
	for pid in "${AG_RT_TIMERS[@]}"; do
		chrt -f -p 1 "$pid"
	done
	AG_RT_TIMERS=()
}

loop_setup() {
	loop_net "$@" && loop_peers $RSRV4
}

# loop_net [ROUTE_OPTS...]: loop_setup's topology, without the peers.
loop_net() {
	ag_rt_timers_fair
	ns_setup_routed || return 1
	ratelimit $CLI 0 && ratelimit $SRV 0 || return 1
	if [ $# -gt 0 ]; then
		ip -n $CLI route change default via $RRC4 "$@" &&
			ip -n $SRV route change default via $RRS4 "$@" || return 1
	fi
}

# loop_peers ADDR [PORT] [LISTEN_ADDR]: the client peer connects to
# ADDR:PORT (default LOOP_PORT), where a server peer listens on LISTEN_ADDR
# (0.0.0.0; :: for IPv6); sets LOOP_SRV_PID and LOOP_CLI_PID.
loop_peers() {
	local port=${2:-$LOOP_PORT} ready=$AG_TMP/loop.$RANDOM
	ag_bg $SRV "$AG_PY" "$AG_E2E/tcpapp.py" peer --listen --addr "${3:-0.0.0.0}" \
		--port "$port" --ready "$ready.srv"
	LOOP_SRV_PID=$AG_LASTPID
	ag_bg $CLI "$AG_PY" "$AG_E2E/tcpapp.py" peer --connect --addr "$1" \
		--port "$port" --ready "$ready.cli"
	LOOP_CLI_PID=$AG_LASTPID
	wait_file "$ready.srv" 90 && wait_file "$ready.cli" 90 || {
		echo "# loop peers did not connect" >&2
		return 1
	}
}

# loop_pedit [6]: the broken middlebox.  On both router egress devices, add
# 0xf0000000 to the word at IPv4 offset 44: the TSval of a segment whose
# options start NOP,NOP,TS (as Linux sends them once established), i.e.
# every TSval moves 2^28 ticks into the past, in both directions.
# With 6, the same for IPv6 too (offset 64 = 40 + 24).
# Kernels before 4.5 have no clsact and before 4.11 no extended pedit
# (ex ... add): there (3.10) the router rewrites on the way in instead (the
# ingress qdisc of the same two devices: every segment it forwards passes
# one of them), and a plain pedit key adds to the word at the same offset
# from the network header; each fallback is logged.
loop_pedit() {
	local dev parent=egress ex=ex ts=
	if ! tc -n $RTR qdisc add dev ag-rc clsact 2>/dev/null; then
		log "loop_pedit: no clsact (kernel $(uname -r)): rewrite at ingress"
		parent="parent ffff:"
	else
		tc -n $RTR qdisc del dev ag-rc clsact
	fi
	for dev in ag-rc ag-rs; do
		if [ "$parent" = egress ]; then
			tc -n $RTR qdisc add dev $dev clsact || return 1
		else
			tc -n $RTR qdisc add dev $dev ingress || return 1
		fi
		if [ -n "$ts" ] || ! tc -n $RTR filter add dev $dev $parent protocol ip u32 \
			match ip protocol 6 0xff \
			action pedit ex munge offset 44 u32 add 0xf0000000 pipe \
			action csum tcp 2>/dev/null; then
			# plain keys only set: every TSval becomes one 2^28 ticks
			# before now (TSval is jiffies on these kernels), in the
			# past of both ends' ts_recent from here on
			[ -n "$ts" ] || ts=$(awk '/^jiffies:/ { printf "0x%08x\n", ($2 - 268435456) % 4294967296; exit }' /proc/timer_list)
			[ -n "$ts" ] || return 1
			[ -n "$ex" ] && log "loop_pedit: no extended pedit (kernel $(uname -r)): plain pedit key, TSval set to $ts"
			ex=
			tc -n $RTR filter add dev $dev $parent protocol ip u32 \
				match ip protocol 6 0xff \
				action pedit munge offset 44 u32 set $ts pipe \
				action csum tcp || return 1
		fi
		[ "${1:-}" = 6 ] || continue
		tc -n $RTR filter add dev $dev $parent protocol ipv6 u32 \
			match ip6 protocol 6 0xff \
			action pedit $ex munge offset 64 u32 add 0xf0000000 pipe \
			action csum tcp || return 1
	done
}

# loop_kick cli|srv [byte|raw]: that peer starts a loop: by sending one
# byte on the connection (byte, the default), or one raw out-of-window ACK
# of the connection (raw: always goes out; a byte may be held back by
# congestion control once the first one has timed out).
loop_kick() {
	local sig=USR1 pid=$LOOP_CLI_PID
	[ "${2:-byte}" = raw ] && sig=USR2
	[ "$1" = srv ] && pid=$LOOP_SRV_PID
	kill -$sig "$pid"
}

# rtr_tx: packets the router has sent on both of its devices, i.e. every
# segment it forwarded, from its namespace's /proc/net/dev (the format of
# every kernel since 2.x).  Not "ip -s link": before 4.0 (no
# IFLA_LINK_NETNSID) it names a veth "ag-rc:", not "ag-rc@if2:", and a
# pattern for one spelling read 0 pkt/s on 3.10.  A device may be missing
# (torn down): then the sum is short, never made up.
rtr_tx() {
	nsx $RTR cat /proc/net/dev | awk '
		{ sub(/:/, " ") }
		$1 == "ag-rc" || $1 == "ag-rs" { s += $11 }
		END { print s + 0 }'
}

# loop_rate [SECS]: packets per second through the router over SECS (1).
loop_rate() {
	local p0 p1 t0 t1
	t0=$(now_ns)
	p0=$(rtr_tx)
	sleep "${1:-1}"
	p1=$(rtr_tx)
	t1=$(now_ns)
	awk -v p=$((p1 - p0)) -v t=$((t1 - t0)) 'BEGIN { printf "%d\n", p * 1e9 / t }'
}
