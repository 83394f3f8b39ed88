#!/usr/bin/python3
"""sampler.py: sample the storm lab's counters at a fixed interval.

Run inside the router's namespace (ip netns exec lab-rtr ...), so that
/sys/class/net shows the router's devices.  Every INTERVAL it reads

  - tx_packets/tx_bytes of the router devices (--dev, repeatable): every
    packet of a loop crosses the router once per hop;
  - TcpExt PAWSEstab, TCPACKSkippedPAWS, TCPACKSkippedSeq of the server's
    namespace (through /proc/PID/net/netstat of --srv-pid, a process living
    there);
  - ackguard's *_seen and *_dropped sums from /proc/PID/net/ackguard/stats
    of every --ag-pid (0 when the module is not loaded);

and appends one CSV row of per-second rates, labelled with the phase name
read from --phase-file.  With --print it also prints a readable line.
Stops on SIGTERM or SIGINT.
"""
import argparse
import os
import signal
import sys
import time

NETSTAT = ("PAWSEstab", "TCPACKSkippedPAWS", "TCPACKSkippedSeq")


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, ValueError):
        return 0


def netstat(pid):
    vals = dict.fromkeys(NETSTAT, 0)
    try:
        with open("/proc/%d/net/netstat" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return vals
    for h, v in zip(lines[0::2], lines[1::2]):
        if not h.startswith("TcpExt:"):
            continue
        for k, x in zip(h.split()[1:], v.split()[1:]):
            if k in vals:
                vals[k] = int(x)
    return vals


def agstats(pids):
    seen = dropped = 0
    for pid in pids:
        try:
            with open("/proc/%d/net/ackguard/stats" % pid) as f:
                for line in f:
                    w = line.split()
                    if len(w) != 2:
                        continue
                    if w[0].endswith("_seen"):
                        seen += int(w[1])
                    elif w[0].endswith("_dropped"):
                        dropped += int(w[1])
        except (OSError, ValueError):
            pass
    return seen, dropped


def phase(path):
    try:
        with open(path) as f:
            return f.read().strip() or "-"
    except OSError:
        return "-"


def snapshot(a):
    pk = by = 0
    for d in a.dev:
        pk += read_int("/sys/class/net/%s/statistics/tx_packets" % d)
        by += read_int("/sys/class/net/%s/statistics/tx_bytes" % d)
    ns = netstat(a.srv_pid) if a.srv_pid else dict.fromkeys(NETSTAT, 0)
    seen, dropped = agstats(a.ag_pid or [])
    return time.time(), pk, by, ns, seen, dropped


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dev", action="append", required=True)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--srv-pid", type=int)
    p.add_argument("--ag-pid", type=int, action="append")
    p.add_argument("--phase-file", default="/nonexistent")
    p.add_argument("--csv", required=True)
    p.add_argument("--t0", type=float, help="epoch that is t=0 (default: start)")
    p.add_argument("--print", action="store_true")
    a = p.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    out = open(a.csv, "w", buffering=1)
    out.write("t,epoch,phase,pps,mbps,paws_estab_ps,skipped_paws_ps,"
              "skipped_seq_ps,ag_seen_ps,ag_dropped_ps,tx_packets\n")
    prev = snapshot(a)
    t0 = a.t0 if a.t0 else prev[0]
    nxt = time.monotonic() + a.interval
    while not stop:
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
        nxt += a.interval
        if time.monotonic() > nxt:      # fell behind: don't burst
            nxt = time.monotonic() + a.interval
        cur = snapshot(a)
        dt = cur[0] - prev[0]
        # a sampler starved on a loaded host wakes twice in a row: a rate
        # over that sliver is noise (489 pkt/s from a dozen packets in a
        # 6.1 enforce phase once, failing the demo); the next sample
        # covers the whole span instead
        if dt < a.interval / 2:
            continue
        pps = (cur[1] - prev[1]) / dt
        mbps = (cur[2] - prev[2]) * 8 / dt / 1e6
        nsr = {k: (cur[3][k] - prev[3][k]) / dt for k in NETSTAT}
        # an rmmod takes ackguard's counters with it: no negative rate
        seen = max(cur[4] - prev[4], 0) / dt
        dropped = max(cur[5] - prev[5], 0) / dt
        ph = phase(a.phase_file)
        t = cur[0] - t0
        out.write("%.3f,%.3f,%s,%.1f,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%d\n" % (
            t, cur[0], ph, pps, mbps, nsr["PAWSEstab"],
            nsr["TCPACKSkippedPAWS"], nsr["TCPACKSkippedSeq"], seen, dropped,
            cur[1]))
        if a.print:
            extra = ""
            if nsr["PAWSEstab"]:
                extra += "  PAWSEstab +%s/s" % format(round(nsr["PAWSEstab"]), ",")
            if nsr["TCPACKSkippedPAWS"] or nsr["TCPACKSkippedSeq"]:
                extra += "  TCPACKSkipped PAWS +%d/s Seq +%d/s" % (
                    nsr["TCPACKSkippedPAWS"], nsr["TCPACKSkippedSeq"])
            if seen:
                extra += "  ackguard seen %s/s dropped %s/s" % (
                    format(round(seen), ","), format(round(dropped), ","))
            print("   t=%6.1fs %-19s %9s pkt/s %7.2f Mbit/s%s" % (
                t, ph, format(round(pps), ","), mbps, extra), flush=True)
        prev = cur
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
