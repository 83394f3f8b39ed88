#!/bin/bash
# Scenario k: TCP keepalives of an IPsec AH (transport mode) connection,
# IPv6 and IPv4.
#
# ag-cli <-> ag-srv, AH (hmac(sha256)) on every TCP segment both ways
# (ip xfrm state/policy, proto tcp only: neighbour discovery stays
# plain).  A client socket with TCP_KEEPIDLE/KEEPINTVL 1 s probes an idle
# connection to a server socket: each probe is a pure ACK at snd_una - 1,
# which the server answers on its out-of-window (seq) path, the one
# tcp_invalid_ratelimit and ackguard limit.  One probe a second is slower
# than the limit (burst 1 per 500 ms), so every probe must be answered,
# and ackguard must count each exactly once as seq_seen and drop none.
#
# IPv6 is the case that matters: its AH is an extension header that
# ipv6_skip_exthdr() steps over, and xfrm6_transport_finish() sends the
# decapsulated segment through LOCAL_IN a second time.  Counting both
# passes makes every probe two classified segments, the second dropped:
# seen = 2 x probes, no answer.  IPv4's AH is the IP protocol (its first
# pass is not TCP): counted once there, for comparison.
#
# Counts: probes are AH packets arriving at ag-srv's veth (nft netdev
# ingress), answers AH packets arriving at ag-cli's, per family; on the
# idle connections nothing else is protected.  Both connections probe at
# once, each flow's own count comes from /proc/net/ackguard/flows.
# Probing is switched off before the counters are read, so no probe is in
# flight then.
# Run: tests/vm/run.sh -- tests/e2e/test_ah.sh
. "$(dirname "$0")/lib.sh"
ag_init test_ah

PORT=5300
PROBE_SECS=${AG_AH_SECS:-6}
INTERVAL=500
BURST=1
KEY=0x$(printf '%064x' 0x6167)

for m in xfrm_user ah4 ah6; do
	modprobe -q $m 2>/dev/null
done
ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"

# xfrm_ah LOCAL REMOTE SPI_OUT SPI_IN NS: AH transport SAs and TCP
# policies for LOCAL <-> REMOTE in NS
xfrm_ah() {
	local l=$1 r=$2 so=$3 si=$4 ns=$5
	ip -n "$ns" xfrm state add src "$l" dst "$r" proto ah spi "$so" mode transport \
		auth-trunc 'hmac(sha256)' "$KEY" 128 &&
		ip -n "$ns" xfrm state add src "$r" dst "$l" proto ah spi "$si" mode transport \
			auth-trunc 'hmac(sha256)' "$KEY" 128 &&
		ip -n "$ns" xfrm policy add src "$l" dst "$r" proto tcp dir out \
			tmpl proto ah mode transport &&
		ip -n "$ns" xfrm policy add src "$r" dst "$l" proto tcp dir in \
			tmpl proto ah mode transport
}
xfrm_ah $CLI4 $SRV4 0x4001 0x4002 $CLI && xfrm_ah $SRV4 $CLI4 0x4002 0x4001 $SRV &&
	xfrm_ah $CLI6 $SRV6 0x6001 0x6002 $CLI && xfrm_ah $SRV6 $CLI6 0x6002 0x6001 $SRV ||
	die "ip xfrm: AH transport mode setup failed"

# AH packets arriving at each end, per family
for x in "$CLI ag-c0" "$SRV ag-s0"; do
	set -- $x
	nsx "$1" nft -f - <<-EOF || die "nft counters in $1"
		table netdev ag_ah {
			counter ah4 {}
			counter ah6 {}
			chain ing {
				type filter hook ingress device $2 priority -500; policy accept;
				ip protocol ah counter name ah4
				ip6 nexthdr ah counter name ah6
			}
		}
	EOF
done
ah_count() { # NS FAMILY
	nsx "$1" nft list counter netdev ag_ah "ah$2" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}

tcpserver $SRV --addr :: --port $PORT --mode hold || die "server did not start"
declare -A KA
for fam in 4 6; do
	dst=$SRV4
	[ $fam = 6 ] && dst=$SRV6
	ag_bg $CLI "$AG_PY" "$AG_E2E/tcpapp.py" keepalive --addr $dst --port $PORT \
		--ready "$AG_TMP/ka$fam.ready"
	KA[$fam]=$AG_LASTPID
	wait_file "$AG_TMP/ka$fam.ready" 60 || die "IPv$fam keepalive client did not connect"
done
a4=$(ah_count $SRV 4) a6=$(ah_count $SRV 6)
check "the connections are AH-protected (AH packets at ag-srv: IPv4 $a4, IPv6 $a6)" \
	[ "${a4:-0}" -gt 0 -a "${a6:-0}" -gt 0 ]

declare -A S0 S1
# flow_seen_dropped LOCAL: "SEEN DROPPED" of ag-srv's flow with that local
# end (0 0 if none)
flow_seen_dropped() {
	nsx $SRV awk -v l="$1" 'NR > 1 && $1 == l { s += $5; d += $7 }
		END { print s + 0, d + 0 }' /proc/net/ackguard/flows 2>/dev/null
}
# probe_run WHAT: PROBE_SECS of keepalive probing on both connections at
# once; checks every probe answered (and with the module, each counted
# once as seq by its own flow, none dropped)
probe_run() {
	local what fam p q k0 k seen dropped sd
	declare -A P Q
	stats_snap $SRV S0
	k0=$(netstat_get $CLI TCPKeepAlive)
	for fam in 4 6; do
		P[$fam]=$(ah_count $SRV $fam) Q[$fam]=$(ah_count $CLI $fam)
	done
	kill -USR2 "${KA[4]}" "${KA[6]}"
	sleep "$PROBE_SECS"
	kill -USR1 "${KA[4]}" "${KA[6]}"
	# the last probes' answers
	sleep 1
	k=$(($(netstat_get $CLI TCPKeepAlive) - k0))
	stats_snap $SRV S1
	seen=$(sdelta S0 S1 seq_seen) dropped=$(sdelta S0 S1 seq_dropped)
	log "$1: TCPKeepAlive +$k; ag-srv seq_seen +$seen seq_dropped +$dropped"
	for fam in 6 4; do
		what="IPv$fam AH keepalives, $1"
		p=$(($(ah_count $SRV $fam) - P[$fam])) q=$(($(ah_count $CLI $fam) - Q[$fam]))
		log "$what: probes at ag-srv $p, answers at ag-cli $q"
		check "$what: the client probed (>= 3 probes at ag-srv: $p)" [ "$p" -ge 3 ]
		check "$what: every probe answered ($q answers, $p probes)" [ "$q" = "$p" ]
		[ "$1" = "no module" ] && continue
		# the module was loaded for this run: the flow's whole count
		if [ $fam = 4 ]; then sd=$(flow_seen_dropped "$SRV4:$PORT"); else
			sd=$(flow_seen_dropped "[$SRV6]:$PORT"); fi
		check "$what: each probe counted once by its flow (seen, dropped: $sd; $p probes)" \
			[ "$sd" = "$p 0" ]
	done
	[ "$1" = "no module" ] && return
	check "$1: ag-srv's seq_seen rose by the probes of both ($seen = TCPKeepAlive $k), none dropped ($dropped)" \
		[ "$seen" = "$k" -a "$dropped" = 0 ]
}

ag_unload
probe_run "no module"
if ag_need_module "test_ah: keepalives of AH connections with the module"; then
	if ag_load mode=enforce interval_ms=$INTERVAL burst=$BURST; then
		probe_run enforce
		nsx $SRV cat /proc/net/ackguard/flows | sed 's/^/# [ag-srv] /'
		check "rmmod" ag_unload
	else
		fail "insmod mode=enforce"
	fi
fi

ag_summary
