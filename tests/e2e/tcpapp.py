#!/usr/bin/python3
"""tcpapp.py: the plain-socket TCP ends of the ackguard end-to-end tests.

  serve --addr A --port P --mode hold|close|listen|sink [--out F] --ready F
      hold:   accept every connection and keep it open, discarding data
      close:  accept and close at once (the server closes first: the
              socket goes FIN_WAIT1 -> FIN_WAIT2 / TIME_WAIT)
      listen: listen but never accept (handshakes stay in SYN_RECV until
              completed, then wait in the accept queue); --fastopen: with
              TCP_FASTOPEN and TCP_FASTOPEN_NO_COOKIE (a SYN with data makes
              a child socket at once, in SYN_RECV until the client's ACK;
              needs net.ipv4.tcp_fastopen & 2)
      greet:  as hold, but first send 1000 bytes on each connection
      sink:   accept one connection, read it to EOF, write
              "bytes=N sha256=H secs=S" to --out, close, exit
      answer: (needs --file) for each connection in turn: read the
              request ("N\n") to EOF, i.e. until the client's
              shutdown(SHUT_WR), so that the socket is in CLOSE_WAIT, then
              send the first N bytes of --file and close (HTTP/1.0,
              netcat, proxies)
  send --addr A --port P --file F [--out F]
      connect, send the file, half-close, wait for the peer's close;
      writes "bytes=N sha256=H secs=S" (of what was sent) to --out
  fetch --addr A --port P --file F --size N [--repeat K] [--out F]
      K times, one connection after the other: send "N\n",
      shutdown(SHUT_WR), read the answer to EOF and compare it with the
      first N bytes of --file; writes "conns=K intact=J bytes=B secs=S"
      (J: answers equal to what was expected) to --out
  peer (--listen | --connect) --addr A --port P --ready F
      one end of a long-lived connection for the ACK-loop tests: exchange
      a hello, write --ready, then until SIGTERM:
        SIGUSR1: send one byte on the connection;
        SIGUSR2: send, through a raw socket, one pure ACK of this
                 connection's 4-tuple with a random (almost surely out of
                 window) sequence number and no timestamp option: the
                 peer answers it with a dupack whatever the connection's
                 state (unlike a byte, which congestion control may hold).
      "peer --listen" accepts exactly one connection.  The raw ACK is
      IPv4 only.
  keepalive --addr A --port P --ready F
      connect (TCP_KEEPIDLE and TCP_KEEPINTVL 1 s, TCP_KEEPCNT 100, but
      SO_KEEPALIVE off), write --ready, then until SIGTERM:
        SIGUSR2: SO_KEEPALIVE on: a probe (a pure ACK at snd_una - 1,
                 which the peer answers on its out-of-window path) after
                 each second without anything received;
        SIGUSR1: SO_KEEPALIVE off (its timer is deleted: no more probes).

--ready F is written once the socket listens (serve) or the connection
is up (peer), so a shell can wait for it.
"""
import argparse
import hashlib
import random
import select
import signal
import socket
import struct
import sys
import time

from wire import family_of, inet_csum, write_file






def listener(addr, port, backlog=128):
    s = socket.socket(family_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def serve(a):
    ls = listener(a.addr, a.port)
    if a.fastopen:
        ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 64)
        ls.setsockopt(socket.IPPROTO_TCP, 34, 1)    # TCP_FASTOPEN_NO_COOKIE
    if a.ready:
        write_file(a.ready, "listening")
    if a.mode == "listen":
        while True:
            signal.pause()
    if a.mode == "sink":
        c, _ = ls.accept()
        ls.close()
        h = hashlib.sha256()
        n = 0
        t0 = time.monotonic()
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        secs = time.monotonic() - t0
        c.close()
        line = "bytes=%d sha256=%s secs=%.2f" % (n, h.hexdigest(), secs)
        if a.out:
            write_file(a.out, line)
        print(line)
        return 0
    if a.mode == "answer":
        with open(a.file, "rb") as f:
            data = f.read()
        while True:
            c, _ = ls.accept()
            req = b""
            while True:
                b = c.recv(4096)
                if not b:
                    break
                req += b
            # The client has half-closed: we are in CLOSE_WAIT.
            try:
                c.sendall(data[:int(req.split()[0])])
            except (OSError, ValueError, IndexError) as e:
                print("answer: %r: %s" % (req[:32], e), file=sys.stderr)
            c.close()
    conns = []
    while True:
        r, _, _ = select.select([ls] + conns, [], [], 1.0)
        for s in r:
            if s is ls:
                c, _ = ls.accept()
                if a.mode == "close":
                    c.close()
                else:
                    if a.mode == "greet":
                        c.sendall(b"g" * 1000)
                    conns.append(c)
                continue
            try:
                b = s.recv(65536)
            except OSError:
                b = b""
            if not b:
                conns.remove(s)
                s.close()


def send(a):
    s = socket.create_connection((a.addr, a.port), timeout=a.timeout)
    h = hashlib.sha256()
    n = 0
    t0 = time.monotonic()
    with open(a.file, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            s.sendall(b)
            h.update(b)
            n += len(b)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    secs = time.monotonic() - t0
    s.close()
    line = "bytes=%d sha256=%s secs=%.2f" % (n, h.hexdigest(), secs)
    if a.out:
        write_file(a.out, line)
    print(line)
    return 0


def fetch(a):
    with open(a.file, "rb") as f:
        want = f.read(a.size)
    buf = bytearray(1 << 20)
    intact = total = 0
    t0 = time.monotonic()
    for _ in range(a.repeat):
        s = socket.create_connection((a.addr, a.port), timeout=a.timeout)
        s.sendall(b"%d\n" % a.size)
        s.shutdown(socket.SHUT_WR)
        got = bytearray()
        while True:
            n = s.recv_into(buf)
            if not n:
                break
            got += buf[:n]
        s.close()
        total += len(got)
        intact += got == want
    secs = time.monotonic() - t0
    line = "conns=%d intact=%d bytes=%d secs=%.2f" % (a.repeat, intact, total, secs)
    if a.out:
        write_file(a.out, line)
    print(line)
    return 0




def raw_oow_ack(conn):
    """One out-of-window pure ACK for conn's 4-tuple, sent raw (IPv4)."""
    src, sport = conn.getsockname()[:2]
    dst, dport = conn.getpeername()[:2]
    # 8 bytes of NOPs so that a middlebox rewriting "the TSval" at a fixed
    # offset still finds bytes to rewrite (and leaves no valid timestamp).
    opts = b"\x01" * 8
    tcp = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32),
                      random.getrandbits(32), (5 + len(opts) // 4) << 4, 0x10,
                      502, 0, 0) + opts
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", inet_csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        r.sendto(ip + tcp, (dst, 0))
    finally:
        r.close()


def peer(a):
    if a.listen:
        ls = listener(a.addr, a.port, 1)
        c, _ = ls.accept()
        ls.close()
    else:
        c = connect_retry(a.addr, a.port)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.listen:
        got = c.recv(16)
        c.sendall(got)
    else:
        c.sendall(b"hello")
        got = c.recv(16)
    if got != b"hello":
        print("peer: bad hello %r" % got, file=sys.stderr)
        return 1
    kicks = []
    signal.signal(signal.SIGUSR1, lambda *_: kicks.append("byte"))
    signal.signal(signal.SIGUSR2, lambda *_: kicks.append("raw"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    write_file(a.ready, "up")
    while True:
        signal.pause()
        while kicks:
            if kicks.pop(0) == "raw":
                raw_oow_ack(c)
            else:
                # Never blocks for long: the loop tests send a few bytes.
                c.send(b"k")


def connect_retry(addr, port):
    end = time.monotonic() + 60
    while True:
        try:
            c = socket.create_connection((addr, port), timeout=30)
            break
        except ConnectionRefusedError:
            # The listening peer may still be starting.
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
    c.settimeout(None)
    return c


def keepalive(a):
    c = connect_retry(a.addr, a.port)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 100)
    sigs = []
    signal.signal(signal.SIGUSR1, lambda *_: sigs.append(0))
    signal.signal(signal.SIGUSR2, lambda *_: sigs.append(1))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    write_file(a.ready, "up")
    while True:
        signal.pause()
        while sigs:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, sigs.pop(0))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--mode", choices=["hold", "close", "listen", "sink", "answer",
                                      "greet"], default="hold")
    s.add_argument("--fastopen", action="store_true")
    s.add_argument("--out")
    s.add_argument("--file")
    s.add_argument("--ready")
    s = sub.add_parser("send")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--file", required=True)
    s.add_argument("--out")
    s.add_argument("--timeout", type=float, default=60.0)
    s = sub.add_parser("fetch")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--file", required=True)
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--repeat", type=int, default=1)
    s.add_argument("--out")
    s.add_argument("--timeout", type=float, default=60.0)
    s = sub.add_parser("peer")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--listen", action="store_true")
    g.add_argument("--connect", action="store_true")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ready", required=True)
    s = sub.add_parser("keepalive")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ready", required=True)
    a = p.parse_args()
    if a.cmd == "serve" and a.mode == "answer" and not a.file:
        p.error("serve --mode answer needs --file")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return {"serve": serve, "send": send, "fetch": fetch, "peer": peer,
            "keepalive": keepalive}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main() or 0)
