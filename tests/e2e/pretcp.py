#!/usr/bin/python3
"""pretcp.py: the ends and the forger of test_pretcp.sh (segments TCP
discards before any rate-limited answer must not spend a flow's budget).

  serve --conn NAME,KIND,ADDR,PORT[,PEER] ... [--key KEY] --ready F
      one listener per --conn (KIND gtsm: IP_MINTTL 255 (IPv4) /
      IPV6_MINHOPCOUNT 255 (IPv6), which its connections inherit, RFC 5082;
      md5: TCP-MD5 key KEY for PEER; plain); accept and hold connections.
      --ready gets "skipped=NAME,..." of the md5 ones a kernel without
      TCP-MD5 refused.
  client --conn NAME,KIND,ADDR,PORT ... [--key KEY] [--ka SECS]
         --ctl FIFO --status F --ready F
      connect to each (gtsm: sending with TTL/hop limit 255, as an on-link
      GTSM peer does; md5: signed with KEY), write --ready, then run the
      command lines written to FIFO, one at a time, writing "done=N" to
      --status after the N-th:
        ka NAME on|off       keepalive (idle and interval SECS, 20 probes)
        forge NAME ARGS...   the forge command at that connection's 4-tuple
      (one process for all: each python start costs seconds in the VM).
  forge --dst A --dport P --sport S [--count N] [--rate R] [--ttl T]
        [--md5 KEY [--mix]] [--badsum] [--l2dst MAC]
      send N pure ACKs of that 4-tuple from this namespace's address
      towards A, each with a random sequence number (outside any receive
      window but for a chance of 2^-16) and no timestamp: TCP would answer
      each with a dupack if it looked at it.  --ttl: TTL/hop limit (64).
      --md5: signed with KEY (a wrong key for a forger's); --mix: every
      other one (the first, third, ...) unsigned.  --badsum: a wrong TCP
      checksum.  --l2dst: sent as an Ethernet frame to MAC on the route's
      device (a multicast MAC makes the receiver's pkt_type
      PACKET_MULTICAST), not through the IP stack.

The packets are built by hand (no scapy: its start-up costs seconds in
the emulated test VM).  IPv4 and IPv6, told by the address.
"""
import argparse
import errno
import hashlib
import os
import random
import re
import select
import socket
import struct
import subprocess
import sys
import time

from wire import family_of, inet_csum, write_file

TCP_MD5SIG = 14
IP_MINTTL = 21
IPV6_MINHOPCOUNT = 73
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD






def md5sig(sock, peer, key):
    """setsockopt(TCP_MD5SIG): struct tcp_md5sig for peer's address."""
    fam = family_of(peer)
    if fam == socket.AF_INET:
        ss = struct.pack("=HH4s", fam, 0, socket.inet_pton(fam, peer))
    else:
        ss = struct.pack("=HHI16sI", fam, 0, 0, socket.inet_pton(fam, peer), 0)
    ss = ss.ljust(128, b"\0")
    k = key.encode()
    # flags, prefixlen, keylen, ifindex, key[80]
    opt = ss + struct.pack("=BBHi", 0, 0, len(k), 0) + k.ljust(80, b"\0")
    sock.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, opt)


def gtsm(sock, fam, listener):
    if listener:
        if fam == socket.AF_INET:
            sock.setsockopt(socket.IPPROTO_IP, IP_MINTTL, 255)
        else:
            sock.setsockopt(socket.IPPROTO_IPV6, IPV6_MINHOPCOUNT, 255)
    elif fam == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    else:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)


def parse_conn(spec):
    """NAME,KIND,ADDR,PORT[,PEER]: KIND gtsm, md5 or plain."""
    f = spec.split(",")
    if len(f) not in (4, 5) or f[1] not in ("gtsm", "md5", "plain"):
        raise argparse.ArgumentTypeError("bad connection %r" % spec)
    return {"name": f[0], "kind": f[1], "addr": f[2], "port": int(f[3]),
            "peer": f[4] if len(f) == 5 else None}


def serve(a):
    """One listener per --conn; accept and hold every connection."""
    ls = []
    skipped = []
    for c in a.conn:
        fam = family_of(c["addr"])
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if c["kind"] == "gtsm":
            gtsm(s, fam, True)
        elif c["kind"] == "md5":
            try:
                md5sig(s, c["peer"], a.key)
            except OSError as e:
                if e.errno != errno.ENOPROTOOPT:
                    raise
                # a kernel without CONFIG_TCP_MD5SIG
                skipped.append(c["name"])
                s.close()
                continue
        s.bind((c["addr"], c["port"]))
        s.listen(16)
        ls.append(s)
    write_file(a.ready, "skipped=" + ",".join(skipped))
    held = []
    while True:
        r, _, _ = select.select(ls, [], [])
        for s in r:
            held.append(s.accept()[0])


def client(a):
    """Connect every --conn, then obey the commands written to --ctl."""
    conns = {}
    for c in a.conn:
        fam = family_of(c["addr"])
        s = socket.socket(fam, socket.SOCK_STREAM)
        if c["kind"] == "gtsm":
            gtsm(s, fam, False)
        elif c["kind"] == "md5":
            md5sig(s, c["addr"], a.key)
        s.settimeout(30)
        s.connect((c["addr"], c["port"]))
        c["sock"] = s
        conns[c["name"]] = c
    fparser = forge_parser(argparse.ArgumentParser(prog="forge"))
    ctl = os.open(a.ctl, os.O_RDWR)     # never sees EOF
    write_file(a.ready, "connected")
    done = 0
    buf = b""
    while True:
        chunk = os.read(ctl, 4096)
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            words = line.decode().split()
            if not words:
                continue
            c = conns[words[1]]
            s = c["sock"]
            if words[0] == "ka":
                on = words[2] == "on"
                if on:
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, a.ka)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, a.ka)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 20)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(on))
            elif words[0] == "forge":
                f = fparser.parse_args(words[2:] + [
                    "--dst", c["addr"], "--dport", str(c["port"]),
                    "--sport", str(s.getsockname()[1])])
                forge(f)
            done += 1
            write_file(a.status, "done=%d" % done)


def route(dst):
    fam = "-6" if ":" in dst else "-4"
    out = subprocess.run(["ip", fam, "route", "get", dst], capture_output=True,
                         text=True, check=True).stdout
    dev = re.search(r"\bdev (\S+)", out)
    src = re.search(r"\bsrc (\S+)", out)
    if not dev or not src:
        raise RuntimeError("no route to %s: %s" % (dst, out.strip()))
    return dev.group(1), src.group(1)




def tcp_segment(fam, src, dst, sport, dport, md5key, badsum):
    """A pure ACK, random seq/ack, optionally MD5-signed (RFC 2385)."""
    seq = random.getrandbits(32)
    ack = random.getrandbits(32)
    opts = b""
    if md5key is not None:
        opts = b"\x01\x01\x13\x12" + b"\0" * 16    # NOP NOP MD5SIG(18)
    doff = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, 0x10,
                      502, 0, 0)
    tlen = len(hdr) + len(opts)
    if fam == socket.AF_INET:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, tlen)
    else:
        pseudo = src + dst + struct.pack("!IxxxB", tlen, 6)
    if md5key is not None:
        # pseudo header, TCP header without options (checksum 0), data
        # (none), key
        digest = hashlib.md5(pseudo + hdr + md5key.encode()).digest()
        opts = opts[:4] + digest
    seg = bytearray(hdr + opts)
    c = inet_csum(pseudo + bytes(seg))
    if badsum:
        c ^= 0x5A5A
    struct.pack_into("!H", seg, 16, c)
    return bytes(seg)


def ip_packet(fam, src, dst, ttl, seg):
    if fam == socket.AF_INET:
        h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg),
                                  random.getrandbits(16), 0x4000, ttl, 6, 0,
                                  src, dst))
        struct.pack_into("!H", h, 10, inet_csum(bytes(h)))
        return bytes(h) + seg
    return struct.pack("!IHBB16s16s", 6 << 28, len(seg), 6, ttl,
                       src, dst) + seg


def forge(a):
    fam = family_of(a.dst)
    dev, srcs = route(a.dst)
    src, dst = socket.inet_pton(fam, srcs), socket.inet_pton(fam, a.dst)
    if a.l2dst:
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        tx.bind((dev, 0))
        with open("/sys/class/net/%s/address" % dev) as f:
            mac = bytes.fromhex(f.read().strip().replace(":", ""))
        eth = (bytes.fromhex(a.l2dst.replace(":", "")) + mac +
               struct.pack("!H", ETH_P_IP if fam == socket.AF_INET else ETH_P_IPV6))

        def send(p):
            tx.send(eth + p)
    else:
        tx = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
        txaddr = (a.dst, 0) if fam == socket.AF_INET else (a.dst, 0, 0, 0)

        def send(p):
            tx.sendto(p, txaddr)
    gap = 1.0 / a.rate if a.rate > 0 else 0.0
    t0 = time.monotonic()
    for i in range(a.count):
        if gap:
            delay = t0 + i * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        key = None if a.mix and i % 2 == 0 else a.md5
        seg = tcp_segment(fam, src, dst, a.sport, a.dport, key, a.badsum)
        send(ip_packet(fam, src, dst, a.ttl, seg))
    tx.close()


def forge_parser(f):
    f.add_argument("--dst", required=True)
    f.add_argument("--dport", type=int, required=True)
    f.add_argument("--sport", type=int, required=True)
    f.add_argument("--count", type=int, default=1)
    f.add_argument("--rate", type=float, default=0)
    f.add_argument("--ttl", type=int, default=64)
    f.add_argument("--md5")
    f.add_argument("--mix", action="store_true")
    f.add_argument("--badsum", action="store_true")
    f.add_argument("--l2dst")
    return f


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "client"):
        s = sub.add_parser(name)
        s.add_argument("--conn", type=parse_conn, action="append",
                       required=True)
        s.add_argument("--key", default="")
        s.add_argument("--ready", required=True)
        if name == "client":
            s.add_argument("--ka", type=int, default=3)
            s.add_argument("--ctl", required=True)
            s.add_argument("--status", required=True)
    forge_parser(sub.add_parser("forge"))
    a = p.parse_args()
    {"serve": serve, "client": client, "forge": forge}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
