"""NetlinkSocket: per-sequence dispatch of ACKs, errors, replies and dumps; and a
real round trip through the host kernel's rtnetlink."""
import errno
import struct

import pytest

from wispd.platform.eloop import Eloop
from wispd.platform.netlink import (
    NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, NETLINK_ROUTE, NetlinkError,
    NetlinkSocket)
from wispd.platform import rtnl


def hdr(length, mtype, flags, seq, pid=0):
    return struct.pack("=IHHII", length, mtype, flags, seq, pid)


def error_msg(seq, code):
    body = struct.pack("=i", -code) + hdr(16, 99, 0, seq)
    return hdr(16 + len(body), NLMSG_ERROR, 0x100, seq) + body


def data_msg(seq, payload, mtype=0x20, flags=0):
    raw = hdr(16 + len(payload), mtype, flags, seq) + payload
    return raw + b"\0" * (-len(raw) % 4)        # NLMSG_ALIGN


def decode(mtype, raw):
    return (mtype, bytes(raw[16:]))


@pytest.fixture
def sock():
    s = NetlinkSocket(NETLINK_ROUTE, decode)
    yield s
    s.close()


def test_ack_error_reply_and_notifications_dispatch_by_sequence(sock):
    got = []
    sock.on_notify = lambda msg: got.append(("notify", msg))
    seq1 = 100
    sock.pending[seq1] = __import__("wispd.platform.netlink", fromlist=["_Request"])._Request(
        lambda e, parts, req: got.append(("done", e, parts)), False)
    sock.feed(data_msg(seq1, b"ab") + data_msg(0, b"event") + error_msg(seq1, 0))
    assert got == [("notify", (0x20, b"event")), ("done", 0, [(0x20, b"ab")])]
    assert seq1 not in sock.pending


def test_dump_parts_until_done_and_errors(sock):
    from wispd.platform.netlink import _Request
    got = []
    sock.pending[7] = _Request(lambda e, parts, req: got.append((e, parts)), True)
    sock.feed(data_msg(7, b"1", flags=NLM_F_MULTI) + data_msg(7, b"2", flags=NLM_F_MULTI))
    assert got == []
    sock.feed(hdr(20, NLMSG_DONE, NLM_F_MULTI, 7) + struct.pack("=i", 0))
    assert got == [(0, [(0x20, b"1"), (0x20, b"2")])]
    sock.pending[8] = _Request(lambda e, parts, req: got.append((e, parts)), False)
    sock.feed(error_msg(8, errno.EBUSY))
    assert got[-1] == (errno.EBUSY, [])


def test_unknown_sequence_answers_are_dropped(sock):
    sock.on_notify = lambda msg: pytest.fail("not a notification")
    sock.feed(error_msg(4242, 0))


def test_real_rtnetlink_round_trip():
    loop = Eloop()
    links = []
    r = rtnl.Rtnl(loop, links.append)
    try:
        lo = r.get_link(name="lo")
        assert lo.name == "lo" and lo.index == 1 and lo.addr == b"\0" * 6
        assert r.get_link(name="wispdnone0") is None
        names = [link.name for link in r.dump_links()]
        assert "lo" in names
        with pytest.raises(NetlinkError) as info:
            r.sock.request(r._msg(999999), rtnl.RTM_GETLINK, NLM_F_ACK)
        assert info.value.errno == errno.ENODEV
    finally:
        r.close()
        loop.close()


def test_async_request_ack_comes_through_the_eloop():
    loop = Eloop()
    s = NetlinkSocket(NETLINK_ROUTE, rtnl._decode)
    s.attach(loop)
    got = []
    msg = rtnl.ifinfmsg()
    msg["index"] = 1
    s.send(msg, rtnl.RTM_GETLINK, NLM_F_ACK, lambda e, parts, req: got.append((e, parts)))
    for _ in range(20):
        if got:
            break
        loop.run_once(max_wait=0.1)
    assert got and got[0][0] == 0 and got[0][1][0].name == "lo"
    s.close()
    loop.close()


class OverflowingSock:
    """Stands in for the kernel side of a socket that overflowed: recv() says
    ENOBUFS once, then hands over what had been queued before."""

    def __init__(self, real, queued):
        self.real = real
        self.proto = real.proto
        self.script = [OSError(errno.ENOBUFS, "No buffer space available")] + list(queued)

    def recv(self, size):
        if not self.script:
            raise BlockingIOError()
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def fileno(self):
        return self.real.fileno()

    def close(self):
        self.real.close()


def test_overrun_reads_on_fails_lost_answers_keeps_dumps_and_reports(sock):
    from wispd.platform.netlink import _Request
    got = []
    sock.on_notify = lambda msg: got.append(("notify", msg))
    sock.on_overrun = lambda: got.append(("overrun",))
    sock.pending[5] = _Request(lambda e, parts, req: got.append(("lost", e)), False)
    sock.pending[6] = _Request(lambda e, parts, req: got.append(("acked", e)), False)
    sock.pending[7] = _Request(lambda e, parts, req: got.append(("dump", e)), True)
    # Queued before the overflow: an event and the ACK of request 6.
    sock.sock = OverflowingSock(sock.sock, [data_msg(0, b"event") + error_msg(6, 0)])
    sock.on_readable()
    # Request 5's answer never came: it was dropped; the dump goes on.
    assert got == [("notify", (0x20, b"event")), ("acked", 0), ("lost", errno.ENOBUFS),
                   ("overrun",)]
    assert list(sock.pending) == [7] and sock.overruns == 1


def _pyroute2_link(mtype, raw):
    """The decode rtnl._decode replaced: pyroute2's, on the same bytes."""
    msg = rtnl.ifinfmsg(raw)
    msg.decode()
    addr = msg.get_attr("IFLA_ADDRESS")
    return (mtype, msg["index"], msg.get_attr("IFLA_IFNAME"), msg["flags"],
            bytes(addr) if addr else None, msg.get_attr("IFLA_OPERSTATE"),
            msg.get_attr("IFLA_WIRELESS"))


def _fields(link):
    return (link.event, link.index, link.name, link.flags, link.addr, link.operstate,
            link.wireless)


def test_link_messages_read_from_their_bytes_as_pyroute2_decodes_them():
    # The host kernel's own RTM_NEWLINK messages (a dump: every attribute it
    # sends, stats and nested AF_SPEC included) ...
    s = NetlinkSocket(NETLINK_ROUTE, lambda mtype, raw: (mtype, raw))
    dump = rtnl.ifinfmsg()
    dump["attrs"] = []
    try:
        parts = s.request(dump, rtnl.RTM_GETLINK, NLM_F_DUMP)
    finally:
        s.close()
    assert parts and any(len(raw) > 200 for _, raw in parts)
    # ... and one with what only a wireless link sends (a wext event, operstate).
    msg = rtnl.ifinfmsg()
    msg["index"], msg["flags"] = 7, rtnl.IFF_UP | rtnl.IFF_LOWER_UP
    msg["attrs"] = [("IFLA_IFNAME", "wlan9"), ("IFLA_ADDRESS", b"\x02\0\0\0\0\x09"),
                    ("IFLA_WIRELESS", b"\x0c\x00\x19\x8b" + bytes(8)),
                    ("IFLA_OPERSTATE", rtnl.IF_OPER_DORMANT)]
    msg.encode()
    parts.append((rtnl.RTM_NEWLINK, bytes(msg.data)))
    for mtype, raw in parts:
        assert _fields(rtnl._decode(mtype, raw)) == _pyroute2_link(mtype, raw)
    assert rtnl._decode(rtnl.RTM_NEWLINK, bytes(msg.data)).wireless[:4] == b"\x0c\x00\x19\x8b"
    assert rtnl._decode(rtnl.RTM_NEWLINK, bytes(msg.data)[:30]) is None     # cut short
