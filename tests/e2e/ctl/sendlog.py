#!/usr/bin/python3
"""sendlog.py: what an injector actually sent, as the reference for rates.

conns.py inject --times FILE writes the wall-clock time of each segment it
sent, one per line.  A sender in a loaded emulated guest falls behind and
catches up in bursts, so its nominal rate says little about any given
second; the rates ackguardctl reports are checked against what was sent in
the seconds they describe instead.

  sendlog.py flow-rate TIMES TA TB RATE
      exit 0 if RATE is a rate the module may report for a dump taken
      between wall-clock times TA and TB; print the allowed range
"""
import bisect
import sys

# a window's count may differ from the sender's by a segment or two in
# flight at its edges and the jiffy granularity of the module's clock
SLACK_PCT = 10
SLACK_SEGS = 3


def load(path):
    with open(path) as f:
        return sorted(float(x) for x in f if x.strip())


def count(times, a, b):
    """segments sent in [a, b)"""
    return bisect.bisect_left(times, b) - bisect.bisect_left(times, a)


def flow_rate_bounds(times, ta, tb):
    """(lo, hi) for the module's per-flow rate read between ta and tb.

    The module counts a flow's segments in windows of 1 s, each starting
    with the first segment at least 1 s after the previous start, and
    reports the last full window's count, or the current one's once it is
    higher, or 0 when the flow saw nothing for 2 s; a window that began
    2 s or more after the one before it counts as 0 (module/flowtable.c,
    ag_flow_rate).  A count so reported is that of [u, u + 1 s) for a
    segment time u at most 4 s before the read, and u is at least 1 s old
    unless the current window outgrew the last one."""
    first = bisect.bisect_left(times, ta - 4.0)
    starts = times[first:bisect.bisect_right(times, tb)]
    hi = max((count(times, u, u + 1.0) for u in starts), default=0)
    full = [count(times, u, u + 1.0) for u in starts if u <= tb - 1.0]
    pauses = any(b - a >= 1.0 for a, b in zip(starts, starts[1:]))
    quiet = count(times, ta - 2.0, tb) == 0
    lo = 0 if pauses or quiet or not full else min(full)
    return lo, hi


def within(x, lo, hi):
    return (lo * (100 - SLACK_PCT) / 100 - SLACK_SEGS <= x <=
            hi * (100 + SLACK_PCT) / 100 + SLACK_SEGS)


def main(argv):
    if len(argv) == 6 and argv[1] == "flow-rate":
        times = load(argv[2])
        lo, hi = flow_rate_bounds(times, float(argv[3]), float(argv[4]))
        print("%d..%d" % (lo, hi))
        return 0 if within(float(argv[5]), lo, hi) else 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
