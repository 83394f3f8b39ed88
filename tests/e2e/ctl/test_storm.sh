#!/bin/bash
# test_storm: what ackguardctl reports during an injected storm.
#
# One real TCP connection agc-cli -> agc-srv (the server's own limit off:
# net.ipv4.tcp_invalid_ratelimit=0), module in monitor mode, storm-pps R/2.
# conns.py injects out-of-window pure ACKs (reason seq) at a steady R per
# second (AG_CTL_STORM_RATE, default 200) for AG_CTL_STORM_SECS (default 15).
# (The KASAN guest of make check-debug cannot keep 200/s steady in one
# Python process: it runs R=60 for 30 s, so that a stall does not take a
# second under storm-pps and end the storm.)
# Checked: flows (text and -j) shows the flow, its ends, reason seq and a
# rate the injector really sent in a second before the dump; watch
# --interval 1 --count 3 -j prints 3 JSON lines whose per-second seq seen
# and top flow's rate are what the injector sent in their intervals and add
# up with the counters read around it (the injector logs when it sent each
# segment: a sender in a loaded guest catches up in bursts, so R alone says
# little about any one second); the counters grew by exactly the injected count;
# monitor --count 1 (started before the storm) gets the storm-start event
# naming the flow; a monitor that sees every event gets one start and one
# end for one continuous storm; short storms give one start and one end
# each; a flush in the middle of a storm gives that flow's storm end, and
# every start has its end.
. "$(dirname "$0")/lib.sh"
ctl_init test_storm
T=$CTL_TMP
R=${AG_CTL_STORM_RATE:-200}
D=${AG_CTL_STORM_SECS:-15}
PORT=7300
PPS=$((R / 2))
NSHORT=${AG_CTL_SHORT_STORMS:-5}
ctl_load mode=monitor || ctl_die "cannot load the module"
pair_setup || ctl_die "namespaces"
ctl @$SRV set storm-pps "$PPS" flow-timeout 1h || ctl_die "set"

# within X WANT PCT: |X - WANT| <= PCT% of WANT
within() { awk -v x="$1" -v w="$2" -v p="$3" 'BEGIN { d = x - w; if (d < 0) d = -d; exit !(d <= w * p / 100) }'; }

# Monitors first: they must be listening before the storm starts.
bg ip netns exec $SRV "$AG_CTL" -j monitor --count 1 --timeout 60 >"$T/mon1" 2>"$T/mon1.err"
MON1=$LASTPID
bg ip netns exec $SRV "$AG_CTL" -j monitor --timeout $((D + 40)) >"$T/monall" 2>"$T/monall.err"
MONALL=$LASTPID
bg ip netns exec $SRV "$AG_CTL" monitor --count 1 --timeout 60 >"$T/montext" 2>"$T/montext.err"
MONTEXT=$LASTPID
bg ip netns exec $SRV "${NOBODY[@]}" "$AG_CTL" -j monitor --timeout $((D + 40)) >"$T/monuser" 2>"$T/monuser.err"
MONUSER=$LASTPID

bg "$AG_PY" "$CTL_DIR/conns.py" open --cli-ns $CLI --srv-ns $SRV --cli $CLI4 \
	--srv $SRV4 --port $PORT -n $((2 + NSHORT)) --iface agc-c0 --out "$T/conns.json"
wait_file "$T/conns.json" 90 || ctl_die "no connection"
CPORT=$(jget "$T/conns.json" "j['conns'][0]['cport']")
log "connection $CLI4:$CPORT -> $SRV4:$PORT, storm of $R/s for ${D}s"
sleep 1

seen0=$(stat_get @$SRV seq_seen)
passed0=$(stat_get @$SRV seq_passed)
dropped0=$(stat_get @$SRV seq_dropped)
storms0=$(stat_get @$SRV storms)
ip netns exec $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" \
	--storm --rate "$R" --duration "$D" --times "$T/sent" >"$T/inject" 2>"$T/inject.err" &
INJ=$!
CTL_PIDS+=("$INJ")
t_start=$(now_ms)

# wait_seen N: until seq_seen is N more than before the storm.  The
# emulated guest is slow and its load varies: the storm's progress, not the
# wall clock, says when the next step may run.
wait_seen() {
	local i
	for i in $(seq 1 200); do
		[ $(($(stat_get @$SRV seq_seen) - seen0)) -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_seen 1 || ctl_die "the storm did not start"
log "storm started at +$(( $(now_ms) - t_start ))ms"

# watch, between two readings of the counters: one process in agc-srv
# reads /proc/net/ackguard/stats, runs watch, reads them again, and notes
# when it read them (wall clock, like the injector's send log).  In the background, so that flows runs meanwhile.
ip netns exec $SRV "$AG_PY" - "$AG_CTL" "$T/watch" >"$T/wrun" 2>"$T/watch.err" <<'EOF' &
import subprocess, sys, time
def seen():
    for line in open("/proc/net/ackguard/stats"):
        n, v = line.split()
        if n == "seq_seen":
            return int(v)
w0, t0 = seen(), time.time()
with open(sys.argv[2], "w") as out:
    rc = subprocess.call([sys.argv[1], "-j", "watch", "--interval", "1", "--count", "3"], stdout=out)
t1 = time.time()
w1 = seen()
print(rc, w0, w1, int(t0 * 1000), int(t1 * 1000))
EOF
WATCH=$!
CTL_PIDS+=("$WATCH")

# flows, once the flow has more than a full second behind it
wait_seen $((R * 3 / 2)) || fail "the storm did not go on"
# wall-clock times around each dump, for the reference rate (sendlog.py)
ft0=$(date +%s.%N)
ctl @$SRV flows >"$T/flows.txt" 2>&1
ft1=$(date +%s.%N)
ctl @$SRV -j flows >"$T/flows.json" 2>&1
ft2=$(date +%s.%N)
log "flows at +$(( $(now_ms) - t_start ))ms:"
sed 's/^/#   /' "$T/flows.txt"

wait "$WATCH"
read -r wrc w0 w1 tw0 tw1 <"$T/wrun"
log "watch ended at +$(( $(now_ms) - t_start ))ms after $((tw1 - tw0))ms, seq_seen $w0 -> $w1"

wait "$INJ"
irc=$?
res=$(sed -n 's/^RESULT //p' "$T/inject")
log "injector: $res"
[ "$irc" = 0 ] && [ -n "$res" ] || { diag "$T/inject.err"; ctl_die "injector failed"; }
sent=$("$AG_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["sent"])' "$res")
rate=$("$AG_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["rate"])' "$res")
check "the injector kept its rate: $rate/s for a nominal $R/s (+-5%)" within "$rate" "$R" 5

# The storm ends when a flow's last full second is under storm-pps: wait
# for the collector to notice (it runs every second).
sleep 3.5
seen1=$(stat_get @$SRV seq_seen)
passed1=$(stat_get @$SRV seq_passed)
dropped1=$(stat_get @$SRV seq_dropped)
storms1=$(stat_get @$SRV storms)
check "the flow is the only one tracked" [ "$(stat_get @$SRV flows_active)" = 1 ]
check "seq seen grew by exactly the $sent injected segments (got $((seen1 - seen0)))" \
	[ $((seen1 - seen0)) = "$sent" ]
check "monitor mode passed all of them (passed +$((passed1 - passed0)), dropped +$((dropped1 - dropped0)))" \
	[ "$((passed1 - passed0)) $dropped1" = "$sent $dropped0" ]

log "--- flows (text and JSON) during the storm"
line=$(awk -v l="$SRV4:$PORT" -v p="$CLI4:$CPORT" '$1 == l && $2 == p' "$T/flows.txt")
if [ -n "$line" ]; then
	ok "flows (text) lists $SRV4:$PORT <- $CLI4:$CPORT"
	set -- $line
	check "flows (text): state ESTAB, reasons seq (got $3 $4)" [ "$3 $4" = "ESTAB seq" ]
	sent_rate=$("$AG_PY" "$CTL_DIR/sendlog.py" flow-rate "$T/sent" "$ft0" "$ft1" "$9")
	src=$?
	check "flows (text): rate $9/s is what was sent in a second before it ($sent_rate)" \
		[ "$src" = 0 ]
	check "flows (text): marked storm (got '${11:-}')" [ "${11:-}" = storm ]
else
	fail "flows (text) lists $SRV4:$PORT <- $CLI4:$CPORT"
	diag "$T/flows.txt"
fi
FLOWJ=$("$AG_PY" - "$T/flows.json" "$SRV4" "$PORT" "$CLI4" "$CPORT" <<'EOF'
import json, sys
f, la, lp, ra, rp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
fl = json.load(open(f))
m = [x for x in fl if (x["local_addr"], x["local_port"], x["remote_addr"], x["remote_port"]) == (la, lp, ra, rp)]
if len(fl) != 1 or len(m) != 1:
    print("BAD %d flows, %d matching" % (len(fl), len(m)))
else:
    x = m[0]
    print(x["family"], x["state"], ",".join(sorted(x["reasons"])), x["rate"], x["storm"], x["seen"], x["passed"], x["dropped"])
EOF
)
set -- $FLOWJ
if [ "$1" = BAD ]; then
	fail "flows -j lists exactly the one flow: $FLOWJ"
	diag "$T/flows.json"
else
	ok "flows -j lists exactly the one flow, $SRV4:$PORT <- $CLI4:$CPORT"
	check "flows -j: family inet, state ESTAB, reasons seq (got $1 $2 $3)" \
		[ "$1 $2 $3" = "inet ESTAB seq" ]
	sent_rate=$("$AG_PY" "$CTL_DIR/sendlog.py" flow-rate "$T/sent" "$ft1" "$ft2" "$4")
	src=$?
	check "flows -j: rate $4/s is what was sent in a second before it ($sent_rate)" \
		[ "$src" = 0 ]
	check "flows -j: storm true, passed = seen, dropped 0 (got $5 $6 $7 $8)" \
		[ "$5 $6 $8" = "True $7 0" ]
fi

log "--- watch"
sed 's/^/#   /' "$T/watch"
check "watch --count 3 -j exits 0 (got $wrc)" [ "$wrc" = 0 ]
if "$AG_PY" "$CTL_DIR/ctlcheck.py" jsonl "$T/watch" 3; then
	ok "watch -j printed 3 lines of compact JSON"
else
	fail "watch -j printed 3 lines of compact JSON"
fi
"$AG_PY" - "$T/watch" "$R" "$w0" "$w1" "$tw0" "$tw1" "$SRV4" "$PORT" "$CPORT" "$CTL_DIR" "$T/sent" >"$T/tap" <<'EOF'
import datetime, json, sys
f, R, w0, w1, tw0, tw1 = sys.argv[1], float(sys.argv[2]), *map(int, sys.argv[3:7])
la, lp, rp = sys.argv[7], int(sys.argv[8]), int(sys.argv[9])
sys.path.insert(0, sys.argv[10])
import sendlog
sent = sendlog.load(sys.argv[11])
frames = [json.loads(l) for l in open(f)]
# A frame's time is taken after its counters and flows were read: allow
# that much before it (a flows dump in the loaded guest) for both.
READ = 0.25
def when(x):
    return datetime.datetime.strptime(x["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
def tap(c, d):
    print(("ok - " if c else "not ok - ") + d)
tap([x["refresh"] for x in frames] == [1, 2, 3], "watch: refreshes numbered 1, 2, 3")
total = 0.0
for x in frames:
    s = x["per_second"]["reasons"]["seq"]
    el = x["elapsed"]
    total += s["seen"] * el
    t = when(x)
    # counters read at some r in [t - READ, t]: the interval is [r - el, r]
    lo = sendlog.count(sent, t - el, t - READ) / el
    hi = sendlog.count(sent, t - READ - el, t + 0.01) / el
    tap(sendlog.within(s["seen"], lo, hi),
        "watch refresh %d: seq seen %.1f/s is what was sent in its %.3fs (%.1f..%.1f/s)"
        % (x["refresh"], s["seen"], el, lo, hi))
    tap(0.8 <= el <= 1.5, "watch refresh %d: elapsed %.3fs is about the 1s interval" % (x["refresh"], el))
    tap(abs(s["passed"] - s["seen"]) < 0.01 and s["dropped"] == 0,
        "watch refresh %d: monitor mode, passed/s = seen/s, dropped/s 0" % x["refresh"])
    tap(x.get("flows_active") == 1, "watch refresh %d: flows_active 1" % x["refresh"])
    top = [t for t in (x.get("top_flows") or [])
           if (t["local_addr"], t["local_port"], t["remote_port"]) == (la, lp, rp)]
    flo, fhi = sendlog.flow_rate_bounds(sent, t - READ, t)
    tap(len(top) == 1 and sendlog.within(top[0]["rate"], flo, fhi),
        "watch refresh %d: top_flows has the flow at %s/s, what was sent in a second before it (%d..%d)"
        % (x["refresh"], top[0]["rate"] if top else "-", flo, fhi))
# The three refreshes cover all but the start and end of the watch
# process's life: what they add up to is at most what the counters grew by
# around it, and at least that less what was sent while they did not
# cover it (before the first sample, el before the first frame's time;
# after the last, READ at most before the last frame's time).
delta = w1 - w0
first = when(frames[0]) - frames[0]["elapsed"]
last = when(frames[-1]) - READ
uncovered = (sendlog.count(sent, tw0 / 1000.0, first) +
             sendlog.count(sent, last, tw1 / 1000.0 + 0.01))
lo = delta - uncovered - 3
tap(lo <= total <= delta + 1,
    "watch: sum of seen/s x elapsed = %.1f agrees with seq_seen +%d around it "
    "(allowed %d..%d: %d sent outside the refreshes)" % (total, delta, lo, delta + 1, uncovered))
EOF
relay <"$T/tap"

log "--- monitor"
wait "$MON1"
mrc=$?
wait "$MONTEXT"
mtrc=$?
sed 's/^/#   /' "$T/mon1" "$T/montext"
check "monitor --count 1 exits 0 after one event (got $mrc)" [ "$mrc" = 0 ]
check "monitor -j printed one line of compact JSON" "$AG_PY" "$CTL_DIR/ctlcheck.py" jsonl "$T/mon1" 1
ev=$("$AG_PY" -c '
import json, sys
e = json.loads(open(sys.argv[1]).readline())
f = e["flow"]
print(e["event"], f["local_addr"], f["local_port"], f["remote_addr"], f["remote_port"], ",".join(sorted(f["reasons"])), f["storm"], f["rate"], e["time"][-1])
' "$T/mon1" 2>/dev/null)
set -- $ev
check "monitor: a storm_start event for $SRV4:$PORT <- $CLI4:$CPORT, reason seq (got: $ev)" \
	[ "$1 $2 $3 $4 $5 $6 $7" = "storm_start $SRV4 $PORT $CLI4 $CPORT seq True" ]
check "monitor: the event's time is RFC 3339 UTC (ends in Z)" [ "${9:-}" = Z ]
check "monitor (text) --count 1 exits 0 (got $mtrc)" [ "$mtrc" = 0 ]
check "monitor (text): one storm-start line naming $SRV4:$PORT and $CLI4:$CPORT" \
	[ "$(grep -c " storm-start $SRV4:$PORT $CLI4:$CPORT ESTAB " "$T/montext") $(wc -l <"$T/montext")" = "1 1" ]

# Every event of this one continuous storm: one start, one end.
kill "$MONALL" "$MONUSER" 2>/dev/null
wait "$MONALL" "$MONUSER" 2>/dev/null
events=$("$AG_PY" -c '
import json, sys
print(" ".join(json.loads(l)["event"] for l in open(sys.argv[1])))' "$T/monall")
log "all events: $events; storms counter +$((storms1 - storms0))"
sed 's/^/#   /' "$T/monall"
check \
	"one continuous storm gives one storm_start and one storm_end (got: $events)" \
	[ "$events" = "storm_start storm_end" ]
check \
	"one continuous storm counts one storm (storms +$((storms1 - storms0)))" \
	[ $((storms1 - storms0)) = 1 ]
ev=$("$AG_PY" -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
print(e[0]["event"], e[-1]["event"], e[-1]["flow"]["remote_port"], e[-1]["flow"]["storm"])' "$T/monall" 2>/dev/null)
check "the storm's events begin with storm_start and end with a storm_end for port $CPORT, storm false (got: $ev)" \
	[ "$ev" = "storm_start storm_end $CPORT False" ]
ev_rate=$("$AG_PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["flow"]["rate"])' "$T/mon1" 2>/dev/null)

# Short storms, one after the other on other connections, each 1.6s at R/s:
# each must give exactly one storm_start and one storm_end.  (The start is
# decided on the count of the flow's current second, the end on its last
# full second, which is 0 during the flow's first second: a collector run
# between the start and the end of that first second ends the storm at
# once, and the next second starts it again.)
bg ip netns exec $SRV "$AG_CTL" -j monitor --timeout 600 >"$T/monshort" 2>"$T/monshort.err"
MONSHORT=$LASTPID
sleep 1
s0=$(stat_get @$SRV storms)
for i in $(seq 1 "$NSHORT"); do
	nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" --storm \
		--index "$i" --rate "$R" --duration 1.6 >/dev/null || fail "short storm $i"
done
sleep 3.5
s1=$(stat_get @$SRV storms)
kill "$MONSHORT" 2>/dev/null
wait "$MONSHORT" 2>/dev/null
"$AG_PY" - "$T/monshort" "$T/conns.json" "$NSHORT" >"$T/short" <<'EOF'
import collections, json, sys
c = json.load(open(sys.argv[2]))
ev = collections.defaultdict(list)
for l in open(sys.argv[1]):
    e = json.loads(l)
    ev[e["flow"]["remote_port"]].append(e["event"])
flapped = 0
for x in c["conns"][1:1 + int(sys.argv[3])]:
    got = ev.get(x["cport"], [])
    if got != ["storm_start", "storm_end"]:
        flapped += 1
    print("# short storm from port %d: %s" % (x["cport"], " ".join(got)))
print(flapped)
EOF
grep '^#' "$T/short"
flapped=$(tail -n 1 "$T/short")
check \
	"$NSHORT short storms: one storm_start and one storm_end each ($flapped flapped; storms +$((s1 - s0)))" \
	[ "$flapped $((s1 - s0))" = "0 $NSHORT" ]

# A flush in the middle of a storm: the flushed flow's storm_end comes with
# the flush (listeners never see a storm that does not end), and a storm the
# injection starts again on the new flow after it gets its own end.
FIDX=$((NSHORT + 1))
FPORT=$(jget "$T/conns.json" "j['conns'][$FIDX]['cport']")
bg ip netns exec $SRV "$AG_CTL" -j monitor --timeout 600 >"$T/monflush" 2>"$T/monflush.err"
MONFLUSH=$LASTPID
sleep 1
# port_events PORT: the events naming PORT so far, in order
port_events() {
	"$AG_PY" - "$T/monflush" "$1" <<'EOF'
import json, sys
ev = []
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue            # a line still being written
    if e["flow"]["remote_port"] == int(sys.argv[2]):
        ev.append(e["event"])
print(" ".join(ev))
EOF
}
# wait_event PORT WORDS: until PORT's events begin with WORDS (20 s at most)
wait_event() {
	local i
	for i in $(seq 1 200); do
		case "$(port_events "$1") " in "$2 "*) return 0 ;; esac
		sleep 0.1
	done
	return 1
}
bg nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$T/conns.json" --storm \
	--index "$FIDX" --rate "$R" --duration 5
FINJ=$LASTPID
if wait_event "$FPORT" storm_start; then
	ok "a storm on port $FPORT before the flush"
	ctl @$SRV flush || fail "flush during the storm"
	# at once: the collector would end it only after a second of low rate,
	# and the injection goes on
	wait_event "$FPORT" "storm_start storm_end"
	erc=$?
	check "the flush sends the flushed flow's storm_end (got: $(port_events "$FPORT"))" \
		[ "$erc" = 0 ]
else
	fail "a storm on port $FPORT before the flush (got: $(port_events "$FPORT"))"
fi
wait "$FINJ" || fail "injection on port $FPORT"
sleep 3.5
kill "$MONFLUSH" 2>/dev/null
wait "$MONFLUSH" 2>/dev/null
fev=$(port_events "$FPORT")
log "events for port $FPORT around the flush: $fev"
check "every storm_start on port $FPORT has its storm_end, flush or not (got: $fev)" \
	"$AG_PY" -c 'import re, sys; sys.exit(not re.fullmatch(r"(storm_start storm_end ?)+", sys.argv[1] + " "))' "$fev"

check \
	"the storm_start event reports a rate above storm-pps $PPS (got ${ev_rate:-none})" \
	[ "${ev_rate:-0}" -gt "$PPS" ]
n_user=$(wc -l <"$T/monuser")
check \
	"an unprivileged monitor receives no event naming flows (got $n_user events)" \
	[ "$n_user" = 0 ]
diag "$T/monuser.err"
ctl_summary
