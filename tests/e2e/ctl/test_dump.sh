#!/bin/bash
# test_dump: a dump of thousands of tracked flows returns each exactly once.
#
# AG_CTL_DUMP_FLOWS (default 5000) real TCP connections agc-cli -> agc-srv,
# then one out-of-window pure ACK per connection (reason seq): as many
# tracked flows.  The module is loaded with max_flows=128, so agc-srv's
# table has its minimum of 64 buckets (sized when the namespace appears),
# and max-flows is then raised in agc-srv: ~80 flows per bucket, so the
# dump has to resume in the middle of buckets, not only between them.
# Checked: flows_active, ackguardctl flows -j and flows (text) list each
# 4-tuple once and exactly the connections' 4-tuples; a raw dump (genl.py)
# takes several parts and is not flagged NLM_F_DUMP_INTR; filters; flush
# elsewhere leaves the flows, flush in agc-srv empties the table.
. "$(dirname "$0")/lib.sh"
ctl_init test_dump
T=$CTL_TMP
N=${AG_CTL_DUMP_FLOWS:-5000}
PORT=7500
ctl_load mode=monitor max_flows=128 || ctl_die "cannot load the module"
pair_setup || ctl_die "namespaces"
ctl @$SRV set max-flows $((N * 4)) flow-timeout 1h storm-pps 100000000 ||
	ctl_die "set"
nsx $SRV sysctl -qw net.core.somaxconn=8192
nsx $CLI sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

t0=$(now_ms)
bg "$AG_PY" "$CTL_DIR/conns.py" open --cli-ns $CLI --srv-ns $SRV --cli $CLI4 \
	--srv $SRV4 --port $PORT -n "$N" --iface agc-c0 --out "$T/conns.json"
wait_file "$T/conns.json" 600 || ctl_die "the $N connections were not established"
t1=$(now_ms)
log "$N connections established in $((t1 - t0)) ms ($(jget "$T/conns.json" "j['setup_s']") s inside conns.py)"
est=$(nsx $SRV ss -Htn state established "( sport = :$PORT )" | wc -l)
check "$N connections established in $SRV (ss: $est)" [ "$est" = "$N" ]

nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" --each \
	--rate 1000 >"$T/inject" || ctl_die "inject"
t2=$(now_ms)
log "one ACK per connection: $(sed -n 's/^RESULT //p' "$T/inject"), $((t2 - t1)) ms"
active=$(stat_get @$SRV flows_active)
created=$(stat_get @$SRV flows_created)
full=$(stat_get @$SRV table_full)
check "flows_active $active >= $N (created $created, table_full $full)" [ "$active" -ge "$N" ]

t3=$(now_ms)
ctl @$SRV -j flows >"$T/flows.json" 2>"$T/err"
rc=$?
t4=$(now_ms)
log "ackguardctl -j flows: $((t4 - t3)) ms, $(wc -c <"$T/flows.json") bytes"
check "flows -j exits 0 (got $rc)" [ "$rc" = 0 ]
diag "$T/err"
"$AG_PY" - "$T/conns.json" "$T/flows.json" >"$T/tap" <<'EOF'
import collections, json, sys
c = json.load(open(sys.argv[1]))
want = {(c["srv"], c["port"], c["cli"], x["cport"]) for x in c["conns"]}
flows = json.load(open(sys.argv[2]))
got = collections.Counter((f["local_addr"], f["local_port"], f["remote_addr"], f["remote_port"]) for f in flows)
dups = [k for k, n in got.items() if n > 1]
missing = want - set(got)
extra = set(got) - want
def tap(ok, d):
    print(("ok - " if ok else "not ok - ") + d)
tap(len(flows) == len(want), "flows -j: %d flows for %d connections" % (len(flows), len(want)))
tap(not dups, "flows -j: no 4-tuple twice (%d duplicated%s)" % (len(dups), ", e.g. %s" % (dups[:3],) if dups else ""))
tap(not missing, "flows -j: every connection's 4-tuple listed (%d missing%s)" % (len(missing), ", e.g. %s" % (sorted(missing)[:3],) if missing else ""))
tap(not extra, "flows -j: nothing else listed (%d others)" % len(extra))
odd = [f for f in flows if f["reasons"] != {"seq": {"seen": 1, "passed": 1, "dropped": 0}} or f["overlimit"] != 0 or f["state"] != "ESTAB"]
tap(not odd, "flows -j: each flow ESTAB with one seq segment, none over the limit (%d differ%s)" % (len(odd), ", e.g. %s" % odd[:1] if odd else ""))
EOF
relay <"$T/tap"

t5=$(now_ms)
ctl @$SRV flows >"$T/flows.txt" 2>"$T/err"
t6=$(now_ms)
lines=$(($(wc -l <"$T/flows.txt") - 1))
uniq=$(awk 'NR > 1 { print $1, $2 }' "$T/flows.txt" | sort -u | wc -l)
log "ackguardctl flows (text): $((t6 - t5)) ms"
check "flows (text): $lines lines, $uniq distinct, for $N connections" [ "$lines $uniq" = "$N $N" ]

t7=$(now_ms)
nsx $SRV "$AG_PY" "$CTL_DIR/genl.py" dump-flows >"$T/raw.json" || fail "genl.py dump-flows"
t8=$(now_ms)
info=$(jget "$T/raw.json" "j['info']")
nraw=$(jget "$T/raw.json" "len(set((f['remote_addr'], f['remote_port']) for f in j['flows']))")
log "raw GET_FLOWS dump: $info, $((t8 - t7)) ms"
check "raw dump: $nraw distinct flows in $(jget "$T/raw.json" "j['info']['messages']") messages" \
	[ "$nraw $(jget "$T/raw.json" "j['info']['messages']")" = "$N $N" ]
check "raw dump: resumed over several parts ($(jget "$T/raw.json" "j['info']['parts']")), not NLM_F_DUMP_INTR" \
	[ "$(jget "$T/raw.json" "(j['info']['parts'] > 1, j['info']['intr'])")" = "(True, False)" ]

n=$(ctl @$SRV -j flows port $PORT | "$AG_PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "flows port $PORT: $n flows" [ "$n" = "$N" ]
cp1=$(jget "$T/conns.json" "j['conns'][$N // 2]['cport']")
n=$(ctl @$SRV -j flows port "$cp1" | "$AG_PY" -c 'import json,sys; print([f["remote_port"] for f in json.load(sys.stdin)])')
check "flows port $cp1: that one flow (got $n)" [ "$n" = "[$cp1]" ]
n=$(ctl @$SRV flows --top 10 | wc -l)
check "flows --top 10: 10 lines and the header (got $n)" [ "$n" = 11 ]

ctl flush && ctl @$CLI flush || fail "flush elsewhere"
check "flush in other namespaces leaves $SRV's $N flows" [ "$(stat_get @$SRV flows_active)" = "$active" ]
t9=$(now_ms)
ctl @$SRV flush || fail "flush in $SRV"
t10=$(now_ms)
check "flush in $SRV: flows_active 0 (flush took $((t10 - t9)) ms)" [ "$(stat_get @$SRV flows_active)" = 0 ]
check "flows -j after the flush: []" [ "$(ctl @$SRV -j flows)" = "[]" ]

# Dumps while flows are being created: the table changes between the parts
# of a dump, so the kernel flags it NLM_F_DUMP_INTR.  A dump may then fail,
# but what it returns must never list a flow twice.
nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" --each \
	--rate 250 >/dev/null &
CHURN=$!
CTL_PIDS+=("$CHURN")
c0=$(stat_get @$SRV flows_active)
for _ in $(seq 1 100); do
	[ "$(stat_get @$SRV flows_active)" -ge 300 ] && break
	sleep 0.1
done
for i in 1 2 3; do
	ctl @$SRV -j flows >"$T/churn$i.json" 2>"$T/churn$i.err"
	echo $? >"$T/churn$i.rc"
	nsx $SRV "$AG_PY" "$CTL_DIR/genl.py" dump-flows >"$T/rawchurn$i.json" 2>&1
	log "raw dump during flow creation ($i): $(jget "$T/rawchurn$i.json" "(j['info'], len(j['flows']), len(j['flows']) - len(set((f['remote_addr'], f['remote_port']) for f in j['flows'])))" 2>&1) (info, flows, duplicates)"
done
wait "$CHURN"
for i in 1 2 3; do
	rc=$(cat "$T/churn$i.rc")
	if [ "$rc" = 0 ]; then
		d=$("$AG_PY" -c '
import collections, json, sys
f = json.load(open(sys.argv[1]))
c = collections.Counter((x["remote_addr"], x["remote_port"]) for x in f)
print(len(f), sum(1 for n in c.values() if n > 1))' "$T/churn$i.json")
		set -- $d
		check "flows -j during flow creation ($i): exit 0, $1 flows, none twice ($2 duplicated)" [ "$2" = 0 ]
	else
		log "flows -j during flow creation ($i): exit $rc: $(head -n 1 "$T/churn$i.err")"
		check "flows -j during flow creation ($i): exit 2 with a message, nothing on stdout (exit $rc)" \
			[ "$rc:$(wc -c <"$T/churn$i.json"):$(wc -l <"$T/churn$i.err")" = "2:0:1" ]
	fi
done
check "after the churn all $N flows are back" [ "$(stat_get @$SRV flows_active)" = "$N" ]
log "timings: setup $((t1 - t0)) ms, inject $((t2 - t1)) ms, flows -j $((t4 - t3)) ms, flows $((t6 - t5)) ms, raw dump $((t8 - t7)) ms, flush $((t10 - t9)) ms"
ctl_summary
