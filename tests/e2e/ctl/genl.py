#!/usr/bin/python3
"""genl.py: a minimal generic netlink client for the ackguard family,
with plain AF_NETLINK sockets and struct (no libnl, no pyroute2), so the
kernel's own validation can be tested without ackguardctl's local checks.

As a library:
    g = Genl()                      # resolves "ackguard" via nlctrl
    g.get_config() -> dict          # {"mode": 2, "interval_ms": 500, ...}
    g.set_config_raw(attrs_bytes) -> (errno, extack_msg, bad_offset, req)
    g.dump_flows() -> (flows, info) # info: parts, intr, ...
                                    # a flow's "overlimit" is FLOW_OVERLIMIT;
                                    # its reasons carry what the kernel sent

As a tool (prints JSON on stdout):
    genl.py get-config | get-counters | dump-flows | groups | flush
    genl.py join-events             # join the events group (errno, exit 3)
    genl.py set NAME=VALUE...       # exit 3 if the kernel rejects it
    genl.py validate                # the kernel-side validation test (TAP)

Exit status of the tool: 0 ok, 1 test failures, 2 errors.
"""
import errno
import json
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSG_DONE = 3

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2

NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3fff

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2

# module/uapi/ackguard.h
CMD_GET_CONFIG, CMD_SET_CONFIG, CMD_GET_COUNTERS, CMD_GET_FLOWS, \
    CMD_FLUSH_FLOWS, CMD_STORM_START, CMD_STORM_END = range(1, 8)
A_CONFIG, A_COUNTERS, A_FLOW, A_FILTER = range(1, 5)
CFG = {"mode": 1, "interval_ms": 2, "burst": 3, "max_flows": 4,
       "flow_timeout_s": 5, "storm_pps": 6, "log": 7}
CFG_NAME = {v: k for k, v in CFG.items()}
CFG_U8 = {"mode", "log"}
CFG_MAX = 7
CTR = {1: "flows_created", 2: "flows_evicted", 3: "flows_expired",
       4: "table_full", 5: "malformed", 6: "flows_active", 9: "storms"}
CTR_REASON = 7
RSN = {2: "seen", 3: "passed", 4: "dropped", 5: "overlimit"}
RSN_OVERLIMIT = 5
RSN_ID = 1
REASONS = ["paws", "seq", "challenge", "synrecv", "finwait2", "timewait"]
FLOW_FAMILY, FLOW_LADDR, FLOW_RADDR, FLOW_LPORT, FLOW_RPORT, FLOW_STATE, \
    FLOW_REASON, FLOW_RATE, FLOW_AGE, FLOW_IDLE, FLOW_STORM, FLOW_PAD, \
    FLOW_OVERLIMIT = range(1, 14)


def nla(atype, payload):
    """One attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    pad = (-len(payload)) % 4
    return hdr + payload + b"\0" * pad


def nla_u8(t, v):
    return nla(t, struct.pack("=B", v))


def nla_u16(t, v):
    return nla(t, struct.pack("=H", v))


def nla_u32(t, v):
    return nla(t, struct.pack("=I", v))


def nest(t, *attrs):
    return nla(t | NLA_F_NESTED, b"".join(attrs))


def parse_attrs(buf):
    """[(type, payload)] of an attribute stream (type without flags)."""
    out = []
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("=HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            break
        out.append((t & NLA_TYPE_MASK, buf[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


def uint(payload):
    return int.from_bytes(payload, sys.byteorder)


class NlError(Exception):
    def __init__(self, err, msg):
        super().__init__("%s: %s" % (os.strerror(err), msg or "-"))
        self.errno = err
        self.msg = msg


class Reply:
    """What the kernel answered to one request."""

    def __init__(self):
        self.msgs = []          # (nlmsghdr fields, payload) of data messages
        self.error = 0          # errno (positive) from NLMSG_ERROR/DONE
        self.extack = None      # NLMSGERR_ATTR_MSG
        self.offset = None      # NLMSGERR_ATTR_OFFS
        self.parts = 0          # recv() calls that returned data
        self.intr = False       # some message had NLM_F_DUMP_INTR


class Genl:
    def __init__(self, family="ackguard"):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                NETLINK_GENERIC)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sk.bind((0, 0))
        self.sk.settimeout(20)
        self.seq = 1000
        self.family_id, self.groups = self.resolve(family)

    def close(self):
        self.sk.close()

    def request(self, mtype, cmd, payload=b"", flags=NLM_F_ACK, version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), mtype,
                          NLM_F_REQUEST | flags, self.seq, 0)
        msg = hdr + body
        self.sk.send(msg)
        return self.collect(self.seq), msg

    def collect(self, seq):
        r = Reply()
        while True:
            data = self.sk.recv(1 << 20)
            r.parts += 1
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, s, _pid = struct.unpack_from("=IHHII", data, off)
                if ln < 16:
                    raise NlError(errno.EPROTO, "bad nlmsg_len")
                m = data[off:off + ln]
                off += (ln + 3) & ~3
                if s != seq:
                    continue
                if fl & NLM_F_DUMP_INTR:
                    r.intr = True
                if t == NLMSG_ERROR:
                    (err,) = struct.unpack_from("=i", m, 16)
                    r.error = -err
                    self.extack_of(m, fl, r)
                    return r
                if t == NLMSG_DONE:
                    if len(m) >= 20:
                        (err,) = struct.unpack_from("=i", m, 16)
                        r.error = -err if err < 0 else 0
                    return r
                r.msgs.append((t, fl, m[16:]))
                if not fl & NLM_F_MULTI:
                    # a doit reply; its ack follows (we asked for one)
                    continue

    @staticmethod
    def extack_of(m, fl, r):
        # nlmsgerr: int error + the request's nlmsghdr (+ its payload
        # unless NLM_F_CAPPED), then the TLVs.
        if not fl & NLM_F_ACK_TLVS:
            return
        (olen,) = struct.unpack_from("=I", m, 20)
        off = 16 + 4 + (16 if fl & NLM_F_CAPPED else olen)
        off = (off + 3) & ~3
        for t, p in parse_attrs(m[off:]):
            if t == NLMSGERR_ATTR_MSG:
                r.extack = p.rstrip(b"\0").decode(errors="replace")
            elif t == NLMSGERR_ATTR_OFFS:
                r.offset = uint(p)

    def resolve(self, name):
        payload = nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")
        r, _ = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, payload)
        if r.error:
            raise NlError(r.error, "resolving %s: %s" % (name, r.extack))
        fid, groups = None, {}
        for t, p in parse_attrs(r.msgs[0][2][4:]):
            if t == CTRL_ATTR_FAMILY_ID:
                fid = uint(p)
            elif t == CTRL_ATTR_MCAST_GROUPS:
                for _, g in parse_attrs(p):
                    gd = dict(parse_attrs(g))
                    groups[gd[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                        uint(gd[CTRL_ATTR_MCAST_GRP_ID])
        return fid, groups

    def ag(self, cmd, payload=b"", flags=NLM_F_ACK):
        return self.request(self.family_id, cmd, payload, flags)

    def top(self, reply, attr):
        for _t, _fl, body in reply.msgs:
            for t, p in parse_attrs(body[4:]):
                if t == attr:
                    return p
        return None

    def get_config(self):
        r, _ = self.ag(CMD_GET_CONFIG)
        if r.error:
            raise NlError(r.error, r.extack)
        cfg = {}
        for t, p in parse_attrs(self.top(r, A_CONFIG) or b""):
            cfg[CFG_NAME.get(t, "attr%d" % t)] = uint(p)
        return cfg

    def get_counters(self):
        r, _ = self.ag(CMD_GET_COUNTERS)
        if r.error:
            raise NlError(r.error, r.extack)
        out = {}
        for t, p in parse_attrs(self.top(r, A_COUNTERS) or b""):
            if t == CTR_REASON:
                d = dict(parse_attrs(p))
                name = REASONS[uint(d[RSN_ID])]
                for k, v in RSN.items():
                    if k in d:
                        out["%s_%s" % (name, v)] = uint(d[k])
            elif t in CTR:
                out[CTR[t]] = uint(p)
        return out

    def set_config_raw(self, inner, wrap=True):
        """SET_CONFIG with the given A_CONFIG contents (bytes)."""
        payload = nest(A_CONFIG, inner) if wrap else inner
        r, req = self.ag(CMD_SET_CONFIG, payload)
        return r, req

    def dump_flows(self, filt=b""):
        r, _ = self.ag(CMD_GET_FLOWS, filt, flags=NLM_F_DUMP)
        if r.error:
            raise NlError(r.error, r.extack)
        flows = []
        for _t, _fl, body in r.msgs:
            for t, p in parse_attrs(body[4:]):
                if t == A_FLOW:
                    flows.append(decode_flow(p))
        return flows, {"parts": r.parts, "messages": len(r.msgs),
                       "intr": r.intr}


def decode_flow(p):
    f = {"reasons": {}}
    fam = socket.AF_INET
    raw = {}
    for t, v in parse_attrs(p):
        if t == FLOW_FAMILY:
            fam = uint(v)
        elif t in (FLOW_LADDR, FLOW_RADDR):
            raw[t] = v
        elif t == FLOW_LPORT:
            f["local_port"] = uint(v)
        elif t == FLOW_RPORT:
            f["remote_port"] = uint(v)
        elif t == FLOW_STATE:
            f["state"] = uint(v)
        elif t == FLOW_RATE:
            f["rate"] = uint(v)
        elif t == FLOW_STORM:
            f["storm"] = True
        elif t == FLOW_OVERLIMIT:
            f["overlimit"] = uint(v)
        elif t == FLOW_REASON:
            d = dict(parse_attrs(v))
            f["reasons"][REASONS[uint(d[RSN_ID])]] = {
                n: uint(d[k]) for k, n in RSN.items() if k in d}
    f["family"] = "inet" if fam == socket.AF_INET else "inet6"
    for t, key in ((FLOW_LADDR, "local_addr"), (FLOW_RADDR, "remote_addr")):
        if t in raw:
            f[key] = socket.inet_ntop(fam, raw[t])
    return f


# ---------------------------------------------------------------- the test

class Tap:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, cond, desc, diag=None):
        if cond:
            self.passed += 1
            print("ok - %s" % desc, flush=True)
        else:
            self.failed += 1
            print("not ok - %s" % desc, flush=True)
            if diag:
                for line in str(diag).splitlines():
                    print("#   %s" % line, flush=True)
        return cond


def u32(name, v):
    return nla_u32(CFG[name], v)


def u8(name, v):
    return nla_u8(CFG[name], v)


def validate(tap):
    g = Genl()
    tap.check(g.family_id is not None and "events" in g.groups,
              "nlctrl resolves family ackguard (id %s, groups %s)" %
              (g.family_id, g.groups))
    base = g.get_config()
    tap.check(sorted(base) == sorted(CFG), "GET_CONFIG returns every setting",
              base)

    # (description, A_CONFIG contents, words the ext-ack must contain,
    #  attribute type the ext-ack offset must point at, or None)
    cases = [
        ("interval_ms 0", u32("interval_ms", 0), ["interval_ms"], CFG["interval_ms"]),
        ("interval_ms 60001", u32("interval_ms", 60001), ["interval_ms"], CFG["interval_ms"]),
        ("interval_ms 0xffffffff", u32("interval_ms", 0xffffffff), ["interval_ms"], CFG["interval_ms"]),
        ("burst 0", u32("burst", 0), ["burst"], CFG["burst"]),
        ("burst 10001", u32("burst", 10001), ["burst"], CFG["burst"]),
        ("max_flows 0", u32("max_flows", 0), ["max_flows"], CFG["max_flows"]),
        ("max_flows 4194305", u32("max_flows", 4194305), ["max_flows"], CFG["max_flows"]),
        ("flow_timeout_s 0", u32("flow_timeout_s", 0), ["flow_timeout_s"], CFG["flow_timeout_s"]),
        ("flow_timeout_s 86401", u32("flow_timeout_s", 86401), ["flow_timeout_s"], CFG["flow_timeout_s"]),
        ("storm_pps 0", u32("storm_pps", 0), ["storm_pps"], CFG["storm_pps"]),
        ("storm_pps 100000001", u32("storm_pps", 100000001), ["storm_pps"], CFG["storm_pps"]),
        ("mode 3", u8("mode", 3), ["mode"], CFG["mode"]),
        ("log 2", u8("log", 2), ["log"], CFG["log"]),
        ("unknown nested attribute type 8", nla_u32(8, 1),
         ["unknown"], 8),
        ("unknown nested attribute type 0 (UNSPEC)", nla_u32(0, 1),
         ["unknown"], 0),
        ("wrong length: interval_ms as u16", nla_u16(CFG["interval_ms"], 100),
         ["interval_ms"], CFG["interval_ms"]),
        ("wrong length: burst as 8 bytes", nla(CFG["burst"], struct.pack("=Q", 5)),
         ["burst"], CFG["burst"]),
        ("wrong length: mode as u32", nla_u32(CFG["mode"], 1), ["mode"], CFG["mode"]),
        ("wrong length: empty storm_pps", nla(CFG["storm_pps"], b""),
         ["storm_pps"], CFG["storm_pps"]),
        ("valid burst 7 + invalid interval_ms 0",
         u32("burst", 7) + u32("interval_ms", 0), ["interval_ms"], CFG["interval_ms"]),
        ("invalid storm_pps 0 + valid mode 0 + valid interval_ms 250",
         u32("storm_pps", 0) + u8("mode", 0) + u32("interval_ms", 250),
         ["storm_pps"], CFG["storm_pps"]),
        ("every setting valid but log 5",
         u8("mode", 1) + u32("interval_ms", 100) + u32("burst", 9) +
         u32("max_flows", 99) + u32("flow_timeout_s", 9) +
         u32("storm_pps", 9) + u8("log", 5), ["log"], CFG["log"]),
    ]
    for desc, inner, words, bad_type in cases:
        before = g.get_config()
        r, req = g.set_config_raw(inner)
        after = g.get_config()
        tap.check(r.error != 0, "SET_CONFIG %s: rejected (errno %d %s)" %
                  (desc, r.error, errno.errorcode.get(r.error, "")))
        msg = r.extack or ""
        tap.check(all(w in msg.lower() for w in words),
                  "SET_CONFIG %s: ext-ack names %s: %r" % (desc, "/".join(words), msg))
        if bad_type is not None:
            # NLMSGERR_ATTR_OFFS: offset of the bad attribute in the request
            t = None
            if r.offset is not None and r.offset + 4 <= len(req):
                t = struct.unpack_from("=HH", req, r.offset)[1] & NLA_TYPE_MASK
            tap.check(t == bad_type,
                      "SET_CONFIG %s: ext-ack offset %s points at attribute %s" %
                      (desc, r.offset, bad_type), "points at %s" % t)
        tap.check(after == before, "SET_CONFIG %s: config unchanged" % desc,
                  "before %s\nafter  %s" % (before, after))

    # Missing A_CONFIG altogether
    before = g.get_config()
    r, _ = g.set_config_raw(b"", wrap=False)
    tap.check(r.error == errno.EINVAL and g.get_config() == before,
              "SET_CONFIG without A_CONFIG: EINVAL, config unchanged (%d %r)" %
              (r.error, r.extack))

    # Boundary values are accepted, all at once, and applied together.
    want = {"mode": 1, "interval_ms": 60000, "burst": 10000,
            "max_flows": 4194304, "flow_timeout_s": 86400,
            "storm_pps": 100000000, "log": 0}
    inner = b"".join(u8(k, v) if k in CFG_U8 else u32(k, v)
                     for k, v in want.items())
    r, _ = g.set_config_raw(inner)
    got = g.get_config()
    tap.check(r.error == 0 and got == want,
              "SET_CONFIG with every upper bound: accepted and applied",
              "errno %d %r\ngot %s" % (r.error, r.extack, got))
    want = {"mode": 0, "interval_ms": 1, "burst": 1, "max_flows": 1,
            "flow_timeout_s": 1, "storm_pps": 1, "log": 1}
    inner = b"".join(u8(k, v) if k in CFG_U8 else u32(k, v)
                     for k, v in want.items())
    r, _ = g.set_config_raw(inner)
    got = g.get_config()
    tap.check(r.error == 0 and got == want,
              "SET_CONFIG with every lower bound: accepted and applied",
              "errno %d %r\ngot %s" % (r.error, r.extack, got))
    # An empty A_CONFIG is a valid no-op.
    r, _ = g.set_config_raw(b"")
    tap.check(r.error == 0 and g.get_config() == want,
              "SET_CONFIG with an empty A_CONFIG: accepted, nothing changes")
    # Restore what we found.
    inner = b"".join(u8(k, v) if k in CFG_U8 else u32(k, v)
                     for k, v in base.items())
    r, _ = g.set_config_raw(inner)
    tap.check(r.error == 0 and g.get_config() == base,
              "SET_CONFIG restores the original config")
    g.close()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    try:
        if cmd == "validate":
            tap = Tap()
            validate(tap)
            return 1 if tap.failed else 0
        g = Genl()
        if cmd == "get-config":
            print(json.dumps(g.get_config()))
        elif cmd == "get-counters":
            print(json.dumps(g.get_counters()))
        elif cmd == "dump-flows":
            flows, info = g.dump_flows()
            print(json.dumps({"info": info, "flows": flows}))
        elif cmd == "set":
            inner = b""
            for kv in argv[2:]:
                k, v = kv.split("=", 1)
                inner += u8(k, int(v)) if k in CFG_U8 else u32(k, int(v))
            r, _ = g.set_config_raw(inner)
            print(json.dumps({"errno": r.error, "extack": r.extack}))
            return 3 if r.error else 0
        elif cmd == "flush":
            r, _ = g.ag(CMD_FLUSH_FLOWS)
            print(json.dumps({"errno": r.error, "extack": r.extack}))
            return 3 if r.error else 0
        elif cmd == "groups":
            print(json.dumps({"family": g.family_id, "groups": g.groups}))
        elif cmd == "join-events":
            # what genl_bind() says to this caller (SOL_NETLINK 270,
            # NETLINK_ADD_MEMBERSHIP 1)
            try:
                g.sk.setsockopt(270, 1, g.groups["events"])
                err = 0
            except OSError as e:
                err = e.errno
            print(json.dumps({"errno": err}))
            return 3 if err else 0
        else:
            print("genl.py: unknown command %s" % cmd, file=sys.stderr)
            return 2
    except (OSError, NlError) as e:
        print("genl.py: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
