#!/bin/bash
# Scenario e: insmod/rmmod AG_RELOADS (20) times while an ACK loop runs.
#
# Same topology and loop as test_loop.sh.  Odd cycles load the module in
# monitor mode (the loop keeps running at full speed through the load and
# the unload), even cycles in enforce mode (the loop is stopped).  A loop
# the module stopped stays stopped until a new segment comes (the client's
# retransmissions of its byte restart it now and then, with exponential
# backoff), so after every enforce cycle a peer sends one raw out-of-window
# ACK of the connection, which restarts it.  The last cycle is an enforce
# one; after the final rmmod nothing of the module may remain in the path:
# the loop runs at >= AG_LOOP_MIN pkt/s again (by itself, or after one new
# segment).  rmmod runs on each CPU in turn, so some unloads meet the storm
# on their own CPU (on PREEMPT_RT that once made an rmmod take 10 minutes).
# tests/vm/run.sh fails the run on any kernel BUG/WARNING.
# Run: tests/vm/run.sh -- tests/e2e/test_reload.sh
. "$(dirname "$0")/lib.sh"
ag_init test_reload

MIN=${AG_LOOP_MIN:-1000}
MAX=${AG_LOOP_MAX:-10}
RELOADS=${AG_RELOADS:-20}
RESUME_WAIT=${AG_RESUME_WAIT:-2}
NCPU=$(nproc)

ag_unload
loop_setup || die "loop setup failed"
loop_pedit || die "tc pedit setup failed"
loop_kick cli
sleep 1
r0=$(loop_rate 1)
log "loop before the reloads: $r0 pkt/s"
check "loop runs at >= $MIN pkt/s before the reloads ($r0)" [ "$r0" -ge "$MIN" ]

if ag_need_module "test_reload: $RELOADS reloads under a running loop"; then
	good=0
	side=srv
	t0=$(now_ns)
	for i in $(seq 1 "$RELOADS"); do
		mode=monitor
		[ $((i % 2)) = 0 ] && mode=enforce
		if ! ag_load mode=$mode interval_ms=500 burst=1; then
			log "reload $i: insmod mode=$mode failed"
			break
		fi
		sleep 0.2
		if [ "$i" = $((RELOADS - 1)) ]; then
			r=$(loop_rate 1)
			log "reload $i (monitor, loaded): $r pkt/s, ag-srv paws_seen=$(stat_get $SRV paws_seen)"
			check "loop still at full speed under monitor after $i loads ($r pkt/s)" [ "$r" -ge "$MIN" ]
		elif [ "$i" = "$RELOADS" ]; then
			sleep 1
			r=$(loop_rate 1)
			log "reload $i (enforce, loaded): $r pkt/s"
			check "loop held down by the last load ($r pkt/s)" [ "$r" -le "$MAX" ]
		fi
		# each CPU in turn, in both modes: on PREEMPT_RT an rmmod on
		# the CPU that carries the storm pays for its softirqs at every
		# spin_unlock_bh() (see ag_table_flush())
		if ! AG_RMMOD_CPU=$(((i / 2) % NCPU)) ag_unload; then
			log "reload $i: rmmod failed"
			break
		fi
		good=$i
		if [ $mode = enforce ] && [ "$i" != "$RELOADS" ]; then
			loop_kick $side raw
			if [ $side = srv ]; then side=cli; else side=srv; fi
		fi
	done
	t1=$(now_ns)
	log "$good reload cycles in $(((t1 - t0) / 1000000)) ms"
	check "$RELOADS insmod/rmmod cycles under the loop ($good done)" [ "$good" = "$RELOADS" ]
	check "module is gone after the last rmmod" eval '! ag_loaded'
	check "no /proc/net/ackguard left in ag-srv" eval "! nsx $SRV test -e /proc/net/ackguard"

	resumed=0
	for _ in $(seq 1 "$RESUME_WAIT"); do
		r=$(loop_rate 1)
		log "after the final rmmod: $r pkt/s"
		if [ "$r" -ge "$MIN" ]; then resumed=1; break; fi
	done
	if [ $resumed = 0 ]; then
		log "loop not running after ${RESUME_WAIT}s (as expected: the module stopped it); one new segment"
		loop_kick $side raw
		sleep 0.5
		for _ in 1 2 3; do
			r=$(loop_rate 1)
			log "after the kick: $r pkt/s"
			if [ "$r" -ge "$MIN" ]; then resumed=2; break; fi
		done
	fi
	how="on its own"
	[ $resumed = 2 ] && how="after one new segment"
	check "loop resumes at >= $MIN pkt/s after the final rmmod ($r, $how)" [ $resumed != 0 ]
fi

ag_summary
