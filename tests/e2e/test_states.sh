#!/bin/bash
# Scenario d: the non-established paths.
#
# Against real sockets in ag-srv (tcp_invalid_ratelimit 0), IPv4 and IPv6:
#   timewait   the server closed first and is in TIME_WAIT: out-of-window
#              pure ACKs, each answered with an ACK
#   finwait2   the server closed first and is in FIN_WAIT2 (we never send
#              our FIN): out-of-window pure ACKs
#   synrecv    a handshake left in SYN_RECV: the same SYN retransmitted,
#              each answered with a SYN-ACK
#   challenge  a SYN on an established connection: challenge ACK
# no module: every one answered; enforce: limited, and counted under the
# reason of the same name in /proc/net/ackguard/stats.
# Run: tests/vm/run.sh -- tests/e2e/test_states.sh
. "$(dirname "$0")/lib.sh"
ag_init test_states

COUNT=${AG_STATES_COUNT:-100}
RATE=${AG_STATES_RATE:-100}
INTERVAL=500
BURST=1
MODES=${AG_STATES_MODES:-timewait finwait2 synrecv challenge}

ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"
tcpserver $SRV --addr :: --port 5001 --mode hold || die "server (hold) did not start"
tcpserver $SRV --addr :: --port 5002 --mode close || die "server (close) did not start"
tcpserver $SRV --addr :: --port 5004 --mode listen || die "server (listen) did not start"

port_of() {
	case $1 in
	timewait | finwait2) echo 5002 ;;
	synrecv) echo 5004 ;;
	*) echo 5001 ;;
	esac
}
dst_of() { if [ "$1" = 4 ]; then echo $SRV4; else echo $SRV6; fi; }

# SYN-ACKs the server's own retransmission timer may add to a synrecv run
# while the module drops our SYNs: at 1, 3, 7, ... s after the last one
# that got through.
synack_timer() {
	awk -v t="$1" 'BEGIN { n = 0; s = 1; while (s <= t) { n++; s = 2 * s + 1 }; print n }'
}

modes_arg() {
	local m out=
	for m in $MODES; do out=${out:+$out,}$m:$(port_of $m); done
	echo "$out"
}

declare -A S0 S1
ag_unload
for fam in 4 6; do
	inject $CLI --mode "$(modes_arg)" --family $fam --dst "$(dst_of $fam)" \
		--count "$COUNT" --rate "$RATE"
	for mode in $MODES; do
		what="IPv$fam $mode, no module"
		sent=$(res sent $mode) ans=$(res answered $mode)
		if [ -z "$sent" ]; then
			fail "$what: inject.py failed"
			continue
		fi
		check "$what: all $sent answered ($ans)" [ "$ans" -ge "$sent" ]
	done
done

if ag_need_module "test_states: enforce mode limits and counts"; then
	if ag_load mode=enforce interval_ms=$INTERVAL burst=$BURST; then
		for fam in 4 6; do
			stats_snap $SRV S0
			inject $CLI --mode "$(modes_arg)" --family $fam --dst "$(dst_of $fam)" \
				--count "$COUNT" --rate "$RATE" --full-settle --settle 1
			stats_snap $SRV S1
			for mode in $MODES; do
				what="IPv$fam $mode, enforce"
				sent=$(res sent $mode) ans=$(res answered $mode)
				dur=$(res duration $mode) settle=$(res settle $mode)
				if [ -z "$sent" ]; then
					fail "$what: inject.py failed"
					continue
				fi
				seen=$(sdelta S0 S1 ${mode}_seen)
				dropped=$(sdelta S0 S1 ${mode}_dropped)
				bound=$(limit_bound "$dur" $INTERVAL $BURST)
				extra=0
				if [ $mode = synrecv ]; then
					extra=$(synack_timer "$(awk -v a="$dur" -v b="$settle" 'BEGIN { print a + b }')")
				fi
				log "$what: sent=$sent answered=$ans duration=${dur}s bound=$bound+$extra" \
					"${mode}_seen+$seen ${mode}_dropped+$dropped"
				check "$what: answered $ans <= $((bound + extra))" [ "$ans" -le $((bound + extra)) ]
				check "$what: at least one answered ($ans)" [ "$ans" -ge 1 ]
				check "$what: counted as ${mode}_seen ($seen = $sent)" [ "$seen" = "$sent" ]
				check "$what: ${mode}_dropped $dropped >= $((sent - bound))" \
					[ "$dropped" -ge $((sent - bound)) ]
			done
		done
		stat_dump $SRV
		check "rmmod" ag_unload
	else
		fail "insmod mode=enforce"
	fi
fi

ag_summary
