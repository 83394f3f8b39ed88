#!/bin/bash
# test_formats: ackguardctl's outputs agree with each other and with the
# kernel.  show and flows: the JSON parses (json.loads), is one compact line,
# and says what the text says; stats -j / stats are show's counters;
# stats -o prometheus passes promtool check metrics and its values are
# /proc/net/ackguard/stats' and show's configuration (and ackguard_up,
# build_info and the kernel limiter show -j reports); flows -j agrees with
# a raw GET_FLOWS dump (genl.py) and with dump, column by column; the flows
# filters select what they say, in dump too.
. "$(dirname "$0")/lib.sh"
ctl_init test_formats
T=$CTL_TMP
PORT=7400
CHK=("$AG_PY" "$CTL_DIR/ctlcheck.py")
ctl_load mode=monitor || ctl_die "cannot load the module"
pair_setup || ctl_die "namespaces"
ctl @$SRV set flow-timeout 1h interval 60s || ctl_die "set"

# Three flows with different counters, all within one 60s interval of
# burst 1: seen 1, 3 and 5 (overlimit in monitor mode), then in enforce
# mode 2 more to the last (dropped).
bg "$AG_PY" "$CTL_DIR/conns.py" open --cli-ns $CLI --srv-ns $SRV --cli $CLI4 \
	--srv $SRV4 --port $PORT -n 3 --iface agc-c0 --out "$T/conns.json"
wait_file "$T/conns.json" 90 || ctl_die "no connections"
inj() { nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$1" --each >/dev/null; }
"$AG_PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
for i, n in ((1, 2), (2, 3)):
    d = dict(c, conns=c["conns"][i:])
    json.dump(d, open(sys.argv[1] + ".%d" % i, "w"))
' "$T/conns.json"
inj "$T/conns.json" && inj "$T/conns.json.1" && inj "$T/conns.json.1" &&
	inj "$T/conns.json.2" && inj "$T/conns.json.2" || ctl_die "inject"
ctl @$SRV set mode enforce || ctl_die "set mode enforce"
inj "$T/conns.json.2" && inj "$T/conns.json.2" || ctl_die "inject"
ctl @$SRV set mode monitor log off storm-pps 12345 || ctl_die "set"
# rates fall to 0 two seconds after the last segment: stable outputs
sleep 2.5

log "--- show"
ctl @$SRV show >"$T/show.txt" && ctl @$SRV -j show >"$T/show.json" || fail "show"
sed 's/^/#   /' "$T/show.txt" "$T/show.json"
if "$AG_PY" -c 'import json,sys; json.loads(open(sys.argv[1]).read())' "$T/show.json"; then
	ok "show -j parses with json.loads"
else
	fail "show -j parses with json.loads"
fi
check "show -j is one compact line" "${CHK[@]}" jsonl "$T/show.json" 1
check "show (text) and show -j agree" "${CHK[@]}" show-agree "$T/show.txt" "$T/show.json"
got=$(jget "$T/show.json" "(j['counters']['flows_active'], j['counters']['reasons']['seq'])")
check "show -j counts 3 flows, seq seen 11 passed 9 dropped 2 overlimit 8 (got $got)" \
	[ "$got" = "(3, {'seen': 11, 'passed': 9, 'dropped': 2, 'overlimit': 8})" ]

ctl @$SRV -j stats >"$T/stats.json" && ctl @$SRV stats -o json >"$T/stats2.json" &&
	ctl @$SRV stats >"$T/stats.txt" || fail "stats"
check "stats -j and stats -o json are the same" cmp -s "$T/stats.json" "$T/stats2.json"
"$AG_PY" -c '
import json, sys
s = json.load(open(sys.argv[1])); j = json.load(open(sys.argv[2]))
sys.exit(not (s == {"counters": j["counters"]}))' "$T/stats.json" "$T/show.json"
check "stats -j is show -j's counters member" [ $? = 0 ]
awk '/^(config|kernel):/ { s = 1; next } /^[^ ]/ { s = 0 } !s' "$T/show.txt" >"$T/show-counters.txt"
if cmp -s "$T/stats.txt" "$T/show-counters.txt"; then
	ok "stats (text) is show (text) without the config and kernel sections"
else
	fail "stats (text) is show (text) without the config and kernel sections"
	diff "$T/show-counters.txt" "$T/stats.txt" | sed 's/^/#   /'
fi

log "--- flows"
ctl @$SRV flows >"$T/flows.txt" && ctl @$SRV -j flows >"$T/flows.json" || fail "flows"
sed 's/^/#   /' "$T/flows.txt" "$T/flows.json"
if "$AG_PY" -c 'import json,sys; assert isinstance(json.loads(open(sys.argv[1]).read()), list)' "$T/flows.json"; then
	ok "flows -j parses with json.loads into an array"
else
	fail "flows -j parses with json.loads into an array"
fi
check "flows -j is one compact line" "${CHK[@]}" jsonl "$T/flows.json" 1 array
check "flows (text) and flows -j agree" "${CHK[@]}" flows-agree "$T/flows.txt" "$T/flows.json"
got=$("$AG_PY" -c '
import json, sys
c = json.load(open(sys.argv[1])); f = json.load(open(sys.argv[2]))
seen = {x["remote_port"]: (x["seen"], x["passed"], x["dropped"], x["overlimit"]) for x in f}
print([seen.get(k["cport"]) for k in c["conns"]])' "$T/conns.json" "$T/flows.json")
check "flows -j: (seen, passed, dropped, overlimit) per flow as injected (got $got)" \
	[ "$got" = "[(1, 1, 0, 0), (3, 3, 0, 2), (7, 5, 2, 6)]" ]
# All segments were seq: the flows' overlimit adds up to the namespace's
# seq overlimit (8), while no flow reports an overlimit per reason.
got=$("$AG_PY" -c '
import json, sys
f = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
print(sum(x["overlimit"] for x in f), s["counters"]["reasons"]["seq"]["overlimit"],
      sorted({k for x in f for r in x["reasons"].values() for k in r}))' "$T/flows.json" "$T/show.json")
check "flows -j: overlimit sums to show -j seq overlimit, reasons without it (got $got)" \
	[ "$got" = "8 8 ['dropped', 'passed', 'seen']" ]
ctl @$SRV dump >"$T/dump.txt" || fail "dump"
sed 's/^/#   dump: /' "$T/dump.txt"
check "dump (tab-separated, 32 columns) says what flows -j says" \
	"${CHK[@]}" dump-agree "$T/dump.txt" "$T/flows.json"
ctl @$SRV -j dump >/dev/null 2>"$T/err"
check "dump -j: usage error (exit 1): dump has one format" [ $? = 1 ]
nsx $SRV "$AG_PY" "$CTL_DIR/genl.py" dump-flows >"$T/raw.json" || fail "genl.py dump-flows"
"$AG_PY" - "$T/raw.json" "$T/flows.json" >"$T/tap" <<'EOF'
import json, sys
raw = json.load(open(sys.argv[1]))["flows"]
tool = json.load(open(sys.argv[2]))
def k(x):
    return (x["local_addr"], x["local_port"], x["remote_addr"], x["remote_port"])
r = {k(x): x for x in raw}
t = {k(x): x for x in tool}
bad = []
if set(r) != set(t) or len(r) != len(raw) or len(t) != len(tool):
    bad.append("different flows: raw %s tool %s" % (sorted(r), sorted(t)))
for key in set(r) & set(t):
    if r[key]["reasons"] != t[key]["reasons"]:
        bad.append("%s reasons: raw %s tool %s" % (key, r[key]["reasons"], t[key]["reasons"]))
    if any("overlimit" in v for v in r[key]["reasons"].values()):
        bad.append("%s: the kernel sent RSN_OVERLIMIT in a FLOW_REASON nest: %s" % (key, r[key]["reasons"]))
    if "overlimit" not in r[key] or r[key]["overlimit"] != t[key].get("overlimit"):
        bad.append("%s overlimit: raw FLOW_OVERLIMIT %s tool %s" % (key, r[key].get("overlimit"), t[key].get("overlimit")))
    if r[key].get("rate") != t[key].get("rate"):
        bad.append("%s rate: raw %s tool %s" % (key, r[key].get("rate"), t[key].get("rate")))
for b in bad:
    print("#   " + b)
print(("not ok" if bad else "ok") + " - flows -j agrees with a raw GET_FLOWS dump (genl.py)")
EOF
relay <"$T/tap"

# filters: FILTER... -> the client ports expected, in port order
cports=($("$AG_PY" -c 'import json,sys; print(" ".join(str(c["cport"]) for c in json.load(open(sys.argv[1]))["conns"]))' "$T/conns.json"))
filt() { # WANT FILTER...
	local want=$1 got
	shift
	got=$(ctl @$SRV -j flows "$@" | "$AG_PY" -c 'import json,sys; print(" ".join(str(p) for p in sorted(x["remote_port"] for x in json.load(sys.stdin))))')
	check "flows $*: [$got] (want [$want])" [ "$got" = "$want" ]
}
all=$(printf '%s\n' "${cports[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')
filt "$all" port $PORT
filt "${cports[1]}" port "${cports[1]}"
filt "$all" addr 10.77.0.0/24
filt "$all" addr $CLI4 family inet
filt "" addr 10.78.0.0/16
filt "" family inet6
filt "$all" reason seq
filt "" reason paws
filt "" min-rate 1
filt "$all" min-rate 0
got=$(ctl @$SRV dump port "${cports[1]}" | cut -f 5 | tr '\n' ' ')
check "dump port ${cports[1]}: that flow's line only (got [$got])" [ "$got" = "${cports[1]} " ]
got=$(ctl @$SRV -j flows --sort seen --top 1 | "$AG_PY" -c 'import json,sys; print([x["remote_port"] for x in json.load(sys.stdin)])')
check "flows --sort seen --top 1: the flow with the most segments (got $got)" [ "$got" = "[${cports[2]}]" ]
got=$(ctl @$SRV flows --sort dropped | awk 'NR > 1 { print $2 }' | head -n 1)
check "flows --sort dropped: the flow with drops first (got $got)" [ "$got" = "$CLI4:${cports[2]}" ]

log "--- stats -o prometheus"
# everything static now: compare with /proc and show -j at the same state
nsx $SRV cat /proc/net/ackguard/stats >"$T/proc"
ctl @$SRV -j show >"$T/show.json"
ctl @$SRV stats -o prometheus >"$T/prom" || fail "stats -o prometheus"
ctl @$SRV stats -o prom >"$T/prom2" || fail "stats -o prom"
check "stats -o prom is stats -o prometheus" cmp -s "$T/prom" "$T/prom2"
if promtool check metrics <"$T/prom" >"$T/promtool" 2>&1; then
	ok "promtool check metrics accepts stats -o prometheus"
else
	fail "promtool check metrics accepts stats -o prometheus"
	diag "$T/promtool"
fi
check "prometheus values agree with /proc/net/ackguard/stats and show -j" \
	"${CHK[@]}" prom-agree "$T/prom" "$T/proc" "$T/show.json"
ctl -j show >"$T/show0.json" && ctl stats -o prometheus >"$T/prom0" &&
	cat /proc/net/ackguard/stats >"$T/proc0" || fail "stats in the initial namespace"
check "... and in the initial namespace (all zero) too" \
	"${CHK[@]}" prom-agree "$T/prom0" "$T/proc0" "$T/show0.json"
check "promtool check metrics accepts it there too" promtool check metrics <"$T/prom0"
ctl_summary
