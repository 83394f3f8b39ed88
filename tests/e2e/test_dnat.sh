#!/bin/bash
# Scenario j: an ACK loop on a connection the client DNATs in its OUTPUT
# chain (a host talking to a Kubernetes ClusterIP or a Docker-published
# port: kube-proxy and Docker put that DNAT in nat OUTPUT).
#
# test_loop's topology and broken router (TSvals rewritten both ways,
# IPv4 and IPv6), but the client peers connect to virtual addresses
# ($VIP4, $VIP6), which an nft nat output chain in ag-cli rewrites to the
# server's real ones.  Replies reach ag-cli's LOCAL_IN from the real
# address; conntrack's LOCAL_IN source NAT (priority NF_IP_PRI_NAT_SRC,
# 100) puts the virtual one back, and only then does the socket match
# them.  ackguard is loaded with mode off everywhere but ag-cli, so only
# the client end can stop the loops: it must classify the loop's segments
# (paws, under the virtual addresses) and bring both loops to <= MAX
# pkt/s.  A hook that runs before that NAT looks them up with the real
# address, finds no socket, and never classifies them (0 seen).
# Run: tests/vm/run.sh -- tests/e2e/test_dnat.sh
. "$(dirname "$0")/lib.sh"
ag_init test_dnat

MIN=${AG_LOOP_MIN:-1000}
MAX=${AG_LOOP_MAX:-10}
VIP4=10.99.9.1
VIP6=fd99:9::1
PORT4=$LOOP_PORT
PORT6=$((LOOP_PORT + 1))

# genl NS NAME=VALUE...: set the namespace's config over generic netlink
genl() {
	local ns=$1
	shift
	nsx "$ns" "$AG_PY" "$AG_E2E/ctl/genl.py" set "$@" >/dev/null
}

# cli_flow ADDR: ag-cli lists a flow whose remote end is ADDR (with port)
cli_flow() {
	nsx $CLI awk -v r="$1" 'NR > 1 && $2 == r { f = 1 } END { exit !f }' \
		/proc/net/ackguard/flows 2>/dev/null
}

ag_unload
for m in nf_conntrack nf_nat nft_chain_nat nft_nat; do
	modprobe -q $m 2>/dev/null
done
loop_net || die "loop setup failed"
nsx $CLI nft -f - <<EOF || die "nft dnat in ag-cli"
table ip ag_dnat {
	chain out {
		type nat hook output priority -100; policy accept;
		ip daddr $VIP4 tcp dport $PORT4 dnat to $RSRV4
	}
}
table ip6 ag_dnat {
	chain out {
		type nat hook output priority -100; policy accept;
		ip6 daddr $VIP6 tcp dport $PORT6 dnat to $RSRV6
	}
}
EOF
loop_peers $VIP4 $PORT4 || die "IPv4 peers via $VIP4 did not connect"
CLI4_PID=$LOOP_CLI_PID
loop_peers $VIP6 $PORT6 :: || die "IPv6 peers via $VIP6 did not connect"
CLI6_PID=$LOOP_CLI_PID
loop_pedit 6 || die "tc pedit setup failed"
ok "connections to $VIP4 and $VIP6 up, DNAT'd to $RSRV4 and $RSRV6 in ag-cli's OUTPUT"

kill -USR1 $CLI4_PID $CLI6_PID
sleep 1
r0=$(loop_rate 1)
log "loops without module: $r0 pkt/s through the router"
check "loops on the DNAT'd connections run at >= $MIN pkt/s without the module ($r0)" \
	[ "$r0" -ge "$MIN" ]

if ag_need_module "test_dnat: ag-cli stops the loops on its DNAT'd connections"; then
	if ag_load mode=off interval_ms=500 burst=1 && genl $CLI mode=2; then
		sleep 1
		r1=$(loop_rate 1)
		r2=$(loop_rate 2)
		log "ag-cli in enforce: $r1 pkt/s in the 2nd second, $r2 pkt/s over the next 2"
		stat_dump $CLI | grep -E 'paws|flows_created'
		nsx $CLI cat /proc/net/ackguard/flows | sed 's/^/# [ag-cli] /'
		s=$(stat_get $CLI paws_seen) d=$(stat_get $CLI paws_dropped)
		check "ag-cli classifies the loops' segments as paws ($s seen, $d dropped)" \
			[ "${s:-0}" -gt 0 -a "${d:-0}" -gt 0 ]
		check "ag-cli lists the IPv4 loop under its virtual address $VIP4:$PORT4" \
			cli_flow "$VIP4:$PORT4"
		check "ag-cli lists the IPv6 loop under its virtual address [$VIP6]:$PORT6" \
			cli_flow "[$VIP6]:$PORT6"
		check "loops fall to <= $MAX pkt/s ($r2)" [ "$r2" -le "$MAX" ]
		check "ag-srv (mode off) classified nothing ($(stat_get $SRV paws_seen))" \
			[ "$(stat_get $SRV paws_seen)" = 0 ]
		check "rmmod while the loops are held down" ag_unload
	else
		fail "insmod mode=off, ag-cli mode=enforce"
	fi
fi

ag_summary
