#!/bin/bash
# Scenario a: forged invalid pure ACKs at an established socket.
#
# ag-cli (scapy, inject.py) -> ag-srv (a real listening socket), IPv4 and
# IPv6, PAWS (old TSval) and SEQ (sequence far outside the window), COUNT
# each, with the server's own net.ipv4.tcp_invalid_ratelimit at 0:
#   no module: every forged ACK is answered with a dupack (the scenario is
#              real: this is the unpatched kernel's ACK-loop half);
#   enforce:   answers <= burst per interval the injection spanned (+1
#              interval of slack), the rest counted as R_dropped;
#   monitor:   every one answered, all counted as seen, the excess as
#              overlimit, none dropped.
# Run: tests/vm/run.sh -- tests/e2e/test_inject.sh
. "$(dirname "$0")/lib.sh"
ag_init test_inject

PORT=5001
COUNT=${AG_INJECT_COUNT:-200}
RATE=${AG_INJECT_RATE:-100}
INTERVAL=500
BURST=1

ns_setup || die "namespace setup failed"
ratelimit $SRV 0 || die "cannot set tcp_invalid_ratelimit"
# One dual-stack listener serves both families.
tcpserver $SRV --addr :: --port $PORT --mode hold || die "server did not start"

dst_of() { if [ "$1" = 4 ]; then echo $SRV4; else echo $SRV6; fi; }
# flows_by_family NS: "V4 V6 ALL" from one read of /proc/net/ackguard/flows:
# the flows SRV4:PORT <- CLI4:*, [SRV6]:PORT <- [CLI6]:*, and all of them.
flows_by_family() {
	nsx "$1" awk -v l4="$SRV4:$PORT" -v r4="$CLI4:" -v l6="[$SRV6]:$PORT" -v r6="[$CLI6]:" '
		NR == 1 || !NF { next }
		{ n++ }
		$1 == l4 && index($2, r4) == 1 { n4++ }
		$1 == l6 && index($2, r6) == 1 { n6++ }
		END { print n4 + 0, n6 + 0, n + 0 }' /proc/net/ackguard/flows 2>/dev/null
}

declare -A S0 S1

# --- no module: the kernel answers every invalid ACK
ag_unload
for fam in 4 6; do
	p0=$(netstat_get $SRV PAWSEstab)
	inject $CLI --mode paws,seq --family $fam --dst "$(dst_of $fam)" \
		--port $PORT --count "$COUNT" --rate "$RATE"
	p1=$(netstat_get $SRV PAWSEstab)
	for mode in paws seq; do
		what="IPv$fam $mode, no module"
		sent=$(res sent $mode) ans=$(res answered $mode)
		if [ -z "$sent" ]; then
			fail "$what: inject.py failed"
			continue
		fi
		check "$what: all $sent forged ACKs answered ($ans)" [ "$ans" -ge "$sent" ]
	done
	# Only the paws run fails PAWS; the seq run's TSvals are valid.
	check "IPv$fam, no module: PAWSEstab rose by $(res sent paws) ($((p1 - p0)))" \
		[ $((p1 - p0)) = "$(res sent paws)" ]
done

# --- with the module
if ag_need_module "test_inject: enforce and monitor modes"; then
	for amode in enforce monitor; do
		if ! ag_load mode=$amode interval_ms=$INTERVAL burst=$BURST; then
			fail "insmod mode=$amode"
			continue
		fi
		for fam in 4 6; do
			# paws and seq count under different reasons: one snapshot
			# serves both runs.
			stats_snap $SRV S0
			inject $CLI --mode paws,seq --family $fam --dst "$(dst_of $fam)" \
				--port $PORT --count "$COUNT" --rate "$RATE" --full-settle --settle 1
			stats_snap $SRV S1
			# the key has no family: IPv4 is told by its v4-mapped
			# addresses, and each flow must print as its own family
			read -r n4 n6 n <<<"$(flows_by_family $SRV)"
			nf=$n4
			[ $fam = 6 ] && nf=$n6
			check "IPv$fam, $amode: /proc/net/ackguard/flows lists it as IPv$fam ($nf), and each of its $n flows as IPv4 from $CLI4 ($n4) or IPv6 from $CLI6 ($n6)" \
				[ "${nf:-0}" -ge 1 -a "$((n4 + n6))" = "${n:-x}" ]
			for mode in paws seq; do
				what="IPv$fam $mode, $amode"
				sent=$(res sent $mode) ans=$(res answered $mode) dur=$(res duration $mode)
				if [ -z "$sent" ]; then
					fail "$what: inject.py failed"
					continue
				fi
				bound=$(limit_bound "$dur" $INTERVAL $BURST)
				seen=$(sdelta S0 S1 ${mode}_seen)
				passed=$(sdelta S0 S1 ${mode}_passed)
				dropped=$(sdelta S0 S1 ${mode}_dropped)
				over=$(sdelta S0 S1 ${mode}_overlimit)
				log "$what: sent=$sent answered=$ans duration=${dur}s bound=$bound" \
					"${mode}_seen+$seen passed+$passed dropped+$dropped overlimit+$over"
				check "$what: stats count all $sent as ${mode}_seen ($seen)" [ "$seen" = "$sent" ]
				check "$what: seen = passed + dropped ($seen = $passed + $dropped)" \
					[ "$seen" = $((passed + dropped)) ]
				if [ $amode = enforce ]; then
					check "$what: answered $ans <= $bound" [ "$ans" -le "$bound" ]
					check "$what: at least one answer got through ($ans)" [ "$ans" -ge 1 ]
					check "$what: ${mode}_dropped $dropped >= sent - bound ($((sent - bound)))" \
						[ "$dropped" -ge $((sent - bound)) ]
					check "$what: overlimit >= dropped ($over >= $dropped)" [ "$over" -ge "$dropped" ]
				else
					check "$what: all $sent answered ($ans)" [ "$ans" -ge "$sent" ]
					check "$what: nothing dropped ($dropped)" [ "$dropped" = 0 ]
					check "$what: overlimit $over >= sent - bound ($((sent - bound)))" \
						[ "$over" -ge $((sent - bound)) ]
				fi
			done
		done
		n=$(flows_count $SRV)
		log "flows listed in ag-srv after mode=$amode: $n"
		check "mode=$amode: /proc/net/ackguard/flows lists the flows ($n)" [ "$n" -ge 1 ]
		[ $amode = enforce ] && stat_dump $SRV
		check "rmmod after mode=$amode" ag_unload
	done
fi

ag_summary
