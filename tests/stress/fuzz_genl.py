#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz_genl.py: throw random and mutated generic netlink messages at the
"ackguard" family and check every answer.

Runs as root inside the test VM (tests/vm/run.sh) with the module loaded.
The family id comes from nlctrl (CTRL_CMD_GETFAMILY).  Messages: random
attribute trees (wrong types, lengths, nesting, flags), values around the
policy bounds, unknown and event-only commands, bad versions, NLM_F_DUMP on
doit operations, truncated and overlong headers, several messages in one
datagram, and byte-level mutations of all of these.

Every reply must be an NLMSG_ERROR (errno 0 or a plausible error, extended
ack attributes inside the message), an NLMSG_DONE, or a well-formed reply of
the family whose attributes match module/uapi/ackguard.h (types, lengths,
value ranges).  The unprivileged caller (setpriv to nobody, no capabilities)
must get no successful answer to an admin command (SET_CONFIG, GET_FLOWS,
FLUSH_FLOWS) and must leave the configuration unchanged.  Before fuzzing,
each sender proves its role: the unprivileged one runs as uid 65534 with an
empty effective capability set and a valid SET_CONFIG, GET_FLOWS and
FLUSH_FLOWS are refused with EPERM; the privileged one holds CAP_NET_ADMIN
and a valid SET_CONFIG is acknowledged.  At the end the module must still
answer GET_CONFIG, and the totals (datagrams sent, replies by kind, per
role) are printed.

  fuzz_genl.py [--count N] [--unpriv-frac F] [--procs P] [--seed S]
               [--batch B] [--quiet]

--count is the total number of messages (default 100000, or AG_FUZZ_COUNT),
of which the fraction --unpriv-frac (default 0.3) is sent unprivileged;
--procs senders run in parallel (default: one per CPU).  Exit 0 when all
checks pass, 1 otherwise; the last line is a summary with messages/s.
"""
import argparse
import collections
import errno
import json
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agnl  # noqa: E402
from agnl import (HDR, GENLHDR, NLA, NLA_F_NESTED, NLA_F_NET_BYTEORDER,  # noqa: E402
                  NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLMSG_ERROR, NLMSG_DONE,
                  NLMSG_NOOP, align4, parse_attrs)

# Errors the kernel may legitimately answer a malformed request with.
PLAUSIBLE = {errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM, errno.ERANGE,
             errno.EMSGSIZE, errno.ENOENT, errno.EBUSY, errno.ENOMEM,
             errno.E2BIG, errno.EACCES, errno.ENOBUFS}

U32 = 0xffffffff
# (type, kind, lo, hi) of what the module accepts; kind: b=u8 h=u16 i=u32
CFG = {agnl.CFG_MODE: ("b", 0, 2), agnl.CFG_INTERVAL_MS: ("i", 1, 60000),
       agnl.CFG_BURST: ("i", 1, 10000), agnl.CFG_MAX_FLOWS: ("i", 1, 4194304),
       agnl.CFG_FLOW_TIMEOUT_S: ("i", 1, 86400),
       agnl.CFG_STORM_PPS: ("i", 1, 100000000), agnl.CFG_LOG: ("b", 0, 1)}
FLT = {agnl.FLT_FAMILY: ("b", 2, 10), agnl.FLT_ADDR: ("a", 4, 16),
       agnl.FLT_PREFIX_LEN: ("b", 0, 128), agnl.FLT_PORT: ("h", 0, 65535),
       agnl.FLT_REASON: ("b", 0, 5), agnl.FLT_MIN_RATE: ("i", 0, U32)}


class Failure(Exception):
    pass


# flows dumped with TCP state 0 (see check_flow)
STATE0 = [0]


# ------------------------------------------------------------ generation

class Gen:
    def __init__(self, rng, family, unpriv):
        self.r = rng
        self.family = family
        self.unpriv = unpriv

    # cheaper than random.choice/randint, which dominate the run time
    def pick(self, seq):
        return seq[int(self.r.random() * len(seq))]

    def randint(self, lo, hi):
        return lo + int(self.r.random() * (hi - lo + 1))

    def randrange(self, n):
        return int(self.r.random() * n)

    def edge(self, lo, hi, width):
        r = self.r
        top = (1 << (8 * width)) - 1
        c = r.random()
        if c < 0.5:
            v = self.pick([lo, hi, lo - 1, hi + 1, 0, 1, top, top >> 1,
                          (top >> 1) + 1, self.randint(lo, hi)])
        else:
            v = self.randint(0, top)
        return v & top

    def scalar(self, kind, lo, hi):
        r = self.r
        if kind == "a":
            n = self.pick([4, 16, 4, 16, 0, 1, 3, 5, 8, 15, 17, 32])
            return r.randbytes(n)
        width = {"b": 1, "h": 2, "i": 4}[kind]
        # the right width most of the time, a wrong one sometimes
        if r.random() < 0.15:
            width = self.pick([0, 1, 2, 3, 4, 5, 8, 12])
            return r.randbytes(width)
        v = self.edge(lo, hi, width)
        return v.to_bytes(width, "little")

    def attr(self, atype, payload):
        r = self.r
        c = r.random()
        if c < 0.03:
            atype |= NLA_F_NET_BYTEORDER
        n = NLA.size + len(payload)
        pad = align4(n) - n
        if c > 0.95:
            # lie about the length
            n = self.pick([0, 1, 2, 3, 4, n - 1, n + 1, n + 4, self.randint(0, 0xffff)]) & 0xffff
        return NLA.pack(n, atype & 0xffff) + payload + b"\0" * pad

    def random_tree(self, depth=0):
        r = self.r
        out = b""
        for _ in range(self.pick([0, 1, 1, 2, 3, 5])):
            t = self.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, self.randint(0, 0x3fff)])
            if depth < 5 and r.random() < 0.3:
                out += self.attr(t | (NLA_F_NESTED if r.random() < 0.7 else 0),
                                 self.random_tree(depth + 1))
            else:
                out += self.attr(t, r.randbytes(self.pick([0, 1, 2, 4, 8, 16, self.randint(0, 64)])))
        return out

    def schema_nest(self, schema, maxtype):
        r = self.r
        out = b""
        types = list(schema)
        for _ in range(self.pick([0, 1, 2, 3, len(types), len(types) + 2])):
            c = r.random()
            if c < 0.8:
                t = self.pick(types)
                kind, lo, hi = schema[t]
                out += self.attr(t, self.scalar(kind, lo, hi))
            elif c < 0.9:
                out += self.attr(self.pick([0, maxtype + 1, maxtype + 2, 0x3fff]),
                                 r.randbytes(self.pick([0, 1, 4, 8])))
            else:
                out += self.attr(self.randint(0, maxtype + 2) | NLA_F_NESTED,
                                 self.random_tree(1))
        return out

    def top_attrs(self):
        r = self.r
        c = r.random()
        if c < 0.35:
            nestflag = NLA_F_NESTED if r.random() < 0.8 else 0
            return self.attr(agnl.A_CONFIG | nestflag,
                             self.schema_nest(CFG, agnl.CFG_MAX))
        if c < 0.6:
            nestflag = NLA_F_NESTED if r.random() < 0.8 else 0
            return self.attr(agnl.A_FILTER | nestflag,
                             self.schema_nest(FLT, agnl.FLT_MAX))
        if c < 0.7:
            return b""
        if c < 0.8:
            # a nest given as a scalar, or a nest of the wrong kind
            t = self.pick([agnl.A_CONFIG, agnl.A_FILTER, agnl.A_COUNTERS, agnl.A_FLOW])
            return self.attr(t, r.randbytes(self.pick([0, 1, 4, 8])))
        if c < 0.9:
            # duplicates: the kernel takes the last one
            return self.top_attrs_dup()
        return self.random_tree()

    def top_attrs_dup(self):
        return b"".join(self.attr(agnl.A_CONFIG | NLA_F_NESTED,
                                  self.schema_nest(CFG, agnl.CFG_MAX))
                        for _ in range(self.randint(2, 4)))

    def flags(self):
        r = self.r
        f = NLM_F_REQUEST | NLM_F_ACK
        c = r.random()
        if c < 0.25:
            f |= NLM_F_DUMP
        elif c < 0.3:
            f |= self.pick([agnl.NLM_F_ROOT, agnl.NLM_F_MATCH, agnl.NLM_F_ATOMIC,
                           agnl.NLM_F_ECHO, agnl.NLM_F_MULTI])
        elif c < 0.35:
            f = self.randint(0, 0xffff)
        elif c < 0.38:
            f &= ~NLM_F_REQUEST
        return f

    def cmd(self):
        r = self.r
        c = r.random()
        if c < 0.8:
            return self.pick([1, 2, 2, 3, 4, 4, 5])
        if c < 0.9:
            return self.pick([0, 6, 7, 8])
        return self.randint(0, 255)

    def genl(self, seq):
        """One message of our family: (bytes, info)."""
        r = self.r
        cmd = self.cmd()
        version = agnl.VERSION if r.random() < 0.9 else self.randint(0, 255)
        reserved = 0 if r.random() < 0.9 else self.randint(0, 0xffff)
        flags = self.flags()
        body = GENLHDR.pack(cmd, version, reserved) + self.top_attrs()
        pid = 0 if r.random() < 0.95 else self.randint(0, U32)
        mtype = self.family
        if r.random() < 0.03:
            mtype = self.pick([0, NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, 4, 0xf,
                              self.randint(0, 0xffff)])
        msg = HDR.pack(HDR.size + len(body), mtype, flags, seq, pid) + body
        return msg

    def mutate(self, msg):
        r = self.r
        b = bytearray(msg)
        for _ in range(self.randint(1, 4)):
            c = r.random()
            if not b:
                break
            # keep the seq field (bytes 8..11) intact: replies are
            # matched on it
            pos = self.randrange(len(b))
            if 8 <= pos < 12:
                continue
            if c < 0.3:
                b[pos] ^= 1 << self.randrange(8)
            elif c < 0.5:
                b[pos] = self.randrange(256)
            elif c < 0.6 and pos >= 16:
                b[pos:pos] = r.randbytes(self.randint(1, 8))
            elif c < 0.7 and pos >= 16:
                del b[pos:pos + self.randint(1, 8)]
            elif c < 0.8 and len(b) > 12:
                del b[max(12, pos):]
            elif c < 0.9:
                # attribute length fields live at 4-byte boundaries
                p = 20 + 4 * self.randrange(max(1, (len(b) - 20) // 4))
                if p + 2 <= len(b):
                    struct.pack_into("=H", b, p, self.pick([0, 1, 3, 4, 5, 0xffff,
                                                            self.randint(0, 0x200)]))
        # nlmsg_len: usually consistent, sometimes not
        if len(b) >= 4:
            if r.random() < 0.8:
                struct.pack_into("=I", b, 0, len(b))
            elif r.random() < 0.5:
                struct.pack_into("=I", b, 0, self.pick([0, 15, 16, 17, 19, 20, len(b) + 1,
                                                        len(b) + 100, U32]))
        return bytes(b)

    def datagram(self, seqs):
        """A datagram and the seqs it uses, from the list of free seqs."""
        r = self.r
        c = r.random()
        if c < 0.5:
            return self.genl(seqs[0]), seqs[:1]
        if c < 0.85:
            return self.mutate(self.genl(seqs[0])), seqs[:1]
        if c < 0.92:
            n = self.randint(2, 4)
            parts = []
            for s in seqs[:n]:
                m = self.genl(s)
                parts.append(m + b"\0" * (align4(len(m)) - len(m)))
            return b"".join(parts), seqs[:n]
        if c < 0.97:
            # truncated headers and bare ones
            n = self.pick([0, 1, 4, 8, 12, 15, 16, 17, 18, 19, 20])
            m = self.genl(seqs[0])[:n]
            if len(m) >= 4 and r.random() < 0.7:
                m = struct.pack("=I", len(m)) + m[4:]
            return m, seqs[:1]
        # random bytes behind a plausible header
        body = r.randbytes(self.randint(0, 48))
        return (HDR.pack(16 + len(body), self.family, NLM_F_REQUEST | NLM_F_ACK,
                         seqs[0], 0) + body), seqs[:1]


# ------------------------------------------------------------ checking

def check_scalar(name, v, kind, lo, hi):
    width = {"b": 1, "h": 2, "i": 4, "q": 8}[kind]
    if len(v) != width:
        raise Failure("%s: %d bytes, want %d" % (name, len(v), width))
    x = int.from_bytes(v, "little")
    if not lo <= x <= hi:
        raise Failure("%s: %d not in %d..%d" % (name, x, lo, hi))
    return x


def check_reason(name, payload, flow=False):
    seen = set()
    for t, _, v in parse_attrs(payload):
        seen.add(t)
        if t == agnl.RSN_MAX:           # PAD
            if v:
                raise Failure("%s: pad with %d bytes" % (name, len(v)))
        elif t == 1:
            check_scalar(name + ".id", v, "b", 0, 5)
        elif flow and t == agnl.RSN_OVERLIMIT:
            # a flow counts it for all reasons together (FLOW_OVERLIMIT)
            raise Failure("%s: RSN_OVERLIMIT in a flow's reason" % name)
        elif 2 <= t <= 5:
            check_scalar(name + ".%d" % t, v, "q", 0, (1 << 64) - 1)
        else:
            raise Failure("%s: unknown attribute %d" % (name, t))
    if 1 not in seen:
        raise Failure("%s: no RSN_ID" % name)


def check_config(payload):
    got = {}
    for t, _, v in parse_attrs(payload):
        if t not in CFG:
            raise Failure("config: unknown attribute %d" % t)
        kind, lo, hi = CFG[t]
        got[t] = check_scalar("config.%d" % t, v, kind, lo, hi)
    if set(got) != set(CFG):
        raise Failure("config: attributes %s missing" % sorted(set(CFG) - set(got)))


def check_counters(payload):
    for t, f, v in parse_attrs(payload):
        if t in (1, 2, 3, 4, 5, 9):
            check_scalar("counters.%d" % t, v, "q", 0, (1 << 64) - 1)
        elif t == 6:
            check_scalar("counters.active", v, "i", 0, U32)
        elif t == 7:
            check_reason("counters.reason", v)
        elif t == 8:
            if v:
                raise Failure("counters: pad with data")
        else:
            raise Failure("counters: unknown attribute %d" % t)


def check_flow(payload):
    fam = None
    addrs = []
    over = False
    for t, _, v in parse_attrs(payload):
        if t == 1:
            fam = check_scalar("flow.family", v, "b", 0, 255)
            if fam not in (socket.AF_INET, socket.AF_INET6):
                raise Failure("flow: family %d" % fam)
        elif t in (2, 3):
            addrs.append(len(v))
        elif t in (4, 5):
            check_scalar("flow.port", v, "h", 0, 65535)
        elif t == 6:
            # 0: a flow dumped between its creation and its first
            # accounting (ag_flow_get() publishes it before
            # ag_flow_limit() sets the state); counted by the caller
            if check_scalar("flow.state", v, "b", 0, 12) == 0:
                STATE0[0] += 1
        elif t == 7:
            check_reason("flow.reason", v, flow=True)
        elif t == 8:
            check_scalar("flow.rate", v, "i", 0, U32)
        elif t in (9, 10):
            check_scalar("flow.ms", v, "q", 0, (1 << 64) - 1)
        elif t in (11, 12):
            if v:
                raise Failure("flow: flag/pad %d with data" % t)
        elif t == agnl.FLOW_OVERLIMIT:
            check_scalar("flow.overlimit", v, "q", 0, (1 << 64) - 1)
            over = True
        else:
            raise Failure("flow: unknown attribute %d" % t)
    if not over:
        raise Failure("flow: no FLOW_OVERLIMIT")
    want = {socket.AF_INET: 4, socket.AF_INET6: 16}.get(fam)
    if want is None or addrs != [want, want]:
        raise Failure("flow: family %s with addresses of %s bytes" % (fam, addrs))


def check_data(family, mtype, flags, payload, req_cmd):
    if mtype != family:
        raise Failure("reply of type %d" % mtype)
    if len(payload) < GENLHDR.size:
        raise Failure("reply without a genl header")
    cmd, version, _ = GENLHDR.unpack_from(payload)
    if cmd not in (agnl.CMD_GET_CONFIG, agnl.CMD_GET_COUNTERS, agnl.CMD_GET_FLOWS):
        raise Failure("reply with command %d" % cmd)
    if req_cmd is not None and cmd != req_cmd:
        raise Failure("reply command %d to request %d" % (cmd, req_cmd))
    if version != agnl.VERSION:
        raise Failure("reply version %d" % version)
    attrs = parse_attrs(payload[GENLHDR.size:])
    want = {agnl.CMD_GET_CONFIG: agnl.A_CONFIG, agnl.CMD_GET_COUNTERS: agnl.A_COUNTERS,
            agnl.CMD_GET_FLOWS: agnl.A_FLOW}[cmd]
    if [t for t, _, _ in attrs] != [want]:
        raise Failure("reply %d with attributes %s" % (cmd, [t for t, _, _ in attrs]))
    v = attrs[0][2]
    if cmd == agnl.CMD_GET_CONFIG:
        check_config(v)
    elif cmd == agnl.CMD_GET_COUNTERS:
        check_counters(v)
    else:
        check_flow(v)
    return cmd


def check_error(flags, payload):
    """Checks an NLMSG_ERROR payload, returns the (positive) errno."""
    if len(payload) < 4 + HDR.size:
        raise Failure("NLMSG_ERROR of %d bytes" % len(payload))
    err = struct.unpack_from("=i", payload)[0]
    if err > 0 or err < -4095:
        raise Failure("NLMSG_ERROR with error %d" % err)
    olen = HDR.unpack_from(payload, 4)[0]
    if flags & agnl.NLM_F_CAPPED:
        off = 4 + HDR.size
    else:
        off = 4 + HDR.size + align4(olen - HDR.size) if olen >= HDR.size else None
        if off is None or off > len(payload):
            raise Failure("NLMSG_ERROR: original message of %d bytes does not fit in %d"
                          % (olen, len(payload)))
    if flags & agnl.NLM_F_ACK_TLVS:
        for t, _, v in parse_attrs(payload[off:]):
            if t == agnl.NLMSGERR_ATTR_MSG:
                if not v or v[-1] != 0:
                    raise Failure("extack message not NUL-terminated: %r" % v)
            elif t in (agnl.NLMSGERR_ATTR_OFFS, agnl.NLMSGERR_ATTR_MISS_TYPE,
                       agnl.NLMSGERR_ATTR_MISS_NEST):
                x = check_scalar("extack.%d" % t, v, "i", 0, U32)
                if t == agnl.NLMSGERR_ATTR_OFFS and not HDR.size <= x < max(olen, 1):
                    raise Failure("extack offset %d outside the %d-byte request" % (x, olen))
            elif t in (agnl.NLMSGERR_ATTR_COOKIE, agnl.NLMSGERR_ATTR_POLICY):
                pass
            else:
                raise Failure("extack attribute %d" % t)
    elif len(payload) > off:
        raise Failure("NLMSG_ERROR with %d unexplained bytes" % (len(payload) - off))
    return -err


# ------------------------------------------------------------ the run

def req_info(family, msg):
    """What the kernel will make of each complete message in a datagram:
    {seq: (request?, type, cmd or None)}."""
    out = {}
    off = 0
    while off + HDR.size <= len(msg):
        n, t, f, s, _ = HDR.unpack_from(msg, off)
        if n < HDR.size or off + n > len(msg):
            break
        cmd = msg[off + HDR.size] if n >= HDR.size + GENLHDR.size else None
        out[s] = (bool(f & NLM_F_REQUEST), t, cmd)
        off += align4(n)
    return out


class Runner:
    def __init__(self, args, unpriv, seed):
        self.args = args
        self.unpriv = unpriv
        self.rng = random.Random(seed)
        self.nl = agnl.Genl(rcvbuf=4 << 20)
        self.family = self.nl.resolve()
        self.gen = Gen(self.rng, self.family, unpriv)
        self.sock = self.nl.sock
        self.seq = 1000
        self.sent = 0
        self.replies = collections.Counter()
        self.errnos = collections.Counter()
        self.pending = {}
        self.failures = []
        self.overruns = 0

    def fail(self, what, msg=b""):
        self.failures.append(what)
        if len(self.failures) <= 20:
            print("FAIL: %s%s" % (what, " (request %s)" % msg.hex() if msg else ""),
                  flush=True)

    def handle(self, data, sentinel):
        """Checks one datagram of replies; True when it held the sentinel."""
        got_sentinel = False
        try:
            msgs = agnl.split_msgs(data)
        except ValueError as e:
            self.fail("malformed reply datagram: %s" % e)
            return False
        for t, f, s, _, p in msgs:
            if s == sentinel:
                if t == NLMSG_ERROR and struct.unpack_from("=i", p)[0] == 0:
                    got_sentinel = True
                    continue
                self.fail("sentinel answered with type %d" % t)
                continue
            req = self.pending.get(s)
            if req is None:
                self.fail("reply type %d to unknown seq %d" % (t, s))
                continue
            is_req, rtype, rcmd, raw = req
            if rtype != self.family:
                # a mutation sent it to another family: its replies, errors
                # included, are not ours to judge (one leaked ENOTSUPP, 524)
                self.replies["foreign"] += 1
                continue
            admin = (self.unpriv and is_req and rtype == self.family and
                     rcmd in agnl.ADMIN_CMDS)
            try:
                if t == NLMSG_ERROR:
                    e = check_error(f, p)
                    self.errnos[e] += 1
                    if e and e not in PLAUSIBLE:
                        raise Failure("unexpected errno %d (%s)" % (e, os.strerror(e)))
                    if admin and e == 0 and HDR.unpack_from(p, 4)[2] & NLM_F_REQUEST:
                        raise Failure("unprivileged admin command %d acknowledged" % rcmd)
                    self.replies["error" if e else "ack"] += 1
                elif t == NLMSG_DONE:
                    if len(p) < 4 or struct.unpack_from("=i", p)[0] > 0:
                        raise Failure("bad NLMSG_DONE %s" % p.hex())
                    self.replies["done"] += 1
                else:
                    cmd = check_data(self.family, t, f, p,
                                     rcmd if rtype == self.family else None)
                    if admin or (self.unpriv and cmd in agnl.ADMIN_CMDS):
                        raise Failure("unprivileged caller got a reply to command %d" % cmd)
                    self.replies["data"] += 1
            except (Failure, ValueError, struct.error) as e:
                self.fail(str(e), raw)
        return got_sentinel

    def sync(self):
        """Send the sentinel (NOOP + ACK) and read until its ack: every
        answer to what was sent before is in by then (dumps may go on)."""
        self.seq += 1
        sentinel = self.seq
        self.sock.send(HDR.pack(HDR.size, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, sentinel, 0))
        deadline = time.monotonic() + 30
        while True:
            if time.monotonic() > deadline:
                raise Failure("no answer to the sentinel within 30 s")
            try:
                data = self.sock.recv(1 << 17)
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    self.overruns += 1
                    continue
                raise
            if self.handle(data, sentinel):
                return

    def drain(self):
        self.sock.settimeout(0.3)
        try:
            while True:
                try:
                    data = self.sock.recv(1 << 17)
                except OSError as e:
                    if e.errno == errno.ENOBUFS:
                        self.overruns += 1
                        continue
                    raise
                self.handle(data, -1)
        except socket.timeout:
            pass
        self.sock.settimeout(None)

    def run(self, count):
        batch = self.args.batch
        while self.sent < count:
            # toggle the ack options now and then: capped/uncapped error
            # messages, with and without extended ack attributes
            if self.rng.random() < 0.05:
                self.sock.setsockopt(agnl.SOL_NETLINK, agnl.NETLINK_EXT_ACK,
                                     self.rng.randint(0, 1))
                self.sock.setsockopt(agnl.SOL_NETLINK, agnl.NETLINK_CAP_ACK,
                                     self.rng.randint(0, 1))
            for _ in range(min(batch, count - self.sent)):
                seqs = list(range(self.seq + 1, self.seq + 5))
                msg, used = self.gen.datagram(seqs)
                self.seq += len(used)
                # every message the kernel will parse out of the datagram,
                # including those a wrong nlmsg_len makes of the garbage
                for s, (is_req, rtype, rcmd) in req_info(self.family, msg).items():
                    self.pending[s] = (is_req, rtype, rcmd, msg)
                try:
                    self.sock.send(msg)
                except OSError as e:
                    # the kernel refuses some datagrams outright
                    self.errnos["send:" + errno.errorcode.get(e.errno, str(e.errno))] += 1
                self.sent += 1
            self.sync()
            if len(self.pending) > 20000:
                # dumps finish long before this; forget old requests
                for s in sorted(self.pending)[:10000]:
                    del self.pending[s]
        self.drain()


def check_alive(tag):
    nl = agnl.Genl()
    try:
        cfg = nl.get_config()
        msgs = nl.counters()
        for _, _, p in msgs:
            check_data(nl.family, nl.family, 0, p, agnl.CMD_GET_COUNTERS)
        if set(cfg) != set(CFG):
            raise Failure("GET_CONFIG %s: incomplete %s" % (tag, cfg))
        return cfg
    finally:
        nl.close()


def cap_eff():
    """The effective capability mask of this process."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    raise Failure("no CapEff in /proc/self/status")


def privilege_control(unpriv):
    """Proves the caller is what its role says, before it fuzzes: the
    unprivileged one runs as nobody with no capability at all and a valid
    SET_CONFIG, GET_FLOWS and FLUSH_FLOWS are refused with EPERM; the
    privileged one holds CAP_NET_ADMIN and a valid SET_CONFIG (of the
    current values) is acknowledged.  Returns a description."""
    nl = agnl.Genl()
    try:
        nl.resolve()
        caps = cap_eff()
        if not unpriv:
            if not caps & (1 << 12):        # CAP_NET_ADMIN
                raise Failure("privileged caller without CAP_NET_ADMIN (CapEff %x)" % caps)
            nl.set_config_raw(nl.get_config())
            return "uid %d, CapEff %x: valid SET_CONFIG acknowledged" % (os.getuid(), caps)
        if os.geteuid() == 0 or caps:
            raise Failure("unprivileged caller has uid %d, CapEff %x" % (os.geteuid(), caps))
        refused = []
        for name, call in (("SET_CONFIG", lambda: nl.set_config(burst=7)),
                           ("GET_FLOWS", nl.flows), ("FLUSH_FLOWS", nl.flush)):
            try:
                call()
            except agnl.NlError as e:
                if e.errno != errno.EPERM:
                    raise Failure("unprivileged %s: %s, want EPERM" % (name, e))
                refused.append(name)
                continue
            raise Failure("unprivileged %s accepted" % name)
        return "uid %d, CapEff %x: valid %s refused with EPERM" % (
            os.geteuid(), caps, ", ".join(refused))
    finally:
        nl.close()


def worker(args, unpriv, seed, count):
    role = "unpriv" if unpriv else "priv"
    try:
        control = privilege_control(unpriv)
    except (Failure, OSError, agnl.NlError) as e:
        print("FAIL: %s privilege control: %s" % (role, e), flush=True)
        return 1
    r = Runner(args, unpriv, seed)
    t0 = time.monotonic()
    try:
        r.run(count)
    except Failure as e:
        r.fail(str(e))
    el = time.monotonic() - t0
    if not args.quiet:
        print("# %s seed %d (%s): %d datagrams in %.1f s (%.0f/s); replies %s; errnos %s%s"
              % (role, seed, control, r.sent, el, r.sent / el if el else 0,
                 dict(r.replies), dict(sorted(r.errnos.items(), key=str)),
                 "; %d receive overruns" % r.overruns if r.overruns else ""), flush=True)
    if args.result:
        with open(args.result, "w") as f:
            json.dump({"role": role, "sent": r.sent, "replies": dict(r.replies),
                       "failures": len(r.failures)}, f)
    return len(r.failures)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=int(os.environ.get("AG_FUZZ_COUNT", 100000)))
    ap.add_argument("--unpriv-frac", type=float, default=0.3)
    ap.add_argument("--procs", type=int,
                    default=int(os.environ.get("AG_FUZZ_PROCS", os.cpu_count() or 1)))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("AG_FUZZ_SEED", 0)))
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--role", choices=["main", "priv", "unpriv"], default="main",
                    help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    seed = args.seed or (int(time.time()) ^ os.getpid()) & 0xffffff

    if args.role != "main":
        sys.exit(1 if worker(args, args.role == "unpriv", seed, args.count) else 0)

    if os.geteuid() != 0:
        sys.exit("fuzz_genl.py: must run as root (it drops privileges itself)")
    try:
        before = check_alive("at the start")
    except (OSError, agnl.NlError) as e:
        sys.exit("fuzz_genl.py: the ackguard family does not answer (%s); load the module" % e)
    print("# fuzz_genl: seed %d, %d messages, %d sender(s) in parallel"
          % (seed, args.count, args.procs), flush=True)
    t0 = time.monotonic()
    n_unpriv = int(args.count * args.unpriv_frac)
    n_priv = args.count - n_unpriv
    bad = 0
    me = os.path.abspath(__file__)
    tmp = tempfile.mkdtemp(prefix="ag-fuzz.")
    os.chmod(tmp, 0o755)
    results = []

    # unprivileged: a copy of the scripts in a world-readable place,
    # run as nobody without any capability
    if n_unpriv:
        for f in ("fuzz_genl.py", "agnl.py"):
            shutil.copy(os.path.join(os.path.dirname(me), f), tmp)
            os.chmod(os.path.join(tmp, f), 0o644)
        procs = []
        for i in range(args.procs):
            n = n_unpriv // args.procs + (1 if i < n_unpriv % args.procs else 0)
            if not n:
                continue
            res = os.path.join(tmp, "unpriv-%d.json" % i)
            open(res, "w").close()
            os.chown(res, 65534, 65534)
            results.append(res)
            cmd = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                   "--inh-caps=-all", "--bounding-set=-all", sys.executable,
                   os.path.join(tmp, "fuzz_genl.py"), "--role", "unpriv", "--count",
                   str(n), "--seed", str(seed + 7777 + i), "--batch", str(args.batch),
                   "--result", res]
            if args.quiet:
                cmd.append("--quiet")
            procs.append(subprocess.Popen(cmd, cwd=tmp))
        for p in procs:
            if p.wait():
                print("FAIL: unprivileged fuzzing: exit %d" % p.returncode, flush=True)
                bad += 1
        after = check_alive("after the unprivileged run")
        if after != before:
            print("FAIL: the unprivileged caller changed the configuration: %s -> %s"
                  % (before, after), flush=True)
            bad += 1

    # privileged, possibly several in parallel
    procs = []
    for i in range(args.procs):
        n = n_priv // args.procs + (1 if i < n_priv % args.procs else 0)
        if not n:
            continue
        res = os.path.join(tmp, "priv-%d.json" % i)
        results.append(res)
        cmd = [sys.executable, me, "--role", "priv", "--count", str(n),
               "--seed", str(seed + i), "--batch", str(args.batch), "--result", res]
        if args.quiet:
            cmd.append("--quiet")
        procs.append(subprocess.Popen(cmd))
    for p in procs:
        if p.wait():
            print("FAIL: privileged fuzzing: exit %d" % p.returncode, flush=True)
            bad += 1
    el = time.monotonic() - t0
    # the totals, from each sender's result file
    sent = collections.Counter()
    replies = {"priv": collections.Counter(), "unpriv": collections.Counter()}
    for res in results:
        try:
            with open(res) as f:
                r = json.load(f)
        except (OSError, ValueError):
            print("FAIL: no result from the sender of %s" % os.path.basename(res), flush=True)
            bad += 1
            continue
        sent[r["role"]] += r["sent"]
        replies[r["role"]].update(r["replies"])
    for role in ("priv", "unpriv"):
        print("# fuzz_genl: %s: %d datagrams sent, replies %s" %
              (role, sent[role], dict(sorted(replies[role].items()))), flush=True)
    if sum(sent.values()) != args.count:
        print("FAIL: %d datagrams sent, %d wanted" % (sum(sent.values()), args.count), flush=True)
        bad += 1
    if n_unpriv and replies["unpriv"]["ack"] + replies["unpriv"]["error"] == 0:
        print("FAIL: the unprivileged caller got no answer at all", flush=True)
        bad += 1
    shutil.rmtree(tmp, ignore_errors=True)

    # still alive, and put the configuration back
    try:
        check_alive("at the end")
        nl = agnl.Genl()
        nl.set_config_raw(before)
        nl.close()
        if check_alive("after restoring") != before:
            print("FAIL: configuration not restored", flush=True)
            bad += 1
    except (Failure, OSError, agnl.NlError) as e:
        print("FAIL: the module does not answer GET_CONFIG any more: %s" % e, flush=True)
        bad += 1
    print("# fuzz_genl: %d messages in %.1f s, %.0f msgs/s: %s"
          % (args.count, el, args.count / el if el else 0, "FAILED" if bad else "ok"),
          flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
