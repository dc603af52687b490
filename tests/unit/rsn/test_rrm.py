"""rsn/rrm.py: 802.11k neighbor report request and response, sans-IO."""

import struct

import pytest

from wispd.rsn import rrm, wnm

B2 = bytes.fromhex("020000000002")
B3 = bytes.fromhex("020000000003")


def nr(bssid, op_class, channel, info=0x8F, phy=7, subs=b""):
    body = bssid + struct.pack("<I", info) + bytes((op_class, channel, phy)) + subs
    return bytes((52, len(body))) + body


def test_request_with_and_without_ssid():
    # category 5 (Radio Measurement), action 4, dialog token, SSID element
    assert rrm.neighbor_report_request(3, b"cafe") == b"\x05\x04\x03\x00\x04cafe"
    assert rrm.neighbor_report_request(255) == b"\x05\x04\xff"
    for bad in ((256, None), (-1, None), (1, b"x" * 33)):
        with pytest.raises(rrm.RrmError):
            rrm.neighbor_report_request(*bad)


def test_response_as_hostapd_sends_it():
    # hostapd 2.10: its own report and two from SET_NEIGHBOR, one with a
    # subelement, then a Measurement Report element (LCI) that is skipped.
    lci = bytes((39, 3, 1, 0, 8))
    body = b"\x05\x05\x09" + nr(B2, 81, 1, info=0x10_008F) + nr(B3, 115, 36, phy=9,
                                                                 subs=b"\x03\x01\xff") + lci
    assert rrm.is_neighbor_report_response(body)
    token, ns = rrm.parse_neighbor_report_response(body)
    assert token == 9
    assert [(n.bssid, n.info, n.op_class, n.channel, n.phy_type, n.freq()) for n in ns] == [
        (B2, 0x10008F, 81, 1, 7, 2412), (B3, 0x8F, 115, 36, 9, 5180)]
    assert ns[1].preference == 255 and ns[1].subelements == ((3, b"\xff"),)
    assert rrm.parse_neighbor_report_response(b"\x05\x05\x01") == (1, [])


@pytest.mark.parametrize("body, why", [
    (b"\x05\x05", "dialog token"),
    (b"\x0a\x07\x01", "not a Neighbor Report Response"),
    (b"\x05\x05\x01\x34\x0c" + bytes(12), "13 at least"),
    (b"\x05\x05\x01" + nr(B2, 81, 6)[:-1], "overruns"),
    (b"\x05\x05\x01\x34", "truncated element header"),
    (b"\x05\x05\x01" + nr(B2, 81, 6, subs=b"\x03\x05\x01"), "overruns the element"),
    (b"\x05\x05\x01" + nr(B2, 81, 6, subs=b"\x03"), "truncated neighbor report subelement"),
    (b"\x05\x05\x01" + nr(B2, 81, 6, subs=b"\x03\x00"), "empty candidate preference"),
])
def test_malformed_responses_get_a_clear_error(body, why):
    with pytest.raises(rrm.RrmError, match=why):
        rrm.parse_neighbor_report_response(body)


def test_unknown_channels_have_no_frequency():
    assert rrm.channel_freq(81, 14) is None and rrm.channel_freq(82, 14) == 2484
    assert rrm.channel_freq(200, 1) is None and rrm.channel_freq(81, 11) == 2462


def test_offers_neighbor_report_needs_the_bit_and_the_capability():
    ies = b"\x00\x04cafe" + bytes((70, 5, 0x73, 0, 0, 0, 0))
    assert rrm.offers_neighbor_report(ies, 0x1011)
    assert rrm.offers_neighbor_report(ies)                           # capability unknown
    assert not rrm.offers_neighbor_report(ies, 0x0011)               # no RM bit in capinfo
    assert not rrm.offers_neighbor_report(b"\x00\x04cafe" + bytes((70, 5, 0x71, 0, 0, 0, 0)))
    assert not rrm.offers_neighbor_report(b"\x00\x04cafe")
    assert not rrm.offers_neighbor_report(b"\x00\x09cafe")           # broken: no crash
    assert rrm.offers_neighbor_report({70: b"\x02\0\0\0\0"})


def test_element_round_trip():
    n = rrm.Neighbor(B2, 0x8F, 81, 6, 7, subelements=((3, b"\x10"),))
    (back,) = rrm.parse_neighbors(rrm.neighbor_element(n))
    assert (back.bssid, back.channel, back.preference) == (B2, 6, 16)


def test_wnm_shares_the_parser_and_keeps_its_error():
    assert wnm.Neighbor is rrm.Neighbor and wnm.channel_freq is rrm.channel_freq
    assert wnm.parse_neighbors(nr(B2, 81, 6, subs=b"\x03\x01\x07"))[0].preference == 7
    with pytest.raises(wnm.WnmError):
        wnm.parse_neighbors(b"\x34\x02ab")
    head = bytes((10, 7, 1, 1)) + b"\0\0\x01"
    with pytest.raises(wnm.WnmError):
        wnm.parse_btm_request(head + b"\x34\x02ab")
