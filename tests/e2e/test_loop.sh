#!/bin/bash
# Scenario b: a real ACK loop through a broken middlebox.
#
# ag-cli <-> ag-rtr <-> ag-srv; the router rewrites the TSval of every TCP
# segment in both directions (tc pedit), both ends have the kernel's own
# tcp_invalid_ratelimit at 0.  One byte sent on an established connection
# starts an endless exchange of dupacks.  Without the module it must run at
# >= AG_LOOP_MIN pkt/s through the router; once the module is loaded (it
# hooks every namespace, so both ends) the same, already running loop must
# fall to <= AG_LOOP_MAX pkt/s within 2 s; after rmmod it runs again (by
# itself when the client retransmits its byte, else after one new segment).
# On a kernel without tcp_invalid_ratelimit (vanilla 3.10) the loop is the
# kernel's own behaviour: nothing is emulated there.
# Run: tests/vm/run.sh -- tests/e2e/test_loop.sh
. "$(dirname "$0")/lib.sh"

# dropper_lists DROPS_SRV FLOWS_SRV DROPS_CLI FLOWS_CLI: some end dropped,
# and each end that did lists at least one flow
dropper_lists() {
	[ $(($1 + $3)) -gt 0 ] && { [ "$1" = 0 ] || [ "$2" -ge 1 ]; } &&
		{ [ "$3" = 0 ] || [ "$4" -ge 1 ]; }
}
ag_init test_loop

MIN=${AG_LOOP_MIN:-1000}
MAX=${AG_LOOP_MAX:-10}

ag_unload
loop_setup || die "loop setup failed"
loop_pedit || die "tc pedit setup failed"
ok "connection up, TSval rewrite installed on the router"

p0=$(netstat_get $SRV PAWSEstab)
c0=$(netstat_get $CLI PAWSEstab)
loop_kick cli
sleep 1
r0=$(loop_rate 1)
p1=$(netstat_get $SRV PAWSEstab)
c1=$(netstat_get $CLI PAWSEstab)
log "loop without module: $r0 pkt/s through the router;" \
	"PAWSEstab since the kick: ag-srv +$((p1 - p0)), ag-cli +$((c1 - c0))"
check "loop without module runs at >= $MIN pkt/s ($r0)" [ "$r0" -ge "$MIN" ]

if ag_need_module "test_loop: monitor mode counts the loop, enforce stops it"; then
	if ag_load mode=monitor interval_ms=500 burst=1; then
		sleep 0.5
		rm0=$(loop_rate 1)
		o=$(stat_get $SRV paws_overlimit) d=$(stat_get $SRV paws_dropped)
		log "monitor mode: $rm0 pkt/s; ag-srv paws_overlimit=$o paws_dropped=$d"
		check "monitor mode leaves the loop running ($rm0 pkt/s)" [ "$rm0" -ge "$MIN" ]
		check "monitor mode counts it as paws overlimit ($o), drops nothing ($d)" \
			[ "${o:-0}" -gt 0 -a "$d" = 0 ]
	else
		fail "insmod mode=monitor"
	fi
	if ag_load mode=enforce interval_ms=500 burst=1; then
		p0=$(netstat_get $SRV PAWSEstab) c0=$(netstat_get $CLI PAWSEstab)
		r1=$(loop_rate 1)
		r2=$(loop_rate 1)
		log "with module: $r1 pkt/s in the 1st second, $r2 pkt/s in the 2nd"
		check "loop falls to <= $MAX pkt/s within 2 s of insmod ($r2)" [ "$r2" -le "$MAX" ]
		r3=$(loop_rate 2)
		log "with module: $r3 pkt/s over the next 2 s;" \
			"PAWSEstab in these 4 s: ag-srv +$(($(netstat_get $SRV PAWSEstab) - p0))," \
			"ag-cli +$(($(netstat_get $CLI PAWSEstab) - c0))"
		check "loop stays <= $MAX pkt/s ($r3)" [ "$r3" -le "$MAX" ]
		for ns in $SRV $CLI; do
			d=$(stat_get $ns paws_dropped) s=$(stat_get $ns paws_seen)
			log "$ns: paws_seen=$s paws_dropped=$d flows=$(flows_count $ns)"
			stat_dump $ns
		done
		ds=$(stat_get $SRV paws_dropped) dc=$(stat_get $CLI paws_dropped)
		# A loop carries as many segments as are in flight; with one, the
		# first end that drops stops it and the other never sees it
		# again (seen on PREEMPT_RT at 45,000 pkt/s, and on KASAN guests
		# at ~100 pkt/s); with several, both ends drop.
		check "an end drops loop ACKs as paws (ag-srv $ds, ag-cli $dc)" \
			[ $((${ds:-0} + ${dc:-0})) -gt 0 ]
		# the end that stopped it is the one that saw it: its flow must
		# be listed (ag-srv alone was asserted once; a KASAN guest's CI
		# run had ag-cli stop the loop first, ag-srv seeing nothing)
		fs=$(flows_count $SRV) fc=$(flows_count $CLI)
		check "each end that dropped lists the looping flow (ag-srv: $ds drops, $fs flows; ag-cli: $dc drops, $fc flows)" \
			dropper_lists "${ds:-0}" "${fs:-0}" "${dc:-0}" "${fc:-0}"
		check "rmmod while the loop is held down" ag_unload
		# nothing of the module may stay in the path: the stopped loop
		# comes back with the client's next retransmission of its
		# byte (backed off, so maybe not within the second), or with
		# one new segment (a raw out-of-window ACK, as test_reload)
		p0=$(netstat_get $SRV PAWSEstab) c0=$(netstat_get $CLI PAWSEstab)
		r4=$(loop_rate 1) how="on its own"
		if [ "$r4" -lt "$MIN" ]; then
			log "after rmmod: $r4 pkt/s (not retransmitted yet); one new segment"
			loop_kick cli raw
			sleep 0.5
			r4=$(loop_rate 1) how="after one new segment"
		fi
		log "after rmmod: $r4 pkt/s ($how); PAWSEstab since rmmod:" \
			"ag-srv +$(($(netstat_get $SRV PAWSEstab) - p0)), ag-cli +$(($(netstat_get $CLI PAWSEstab) - c0))"
		check "loop runs again after rmmod at >= $MIN pkt/s ($r4, $how)" [ "$r4" -ge "$MIN" ]
	else
		fail "insmod mode=enforce"
	fi
fi

ag_summary
