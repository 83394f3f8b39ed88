#!/usr/bin/python3
"""traffic.py: real connections whose sockets the kernel judges (test_traffic).

  traffic.py serve --phase P --addr A --port N --ready F
  traffic.py run   --phase P --dst A --port N [--conns C] [--mb M] [--idle S]

Phases (both ends run the same one):
  bulk       one connection, --mb MB each way: the client sends and shuts
             down its side, the server reads to the end, answers as many
             bytes and closes
  halfclose  --conns short requests, HTTP/1.0 style: the client sends a
             line and shutdown(SHUT_WR); the server answers 100 kB from
             CLOSE_WAIT and closes (what test_samehost found misjudged)
  keepalive  one idle connection for --idle s with keepalive probes every
             second from both ends (each probe is an old segment: TCP
             answers it down its rate-limited path)
  zerowin    the server does not read for --idle s with a small receive
             buffer while the client sends 1 MB: the client's zero-window
             probes are old segments too; then it reads it all

Every socket, at both ends, is primed first: right after the handshake each
end sends its peer's socket three segments (a raw socket, no timestamp, a
random sequence number: outside any window), waits 50 ms (netem reorders
within a few) and only then sends data; the client waits for the server's
first byte, sent after the server's priming.  With tcp_invalid_ratelimit at its maximum, TCP answers the
first and counts every later segment of a rate-limited path in
TCPACKSkipped*, so each full socket leaves exactly one seq segment
uncounted by the kernel that ackguard counted (primed= in the RESULT line).

The client prints "RESULT phase=P conns=C primed=N bytes_ok=0|1 secs=T";
the server, on SIGTERM, "served=C" into --out.  Exit status 0 when every
byte arrived.
"""
import argparse
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wire import (family_of, inet_csum, tcp_pseudo_header,  # noqa: E402
                  write_file)

ANSWER = 100 * 1024
# the server's first byte, sent 50 ms after its end primed the client's
# socket: no data moves before both sockets are primed
GO = b"g"
ZEROWIN_BYTES = 1 << 20


def pattern(n):
    """n bytes both ends can recompute"""
    block = bytes(range(256)) * 256
    return (block * (n // len(block) + 1))[:n]


def prime(s):
    """Three segments outside the peer socket's window, from this end's
    address and port (see the module docstring)."""
    fam = s.family
    me, peer = s.getsockname(), s.getpeername()
    seq = random.getrandbits(32)
    tcp = struct.pack("!HHIIBBHHH", me[1], peer[1], seq, random.getrandbits(32),
                      5 << 4, 0x10, 502, 0, 0)
    pseudo = tcp_pseudo_header(socket.inet_pton(fam, me[0]),
                               socket.inet_pton(fam, peer[0]), len(tcp))
    tcp = tcp[:16] + struct.pack("!H", inet_csum(pseudo + tcp)) + tcp[18:]
    raw = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        addr = (peer[0], 0) if fam == socket.AF_INET else (peer[0], 0, 0, 0)
        for _ in range(3):
            raw.sendto(tcp, addr)
    finally:
        raw.close()
    time.sleep(0.05)


def recv_all(s):
    chunks = []
    while True:
        b = s.recv(1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def keepalive(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    # unanswered probes (TCP limits its answers) must not end it
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 100)


# ------------------------------------------------------------ server

def serve_one(a, c):
    with c:
        prime(c)
        c.sendall(GO)
        if a.phase == "bulk":
            n = len(recv_all(c))
            c.sendall(pattern(n))
        elif a.phase == "halfclose":
            recv_all(c)
            c.sendall(pattern(ANSWER))
        elif a.phase == "keepalive":
            keepalive(c)
            c.sendall(recv_all(c))
        elif a.phase == "zerowin":
            time.sleep(a.idle)
            got = recv_all(c)
            c.sendall(b"1" if got == pattern(ZEROWIN_BYTES) else b"0")


def serve(a):
    ls = socket.socket(family_of(a.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.phase == "zerowin":
        # inherited by accepted sockets: a window a few segments close
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ls.bind((a.addr, a.port))
    ls.listen(128)
    served = [0]

    def bye(*_):
        write_file(a.out, "served=%d" % served[0])
        os._exit(0)
    signal.signal(signal.SIGTERM, bye)
    write_file(a.ready, "ready")
    while True:
        c, _ = ls.accept()
        served[0] += 1
        threading.Thread(target=serve_one, args=(a, c), daemon=True).start()


# ------------------------------------------------------------ client

def connect(a):
    """A primed connection whose peer has primed its end too"""
    s = socket.create_connection((a.dst, a.port), timeout=60)
    prime(s)
    if s.recv(1) != GO:
        raise RuntimeError("no go from the server")
    return s


def run(a):
    t0 = time.monotonic()
    ok = True
    conns = 0
    if a.phase == "bulk":
        s = connect(a)
        conns = 1
        data = pattern(a.mb << 20)
        t = threading.Thread(target=s.sendall, args=(data,))
        t.start()
        t.join()
        s.shutdown(socket.SHUT_WR)
        ok = recv_all(s) == data
        s.close()
    elif a.phase == "halfclose":
        for i in range(a.conns):
            s = connect(a)
            conns += 1
            s.sendall(b"GET /%d HTTP/1.0\r\n\r\n" % i)
            s.shutdown(socket.SHUT_WR)
            ok = recv_all(s) == pattern(ANSWER) and ok
            s.close()
    elif a.phase == "keepalive":
        s = connect(a)
        conns = 1
        keepalive(s)
        time.sleep(a.idle)
        s.sendall(b"still here")
        s.shutdown(socket.SHUT_WR)
        ok = recv_all(s) == b"still here"
        s.close()
    elif a.phase == "zerowin":
        s = connect(a)
        conns = 1
        s.sendall(pattern(ZEROWIN_BYTES))
        s.shutdown(socket.SHUT_WR)
        ok = recv_all(s) == b"1"
        s.close()
    # both ends prime each socket they own
    print("RESULT phase=%s conns=%d primed=%d bytes_ok=%d secs=%.1f" % (
        a.phase, conns, 2 * conns, ok, time.monotonic() - t0), flush=True)
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "run"):
        q = sub.add_parser(name)
        q.add_argument("--phase", required=True,
                       choices=["bulk", "halfclose", "keepalive", "zerowin"])
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--idle", type=float, default=5.0)
        if name == "serve":
            q.add_argument("--addr", required=True)
            q.add_argument("--ready", required=True)
            q.add_argument("--out", required=True)
        else:
            q.add_argument("--dst", required=True)
            q.add_argument("--conns", type=int, default=50)
            q.add_argument("--mb", type=int, default=16)
    a = p.parse_args()
    if a.cmd == "serve":
        serve(a)
        return 0
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
