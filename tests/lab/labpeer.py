#!/usr/bin/python3
"""labpeer.py: the two TCP ends of the storm lab (tests/lab/storm-lab.sh).

  serve --port P [--port P ...] --ready F
      listen on 0.0.0.0:P and [::]:P for every P, accept any number of
      connections, answer each one's "hello" with "hello", then read and
      discard whatever comes: the server never sends data itself.
  connect --conn NAME=ADDR:PORT [--conn ...] --ctl FIFO --ready F
      open one long-lived connection per --conn (TCP_NODELAY), exchange the
      hello, write F, then obey lines read from the FIFO:
        kick NAME          send one byte on NAME (starts a loop when the
                           router rewrites that connection's segments)
        every NAME SECS    send one byte on NAME every SECS (0 stops)
        quit               exit

Both run until SIGTERM.
"""
import argparse
import os
import select
import signal
import socket
import sys
import time


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, path)


def serve(a):
    ls = []
    for port in a.port:
        for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, port))
            s.listen(16)
            ls.append(s)
    write_file(a.ready, "listening")
    conns = {}
    while True:
        r, _, _ = select.select(ls + list(conns), [], [], 1.0)
        for s in r:
            if s in ls:
                c, _ = s.accept()
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conns[c] = False
                continue
            try:
                b = s.recv(65536)
            except OSError:
                b = b""
            if not b:
                del conns[s]
                s.close()
                continue
            if not conns[s] and b.startswith(b"hello"):
                conns[s] = True
                s.sendall(b"hello")


def connect_one(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    end = time.monotonic() + 60
    while True:
        try:
            c = socket.socket(fam, socket.SOCK_STREAM)
            c.settimeout(30)
            c.connect((addr, port))
            break
        except (ConnectionRefusedError, OSError):
            c.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(b"hello")
    got = c.recv(16)
    if got != b"hello":
        raise RuntimeError("bad hello %r from %s:%d" % (got, addr, port))
    c.setblocking(False)
    return c


def connect(a):
    conns = {}
    for spec in a.conn:
        name, rest = spec.split("=", 1)
        addr, port = rest.rsplit(":", 1)
        conns[name] = connect_one(addr.strip("[]"), int(port))
    ctl = os.open(a.ctl, os.O_RDWR | os.O_NONBLOCK)
    write_file(a.ready, "up " + " ".join(conns))
    every = {}   # name -> [period, next time]
    buf = b""

    def send(name):
        try:
            conns[name].send(b"k")
        except (BlockingIOError, OSError):
            pass   # queue full or connection gone: the lab notices anyway

    while True:
        now = time.monotonic()
        timeout = 1.0
        for per, nxt in every.values():
            timeout = max(0.0, min(timeout, nxt - now))
        r, _, _ = select.select([ctl] + list(conns.values()), [], [], timeout)
        for s in r:
            if s == ctl:
                buf += os.read(ctl, 4096)
            else:
                try:
                    if not s.recv(4096):
                        pass
                except (BlockingIOError, OSError):
                    pass
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            w = line.decode().split()
            if not w:
                continue
            if w[0] == "quit":
                return 0
            if w[0] == "kick" and w[1] in conns:
                send(w[1])
            elif w[0] == "every" and w[1] in conns:
                per = float(w[2])
                if per > 0:
                    every[w[1]] = [per, time.monotonic() + per]
                else:
                    every.pop(w[1], None)
        now = time.monotonic()
        for name, e in every.items():
            if now >= e[1]:
                send(name)
                e[1] = now + e[0]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, action="append", required=True)
    s.add_argument("--ready", required=True)
    s = sub.add_parser("connect")
    s.add_argument("--conn", action="append", required=True)
    s.add_argument("--ctl", required=True)
    s.add_argument("--ready", required=True)
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return {"serve": serve, "connect": connect}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main() or 0)
