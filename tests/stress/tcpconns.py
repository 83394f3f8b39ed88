#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tcpconns.py: open and hold many idle TCP connections, for ackflood.

  tcpconns.py server --addr A [--addr A6] --ports P[,P...] [--ready FILE]
      listen on every ADDR:PORT, accept and hold everything until killed
  tcpconns.py client --addr A [--addr A6] --ports P[,P...] --count N
                     [--v6-share F] --out PREFIX [--ready FILE]
      open N connections (spread over the ports; the fraction F, default
      0.25, over IPv6 when an IPv6 address is given) and hold them
  tcpconns.py both ...
      server and client in one process (e.g. over lo in a fresh netns)

The client writes PREFIX.to-srv and PREFIX.to-cli: one connection per line
as "REMOTE RPORT LOCAL LPORT" seen from the server (to-srv: segments the
client's side would send) and from the client (to-cli), the format of
ackflood's tuples mode.  --ready FILE is written once everything is set up
(its content is the number of connections).  SIGTERM ends it.
"""
import argparse
import os
import resource
import selectors
import signal
import socket
import sys
import time


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n)
    if hard != resource.RLIM_INFINITY and want > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listeners(addrs, ports):
    out = []
    for a in addrs:
        for p in ports:
            s = socket.socket(family_of(a), socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a, p))
            s.listen(4096)
            s.setblocking(False)
            out.append(s)
    return out


def accept_some(sel, held, timeout):
    for key, _ in sel.select(timeout):
        try:
            while True:
                c, _ = key.fileobj.accept()
                held.append(c)
        except BlockingIOError:
            pass


def connect_all(addrs, ports, count, v6_share, sel, held):
    """count connections, opened 256 at a time (non-blocking), each chunk
    complete before the next starts."""
    v4 = [a for a in addrs if family_of(a) == socket.AF_INET]
    v6 = [a for a in addrs if family_of(a) == socket.AF_INET6]
    n6 = int(count * v6_share) if v6 and v4 else (count if v6 else 0)
    conns = []
    deadline = time.monotonic() + 120 + count / 20
    for base in range(0, count, 256):
        chunk = []
        for i in range(base, min(count, base + 256)):
            a = v6[i % len(v6)] if i < n6 else v4[i % len(v4)]
            p = ports[i % len(ports)]
            s = socket.socket(family_of(a), socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((a, p))
            except BlockingIOError:
                pass
            chunk.append(s)
        wsel = selectors.DefaultSelector()
        for s in chunk:
            wsel.register(s, selectors.EVENT_WRITE)
        left = len(chunk)
        while left:
            if time.monotonic() > deadline:
                sys.exit("tcpconns: %d connections did not complete" % left)
            if sel is not None:
                accept_some(sel, held, 0)
            for key, _ in wsel.select(0.05):
                err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    sys.exit("tcpconns: connect: %s" % os.strerror(err))
                wsel.unregister(key.fileobj)
                left -= 1
        wsel.close()
        conns.extend(chunk)
    return conns


def fmt(sockaddr):
    return "%s %d" % (sockaddr[0], sockaddr[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client", "both"])
    ap.add_argument("--addr", action="append", required=True)
    ap.add_argument("--ports", default="5300")
    ap.add_argument("--count", type=int, default=64)
    ap.add_argument("--v6-share", type=float, default=0.25)
    ap.add_argument("--out")
    ap.add_argument("--ready")
    args = ap.parse_args()
    ports = [int(p) for p in args.ports.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    raise_nofile(2 * args.count + 256)

    held = []
    sel = None
    if args.mode in ("server", "both"):
        sel = selectors.DefaultSelector()
        for s in listeners(args.addr, ports):
            sel.register(s, selectors.EVENT_READ)
    n = 0
    if args.mode in ("client", "both"):
        if not args.out:
            sys.exit("tcpconns: --out is needed")
        conns = connect_all(args.addr, ports, args.count, args.v6_share, sel, held)
        with open(args.out + ".to-srv.tmp", "w") as ts, open(args.out + ".to-cli.tmp", "w") as tc:
            for s in conns:
                local, peer = s.getsockname(), s.getpeername()
                ts.write("%s %s\n" % (fmt(local), fmt(peer)))
                tc.write("%s %s\n" % (fmt(peer), fmt(local)))
        os.rename(args.out + ".to-srv.tmp", args.out + ".to-srv")
        os.rename(args.out + ".to-cli.tmp", args.out + ".to-cli")
        n = len(conns)
        if args.mode == "both":
            # the accepted ends too, so neither side closes
            while len(held) < n:
                accept_some(sel, held, 0.1)
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            f.write("%d\n" % (n or len(held)))
        os.rename(args.ready + ".tmp", args.ready)
    while True:
        if sel is not None:
            accept_some(sel, held, 1.0)
        else:
            time.sleep(3600)


if __name__ == "__main__":
    main()
