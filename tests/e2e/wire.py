"""wire.py: the small helpers the e2e tools (tcpapp.py, pretcp.py,
inject.py) share; plain Python, no scapy, so that importing it costs
nothing in the slow test VM."""
import os
import socket
import struct


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def write_file(path, text):
    """Write PATH atomically (readers poll for it: see wait_file)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, path)


def inet_csum(data):
    """The Internet checksum (RFC 1071) of DATA."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_pseudo_header(src, dst, tlen):
    """The IPv4 or IPv6 pseudo header (by the packed addresses' length)
    that a TCP checksum over TLEN bytes of segment covers."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, 6, tlen)
    return src + dst + struct.pack("!IxxxB", tlen, 6)
