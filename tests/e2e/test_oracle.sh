#!/bin/bash
# Scenario i: the oracle.  The running kernel judges every ackguard verdict.
#
# In ag-srv, net.ipv4.tcp_invalid_ratelimit at its maximum (and the
# challenge-ACK quota unlimited): once a socket has answered one segment
# down a rate-limited path, every further one is rate-limited, and TCP
# counts it in exactly one TcpExt TCPACKSkipped* counter: the kernel's own
# classification.  ackguard in monitor mode (counts, drops nothing) counts
# the same segment as <reason>_seen.  oracle.py forges random pure ACKs,
# SYNs, FINs and RSTs around the edges of server sockets in ESTABLISHED
# (data in flight; zero window), SYN_RECV (request socket), FIN_WAIT1,
# FIN_WAIT2 (timewait and full socket), CLOSE_WAIT, LAST_ACK, CLOSING and
# TIME_WAIT, IPv4 and IPv6, one at a time, and fails on any segment where
# ackguard's reason is not the kernel's (none for none).  RSTs, and FIN or
# data without SYN, are never ackguard's (README: a loop is made of pure
# ACKs, and ackguard never risks dropping a reset or data): for those
# ackguard must say none, and what the kernel limited is reported apart
# (OUTSIDE lines, outside= in the RESULT).
#
# Kernels without these counters (vanilla before 4.0: 3.10 has no
# tcp_invalid_ratelimit, no TCPACKSkipped*) are judged by the wire instead:
# with no limiter every such segment is answered, and oracle.py reads the
# kernel's verdict from the server's answer (a pure ACK, or a request
# socket's SYN-ACK to its SYN; which path from PAWSEstab and
# TCPChallengeACK; see wire_verdict()).  AG_ORACLE_MODE=wire runs the wire
# oracle on a kernel that has the counters too (tcp_invalid_ratelimit 0):
# the two oracles must agree there, which checks the wire oracle itself.
#
# Knobs: AG_ORACLE_MODE (auto, counters, wire; default auto: counters where
# the kernel has them), AG_ORACLE_SEED (default random; printed), AG_ORACLE_COUNT
# (segments judged, default 4000: ~35 s in the TCG guest, which judged 125
# segments/s with 4 workers on an idle host; check-debug's oracle boot
# asks for 100000), AG_ORACLE_STATES (comma
# list, default all), AG_ORACLE_FLAGS (draw only these flag combinations,
# e.g. "A,S,-"), AG_ORACLE_DATA (share of segments with payload, default
# 0.08; oracle.py reads it itself), AG_ORACLE_PER_SOCKET (judged segments per connection,
# default 8), AG_ORACLE_WORKERS (pairs of namespaces judged in parallel,
# default twice the guest's CPUs, at most 4: the TcpExt counters are per
# namespace, so each worker has a client and a server namespace of its own;
# worker i draws with seed + i).  A mismatch prints the seed, the segment (symbolic, relative
# to the socket's edges, and absolute), the socket's state and the client's
# model of it; the CLASS lines group them, with a guess at the cause.
# Run: tests/vm/run.sh -- tests/e2e/test_oracle.sh
. "$(dirname "$0")/lib.sh"
ag_init test_oracle

PORT=5300
COUNT=${AG_ORACLE_COUNT:-4000}

ag_need_module "test_oracle: ackguard against the kernel's TCPACKSkipped counters" ||
	ag_summary
ns_setup || die "namespace setup failed"
# two workers a CPU: each waits on the guest's network half the time
workers=${AG_ORACLE_WORKERS:-$(($(nproc) * 2))}
[ "$workers" -gt 4 ] && [ -z "${AG_ORACLE_WORKERS:-}" ] && workers=4
servers=("$SRV")
pairs=()
for i in $(seq 2 "$workers"); do
	# ag-cliI (10.99.1I.1, fd99:1I::1) <-> ag-srvI (.2, ::2)
	cli=$CLI$i srv=$SRV$i a4=10.99.1$i a6=fd99:1$i:
	if ! { ns_add "$cli" && ns_add "$srv" &&
		veth_pair "$cli" "ag-c$i" "$srv" "ag-s$i"; }; then
		die "namespace pair $i failed"
	fi
	ip -n "$cli" addr add "$a4.1/24" dev "ag-c$i"
	ip -n "$srv" addr add "$a4.2/24" dev "ag-s$i"
	ip -n "$cli" -6 addr add "$a6:1/64" dev "ag-c$i" nodad
	ip -n "$srv" -6 addr add "$a6:2/64" dev "ag-s$i" nodad
	ns_ping "$cli" "$a4.2" && ns_ping "$cli" "$a6:2" ||
		die "namespace pair $i: no ping"
	servers+=("$srv")
	pairs+=(--pair "/var/run/netns/$cli,/var/run/netns/$srv,$a4.2,$a6:2")
done

# srv_sysctl NAME VALUE: ag-srv's own, or (a global sysctl: tcp_invalid_ratelimit
# before 4.15, tcp_challenge_ack_limit before 4.?) the initial namespace's, logged
# (restored at the end: later scenarios of the same boot expect the defaults)
restore=()
srv_sysctl() {
	local ns old ok=0
	for ns in "${servers[@]}"; do
		nsx "$ns" sysctl -qw "net.ipv4.$1=$2" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	[ "$ok" = "${#servers[@]}" ] && return
	old=$(sysctl -n "net.ipv4.$1" 2>/dev/null) || return
	sysctl -qw "net.ipv4.$1=$2" >/dev/null 2>&1 || return
	restore+=("net.ipv4.$1=$old")
	log "net.ipv4.$1 is global on $(uname -r): set in the initial namespace"
}
srv_sysctl_get() {
	nsx $SRV sysctl -n "net.ipv4.$1" 2>/dev/null || sysctl -n "net.ipv4.$1"
}

mode=${AG_ORACLE_MODE:-auto}
if [ "$mode" = auto ]; then
	mode=wire
	grep -q TCPACKSkippedPAWS /proc/net/netstat && mode=counters
fi
case $mode in
counters)
	# proc_dointvec_ms_jiffies: any int of milliseconds whose jiffies fit an int
	for lim in 2147483647 2147483 86400000; do
		srv_sysctl tcp_invalid_ratelimit $lim && break
	done
	got=$(srv_sysctl_get tcp_invalid_ratelimit)
	log "oracle: the kernel's TCPACKSkipped* counters; ag-srv: tcp_invalid_ratelimit=$got ms"
	check "tcp_invalid_ratelimit >= 1 day ($got ms)" [ "${got:-0}" -ge 86400000 ]
	;;
wire)
	# no limiter: every answer down a limited path goes out
	if [ -e /proc/sys/net/ipv4/tcp_invalid_ratelimit ]; then
		srv_sysctl tcp_invalid_ratelimit 0 || die "cannot set tcp_invalid_ratelimit 0"
		log "oracle: the wire (AG_ORACLE_MODE=wire), tcp_invalid_ratelimit 0"
	else
		log "oracle: the wire (kernel $(uname -r) has no TCPACKSkipped* counters and no tcp_invalid_ratelimit)"
	fi
	;;
*) die "AG_ORACLE_MODE must be auto, counters or wire" ;;
esac
srv_sysctl tcp_challenge_ack_limit 2147483647 ||
	die "cannot set tcp_challenge_ack_limit"

ag_load mode=monitor || die "insmod mode=monitor failed"

args=(--srv-ns /var/run/netns/$SRV --srv4 $SRV4 --srv6 $SRV6 --port $PORT
	--count "$COUNT" --oracle "$mode" "${pairs[@]}")
[ -n "${AG_ORACLE_SEED:-}" ] && args+=(--seed "$AG_ORACLE_SEED")
[ -n "${AG_ORACLE_STATES:-}" ] && args+=(--states "$AG_ORACLE_STATES")
[ -n "${AG_ORACLE_FLAGS:-}" ] && args+=(--flags "$AG_ORACLE_FLAGS")
[ -n "${AG_ORACLE_PER_SOCKET:-}" ] && args+=(--per-socket "$AG_ORACLE_PER_SOCKET")
vlog "[$CLI] oracle.py ${args[*]}"
out=$(ip netns exec $CLI "$AG_PY" "$AG_E2E/oracle.py" "${args[@]}")
rc=$?
# every line (matrices, mismatches, result) as a comment
printf '%s\n' "$out" | sed 's/^/# /'
result=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -n 1)
field() { printf '%s\n' "$result" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
judged=$(field judged) counted=$(field counted) mism=$(field mismatches)
unset=$(field unsettled) seed=$(field seed) outside=$(field outside)
if [ -z "$result" ]; then
	fail "oracle.py ran to its result (exit $rc)"
else
	check "oracle judged $judged of $COUNT segments ($(field oracle) oracle, $(field workers) workers, $(field secs) s)" [ "$judged" -ge "$COUNT" ]
	# the kernel counted something for a good share: the sockets were
	# primed and the comparison is not between two silences
	if [ -z "${AG_ORACLE_FLAGS:-}${AG_ORACLE_STATES:-}${AG_ORACLE_DATA:-}" ]; then
		check "the kernel rate-limited (wire: answered down a limited path) $counted of them (>= 1/5)" \
			[ $((counted * 5)) -ge "$judged" ]
	else
		log "the kernel rate-limited $counted of them (a narrowed draw: not checked)"
	fi
	check "every segment settled before the next (unsettled=$unset)" [ "$unset" = 0 ]
	# RSTs, and FIN or data without SYN, are never ackguard's (README):
	# for those it must say none, whatever the kernel did ($outside)
	check "ackguard's reason is the kernel's for all $judged segments, none for the $outside RST/FIN/data ones ($mism mismatches; seeds $seed: AG_ORACLE_SEED=<a MISMATCH line's seed> AG_ORACLE_WORKERS=1 draws it again)" \
		[ "$mism" = 0 ]
	check "oracle.py exit status 0 ($rc)" [ "$rc" = 0 ]
fi
stat_dump $SRV
for kv in "${restore[@]}"; do
	sysctl -qw "$kv" >/dev/null || fail "restore $kv"
done
check "rmmod" ag_unload

ag_summary
