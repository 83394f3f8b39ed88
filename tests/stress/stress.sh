#!/bin/bash
# tests/stress/stress.sh: concurrency stress of ackguard, inside the test VM:
#
#   tests/vm/run.sh -- tests/stress/stress.sh
#
# Two namespaces on a veth pair hold AG_STRESS_FLOWS idle TCP connections
# (IPv4 and IPv6).  ackflood sprays invalid ACKs (random SEQ and TSval) at
# all of them, pinned to CPU 0 and CPU 1 towards the server and unpinned
# towards the client, so both tables are hit from both CPUs at once.  Then:
#
#  1. churn (AG_STRESS_SECS): nlchurn.py in both namespaces sets a random
#     configuration every 10 ms (max_flows down to 8, flow_timeout_s=1, all
#     modes), dumps and flushes the table and reads the counters; a shell
#     loop does the same with ackguardctl (set, flows, flush, stats) and
#     reads /proc/net/ackguard/flows; ackguardctl monitor listens for the
#     storm events all this sends; namespaces are created, get tracked
#     flows over lo and are destroyed, again and again.
#  2. reload: AG_STRESS_CYCLES (50) insmod/rmmod cycles with random
#     parameters while the storm, the netlink churn and the namespace churn
#     go on.
#  3. afterwards: the module loads, tracks the storm's flows within the
#     bound, the counters add up (seen = passed + dropped per reason),
#     flush empties the table and the collector expires idle flows.
#
# The kernel log is judged by run.sh (KASAN, lockdep, ...).  Output is
# TAP-like, ending with "# stress: N passed, N failed, 0 skipped".
#
# An idle nftables input chain in a namespace of its own keeps the
# kernel's LOCAL_IN static key on throughout (see keep_nf_key in lib.sh:
# flipping it under a flood livelocks an emulated guest), and the floods
# are paced (AG_STRESS_PPS per sender, 3000) so that the control loops get
# CPU time.
#
# Environment: AG_STRESS_SECS (30), AG_STRESS_FLOWS (128), AG_STRESS_CYCLES
# (50), AG_STRESS_PERIOD_MS (10), AG_STRESS_PPS (3000); AG_KO, AG_CTL as in
# lib.sh.
# SC2317: helpers run in the background and via --ctl-loop or
# --storm-listener; SC2016: awk.
# shellcheck disable=SC2317,SC2016
. "$(dirname "$0")/lib.sh"

SECS=${AG_STRESS_SECS:-30}
FLOWS=${AG_STRESS_FLOWS:-128}
CYCLES=${AG_STRESS_CYCLES:-50}
PERIOD=${AG_STRESS_PERIOD_MS:-10}
PPS=${AG_STRESS_PPS:-3000}
PORTS=5301,5302

# ctl_loop SECS OUT: ackguardctl against the current namespace until the
# deadline, counting failures into OUT ("rounds failures").
ctl_loop() {
	local end=$(($(date +%s) + $1)) n=0 bad=0 iv
	while [ "$(date +%s)" -lt "$end" ]; do
		n=$((n + 1))
		iv=$((RANDOM % 500 + 1))
		"$AG_CTL" set interval "${iv}ms" flow-timeout 1s \
			max-flows $((RANDOM % 200 + 8)) >/dev/null || bad=$((bad + 1))
		"$AG_CTL" flows >/dev/null || bad=$((bad + 1))
		"$AG_CTL" flows --sort rate --top 5 family inet >/dev/null || bad=$((bad + 1))
		"$AG_CTL" -j stats >/dev/null || bad=$((bad + 1))
		"$AG_CTL" flush || bad=$((bad + 1))
		cat /proc/net/ackguard/flows >/dev/null || bad=$((bad + 1))
	done
	echo "$n $bad" >"$2"
}

# storm_listener SECS OUT: ackguardctl monitor in the current namespace for
# SECS, so that every flush, collector run and hook has a listener to send
# storm events to while the table churns. The events of one flow must
# alternate start, end, start...: a flow removed in a storm (flush, expiry,
# eviction) sends its end, and no start may follow it. A receive-buffer
# overflow (its message comes in order, stderr into the same pipe) loses
# events: the order is judged afresh after one. Writes "events storm_ends
# order_errors overflows exit_status" to OUT (the lines are counted, not
# kept: thousands a second; the first few order errors go to the log).
storm_listener() {
	"$AG_CTL" monitor --timeout "$1" 2>&1 |
		awk -v errs="$2.errors" '
		/receive buffer overflow/ { o++; delete st; next }
		$2 == "storm-start" || $2 == "storm-end" {
			n++
			k = $3 " " $4
			if ($2 == "storm-end")
				e++
			if (st[k] == $2 && bad++ < 5)
				print "two " $2 " in a row for " k >errs
			st[k] = $2
		}
		END { printf "%d %d %d %d ", n, e, bad, o }' >"$2"
	echo "${PIPESTATUS[0]}" >>"$2"
}

# netns_churn SECS OUT [STOPFILE]: namespaces that get tracked flows and go
# away with them, until SECS pass or STOPFILE appears; writes "namespaces
# tracked failures" to OUT.
netns_churn() {
	local end=$(($(date +%s) + $1)) i=0 tracked=0 bad=0 ns pid a
	local stop=${3:-/nonexistent}
	while [ "$(date +%s)" -lt "$end" ] && [ ! -e "$stop" ]; do
		ns=ags-n$((i % 4))
		i=$((i + 1))
		ip netns del "$ns" 2>/dev/null
		if ! ip netns add "$ns"; then
			bad=$((bad + 1))
			continue
		fi
		ip -n "$ns" link set lo up
		rm -f "$ST_TMP/$ns".*
		ip netns exec "$ns" "$AG_PY" "$ST_DIR/tcpconns.py" both --addr 127.0.0.1 \
			--addr ::1 --ports 5400 --count 8 --out "$ST_TMP/$ns" \
			--ready "$ST_TMP/$ns.ready" &
		pid=$!
		if wait_file "$ST_TMP/$ns.ready" 60; then
			# keep the flows until the namespace goes (ackguardctl
			# fails harmlessly while the module is being reloaded)
			ip netns exec "$ns" "$AG_CTL" set flow-timeout 3600s >/dev/null 2>&1
			ip netns exec "$ns" "$FLOOD" -i lo -m 00:00:00:00:00:00 -n 400 -r 2000 -q \
				tuples "$ST_TMP/$ns.to-srv" || bad=$((bad + 1))
			a=$(ip netns exec "$ns" awk '$1 == "flows_active" { print $2 }' \
				/proc/net/ackguard/stats 2>/dev/null)
			[ "${a:-0}" -gt 0 ] && tracked=$((tracked + 1))
		else
			bad=$((bad + 1))
		fi
		# the namespace dies with its flows in the table
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		ip netns del "$ns"
	done
	echo "$i $tracked $bad" >"$2"
}

# Helper modes, run inside a namespace by the main script.
case ${1:-} in
--ctl-loop) ctl_loop "$2" "$3"; exit 0 ;;
--storm-listener) storm_listener "$2" "$3"; exit 0 ;;
esac

st_init stress
log "flows $FLOWS, churn ${SECS}s every ${PERIOD}ms, $CYCLES reload cycles"
ns_setup || die "namespace setup failed"
keep_nf_key || die "nftables input chain (keep_nf_key) failed"

bg nsx $SRV "$AG_PY" "$ST_DIR/tcpconns.py" server --addr $SRV4 --addr $SRV6 \
	--ports $PORTS --ready "$ST_TMP/srv.ready"
wait_file "$ST_TMP/srv.ready" 60 || die "server did not start"
bg nsx $CLI "$AG_PY" "$ST_DIR/tcpconns.py" client --addr $SRV4 --addr $SRV6 \
	--ports $PORTS --count "$FLOWS" --out "$ST_TMP/conns" --ready "$ST_TMP/cli.ready"
wait_file "$ST_TMP/cli.ready" 300 || die "connections not established"
n=$(wc -l <"$ST_TMP/conns.to-srv")
check "$FLOWS connections established ($n)" [ "$n" = "$FLOWS" ]

ag_load mode=enforce interval_ms=100 burst=2 flow_timeout_s=1 ||
	die "insmod failed"

# The storm: both CPUs into the server's table, and back into the client's.
floods=()
bg nsx $CLI nice -n 19 "$FLOOD" -i ags-c0 -m $SRVMAC -c 0 -s 11 -b 16 -r "$PPS" \
	tuples "$ST_TMP/conns.to-srv"
floods+=("$LASTPID")
bg nsx $CLI nice -n 19 "$FLOOD" -i ags-c0 -m $SRVMAC -c 1 -s 12 -b 16 -r "$PPS" \
	tuples "$ST_TMP/conns.to-srv"
floods+=("$LASTPID")
bg nsx $SRV nice -n 19 "$FLOOD" -i ags-s0 -m $CLIMAC -s 13 -b 16 -r "$PPS" \
	tuples "$ST_TMP/conns.to-cli"
floods+=("$LASTPID")

# a few seconds on Debian's kernel; the senders run at nice 19, so give a
# KASAN guest on a busy host up to 60 s to get them going
t0=$(now_ms)
for _ in $(seq 1 300); do
	[ "$(stat_get $SRV flows_created)" -gt 0 ] 2>/dev/null &&
		[ "$(stat_get $CLI flows_created)" -gt 0 ] 2>/dev/null && break
	sleep 0.2
done
c=$(stat_get $SRV flows_created)
check "the storm creates flows in the server namespace ($c after $(($(now_ms) - t0)) ms)" [ "${c:-0}" -gt 0 ]
c=$(stat_get $CLI flows_created)
check "the storm creates flows in the client namespace ($c)" [ "${c:-0}" -gt 0 ]

# ---------------------------------------------------------------- 1. churn
log "phase 1: configuration/dump/flush churn and namespace churn for ${SECS}s"
t0=$(now_ms)
bg nsx $SRV "$AG_PY" "$ST_DIR/nlchurn.py" --secs "$SECS" --period "$PERIOD" --seed 1
p_nl1=$LASTPID
bg nsx $CLI "$AG_PY" "$ST_DIR/nlchurn.py" --secs "$SECS" --period "$PERIOD" --seed 2 \
	--modes enforce,monitor,off
p_nl2=$LASTPID
bg nsx $SRV bash "$0" --ctl-loop "$SECS" "$ST_TMP/ctl.result"
p_ctl=$LASTPID
storms0=$(stat_get $SRV storms)
bg nsx $SRV bash "$0" --storm-listener "$((SECS + 5))" "$ST_TMP/listener.result"
p_mon=$LASTPID
bg netns_churn "$SECS" "$ST_TMP/netns1.result"
p_ns=$LASTPID
wait "$p_nl1"
check "nlchurn in $SRV: every reply valid" [ $? = 0 ]
wait "$p_nl2"
check "nlchurn in $CLI: every reply valid" [ $? = 0 ]
wait "$p_ctl"
wait "$p_ns"
wait "$p_mon"
read -r rounds cbad <"$ST_TMP/ctl.result" || rounds=0 cbad=-1
check "ackguardctl set/flows/flush/stats loop: $rounds rounds, $cbad failures" \
	test "$rounds" -gt 0 -a "$cbad" = 0
# storm_pps 1 and 10 are among nlchurn's choices: storms start (how many
# depends on the guest's speed: thousands on Debian's kernel, a few under
# KASAN), and each start was sent to the listener.  Their ends come from
# the collector or a flush, whichever is first, so only counted here.
storms=$(($(stat_get $SRV storms) - ${storms0:-0}))
read -r mev mend mbad mlost mrc <"$ST_TMP/listener.result" ||
	mev=0 mend=0 mbad=-1 mlost=0 mrc=-1
check "a storm listener in $SRV throughout: exit $mrc, $mev events ($mend storm ends) for $storms storms started" \
	test "$mrc" = 0 -a "$storms" -ge 0 -a \( "$storms" = 0 -o "$mev" -gt 0 \)
[ -s "$ST_TMP/listener.result.errors" ] && sed 's/^/# /' "$ST_TMP/listener.result.errors"
check "each flow's storm events alternate start and end under flush/GC churn ($mbad out of order, $mlost buffer overflows)" \
	[ "$mbad" = 0 ]
read -r nsn nstr nsbad <"$ST_TMP/netns1.result" || nsn=0 nstr=0 nsbad=-1
check "namespaces destroyed with tracked flows: $nstr of $nsn ($nsbad setup failures)" \
	test "$nstr" -gt 0 -a "$nsbad" = 0
log "phase 1 took $(($(now_ms) - t0)) ms"
for p in "${floods[@]}"; do
	kill -0 "$p" 2>/dev/null || fail "flood $p died"
done
stat_dump $SRV
stat_dump $CLI

# ---------------------------------------------------------------- 2. reload
log "phase 2: $CYCLES insmod/rmmod cycles under the storm"
t0=$(now_ms)
bg nsx $SRV "$AG_PY" "$ST_DIR/nlchurn.py" --secs 100000 --period 20 --seed 3 --reload-ok
p_nl1=$LASTPID
bg netns_churn 100000 "$ST_TMP/netns2.result" "$ST_TMP/netns2.stop"
p_ns=$LASTPID
ag_unload || fail "rmmod before the reload cycles"
good=0
for i in $(seq 1 "$CYCLES"); do
	modes=(enforce monitor off enforce)
	mf=(16 1000 16384)
	if ! insmod "$AG_KO" mode="${modes[RANDOM % 4]}" max_flows="${mf[RANDOM % 3]}" \
		flow_timeout_s=1 interval_ms=$((RANDOM % 1000 + 1)) burst=$((RANDOM % 3 + 1)); then
		log "cycle $i: insmod failed"
		continue
	fi
	sleep "0.$((RANDOM % 4))"
	if ! ag_unload; then
		log "cycle $i: rmmod failed"
		continue
	fi
	good=$((good + 1))
done
check "$CYCLES insmod/rmmod cycles under the storm ($good done)" [ "$good" = "$CYCLES" ]
log "phase 2 took $(($(now_ms) - t0)) ms"
: >"$ST_TMP/netns2.stop"
wait "$p_ns"
read -r nsn nstr nsbad <"$ST_TMP/netns2.result" || nsn=0 nstr=0 nsbad=-1
check "namespace churn across the reloads: $nsn namespaces, $nstr with tracked flows, $nsbad setup failures" \
	test "$nsn" -gt 0 -a "$nsbad" = 0
kill "$p_nl1" 2>/dev/null
wait "$p_nl1"
check "nlchurn across the reloads: every reply valid" [ $? = 0 ]

# ---------------------------------------------------------------- 3. after
log "phase 3: function after the stress"
ag_load mode=enforce interval_ms=500 burst=1 max_flows=64 flow_timeout_s=1 ||
	die "insmod after the reloads failed"
sleep 2
c=$(stat_get $SRV flows_created)
a=$(stat_get $SRV flows_active)
check "the storm is tracked again ($c created, $a active)" [ "${c:-0}" -gt 0 ]
check "flows_active within max_flows=64 ($a)" [ "${a:-999}" -le 64 ]
f=$(stat_get $SRV table_full)
check "table_full counts the untracked ($f, $FLOWS flows > 64)" [ "${f:-0}" -gt 0 ]
stop_bg "${floods[@]}"
check "the floods ran without errors" [ $? = 0 ]
sleep 1
check "server counters add up (seen = passed + dropped)" stats_consistent $SRV
check "client counters add up (seen = passed + dropped)" stats_consistent $CLI
nsx $SRV "$AG_CTL" set flow-timeout 3600s >/dev/null
nsx $SRV "$AG_CTL" flush
a=$(stat_get $SRV flows_active)
check "flush empties the table ($a)" [ "$a" = 0 ]
# the collector: flows idle for flow_timeout_s (1 s) go
nsx $SRV "$AG_CTL" set flow-timeout 1s max-flows 16384 >/dev/null
e0=$(stat_get $SRV flows_expired)
c0=$(stat_get $SRV flows_created)
nsx $CLI "$FLOOD" -i ags-c0 -m $SRVMAC -n 2000 -q tuples "$ST_TMP/conns.to-srv"
c1=$(stat_get $SRV flows_created)
check "a short burst is tracked (flows_created $c0 -> $c1)" [ "${c1:-0}" -gt "${c0:-0}" ]
for _ in $(seq 1 50); do
	[ "$(stat_get $SRV flows_active)" = 0 ] && break
	sleep 0.2
done
a=$(stat_get $SRV flows_active)
e1=$(stat_get $SRV flows_expired)
check "the collector expires idle flows (active $a, expired $e0 -> $e1)" \
	test "$a" = 0 -a "$e1" -gt "$e0"
stat_dump $SRV
ag_unload
check "rmmod at the end" [ $? = 0 ]
summary
