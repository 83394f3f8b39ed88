#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""nlchurn.py: change the ackguard configuration of the current network
namespace every --period ms (default 10) for --secs seconds, dumping the
flow table every --dump-every and flushing it every --flush-every rounds,
with counters in between; every reply is checked (fuzz_genl's checkers).

  nlchurn.py [--secs S] [--period MS] [--seed N] [--max-flows N,N,...]
             [--timeout-s N] [--modes enforce,monitor,off] [--reload-ok]

--reload-ok: the module may come and go (a reload loop runs alongside):
ENOENT/ECONNREFUSED and a family that disappears are tolerated, and the
family id is looked up again.  Prints one summary line; exit 1 on a bad
reply or an unexpected error.
"""
import argparse
import errno
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agnl  # noqa: E402
import fuzz_genl  # noqa: E402

MODES = {"off": 0, "monitor": 1, "enforce": 2}
# what a module going away mid-request may answer
GONE = {errno.ENOENT, errno.EOPNOTSUPP, errno.ECONNREFUSED, errno.ESRCH,
        errno.EPROTONOSUPPORT}  # a dump started while the module goes away


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--period", type=float, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dump-every", type=int, default=5)
    ap.add_argument("--flush-every", type=int, default=7)
    ap.add_argument("--max-flows", default="8,64,1000,16384")
    ap.add_argument("--timeout-s", type=int, default=1)
    ap.add_argument("--modes", default="enforce,enforce,monitor")
    ap.add_argument("--reload-ok", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed or os.getpid())
    max_flows = [int(x) for x in args.max_flows.split(",")]
    modes = [MODES[m] for m in args.modes.split(",")]
    stats = dict(sets=0, dumps=0, flows=0, flushes=0, counters=0, gone=0, errors=0)
    nl = None
    t_start = time.monotonic()
    end = time.monotonic() + args.secs
    # SIGTERM ends the run early, with the summary
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    i = 0
    bad = 0
    while time.monotonic() < end and not stop:
        i += 1
        t0 = time.monotonic()
        try:
            if nl is None:
                nl = agnl.Genl()
                nl.resolve()
            nl.set_config(mode=rng.choice(modes),
                          interval_ms=rng.choice([1, 2, 10, 50, 100, 500, rng.randint(1, 1000)]),
                          burst=rng.choice([1, 1, 2, 5, 100]),
                          max_flows=rng.choice(max_flows),
                          flow_timeout_s=args.timeout_s,
                          storm_pps=rng.choice([1, 10, 100, 100000]),
                          log=rng.choice([0, 0, 1]))
            stats["sets"] += 1
            if i % args.dump_every == 0:
                for t, f, p in nl.flows():
                    fuzz_genl.check_data(nl.family, t, f, p, agnl.CMD_GET_FLOWS)
                    stats["flows"] += 1
                stats["dumps"] += 1
            if i % args.flush_every == 0:
                nl.flush()
                stats["flushes"] += 1
            if i % 3 == 0:
                for t, f, p in nl.counters():
                    fuzz_genl.check_data(nl.family, t, f, p, agnl.CMD_GET_COUNTERS)
                stats["counters"] += 1
        except agnl.NlError as e:
            if args.reload_ok and e.errno in GONE:
                stats["gone"] += 1
                if nl:
                    nl.close()
                nl = None
                time.sleep(0.05)
                continue
            stats["errors"] += 1
            bad += 1
            print("nlchurn: FAIL: %s" % e, flush=True)
        except (fuzz_genl.Failure, ValueError) as e:
            stats["errors"] += 1
            bad += 1
            print("nlchurn: FAIL: bad reply: %s" % e, flush=True)
        except OSError as e:
            if args.reload_ok:
                stats["gone"] += 1
                if nl:
                    nl.close()
                nl = None
                time.sleep(0.05)
                continue
            stats["errors"] += 1
            bad += 1
            print("nlchurn: FAIL: %s" % e, flush=True)
        rest = args.period / 1000 - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)
    stats["state0"] = fuzz_genl.STATE0[0]
    print("# nlchurn: %d rounds in %.0f s: %s" % (i, time.monotonic() - t_start, " ".join(
        "%s=%d" % kv for kv in stats.items())), flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
