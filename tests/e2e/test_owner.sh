#!/bin/bash
# Scenario m: what a namespace costs, and who pays.
#
#   idle:   a namespace without tracked flows costs no wake-ups: ag_gc_work
#           never runs (workqueue trace events) while 12 namespaces sit idle;
#           it runs while a flow is tracked and stops again once the flow
#           has expired;
#   memcg:  a namespace's table is charged to the memory cgroup of the task
#           that created the namespace: its hash buckets (2 MiB at
#           max_flows=4194304) when it is created, and each tracked flow
#           (128 bytes) when a segment in softirq creates it;
#   grow:   raising max_flows after the namespace appeared grows its hash
#           buckets (about two flows per bucket again), and the flows
#           tracked at that moment move over: none lost, none duplicated;
#   alias:  the module declares no genl family alias, so an unprivileged
#           user's family lookup ("ackguardctl show" as nobody) cannot make
#           modprobe load it.
# Run: tests/vm/run.sh -- tests/e2e/test_owner.sh
. "$(dirname "$0")/lib.sh"
ag_init test_owner

FLOOD=$AG_ROOT/tests/stress/ackflood
CG=/sys/fs/cgroup
TR=/sys/kernel/tracing
CONNS=${AG_OWNER_CONNS:-600}

ag_need_module "test_owner: module costs" || ag_summary

# --- alias
aliases=$(modinfo -F alias "$AG_KO" 2>/dev/null)
check "the module declares no genl family alias (modprobe cannot autoload it: '${aliases}')" \
	sh -c "! printf '%s\n' '$aliases' | grep -q family"

# --- idle: count the collector's runs through the workqueue trace events
mountpoint -q $TR || mount -t tracefs nodev $TR 2>/dev/null
# gc_runs SECONDS: ag_gc_work runs in that many seconds, or "" without tracing
gc_runs() {
	[ -w $TR/events/workqueue/workqueue_execute_start/enable ] || return 0
	echo >$TR/trace
	echo 1 >$TR/events/workqueue/workqueue_execute_start/enable
	sleep "$1"
	echo 0 >$TR/events/workqueue/workqueue_execute_start/enable
	grep -c 'function ag_gc_work' $TR/trace
}

if [ ! -w $TR/events/workqueue/workqueue_execute_start/enable ]; then
	fail "idle: no workqueue trace events at $TR (cannot count wake-ups)"
else
	ag_load flow_timeout_s=1 || die "insmod"
	for i in $(seq 1 12); do
		ns_add ag-idle$i || die "ip netns add ag-idle$i"
	done
	# ns_add's sysctls and the loads above leave nothing to collect
	sleep 1
	n=$(gc_runs 4)
	check "idle: 12 idle namespaces and the initial one: the collector ran $n times in 4 s (0)" \
		[ "$n" = 0 ]
	# one tracked flow in ag-idle1: a connection over lo, forged ACKs
	rm -f "$AG_TMP"/one.*
	ag_bg ag-idle1 "$AG_PY" "$AG_ROOT/tests/stress/tcpconns.py" both --addr 127.0.0.1 \
		--ports 5410 --count 1 --out "$AG_TMP/one" --ready "$AG_TMP/one.ready"
	if wait_file "$AG_TMP/one.ready" 60 &&
		nsx ag-idle1 "$FLOOD" -i lo -m 00:00:00:00:00:00 -n 3 -q tuples "$AG_TMP/one.to-srv"; then
		a=$(stat_get ag-idle1 flows_active)
		n=$(gc_runs 1.5)
		check "idle: with a tracked flow ($a) the collector runs ($n times in 1.5 s)" \
			test "${a:-0}" -ge 1 -a "${n:-0}" -ge 1
		# flow_timeout_s=1: expired within ~2 collector periods
		sleep 3
		a=$(stat_get ag-idle1 flows_active)
		n=$(gc_runs 4)
		check "idle: once the flow expired ($a active) the collector stops ($n runs in 4 s)" \
			test "${a:-1}" = 0 -a "$n" = 0
	else
		fail "idle: one connection and three forged ACKs in ag-idle1"
	fi
	ag_kill "$AG_LASTPID"
	for i in $(seq 1 12); do
		ns_del ag-idle$i
	done
fi

# --- grow: 64 buckets at max_flows=64, then max-flows 100000: 65,536
GROWN=40
ag_load max_flows=64 flow_timeout_s=3600 || die "insmod max_flows=64"
ns_add ag-grow || die "ip netns add ag-grow"
rm -f "$AG_TMP"/grow.*
ag_bg ag-grow "$AG_PY" "$AG_ROOT/tests/stress/tcpconns.py" both --addr 127.0.0.1 \
	--ports 5413 --count $GROWN --out "$AG_TMP/grow" --ready "$AG_TMP/grow.ready"
if wait_file "$AG_TMP/grow.ready" 60 &&
	nsx ag-grow "$FLOOD" -i lo -m 00:00:00:00:00:00 -n $GROWN -q tuples "$AG_TMP/grow.to-srv"; then
	declare -A G0 G1 G2
	stats_snap ag-grow G0
	nsx ag-grow "$AG_ROOT/userspace/ackguardctl" set max-flows 100000 ||
		fail "grow: ackguardctl set max-flows 100000"
	stats_snap ag-grow G1
	nsx ag-grow "$FLOOD" -i lo -m 00:00:00:00:00:00 -n $GROWN -q tuples "$AG_TMP/grow.to-srv"
	stats_snap ag-grow G2
	log "grow: buckets ${G0[table_buckets]:-?} -> ${G1[table_buckets]:-?}; flows ${G0[flows_active]:-?} -> ${G1[flows_active]:-?} -> ${G2[flows_active]:-?}, created ${G0[flows_created]:-?} -> ${G2[flows_created]:-?}"
	check "grow: max_flows=64 has 64 buckets, max-flows 100000 then 65536 (${G0[table_buckets]:-?} -> ${G1[table_buckets]:-?})" \
		test "${G0[table_buckets]:-x}" = 64 -a "${G1[table_buckets]:-x}" = 65536
	check "grow: the $GROWN tracked flows moved over (${G0[flows_active]:-?} -> ${G1[flows_active]:-?})" \
		test "${G0[flows_active]:-x}" = $GROWN -a "${G1[flows_active]:-y}" = $GROWN
	check "grow: their next segments find them, no flow created twice (created +$(sdelta G0 G2 flows_created), active ${G2[flows_active]:-?})" \
		test "$(sdelta G0 G2 flows_created)" = 0 -a "${G2[flows_active]:-y}" = $GROWN
else
	fail "grow: $GROWN connections and forged ACKs in ag-grow"
fi
ag_kill "$AG_LASTPID"
ns_del ag-grow
ag_unload

# --- memcg
mountpoint -q $CG || mount -t cgroup2 none $CG 2>/dev/null
grep -qw memory $CG/cgroup.controllers 2>/dev/null &&
	echo +memory >$CG/cgroup.subtree_control 2>/dev/null
OWN=$CG/ag-owner
mkdir -p $OWN 2>/dev/null
if [ ! -r $OWN/memory.current ]; then
	fail "memcg: no memory controller at $CG (cannot check charging)"
	ag_summary
fi
# in_cg CMD...: run CMD as a member of the ag-owner cgroup
in_cg() { sh -c 'echo $$ >'"$OWN"'/cgroup.procs && exec "$@"' sh "$@"; }
# ns_cost NAME: bytes charged to ag-owner by creating namespace NAME
ns_cost() {
	local m0 m1
	sync
	m0=$(cat $OWN/memory.current)
	in_cg ip netns add "$1" || return 1
	m1=$(cat $OWN/memory.current)
	echo $((m1 - m0))
}
ag_unload
GUEST_NS+=(ag-own0 ag-own1)
base=$(ns_cost ag-own0)
ag_load max_flows=4194304 flow_timeout_s=3600 || die "insmod max_flows=4194304"
with=$(ns_cost ag-own1)
[ -n "$base" ] && [ -n "$with" ] || die "memcg: ip netns add in the cgroup failed"
log "memcg: a namespace costs its creator's cgroup $base bytes without the module, $with with max_flows=4194304 (buckets 2 MiB)"
# One namespace's own cost varies between two creations (the second may
# reuse what the first left in the slab caches): on 6.1-rt the difference
# was 1.50 MiB once for the 2 MiB of buckets.  Uncharged, it is about 0:
# half the buckets tells the two apart.
check "memcg: the 2 MiB hash buckets are charged to the namespace creator's cgroup ($with - $base >= 1 MiB)" \
	[ $((with - base)) -ge 1048576 ]

# flows: CONNS connections over lo in ag-own1 (sockets charged now), then
# one forged ACK each (in softirq): each new flow is charged to ag-own1's
# creator, not to whoever the softirq interrupted
ip -n ag-own1 link set lo up
rm -f "$AG_TMP"/many.*
ag_bg ag-own1 "$AG_PY" "$AG_ROOT/tests/stress/tcpconns.py" both --addr 127.0.0.1 \
	--ports 5411,5412 --count "$CONNS" --out "$AG_TMP/many" --ready "$AG_TMP/many.ready"
if wait_file "$AG_TMP/many.ready" 180; then
	sleep 1
	s0=$(awk '$1 == "slab_unreclaimable" { print $2 }' $OWN/memory.stat)
	nsx ag-own1 "$FLOOD" -i lo -m 00:00:00:00:00:00 -n "$CONNS" -r 2000 -q \
		tuples "$AG_TMP/many.to-srv"
	sleep 1
	s1=$(awk '$1 == "slab_unreclaimable" { print $2 }' $OWN/memory.stat)
	a=$(stat_get ag-own1 flows_active)
	log "memcg: $a flows tracked in ag-own1; the cgroup's unreclaimable slab rose by $((s1 - s0)) bytes"
	check "memcg: $a tracked flows (>= $((CONNS * 9 / 10))) are charged to the namespace's cgroup (slab +$((s1 - s0)) >= $a x 100 bytes)" \
		test "${a:-0}" -ge $((CONNS * 9 / 10)) -a $((s1 - s0)) -ge $((${a:-0} * 100))
else
	fail "memcg: $CONNS connections in ag-own1"
fi
ag_kill "$AG_LASTPID"
ag_unload
ns_del ag-own0
ns_del ag-own1
rmdir $OWN 2>/dev/null
ag_summary
