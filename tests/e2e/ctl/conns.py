#!/usr/bin/python3
"""conns.py: real TCP connections between two network namespaces, and
out-of-window pure ACKs injected into them.

  conns.py open --cli-ns NS --srv-ns NS --cli A --srv A --port P -n N
                --iface DEV --out FILE
      Listens in the server namespace, connects N sockets from the client
      namespace, and learns each connection's initial sequence number from
      the client's SYN (an AF_PACKET socket on DEV, the client's veth).
      Writes FILE (JSON: the connections and the setup time) when all are
      established, then holds them open until SIGTERM/SIGINT.

  conns.py inject --conns FILE (--each | --storm) [--rate R] [--duration S]
                 [--times TIMES]
      Run in the client namespace. Sends pure ACKs without options, IPv4
      header included, over a raw socket, each with a sequence number 2^30
      past the connection's client ISN: outside the server's receive window,
      so tcp_sequence() fails there (reason "seq"). The packets are built
      before the timed loop, which sends them on an absolute schedule.
        --each   one ACK per connection, at most R per second (default 1000)
        --storm  R per second (default 200) for S seconds to one of them
                 (--index I, default 0)
        --times  write the wall-clock time of each send to TIMES, one per
                 line: the reference for rates (sendlog.py)
      Prints one line: RESULT {"sent": n, "elapsed": s, "rate": n/s, ...}.
"""
import argparse
import ctypes
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
SEQ_AWAY = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (name, os.strerror(e)))
    finally:
        os.close(fd)


def log(*a):
    print("conns:", *a, file=sys.stderr, flush=True)


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(n, hard)))


def drain_syns(sniff, cli, srv, port, isn):
    """Read what the packet socket has; note the ISN of client SYNs."""
    while True:
        try:
            data, addr = sniff.recvfrom(256, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        if addr[1] != ETH_P_IP or addr[2] != PACKET_OUTGOING or \
                len(data) < 40:
            continue
        ihl = (data[0] & 0x0f) * 4
        if data[9] != 6 or data[12:16] != cli or data[16:20] != srv:
            continue
        sport, dport, seq = struct.unpack_from("!HHI", data, ihl)
        flags = data[ihl + 13]
        if dport == port and flags & 0x12 == 0x02:
            isn[sport] = seq


def cmd_open(a):
    t0 = time.monotonic()
    raise_nofile(2 * a.n + 256)
    cli = socket.inet_aton(a.cli)
    srv = socket.inet_aton(a.srv)

    setns(a.srv_ns)
    lsk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsk.bind((a.srv, a.port))
    lsk.listen(4096)
    lsk.setblocking(False)

    setns(a.cli_ns)
    # ETH_P_ALL: only such taps see outgoing packets.
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                          socket.htons(ETH_P_ALL))
    sniff.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    sniff.bind((a.iface, ETH_P_ALL))

    clients, accepted, isn = [], [], {}

    def accept_all():
        while True:
            try:
                s, _ = lsk.accept()
            except BlockingIOError:
                return
            accepted.append(s)

    for i in range(a.n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((a.cli, 0))
        c.connect((a.srv, a.port))
        clients.append(c)
        accept_all()
        if i % 64 == 63:
            drain_syns(sniff, cli, srv, a.port, isn)
    deadline = time.monotonic() + 30
    while len(accepted) < a.n and time.monotonic() < deadline:
        select.select([lsk], [], [], 0.2)
        accept_all()
    time.sleep(0.2)
    drain_syns(sniff, cli, srv, a.port, isn)
    sniff.close()

    conns = []
    for c in clients:
        cport = c.getsockname()[1]
        if cport not in isn:
            log("no SYN seen for client port %d" % cport)
            return 1
        conns.append({"cport": cport, "isn": isn[cport]})
    if len(accepted) != a.n:
        log("only %d of %d connections accepted" % (len(accepted), a.n))
        return 1
    out = {"cli": a.cli, "srv": a.srv, "port": a.port, "n": a.n,
           "setup_s": round(time.monotonic() - t0, 3), "conns": conns}
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.rename(tmp, a.out)
    log("%d connections established in %.2fs" % (a.n, out["setup_s"]))

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        signal.pause()
    for s in clients + accepted:
        s.close()
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ack_packet(src, dst, sport, dport, seq, ack):
    """IPv4 + 20-byte TCP header, flag ACK only, no options, no payload."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x10,
                      502, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def cmd_inject(a):
    with open(a.conns) as f:
        info = json.load(f)
    src = socket.inet_aton(info["cli"])
    dst = socket.inet_aton(info["srv"])
    pkts = []
    conns = info["conns"]
    if a.storm:
        conns = conns[a.index:a.index + 1]
    for c in conns:
        seq = (c["isn"] + 1 + SEQ_AWAY) & 0xffffffff
        pkts.append(ack_packet(src, dst, c["cport"], info["port"], seq,
                               0x12345678))
    rate = a.rate or (200 if a.storm else 1000)
    if a.storm:
        total = int(rate * a.duration)
        seq_of = [pkts[0]] * total
    else:
        total = len(pkts)
        seq_of = pkts
    sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    daddr = (info["srv"], 0)
    late = 0
    sent_at = [0.0] * total
    t0 = time.monotonic()
    for i in range(total):
        due = t0 + i / rate
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
        elif d < -0.05:
            late += 1
        sk.sendto(seq_of[i], daddr)
        sent_at[i] = time.time()
    el = time.monotonic() - t0
    if a.times:
        with open(a.times, "w") as f:
            f.writelines("%.6f\n" % t for t in sent_at)
    # rate over the sending span: (n - 1) intervals between n packets
    eff = (total - 1) / el if el > 0 and total > 1 else 0.0
    print("RESULT " + json.dumps({"sent": total, "elapsed": round(el, 3),
                                  "rate": round(eff, 1), "nominal": rate,
                                  "late": late}), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("open")
    o.add_argument("--cli-ns", required=True)
    o.add_argument("--srv-ns", required=True)
    o.add_argument("--cli", required=True)
    o.add_argument("--srv", required=True)
    o.add_argument("--port", type=int, required=True)
    o.add_argument("-n", type=int, default=1)
    o.add_argument("--iface", required=True)
    o.add_argument("--out", required=True)
    i = sub.add_parser("inject")
    i.add_argument("--conns", required=True)
    g = i.add_mutually_exclusive_group(required=True)
    g.add_argument("--each", action="store_true")
    g.add_argument("--storm", action="store_true")
    i.add_argument("--rate", type=float, default=0)
    i.add_argument("--duration", type=float, default=5)
    i.add_argument("--times", metavar="FILE",
                   help="write the wall-clock time of each send to FILE")
    i.add_argument("--index", type=int, default=0,
                   help="--storm: the connection to storm (default 0)")
    a = ap.parse_args()
    return cmd_open(a) if a.cmd == "open" else cmd_inject(a)


if __name__ == "__main__":
    sys.exit(main())
