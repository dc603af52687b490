"""802.11v BTM frames and 802.11k neighbor reports (rsn/wnm.py), and the
answer policy (core/btm.py)."""

import struct

import pytest

from wispd.core import btm
from wispd.rsn import wnm

B1 = bytes.fromhex("020000000001")
B2 = bytes.fromhex("020000000002")
B3 = bytes.fromhex("020000000003")


def neighbor(bssid, op_class=81, channel=6, pref=None, extra=b""):
    body = bssid + struct.pack("<I", 0x8F) + bytes((op_class, channel, 7))
    if pref is not None:
        body += bytes((3, 1, pref))
    body += extra
    return bytes((52, len(body))) + body


def request(mode, cands=b"", token=5, timer=0, extra=b""):
    return bytes((10, 7, token, mode)) + struct.pack("<H", timer) + b"\xff" + extra + cands


def test_btm_request_with_a_preferred_list():
    frame = request(wnm.MODE_PREF_CAND_LIST | wnm.MODE_DISASSOC_IMMINENT,
                    neighbor(B2, channel=11, pref=100) + neighbor(B3, 115, 36, pref=200)
                    + neighbor(B1, pref=0), timer=300)
    req = wnm.parse_btm_request(frame)
    assert req.token == 5 and req.disassoc_timer == 300 and req.validity == 255
    assert req.has_list and req.disassoc_imminent
    assert [c.bssid for c in req.preferred()] == [B3, B2]         # B1: preference 0
    assert [c.freq() for c in req.candidates] == [2462, 5180, 2437]
    assert btm.scan_freqs(req) == [5180, 2462]


def test_btm_request_optional_fields():
    term = bytes((4, 10)) + struct.pack("<QH", 123, 7)
    url = bytes((3,)) + b"u:x"
    frame = request(wnm.MODE_BSS_TERMINATION | wnm.MODE_ESS_DISASSOC_IMMINENT, extra=term + url)
    req = wnm.parse_btm_request(frame)
    assert req.termination == (123, 7) and req.url == b"u:x" and req.candidates == []


@pytest.mark.parametrize("frame", [
    b"", b"\x0a", b"\x0a\x08\x01\x00\x00\x00\x00", b"\x0a\x07\x01\x01\x00",
    request(wnm.MODE_PREF_CAND_LIST, b"\x34\x05abcde"),               # short neighbor
    request(wnm.MODE_PREF_CAND_LIST, neighbor(B2)[:-1]),             # overrun
    request(wnm.MODE_PREF_CAND_LIST, neighbor(B2, extra=b"\x03")),   # cut subelement
    request(wnm.MODE_PREF_CAND_LIST, neighbor(B2, extra=b"\x03\x00")),   # empty preference
    request(wnm.MODE_BSS_TERMINATION, extra=b"\x04\x0a"),
    request(wnm.MODE_ESS_DISASSOC_IMMINENT, extra=b"\x09ab"),
])
def test_malformed_requests_raise_wnm_error(frame):
    with pytest.raises(wnm.WnmError):
        wnm.parse_btm_request(frame)


def test_btm_response_layout():
    body = wnm.btm_response(9, wnm.STATUS_ACCEPT, B2)
    assert body == bytes((10, 8, 9, 0, 0)) + B2
    assert wnm.parse_btm_response(body) == (9, 0, 0, B2)
    assert wnm.btm_response(9, 7) == bytes((10, 8, 9, 7, 0))
    with pytest.raises(wnm.WnmError):
        wnm.btm_response(9, wnm.STATUS_ACCEPT)


class Bss:
    def __init__(self, bssid, signal):
        self.bssid = bssid
        self.signal = signal
        self.bssid_txt = bssid.hex(":")


def test_decide_follows_the_preference_and_rejects_with_a_reason():
    cands = [(Bss(B1, -30), "p1"), (Bss(B2, -40), "p2"), (Bss(B3, -20), "p3")]
    req = wnm.parse_btm_request(request(wnm.MODE_PREF_CAND_LIST,
                                        neighbor(B3, pref=10) + neighbor(B2, pref=250)))
    a = btm.decide(req, B1, -30, cands)
    assert a.accepted and a.bss.bssid == B2 and a.plan == "p2"     # preference beats signal
    req = wnm.parse_btm_request(request(wnm.MODE_PREF_CAND_LIST,
                                        neighbor(bytes(6), pref=255) + neighbor(B1, pref=200)))
    a = btm.decide(req, B1, -30, cands)
    assert a.status == wnm.STATUS_REJECT_NO_SUITABLE_CANDIDATES and a.bss is None


def test_decide_without_a_list():
    cands = [(Bss(B1, -30), "p1"), (Bss(B2, -40), "p2")]
    req = wnm.parse_btm_request(request(0))
    assert btm.decide(req, B1, -30, cands).status == wnm.STATUS_REJECT_NO_SUITABLE_CANDIDATES
    req = wnm.parse_btm_request(request(wnm.MODE_DISASSOC_IMMINENT))
    a = btm.decide(req, B1, -30, cands)
    assert a.accepted and a.bss.bssid == B2


def test_imminent_disassociation_takes_an_unlisted_bss_but_not_an_excluded_one():
    cands = [(Bss(B1, -30), "p1"), (Bss(B2, -40), "p2"), (Bss(B3, -35), "p3")]
    mode = wnm.MODE_PREF_CAND_LIST | wnm.MODE_DISASSOC_IMMINENT
    req = wnm.parse_btm_request(request(mode, neighbor(bytes(6), pref=255)
                                        + neighbor(B3, pref=0)))
    a = btm.decide(req, B1, -30, cands)
    assert a.accepted and a.bss.bssid == B2
    req = wnm.parse_btm_request(request(mode, neighbor(B2, pref=0) + neighbor(B3, pref=0)))
    assert btm.decide(req, B1, -30, cands).status == wnm.STATUS_REJECT_NO_SUITABLE_CANDIDATES
