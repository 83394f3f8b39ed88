#!/bin/bash
# bench-guest.sh: the ackguard benchmarks, inside the test VM
# (scripts/bench.sh runs it: tests/vm/run.sh -- bench/bench-guest.sh).
#
# Every figure is a ratio or a count measured side by side in this one run,
# configurations interleaved and repeated (AG_BENCH_ROUNDS, median): under
# software emulation on a shared host absolute numbers mean little.
#   legit     cost on legitimate traffic: ping-pong transactions and iperf3
#             bulk packets/s with no module / ackguard / conntrack+nft
#   cpu       guest CPU time per 100,000 invalid ACKs: ackguard dropping
#             them vs the kernel's own limiter vs an unpatched kernel
#   scale     per-packet cost of the classified path with 1, 1,000 and
#             AG_BENCH_FLOWS (100,000) tracked flows; bytes per flow (slab)
#   reaction  time from insmod, and from a loop's first packet, to a loop
#             rate <= 10 pkt/s (router counters sampled every 100 ms)
# AG_BENCH_SECTIONS picks some ("legit cpu scale reaction").  Raw records go
# to $AG_BENCH_OUT/raw.jsonl (default $AG_VM_WORK/out), then bench/report.py
# prints the table and writes results.json there.
# shellcheck disable=SC2034 # read by lab_init
LAB_KMODS="veth sch_ingress cls_u32 cls_matchall act_pedit act_csum act_gact nf_tables nft_ct nf_conntrack"
. "$(dirname "$0")/../tests/lab/lib.sh"
lab_init

BENCH=$LAB_ROOT/bench
OUT=${AG_BENCH_OUT:-${AG_VM_WORK:-/tmp}/out}
ROUNDS=${AG_BENCH_ROUNDS:-3}
SECTIONS=${AG_BENCH_SECTIONS:-legit cpu scale reaction}
FLOWS_MAX=${AG_BENCH_FLOWS:-100000}
mkdir -p "$OUT" || exit 1
RAW=$OUT/raw.jsonl
: >"$RAW"
for b in ackgen pingpong; do
	[ -x "$BENCH/$b" ] || { echo "bench/$b not built (make -C bench)" >&2; exit 1; }
done
log() { echo "# $*"; }
kv() { # TEXT KEY: the value of KEY=value in TEXT
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
record() { echo "$*" >>"$RAW"; } # one JSON object per line
T_ALL=$(date +%s)

# ticks DEV NS FIELD: an interface counter
ifctr() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }
softnet_drops() { # packets the backlog queues dropped, all CPUs
	local s=0 a b rest
	while read -r a b rest; do s=$((s + 16#$b)); done </proc/net/softnet_stat
	echo $s
}
# CPU time: the generator runs pinned to CPU 0, and a veth delivers in the
# sender's context (netif_rx, then the softirq on the same CPU), so CPU 0
# pays for the whole path of every packet: send, receive, our hook, TCP and
# any answer.  ackgen reads CPU 0's busy ticks (/proc/stat) around its
# sending loop only, so process start-up is not counted.

# ================================================================ flood
# The generator's namespace bn-gen holds one veth per target (no address;
# what comes back is dropped at its ingress).  Each peer lives in its own
# socket namespace as s0, 10.77.0.1, with sockets 10.77.0.1:7000 <->
# 10.78.x.y:port made by "ackgen sockets" (TCP_REPAIR: no handshake, no
# peer).  ackgen floods the targets in turns, batch by batch, and times
# every batch: the targets are measured side by side, in the same seconds.
GEN=bn-gen
GMAC=02:00:00:00:00:01
SMAC=02:00:00:00:00:02
RCV_NXT=1000000
SND_NXT=2000000
BAD_SEQ=$((RCV_NXT + 0x40000000)) # far outside the receive window

flood_gen() {
	# a private established hash for each socket namespace created from
	# now on, large enough that the kernel's own lookup stays O(1)
	sysctl -qw net.ipv4.tcp_child_ehash_entries=262144 2>/dev/null ||
		log "no net.ipv4.tcp_child_ehash_entries: shared established hash"
	ns_add $GEN
}

# flood_target GDEV NS NSOCKETS [null]: veth GDEV (in bn-gen) <-> s0 in NS
# with NSOCKETS sockets; "null" drops everything at s0's ingress (tc), so
# only the generator, the veth and tc are paid for.
flood_target() {
	local g=$1 ns=$2 n=$3 t0
	ns_add "$ns" || return 1
	ip link add "$g" address $GMAC netns $GEN type veth peer name s0 address $SMAC netns "$ns" || return 1
	nsx $GEN ethtool -K "$g" gro off >/dev/null 2>&1
	nsx "$ns" ethtool -K s0 gro off >/dev/null 2>&1
	ip -n $GEN link set "$g" up
	ip -n "$ns" link set s0 up
	ip -n "$ns" addr add 10.77.0.1/16 dev s0
	ip -n "$ns" neigh add 10.77.0.2 lladdr $GMAC dev s0 nud permanent
	ip -n "$ns" route add 10.78.0.0/16 via 10.77.0.2 dev s0
	tc -n $GEN qdisc add dev "$g" clsact
	tc -n $GEN filter add dev "$g" ingress pref 1 matchall action drop
	if [ "${4:-}" = null ]; then
		tc -n "$ns" qdisc add dev s0 clsact
		tc -n "$ns" filter add dev s0 ingress pref 1 matchall action drop
	fi
	t0=$(date +%s.%N)
	rm -f "$LAB_TMP/$ns.ready"
	lab_bg "$ns" "$BENCH/ackgen" sockets --local 10.77.0.1 --lport 7000 \
		--remote 10.78.0.1 --rport 10000 --flows "$n" \
		--rcv-nxt $RCV_NXT --snd-nxt $SND_NXT --ready "$LAB_TMP/$ns.ready" >/dev/null
	wait_file "$LAB_TMP/$ns.ready" 900 || { echo "sockets in $ns did not come up" >&2; return 1; }
	log "$ns: $n TCP_REPAIR sockets in $(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s," \
		"established: $(nsx "$ns" ss -Htn state established | wc -l)"
}

flood_teardown() { # NS...: the namespaces (their socket holders die with cleanup)
	local ns
	for ns in $GEN "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 1
	for ns in $GEN "$@"; do
		ip netns del "$ns" 2>/dev/null
	done
	sysctl -qw net.ipv4.tcp_child_ehash_entries=0 2>/dev/null
	return 0
}

# flood COUNT [ackgen options] TARGET...: run ackgen pinned to CPU 0 (a
# veth delivers in the sender's context, so CPU 0 pays for send, receive,
# our hook, TCP and any answer); its output goes to F_OUT.
flood() {
	local count=$1 t
	shift
	local args=()
	for t in "$@"; do
		case $t in --*) args+=("$t") ;; *) args+=(--target "$t") ;; esac
	done
	F_OUT=$(taskset -c 0 ip netns exec $GEN "$BENCH/ackgen" flood --smac $GMAC --dmac $SMAC \
		--src 10.78.0.1 --sport 10000 --dst 10.77.0.1 --dport 7000 \
		--seq $BAD_SEQ --ack $SND_NXT --count "$count" "${args[@]}")
}
# fv DEV KEY: a value of ackgen's line for target DEV (or the total line)
fv() {
	if [ "$1" = total ]; then
		printf '%s\n' "$F_OUT" | grep '^sent=' | tr ' ' '\n' | sed -n "s/^$2=//p"
	else
		printf '%s\n' "$F_OUT" | grep "^target=$1 " | tr ' ' '\n' | sed -n "s/^$2=//p"
	fi
}
txp() { ifctr "$1" s0 tx_packets; }
rxp() { ifctr "$1" s0 rx_packets; }

# ---------------------------------------------------------------- cpu
# Four socket namespaces, one established socket each:
#   bn-a  ackguard enforce (defaults), tcp_invalid_ratelimit=0
#   bn-k  the kernel's own limiter, tcp_invalid_ratelimit=500
#   bn-u  unpatched, tcp_invalid_ratelimit=0
#   bn-n  null: dropped at s0's ingress (the generator's own cost)
# Runs alternate between module loaded (ackguardctl set mode off in bn-k,
# bn-u, bn-n: only the hook's early return is left there) and module not
# loaded (bn-a is then one more unpatched namespace).
section_cpu() {
	local count=${AG_BENCH_CPU_COUNT:-100000} rounds=${AG_BENCH_CPU_ROUNDS:-$ROUNDS}
	local r mod ns g rec
	local -A tx0=() rx0=()
	log "== cpu: CPU per 100,000 invalid ACKs to an established socket ($count per target and run)"
	flood_gen || return 1
	flood_target ga bn-a 1 && flood_target gk bn-k 1 &&
		flood_target gu bn-u 1 && flood_target gn bn-n 1 null || return 1
	ratelimit 0 bn-a bn-u bn-n && ratelimit 500 bn-k || return 1
	for r in $(seq "$rounds"); do
		for mod in loaded unloaded; do
			if [ $mod = loaded ]; then
				lab_load mode=enforce || return 1
				for ns in bn-k bn-u bn-n; do
					nsx $ns "$LAB_CTL" set mode off || return 1
				done
			else
				ag_unload || return 1
			fi
			for ns in bn-a bn-k bn-u bn-n; do tx0[$ns]=$(txp $ns) rx0[$ns]=$(rxp $ns); done
			flood "$count" ga:1 gk:1 gu:1 gn:1
			rec="{\"section\":\"cpu\",\"round\":$r,\"module\":\"$mod\",\"cpu_ticks\":$(fv total cpu_ticks),\"hz\":$(fv total hz),\"secs\":$(fv total secs),\"targets\":{"
			for g in a k u n; do
				ns=bn-$g
				rec+="\"$g\":{\"ns_median\":$(fv g$g ns_median),\"ns_p25\":$(fv g$g ns_p25),\"ns_p75\":$(fv g$g ns_p75),\"ns_mean\":$(fv g$g ns_mean),\"sent\":$(fv g$g sent),\"rx\":$(($(rxp $ns) - ${rx0[$ns]})),\"answers\":$(($(txp $ns) - ${tx0[$ns]}))}"
				[ $g != n ] && rec+=","
			done
			record "$rec}}"
			log "round $r, module $mod: ns/packet (median) ackguard-ns $(fv ga ns_median)," \
				"kernel-ns $(fv gk ns_median), unpatched-ns $(fv gu ns_median), null $(fv gn ns_median);" \
				"answers a/k/u $(($(txp bn-a) - ${tx0[bn-a]}))/$(($(txp bn-k) - ${tx0[bn-k]}))/$(($(txp bn-u) - ${tx0[bn-u]}))"
		done
	done
	ag_unload
	flood_teardown bn-a bn-k bn-u bn-n
}

# ---------------------------------------------------------------- scale
# Three socket namespaces with 1, 1,000 and AG_BENCH_FLOWS sockets, each
# with its own flow table, all flows tracked and over the limit (interval
# 60 s, burst 1: everything after the warm-up ACK of each flow is dropped);
# null targets with 1 and AG_BENCH_FLOWS distinct frames give the
# generator's own cost at both sizes.  Runs alternate with "nftdrop" runs,
# where an nftables rule drops the same ACKs at LOCAL_IN before ackguard's
# hook (priority -10 vs 110): everything but ackguard's own work, including
# the kernel's early-demux lookup of the socket among the namespace's N.
# Two workloads: "spread" floods every tracked flow in turn (the working set
# grows with the table: 100,000 sockets and entries do not fit in a cache),
# "hot" floods one flow of each table (a storm on one connection while the
# table holds 1, 1,000 or AG_BENCH_FLOWS tracked flows: the table's own
# cost, at a constant working set).
section_scale() {
	# three ACKs per flow and run at the largest size, so that the run
	# measures drops of tracked flows and not the creation of entries; the
	# tables are sized at twice the flows, so that no entry is evicted
	local count=${AG_BENCH_SCALE_COUNT:-$((FLOWS_MAX * 3))} r ns tracked rec
	local maxf=$((FLOWS_MAX * 2))
	log "== scale: per-packet cost with 1, 1000 and $FLOWS_MAX tracked flows ($count per target and run)"
	flood_gen || return 1
	flood_target g1 bn-f1 1 && flood_target gk bn-fk 1000 &&
		flood_target gm bn-fm "$FLOWS_MAX" && flood_target gn bn-n 1 null || return 1
	ratelimit 0 bn-f1 bn-fk bn-fm bn-n || return 1
	lab_load mode=enforce interval_ms=60000 burst=1 max_flows=$maxf flow_timeout_s=3600 || return 1
	local mode
	for r in $(seq "$ROUNDS"); do
	for mode in ackguard nftdrop hot hot-nftdrop; do
		for ns in bn-f1 bn-fk bn-fm; do
			nsx $ns nft delete table inet bench 2>/dev/null
			if [ "${mode#hot-}" = nftdrop ]; then
				nsx $ns nft add table inet bench &&
					nsx $ns nft add chain inet bench input '{ type filter hook input priority -10; policy accept; }' &&
					nsx $ns nft add rule inet bench input tcp dport 7000 drop || return 1
			fi
		done
		# --warmup: one untimed ACK per flow first (creates the entries)
		# shellcheck disable=SC2046
		case $mode in
		hot*) # one flow from the middle of each table
			flood "$count" g1:1 gk:1:500 gm:1:$((FLOWS_MAX / 2)) gn:1 ;;
		*)
			# shellcheck disable=SC2046
			flood "$count" $([ "$r" = 1 ] && [ $mode = ackguard ] && echo --warmup) \
				g1:1 gk:1000 gm:"$FLOWS_MAX" gn:1 gn:"$FLOWS_MAX" ;;
		esac
		rec="{\"section\":\"scale\",\"round\":$r,\"mode\":\"$mode\",\"secs\":$(fv total secs),\"targets\":["
		local i=0 line size
		while read -r line; do
			# shellcheck disable=SC2046
			set -- $(printf '%s\n' "$line" | tr ' ' '\n' | sed 's/=/ /' | awk '{ printf "%s ", $2 }')
			[ $i -gt 0 ] && rec+=","
			# "flows": the tracked flows of the target's table (a hot
			# run sends to one of them)
			case $1 in gk) size=1000 ;; gm) size=$FLOWS_MAX ;; gn) size=$2 ;; *) size=1 ;; esac
			rec+="{\"dev\":\"$1\",\"flows\":$size,\"sent\":$3,\"ns_median\":$5,\"ns_p25\":$6,\"ns_p75\":$7,\"ns_mean\":$8}"
			i=$((i + 1))
		done <<<"$(printf '%s\n' "$F_OUT" | grep '^target=')"
		rec+="],\"tracked\":{"
		for ns in bn-f1 bn-fk bn-fm; do
			tracked=$(nsx $ns awk '$1 == "flows_active" { print $2 }' /proc/net/ackguard/stats)
			rec+="\"$ns\":${tracked:-0}"
			[ $ns != bn-fm ] && rec+=","
		done
		record "$rec}}"
		log "round $r $mode: ns/packet (median) 1 flow $(fv g1 ns_median), 1000 flows $(fv gk ns_median)," \
			"$FLOWS_MAX flows $(fv gm ns_median); null $(printf '%s\n' "$F_OUT" | grep '^target=gn ' | sed 's/.*ns_median=\([0-9]*\).*/\1/' | tr '\n' ' ')"
		[ "$r" = 1 ] && [ $mode = ackguard ] && memory_record "$(nsx bn-fm awk '$1 == "flows_active" { print $2 }' /proc/net/ackguard/stats)" \
			"$(($(nsx bn-f1 awk '$1 == "flows_active" { print $2 }' /proc/net/ackguard/stats) + $(nsx bn-fk awk '$1 == "flows_active" { print $2 }' /proc/net/ackguard/stats)))"
	done
	done
	ag_unload
	flood_teardown bn-f1 bn-fk bn-fm bn-n
}

# memory_record TRACKED OTHERS: the slab of flow entries (cache "ag_flow")
# while TRACKED flows are in the big table and OTHERS in the small ones.
# Needs slab_nomerge on the kernel command line (scripts/bench.sh passes
# it), or the cache is merged into a shared one and /proc/slabinfo has no
# line of its own for it.
memory_record() {
	local line objsize=0 active=0 total=0 perslab=0 pages=0 osize=0 buckets
	line=$(awk '$1 == "ag_flow" { print $2, $3, $4, $5, $6; exit }' /proc/slabinfo)
	[ -n "$line" ] && read -r active total objsize perslab pages <<<"$line"
	[ -r /sys/kernel/slab/ag_flow/object_size ] && osize=$(cat /sys/kernel/slab/ag_flow/object_size)
	# the table's buckets: 2^clamp(order_base_2(max_flows / 2), 6, 18)
	buckets=$("$LAB_PY" -c "import math; m=($FLOWS_MAX * 2)//2; print(1 << min(18, max(6, math.ceil(math.log2(m)))))")
	log "slab ag_flow: ${line:-missing (merged cache? boot with slab_nomerge)}; struct $osize B; $buckets buckets per table"
	record "{\"section\":\"memory\",\"tracked\":${1:-0},\"tracked_other_tables\":${2:-0},\"active_objs\":$active,\"num_objs\":$total,\"objsize\":$objsize,\"object_size\":$osize,\"objperslab\":$perslab,\"pagesperslab\":$pages,\"buckets\":$buckets,\"max_flows\":$((FLOWS_MAX * 2)),\"slab_nomerge\":$(grep -qw slab_nomerge /proc/cmdline && echo true || echo false)}"
}

# ================================================================ legit
# One client namespace (bn-c, neutral: no rule, ackguard off) with one veth
# to each of three server namespaces, offloads off so that every segment and
# every ACK is a packet:
#   bn-sn 10.76.1.2   nothing (no module, or ackguard loaded but off there)
#   bn-sa 10.76.2.2   ackguard, mode enforce (empty table)
#   bn-st 10.76.3.2   conntrack: nft "ct state invalid drop" at input
# The three are measured side by side: one ping-pong client takes turns
# between its three connections, timing every exchange; so does a bulk
# client (128 KB chunks, each acknowledged by the server with one byte:
# ~90 full segments and their ACKs per chunk).  iperf3 runs too, one server
# after the other (not side by side: noisier).  Runs alternate between
# module loaded and not loaded; unloaded, bn-sa is a plain namespace like
# bn-sn: a control of the method (position in the turn, namespace).
# Everything runs on CPU 1: under emulation, waking a task on the other,
# idle vCPU takes milliseconds, which would swamp everything else.
LC=bn-c
LEGIT="n a t"

legit_setup() {
	local g i=1
	ns_add $LC || return 1
	for g in $LEGIT; do
		ns_add bn-s$g || return 1
		veth_pair $LC c-$g bn-s$g s0 || return 1
		ip -n $LC addr add 10.76.$i.1/24 dev c-$g
		ip -n bn-s$g addr add 10.76.$i.2/24 dev s0
		nsx $LC ethtool -K c-$g tso off gso off gro off >/dev/null 2>&1
		nsx bn-s$g ethtool -K s0 tso off gso off gro off >/dev/null 2>&1
		lab_bg bn-s$g taskset -c 1 "$BENCH/pingpong" server --port 7100
		lab_bg bn-s$g taskset -c 1 "$BENCH/pingpong" server --port 7101 --chunk 131072
		lab_bg bn-s$g taskset -c 1 iperf3 -s -p 5201 >/dev/null 2>&1
		i=$((i + 1))
	done
	nsx bn-st nft add table inet f &&
		nsx bn-st nft add chain inet f input '{ type filter hook input priority 0; policy accept; }' &&
		nsx bn-st nft add rule inet f input ct state invalid drop || return 1
	sleep 1
}

# iperf3's median 100 ms interval and its overall rate (Mbit/s), from its
# JSON: a median is blind to the intervals the host preempted us in
iperf_median() {
	"$LAB_PY" -c '
import json, statistics, sys
d = json.load(open(sys.argv[1]))
v = [i["sum"]["bits_per_second"] / 1e6 for i in d["intervals"]]
print("%.1f %.1f" % (statistics.median(v), d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$1"
}

section_legit() {
	local secs=${AG_BENCH_LEGIT_SECS:-3} rounds=${AG_BENCH_LEGIT_ROUNDS:-$ROUNDS}
	local r mod g ns out rec i
	local -A pk0=()
	log "== legit: ping-pong (64 B, TCP_NODELAY) and bulk (128 KB chunks), every exchange timed, the"
	log "   three servers in turns; iperf3 (100 ms intervals) one after the other; ${secs}s each,"
	log "   $rounds rounds x module loaded/not"
	legit_setup || return 1
	for r in $(seq "$rounds"); do
		for mod in loaded unloaded; do
			if [ $mod = loaded ]; then
				lab_load mode=enforce || return 1
				for ns in $LC bn-sn bn-st; do
					nsx $ns "$LAB_CTL" set mode off || return 1
				done
			else
				ag_unload || return 1
			fi
			local wl port size reply
			for wl in pingpong bulk; do
				if [ $wl = pingpong ]; then port=7100 size=64 reply=64; else port=7101 size=131072 reply=1; fi
				out=$(nsx $LC taskset -c 1 "$BENCH/pingpong" client --addr 10.76.1.2 \
					--addr 10.76.2.2 --addr 10.76.3.2 --port $port --size $size --reply $reply --secs "$secs")
				rec="{\"section\":\"legit\",\"round\":$r,\"module\":\"$mod\",\"workload\":\"$wl\""
				i=1
				for g in $LEGIT; do
					local line key=tps_median
					[ $wl = bulk ] && key=mbps_median
					line=$(printf '%s\n' "$out" | grep "^addr=10.76.$i.2 ")
					rec+=",\"$g\":{\"rate\":$(kv "$line" $key),\"rtt_median_us\":$(kv "$line" rtt_median_us),\"transactions\":$(kv "$line" transactions)}"
					i=$((i + 1))
				done
				record "$rec}"
				log "round $r, module $mod, $wl: $(printf '%s\n' "$out" | sed -n 's/^addr=\([0-9.]*\) .*rtt_median_us=\([0-9.]*\) .*/\1 \2 us/p' | tr '\n' ' ')(median per exchange)"
			done
			i=1
			rec="{\"section\":\"legit\",\"round\":$r,\"module\":\"$mod\",\"workload\":\"iperf3\""
			local msg=""
			for g in $LEGIT; do
				local mbps avg pk
				pk0[$g]=$(($(ifctr bn-s$g s0 rx_packets) + $(ifctr bn-s$g s0 tx_packets)))
				nsx $LC taskset -c 1 iperf3 -c 10.76.$i.2 -p 5201 -t "$secs" -i 0.1 -J >"$LAB_TMP/iperf-$g.json" 2>&1
				read -r mbps avg <<<"$(iperf_median "$LAB_TMP/iperf-$g.json" 2>/dev/null)" || true
				pk=$(($(ifctr bn-s$g s0 rx_packets) + $(ifctr bn-s$g s0 tx_packets) - ${pk0[$g]}))
				rec+=",\"$g\":{\"rate\":${mbps:-0},\"rate_overall\":${avg:-0},\"packets\":$pk}"
				msg+="$g ${mbps:-?} "
				i=$((i + 1))
			done
			record "$rec}"
			log "round $r, module $mod: iperf3 Mbit/s (median 100 ms) $msg"
		done
	done
	log "ackguard in bn-sa: flows $(nsx bn-sa awk '$1 == "flows_active" { print $2 }' /proc/net/ackguard/stats 2>/dev/null)"
	ag_unload
	for ns in $LC bn-sn bn-sa bn-st; do
		ip netns pids $ns | xargs -r kill 2>/dev/null
	done
	sleep 0.5
	for ns in $LC bn-sn bn-sa bn-st; do
		ip netns del $ns
	done
}

# ================================================================ reaction
# The storm lab's topology (tests/lab/lib.sh), the router sampled every
# 100 ms.  Each measurement gets its own connection and router rule (removed
# afterwards, so the connection heals and stays quiet).
section_reaction() {
	local reps=${AG_BENCH_REACTION_REPS:-$ROUNDS} r port pref t0 t1 i
	log "== reaction: loop rate <= 10 pkt/s after insmod / after a loop's first packet ($reps each)"
	ag_unload
	lab_routed || return 1
	ratelimit 0 $CLI $SRV || return 1
	local ports="" conns=""
	for i in $(seq 0 $((2 * reps - 1))); do
		ports="$ports --port $((5100 + i))"
		conns="$conns --conn m$i=$SRV4:$((5100 + i))"
	done
	# shellcheck disable=SC2086
	lab_bg $SRV "$LAB_PY" "$LAB_DIR/labpeer.py" serve $ports --ready "$LAB_TMP/srv.ready"
	wait_file "$LAB_TMP/srv.ready" 60 || return 1
	mkfifo "$LAB_TMP/ctl"
	# shellcheck disable=SC2086
	lab_bg $CLI "$LAB_PY" "$LAB_DIR/labpeer.py" connect --ctl "$LAB_TMP/ctl" $conns --ready "$LAB_TMP/cli.ready"
	wait_file "$LAB_TMP/cli.ready" 60 || return 1
	echo reaction >"$LAB_TMP/phase"
	lab_bg $RTR "$LAB_PY" "$LAB_DIR/sampler.py" --dev r-cli --dev r-srv --interval 0.1 \
		--phase-file "$LAB_TMP/phase" --csv "$OUT/reaction.csv"
	local sampler=$LAB_LASTPID
	sleep 2
	for r in $(seq "$reps"); do
		# (a) a loop running unprotected, then insmod
		ag_unload
		port=$((5100 + 2 * r - 2)) pref=$((20 + r))
		pedit_add ts4 $port $pref
		echo "kick m$((2 * r - 2))" >"$LAB_TMP/ctl"
		sleep 2
		t0=$(date +%s.%N)
		lab_load mode=enforce || return 1
		t1=$(date +%s.%N)
		sleep 3
		pedit_del $pref
		log "round $r: insmod at $t0 (took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s)"
		record "{\"section\":\"reaction\",\"round\":$r,\"event\":\"insmod\",\"t\":$t0,\"t_done\":$t1}"
		sleep 1
		# (b) module loaded (enforce), a new loop starts
		port=$((5100 + 2 * r - 1)) pref=$((40 + r))
		pedit_add ts4 $port $pref
		t0=$(date +%s.%N)
		echo "kick m$((2 * r - 1))" >"$LAB_TMP/ctl"
		sleep 3
		pedit_del $pref
		log "round $r: trigger at $t0 with the module loaded"
		record "{\"section\":\"reaction\",\"round\":$r,\"event\":\"trigger\",\"t\":$t0}"
		sleep 1
	done
	lab_kill "$sampler"
	ag_unload
}

for s in $SECTIONS; do
	"section_$s" || { echo "section $s failed" >&2; exit 1; }
done
log "bench: $(($(date +%s) - T_ALL)) s"
"$LAB_PY" "$BENCH/report.py" --raw "$RAW" --reaction-csv "$OUT/reaction.csv" --json "$OUT/results.json" | tee "$OUT/results.txt"
exit "${PIPESTATUS[0]}"
