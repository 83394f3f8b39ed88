#!/bin/bash
# test_ynl: the kernel's own ynl tool (tools/net/ynl/cli.py of Debian's
# linux-source-6.12, prepared on the host by scripts/ynl.sh) drives the
# loaded module with module/uapi/ackguard.yaml, validated against the
# kernel's genetlink-legacy schema, and strictly: an attribute the spec
# does not describe fails the decode (no --process-unknown).  All calls go
# to one python3 process, ynld.py (cli.py's YnlFamily, NlError and JSON
# encoder, the schema checked once at its start): a new cli.py per call
# cost ~15 s under TCG.
#   get-config and get-counters (do) say what ackguardctl -j show says;
#   get-flows (dump) lists the flows ackguardctl -j flows lists, value for
#   value, and a filtered dump selects what flows' filter selects;
#   set-config (do) changes what ackguardctl show then reports, and a
#   rejected one changes nothing.
# AG_YNL: the extracted tree (default ${AG_CACHE:-$HOME/.cache/ackguard}/ynl-6.12);
# AG_YNL_SPEC: another spec (default module/uapi/ackguard.yaml), to see the
# test fail on a wrong one.
. "$(dirname "$0")/lib.sh"
ctl_init test_ynl
T=$CTL_TMP
PORT=7600
YNL=${AG_YNL:-${AG_CACHE:-$HOME/.cache/ackguard}/ynl-6.12}
SPEC=${AG_YNL_SPEC:-$CTL_ROOT/module/uapi/ackguard.yaml}
SCHEMA=$YNL/Documentation/netlink/genetlink-legacy.yaml
[ -f "$YNL/tools/net/ynl/cli.py" ] ||
	ctl_die "no ynl at $YNL (the host prepares it: scripts/ynl.sh)"

# ynld.py starts now: its imports and the schema check run while the
# connections are set up.  It needs python3-yaml and python3-jsonschema.
coproc YNLD {
	PYTHONDONTWRITEBYTECODE=1 exec "$AG_PY" "$CTL_DIR/ynld.py" \
		"$YNL/tools/net/ynl" "$SPEC" "$SCHEMA" "$T/ynl.out" "$T/ynl.err"
}
CTL_PIDS+=("$YNLD_PID")
# ynl [@NS] ARGS...: what cli.py --spec SPEC --output-json ARGS (under ip
# netns exec NS) prints and exits with, from ynld.
ynl() {
	local ns='' rc
	if [ "${1:0:1}" = @ ]; then
		ns=${1:1}
		shift
	fi
	vlog "ynl $*"
	if ! printf '%s\0' "$ns" "$@" >&"${YNLD[1]}" ||
		! printf '\n' >&"${YNLD[1]}" || ! read -r rc <&"${YNLD[0]}"; then
		echo "ynl: ynld.py is gone" >&2
		return 1
	fi
	cat "$T/ynl.out"
	cat "$T/ynl.err" >&2
	return "$rc"
}

ctl_load mode=monitor || ctl_die "cannot load the module"
pair_setup || ctl_die "namespaces"
ctl @$SRV set flow-timeout 1h interval 60s burst 2 || ctl_die "set"

# Two flows in agc-srv: 1 and 4 out-of-window ACKs (reason seq, the second
# over its burst of 2 in monitor mode).
bg "$AG_PY" "$CTL_DIR/conns.py" open --cli-ns $CLI --srv-ns $SRV --cli $CLI4 \
	--srv $SRV4 --port $PORT -n 2 --iface agc-c0 --out "$T/conns.json"
wait_file "$T/conns.json" 90 || ctl_die "no connections"
"$AG_PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
json.dump(dict(c, conns=c["conns"][1:]), open(sys.argv[1] + ".1", "w"))
' "$T/conns.json"
inj() { nsx $CLI "$AG_PY" "$CTL_DIR/conns.py" inject --conns "$1" --each >/dev/null; }
inj "$T/conns.json" && inj "$T/conns.json.1" && inj "$T/conns.json.1" &&
	inj "$T/conns.json.1" || ctl_die "inject"
# the rates fall to 0 two seconds after the last segment: stable values
sleep 2.5

ready=
read -r -t 600 ready <&"${YNLD[0]}"
[ "$ready" = ready ] ||
	ctl_die "ynld.py did not start (python3-yaml and python3-jsonschema are needed): ${ready:-no answer}"
ynl @$SRV --do get-config >"$T/ycfg.json" 2>"$T/err"
check "ynl --do get-config in $SRV, the spec validated against $(basename "$SCHEMA")" [ -s "$T/ycfg.json" ]
diag "$T/err"
ynl @$SRV --do get-counters >"$T/yctr.json" 2>"$T/err"
check "ynl --do get-counters in $SRV" [ -s "$T/yctr.json" ]
diag "$T/err"
ynl @$SRV --dump get-flows >"$T/yflows.json" 2>"$T/err"
check "ynl --dump get-flows in $SRV" [ -s "$T/yflows.json" ]
diag "$T/err"
ynl @$SRV --dump get-flows --json '{"filter": {"port": '"$(jget "$T/conns.json" "j['conns'][1]['cport']")"'}}' \
	>"$T/yflows1.json" 2>"$T/err"
check "ynl --dump get-flows with a port filter" [ -s "$T/yflows1.json" ]
diag "$T/err"
ctl @$SRV -j show >"$T/show.json" && ctl @$SRV -j flows >"$T/flows.json" || fail "ackguardctl"
sed 's/^/#   ynl: /' "$T/ycfg.json" "$T/yctr.json" "$T/yflows.json"

"$AG_PY" - "$T" "$(jget "$T/conns.json" "j['conns'][1]['cport']")" >"$T/tap" <<'PY'
import ipaddress, json, sys
T, cport1 = sys.argv[1], int(sys.argv[2])
def load(n):
    return json.load(open("%s/%s" % (T, n)))
def tap(ok, d, why=""):
    print(("ok - " if ok else "not ok - ") + d)
    if not ok and why:
        print("#   " + why)
STATES = {1: "ESTAB", 2: "SYN-SENT", 3: "SYN-RECV", 4: "FIN-WAIT-1",
          5: "FIN-WAIT-2", 6: "TIME-WAIT", 7: "CLOSE", 8: "CLOSE-WAIT",
          9: "LAST-ACK", 10: "LISTEN", 11: "CLOSING", 12: "SYN-RECV"}
show, flows = load("show.json"), load("flows.json")

# get-config: the spec's names, enum "mode" by name, log a u8
y = load("ycfg.json")["config"]
tool = show["config"]
got = {"mode": y["mode"], "interval_ms": y["interval-ms"], "burst": y["burst"],
       "max_flows": y["max-flows"], "flow_timeout_s": y["flow-timeout-s"],
       "storm_pps": y["storm-pps"], "log": bool(y["log"])}
tap(got == tool and set(y) == {"mode", "interval-ms", "burst", "max-flows",
                               "flow-timeout-s", "storm-pps", "log"},
    "ynl get-config is show -j's config (%s)" % sorted(y.items()),
    "ynl %s, ackguardctl %s" % (got, tool))

# get-counters: scalars and one reason nest per reason, "id" by name
y = load("yctr.json")["counters"]
c = show["counters"]
got = {k.replace("-", "_"): v for k, v in y.items() if k != "reason"}
want = {k: v for k, v in c.items() if k != "reasons"}
tap(got == want, "ynl get-counters: the scalars of show -j", "ynl %s, ackguardctl %s" % (got, want))
rs = {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in y.get("reason", [])}
tap(rs == c["reasons"] and rs["seq"]["seen"] == 5 and rs["seq"]["overlimit"] == 2,
    "ynl get-counters: every reason's nest is show -j's (seq %s)" % rs.get("seq"),
    "ynl %s, ackguardctl %s" % (rs, c["reasons"]))

# get-flows: addresses are binary (hex in ynl's JSON), ports host order
def conv(m):
    f = m["flow"]
    fam = {2: "inet", 10: "inet6"}[f["family"]]
    addr = lambda h: str(ipaddress.ip_address(bytes.fromhex(h)))
    rs = {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in f.get("reason", [])}
    return {"family": fam, "local_addr": addr(f["local-addr"]), "local_port": f["local-port"],
            "remote_addr": addr(f["remote-addr"]), "remote_port": f["remote-port"],
            "state": STATES.get(f["state"], f["state"]), "rate": f["rate"],
            "storm": f.get("storm", False), "overlimit": f["overlimit"], "reasons": rs}
key = lambda f: (f["local_addr"], f["local_port"], f["remote_addr"], f["remote_port"])
yf = {key(x): x for x in map(conv, load("yflows.json"))}
tf = {key(f): {k: f[k] for k in ("family", "local_addr", "local_port", "remote_addr",
                                 "remote_port", "state", "rate", "storm", "overlimit", "reasons")}
      for f in flows}
tap(len(yf) == 2 and yf == tf,
    "ynl get-flows dump is flows -j, value for value (%d flows)" % len(yf),
    "ynl %s, ackguardctl %s" % (yf, tf))
seen = sorted(sum(r["seen"] for r in f["reasons"].values()) for f in yf.values())
tap(seen == [1, 4], "ynl get-flows: the flows saw 1 and 4 segments (got %s)" % seen)
y1 = [conv(m)["remote_port"] for m in load("yflows1.json")]
tap(y1 == [cport1], "ynl get-flows with filter port %d: that flow only (got %s)" % (cport1, y1))
PY
relay <"$T/tap"

# Writes: set-config through ynl, read back through ackguardctl.
ynl @$SRV --do set-config --json '{"config": {"burst": 7, "mode": "enforce", "storm-pps": 4321}}' \
	>"$T/yset" 2>"$T/err"
rc=$?
check "ynl --do set-config (exit $rc)" [ "$rc" = 0 ]
diag "$T/err"
got=$(ctl @$SRV -j show | "$AG_PY" -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c["burst"], c["mode"], c["storm_pps"])')
check "set-config through ynl: ackguardctl reads burst 7, enforce, storm-pps 4321 (got $got)" \
	[ "$got" = "7 enforce 4321" ]
ynl @$SRV --do set-config --json '{"config": {"burst": 3, "interval-ms": 0}}' >"$T/yset" 2>"$T/err"
rc=$?
got=$(ctl @$SRV -j show | "$AG_PY" -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c["burst"], c["interval_ms"])')
check "a set-config the kernel rejects (interval-ms 0): ynl fails, nothing changed (exit $rc, got $got)" \
	[ "$([ "$rc" != 0 ] && echo failed) $got" = "failed 7 60000" ]
got=$(ctl -j show | "$AG_PY" -c 'import json,sys; print(json.load(sys.stdin)["config"]["burst"])')
ynl --do get-config >"$T/ycfg0.json" || fail "ynl get-config in the initial namespace"
y0=$(jget "$T/ycfg0.json" "j['config']['burst']")
check "... and the initial namespace keeps its own burst (ackguardctl $got, ynl $y0, not 7)" \
	[ "$got:$y0:$([ "$got" != 7 ] && echo own)" = "$y0:$got:own" ]
ctl_summary
