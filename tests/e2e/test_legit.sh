#!/bin/bash
# Scenario c: legitimate traffic through a bad network is left alone.
#
# AG_BULK_MB (50) MB from ag-cli to ag-srv through netem delay, reordering
# and loss in both directions, with the module loaded in enforce mode.
# Checks: the bytes arrive intact (sha256 at both ends); the receiver of
# the data (ag-srv) loses no segment between its interface and TCP (nft
# counters at netdev ingress and at the very end of the input hook) and the
# module dropped nothing there; ag-cli receives only pure ACKs (no segment
# long enough to carry data), so whatever the module dropped there was a
# pure ACK.  Reordered old ACKs legitimately fail PAWS on a real network:
# the counters are reported.
# Run: tests/vm/run.sh -- tests/e2e/test_legit.sh
. "$(dirname "$0")/lib.sh"
ag_init test_legit

PORT=5003
MB=${AG_BULK_MB:-50}
# Data direction: delay, reordering, loss.  ACK direction: delay with
# jitter (reorders ACKs: the older ones arrive with older TSvals and fail
# PAWS, as on a real network), loss.
NETEM_DATA=${AG_NETEM_DATA:-delay 4ms reorder 10% 50% loss 0.3%}
NETEM_ACK=${AG_NETEM_ACK:-delay 4ms 2ms loss 0.3%}
XFER_TIMEOUT=${AG_XFER_TIMEOUT:-420}

ns_setup || die "namespace setup failed"
# shellcheck disable=SC2086 # NETEM_* are lists of words
tc -n $CLI qdisc add dev ag-c0 root netem limit 100000 $NETEM_DATA ||
	die "netem on ag-c0 failed"
# shellcheck disable=SC2086
tc -n $SRV qdisc add dev ag-s0 root netem limit 100000 $NETEM_ACK ||
	die "netem on ag-s0 failed"
log "netem: data (ag-cli -> ag-srv) $NETEM_DATA; ACKs (ag-srv -> ag-cli) $NETEM_ACK"

data=$AG_TMP/bulk.bin
head -c $((MB * 1024 * 1024)) /dev/urandom >"$data" || die "cannot write $data"

with_module=0
if ag_need_module "test_legit: transfer with the module loaded (runs without it)"; then
	ag_load mode=enforce interval_ms=500 burst=1 || die "insmod mode=enforce"
	with_module=1
fi

# Counters, added after insmod so that at an equal hook priority they run
# after the module's hook.
nsx $SRV nft -f - <<EOF || die "nft counters in ag-srv"
table netdev ag_legit {
	chain ing {
		type filter hook ingress device ag-s0 priority -500; policy accept;
		tcp dport $PORT counter
	}
}
table inet ag_legit {
	chain late {
		type filter hook input priority 2147483647; policy accept;
		tcp dport $PORT counter
	}
}
EOF
nsx $CLI nft -f - <<EOF || die "nft counters in ag-cli"
table netdev ag_legit {
	chain ing {
		type filter hook ingress device ag-c0 priority -500; policy accept;
		tcp sport $PORT ip length > 120 counter
		tcp sport $PORT ip6 length > 100 counter
	}
}
EOF
nft_pkts() { # NS FAMILY TABLE CHAIN: sum of the chain's counters
	nsx "$1" nft list chain "$2" "$3" "$4" |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) }
			END { print s + 0 }'
}

retr0=$(netstat_get $CLI RetransSegs)
tcpserver $SRV --addr $SRV4 --port $PORT --mode sink --out "$AG_TMP/recv.txt" ||
	die "server did not start"
t0=$(now_ns)
nsx $CLI timeout "$XFER_TIMEOUT" "$AG_PY" "$AG_E2E/tcpapp.py" send --addr $SRV4 --port $PORT \
	--file "$data" --out "$AG_TMP/sent.txt" >/dev/null
rc=$?
t1=$(now_ns)
wait_file "$AG_TMP/recv.txt" 30
secs=$(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", t / 1e9 }')
sent=$(cat "$AG_TMP/sent.txt" 2>/dev/null)
recv=$(cat "$AG_TMP/recv.txt" 2>/dev/null)
log "sent: $sent"
log "recv: $recv"
log "$MB MB in ${secs}s, $(awk -v m="$MB" -v s="$secs" 'BEGIN { printf "%.1f", m * 8 / s }') Mbit/s;" \
	"client retransmitted $(($(netstat_get $CLI RetransSegs) - retr0)) segments"
check "transfer completed (exit $rc)" [ "$rc" = 0 ]
want="bytes=$((MB * 1024 * 1024)) sha256=$(sha256sum "$data" | cut -d' ' -f1)"
check "all $MB MB arrived intact: sha256 equal at both ends" \
	[ "${sent% secs=*}" = "$want" -a "${recv% secs=*}" = "$want" ]

ing=$(nft_pkts $SRV netdev ag_legit ing)
late=$(nft_pkts $SRV inet ag_legit late)
big=$(nft_pkts $CLI netdev ag_legit ing)
log "ag-srv: $ing segments at ingress, $late reached the end of the input hook;" \
	"ag-cli: $big segments long enough to carry data"
check "ag-srv (data receiver): no segment lost before TCP ($ing = $late)" [ "$ing" = "$late" ]
check "ag-cli received no data-sized segment ($big)" [ "$big" = 0 ]

for ns in $CLI $SRV; do
	log "$ns TcpExt: PAWSEstab=$(netstat_get $ns PAWSEstab)" \
		"TCPACKSkippedPAWS=$(netstat_get $ns TCPACKSkippedPAWS)" \
		"TCPACKSkippedSeq=$(netstat_get $ns TCPACKSkippedSeq)" \
		"TCPSACKReorder=$(netstat_get $ns TCPSACKReorder)" \
		"TCPDSACKRecv=$(netstat_get $ns TCPDSACKRecv)"
done
if [ $with_module = 1 ]; then
	for ns in $CLI $SRV; do stat_dump $ns; done
	ds=$(stat_sum $SRV dropped)
	dc=$(stat_sum $CLI dropped)
	log "module drops: ag-srv $ds, ag-cli $dc (pure ACKs: ag-cli got no data)"
	check "module dropped nothing at the data receiver ag-srv ($ds)" [ "$ds" = 0 ]
	check "rmmod" ag_unload
fi

ag_summary
