#!/usr/bin/python3
"""check_sendlog.py: the storm test's reference rate must hold the module's.

tests/e2e/ctl/sendlog.py bounds the per-flow rate the module may report
for a dump, from the times the injector sent at.  Here the module's rate
(module/flowtable.c: ag_flow_tick_rate, ag_flow_rate, in jiffies at
HZ=250) runs over steady, bursty, stalled and stopping send schedules: every
rate it reports must fall in the bounds, and rates a broken estimator would
give (double, half, zero during a steady storm) must not.  Exit 1 on any
failure.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e", "ctl"))
import sendlog  # noqa: E402

HZ = 250


class Flow:
    """the module's per-flow rate, as module/flowtable.c keeps it"""

    def __init__(self, now):
        self.start, self.count, self.last = now, 0, 0

    def tick(self, now):
        if now >= self.start + HZ:
            self.last = self.count if now < self.start + 2 * HZ else 0
            self.start, self.count = now, 0
        self.count += 1

    def rate(self, now):
        if now >= self.start + 2 * HZ:
            return 0
        if now >= self.start + HZ:
            return self.count
        return max(self.last, self.count)


def jiffies(t):
    return int(t * HZ)


def schedule(kind, rng):
    """send times: 200/s for 15 s, delayed the way a loaded sender is"""
    t, out, due = 100.0, [], 100.0
    for i in range(3000):
        due = 100.0 + i / 200.0
        if kind == "bursty" and rng.random() < 0.01:
            t += rng.uniform(0.2, 1.5)        # a stall; then catch up
        if kind == "slow":
            t += rng.uniform(0.002, 0.009)    # can barely keep up
        t = max(t, due) if kind != "slow" else max(t, due - 0.5)
        t += rng.uniform(0, 0.0005)
        out.append(t)
    if kind == "stops":
        out = out[:1000]
    return out


def main():
    rng = random.Random(1)
    failures = 0
    checked = 0
    for kind in ("steady", "bursty", "slow", "stops"):
        for _ in range(20):
            times = schedule(kind, rng)
            reads = sorted(rng.uniform(times[0] + 1.5, times[-1] + 3)
                           for _ in range(40))
            flow = Flow(jiffies(times[0]))
            i = 0
            for r in reads:
                while i < len(times) and times[i] <= r:
                    flow.tick(jiffies(times[i]))
                    i += 1
                got = flow.rate(jiffies(r))
                lo, hi = sendlog.flow_rate_bounds(times, r - 0.05, r)
                checked += 1
                if not sendlog.within(got, lo, hi):
                    failures += 1
                    print("# %s: the module's rate %d at %.3f is outside %d..%d"
                          % (kind, got, r, lo, hi))
    print("# %d reads checked" % checked)
    # what a broken estimator would say must be refused
    times = schedule("steady", rng)
    r = times[1500]
    lo, hi = sendlog.flow_rate_bounds(times, r - 0.05, r)
    for wrong in (0, 100, 400):
        if sendlog.within(wrong, lo, hi):
            failures += 1
            print("# steady 200/s: %d accepted (%d..%d)" % (wrong, lo, hi))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
