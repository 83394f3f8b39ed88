#!/bin/bash
# Scenario h: segments TCP discards before any rate-limited answer must not
# spend a flow's budget (module/admit.c).
#
# An off-path sender forging out-of-window pure ACKs of a BGP-like session
# (4/s, more than the one per interval the flow may have answered) must not
# starve the legitimate peer's keepalives: TCP itself drops the forgeries
# (GTSM: TTL 64 below IP_MINTTL / IPV6_MINHOPCOUNT 255; TCP-MD5: unsigned or
# signed with a wrong key), so ackguard must not count them either.
#
#   gtsm, md5 (IPv4 and IPv6): real sockets at both ends (the client sends
#     with TTL 255 / signs with the key), keepalive every 2 s with the
#     module at interval 1500 ms, burst 1, while pretcp.py forges 24 ACKs
#     at 4/s: TCP drops all 24 (TCPMinTTLDrop / TCPMD5NotFound +
#     TCPMD5Failure), nothing but the probes is classified (seq_seen =
#     probes), every probe is answered.  Then a forged ACK TCP would answer
#     (TTL 255 / the right key) is classified: the check is not a blanket
#     exemption of these sockets.
#   csum, l2 (IPv4 and IPv6), a plain connection: ACKs with a bad TCP
#     checksum (TCP counts InCsumErrors) and ACKs sent to a multicast MAC
#     (pkt_type PACKET_MULTICAST) are not classified; the same ACK with a
#     good checksum, to the server's own MAC, is.
# On a module without admit.c, the forgeries are classified (seq_seen moves
# by 24), spend the budget, and the keepalive probes go unanswered.
# Run: tests/vm/run.sh -- tests/e2e/test_pretcp.sh
. "$(dirname "$0")/lib.sh"
ag_init test_pretcp

PORT=5300
# probes every KA s > INTERVAL: each opens a new interval of its flow
INTERVAL=1500
KA=2
FORGE_COUNT=${AG_PRETCP_COUNT:-24}
FORGE_RATE=${AG_PRETCP_RATE:-4}
KEY=ag-pretcp-key
REASONS="paws seq challenge synrecv finwait2 timewait"
FAMILIES=${AG_PRETCP_FAMILIES:-4 6}

ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"
ag_need_module "test_pretcp: needs the module" || ag_summary
ag_load mode=enforce interval_ms=$INTERVAL burst=1 log_throttle=N ||
	die "insmod mode=enforce"

srv_of() { if [ "$1" = 4 ]; then echo $SRV4; else echo $SRV6; fi; }
cli_of() { if [ "$1" = 4 ]; then echo $CLI4; else echo $CLI6; fi; }

# tcp_mib NS NAME: a counter of the Tcp: line of /proc/net/snmp (Icmp and
# Udp have an InCsumErrors too, which netstat_get would find first).
tcp_mib() {
	nsx "$1" awk -v n="$2" '$1 == "Tcp:" {
		if (!h) { for (i = 2; i <= NF; i++) if ($i == n) h = i; next }
		print $h + 0; exit }' /proc/net/snmp
}

# seen_other A B: classified segments of all reasons but seq between two
# stats snapshots.
seen_other() {
	local r t=0
	for r in $REASONS; do
		[ $r = seq ] || t=$((t + $(sdelta "$1" "$2" ${r}_seen)))
	done
	echo $t
}

# The server (one listener per connection) in ag-srv and the client (all
# connections, and the forger) in ag-cli: one python each, since every
# python start costs seconds in the emulated VM.  Connection NAME is
# KIND+FAM: gtsm4, md54, plain4, gtsm6, ...
start_ends() {
	local fam kind i=0 conns=() peers=()
	for fam in $FAMILIES; do
		for kind in gtsm md5 plain; do
			conns+=(--conn "$kind$fam,$kind,$(srv_of $fam),$((PORT + i))")
			peers+=(--conn "$kind$fam,$kind,$(srv_of $fam),$((PORT + i)),$(cli_of $fam)")
			i=$((i + 1))
		done
	done
	ag_bg $SRV "$AG_PY" "$AG_E2E/pretcp.py" serve "${peers[@]}" --key $KEY \
		--ready "$AG_TMP/srv.ready"
	wait_file "$AG_TMP/srv.ready" 90 || return 1
	SKIPPED=,$(sed -n 's/^skipped=//p' "$AG_TMP/srv.ready"),
	for i in "${!conns[@]}"; do
		case $SKIPPED in *,"${conns[$i]%%,*}",*) unset "conns[$i]" "conns[$((i - 1))]" ;; esac
	done
	mkfifo "$AG_TMP/ctl" || return 1
	ag_bg $CLI "$AG_PY" "$AG_E2E/pretcp.py" client "${conns[@]}" --key $KEY \
		--ka $KA --ctl "$AG_TMP/ctl" --status "$AG_TMP/status" \
		--ready "$AG_TMP/cli.ready"
	CLI_PID=$AG_LASTPID
	CMDS=0
	wait_file "$AG_TMP/cli.ready" 90
}

# cmd LINE: one command to the client; waits until it is done.
cmd() {
	local i=0
	CMDS=$((CMDS + 1))
	vlog "cmd $*"
	echo "$*" >"$AG_TMP/ctl"
	until [ "$(cat "$AG_TMP/status" 2>/dev/null)" = "done=$CMDS" ]; do
		i=$((i + 1))
		if [ $i -gt 1200 ] || ! kill -0 "$CLI_PID" 2>/dev/null; then
			echo "# pretcp.py client: no answer to '$*'" >&2
			return 1
		fi
		sleep 0.1
	done
}

declare -A S0 S1 S2

# (a), (b): the keepalives of a GTSM / TCP-MD5 session under forged ACKs.
session() {
	local kind=$1 fam=$2 what m0 m1 k0 k1 i0 i1 probes answers seen drops
	local bad=() good=() c=$1$2
	what="IPv$fam $kind"
	case $SKIPPED in *,$c,*)
		skip "$what: the kernel has no TCP-MD5 (CONFIG_TCP_MD5SIG)"
		return ;;
	esac
	case $kind in
	gtsm) bad=(--ttl 64) good=(--ttl 255) ;;
	# half unsigned, half signed with a wrong key
	md5) bad=(--md5 not-the-key --mix) good=(--md5 $KEY) ;;
	esac
	mib() {
		if [ "$kind" = gtsm ]; then
			netstat_get $SRV TCPMinTTLDrop
		else
			echo $(($(netstat_get $SRV TCPMD5NotFound) + $(netstat_get $SRV TCPMD5Failure)))
		fi
	}
	sleep 0.5
	stats_snap $SRV S0
	m0=$(mib)
	k0=$(netstat_get $CLI TCPKeepAlive)
	i0=$(tcp_mib $CLI InSegs)
	cmd ka $c on &&
		cmd forge $c --count "$FORGE_COUNT" --rate "$FORGE_RATE" "${bad[@]}" &&
		cmd ka $c off || fail "$what: pretcp.py client failed"
	sleep 1
	stats_snap $SRV S1
	m1=$(mib)
	k1=$(netstat_get $CLI TCPKeepAlive)
	i1=$(tcp_mib $CLI InSegs)
	probes=$((k1 - k0)) answers=$((i1 - i0)) drops=$((m1 - m0))
	seen=$(sdelta S0 S1 seq_seen)
	log "$what (${SECONDS}s): forged $FORGE_COUNT, TCP dropped $drops; probes $probes, answered $answers;" \
		"seq_seen+$seen dropped+$(sdelta S0 S1 seq_dropped)"
	check "$what: TCP itself dropped all $FORGE_COUNT forged ACKs ($drops)" \
		[ "$drops" = "$FORGE_COUNT" ]
	check "$what: the client sent keepalive probes ($probes)" [ "$probes" -ge 1 ]
	check "$what: only the $probes probes classified, no forged ACK (seq_seen +$seen)" \
		[ "$seen" = "$probes" ]
	check "$what: nothing classified under another reason ($(seen_other S0 S1))" \
		[ "$(seen_other S0 S1)" = 0 ]
	check "$what: every keepalive probe answered ($answers of $probes)" \
		[ "$probes" -ge 1 -a "$answers" = "$probes" ]

	# What TCP would answer is still classified.
	cmd forge $c "${good[@]}" || fail "$what: pretcp.py client failed"
	sleep 0.3
	stats_snap $SRV S2
	seen=$(sdelta S1 S2 seq_seen)
	check "$what: a forged ACK TCP would answer (${good[*]}) is classified ($seen)" \
		[ "$seen" = 1 ]
}

# (c): bad checksum, not PACKET_HOST.
plain() {
	local fam=$1 what="IPv$fam plain" c0 c1 seen mcast srvmac c=plain$1
	log "$what: from ${SECONDS}s"
	mcast=01:00:5e:00:00:01
	[ "$fam" = 6 ] && mcast=33:33:00:00:00:01
	srvmac=$(ip -n $SRV link show ag-s0 | awk '$1 == "link/ether" { print $2 }')
	sleep 0.5
	stats_snap $SRV S0
	c0=$(tcp_mib $SRV InCsumErrors)
	cmd forge $c --count 10 --rate 20 --badsum || fail "$what: forge failed"
	sleep 0.3
	stats_snap $SRV S1
	c1=$(tcp_mib $SRV InCsumErrors)
	check "$what: TCP counted the 10 bad checksums ($((c1 - c0)))" [ $((c1 - c0)) = 10 ]
	seen=$(sdelta S0 S1 seq_seen)
	check "$what: bad-checksum ACKs not classified (seq_seen +$seen)" [ "$seen" = 0 ]
	cmd forge $c --count 10 --rate 20 --l2dst $mcast || fail "$what: forge failed"
	sleep 0.3
	stats_snap $SRV S2
	seen=$(sdelta S1 S2 seq_seen)
	check "$what: ACKs to multicast MAC $mcast not classified (seq_seen +$seen)" \
		[ "$seen" = 0 ]
	check "$what: nothing classified under another reason ($(seen_other S0 S2))" \
		[ "$(seen_other S0 S2)" = 0 ]
	# the controls: the same ACK to the server's own MAC, or routed, is
	cmd forge $c --l2dst "$srvmac" && cmd forge $c || fail "$what: forge failed"
	sleep 0.3
	stats_snap $SRV S1
	seen=$(sdelta S2 S1 seq_seen)
	check "$what: the same ACK to $srvmac and routed is classified ($seen)" \
		[ "$seen" = 2 ]
}

start_ends || die "the connections did not come up"
for fam in $FAMILIES; do
	session gtsm $fam
	session md5 $fam
	plain $fam
done
stat_dump $SRV
check "rmmod" ag_unload

ag_summary
