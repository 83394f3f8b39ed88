#!/usr/bin/python3
"""ctlcheck.py: comparisons of ackguardctl's outputs, for the ctl tests.

  ctlcheck.py show-agree TEXT JSON        show (text) says what show -j says
  ctlcheck.py flows-agree TEXT JSON       flows (text) says what flows -j says
  ctlcheck.py prom-agree PROM STATS SHOWJ stats -o prometheus agrees with
                                          /proc/net/ackguard/stats and the
                                          config of show -j
  ctlcheck.py dump-agree DUMP JSON        dump (tab-separated, 32 columns)
                                          says what flows -j says
  ctlcheck.py jsonl FILE N [array]        FILE has N lines, each one compact
                                          JSON object (or array)
  ctlcheck.py parse-show-text TEXT        print the text's config as JSON

Each prints what disagrees as "# ..." lines and exits 1 if anything does,
0 if all agrees, 2 on bad input.
"""
import json
import re
import sys

UNITS = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
REASONS = ["paws", "seq", "challenge", "synrecv", "finwait2", "timewait"]
CTR_TEXT = {"flows-active": "flows_active", "flows-created": "flows_created",
            "flows-evicted": "flows_evicted", "flows-expired": "flows_expired",
            "storms": "storms", "table-full": "table_full",
            "malformed": "malformed"}
CFG_TEXT = {"mode": "mode", "interval": "interval_ms", "burst": "burst",
            "max-flows": "max_flows", "flow-timeout": "flow_timeout_s",
            "storm-pps": "storm_pps", "log": "log"}

STATES = {1: "ESTAB", 2: "SYN-SENT", 3: "SYN-RECV", 4: "FIN-WAIT-1",
          5: "FIN-WAIT-2", 6: "TIME-WAIT", 7: "CLOSE", 8: "CLOSE-WAIT",
          9: "LAST-ACK", 10: "LISTEN", 11: "CLOSING", 12: "SYN-RECV",
          13: "BOUND-INACTIVE"}

problems = []


def bad(msg):
    problems.append(msg)


def ms_of(word):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", word)
    if not m:
        raise ValueError("not a duration: %r" % word)
    return int(m.group(1)) * UNITS[m.group(2)]


def text_cfg_value(key, word):
    if key == "mode":
        return word
    if key == "log":
        if word not in ("on", "off"):
            raise ValueError("log %r" % word)
        return word == "on"
    if key == "interval":
        return ms_of(word)
    if key == "flow-timeout":
        v = ms_of(word)
        if not word.endswith("s") or word.endswith("ms"):
            raise ValueError("flow-timeout not in s: %r" % word)
        return v // 1000
    return int(word)


def parse_show_text(text):
    """{"config": {...}, "counters": {..., "reasons": {...}}}"""
    out = {"config": {}, "counters": {"reasons": {}}}
    section = None
    header = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            section = line.rstrip(":")
            continue
        w = line.split()
        if section == "kernel":
            # release, tcp_invalid_ratelimit, limiter, then the note line
            if len(w) == 2 and w[0] == "release":
                out["kernel_release"] = w[1]
            elif len(w) == 2 and w[0] == "tcp_invalid_ratelimit":
                out["kernel_invalid_ratelimit_ms"] = (
                    None if w[1] in ("absent", "unknown") else ms_of(w[1]))
            elif len(w) == 2 and w[0] == "limiter":
                out["kernel_limiter"] = w[1]
            elif "kernel_limiter_note" not in out:
                out["kernel_limiter_note"] = line.strip()
            else:
                raise ValueError("kernel line %r" % line)
            continue
        if section == "config":
            if len(w) != 2 or w[0] not in CFG_TEXT:
                raise ValueError("config line %r" % line)
            out["config"][CFG_TEXT[w[0]]] = text_cfg_value(w[0], w[1])
        elif section == "counters":
            if len(w) != 2 or w[0] not in CTR_TEXT:
                raise ValueError("counters line %r" % line)
            out["counters"][CTR_TEXT[w[0]]] = int(w[1])
        elif section == "reasons":
            if w[0] == "reason":
                header = w[1:]
                continue
            if header is None or len(w) != len(header) + 1:
                raise ValueError("reasons line %r" % line)
            out["counters"]["reasons"][w[0]] = {
                h: int(v) for h, v in zip(header, w[1:])}
        else:
            raise ValueError("unknown section %r" % section)
    return out


def compare(path, a, b):
    """Every value of a equals b's, and the same keys exist."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                bad("%s.%s: only in JSON (%r)" % (path, k, b[k]))
            elif k not in b:
                bad("%s.%s: only in text (%r)" % (path, k, a[k]))
            else:
                compare("%s.%s" % (path, k), a[k], b[k])
    elif a != b:
        bad("%s: text %r, JSON %r" % (path, a, b))


def show_agree(tf, jf):
    text = open(tf).read()
    raw = open(jf).read()
    j = json.loads(raw)
    if not raw.endswith("\n") or raw.count("\n") != 1:
        bad("show -j is not one line ending with a newline")
    compare("show", parse_show_text(text), j)


ENDPOINT = re.compile(r"^(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<v4>[0-9.]+)):(?P<port>\d+)$")


def endpoint(word):
    m = ENDPOINT.match(word)
    if not m:
        raise ValueError("endpoint %r" % word)
    return (m.group("v6") or m.group("v4"), int(m.group("port")))


def parse_flows_text(text):
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Local Address:Port"):
        raise ValueError("flows header %r" % (lines[:1],))
    flows = []
    for line in lines[1:]:
        w = line.split()
        if len(w) not in (10, 11) or (len(w) == 11 and w[10] != "storm"):
            raise ValueError("flow line %r" % line)
        la, lp = endpoint(w[0])
        ra, rp = endpoint(w[1])
        flows.append({"local_addr": la, "local_port": lp, "remote_addr": ra,
                      "remote_port": rp, "state": w[2],
                      "reasons": sorted(w[3].split(",")) if w[3] != "-" else [],
                      "seen": int(w[4]), "passed": int(w[5]),
                      "dropped": int(w[6]), "overlimit": int(w[7]),
                      "rate": int(w[8]), "age": w[9], "storm": len(w) == 11})
    return flows


def age_ms(word):
    m = re.fullmatch(r"(\d+)ms|(\d+)\.(\d)s|(\d+)m(\d\d)s|(\d+)h(\d\d)m|(\d+)d(\d\d)h", word)
    if not m:
        raise ValueError("age %r" % word)
    g = m.groups()
    if g[0]:
        return int(g[0]), 1
    if g[1]:
        return int(g[1]) * 1000 + int(g[2]) * 100, 100
    if g[3]:
        return (int(g[3]) * 60 + int(g[4])) * 1000, 1000
    if g[5]:
        return (int(g[5]) * 60 + int(g[6])) * 60000, 60000
    return (int(g[7]) * 24 + int(g[8])) * 3600000, 3600000


def key(f):
    return (f["local_addr"], f["local_port"], f["remote_addr"], f["remote_port"])


def flows_agree(tf, jf, age_slack_ms=5000):
    text = parse_flows_text(open(tf).read())
    raw = open(jf).read()
    js = json.loads(raw)
    if not raw.endswith("\n") or raw.count("\n") != 1:
        bad("flows -j is not one line ending with a newline")
    if not isinstance(js, list):
        bad("flows -j is not an array")
        return
    tk = {key(f): f for f in text}
    jk = {key(f): f for f in js}
    if len(tk) != len(text) or len(jk) != len(js):
        bad("duplicate flows: text %d/%d, JSON %d/%d" %
            (len(tk), len(text), len(jk), len(js)))
    for k in sorted(set(tk) | set(jk)):
        if k not in jk:
            bad("flow %s only in text" % (k,))
            continue
        if k not in tk:
            bad("flow %s only in JSON" % (k,))
            continue
        t, j = tk[k], jk[k]
        want = {"state": j.get("state"), "reasons": sorted(j["reasons"]),
                "seen": j.get("seen"), "passed": j.get("passed"),
                "dropped": j.get("dropped"), "overlimit": j.get("overlimit"),
                "rate": j.get("rate"), "storm": j.get("storm")}
        for f, v in want.items():
            if t[f] != v:
                bad("flow %s %s: text %r, JSON %r" % (k, f, t[f], v))
        # per-reason sums agree with the totals
        for f in ("seen", "passed", "dropped"):
            s = sum(r.get(f, 0) for r in j["reasons"].values())
            if j.get(f) != s:
                bad("flow %s: %s %r but its reasons sum to %d" % (k, f, j.get(f), s))
        # overlimit is the flow's, for all reasons together: not per reason,
        # every drop was over the limit, and only seen segments can be
        for r, v in sorted(j["reasons"].items()):
            if "overlimit" in v:
                bad("flow %s reason %s has a per-reason overlimit %r" % (k, r, v["overlimit"]))
        over = j.get("overlimit")
        if not isinstance(over, int):
            bad("flow %s: no flow-level overlimit (%r)" % (k, over))
        elif not j.get("dropped", 0) <= over <= j.get("seen", 0):
            bad("flow %s: overlimit %d not within dropped %r .. seen %r" %
                (k, over, j.get("dropped"), j.get("seen")))
        a, res = age_ms(t["age"])
        if not (a - age_slack_ms <= j["age_ms"] <= a + res + age_slack_ms):
            bad("flow %s age: text %s, JSON %d ms" % (k, t["age"], j["age_ms"]))
        if j["family"] != ("inet6" if ":" in k[0] else "inet"):
            bad("flow %s family %r" % (k, j["family"]))


PROM_LINE = re.compile(r'^([a-z_]+)(?:\{(\w+)="([^"]*)"\})? (\S+)$')


def prom_agree(pf, sf, jf):
    prom = {}
    types = {}
    for line in open(pf).read().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split()
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        if line.startswith("ackguard_build_info{"):
            continue
        m = PROM_LINE.match(line)
        if not m:
            bad("unparsable metric line %r" % line)
            continue
        name, lk, lv, val = m.groups()
        k = (name, lv) if lk else (name, None)
        if k in prom:
            bad("metric %s given twice" % (k,))
        prom[k] = float(val)
    stats = {}
    for line in open(sf).read().splitlines():
        n, v = line.split()
        stats[n] = int(v)
    show = json.loads(open(jf).read())
    cfg = show["config"]
    # build_info has two labels: taken apart here, PROM_LINE has one.
    for line in open(pf).read().splitlines():
        m = re.match(r'^ackguard_build_info\{version="([^"]*)",'
                     r'kernel="([^"]*)"\} 1$', line)
        if m:
            prom[("ackguard_build_info", m.groups())] = 1.0
            if m.group(2) != show["kernel_release"]:
                bad("build_info kernel %r, show -j kernel_release %r"
                    % (m.group(2), show["kernel_release"]))
    if sum(1 for k in prom if k[0] == "ackguard_build_info") != 1:
        bad("not one ackguard_build_info{version,kernel} 1")

    def want2(k, v):
        if k not in prom:
            bad("metric %s missing" % (k,))
            return
        got = prom.pop(k)
        if got != v:
            bad("metric %s = %r, expected %r" % (k, got, v))

    for r in REASONS:
        for vs in ("seen", "passed", "dropped", "overlimit"):
            want2(("ackguard_segments_%s_total" % vs, r), stats.pop("%s_%s" % (r, vs)))
    for n in ("flows_created", "flows_evicted", "flows_expired", "storms",
              "table_full", "malformed"):
        want2(("ackguard_%s_total" % n, None), stats.pop(n))
    want2(("ackguard_flows_active", None), stats.pop("flows_active"))
    # the table's shape, for the tests: no metric
    stats.pop("table_buckets", None)
    for m in ("off", "monitor", "enforce"):
        want2(("ackguard_mode", m), 1.0 if cfg["mode"] == m else 0.0)
    want2(("ackguard_config_interval_seconds", None), cfg["interval_ms"] / 1000)
    want2(("ackguard_config_burst", None), cfg["burst"])
    want2(("ackguard_config_max_flows", None), cfg["max_flows"])
    want2(("ackguard_config_flow_timeout_seconds", None), cfg["flow_timeout_s"])
    want2(("ackguard_config_storm_pps", None), cfg["storm_pps"])
    want2(("ackguard_config_log", None), 1.0 if cfg["log"] else 0.0)
    want2(("ackguard_up", None), 1.0)
    for k in [k for k in prom if k[0] == "ackguard_build_info"]:
        prom.pop(k)
    lim = show["kernel_limiter"]
    if lim != "unknown":
        want2(("ackguard_kernel_limiter_present", None),
              0.0 if lim == "absent" else 1.0)
    if lim in ("on", "off"):
        want2(("ackguard_kernel_invalid_ratelimit_seconds", None),
              show["kernel_invalid_ratelimit_ms"] / 1000)
    for k in prom:
        bad("unexpected metric %s" % (k,))
    for k in stats:
        bad("/proc/net/ackguard/stats %s has no metric" % k)
    for name, typ in types.items():
        want_t = "counter" if name.endswith("_total") else "gauge"
        if typ != want_t:
            bad("metric %s has TYPE %s" % (name, typ))


def dump_agree(df, jf):
    """Each dump line is a flow of flows -j, column by column."""
    flows = json.loads(open(jf).read())
    text = open(df).read()
    if flows and not text.endswith("\n"):
        bad("dump does not end with a newline")
    lines = text.splitlines()
    if len(lines) != len(flows):
        bad("dump: %d lines, flows -j: %d flows" % (len(lines), len(flows)))
    byk = {(f["local_addr"], f["local_port"], f["remote_addr"],
            f["remote_port"]): f for f in flows}
    for line in lines:
        c = line.split("\t")
        if len(c) != 32:
            bad("dump line with %d columns, not 32: %r" % (len(c), line))
            continue
        f = byk.pop((c[1], int(c[2]), c[3], int(c[4])), None)
        if f is None:
            bad("dump flow not in flows -j: %r" % line)
            continue
        want = [f["family"], f["local_addr"], str(f["local_port"]),
                f["remote_addr"], str(f["remote_port"])]
        state = [n for n, name in STATES.items() if name == f["state"]]
        want.append(c[5] if int(c[5]) in state else "state %s" % state)
        want.append("1" if f["storm"] else "0")
        for k in ("rate", "age_ms", "idle_ms"):
            want.append(str(f[k]))
        for k in ("seen", "passed", "dropped", "overlimit"):
            want.append(str(f[k]))
        for r in REASONS:
            x = f["reasons"].get(r, {})
            for k in ("seen", "passed", "dropped"):
                want.append(str(x.get(k, 0)))
        # age and idle grow alike between the two calls (no segment came):
        # by the same amount (jiffies rounding aside), at most 2 minutes
        da, di = int(c[8]) - f["age_ms"], int(c[9]) - f["idle_ms"]
        if 0 <= da <= 120000 and abs(da - di) <= 20:
            want[8], want[9] = c[8], c[9]
        if c != want:
            bad("dump %r, flows -j says %r" % (c, want))
    for k in byk:
        bad("flows -j flow not in dump: %s" % (k,))


def jsonl(f, n, kind="object"):
    lines = open(f).read().split("\n")
    if lines[-1] != "":
        bad("output does not end with a newline")
    lines = lines[:-1]
    if len(lines) != n:
        bad("%d lines, expected %d" % (len(lines), n))
    for i, line in enumerate(lines):
        try:
            o = json.loads(line)
        except ValueError as e:
            bad("line %d is not JSON: %s" % (i + 1, e))
            continue
        if not isinstance(o, dict if kind == "object" else list):
            bad("line %d is not an %s" % (i + 1, kind))
        if re.search(r"\s", re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)):
            bad("line %d is not compact" % (i + 1))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "show-agree":
            show_agree(*args)
        elif cmd == "flows-agree":
            flows_agree(*args)
        elif cmd == "prom-agree":
            prom_agree(*args)
        elif cmd == "dump-agree":
            dump_agree(*args)
        elif cmd == "jsonl":
            jsonl(args[0], int(args[1]), *args[2:])
        elif cmd == "parse-show-text":
            print(json.dumps(parse_show_text(open(args[0]).read())["config"]))
        else:
            print("ctlcheck.py: unknown command %s" % cmd, file=sys.stderr)
            return 2
    except (ValueError, KeyError, OSError, TypeError) as e:
        print("# ctlcheck %s: %s: %s" % (cmd, type(e).__name__, e))
        return 1
    for p in problems:
        print("# " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
