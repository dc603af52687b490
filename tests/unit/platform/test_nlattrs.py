"""platform/nlattrs.py: netlink attributes read from the bytes, and nl80211's
Message on top of it, against pyroute2's encoder and generic decoder (the
reference: the same bytes must give the same values)."""
import random
import struct

from wispd.drivers.nl80211 import msgs as m
from wispd.platform.nlattrs import Attrs, walk


def nla(kind, payload=b""):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def test_one_level_indexed_first_wins_and_nested_flag_masked():
    data = nla(1, struct.pack("=I", 7)) + nla(2 | 0x8000, nla(1, b"x")) + nla(1, b"\0" * 4)
    a = Attrs(data)
    assert a.u32(1) == 7                      # the first of two
    assert 2 in a and a.nested(2).raw(1) == b"x"
    assert a.flag(2) and not a.flag(3) and a.u32(3) is None and a.u32(3, 0) == 0


def test_integers_strings_arrays_lists():
    data = (nla(1, b"\xff") + nla(2, struct.pack("=h", -2)) + nla(3, struct.pack("=Q", 1 << 40))
            + nla(4, b"phy0\0") + nla(5, struct.pack("=3I", 1, 2, 3))
            + nla(6, nla(1, struct.pack("=I", 2412)) + nla(2, struct.pack("=I", 2437))))
    a = Attrs(data)
    assert a.int(1, "u8") == 255 and a.int(1, "s8") == -1
    assert a.int(2, "u16") == 0xFFFE
    assert a.int(3, "u64") == 1 << 40
    assert a.string(4) == "phy0"
    assert a.u32_array(5) == [1, 2, 3]
    assert [struct.unpack("=I", p)[0] for p in a.list(6)] == [2412, 2437]
    assert a.list(9) == [] and a.u32_array(9) == [] and len(a.nested(9)) == 0


def test_short_payload_counts_as_absent():
    a = Attrs(nla(1, b"\1\2"))
    assert a.u32(1) is None and a.int(1, "u16") == 0x0201


def test_malformed_lengths_end_the_walk_keeping_what_came_before():
    good = nla(1, b"abcd")
    for tail in (struct.pack("=HH", 2, 5), struct.pack("=HH", 200, 5) + b"xx", b"\1\0"):
        a = Attrs(good + tail)
        assert list(a.payloads) == [1]
        assert walk(good + tail) == [(1, b"abcd")]
    assert len(Attrs(b"")) == 0


def _reference(raw):
    """{name: value} as pyroute2's generic decoder gives them (scalars and
    lists only: nested attributes are compared through the parsers)."""
    msg = m.nl80211msg(raw)
    msg.decode()
    out = {}
    for name, value in msg["attrs"]:
        short = name[len(m.ATTR):]
        if short not in out:
            out[short] = value.getvalue() if hasattr(value, "getvalue") else value
    return out


SCALARS = [("WIPHY", lambda r: r.randrange(1 << 32)), ("IFNAME", lambda r: "wlan%d" % r.randrange(9)),
           ("MAC", lambda r: bytes(r.randrange(256) for _ in range(6))),
           ("KEY_IDX", lambda r: r.randrange(256)), ("REASON_CODE", lambda r: r.randrange(1 << 16)),
           ("WDEV", lambda r: r.randrange(1 << 64)), ("PRIVACY", lambda r: True),
           ("SCAN_FREQUENCIES", lambda r: [r.choice((2412, 5180, 5955)) for _ in range(r.randrange(1, 5))]),
           ("SCAN_SSIDS", lambda r: [bytes(r.randrange(1, 127) for _ in range(r.randrange(0, 33)))
                                     for _ in range(r.randrange(1, 4))]),
           ("CIPHER_SUITES_PAIRWISE", lambda r: [0x000FAC04, 0x000FAC02][:r.randrange(1, 3)]),
           ("IE", lambda r: bytes(r.randrange(256) for _ in range(r.randrange(0, 300)))),
           ("STATUS_CODE", lambda r: r.randrange(1 << 16)), ("TIMED_OUT", lambda r: True)]


def test_attrs_of_gives_what_pyroute2_gives_on_random_messages():
    rnd = random.Random(14)
    for _ in range(300):
        attrs = rnd.sample(SCALARS, rnd.randrange(1, len(SCALARS)))
        msg = m.build(rnd.choice((m.CMD_CONNECT, m.CMD_GET_WIPHY, m.CMD_NEW_SCAN_RESULTS)),
                      [(name, make(rnd)) for name, make in attrs])
        msg["header"]["type"] = 0x1C
        msg.encode()
        raw = bytes(msg.data)
        ours = m.decode(raw)
        assert ours["cmd"] == msg["cmd"]
        assert m.attrs_of(ours) == _reference(raw)


def test_message_refuses_a_truncated_header():
    import pytest
    with pytest.raises(ValueError):
        m.Message(b"\x10\0\0\0" + b"\0" * 12)


def test_genl_resolve_reads_the_kernels_controller_as_pyroute2_does():
    """The host kernel's generic netlink controller, asked about itself: the
    family id and multicast groups from nlattrs equal pyroute2's decode of the
    same bytes."""
    from wispd.platform import netlink as nl
    raw_parts = []
    sock = nl.NetlinkSocket(nl.NETLINK_GENERIC, lambda mtype, raw: raw_parts.append(raw) or raw)
    try:
        msg = nl.pyroute2_netlink().ctrlmsg()
        msg["cmd"] = nl.CTRL_CMD_GETFAMILY
        msg["version"] = 1
        msg["attrs"] = [("CTRL_ATTR_FAMILY_NAME", "nlctrl")]
        sock.request(msg, nl.GENL_ID_CTRL)
        sock.decode = nl.genl_decoder(None, None)
        family, groups = nl.genl_resolve(sock, "nlctrl")
    finally:
        sock.close()
    ref = nl.pyroute2_netlink().ctrlmsg(raw_parts[0])
    ref.decode()
    assert family == ref.get_attr("CTRL_ATTR_FAMILY_ID") == nl.GENL_ID_CTRL
    assert groups == {g.get_attr("CTRL_ATTR_MCAST_GRP_NAME"): g.get_attr("CTRL_ATTR_MCAST_GRP_ID")
                      for g in ref.get_attr("CTRL_ATTR_MCAST_GROUPS")}
    assert groups


def test_pick_reads_only_the_wanted_types():
    from wispd.platform.nlattrs import pick
    data = nla(1, b"a") + nla(3, b"c") + nla(2 | 0x4000, b"b") + nla(1, b"z") + struct.pack("=HH", 99, 4)
    assert pick(data, {1, 2}) == {1: b"a", 2: b"b"}
    assert pick(data, {7}) == {} and pick(b"", {1}) == {}
