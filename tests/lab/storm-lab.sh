#!/bin/bash
# storm-lab.sh: a real TCP ACK loop, step by step, and its cure.
#
#   tests/vm/run.sh -- tests/lab/storm-lab.sh      (scripts/demo.sh does this)
#
# lab-cli <-> lab-rtr <-> lab-srv; the router is the faulty middlebox: tc
# pedit rewrites the TSval (or the sequence number) of one connection's
# segments in both directions.  Both ends behave like a kernel without the
# upstream fix (net.ipv4.tcp_invalid_ratelimit=0).  Phases:
#   idle
#   loop-TSval-v4, loop-SEQ-v4,       the four loop variants, unprotected
#   loop-TSval-v6, loop-SEQ-v6
#   unprotected, kernel-500ms         the upstream limiter for comparison
#                                     (kernel-none on a kernel without it:
#                                     vanilla 3.10; the loop keeps running)
#   unprotected-2, ackguard-monitor   ackguard only counts: flows named
#   ackguard-enforce,                 ackguard drops: the loops collapse
#   enforce-4-variants
#   ackguard-off                      mode off: a new trigger loops again
#                                     (ackguard-rmmod on a kernel without
#                                     the limiter: rmmod, the mission's
#                                     last step, and the loop is back)
# The router's interface counters are sampled every second (sampler.py).
# Writes to $AG_LAB_OUT (default $AG_VM_WORK/out): storm.csv (the time
# series), phases.csv (start/end of each phase), summary.txt.
# Kernels without clsact or extended pedit (3.10) get the router's older
# mechanisms (lab_rewriter in lib.sh), which say so in the transcript.
# Exit 0 only if the loop was reproduced (>= AG_LAB_MIN_PPS, 1000, pkt/s
# unprotected) and suppressed (<= AG_LAB_MAX_PPS, 10, pkt/s under enforce).
. "$(dirname "$0")/lib.sh"
lab_init

MIN_PPS=${AG_LAB_MIN_PPS:-1000}
MAX_PPS=${AG_LAB_MAX_PPS:-10}
KERNEL_PHASE=
OUT=${AG_LAB_OUT:-${AG_VM_WORK:-/tmp}/out}
mkdir -p "$OUT" || exit 1
PHASE=$LAB_TMP/phase
CTL=$LAB_TMP/ctl
T_START=$(date +%s.%N)

# Ports: one connection per loop variant, and a pool of eight (m0..m7,
# ports 5008-5015, one router rule for all) for the rest: a connection whose
# loop was stopped keeps its trigger byte unacknowledged (the rewrite is
# still there), and TCP queues new bytes behind it, so each new loop gets a
# fresh connection.
P_TS4=5001 P_SEQ4=5002 P_TS6=5003 P_SEQ6=5004 P_POOL=5008 POOL_MASK=0xfff8

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
phase() { # NAME SECONDS: label the samples from now on, then wait
	echo "$1" >"$PHASE"
	[ -n "${2:-}" ] && sleep "$2"
	return 0
}
kick() { echo "kick $1" >"$CTL"; }
# Show a command, run it, indent its output.
show() {
	local ns=$1 out
	shift
	printf '    # [%s] %s\n' "$ns" "${*/#$LAB_ROOT\//}"
	out=$(nsx "$ns" "$@" 2>&1)
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    | /'
	return 0
}

say "Setting up: client, faulty router, server (IPv4 + IPv6), both ends unpatched"
if lab_has_limiter; then
	note "kernel $(uname -r); net.ipv4.tcp_invalid_ratelimit=0 at both ends (no upstream fix)"
else
	note "kernel $(uname -r): no net.ipv4.tcp_invalid_ratelimit at all, both ends answer every invalid"
	note "segment (the upstream limiter came in 4.0): nothing emulated, this is the kernel's own behaviour"
fi
ag_unload
lab_routed || { echo "topology setup failed" >&2; exit 1; }
ratelimit 0 $CLI $SRV || exit 1

# Python starts slowly under emulation: server, client (it retries until
# the server listens) and sampler start together.
# shellcheck disable=SC2046 # one word per option
lab_bg $SRV "$LAB_PY" "$LAB_DIR/labpeer.py" serve --port $P_TS4 --port $P_SEQ4 \
	--port $P_TS6 --port $P_SEQ6 $(for i in 0 1 2 3 4 5 6 7; do echo --port $((P_POOL + i)); done) --ready "$LAB_TMP/srv.ready"
SRV_PID=$LAB_LASTPID
mkfifo "$CTL"
# shellcheck disable=SC2046
lab_bg $CLI "$LAB_PY" "$LAB_DIR/labpeer.py" connect --ctl "$CTL" \
	--conn ts4=$SRV4:$P_TS4 --conn seq4=$SRV4:$P_SEQ4 \
	--conn ts6=[$SRV6]:$P_TS6 --conn seq6=[$SRV6]:$P_SEQ6 \
	$(for i in 0 1 2 3 4 5 6 7; do echo --conn m$i=$SRV4:$((P_POOL + i)); done) --ready "$LAB_TMP/cli.ready"
CLI_PID=$LAB_LASTPID
echo setup >"$PHASE"
lab_bg $RTR "$LAB_PY" "$LAB_DIR/sampler.py" --dev r-cli --dev r-srv --interval 1 \
	--srv-pid "$SRV_PID" --ag-pid "$SRV_PID" --ag-pid "$CLI_PID" \
	--phase-file "$PHASE" --csv "$OUT/storm.csv" --t0 "$T_START" --print
SAMPLER_PID=$LAB_LASTPID
wait_file "$LAB_TMP/srv.ready" 90 || { echo "server did not start" >&2; exit 1; }
wait_file "$LAB_TMP/cli.ready" 90 || { echo "client did not connect" >&2; exit 1; }
note "12 TCP connections up: one per loop variant (ports $P_TS4-$P_SEQ6), 8 more ($P_POOL-$((P_POOL + 7))) for the rest"
note "every second: packets/s and Mbit/s through the router (its interface counters), and the"
note "server namespace's TcpExt counters; all rates per second"

# begin once the sampler has its first sample in
for _ in $(seq 300); do
	[ "$({ wc -l <"$OUT/storm.csv"; } 2>/dev/null || echo 0)" -ge 2 ] && break
	sleep 0.1
done

say "Phase idle: connections established, nothing rewritten yet"
phase idle 3

if [ "$LAB_PEDIT_EX" = 1 ]; then
	say "Phase loop-TSval-v4: the router now adds 0xf0000000 to the TSval of port $P_TS4 (IPv4), both directions"
else
	say "Phase loop-TSval-v4: the router now sets the TSval of port $P_TS4 (IPv4) to 2^28 ticks ago, both directions"
fi
note "one byte from the client starts it: each end finds the other's TSval 2^28 ticks old (PAWS"
note "failure) and answers with a dupack, whose TSval is rewritten in turn: an endless ping-pong"
pedit_add ts4 $P_TS4 11
paws0=$(netstat_get $SRV PAWSEstab)
kick ts4
phase loop-TSval-v4 5
paws1=$(netstat_get $SRV PAWSEstab)
note "server PAWSEstab grew by $((paws1 - paws0)) in 5 s: the only sign of the loop in netstat -s"
pedit_del 11
note "rewrite removed: the ACKs in flight are valid again and the loop ends by itself"

say "Phase loop-SEQ-v4: the sequence-number variant (IPv4, SEQ at IP offset 24, port $P_SEQ4)"
note "now segments fall outside the receive window: each end answers with a dupack (TCPACKSkippedSeq path);"
note "with the limiter off no TcpExt counter moves at all: only the router's rate shows this loop"
pedit_add seq4 $P_SEQ4 12
kick seq4
phase loop-SEQ-v4 4
pedit_del 12

say "Phase loop-TSval-v6: TSval rewrite over IPv6 (offset 64 = 40-byte IPv6 header + 24, port $P_TS6)"
pedit_add ts6 $P_TS6 13
kick ts6
phase loop-TSval-v6 4
pedit_del 13

say "Phase loop-SEQ-v6: sequence rewrite over IPv6 (offset 44, port $P_SEQ6)"
pedit_add seq6 $P_SEQ6 14
kick seq6
phase loop-SEQ-v6 4
pedit_del 14

say "Phase unprotected: a TSval loop on a fresh connection (port $P_POOL, IPv4)"
pedit_add ts4 $P_POOL 10 $POOL_MASK
kick m0
phase unprotected 5

if lab_has_limiter; then
	say "Phase kernel-500ms: the upstream fix, tcp_invalid_ratelimit=500 at both ends"
	note "one dupack per socket per 500 ms: the chain of answers breaks and the loop dies"
	skip0=$(netstat_get $SRV TCPACKSkippedPAWS)
	ratelimit 500 $CLI $SRV
	phase kernel-500ms 5
	note "server TCPACKSkippedPAWS +$(($(netstat_get $SRV TCPACKSkippedPAWS) - skip0)): the dupacks the kernel held back"

	say "Phase unprotected-2: back to tcp_invalid_ratelimit=0; a new trigger (port $((P_POOL + 1))) loops again"
	ratelimit 0 $CLI $SRV
else
	KERNEL_PHASE=kernel-none
	say "Phase kernel-none: the kernel's own limiter is absent here (kernel $(uname -r))"
	note "no net.ipv4.tcp_invalid_ratelimit, no TCPACKSkippedPAWS counter: nothing to turn on, the"
	note "loop keeps running at full speed for these 5 s as well"
	paws0=$(netstat_get $SRV PAWSEstab)
	phase kernel-none 5
	note "server PAWSEstab +$(($(netstat_get $SRV PAWSEstab) - paws0)) in 5 s: every one answered"

	say "Phase unprotected-2: still no limiter; a new trigger (port $((P_POOL + 1))) loops too"
fi
kick m1
phase unprotected-2 4

say "Phase ackguard-monitor: insmod ackguard mode=monitor (counts, names flows, drops nothing)"
lab_load mode=monitor || exit 1
phase ackguard-monitor 2
note "ackguardctl flows in the server namespace names the looping 4-tuple, its reason and rate:"
show $SRV "$LAB_CTL" flows --top 5
note "ackguardctl watch --count 1: per-second counters next to the kernel's own TcpExt ones:"
show $SRV "$LAB_CTL" watch --count 1

say "Phase ackguard-enforce: ackguardctl set mode enforce (server and client namespaces)"
note "burst 1 per 500 ms per flow: the loop's ACKs are dropped before TCP answers them"
show $SRV "$LAB_CTL" set mode enforce
show $CLI "$LAB_CTL" set mode enforce
phase ackguard-enforce 6
show $SRV "$LAB_CTL" flows --top 5

say "Phase enforce-4-variants: the four variants re-armed and triggered at once, still enforcing"
note "each new loop gets a handful of packets through (the burst), then nothing"
pedit_add ts4 $P_TS4 11 0xffff seq4 $P_SEQ4 12 0xffff ts6 $P_TS6 13 0xffff seq6 $P_SEQ6 14 0xffff
for c in ts4 seq4 ts6 seq6; do kick $c; done
phase enforce-4-variants 6
show $SRV "$LAB_CTL" flows --top 6

if lab_has_limiter; then
	OFF_PHASE=ackguard-off
	say "Phase ackguard-off: ackguardctl set mode off, one more trigger (port $((P_POOL + 2)))"
	note "without the limiter the loops are back at once: ackguard was what held them down"
	show $SRV "$LAB_CTL" set mode off
	show $CLI "$LAB_CTL" set mode off
	kick m2
	phase ackguard-off 4
else
	# a kernel that never had the limiter: what the operator sees is
	# insmod stopping the loop and rmmod letting it run again
	OFF_PHASE=ackguard-rmmod
	say "Phase ackguard-rmmod: rmmod ackguard, one more trigger (port $((P_POOL + 2)))"
	note "the kernel on its own again, with no limiter of its own: the loops are back at once"
	phase ackguard-rmmod
	printf '    # rmmod ackguard\n'
	ag_unload || exit 1
	kick m2
	phase ackguard-rmmod 4
fi
echo end >"$PHASE"
sleep 1.2
lab_kill "$SAMPLER_PID"

say "Summary"
"$LAB_PY" "$LAB_DIR/summarize.py" --csv "$OUT/storm.csv" --phases-out "$OUT/phases.csv" \
	--min-pps "$MIN_PPS" --max-pps "$MAX_PPS" \
	--loop-phases loop-TSval-v4,loop-SEQ-v4,loop-TSval-v6,loop-SEQ-v6,unprotected,${KERNEL_PHASE:+$KERNEL_PHASE,}unprotected-2,ackguard-monitor,$OFF_PHASE \
	--enforce-phases ackguard-enforce:1,enforce-4-variants:4 | tee "$OUT/summary.txt"
rc=${PIPESTATUS[0]}
note "lab time $(awk -v s="$T_START" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }') s"
exit "$rc"
