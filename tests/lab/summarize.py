#!/usr/bin/python3
"""summarize.py: the storm lab's summary table, from sampler.py's CSV.

Per phase (consecutive samples with the same label): its length, the mean
packets/s and Mbit/s through the router over the phase without its first
sample (the second in which the phase changed), the peak, the server's
PAWSEstab per second and ackguard's drops per second.  Writes the phase
boundaries to --phases-out (name,start,end in seconds) for the plot.

Verdict (exit status): 0 if every phase where the loop runs unprotected
(--loop-phases) averaged >= --min-pps and every enforce phase
(--enforce-phases, NAME:LOOPS, LOOPS loops triggered in it) <= LOOPS *
--max-pps; 1 otherwise.
"""
import argparse
import csv
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csv", required=True)
    p.add_argument("--phases-out")
    p.add_argument("--min-pps", type=float, default=1000)
    p.add_argument("--max-pps", type=float, default=10)
    p.add_argument("--loop-phases", default="loop-TSval-v4,loop-SEQ-v4,loop-TSval-v6,"
                   "loop-SEQ-v6,unprotected,unprotected-2,ackguard-monitor,ackguard-off")
    p.add_argument("--enforce-phases", default="ackguard-enforce:1,enforce-4-variants:4")
    a = p.parse_args()
    rows = list(csv.DictReader(open(a.csv)))
    phases = []
    for r in rows:
        if not phases or phases[-1]["name"] != r["phase"]:
            phases.append({"name": r["phase"], "rows": []})
        phases[-1]["rows"].append(r)
    loop = a.loop_phases.split(",")
    enf = {}
    for e in a.enforce_phases.split(","):
        n, _, k = e.partition(":")
        enf[n] = int(k or 1)
    ok = True
    seen = set()
    out = []
    print("%-19s %6s %12s %9s %12s %13s %13s  %s" % (
        "phase", "secs", "pkt/s", "Mbit/s", "peak pkt/s", "PAWSEstab/s",
        "ag drops/s", "check"))
    for ph in phases:
        rs = ph["rows"]
        if ph["name"] in ("-", "setup", "end"):
            continue
        steady = rs[1:] if len(rs) > 2 else rs
        mean = lambda k: sum(float(r[k]) for r in steady) / len(steady)
        pps, mbps = mean("pps"), mean("mbps")
        peak = max(float(r["pps"]) for r in rs)
        t0 = float(rs[0]["t"]) - (float(rs[1]["t"]) - float(rs[0]["t"]) if len(rs) > 1 else 1)
        t1 = float(rs[-1]["t"])
        out.append((ph["name"], t0, t1))
        check = ""
        if ph["name"] in loop:
            good = pps >= a.min_pps
            check = "loop %s >= %g" % ("ok" if good else "FAILED", a.min_pps)
            ok &= good
            seen.add(ph["name"])
        elif ph["name"] in enf:
            k = enf[ph["name"]]
            good = pps <= a.max_pps * k
            check = "suppressed %s <= %g" % ("ok" if good else "FAILED", a.max_pps * k)
            if k > 1:
                check += " (%d loops)" % k
            ok &= good
            seen.add(ph["name"])
        print("%-19s %6.0f %12s %9.2f %12s %13s %13s  %s" % (
            ph["name"], t1 - t0, format(round(pps), ","), mbps,
            format(round(peak), ","), format(round(mean("paws_estab_ps")), ","),
            format(round(mean("ag_dropped_ps")), ","), check))
    missing = [n for n in loop + list(enf) if n not in seen]
    if missing:
        print("phases missing from the samples: " + " ".join(missing))
        ok = False
    print("pkt/s, Mbit/s and the per-second counters are means over each phase without its first second.")
    print("VERDICT: %s" % ("storm reproduced and suppressed" if ok else "FAILED"))
    if a.phases_out:
        with open(a.phases_out, "w") as f:
            f.write("phase,start,end\n")
            for n, t0, t1 in out:
                f.write("%s,%.3f,%.3f\n" % (n, t0, t1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
