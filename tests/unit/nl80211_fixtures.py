"""Shared helpers for the nl80211 unit tests: hand-built kernel messages and a
driver wired to recording sockets instead of the kernel."""
import struct

from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.nl80211.driver import Nl80211Driver
from wispd.platform.eloop import Eloop

FAMILY = 0x1C
IFINDEX = 3
OWN = bytes.fromhex("020000000100")
AP = bytes.fromhex("020000000000")


def kernel_msg(cmd, attrs, ifindex=IFINDEX):
    """Encode like the kernel would, then decode as the driver's socket does."""
    msg = m.build(cmd, ([("IFINDEX", ifindex)] if ifindex is not None else []) + list(attrs))
    msg["header"]["type"] = FAMILY
    msg.encode()
    return m.decode(bytes(msg.data))


def kernel_raw(cmd, attrs, ifindex=IFINDEX):
    """kernel_msg's bytes, not decoded: a dump part as the socket receives it."""
    msg = m.build(cmd, ([("IFINDEX", ifindex)] if ifindex is not None else []) + list(attrs))
    msg["header"]["type"] = FAMILY
    msg.encode()
    return bytes(msg.data)


def nla(kind, payload=b""):
    """One netlink attribute as the kernel lays it out: u16 length, u16 type,
    the payload, zeros up to a multiple of 4."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def kernel_bytes(cmd, attrs, family=FAMILY):
    """A generic netlink message built byte by byte (nlmsghdr, genlmsghdr, the
    attributes from nla()), decoded as the driver's socket does: a check on our
    attribute map that does not go through pyroute2's encoder."""
    body = struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs)
    return m.decode(struct.pack("=IHHII", 16 + len(body), family, 0, 0, 0) + body)


def walk_attrs(data):
    """{type: payload} of a run of netlink attributes (the NESTED flag masked)."""
    out = {}
    pos = 0
    while pos + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, pos)
        out[kind & 0x3FFF] = data[pos + 4:pos + length]
        pos += (length + 3) & ~3
    return out


def mgmt(subtype, da, sa, bssid, body):
    return struct.pack("<HH", subtype << 4, 0) + da + sa + bssid + b"\0\0" + body


def auth_frame(status=0, alg=0, trans=2, sa=AP, body=b""):
    return mgmt(0xB, OWN, sa, sa, struct.pack("<HHH", alg, trans, status) + body)


def assoc_resp(status=0, ies=b"\x01\x01\x82"):
    return mgmt(0x1, OWN, AP, AP, struct.pack("<HHH", 0x431, status, 0xC001) + ies)


def deauth_frame(reason, sa=AP, da=OWN):
    return mgmt(0xC, da, sa, AP, struct.pack("<H", reason))


class RecordingSocket:
    """Stands in for a NetlinkSocket: keeps what was sent, answers requests from
    a table {cmd: parts or errno}."""

    def __init__(self):
        self.sent = []
        self.raw = []                # the bytes of each message, as the kernel gets them
        self.callbacks = []
        self.replies = {}
        # As NetlinkSocket: replies given as bytes are decoded with this
        # (a driver may swap it for a dump, as the scanner does for GET_SCAN).
        self.decode = lambda mtype, raw: m.decode(raw)

    def send(self, msg, msg_type, flags=0, callback=None):
        msg.encode()
        self.raw.append(bytes(msg.data))
        decoded = m.decode(bytes(msg.data))
        self.sent.append(decoded)
        self.callbacks.append(callback)
        return len(self.sent)

    def request(self, msg, msg_type, flags=0, timeout=3.0):
        from wispd.platform.netlink import NetlinkError
        self.send(msg, msg_type, flags)
        reply = self.replies.get(msg["cmd"], [])
        if isinstance(reply, int):
            raise NetlinkError(reply)
        out = []
        for part in reply:
            if isinstance(part, (bytes, bytearray)):
                part = self.decode(FAMILY, bytes(part))
            if part is not None:
                out.append(part)
        return out

    def ack(self, index=-1, error=0):
        self.callbacks[index](error, [], None)

    def cmds(self):
        return [s["cmd"] for s in self.sent]

    def close(self):
        pass


def bound_driver(params=None, sme=True):
    """A driver that believes it is bound to ifindex 3, with recording sockets."""
    events = []
    drv = Nl80211Driver(Eloop(), "wlan1", events.append, params or {})
    drv.family = FAMILY
    drv.cmd = RecordingSocket()
    drv.evt = RecordingSocket()
    drv.ifindex = IFINDEX
    drv.mac = OWN
    drv.link_up = True
    drv.capa.sme = sme
    drv.use_connect = (params or {}).get("connect") == "1" or not sme
    return drv, events
