#!/usr/bin/python3
"""nfq.py: a minimal NFQUEUE listener over raw nfnetlink (no
libnetfilter_queue, no python3-netfilterqueue).

  nfq.py --queue N --ready F --out F

Binds queue N of the current network namespace (metadata only, queue
length 65536, fail-open: a full queue accepts instead of dropping), writes
--ready, and answers every queued packet with an NF_ACCEPT verdict, one
message per packet.  The kernel reinjects each one from this process's
sendmsg(): nf_reinject() runs the hooks after the queueing one in process
context with bottom halves enabled, which is what the scenario needs.  On
SIGTERM it writes "verdicts=N errors=E" to --out and exits.
"""
import argparse
import errno
import os
import signal
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NETLINK_NO_ENOBUFS = 5
SO_RCVBUFFORCE = 33
SOL_NETLINK = 270
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQA_CFG_MASK, NFQA_CFG_FLAGS = 4, 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN = 1
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2


def nla(atype, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, atype) + payload + b"\0" * (-n % 4)


def nlmsg(msg, flags, queue, attrs, seq=0):
    body = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue) + attrs
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg,
                       NLM_F_REQUEST | flags, seq, 0) + body


def attrs_of(buf):
    out = {}
    i = 0
    while i + 4 <= len(buf):
        n, t = struct.unpack_from("=HH", buf, i)
        if n < 4:
            break
        out[t & 0x3FFF] = buf[i + 4:i + n]
        i += (n + 3) & ~3
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queue", type=int, default=0)
    p.add_argument("--ready", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    # past rmem_max (root): a full socket would make the kernel accept
    # (fail-open) in softirq what it meant to queue
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    s.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
    s.bind((0, 0))
    cfg = (nla(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0)) +
           nla(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)) +
           nla(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 65536)) +
           nla(NFQA_CFG_MASK, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)) +
           nla(NFQA_CFG_FLAGS, struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)))
    s.send(nlmsg(NFQNL_MSG_CONFIG, NLM_F_ACK, a.queue, cfg, seq=1))
    b = s.recv(65536)
    if struct.unpack_from("=H", b, 4)[0] != NLMSG_ERROR:
        print("nfq: unexpected reply to the bind", file=sys.stderr)
        return 2
    e = struct.unpack_from("=i", b, 16)[0]
    if e:
        print("nfq: bind queue %d: %s" % (a.queue, os.strerror(-e)), file=sys.stderr)
        return 2

    count = [0, 0]

    def stop(*_):
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write("verdicts=%d errors=%d\n" % tuple(count))
        os.rename(tmp, a.out)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    tmp = a.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("bound\n")
    os.rename(tmp, a.ready)
    ptype = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET
    while True:
        try:
            b = s.recv(1 << 20)
        except OSError as ex:
            if ex.errno in (errno.EINTR, errno.ENOBUFS):
                continue
            raise
        i = 0
        while i + 16 <= len(b):
            n, t = struct.unpack_from("=IH", b, i)
            if n < 16:
                break
            if t == ptype:
                hdr = attrs_of(b[i + 20:i + n]).get(NFQA_PACKET_HDR)
                if hdr:
                    pid = struct.unpack_from("!I", hdr)[0]
                    s.send(nlmsg(NFQNL_MSG_VERDICT, 0, a.queue,
                                 nla(NFQA_VERDICT_HDR,
                                     struct.pack("!II", NF_ACCEPT, pid))))
                    count[0] += 1
            elif t == NLMSG_ERROR:
                count[1] += 1
            i += (n + 3) & ~3


if __name__ == "__main__":
    sys.exit(main())
