#!/usr/bin/python3
"""report.py: the ackguard benchmark table and results.json, from the raw
records of bench/bench-guest.sh (one JSON object per line) and the router
samples of the reaction section.

Every figure is a ratio or a count of measurements taken side by side in
one run: per round, each configuration is compared with the reference
measured in the same round, and the median over rounds is reported.
"""
import argparse
import csv
import json
import statistics
import sys

TARGETS = {
    "legit_ratio_min": 0.97,
    "scale_ratio_max": 1.3,
    "bytes_per_flow_max": 128,
    "reaction_pps_max": 10,
}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd=2):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return ("%%.%df" % nd) % x
    return str(x)


def legit(recs):
    """n: no module / module off there; a: ackguard enforce; t: conntrack.
    Loaded runs give a/n; unloaded runs (a is then plain too) the control
    a/n of the method itself; the corrected ratio divides one by the other."""
    out = {}
    for wl in ("pingpong", "bulk", "iperf3"):
        L = [r for r in recs if r["workload"] == wl and r["module"] == "loaded"]
        U = [r for r in recs if r["workload"] == wl and r["module"] == "unloaded"]
        q = lambda r, x, y: r[x]["rate"] / r[y]["rate"] if r[y]["rate"] else None
        ag = [q(r, "a", "n") for r in L]
        ctl = [q(r, "a", "n") for r in U]
        corr = [x / y for x, y in zip(ag, ctl) if x and y]
        out[wl] = {
            "unit": {"pingpong": "exchanges/s (from the median round trip)",
                     "bulk": "Mbit/s (from the median 128 KB chunk time)",
                     "iperf3": "Mbit/s (median 100 ms interval)"}[wl],
            "rounds": len(L),
            "median_rate_loaded": {k: med([r[k]["rate"] for r in L]) for k in "nat"},
            "median_rate_unloaded": {k: med([r[k]["rate"] for r in U]) for k in "nat"},
            "ackguard_vs_none": med(ag),
            "control_plain_vs_plain": med(ctl),
            "ackguard_vs_none_corrected": med(corr),
            "conntrack_vs_none": med([q(r, "t", "n") for r in U]),
            "per_round_ackguard_vs_none": ag,
            "per_round_control": ctl,
        }
        if wl == "iperf3":
            out[wl]["ackguard_vs_none_packets"] = med(
                [r["a"]["packets"] / r["n"]["packets"] for r in L if r["n"]["packets"]])
    return out


def ms100k(ns):
    """ns per packet -> CPU ms per 100,000 packets"""
    return ns * 1e5 / 1e6


def cpu(recs):
    L = [r for r in recs if r["module"] == "loaded"]
    U = [r for r in recs if r["module"] == "unloaded"]
    g = lambda r, t: r["targets"][t]["ns_median"]
    out = {"rounds": min(len(L), len(U)), "unit": "CPU ms per 100,000 invalid ACKs (median per-batch cost)"}
    out["module_loaded"] = {
        "ackguard": med([ms100k(g(r, "a")) for r in L]),
        "kernel_limiter_mode_off": med([ms100k(g(r, "k")) for r in L]),
        "unpatched_mode_off": med([ms100k(g(r, "u")) for r in L]),
        "generator_only": med([ms100k(g(r, "n")) for r in L]),
    }
    out["module_unloaded"] = {
        "unpatched_control": med([ms100k(g(r, "a")) for r in U]),
        "kernel_limiter": med([ms100k(g(r, "k")) for r in U]),
        "unpatched": med([ms100k(g(r, "u")) for r in U]),
        "generator_only": med([ms100k(g(r, "n")) for r in U]),
    }
    # same run: ackguard vs the kernel's limiter in a namespace where the
    # module is loaded but off
    out["ackguard_vs_kernel_same_run_total"] = med([g(r, "a") / g(r, "k") for r in L])
    out["ackguard_vs_kernel_same_run_net"] = med(
        [(g(r, "a") - g(r, "n")) / (g(r, "k") - g(r, "n")) for r in L if g(r, "k") > g(r, "n")])
    # across runs: module loaded (ackguard) vs not loaded (kernel), each
    # normalised by the generator-only target of its own run
    pairs = list(zip(L, U))
    out["ackguard_vs_kernel_no_module_normalised"] = med(
        [(g(l, "a") / g(l, "n")) / (g(u, "k") / g(u, "n")) for l, u in pairs])
    out["ackguard_vs_kernel_no_module_net"] = med(
        [(g(l, "a") - g(l, "n")) / (g(u, "k") - g(u, "n")) * (g(u, "n") / g(l, "n"))
         for l, u in pairs if g(u, "k") > g(u, "n")])
    out["unpatched_vs_kernel"] = med([g(r, "u") / g(r, "k") for r in U])
    out["ackguard_vs_unpatched_same_run"] = med([g(r, "a") / g(r, "u") for r in L])
    out["hook_off_overhead_kernel_path"] = med(
        [(g(l, "k") / g(l, "n")) / (g(u, "k") / g(u, "n")) for l, u in pairs])
    out["control_two_unpatched_namespaces"] = med([g(r, "a") / g(r, "u") for r in U])
    ans = lambda rs, t: med([r["targets"][t]["answers"] * 1e5 / r["targets"][t]["rx"]
                            for r in rs if r["targets"][t]["rx"]])
    out["answers_per_100k"] = {"ackguard": ans(L, "a"), "kernel_limiter": ans(U, "k"),
                               "unpatched": ans(U, "u")}
    out["per_round_ackguard_vs_kernel_same_run_total"] = [g(r, "a") / g(r, "k") for r in L]
    return out


def scale(recs, modes=("ackguard", "nftdrop")):
    """per-packet cost (us) by flow count: total, net of the generator,
    and ackguard's own (minus the nftdrop run of the same round); modes:
    the runs with ackguard and their nftdrop twins ("hot": one flow of each
    table flooded, instead of all of them in turn)"""
    def parse(r):
        t = r["targets"]
        nulls = {x["flows"]: x["ns_median"] for x in t if x["dev"] == "gn"}
        v = {}
        for x in t:
            if x["dev"] == "gn":
                continue
            n = x["flows"]
            v[n] = (x["ns_median"], x["ns_median"] - (nulls[max(nulls)] if n == max(nulls) else nulls[min(nulls)]),
                    nulls[min(nulls)])
        return v
    A = {r["round"]: parse(r) for r in recs if r.get("mode", "ackguard") == modes[0]}
    D = {r["round"]: parse(r) for r in recs if r.get("mode") == modes[1]}
    if not A:
        return None
    flows = sorted(next(iter(A.values())))
    lo, hi = flows[0], flows[-1]
    tot = {n: [] for n in flows}
    net = {n: [] for n in flows}
    base = {n: [] for n in flows}
    own = {n: [] for n in flows}
    rt, rn, ro, rb = [], [], [], []
    for rd, v in sorted(A.items()):
        for n in flows:
            tot[n].append(v[n][0] / 1e3)
            net[n].append(v[n][1] / 1e3)
        rt.append(v[hi][0] / v[lo][0])
        if v[lo][1] > 0:
            rn.append(v[hi][1] / v[lo][1])
        if rd in D:
            d = D[rd]
            k = v[lo][2] / d[lo][2]     # speed of this run vs the nftdrop run
            o = {n: v[n][0] - d[n][0] * k for n in flows}
            for n in flows:
                own[n].append(o[n] / 1e3)
                base[n].append(d[n][1] / 1e3)
            if o[lo] > 0:
                ro.append(o[hi] / o[lo])
            if d[lo][1] > 0:
                rb.append(d[hi][1] / d[lo][1])
    last = [r for r in recs if r.get("mode", "ackguard") == modes[0]][-1]["tracked"]
    m = lambda d: {str(n): med(d[n]) for n in flows}
    return {
        "flows": flows,
        "rounds": len(A),
        "tracked": last,
        "us_per_packet_total": m(tot),
        "us_per_packet_net_of_null": m(net),
        "us_per_packet_nftdrop_net_of_null": m(base),
        "us_per_packet_ackguard_own": m(own),
        "largest_vs_smallest_total": med(rt),
        "largest_vs_smallest_net": med(rn),
        "largest_vs_smallest_ackguard_own": med(ro),
        "largest_vs_smallest_nftdrop_net": med(rb),
        "per_round_largest_vs_smallest_net": rn,
        "per_round_largest_vs_smallest_ackguard_own": ro,
    }


def memory(recs):
    if not recs:
        return None
    m = recs[0]
    out = dict(m)
    del out["section"]
    if m["objsize"] and m["objperslab"]:
        per_slab = m["pagesperslab"] * 4096.0 / m["objperslab"]
        # what each tracked flow adds: its slab share (objects per slab
        # page set); the bucket array is the table's fixed cost, sized by
        # max_flows when the namespace appears, whatever is tracked
        out["slab_bytes_per_flow"] = per_slab
        out["bucket_array_bytes"] = m["buckets"] * 8
        out["bucket_bytes_per_max_flows_slot"] = m["buckets"] * 8.0 / m["max_flows"]
        out["bucket_bytes_per_flow"] = m["buckets"] * 8.0 / max(1, m["tracked"])
        out["bytes_per_flow"] = per_slab
    return out


def reaction(recs, csvpath, limit):
    try:
        rows = [(float(r["epoch"]), float(r["pps"])) for r in csv.DictReader(open(csvpath))]
    except OSError:
        return None
    out = {"insmod": [], "trigger": []}
    for e in recs:
        t = e["t"]
        before = [p for (ts, p) in rows if t - 1.0 < ts <= t]
        after = [(ts, p) for (ts, p) in rows if ts > t]
        res = {"round": e["round"], "loop_pps_before": med(before) if before else None}
        for i, (ts, p) in enumerate(after):
            nxt = [q for (_, q) in after[i:i + 10]]
            if p <= limit and len(nxt) == 10 and sum(nxt) / 10 <= limit:
                res["seconds_to_quiet"] = ts - t
                # packets through the router from t until quiet
                pk, prev = 0.0, t
                for (ts2, p2) in after[:i + 1]:
                    pk += p2 * (ts2 - max(prev, ts2 - 0.1))
                    prev = ts2
                res["packets_until_quiet"] = round(pk)
                break
        else:
            res["seconds_to_quiet"] = None
        if e["event"] == "insmod":
            res["insmod_secs"] = e["t_done"] - e["t"]
            if res["seconds_to_quiet"] is not None:
                res["seconds_after_insmod_returned"] = res["seconds_to_quiet"] - res["insmod_secs"]
        out[e["event"]].append(res)
    return {
        "sample_interval_s": 0.1,
        "limit_pps": limit,
        "insmod": out["insmod"],
        "trigger": out["trigger"],
        "median_seconds_from_insmod": med([x["seconds_to_quiet"] for x in out["insmod"]]),
        "median_insmod_secs": med([x["insmod_secs"] for x in out["insmod"]]),
        "median_seconds_from_first_packet": med([x["seconds_to_quiet"] for x in out["trigger"]]),
        "median_packets_after_first_packet": med([x.get("packets_until_quiet") for x in out["trigger"]]),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--raw", required=True)
    p.add_argument("--reaction-csv")
    p.add_argument("--json", required=True)
    a = p.parse_args()
    recs = [json.loads(l) for l in open(a.raw) if l.strip()]
    by = lambda s: [r for r in recs if r["section"] == s]
    res = {"targets": TARGETS}
    if by("legit"):
        res["legit"] = legit(by("legit"))
    if by("cpu"):
        res["cpu"] = cpu(by("cpu"))
    if by("scale"):
        res["scale"] = scale(by("scale"))
        res["scale_hot"] = scale(by("scale"), ("hot", "hot-nftdrop"))
    if by("memory"):
        res["memory"] = memory(by("memory"))
    if by("reaction") and a.reaction_csv:
        res["reaction"] = reaction(by("reaction"), a.reaction_csv, TARGETS["reaction_pps_max"])

    checks = {}
    print()
    print("ackguard benchmarks (QEMU guest, Linux 6.1; ratios of measurements taken side by side, median over rounds)")
    print()
    print("| measure | result | target | |")
    print("|---|---|---|---|")

    def row(name, val, target, ok):
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        print("| %s | %s | %s | %s |" % (name, val, target, mark))
        if ok is not None:
            checks[name] = ok

    L = res.get("legit")
    if L:
        for wl, label in (("pingpong", "ping-pong exchanges/s"), ("bulk", "bulk (128 KB chunks) Mbit/s"),
                          ("iperf3", "iperf3 Mbit/s (sequential, noisier)")):
            if wl not in L:
                continue
            x = L[wl]
            ra, rc = x["ackguard_vs_none"], x["ackguard_vs_none_corrected"]
            checked = wl == "pingpong"
            rng = lambda v: "rounds %s-%s" % (fmt(min(v), 2), fmt(max(v), 2)) if v else ""
            row("%s, ackguard (enforce, empty table) / no ackguard" % label,
                "%s (%s)" % (fmt(ra, 3), rng(x["per_round_ackguard_vs_none"])), "", None)
            row("  control: same two positions, both plain (module not loaded)",
                "%s (%s)" % (fmt(x["control_plain_vs_plain"], 3), rng(x["per_round_control"])), "1", None)
            row("  ackguard / no ackguard, divided by the control", fmt(rc, 3),
                ">= %.2f" % TARGETS["legit_ratio_min"] if checked else "not judged (noise, see control)",
                (rc is not None and rc >= TARGETS["legit_ratio_min"]) if checked else None)
            row("%s, conntrack + ct state invalid drop / nothing" % label, fmt(x["conntrack_vs_none"], 3), "", None)
    C = res.get("cpu")
    if C:
        lo, un = C["module_loaded"], C["module_unloaded"]
        row("CPU ms per 100k invalid ACKs, no module: unpatched / kernel limiter (500 ms) / generator only",
            "%s / %s / %s" % (fmt(un["unpatched"], 0), fmt(un["kernel_limiter"], 0), fmt(un["generator_only"], 0)), "", None)
        row("CPU ms per 100k invalid ACKs, module loaded: ackguard / kernel limiter (ns mode off) / generator only",
            "%s / %s / %s" % (fmt(lo["ackguard"], 0), fmt(lo["kernel_limiter_mode_off"], 0), fmt(lo["generator_only"], 0)), "", None)
        x = C["ackguard_vs_kernel_same_run_net"]
        row("CPU per invalid ACK, ackguard / kernel limiter, same run, net of generator", fmt(x, 2), "< 1",
            x is not None and x < 1)
        row("same, total (generator included)", fmt(C["ackguard_vs_kernel_same_run_total"], 2), "", None)
        row("ackguard / kernel limiter without the module, net (runs normalised by the generator)",
            fmt(C["ackguard_vs_kernel_no_module_net"], 2), "", None)
        row("unpatched / kernel limiter, total", fmt(C["unpatched_vs_kernel"], 2), "", None)
        row("kernel limiter path with the module loaded in mode off / without the module", fmt(C["hook_off_overhead_kernel_path"], 3), "", None)
        row("control: two identical unpatched namespaces", fmt(C["control_two_unpatched_namespaces"], 3), "1", None)
        a_ = C["answers_per_100k"]
        row("dupacks sent per 100k invalid ACKs: unpatched / kernel limiter / ackguard",
            "%s / %s / %s" % (fmt(a_["unpatched"], 0), fmt(a_["kernel_limiter"], 0), fmt(a_["ackguard"], 0)), "", None)
    def per_size(S, label, key):
        f = [str(n) for n in S["flows"]]
        row(label % " / ".join(f), " / ".join(fmt(S[key][k], 2) for k in f), "", None)
        return f

    S = res.get("scale_hot")
    if S:
        f = per_size(S, "hot flow (a storm on one connection), us/packet net of generator, table of %s flows",
                     "us_per_packet_net_of_null")
        per_size(S, "  of which ackguard's own hook work (difference to nft drop), %s", "us_per_packet_ackguard_own")
        x = S["largest_vs_smallest_net"]
        row("table scale: %s flows / 1 flow, hot flow, classified path net of generator" % f[-1], fmt(x, 2),
            "<= %.1f" % TARGETS["scale_ratio_max"], x is not None and x <= TARGETS["scale_ratio_max"])
        row("  same, ackguard's own hook work", fmt(S["largest_vs_smallest_ackguard_own"], 2), "", None)
    S = res.get("scale")
    if S:
        f = per_size(S, "every flow flooded in turn (ackguard dropping), us/packet net of generator, %s flows",
                     "us_per_packet_net_of_null")
        per_size(S, "  of which before ackguard (nft drop at LOCAL_IN, same sockets), %s",
                 "us_per_packet_nftdrop_net_of_null")
        per_size(S, "  of which ackguard's own hook work (difference), %s", "us_per_packet_ackguard_own")
        x = S["largest_vs_smallest_net"]
        row("working set: %s flows / 1 flow, every flow flooded in turn, net of generator" % f[-1], fmt(x, 2),
            "compare the kernel's own below", None)
        row("%s flows / 1 flow, ackguard's own hook work" % f[-1], fmt(S["largest_vs_smallest_ackguard_own"], 2), "", None)
        row("%s flows / 1 flow, up to LOCAL_IN without ackguard (kernel)" % f[-1], fmt(S["largest_vs_smallest_nftdrop_net"], 2), "", None)
        row("%s flows / 1 flow, total incl. generator" % f[-1], fmt(S["largest_vs_smallest_total"], 2), "", None)
        row("flows tracked per table", " / ".join(str(v) for v in S["tracked"].values()), "", None)
    M = res.get("memory")
    if M:
        if M.get("bytes_per_flow"):
            row("bytes per tracked flow, slab (objsize %d, struct %d, %d per %d-page slab)"
                % (M["objsize"], M["object_size"], M["objperslab"], M["pagesperslab"]),
                "%.0f" % M["bytes_per_flow"],
                "<= %d" % TARGETS["bytes_per_flow_max"], M["bytes_per_flow"] <= TARGETS["bytes_per_flow_max"])
            row("  the table's fixed bucket array (max_flows %d, allocated when the namespace appears)" % M["max_flows"],
                "%d KiB: %.1f B per max_flows slot, %.1f B per flow tracked here"
                % (M["bucket_array_bytes"] // 1024, M["bucket_bytes_per_max_flows_slot"], M["bucket_bytes_per_flow"]),
                "", None)
        else:
            row("bytes per tracked flow", "ag_flow not in /proc/slabinfo (struct %s B)" % M.get("object_size"), "", None)
    R = res.get("reaction")
    if R:
        x = R["median_seconds_from_insmod"]
        row("seconds from insmod to loop <= 10 pkt/s (100 ms samples)",
            "%s (%s)" % (fmt(x, 1), ", ".join(fmt(i["seconds_to_quiet"], 1) for i in R["insmod"])), "", x is not None)
        row("of which insmod itself ran (s)", ", ".join(fmt(i["insmod_secs"], 1) for i in R["insmod"]), "", None)
        row("loop rate before insmod, pkt/s", ", ".join(fmt(i["loop_pps_before"], 0) for i in R["insmod"]), ">= 1000", None)
        y = R["median_seconds_from_first_packet"]
        row("seconds from a loop's first packet (module loaded) to <= 10 pkt/s",
            "%s (%s)" % (fmt(y, 1), ", ".join(fmt(i["seconds_to_quiet"], 1) for i in R["trigger"])), "", y is not None)
        row("router packets of that loop until quiet", ", ".join(fmt(i.get("packets_until_quiet")) for i in R["trigger"]), "", None)
    print()
    res["checks"] = checks
    with open(a.json, "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
