#!/usr/bin/python3
"""oracle.py: the running kernel judges ackguard's classification.

Every segment that TCP answers through a rate-limited path (an out-of-window
dupack, a challenge ACK, a SYN-ACK or timewait ACK, all of which go through
tcp_oow_rate_limited() or its inner __tcp_oow_rate_limited()) increments
exactly one TcpExt counter TCPACKSkipped{PAWS,Seq,Challenge,SynRecv,
FinWait2,TimeWait} when it is rate-limited.  With the server namespace's
net.ipv4.tcp_invalid_ratelimit at its maximum, and each socket primed with
one answered segment, every later such segment is rate-limited: the counter
that moves is the kernel's own verdict.  ackguard (monitor mode: it counts,
drops nothing) classifies the same segment a moment earlier at LOCAL_IN and
counts it as <reason>_seen in /proc/net/ackguard/stats.  One segment at a
time, this compares the two: ackguard says R iff the kernel counted R, and
no reason iff no kernel counter moved.

Kernels without those counters (before 4.0: 3.10) have no limiter either:
there (or with --oracle wire and tcp_invalid_ratelimit 0) every such segment
is answered, and the kernel's verdict is the server's answer as the
client's sniffer sees it (wire_verdict()): its path's reason, or none.
OutSegs says how many segments to wait for.

The counters are per namespace: each --pair adds a client and a server
namespace that a worker process of its own judges in parallel (seed + 1,
+ 2, ...); the parent adds up their confusion matrices.  One packet socket
per interface serves every connection of a worker (inject.Capture), the
route is asked once: in the emulated guest four workers judge ~120
segments/s, one alone with a socket per connection judged 16.

Run in the client namespace (ip netns exec ag-cli oracle.py ...).  The
server sockets are this process's own: it enters the server namespace
(--srv-ns) just to create its listeners and to open the server's /proc
files, which then stay bound to that namespace and are re-read per segment
(no process per read).  The client end of every connection is forged
(inject.py's Conn: scapy handshake, raw socket, AF_PACKET sniffer); the
client namespace's own TCP never sees the server's segments (an nftables
prerouting rule drops them after the sniffer has), so it sends no RSTs.

States (--states): estab (data in flight, partly acked), estab0 (the
server's receive window closed), synrecv (request socket), finwait1,
finwait2 (timewait socket, FIN_WAIT2 substate), finwait2f (full socket after
shutdown(SHUT_WR)), closewait, lastack, closing, timewait.  For each of
them, episodes: a fresh connection driven into the state, one priming
segment (answered, not judged), then up to --per-socket random segments,
each judged; the episode ends early when the socket leaves its state (read
from /proc/net/tcp[6]).  Segments: pure ACKs, SYNs, SYN-ACKs, FINs, RSTs,
sometimes with a few bytes of payload; sequence numbers, acknowledgments and
TSvals drawn around the socket's edges (rcv_nxt, window end, snd_una,
snd_nxt, snd_una - max_window, ts_recent, +-2^31), with and without
timestamps, with SACK blocks and odd options.  --flags narrows the flag
combinations drawn, --data sets the share of segments with payload.

The draw is reproducible from --seed (AG_ORACLE_SEED); the connections'
live sequence numbers are not, so each mismatch also names its segment
relative to the socket's edges (seq=rcv_nxt+1, ack=snd_una-2^31, ...), which
is its reproducer.

Output: progress on stderr; on stdout one "MISMATCH ..." line per mismatch
(seed, family, state, segment, socket model, kernel's and ackguard's
verdicts), a confusion matrix per state (rows: the kernel's reason, columns:
ackguard's), the mismatch classes, and
  RESULT judged=N mismatches=M unsettled=U episodes=E seed=S secs=T
Exit status 0 iff every judged segment agreed, 1 otherwise, 2 on usage.
"""
import argparse
import ctypes
import os
import pickle
import random
import select
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# inject.py's handshake machinery: Conn (scapy SYN/SYN-ACK/ACK, raw
# socket, AF_PACKET sniffer) and its checksum helper
from inject import (ACK, FIN, RST, SYN, Capture, Conn, route,  # noqa: E402
                    tcp_csum_fix)

CLONE_NEWNET = 0x40000000
M32 = 0xFFFFFFFF
REASONS = ["paws", "seq", "challenge", "synrecv", "finwait2", "timewait"]
KERNEL_MIB = {
    "TCPACKSkippedPAWS": "paws",
    "TCPACKSkippedSeq": "seq",
    "TCPACKSkippedChallenge": "challenge",
    "TCPACKSkippedSynRecv": "synrecv",
    "TCPACKSkippedFinWait2": "finwait2",
    "TCPACKSkippedTimeWait": "timewait",
}
# /proc/net/tcp state numbers
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
STATES = ["estab", "estab0", "synrecv", "finwait1", "finwait2", "finwait2f",
          "closewait", "lastack", "closing", "timewait"]
# What /proc/net/tcp shows for each (state, timewait-or-request flag):
# a timewait socket has timer 3, a request socket state 3 (SYN_RECV).
EXPECT = {"estab": (1, False), "estab0": (1, False), "synrecv": (3, False),
          "finwait1": (4, False), "finwait2": (5, True),
          "finwait2f": (5, False), "closewait": (8, False),
          "lastack": (9, False), "closing": (11, False),
          "timewait": (6, True)}
OUR_WSCALE = 7          # the scale inject.Conn's SYN offers
OUR_WIN = 502           # the window its segments carry

_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


ERR_PREFIX = "# oracle:"


def err(*a):
    print(ERR_PREFIX, *a, file=sys.stderr, flush=True)


def hx(v):
    return "%#x" % v


class ProcFile:
    """A /proc file opened once (in whichever namespace) and re-read."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY)

    def read(self):
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            b = os.read(self.fd, 65536)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks).decode()


def parse_pairs(text, prefixes):
    """Header/value line pairs of /proc/net/netstat and /proc/net/snmp."""
    out = {}
    lines = text.splitlines()
    for i in range(0, len(lines) - 1, 2):
        h, v = lines[i].split(), lines[i + 1].split()
        if h[0] in prefixes:
            for k, x in zip(h[1:], v[1:]):
                out[h[0] + k] = int(x)
    return out


class Server:
    """The server namespace: its listeners and counters, opened in it."""

    def __init__(self, srv_ns, addr4, addr6, port):
        self.port = port
        # /proc/thread-self is 3.17; before, /proc/self is this thread's
        # as long as it is the main one (no sniffer thread yet)
        me = "/proc/thread-self"
        if not os.path.exists(me):
            assert threading.current_thread() is threading.main_thread()
            me = "/proc/self"
        home = os.open(me + "/ns/net", os.O_RDONLY)
        there = os.open(srv_ns, os.O_RDONLY)
        setns(there)
        try:
            self.netstat = ProcFile(me + "/net/netstat")
            self.snmp = ProcFile(me + "/net/snmp")
            self.agstats = ProcFile(me + "/net/ackguard/stats")
            self.tcp = {4: ProcFile(me + "/net/tcp"),
                        6: ProcFile(me + "/net/tcp6")}
            self.ls = {}
            for fam, addr in ((4, addr4), (6, addr6)):
                for small in (False, True):
                    af = socket.AF_INET if fam == 4 else socket.AF_INET6
                    s = socket.socket(af, socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    if fam == 6:
                        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                    if small:
                        # estab0: a receive buffer a few segments fill
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.bind((addr, port + small))
                    s.listen(64)
                    s.setblocking(False)
                    self.ls[(fam, small)] = s
        finally:
            setns(home)
            os.close(home)
            os.close(there)

    def accept(self, fam, small, peer_port, timeout=3.0):
        ls = self.ls[(fam, small)]
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([ls], [], [], 0.1)
            if not r:
                continue
            try:
                c, addr = ls.accept()
            except BlockingIOError:
                continue
            if addr[1] == peer_port:
                c.setblocking(False)
                return c
            abort(c)
        raise RuntimeError("the server did not accept port %d" % peer_port)

    def drain(self):
        """Abort what waits in the accept queues (request sockets an
        accepted ACK completed): a full queue would drop new SYNs."""
        for ls in self.ls.values():
            while True:
                try:
                    c, _ = ls.accept()
                except (BlockingIOError, OSError):
                    break
                abort(c)

    def has_skip_counters(self):
        """Does this kernel count rate-limited answers (TCPACKSkipped*,
        4.0 and later)?"""
        ns = parse_pairs(self.netstat.read(), ("TcpExt:",))
        return all("TcpExt:" + m in ns for m in KERNEL_MIB)

    def counters(self):
        """(kernel reasons, ackguard reasons, InSegs, PAWSEstab, aux) with
        aux the counters the wire oracle reads: OutSegs, and TCPChallengeACK
        (a challenge ACK sent, 3.6 and later)"""
        ns = parse_pairs(self.netstat.read(), ("TcpExt:",))
        sn = parse_pairs(self.snmp.read(), ("Tcp:",))
        k = {r: ns.get("TcpExt:" + m, 0) for m, r in KERNEL_MIB.items()}
        ag = {}
        for line in self.agstats.read().splitlines():
            f = line.split()
            if len(f) == 2 and f[0].endswith("_seen") and f[0][:-5] in REASONS:
                ag[f[0][:-5]] = int(f[1])
        aux = {"out": sn["Tcp:OutSegs"],
               "chal": ns.get("TcpExt:TCPChallengeACK", 0)}
        return k, ag, sn["Tcp:InSegs"], ns.get("TcpExt:PAWSEstab", 0), aux

    def outsegs(self):
        return parse_pairs(self.snmp.read(), ("Tcp:",))["Tcp:OutSegs"]

    def insegs(self):
        return parse_pairs(self.snmp.read(), ("Tcp:",))["Tcp:InSegs"]

    def sock_state(self, fam, lport, rport):
        """(state number, timewait timer?) of that 4-tuple, or None."""
        want = ":%04X" % lport
        rwant = ":%04X" % rport
        for line in self.tcp[fam].read().splitlines()[1:]:
            f = line.split()
            if f[1].endswith(want) and f[2].endswith(rwant):
                return int(f[3], 16), f[5].split(":")[0] == "03"
        return None


def abort(s):
    """close() with a RST: nothing lingers"""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


class Model:
    """The client's view of the server socket (relative to which segments
    are drawn); kept up to date from what the server sends."""

    def __init__(self, c):
        self.c = c
        self.isn = c.isn              # the server's rcv_isn
        self.snd_una = c.s_nxt        # server's snd_una (what we acked)
        self.snd_nxt = c.s_nxt        # server's snd_nxt (what it sent)
        self.ts_recent = c.ts0        # server's ts_recent (our TSval)
        self.s_ts = c.s_ts            # server's last TSval (our TSecr)
        self.win = 64240              # server's window, scaled
        self.wscale = 7
        self.acked = 0                # server's bytes_acked (tcp_ack())
        self.mark = 0

    @property
    def rcv_nxt(self):
        return self.c.c_nxt

    def update(self):
        """Take in the server's segments since the last call."""
        sn = self.c.sn
        with sn.cond:
            segs = sn.segs[self.mark:]
            self.mark = len(sn.segs)
        for s in segs:
            end = (s.seq + s.plen + (1 if s.flags & (SYN | FIN) else 0)) & M32
            if ((end - self.snd_nxt) & M32) < 0x80000000:
                self.snd_nxt = end
            if s.tsval is not None:
                self.s_ts = s.tsval
                if s.flags & ACK:
                    self.ts_recent = s.tsecr
            if s.flags & ACK and not s.flags & SYN:
                self.win = s.win << self.wscale

    def describe(self):
        return ("rcv_nxt=%s snd_una=%s snd_nxt=%s bytes_acked=%d ts_recent=%s "
                "win=%d isn=%s" % (hx(self.rcv_nxt), hx(self.snd_una),
                                   hx(self.snd_nxt), self.acked,
                                   hx(self.ts_recent), self.win, hx(self.isn)))


# ------------------------------------------------------------ segments

def opt_ts(tsval, tsecr):
    return b"\x01\x01\x08\x0a" + struct.pack("!II", tsval & M32, tsecr & M32)


def build(c, flags, seq, ack, win, opts=b"", payload=b""):
    opts += b"\x00" * (-len(opts) % 4)
    hdr = struct.pack("!HHIIBBHHH", c.sport, c.dport, seq & M32, ack & M32,
                      (5 + len(opts) // 4) << 4, flags, win, 0, 0)
    seg = tcp_csum_fix(c, hdr + opts + payload)
    if c.fam == 4:
        src, dst = socket.inet_aton(c.src), socket.inet_aton(c.dst)
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0, 0x4000,
                           64, 6, 0, src, dst) + seg
    src = socket.inet_pton(socket.AF_INET6, c.src)
    dst = socket.inet_pton(socket.AF_INET6, c.dst)
    return struct.pack("!IHBB16s16s", 0x60000000, len(seg), 6, 64, src, dst) + seg


def flag_str(f):
    return "".join(n for b, n in ((SYN, "S"), (FIN, "F"), (RST, "R"),
                                  (0x08, "P"), (ACK, "A")) if f & b) or "-"


class Gen:
    """Random segments around the edges of the model's socket."""

    FLAGS = [(40, ACK), (10, SYN), (6, SYN | ACK), (9, FIN | ACK), (6, RST),
             (5, RST | ACK), (2, FIN), (2, 0), (2, SYN | FIN), (2, ACK | 0x08)]

    def __init__(self, rnd, only=None, data=0.08):
        self.r = rnd
        self.data = data
        self.flags = [(w, f) for w, f in self.FLAGS
                      if only is None or flag_str(f) in only]
        if not self.flags:
            raise ValueError("no flag combination left")

    def pick(self, items):
        """items: (weight, value) pairs"""
        t = self.r.uniform(0, sum(w for w, _ in items))
        for w, v in items:
            t -= w
            if t <= 0:
                return v
        return items[-1][1]

    def near(self, name, base):
        d = self.r.choice([0, 0, 0, 1, -1, 2, -2, 100, -100])
        return (name + ("%+d" % d if d else ""), (base + d) & M32)

    def draw(self, m, state):
        r = self.r
        flags = self.pick(self.flags)
        plen = 0
        if r.random() < self.data:
            plen = r.choice([1, 2, 10, 100])
        rcv_nxt = m.rcv_nxt
        if state == "synrecv":
            rcv_nxt = (m.isn + 1) & M32
        wend = (rcv_nxt + m.win) & M32
        seq_name, seq = self.pick([
            (30, ("rcv_nxt", rcv_nxt)),
            (6, ("rcv_nxt-1", rcv_nxt - 1)),
            (6, ("rcv_nxt+1", rcv_nxt + 1)),
            (8, ("isn", m.isn)),
            (8, ("wend", wend)),
            (4, ("wend-1", wend - 1)),
            (4, ("wend+1", wend + 1)),
            (6, ("rcv_nxt-win", rcv_nxt - m.win)),
            (4, ("rcv_nxt+2^31", rcv_nxt + 0x80000000)),
            (4, ("rcv_nxt+2^31-1", rcv_nxt + 0x7FFFFFFF)),
            (3, ("rcv_nxt+2^30", rcv_nxt + 0x40000000)),
            (3, ("random", r.getrandbits(32))),
        ])
        seq &= M32
        if r.random() < 0.15:
            seq_name, seq = self.near(seq_name, seq)
        maxw = OUR_WIN << OUR_WSCALE
        ack_name, ack = self.pick([
            (25, ("snd_una", m.snd_una)),
            (15, ("snd_nxt", m.snd_nxt)),
            (5, ("snd_nxt+1", m.snd_nxt + 1)),
            (5, ("snd_una-1", m.snd_una - 1)),
            (6, ("snd_una-maxwin", m.snd_una - maxw)),
            (6, ("snd_una-acked", m.snd_una - m.acked)),
            (4, ("snd_una-acked-1", m.snd_una - m.acked - 1)),
            (4, ("snd_una-maxwin-1", m.snd_una - maxw - 1)),
            (4, ("snd_una-2^31", m.snd_una - 0x80000000)),
            (4, ("snd_nxt+2^31-1", m.snd_nxt + 0x7FFFFFFF)),
            # not before snd_una, but before snd_una - max_window
            (3, ("snd_una+2^31-1", m.snd_una + 0x7FFFFFFF)),
            (3, ("snd_una+2^31-acked", m.snd_una + 0x80000000 - m.acked)),
            (3, ("snd_una-2^30", m.snd_una - 0x40000000)),
            (3, ("random", r.getrandbits(32))),
            (2, ("0", 0)),
        ])
        ack &= M32
        if r.random() < 0.15:
            ack_name, ack = self.near(ack_name, ack)
        ts_name, tsval = self.pick([
            (10, ("none", None)),
            (30, ("ts_recent", m.ts_recent)),
            (10, ("ts_recent+1", m.ts_recent + 1)),
            (6, ("ts_recent+100", m.ts_recent + 100)),
            (8, ("ts_recent-1", m.ts_recent - 1)),
            (6, ("ts_recent-2", m.ts_recent - 2)),
            (6, ("ts_recent-2^31", m.ts_recent - 0x80000000)),
            (6, ("ts_recent+2^31-1", m.ts_recent + 0x7FFFFFFF)),
            (6, ("ts_recent+2^31+1", m.ts_recent + 0x80000001)),
            (4, ("ts_recent-2^28", m.ts_recent - 0x10000000)),
            (3, ("random", r.getrandbits(32))),
        ])
        if tsval is not None:
            tsval &= M32
        tsecr = m.s_ts if r.random() < 0.9 else r.getrandbits(32)
        extra = self.pick([(60, "plain"), (10, "sack"), (6, "mss"),
                           (5, "wscale"), (5, "unknown"), (5, "eol_first"),
                           (4, "nops"), (5, "ts_twice")])
        opts = b""
        if extra == "eol_first":
            # the parser stops at EOL: a timestamp behind it is not seen
            opts = b"\x00\x01\x01\x01"
        elif extra == "nops":
            opts = b"\x01" * r.choice([1, 3, 4])
        elif extra == "mss":
            opts = b"\x02\x04\x05\xb4"
        elif extra == "wscale":
            opts = b"\x01\x03\x03\x07"
        elif extra == "unknown":
            opts = b"\xfd\x06\x00\x01\x02\x03"
        if tsval is not None:
            opts += opt_ts(tsval, tsecr)
            if extra == "ts_twice":
                opts += opt_ts(r.getrandbits(32), tsecr)
        if extra == "sack":
            left = (m.snd_una + r.randrange(1, 3000)) & M32
            opts += b"\x01\x01\x05\x0a" + struct.pack("!II", left,
                                                      (left + 1000) & M32)
        win = self.pick([(80, OUR_WIN), (10, 0), (10, 65535)])
        return {"flags": flags, "seq": seq, "ack": ack, "tsval": tsval,
                "tsecr": tsecr, "opts": opts, "win": win, "plen": plen,
                "desc": "%s seq=%s ack=%s ts=%s opts=%s win=%d len=%d" % (
                    flag_str(flags), seq_name, ack_name, ts_name, extra, win,
                    plen)}


# ------------------------------------------------------------ states

class Episode:
    """One connection driven into one state."""

    def __init__(self, o, fam, state, sport):
        self.o, self.fam, self.state, self.sport = o, fam, state, sport
        self.ssock = None
        dst = o.a.dst4 if fam == 4 else o.a.dst6
        a = argparse.Namespace(family=fam, dst=dst,
                               port=o.port + (state == "estab0"), src=None)
        self.c = Conn(a, sport, capture=o.capture(route(dst, fam)[0]))
        self.m = None
        self.st = None          # the socket's last (state, timewait?)

    def pure(self, flags=ACK, seq=None, ack=None, tsval=None, payload=b""):
        c = self.c
        return build(c, flags, c.c_nxt if seq is None else seq,
                     self.m.snd_una if ack is None else ack, OUR_WIN,
                     opt_ts(c.ts() if tsval is None else tsval, self.m.s_ts),
                     payload)

    def wait_server(self, pred, what, timeout=5.0, since=None):
        s = self.c.sn.wait(pred, self.m.mark if since is None else since, timeout)
        if not s:
            raise RuntimeError("no %s from the server" % what)
        self.m.update()
        return s

    def send(self, pkt):
        self.c.send(pkt)

    def our_ts(self):
        t = self.c.ts()
        self.m.ts_recent = t
        return t

    def setup(self):
        c, st, o = self.c, self.state, self.o
        if st == "synrecv":
            c.syn_sent()
            self.m = Model(c)
            self.m.mark = c.sn.mark()
            self.m.snd_una = (c.s_nxt - 1) & M32     # the SYN-ACK is unacked
            return
        c.establish()
        self.m = Model(c)
        self.m.mark = c.sn.mark()
        self.m.ts_recent = c.ts0
        self.ssock = o.srv.accept(self.fam, st == "estab0", self.sport)
        m = self.m
        if st == "estab":
            # data in flight, the first 1000 bytes of it acked: snd_una <
            # snd_nxt and bytes_acked > 0 (max_window in tcp_ack())
            self.ssock.send(b"d" * 3000)
            self.wait_server(lambda s: s.plen > 0 and
                             ((s.seq + s.plen - m.snd_una) & M32) >= 3000,
                             "data", since=0)
            m.update()
            m.snd_una = (m.snd_una + 1000) & M32
            m.acked = 1000
            self.send(self.pure(tsval=self.our_ts()))
        elif st == "estab0":
            # fill the server's small receive buffer until it shows a zero
            # window (nobody reads)
            for _ in range(200):
                mark = c.sn.mark()
                self.send(self.pure(ACK | 0x08, tsval=self.our_ts(),
                                    payload=b"z" * 1000))
                a = c.sn.wait(lambda s: s.flags & ACK, mark, 1.0)
                m.update()
                if a is None:
                    continue
                if ((a.ack - c.c_nxt) & M32) < 0x80000000:
                    c.c_nxt = a.ack
                if a.win == 0:
                    break
            else:
                raise RuntimeError("the server's window never closed")
        elif st in ("finwait1", "finwait2", "finwait2f", "lastack", "closing",
                    "timewait"):
            if st == "lastack":
                self.peer_fin()
            if st == "finwait2f":
                self.ssock.shutdown(socket.SHUT_WR)
            else:
                self.ssock.close()
                self.ssock = None
            fin = self.wait_server(lambda s: s.flags & FIN, "FIN", since=0)
            m.update()
            if st in ("finwait2", "finwait2f", "timewait"):
                m.snd_una = m.snd_nxt
                m.acked = 1                   # the FIN
            if st == "timewait":
                self.peer_fin()
            elif st == "closing":
                # our FIN, not acking theirs
                self.send(self.pure(ACK | FIN, ack=fin.seq, tsval=self.our_ts()))
                c.c_nxt = (c.c_nxt + 1) & M32
                self.wait_server(lambda s: s.flags & ACK and s.ack == c.c_nxt,
                                 "ACK of our FIN")
            elif st != "finwait1":
                self.send(self.pure(tsval=self.our_ts()))
        elif st == "closewait":
            self.peer_fin()
        # TCP ACKs our FIN before it hashes a timewait socket (see
        # inject.py's close_by_server()): wait for the state to show.
        want = EXPECT[st]
        for _ in range(50):
            if o.srv.sock_state(self.fam, self.c.dport, self.sport) == want:
                break
            time.sleep(0.02)
        else:
            raise RuntimeError("the socket did not reach %s: %s" % (
                st, o.srv.sock_state(self.fam, self.c.dport, self.sport)))

    def peer_fin(self):
        c = self.c
        mark = c.sn.mark()
        self.send(self.pure(ACK | FIN, tsval=self.our_ts()))
        c.c_nxt = (c.c_nxt + 1) & M32
        self.wait_server(lambda s: s.flags & ACK and s.ack == c.c_nxt,
                         "ACK of our FIN", since=mark)

    def prime(self):
        """One segment down the state's rate-limited path: answered, and
        from now on the socket's last_oow_ack_time makes every such
        segment rate-limited (and counted)."""
        c, m = self.c, self.m
        if self.state == "synrecv":
            p = build(c, SYN, m.isn, 0, 64240,
                      b"\x02\x04\x05\xb4\x04\x02" + opt_ts(c.ts0, 0) +
                      b"\x01\x03\x03\x07")
            what = lambda s: s.flags & (SYN | ACK) == SYN | ACK  # noqa: E731
        else:
            p = self.pure(seq=c.c_nxt + 0x40000000, tsval=m.ts_recent)
            what = lambda s: s.flags & ACK and not s.flags & (SYN | RST)  # noqa: E731
        mark = c.sn.mark()
        self.send(p)
        self.wait_server(what, "answer to the priming segment", since=mark)

    def close(self):
        if self.m is not None:
            # an exact RST (no timestamp: no PAWS) ends a full, request or
            # timewait socket: no orphan retransmits into later episodes
            self.send(build(self.c, RST, self.c.c_nxt, 0, 0))
        self.o.srv.drain()
        if self.ssock:
            abort(self.ssock)
        self.c.close()


class Oracle:
    def __init__(self, a):
        self.a = a
        self.port = a.port
        self.srv = Server(a.srv_ns, a.srv4, a.srv6, a.port)
        self.rnd = random.Random(a.seed)
        # inject.Conn draws ISNs and clocks from the global generator
        random.seed(a.seed ^ 0x5A5A)
        self.gen = Gen(self.rnd, a.flags, a.data)
        # consecutive source ports: no episode meets an earlier one's
        # timewait socket
        self.sport = self.rnd.randint(20000, 50000)
        self.conf = {}          # state -> {(kernel, ag): n}
        self.classes = {}       # (state, kernel, ag, flags) -> [n, example]
        self.outside = {}       # (state, kernel, flags) -> n, see out_of_scope()
        self.judged = 0
        self.counted = 0
        self.mismatches = 0
        self.unsettled = 0
        self.episodes = 0
        self.last = None
        self.captures = {}
        # the wire oracle: kernels without TCPACKSkipped* (before 4.0), or
        # asked for (--oracle wire, with tcp_invalid_ratelimit 0: a
        # cross-check of the two oracles on a kernel that has both)
        self.wire = a.oracle == "wire" or (
            a.oracle == "auto" and not self.srv.has_skip_counters())
        err("oracle: %s" % ("the wire (the server's answers)"
                            if self.wire else "TcpExt TCPACKSkipped* counters"))

    def capture(self, dev):
        """The one packet socket on dev that every episode's connection
        takes its segments from"""
        if dev not in self.captures:
            self.captures[dev] = Capture(dev)
        return self.captures[dev]

    def wire_answers(self, ep, before, mark):
        """The server's segments since mark: every one it sent (OutSegs,
        counted as TCP transmits, in the softirq that took our segment)
        has reached the sniffer, or a second has passed."""
        sn = ep.c.sn
        end = time.monotonic() + 1.0
        time.sleep(0.004)
        out = self.srv.outsegs() - before[4]["out"]
        if out == 0:
            # a slow guest: the verdict may still be on its way
            time.sleep(0.02)
            out = self.srv.outsegs() - before[4]["out"]
        while True:
            with sn.cond:
                segs = sn.segs[mark:]
            if len(segs) >= out or time.monotonic() > end:
                return segs
            time.sleep(0.002)

    def settle(self, ep, c_nxt0):
        """Wire oracle: the server ACKs data or a FIN it took (delayed up
        to 200 ms); wait for that ACK, lest it pass for the answer to the
        next segment (a pure ACK also sends an ACK TCP had scheduled)."""
        c = ep.c
        if c.c_nxt == c_nxt0:
            return
        want = c.c_nxt
        c.sn.wait(lambda s: s.flags & ACK and s.ack == want, ep.m.mark, 0.5)
        ep.m.update()

    def snap(self):
        return self.srv.counters()

    def judge_one(self, ep, seg):
        srv = self.srv
        before = self.snap()
        if self.last is not None and (before[0], before[1]) != (self.last[0], self.last[1]):
            # a counter moved between two segments: a late verdict (or
            # something else in the namespace sent us a segment)
            self.unsettled += 1
            err("counters moved between segments: kernel %s ackguard %s" % (
                delta(self.last[0], before[0]), delta(self.last[1], before[1])))
        st0 = ep.st
        pkt = build(ep.c, seg["flags"], seg["seq"], seg["ack"], seg["win"],
                    seg["opts"], b"p" * seg["plen"])
        mark = ep.c.sn.mark()
        ep.send(pkt)
        # wait until TCP has taken the segment (InSegs counts it as
        # tcp_v4_rcv()/tcp_v6_rcv() begin), then a moment for its verdict
        end = time.monotonic() + 3.0
        while srv.insegs() < before[2] + 1:
            if time.monotonic() > end:
                self.unsettled += 1
                err("InSegs did not move for %s" % seg["desc"])
                break
            time.sleep(0.001)
        time.sleep(0.002)
        answers = self.wire_answers(ep, before, mark) if self.wire else []
        after = self.snap()
        self.last = after
        kd = delta(before[0], after[0])
        ad = delta(before[1], after[1])
        kr = verdict(kd)
        if self.wire:
            kr = wire_verdict(st0, seg, answers, before, after)
        ar = verdict(ad)
        st1 = ep.st = srv.sock_state(ep.fam, ep.c.dport, ep.sport)
        self.judged += 1
        if kr != "none":
            self.counted += 1
        if out_of_scope(seg):
            # ackguard never touches it, whatever TCP does: it must say
            # none; what the kernel limited is reported, not judged
            key = (ep.state, kr, flag_str(seg["flags"]))
            self.outside[key] = self.outside.get(key, 0) + 1
            kr = "none"
        row = self.conf.setdefault(ep.state, {})
        row[(kr, ar)] = row.get((kr, ar), 0) + 1
        if kr != ar:
            self.mismatches += 1
            line = ("MISMATCH seed=%d n=%d family=%d state=%s sock=%s->%s "
                    "segment=[%s] abs=[flags=%s seq=%s ack=%s tsval=%s tsecr=%s "
                    "opts=%s] model=[%s] kernel=%s ackguard=%s%s" % (
                        self.a.seed, self.judged, ep.fam, ep.state, sname(st0),
                        sname(st1), seg["desc"], flag_str(seg["flags"]),
                        hx(seg["seq"]), hx(seg["ack"]),
                        "-" if seg["tsval"] is None else hx(seg["tsval"]),
                        hx(seg["tsecr"]), seg["opts"].hex() or "-",
                        ep.m.describe(), kr, ar,
                        " answers=[%s]" % ",".join(map(seg_str, answers))
                        if self.wire else ""))
            print(line, flush=True)
            key = (ep.state, kr, ar, flag_str(seg["flags"]))
            cl = self.classes.setdefault(key, [0, line])
            cl[0] += 1
        return st1

    def learn(self, ep, seg, st1):
        """Move the model as the kernel would have, roughly, if it took
        the segment (nothing counted); the server's own segments correct
        it (Model.update)."""
        m, c = ep.m, ep.c
        ep.m.update()
        f = seg["flags"]
        if f & RST or seg["seq"] != m.rcv_nxt:
            return
        if (f & ACK and ((seg["ack"] - m.snd_una) & M32) < 0x80000000 and
                ((m.snd_nxt - seg["ack"]) & M32) < 0x80000000):
            m.acked += (seg["ack"] - m.snd_una) & M32
            m.snd_una = seg["ack"]
        if seg["tsval"] is not None and ((seg["tsval"] - m.ts_recent) & M32) < 0x80000000:
            m.ts_recent = seg["tsval"]
        if not f & SYN:
            c.c_nxt = (c.c_nxt + seg["plen"] + (1 if f & FIN else 0)) & M32

    def episode(self, fam, state, budget):
        self.sport += 1
        sport = self.sport
        ep = Episode(self, fam, state, sport)
        n = 0
        try:
            ep.setup()
            ep.prime()
            time.sleep(0.01)
            self.last = None
            want = ep.st = EXPECT[state]
            while n < budget:
                seg = self.gen.draw(ep.m, state)
                st1 = self.judge_one(ep, seg)
                n += 1
                if st1 != want:
                    # the socket changed (or went): its successor is not
                    # primed, this episode ends
                    break
                c_nxt0 = ep.c.c_nxt
                self.learn(ep, seg, st1)
                if self.wire:
                    self.settle(ep, c_nxt0)
        finally:
            ep.close()
        self.episodes += 1
        return n

    def run(self):
        """Judge a.count segments; the tally (see merge())"""
        a = self.a
        plan = [(f, s) for f in a.families for s in a.states]
        t0 = time.monotonic()
        left = a.count
        i = 0
        fails = 0
        while left > 0:
            fam, state = plan[i % len(plan)]
            i += 1
            try:
                left -= self.episode(fam, state, min(left, a.per_socket))
            except (RuntimeError, OSError) as e:
                fails += 1
                err("IPv%d %s: setup failed: %s" % (fam, state, e))
                if fails > 10 + self.episodes // 4:
                    raise RuntimeError("too many episode setups failed")
            if self.judged and self.judged % 500 == 0:
                err("%d judged, %d mismatches, %.0fs" % (
                    self.judged, self.mismatches, time.monotonic() - t0))
        return {"conf": self.conf, "classes": self.classes,
                "outside": self.outside, "judged": self.judged,
                "counted": self.counted, "mismatches": self.mismatches,
                "unsettled": self.unsettled, "episodes": self.episodes,
                "fails": fails, "seeds": [a.seed],
                "secs": time.monotonic() - t0, "wire": self.wire}


def merge(tallies):
    """One tally of the workers' (their matrices and counts added up)"""
    out = {"conf": {}, "classes": {}, "outside": {}, "seeds": [], "secs": 0.0,
           "wire": False}
    for t in tallies:
        for state, row in t["conf"].items():
            mine = out["conf"].setdefault(state, {})
            for k, n in row.items():
                mine[k] = mine.get(k, 0) + n
        for k, (n, ex) in t["classes"].items():
            out["classes"].setdefault(k, [0, ex])[0] += n
        for k, n in t["outside"].items():
            out["outside"][k] = out["outside"].get(k, 0) + n
        for k in ("judged", "counted", "mismatches", "unsettled", "episodes",
                  "fails"):
            out[k] = out.get(k, 0) + t[k]
        out["seeds"] += t["seeds"]
        out["secs"] = max(out["secs"], t["secs"])
        out["wire"] = out["wire"] or t["wire"]
    return out


def report(t, states):
    cols = ["none"] + REASONS
    for state in states:
        row = t["conf"].get(state)
        if not row:
            continue
        print("CONFUSION state=%s (rows: kernel, columns: ackguard)" % state)
        print("  %-10s" % "" + "".join("%10s" % c for c in cols))
        for k in cols:
            if not any(row.get((k, x)) for x in cols):
                continue
            print("  %-10s" % k + "".join(
                "%10s" % (row.get((k, x), "") if k == x or not row.get((k, x))
                          else "*%d" % row[(k, x)]) for x in cols))
    for (state, kr, ar, fl), (n, ex) in sorted(t["classes"].items()):
        print("CLASS state=%s flags=%s kernel=%s ackguard=%s count=%d "
              "cause?=%s example: %s" % (state, fl, kr, ar, n,
                                         hint(state, fl, kr, ar, ex), ex))
    for (state, kr, fl), n in sorted(t["outside"].items()):
        print("OUTSIDE state=%s flags=%s kernel=%s count=%d (RST, or FIN or "
              "data without SYN: never classified, by design)" % (state, fl, kr, n))
    outside = sum(t["outside"].values())
    print("RESULT judged=%d counted=%d mismatches=%d unsettled=%d episodes=%d "
          "outside=%d setup_failures=%d seed=%s workers=%d secs=%.1f oracle=%s" % (
              t["judged"], t["counted"], t["mismatches"], t["unsettled"],
              t["episodes"], outside, t["fails"],
              ",".join(map(str, t["seeds"])), len(t["seeds"]), t["secs"],
              "wire" if t["wire"] else "counters"), flush=True)


def out_of_scope(seg):
    """A segment ackguard never classifies, by design (README): an RST, or
    FIN or data without SYN. Loops are made of pure ACKs; TCP may still
    answer such a segment through a rate-limited path (a challenge ACK for a
    non-exact in-window RST, or for data whose ACK is unacceptable), but
    ackguard never risks dropping a reset or data. For these the oracle
    asserts that ackguard says nothing (a false verdict is a mismatch) and
    reports what the kernel limited, apart."""
    f = seg["flags"]
    if f & RST:
        return True
    return not f & SYN and (f & FIN or seg["plen"] > 0)


def hint(state, fl, kr, ar, ex):
    """A guess at a mismatch class's cause, from what is known of the
    module (a guess to help the reader: the class fails all the same)."""
    data = " len=0]" not in ex
    if ar == "none" and "R" in fl:
        return ("ackguard ignores RSTs (segment.c); TCP answers a non-exact "
                "in-window RST with a challenge ACK (tcp_validate_incoming(), "
                "tcp_check_req()) and a FIN_WAIT2 timewait socket an "
                "out-of-window RST with an ACK")
    if ar == "none" and "S" in fl and ("F" in fl or data):
        return ("ackguard ignores SYNs with FIN or data; TCP rate-limits "
                "SYNs whatever they carry (tcp_oow_rate_limited() exempts "
                "only data without SYN)")
    if ar == "none" and kr == "challenge" and ("F" in fl or data):
        return ("ackguard ignores FIN and data segments; tcp_ack()'s "
                "challenge ACK goes through __tcp_oow_rate_limited(), "
                "which has no data exemption")
    if ar == "none" and fl == "-":
        return ("ackguard ignores segments without ACK, SYN and RST; "
                "timewait and request sockets answer them")
    if state.startswith("estab") and kr == "none" and ar == "challenge":
        return ("tcp_ack(): an ACK not before snd_una and after snd_nxt is "
                "dropped silently in ESTABLISHED, before the snd_una - "
                "max_window check")
    return "unknown"


def seg_str(s):
    return "%s seq=%s ack=%s len=%d" % (flag_str(s.flags), hx(s.seq),
                                        hx(s.ack), s.plen)


def wire_verdict(st0, seg, answers, before, after):
    """The kernel's verdict from its answers on the wire (no limiter):
    the reason whose path upstream rate-limits since 4.0, or none.

    Those paths answer with a pure ACK (tcp_send_dupack(), after PAWS or
    the sequence check; tcp_send_challenge_ack(); a request socket's
    send_ack(); a timewait socket's TCP_TW_ACK), or, a request socket
    given its SYN again, with the SYN-ACK (inet_rtx_syn_ack()).  Nothing
    else is: a RST, data (a retransmission, new data a window let out), a
    SYN-ACK of a new connection (a SYN that reopens a TIME_WAIT socket),
    a FIN.  Which path: a request socket's is synrecv, a timewait
    socket's finwait2 or timewait by its substate; a full socket's is
    paws when PAWSEstab moved (tcp_validate_incoming() counts it before
    tcp_send_dupack()), challenge when TCPChallengeACK did (every
    tcp_send_challenge_ack() that sends, 3.6 and later), seq otherwise."""
    pure = [s for s in answers
            if s.flags & (SYN | ACK | RST | FIN) == ACK and s.plen == 0]
    if st0 == (3, False):
        synack = [s for s in answers if s.flags & (SYN | ACK | RST) == SYN | ACK]
        # inet_rtx_syn_ack() answers a SYN only: a SYN-ACK after anything
        # else is the request's retransmission timer
        if pure or (synack and seg["flags"] & SYN and not seg["flags"] & ACK):
            return "synrecv"
        return "none"
    if not pure:
        return "none"
    if st0 == (5, True):
        return "finwait2"
    if st0 == (6, True):
        return "timewait"
    if after[3] > before[3]:
        return "paws"
    if after[4]["chal"] > before[4]["chal"]:
        return "challenge"
    return "seq"


def delta(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)
            if b.get(k, 0) != a.get(k, 0)}


def verdict(d):
    if not d:
        return "none"
    if len(d) == 1 and list(d.values())[0] == 1:
        return list(d)[0]
    return "+".join("%s%+d" % kv for kv in sorted(d.items()))


def sname(st):
    if st is None:
        return "gone"
    return TCP_STATES.get(st[0], str(st[0])) + ("(tw)" if st[1] else "")


class Quiet:
    """nftables in the client namespace: its TCP never sees the server's
    segments (the AF_PACKET sniffers do, before prerouting).  No
    "counter": older kernels build it as CONFIG_NFT_COUNTER, off in the
    matrix kernels (../shared/kernels).  Kernels without nf_tables (before
    3.13): the same rule with iptables-legacy, in the filter table's INPUT
    chain (logged)."""

    TABLE = "ag_oracle"
    LEGACY = (["iptables-legacy"], ["ip6tables-legacy"])
    RULE = ["INPUT", "-p", "tcp", "-j", "DROP"]

    def __init__(self):
        rules = ("table inet %s {\n chain pre {\n"
                 "  type filter hook prerouting priority -300; policy accept;\n"
                 "  meta l4proto tcp drop\n }\n}\n" % self.TABLE)
        self.legacy = subprocess.run(["nft", "-f", "-"], input=rules, text=True,
                                     stderr=subprocess.DEVNULL).returncode != 0
        if self.legacy:
            err("no nftables here: the client's TCP is kept quiet with "
                "iptables-legacy")
            for cmd in self.LEGACY:
                subprocess.run(cmd + ["-I"] + self.RULE, check=True)

    def remove(self):
        if self.legacy:
            for cmd in self.LEGACY:
                subprocess.run(cmd + ["-D"] + self.RULE,
                               stderr=subprocess.DEVNULL, check=False)
            return
        subprocess.run(["nft", "delete", "table", "inet", self.TABLE],
                       stderr=subprocess.DEVNULL, check=False)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--srv-ns", required=True,
                   help="the server namespace, e.g. /var/run/netns/ag-srv")
    p.add_argument("--srv4", required=True)
    p.add_argument("--srv6", required=True)
    p.add_argument("--dst4", help="default --srv4")
    p.add_argument("--dst6", help="default --srv6")
    p.add_argument("--port", type=int, default=5300,
                   help="listeners on PORT and PORT+1 (small receive buffer)")
    p.add_argument("--seed", type=int, default=int(os.environ.get(
        "AG_ORACLE_SEED", "0") or 0))
    p.add_argument("--count", type=int, default=int(os.environ.get(
        "AG_ORACLE_COUNT", "1200") or 1200), help="segments to judge")
    p.add_argument("--per-socket", type=int, default=8,
                   help="judged segments per connection at most")
    p.add_argument("--states", default=",".join(STATES))
    p.add_argument("--families", default="4,6")
    p.add_argument("--flags", help="draw only these flag combinations "
                   "(comma list of S F R P A letters in that order, - for none), "
                   "e.g. A,S,-")
    p.add_argument("--oracle", choices=["auto", "counters", "wire"],
                   default=os.environ.get("AG_ORACLE_MODE", "auto") or "auto",
                   help="the kernel's verdict from its TCPACKSkipped* counters "
                   "(tcp_invalid_ratelimit huge), or from its answers on the "
                   "wire (no limiter: tcp_invalid_ratelimit 0 or a kernel "
                   "without one); auto: counters where the kernel has them")
    p.add_argument("--pair", action="append", metavar="CLI_NS,SRV_NS,SRV4,SRV6",
                   help="one more pair of namespaces (paths, e.g. "
                   "/var/run/netns/ag-cli2) judged in parallel by a worker "
                   "process of its own, with seed + 1, + 2, ...: the "
                   "kernel's counters are per namespace")
    p.add_argument("--data", type=float, default=float(os.environ.get(
        "AG_ORACLE_DATA", "0.08") or 0.08),
                   help="share of segments with a few bytes of payload")
    a = p.parse_args()
    if a.flags:
        a.flags = a.flags.split(",")
        if not any(flag_str(f) in a.flags for _, f in Gen.FLAGS):
            p.error("--flags matches none of " +
                    ",".join(flag_str(f) for _, f in Gen.FLAGS))
    a.dst4 = a.dst4 or a.srv4
    a.dst6 = a.dst6 or a.srv6
    a.states = a.states.split(",")
    for s in a.states:
        if s not in STATES:
            p.error("unknown state %r" % s)
    a.families = [int(f) for f in a.families.split(",")]
    if not a.seed:
        a.seed = random.SystemRandom().randint(1, 1 << 31)
    pairs = [(None, a.srv_ns, a.srv4, a.srv6, a.dst4, a.dst6)]
    for pr in a.pair or []:
        f = pr.split(",")
        if len(f) != 4:
            p.error("--pair takes CLI_NS,SRV_NS,SRV4,SRV6: %r" % pr)
        pairs.append((f[0], f[1], f[2], f[3], f[2], f[3]))
    err("seed %d, %d segments, states %s, families %s, %d worker(s)" % (
        a.seed, a.count, ",".join(a.states), a.families, len(pairs)))
    jobs = []
    for i, pair in enumerate(pairs):
        w = argparse.Namespace(**vars(a))
        w.cli_ns, w.srv_ns, w.srv4, w.srv6, w.dst4, w.dst6 = pair
        # worker i judges its share with seed + i: AG_ORACLE_SEED=that
        # seed with one worker draws its segments again
        w.seed = a.seed + i
        w.count = a.count // len(pairs) + (i < a.count % len(pairs))
        jobs.append(w)
    if len(jobs) == 1:
        tallies = [work(jobs[0])]
    else:
        kids = [spawn(w, i) for i, w in enumerate(jobs)]
        tallies = [collect(pid, r) for pid, r in kids]
    errors = [t["error"] for t in tallies if t.get("error")]
    for e in errors:
        err("error:", e)
    good = [t for t in tallies if not t.get("error")]
    if not good:
        return 1
    t = merge(good)
    report(t, a.states)
    return 0 if not errors and t["mismatches"] == 0 and t["unsettled"] == 0 else 1


def work(w):
    """One worker: its client namespace (entered), its server, its share;
    its tally, or {"error": ...}"""
    if w.cli_ns:
        fd = os.open(w.cli_ns, os.O_RDONLY)
        setns(fd)
        os.close(fd)
    q = Quiet()
    try:
        return Oracle(w).run()
    except (RuntimeError, OSError) as e:
        return {"error": "worker seed %d: %s" % (w.seed, e)}
    finally:
        q.remove()


def spawn(w, i):
    """Fork worker i (parallel pairs of namespaces: the guest's CPUs);
    its tally comes back pickled through a pipe."""
    r, wr = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        global ERR_PREFIX
        ERR_PREFIX = "# oracle[%d]:" % i
        try:
            res = work(w)
        except BaseException as e:  # reported by the parent
            res = {"error": "worker seed %d: %r" % (w.seed, e)}
        with os.fdopen(wr, "wb") as f:
            pickle.dump(res, f)
        os._exit(0)
    os.close(wr)
    return pid, r


def collect(pid, r):
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    try:
        return pickle.loads(data)
    except (pickle.UnpicklingError, EOFError) as e:
        return {"error": "worker %d died: %s" % (pid, e)}

if __name__ == "__main__":
    sys.exit(main())
