# SPDX-License-Identifier: GPL-2.0
"""agnl: a minimal generic netlink client for the ackguard family.

Plain socket.AF_NETLINK and struct, no pyroute2.  Used by fuzz_genl.py and
nlchurn.py (tests/stress/).  Constants mirror module/uapi/ackguard.h.
"""
import errno
import os
import socket
import struct

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
SOL_NETLINK = 270

NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4
NLMSG_MIN_TYPE = 0x10

NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_ECHO = 0x08
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP_FILTERED = 0x20
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_ATOMIC = 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_CAPPED = 0x100      # in NLMSG_ERROR replies
NLM_F_ACK_TLVS = 0x200    # in NLMSG_ERROR replies

NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

# module/uapi/ackguard.h
FAMILY_NAME = b"ackguard"
VERSION = 1
CMD_GET_CONFIG, CMD_SET_CONFIG, CMD_GET_COUNTERS, CMD_GET_FLOWS, \
    CMD_FLUSH_FLOWS, CMD_STORM_START, CMD_STORM_END = range(1, 8)
CMD_MAX = CMD_STORM_END
A_CONFIG, A_COUNTERS, A_FLOW, A_FILTER = range(1, 5)
A_MAX = A_FILTER
CFG_MODE, CFG_INTERVAL_MS, CFG_BURST, CFG_MAX_FLOWS, CFG_FLOW_TIMEOUT_S, \
    CFG_STORM_PPS, CFG_LOG = range(1, 8)
CFG_MAX = CFG_LOG
FLT_FAMILY, FLT_ADDR, FLT_PREFIX_LEN, FLT_PORT, FLT_REASON, \
    FLT_MIN_RATE = range(1, 7)
FLT_MAX = FLT_MIN_RATE
CTR_MAX = 9
RSN_MAX = 6
RSN_OVERLIMIT = 5
FLOW_MAX = 13
FLOW_OVERLIMIT = 13
ADMIN_CMDS = (CMD_SET_CONFIG, CMD_GET_FLOWS, CMD_FLUSH_FLOWS)

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_COOKIE = 3
NLMSGERR_ATTR_POLICY = 4
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSGERR_ATTR_MISS_NEST = 6

HDR = struct.Struct("=IHHII")      # nlmsghdr
GENLHDR = struct.Struct("=BBH")
NLA = struct.Struct("=HH")


def align4(n):
    return (n + 3) & ~3


def nla(atype, payload):
    """One attribute, padded to 4 bytes."""
    n = NLA.size + len(payload)
    return NLA.pack(n, atype) + payload + b"\0" * (align4(n) - n)


def nla_u8(t, v):
    return nla(t, struct.pack("=B", v))


def nla_u16(t, v):
    return nla(t, struct.pack("=H", v))


def nla_u32(t, v):
    return nla(t, struct.pack("=I", v))


def nest(t, payload):
    return nla(t | NLA_F_NESTED, payload)


def nlmsg(mtype, flags, seq, payload, pid=0):
    return HDR.pack(HDR.size + len(payload), mtype, flags, seq, pid) + payload


def genlmsg(family, cmd, flags, seq, attrs=b"", version=VERSION):
    return nlmsg(family, flags, seq, GENLHDR.pack(cmd, version, 0) + attrs)


def parse_attrs(buf, strict=True):
    """Attributes in buf as [(type, flags, payload)]; ValueError if they
    do not tile the buffer exactly (strict) or run past it."""
    out = []
    off = 0
    while off + NLA.size <= len(buf):
        n, t = NLA.unpack_from(buf, off)
        if n < NLA.size or off + n > len(buf):
            raise ValueError("attribute len %d at %d of %d" % (n, off, len(buf)))
        out.append((t & NLA_TYPE_MASK, t & ~NLA_TYPE_MASK & 0xffff,
                    buf[off + NLA.size:off + n]))
        off += align4(n)
    if strict and off < len(buf) and any(buf[off:]):
        raise ValueError("%d trailing bytes" % (len(buf) - off))
    return out


def split_msgs(data):
    """The netlink messages in one datagram as [(type, flags, seq, pid,
    payload)]; ValueError on a malformed one."""
    out = []
    off = 0
    while off < len(data):
        if off + HDR.size > len(data):
            raise ValueError("truncated nlmsghdr at %d of %d" % (off, len(data)))
        n, t, f, s, p = HDR.unpack_from(data, off)
        if n < HDR.size or off + n > len(data):
            raise ValueError("nlmsg_len %d at %d of %d" % (n, off, len(data)))
        out.append((t, f, s, p, data[off + HDR.size:off + n]))
        off += align4(n)
    return out


class NlError(Exception):
    def __init__(self, err, msg=""):
        super().__init__("%s%s" % (os.strerror(err), ": " + msg if msg else ""))
        self.errno = err


class Genl:
    """A NETLINK_GENERIC socket talking to the ackguard family."""

    def __init__(self, rcvbuf=1 << 20, ext_ack=True):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        except OSError:
            pass
        if ext_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.pid = self.sock.getsockname()[0]
        self.seq = 1
        self.family = None

    def close(self):
        self.sock.close()

    def next_seq(self):
        self.seq = (self.seq + 1) & 0xffffffff or 1
        return self.seq

    def request(self, mtype, flags, payload):
        """Send one request, collect its replies until the ack, DONE or an
        error.  Returns the data messages [(type, flags, payload)]; raises
        NlError on an error ack."""
        seq = self.next_seq()
        self.sock.send(nlmsg(mtype, flags | NLM_F_REQUEST | NLM_F_ACK, seq, payload))
        out = []
        while True:
            data = self.sock.recv(1 << 17)
            for t, f, s, _, p in split_msgs(data):
                if s != seq:
                    continue
                if t == NLMSG_ERROR:
                    err = struct.unpack_from("=i", p)[0]
                    if err:
                        raise NlError(-err, extack_msg(f, p))
                    return out
                if t == NLMSG_DONE:
                    # the end of a dump (an ack may follow; its seq is
                    # skipped by the next request)
                    return out
                out.append((t, f, p))

    def resolve(self, name=FAMILY_NAME):
        msgs = self.request(GENL_ID_CTRL, 0,
                            GENLHDR.pack(CTRL_CMD_GETFAMILY, 1, 0) +
                            nla(CTRL_ATTR_FAMILY_NAME, name + b"\0"))
        for _, _, p in msgs:
            for t, _, v in parse_attrs(p[GENLHDR.size:]):
                if t == CTRL_ATTR_FAMILY_ID:
                    self.family = struct.unpack("=H", v[:2])[0]
                    return self.family
        raise NlError(errno.ENOENT, "no family id in the reply")

    def cmd(self, cmd, attrs=b"", dump=False):
        if self.family is None:
            self.resolve()
        return self.request(self.family, NLM_F_DUMP if dump else 0,
                            GENLHDR.pack(cmd, VERSION, 0) + attrs)

    def get_config(self):
        msgs = self.cmd(CMD_GET_CONFIG)
        cfg = {}
        for _, _, p in msgs:
            for t, _, v in parse_attrs(p[GENLHDR.size:]):
                if t == A_CONFIG:
                    for ct, _, cv in parse_attrs(v):
                        cfg[ct] = int.from_bytes(cv, "little")
        return cfg

    def set_config(self, **kw):
        names = {"mode": (CFG_MODE, nla_u8), "interval_ms": (CFG_INTERVAL_MS, nla_u32),
                 "burst": (CFG_BURST, nla_u32), "max_flows": (CFG_MAX_FLOWS, nla_u32),
                 "flow_timeout_s": (CFG_FLOW_TIMEOUT_S, nla_u32),
                 "storm_pps": (CFG_STORM_PPS, nla_u32), "log": (CFG_LOG, nla_u8)}
        body = b"".join(names[k][1](names[k][0], v) for k, v in kw.items())
        return self.cmd(CMD_SET_CONFIG, nest(A_CONFIG, body))

    def set_config_raw(self, cfg):
        """cfg as returned by get_config()."""
        body = b"".join((nla_u8 if t in (CFG_MODE, CFG_LOG) else nla_u32)(t, v)
                        for t, v in sorted(cfg.items()))
        return self.cmd(CMD_SET_CONFIG, nest(A_CONFIG, body))

    def flows(self, filt=b""):
        return self.cmd(CMD_GET_FLOWS, nest(A_FILTER, filt) if filt else b"", dump=True)

    def flush(self):
        return self.cmd(CMD_FLUSH_FLOWS)

    def counters(self):
        return self.cmd(CMD_GET_COUNTERS)


def extack_msg(flags, payload):
    """The extended ack's message text, if any, from an NLMSG_ERROR payload."""
    if not flags & NLM_F_ACK_TLVS:
        return ""
    olen = HDR.unpack_from(payload, 4)[0] if len(payload) >= 4 + HDR.size else 0
    off = 4 + (HDR.size if flags & NLM_F_CAPPED else align4(olen))
    try:
        for t, _, v in parse_attrs(payload[off:], strict=False):
            if t == NLMSGERR_ATTR_MSG:
                return v.rstrip(b"\0").decode(errors="replace")
    except ValueError:
        pass
    return ""
