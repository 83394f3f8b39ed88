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
#   syndata, synfin  the same SYN carrying data, or FIN: challenge ACK
#              (tcp_oow_rate_limited() limits answers to any SYN)
#   synrecvdata  synrecv's SYN carrying data: SYN-ACK
#   tfosyn, tfoseq  a fast-open child (a full socket in SYN_RECV), its SYN
#              retransmitted / out-of-window ACKs: tcp_check_req() on its
#              request answers, counted by TCP as TCPACKSkippedSynRecv
# no module: every one answered; enforce: limited, and counted under the
# reason TCP counts it as, in /proc/net/ackguard/stats and on its own flow.
# Segments TCP answers without a rate limit, or never, are no candidates:
#   tfoold     the fast-open child given an ACK of data before its ISN:
#              one RST each (tcp_rcv_state_process() in SYN_RECV)
#   ackahead   an established connection given ACKs 2^31 - 100 bytes ahead
#              of snd_una: dropped silently by tcp_ack()
# no module and enforce: the same answers, and no flow for them.
# The modes added for these (issue 11) run over IPv4 only, to save time:
# classify.c and segment.c do not depend on the family.
# Run: tests/vm/run.sh -- tests/e2e/test_states.sh
. "$(dirname "$0")/lib.sh"
ag_init test_states

COUNT=${AG_STATES_COUNT:-100}
RATE=${AG_STATES_RATE:-100}
INTERVAL=500
BURST=1
MODES4=${AG_STATES_MODES:-timewait finwait2 synrecv challenge syndata synfin synrecvdata tfosyn tfoseq}
MODES6=${AG_STATES_MODES6:-${AG_STATES_MODES:-timewait finwait2 synrecv challenge}}
PASSMODES4=${AG_STATES_PASSMODES:-tfoold ackahead}
PASSMODES6=${AG_STATES_PASSMODES6:-}

ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"
# server-side fast open, for the listener that asks for it (--fastopen)
nsx $SRV sysctl -qw net.ipv4.tcp_fastopen=3 || die "cannot set tcp_fastopen"
tcpserver $SRV --addr :: --port 5001 --mode hold || die "server (hold) did not start"
tcpserver $SRV --addr :: --port 5002 --mode close || die "server (close) did not start"
tcpserver $SRV --addr :: --port 5004 --mode listen || die "server (listen) did not start"
tcpserver $SRV --addr :: --port 5006 --mode listen --fastopen ||
	die "server (listen, fast open) did not start"
tcpserver $SRV --addr :: --port 5007 --mode greet || die "server (greet) did not start"

port_of() {
	case $1 in
	timewait | finwait2) echo 5002 ;;
	synrecv | synrecvdata) echo 5004 ;;
	tfo*) echo 5006 ;;
	ackahead) echo 5007 ;;
	*) echo 5001 ;;
	esac
}
# reason_of MODE: the reason TCP counts the mode's answers under
reason_of() {
	case $1 in
	syndata | synfin) echo challenge ;;
	synrecvdata | tfosyn | tfoseq) echo synrecv ;;
	*) echo "$1" ;;
	esac
}
# answers_synack MODE: its answers are SYN-ACKs (the server's own timer
# adds some)
answers_synack() {
	case $1 in
	synrecv | synrecvdata | tfosyn) return 0 ;;
	*) return 1 ;;
	esac
}
# flow_of SPORT: "reasons seen passed dropped" of the tracked flow whose
# remote port is SPORT; nothing if there is none.
flow_of() {
	nsx $SRV awk -v p="$1" 'NR > 1 { n = split($2, a, ":"); if (a[n] == p) print $4, $5, $6, $7 }' \
		/proc/net/ackguard/flows 2>/dev/null
}
# pass_ok MODE: the answers of a no-candidate mode are TCP's own (RST)
pass_ok() {
	local mode=$1 what=$2 sent ans rst
	sent=$(res sent "$mode") ans=$(res answered "$mode") rst=$(res rst "$mode")
	if [ -z "$sent" ]; then
		fail "$what: inject.py failed"
		return 1
	fi
	case $mode in
	tfoold)
		check "$what: every one answered with a RST ($rst of $sent), no ACK ($ans)" \
			[ "$rst" -ge "$sent" -a "$ans" = 0 ]
		;;
	ackahead)
		check "$what: none answered ($ans, $rst RSTs of $sent)" [ "$ans" = 0 -a "$rst" = 0 ]
		;;
	esac
}
dst_of() { if [ "$1" = 4 ]; then echo $SRV4; else echo $SRV6; fi; }

# SYN-ACKs the server's own retransmission timer may add to a synrecv run
# while the module drops our SYNs: at 1, 3, 7, ... s after the last one
# that got through.
synack_timer() {
	awk -v t="$1" 'BEGIN { n = 0; s = 1; while (s <= t) { n++; s = 2 * s + 1 }; print n }'
}

# modes_of FAM: MODES and PASSMODES of that family
modes_of() {
	if [ "$1" = 4 ]; then
		MODES=$MODES4 PASSMODES=$PASSMODES4
	else
		MODES=$MODES6 PASSMODES=$PASSMODES6
	fi
}

modes_arg() {
	local m out=
	for m in $MODES $PASSMODES; do out=${out:+$out,}$m:$(port_of $m); done
	echo "$out"
}

declare -A S0 S1
ag_unload
for fam in 4 6; do
	modes_of $fam
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
	for mode in $PASSMODES; do
		pass_ok $mode "IPv$fam $mode, no module"
	done
done

if ag_need_module "test_states: enforce mode limits and counts"; then
	# flows checked at the end of a run of many modes must not expire
	if ag_load mode=enforce interval_ms=$INTERVAL burst=$BURST flow_timeout_s=3600; then
		for fam in 4 6; do
			modes_of $fam
			stats_snap $SRV S0
			inject $CLI --mode "$(modes_arg)" --family $fam --dst "$(dst_of $fam)" \
				--count "$COUNT" --rate "$RATE" --full-settle --settle 1
			stats_snap $SRV S1
			declare -A want=()
			for mode in $MODES; do
				r=$(reason_of $mode)
				sent=$(res sent $mode)
				want[$r]=$((${want[$r]:-0} + ${sent:-0}))
			done
			for r in "${!want[@]}"; do
				seen=$(sdelta S0 S1 ${r}_seen)
				check "IPv$fam, enforce: ${r}_seen +$seen = ${want[$r]}, what the modes counted as $r sent" \
					[ "$seen" = "${want[$r]}" ]
			done
			for mode in $PASSMODES; do
				what="IPv$fam $mode, enforce"
				pass_ok $mode "$what" || continue
				flow=$(flow_of "$(res sport $mode)")
				check "$what: not classified, no flow (${flow:-none})" [ -z "$flow" ]
			done
			for mode in $MODES; do
				what="IPv$fam $mode, enforce"
				sent=$(res sent $mode) ans=$(res answered $mode)
				dur=$(res duration $mode) settle=$(res settle $mode)
				if [ -z "$sent" ]; then
					fail "$what: inject.py failed"
					continue
				fi
				r=$(reason_of $mode)
				# reasons seen passed dropped
				# shellcheck disable=SC2046 # the flow's fields
				set -- $(flow_of "$(res sport $mode)") x 0 0 0
				bound=$(limit_bound "$dur" $INTERVAL $BURST)
				extra=0
				if answers_synack $mode; then
					extra=$(synack_timer "$(awk -v a="$dur" -v b="$settle" 'BEGIN { print a + b }')")
				fi
				log "$what: sent=$sent answered=$ans duration=${dur}s bound=$bound+$extra" \
					"flow: reasons=$1 seen=$2 dropped=$4"
				check "$what: answered $ans <= $((bound + extra))" [ "$ans" -le $((bound + extra)) ]
				check "$what: at least one answered ($ans)" [ "$ans" -ge 1 ]
				check "$what: its flow counted all as $r ($1: $2 = $sent)" \
					[ "$1" = "$r" -a "$2" = "$sent" ]
				check "$what: its flow dropped $4 >= $((sent - bound))" \
					[ "$4" -ge $((sent - bound)) ]
			done
		done
		stat_dump $SRV
		check "rmmod" ag_unload
	else
		fail "insmod mode=enforce"
	fi
fi

ag_summary
