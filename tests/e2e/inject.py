#!/usr/bin/python3
"""inject.py: forge invalid TCP segments at a real server socket and count
the answers it sends back.

Run it in the client's network namespace (ip netns exec ag-cli ...).  It
plays the client itself: a scapy-built handshake (with timestamps, window
scaling and SACK, like Linux) over a raw socket.  The client kernel knows
nothing of that connection and would answer the server with RSTs, so for
the run's source port an nftables rule in this namespace drops outgoing
RSTs (table inet ag_inject_<sport>, removed at exit).  Answers are counted
on the client's interface with an AF_PACKET socket.

Modes (what is sent COUNT times, at RATE per second):
  paws      established; pure ACK at rcv_nxt/snd_una whose TSval is far in
            the past: fails PAWS, answered with a dupack (PAWSEstab)
  seq       established; pure ACK with a valid TSval and a sequence number
            far outside the receive window: dupack (TCPACKSkippedSeq path)
  challenge established; SYN with a valid TSval: challenge ACK
  timewait  the server closes first (tcpapp.py serve --mode close), we ACK
            its FIN and send ours: the server socket is in TIME_WAIT; pure
            ACKs outside its window: each answered with an ACK
  finwait2  the server closes first, we only ACK its FIN: the server is in
            FIN_WAIT2 (a timewait socket); pure ACKs outside the window
  synrecv   SYN, the server answers SYN-ACK, no handshake completion: the
            same SYN retransmitted; each answered with a SYN-ACK
  syndata   established; SYN carrying 10 bytes of data, valid TSval:
            challenge ACK (TCP rate-limits the answers to a SYN with data)
  synfin    established; SYN+FIN, valid TSval: challenge ACK
  synrecvdata  as synrecv, the SYN carrying 10 bytes of data (a listener
            without fast open): each answered with a SYN-ACK
  tfosyn    fast open (the listener: TCP_FASTOPEN, TCP_FASTOPEN_NO_COOKIE,
            sysctl tcp_fastopen & 2): SYN with 10 bytes of data, the server
            accepts the data and its child socket waits in SYN_RECV for our
            ACK; the same SYN retransmitted: each answered with a SYN-ACK
            (tcp_check_req() on the child's request: TCPACKSkippedSynRecv)
  tfoseq    the same child; pure ACKs far outside the window: each answered
            with an ACK (tcp_check_req() again)
  tfoold    the same child; a pure ACK in window acking 1000 bytes before
            the SYN-ACK: each answered with a RST (tcp_ack() refuses it,
            tcp_rcv_state_process() resets; not rate-limited)
  ackahead  established with a server that greets (tcpapp.py serve --mode
            greet: 1000 bytes, which we ACK); pure ACKs acking 2^31 - 100
            bytes past snd_una: tcp_ack() drops them silently, no answer
  malformed established; a fixed set of broken TCP headers/option lists
            (and, for IPv6, extension header chains), each sent --count
            times to the established flow and to the listener (another
            source port); --rate applies
Answers counted: pure ACKs from the server's flow after the first forged
segment (SYN-ACKs for synrecv, synrecvdata and tfosyn; any segment for
malformed); RSTs are counted apart (rst=).

--mode takes a comma-separated list (MODE[:PORT],...): the runs happen one
after the other in this one process (each on its own connection and source
port), which saves the interpreter's start-up in the slow test VM.

Output: progress on stderr, and one line per run on stdout:
  RESULT mode=paws family=4 sent=200 answered=200 other=0 duration=1.99
         sport=40123 settle=1.50
duration is seconds from the first forged segment to the last one.
Exit status: 0 if the run completed (whatever was answered), 1 on error
(e.g. no handshake), 2 on usage.
"""
import argparse
import functools
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time

# scapy imports python3-cryptography (for TLS/IPsec, unused here) when it
# is installed; under the emulated test VM that alone costs seconds.
sys.modules.setdefault("cryptography", None)

from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt,  # noqa: E402
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrRouting)
from scapy.packet import Raw  # noqa: E402
from wire import inet_csum, tcp_pseudo_header  # noqa: E402

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# TSval offset that makes PAWS fail: far in the past, but less than 2^31
# so "(s32)(ts_recent - tsval) > 1" and way over any RTO-based forgiveness.
PAWS_BACK = 0x10000000
# Sequence offset far outside any receive window (< 2^31: "after").
SEQ_AWAY = 0x40000000
# What the SYN of syndata, synrecvdata and the fast-open modes carries.
SYN_DATA = b"0123456789"
# How far ahead of snd_una ackahead acks: "after snd_nxt", yet 2^31 minus
# less than max_window, so that "before(ack, snd_una - max_window)" wraps.
ACK_AHEAD = 0x80000000 - 100


def err(*a):
    print("# inject:", *a, file=sys.stderr, flush=True)


class Seg:
    __slots__ = ("t", "sport", "dport", "flags", "seq", "ack", "plen", "tsval",
                 "tsecr", "win")

    def __repr__(self):
        return "Seg(flags=%#x seq=%u ack=%u plen=%d tsval=%s)" % (
            self.flags, self.seq, self.ack, self.plen, self.tsval)


def parse_tcp_opts(opts):
    """TSval/TSecr from an option block; (None, None) without a valid one."""
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts):
            break
        ln = opts[i + 1]
        if ln < 2 or i + ln > len(opts):
            break
        if kind == 8 and ln == 10:
            return struct.unpack("!II", opts[i + 2:i + 10])
        i += ln
    return None, None


def parse_frame(b):
    """(peer address packed, Seg with sport/dport) of an Ethernet frame
    carrying TCP over IPv4 or IPv6 (no extension headers), or None."""
    et = struct.unpack_from("!H", b, 12)[0]
    if et == 0x0800:
        ihl = (b[14] & 0x0F) * 4
        if b[23] != 6:
            return None
        peer = b[26:30]
        tot = struct.unpack_from("!H", b, 16)[0]
        t = b[14 + ihl:14 + tot]
    elif et == 0x86DD:
        if b[20] != 6:
            return None
        peer = b[22:38]
        plen = struct.unpack_from("!H", b, 18)[0]
        t = b[54:54 + plen]
    else:
        return None
    if len(t) < 20:
        return None
    s = Seg()
    s.sport, s.dport, s.seq, s.ack = struct.unpack_from("!HHII", t, 0)
    doff = (t[12] >> 4) * 4
    s.flags = t[13]
    s.win = struct.unpack_from("!H", t, 14)[0]
    s.plen = max(0, len(t) - doff)
    s.tsval, s.tsecr = parse_tcp_opts(t[20:doff])
    return peer, s


class FlowLog:
    """The segments one flow's peer sent us, in arrival order, and ways to
    wait for them (fed by a Sniffer or a Capture)."""

    def __init__(self):
        self.segs = []
        self.cond = threading.Condition()

    def add(self, s):
        s.t = time.monotonic()
        with self.cond:
            self.segs.append(s)
            self.cond.notify_all()

    def wait(self, pred, since=0, timeout=5.0):
        """First segment at index >= since matching pred, or None."""
        end = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.segs):
                    if pred(self.segs[i]):
                        return self.segs[i]
                    i += 1
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def count(self, pred, since=0):
        with self.cond:
            return sum(1 for s in self.segs[since:] if pred(s))

    def mark(self):
        with self.cond:
            return len(self.segs)


def packet_socket(dev):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((dev, ETH_P_ALL))
    sock.settimeout(0.1)
    return sock


def receive(sock, stopped, deliver):
    """Read incoming frames until stopped(), handing each TCP segment to
    deliver(peer, seg)."""
    while not stopped():
        try:
            b, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError:
            return
        if addr[2] == PACKET_OUTGOING:
            continue
        try:
            got = parse_frame(b)
        except (struct.error, IndexError):
            continue
        if got is not None:
            deliver(*got)


class Sniffer(threading.Thread, FlowLog):
    """Collects the TCP segments of one flow arriving on one interface,
    on a packet socket of its own."""

    def __init__(self, dev, peer, pport, lport):
        threading.Thread.__init__(self, daemon=True)
        FlowLog.__init__(self)
        self.key = (peer, pport, lport)   # peer packed
        self.stop = False
        self.sock = packet_socket(dev)

    def run(self):
        receive(self.sock, lambda: self.stop, self.deliver)

    def deliver(self, peer, s):
        if (peer, s.sport, s.dport) == self.key:
            self.add(s)

    def release(self):
        self.stop = True
        self.join(1.0)
        self.sock.close()


class Capture(threading.Thread):
    """One packet socket on one interface for the flows of many
    connections, one after the other (oracle.py): closing a packet socket
    waits for an RCU grace period (packet_release()), which in the
    emulated guest cost ~0.1 s a connection."""

    def __init__(self, dev):
        super().__init__(daemon=True)
        self.dev = dev
        self.flows = {}
        self.lock = threading.Lock()
        self.sock = packet_socket(dev)
        self.start()

    def run(self):
        receive(self.sock, lambda: False, self.deliver)

    def deliver(self, peer, s):
        with self.lock:
            log = self.flows.get((peer, s.sport, s.dport))
        if log is not None:
            log.add(s)

    def flow(self, peer, pport, lport):
        cap, key, log = self, (peer, pport, lport), FlowLog()

        def release():
            with cap.lock:
                if cap.flows.get(key) is log:
                    del cap.flows[key]
        log.release = release
        with self.lock:
            self.flows[key] = log
        return log


class Conn:
    """A scapy-driven client end of one TCP connection."""

    def __init__(self, a, sport, capture=None):
        """capture: a Capture on the route's interface to take this flow's
        segments from (default: a Sniffer of its own)"""
        self.a = a
        self.fam = a.family
        self.dst = a.dst
        self.dport = a.port
        self.dev, self.src = route(a.dst, a.family)
        if a.src:
            self.src = a.src
        self.sport = sport
        af = socket.AF_INET if self.fam == 4 else socket.AF_INET6
        self.tx = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.txaddr = (self.dst, 0) if self.fam == 4 else (self.dst, 0, 0, 0)
        peer = socket.inet_pton(af, self.dst)
        if capture is not None:
            self.sn = capture.flow(peer, self.dport, sport)
        else:
            self.sn = Sniffer(self.dev, peer, self.dport, sport)
            self.sn.start()
        self.isn = random.getrandbits(32)
        self.c_nxt = (self.isn + 1) & 0xFFFFFFFF
        self.s_nxt = 0
        self.s_ts = 0
        # Our timestamp clock: 1 kHz from a random origin, like Linux's.
        self.ts0 = random.randint(1 << 24, 1 << 30)
        self.t0 = time.monotonic()

    def ts(self):
        return (self.ts0 + int((time.monotonic() - self.t0) * 1000)) & 0xFFFFFFFF

    def ip(self):
        if self.fam == 4:
            return IP(src=self.src, dst=self.dst)
        return IPv6(src=self.src, dst=self.dst)

    def tcp(self, **kw):
        kw.setdefault("sport", self.sport)
        kw.setdefault("dport", self.dport)
        kw.setdefault("window", 502)
        return TCP(**kw)

    def ack_opts(self, tsval=None, tsecr=None):
        return [("NOP", None), ("NOP", None),
                ("Timestamp", (self.ts() if tsval is None else tsval,
                               self.s_ts if tsecr is None else tsecr))]

    def send(self, pkt):
        self.tx.sendto(pkt if isinstance(pkt, bytes) else bytes(pkt), self.txaddr)

    def syn(self, data=b""):
        p = self.ip() / self.tcp(
            flags="S", seq=self.isn, window=64240,
            options=[("MSS", 1460 if self.fam == 4 else 1440), ("SAckOK", b""),
                     ("Timestamp", (self.ts0, 0)), ("NOP", None), ("WScale", 7)])
        return p / Raw(data) if data else p

    def syn_sent(self, data=b"", fastopen=False):
        """Send the SYN (carrying data) until a SYN-ACK comes; returns the
        SYN's bytes. fastopen: the SYN-ACK must ack the data too."""
        syn = bytes(self.syn(data))
        for _ in range(5):
            mark = self.sn.mark()
            self.send(syn)
            sa = self.sn.wait(lambda s: s.flags & (SYN | ACK) == SYN | ACK, mark, 2.0)
            if sa:
                break
        else:
            raise RuntimeError("no SYN-ACK from %s port %d" % (self.dst, self.dport))
        if data and fastopen:
            self.c_nxt = (self.c_nxt + len(data)) & 0xFFFFFFFF
        if sa.ack != self.c_nxt:
            raise RuntimeError("SYN-ACK acks %u, expected %u%s" % (
                sa.ack, self.c_nxt, " (no fast open?)" if fastopen else ""))
        self.s_nxt = (sa.seq + 1) & 0xFFFFFFFF
        self.s_ts = sa.tsval or 0
        if sa.tsval is None:
            raise RuntimeError("server did not agree to timestamps")
        return syn

    def establish(self):
        self.syn_sent()
        self.send(self.ip() / self.tcp(flags="A", seq=self.c_nxt, ack=self.s_nxt,
                                       options=self.ack_opts()))

    def pure_ack(self, seq=None, ack=None, tsval=None, flags="A"):
        return self.ip() / self.tcp(flags=flags,
                                    seq=self.c_nxt if seq is None else seq & 0xFFFFFFFF,
                                    ack=self.s_nxt if ack is None else ack & 0xFFFFFFFF,
                                    options=self.ack_opts(tsval))

    def close_by_server(self, send_fin):
        """Wait for the server's FIN, ACK it (and send our FIN)."""
        fin = self.sn.wait(lambda s: s.flags & FIN, 0, 10.0)
        if not fin:
            raise RuntimeError("the server did not close the connection")
        self.s_nxt = (fin.seq + fin.plen + 1) & 0xFFFFFFFF
        if fin.tsval is not None:
            self.s_ts = fin.tsval
        mark = self.sn.mark()
        if send_fin:
            self.send(self.pure_ack(flags="FA"))
            self.c_nxt = (self.c_nxt + 1) & 0xFFFFFFFF
            last = self.sn.wait(lambda s: s.flags & ACK and s.ack == self.c_nxt, mark, 5.0)
            if not last:
                raise RuntimeError("the server did not ACK our FIN")
            # TCP sends that ACK (tcp_fin()) before tcp_time_wait() hashes
            # the timewait socket: a segment arriving in between meets the
            # closing full socket and is discarded unanswered (seen on a
            # KASAN kernel: 99 of 100 answered without the module)
            time.sleep(0.2)
        else:
            self.send(self.pure_ack())
            time.sleep(0.2)

    def ack_greeting(self):
        """Wait for the server's first data and ACK it."""
        d = self.sn.wait(lambda s: s.plen > 0, 0, 10.0)
        if not d:
            raise RuntimeError("the server sent no data")
        time.sleep(0.2)
        last = max((s for s in self.sn.segs if s.plen > 0),
                   key=lambda s: (s.seq - d.seq) & 0xFFFFFFFF)
        self.s_nxt = (last.seq + last.plen) & 0xFFFFFFFF
        if last.tsval is not None:
            self.s_ts = last.tsval
        self.send(self.pure_ack())
        time.sleep(0.2)

    def close(self):
        self.sn.release()
        self.tx.close()


@functools.lru_cache(maxsize=None)
def route(dst, fam):
    """(interface, source address) of the route to dst; asked once per
    process (a subprocess each time cost ~0.1 s in the emulated guest)"""
    out = subprocess.run(["ip", "-%d" % fam, "route", "get", dst],
                         capture_output=True, text=True, check=True).stdout
    dev = re.search(r"\bdev (\S+)", out)
    src = re.search(r"\bsrc (\S+)", out)
    if not dev or not src:
        raise RuntimeError("no route to %s: %s" % (dst, out.strip()))
    return dev.group(1), src.group(1)


class RstGuard:
    """nft rule: this namespace's kernel must not RST our raw connection."""

    def __init__(self, sport):
        self.table = "ag_inject_%d" % sport
        rules = ("table inet %s {\n chain out {\n"
                 "  type filter hook output priority -300; policy accept;\n"
                 "  tcp sport %d tcp flags & rst == rst drop\n }\n}\n"
                 % (self.table, sport))
        subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True)

    def remove(self):
        subprocess.run(["nft", "delete", "table", "inet", self.table],
                       stderr=subprocess.DEVNULL, check=False)


def paced(conn, pkts, rate):
    """Send pkts at rate/s (0: as fast as possible); returns (t_first, t_last)."""
    gap = 1.0 / rate if rate > 0 else 0.0
    t_first = time.monotonic()
    t_last = t_first
    for i, p in enumerate(pkts):
        if gap:
            delay = t_first + i * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        conn.send(p)
        t_last = time.monotonic()
    return t_first, t_last




def tcp_csum_fix(c, seg):
    """Put the right checksum into a (possibly cut) TCP segment."""
    if len(seg) < 18:
        return seg
    af = socket.AF_INET if c.fam == 4 else socket.AF_INET6
    pseudo = tcp_pseudo_header(socket.inet_pton(af, c.src),
                               socket.inet_pton(af, c.dst), len(seg))
    seg = bytearray(seg)
    seg[16:18] = b"\0\0"
    struct.pack_into("!H", seg, 16, inet_csum(pseudo + bytes(seg)))
    return bytes(seg)


def malformed_cases(c, fam):
    """(name, packet bytes) of broken segments for the established flow c."""
    ip = c.ip
    old = (c.ts() - PAWS_BACK) & 0xFFFFFFFF

    def raw_tcp(opts=b"", doff=None, flags="A", trunc=None, seq=None):
        if doff is None:
            opts += b"\0" * (-len(opts) % 4)
        t = TCP(sport=c.sport, dport=c.dport, flags=flags,
                seq=c.c_nxt if seq is None else seq, ack=c.s_nxt, window=502,
                chksum=0,
                dataofs=doff if doff is not None else 5 + (len(opts) + 3) // 4)
        body = bytes(t / Raw(opts)) if opts else bytes(t)
        return tcp_csum_fix(c, body if trunc is None else body[:trunc])

    paws_ts = b"\x01\x01\x08\x0a" + struct.pack("!II", old, c.s_ts)
    cases = [
        # Option lists the parser has to stop in.
        ("opt_len0", raw_tcp(b"\x08\x00" + b"\x01" * 6)),
        ("opt_len1", raw_tcp(b"\x08\x01" + b"\x01" * 6)),
        ("opt_ts_past_header", raw_tcp(b"\x01" * 6 + b"\x08\x0a")),
        ("opt_kind_at_end", raw_tcp(b"\x01\x01\x01\x08")),
        ("opt_unknown_past_header", raw_tcp(b"\xfe\x28\x00\x00")),
        ("opt_mss_len0", raw_tcp(b"\x02\x00\x01\x01")),
        ("opt_ts_len8", raw_tcp(b"\x01\x01\x08\x08" + b"\x00" * 4)),
        ("opt_sack_len11", raw_tcp(b"\x01\x01\x05\x0b" + b"\x00" * 8)),
        ("opt_eol_then_ts", raw_tcp(b"\x00\x01" + paws_ts[2:] + b"\x00\x00")),
        ("opt_len255", raw_tcp(b"\x01\x01\x08\xff" + b"\x00" * 8)),
        # Header length lies.
        ("doff4", raw_tcp(doff=4)),
        ("doff0", raw_tcp(doff=0)),
        ("doff15_no_options", raw_tcp(doff=15)),
        ("doff10_options_cut", raw_tcp(paws_ts, doff=10)),
        ("doff8_ts_cut", raw_tcp(paws_ts, trunc=26)),
        ("tcp_header_12_bytes", raw_tcp(trunc=12)),
        ("tcp_header_0_bytes", b""),
    ]
    out = []
    for name, seg in cases:
        if fam == 4:
            pkt = IP(src=c.src, dst=c.dst, proto=6) / Raw(seg)
        else:
            pkt = IPv6(src=c.src, dst=c.dst, nh=6) / Raw(seg)
        out.append((name, bytes(pkt)))
    # A well-formed PAWS-failing ACK, to wrap in the header chains below.
    good = raw_tcp(paws_ts)
    good_pkt = ip() / TCP(sport=c.sport, dport=c.dport, flags="A", seq=c.c_nxt,
                          ack=c.s_nxt, window=502,
                          options=[("NOP", None), ("NOP", None),
                                   ("Timestamp", (old, c.s_ts))])
    if fam == 4:
        ipo = IP(src=c.src, dst=c.dst, options=b"\x01\x01\x01\x00")
        out.append(("ipv4_options_paws_ack", bytes(ipo / good_pkt[TCP])))
        out.append(("ipv4_first_fragment_cut_tcp",
                    bytes(IP(src=c.src, dst=c.dst, proto=6, flags="MF", id=0x4242) /
                          Raw(good[:16]))))
        out.append(("ipv4_later_fragment",
                    bytes(IP(src=c.src, dst=c.dst, proto=6, frag=1, id=0x4343) /
                          Raw(good))))
    else:
        tcp = good_pkt[TCP]
        base = IPv6(src=c.src, dst=c.dst)
        chains = [
            ("ipv6_hbh_paws_ack", base / IPv6ExtHdrHopByHop() / tcp),
            ("ipv6_chain_hbh_dst_rt_frag_dst_paws_ack",
             base / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
             IPv6ExtHdrRouting(type=0, addresses=[], segleft=0) /
             IPv6ExtHdrFragment(offset=0, m=0, id=0x1234) / IPv6ExtHdrDestOpt() / tcp),
            ("ipv6_atomic_fragment_paws_ack",
             base / IPv6ExtHdrFragment(offset=0, m=0, id=0x2345) / tcp),
            ("ipv6_20_destopts_paws_ack",
             base / (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                     IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()) / tcp),
            ("ipv6_first_fragment_cut_tcp",
             base / IPv6ExtHdrFragment(offset=0, m=1, id=0x3456, nh=6) / Raw(good[:8])),
            ("ipv6_later_fragment",
             base / IPv6ExtHdrFragment(offset=1, m=0, id=0x4567, nh=6) / Raw(good)),
            ("ipv6_no_next_header", base / IPv6ExtHdrDestOpt(nh=59)),
            ("ipv6_routing_segleft1",
             base / IPv6ExtHdrRouting(type=0, addresses=[c.dst], segleft=1) / tcp),
        ]
        for name, p in chains:
            out.append((name, bytes(p)))
        # Header chains the packet ends inside of (lengths fixed up by hand).
        hbh_long = bytearray(bytes(base / IPv6ExtHdrHopByHop(nh=6) / tcp))
        hbh_long[41] = 255          # HBH hdrlen: 2048 bytes, past the packet
        out.append(("ipv6_hbh_len_past_packet", bytes(hbh_long)))
        cut = bytearray(bytes(base / IPv6ExtHdrDestOpt(nh=6) / Raw(b"")))[:44]
        struct.pack_into("!H", cut, 4, len(cut) - 40)
        out.append(("ipv6_destopt_cut", bytes(cut)))
    return out


def run(a, mode, port, sport):
    a.mode, a.port = mode, port
    guard = RstGuard(sport)
    c = None
    try:
        c = Conn(a, sport)
        answered = ("synack" if a.mode in ("synrecv", "synrecvdata", "tfosyn") else
                    "any" if a.mode == "malformed" else "ack")
        if a.mode in ("synrecv", "synrecvdata"):
            syn = c.syn_sent(SYN_DATA if a.mode == "synrecvdata" else b"")
            pkts = [syn] * a.count
        elif a.mode in ("tfosyn", "tfoseq", "tfoold"):
            syn = c.syn_sent(SYN_DATA, fastopen=True)
            if a.mode == "tfosyn":
                pkts = [syn] * a.count
            elif a.mode == "tfoseq":
                pkts = [bytes(c.pure_ack(seq=c.c_nxt + SEQ_AWAY))] * a.count
            else:
                pkts = [bytes(c.pure_ack(ack=c.s_nxt - 1000))] * a.count
        else:
            c.establish()
            if a.mode in ("timewait", "finwait2"):
                c.close_by_server(send_fin=a.mode == "timewait")
            elif a.mode == "ackahead":
                c.ack_greeting()
            else:
                # Let the server finish the handshake before the flood.
                time.sleep(0.2)
            if a.mode == "paws":
                old = (c.ts() - PAWS_BACK) & 0xFFFFFFFF
                pkts = [bytes(c.pure_ack(tsval=old))] * a.count
            elif a.mode in ("seq", "timewait", "finwait2"):
                # One valid TSval for all: the server's ts_recent stays put
                # as none of these segments is accepted.
                pkts = [bytes(c.pure_ack(seq=c.c_nxt + SEQ_AWAY))] * a.count
            elif a.mode == "challenge":
                pkts = [bytes(c.pure_ack(flags="S", seq=c.c_nxt + 1000, ack=0))] * a.count
            elif a.mode == "syndata":
                pkts = [bytes(c.pure_ack(flags="S", seq=c.c_nxt + 1000, ack=0) /
                              Raw(SYN_DATA))] * a.count
            elif a.mode == "synfin":
                pkts = [bytes(c.pure_ack(flags="SF", seq=c.c_nxt + 1000, ack=0))] * a.count
            elif a.mode == "ackahead":
                pkts = [bytes(c.pure_ack(ack=c.s_nxt + ACK_AHEAD))] * a.count
            elif a.mode == "malformed":
                cases = malformed_cases(c, a.family)
                # The same cases from another source port: they meet the
                # listening socket instead of the established one.
                c.sport = sport + 1 if sport < 65000 else sport - 1
                to_listener = malformed_cases(c, a.family)
                c.sport = sport
                pkts = []
                for (name, p), (_, q) in zip(cases, to_listener):
                    pkts += [p, q] * a.count
                err("%d malformed cases, each %d times to the connection and to "
                    "the listener: %s" % (len(cases), a.count, " ".join(n for n, _ in cases)))
            else:
                raise RuntimeError("unknown mode " + a.mode)

        def is_answer(s):
            if answered == "synack":
                return s.flags & (SYN | ACK | RST) == SYN | ACK
            if answered == "any":
                return True
            return s.flags & (SYN | ACK | RST | FIN) == ACK and s.plen == 0

        mark = c.sn.mark()
        t_first, t_last = paced(c, pkts, a.rate)
        expect = len(pkts) if answered != "any" else 0
        end = t_last + a.settle
        while time.monotonic() < end:
            n = c.sn.count(is_answer, mark)
            if expect and n >= expect and not a.full_settle:
                break
            time.sleep(0.05)
        n = c.sn.count(is_answer, mark)
        other = c.sn.count(lambda s: not is_answer(s), mark)
        rst = c.sn.count(lambda s: s.flags & RST, mark)
        print("RESULT mode=%s family=%d sent=%d answered=%d other=%d rst=%d "
              "duration=%.3f sport=%d settle=%.2f"
              % (a.mode, a.family, len(pkts), n, other, rst, t_last - t_first,
                 sport, a.settle), flush=True)
        return 0
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        err("error:", e)
        return 1
    finally:
        if c:
            c.close()
        guard.remove()


MODES = ["paws", "seq", "challenge", "timewait", "finwait2", "synrecv", "malformed",
         "syndata", "synfin", "synrecvdata", "tfosyn", "tfoseq", "tfoold", "ackahead"]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", required=True,
                   help="MODE[:PORT][,MODE[:PORT]...]: one run per mode, one after "
                   "the other, each on its own connection (PORT overrides --port); "
                   "modes: " + ", ".join(MODES))
    p.add_argument("--family", type=int, choices=[4, 6], default=4)
    p.add_argument("--dst", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--rate", type=float, default=100.0,
                   help="forged segments per second, 0 = as fast as possible")
    p.add_argument("--settle", type=float, default=1.5,
                   help="seconds to wait for answers after the last segment")
    p.add_argument("--full-settle", action="store_true",
                   help="always wait the whole settle time")
    p.add_argument("--sport", type=int, default=0,
                   help="source port of the first run (default random)")
    p.add_argument("--src", help="source address (default: the route's)")
    a = p.parse_args()
    if (":" in a.dst) != (a.family == 6):
        p.error("--dst does not match --family")
    runs = []
    for item in a.mode.split(","):
        mode, _, port = item.partition(":")
        if mode not in MODES:
            p.error("unknown mode %r" % mode)
        port = int(port) if port else a.port
        if not port:
            p.error("no port for mode %s" % mode)
        runs.append((mode, port))
    sport = a.sport or random.randint(20000, 59000)
    rc = 0
    for mode, port in runs:
        rc |= run(a, mode, port, sport)
        # Two ports per run (malformed uses sport+1); never reuse one.
        sport += 2
    return rc


if __name__ == "__main__":
    sys.exit(main())
