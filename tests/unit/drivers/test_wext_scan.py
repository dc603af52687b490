"""The wext event stream parsers: scan results and wireless events, in both
layouts, from hand-written byte fixtures; malformed streams never crash."""
import random

import pytest

from wispd.drivers.wext import abi as w
from wispd.drivers.wext.scan import iter_events, parse_scan, parse_wireless

BSSID = bytes.fromhex("020000000000")
RSN = bytes.fromhex("30140100000fac040100000fac040100000fac020000")


def hx(text):
    return bytes.fromhex("".join(text.split()))


# One BSS as cfg80211 reports it, written out record by record.
# 64-bit: header u16 len, u16 cmd, 4 pad (IW_EV_LCP_LEN 8); pointer records put
# u16 length, u16 flags at 8 and the data at 16 (IW_EV_POINT_LEN).
STREAM64 = b"".join([
    hx("1800 158b 00000000  0100 020000000000 0000000000000000"),   # SIOCGIWAP, 24
    hx("0c00 078b 00000000  02000000"),                            # SIOCGIWMODE infra, 12
    hx("1000 058b 00000000  06000000 0000 00 00"),                 # SIOCGIWFREQ ch 6, 16
    hx("1000 058b 00000000  2091860e 0100 00 00"),                 # 2437 MHz, 16
    hx("0c00 018c 00000000  46 c4 a1 0f"),                         # IWEVQUAL -60 dBm, 12
    hx("1000 2b8b 00000000  0000 0008 00000000"),                  # SIOCGIWENCODE on, no key
    hx("1b00 1b8b 00000000  0b00 0100 00000000") + b"wispd-wpa2!",  # SIOCGIWESSID, 16+11
    hx("2600 058c 00000000  1600 0000 00000000") + RSN,            # IWEVGENIE, 16+22
    hx("1e00 028c 00000000  0e00 0000 00000000") + b"tsf=0000000a\0\0",  # IWEVCUSTOM
    hx("2100 028c 00000000  1100 0000 00000000") + b"Last beacon: 40ms ago"[:17],
])

# 32-bit: header 4 bytes (IW_EV_LCP_LEN 4); pointer records: length, flags at 4,
# data at 8 (IW_EV_POINT_LEN).
STREAM32 = b"".join([
    hx("1400 158b  0100 020000000000 0000000000000000"),   # SIOCGIWAP, 20
    hx("0800 078b  02000000"),                             # SIOCGIWMODE, 8
    hx("0c00 058b  06000000 0000 00 00"),                  # channel 6, 12
    hx("0c00 058b  2091860e 0100 00 00"),                  # 2437 MHz, 12
    hx("0800 018c  46 c4 a1 0f"),                          # IWEVQUAL, 8
    hx("0800 2b8b  0000 0008"),                            # SIOCGIWENCODE, 8
    hx("1300 1b8b  0b00 0100") + b"wispd-wpa2!",           # SIOCGIWESSID, 8+11
    hx("1e00 058c  1600 0000") + RSN,                      # IWEVGENIE, 8+22
    hx("1600 028c  0e00 0000") + b"tsf=0000000a\0\0",      # IWEVCUSTOM, 8+14
    hx("1900 028c  1100 0000") + b"Last beacon: 40ms ago"[:17],
])


@pytest.mark.parametrize("abi,stream", [(w.ABI32, STREAM32), (w.ABI64, STREAM64)],
                         ids=["32", "64"])
def test_scan_stream_fixture(abi, stream):
    (r,) = parse_scan(stream, abi)
    assert r.bssid == BSSID
    assert r.freq == 2437
    assert r.signal == -60 and r.noise == -95 and r.qual == 0x46
    assert r.caps == 0x0011                      # ESS | privacy
    assert r.ies == b"\x00\x0bwispd-wpa2!" + RSN   # SSID IE put in front of the GENIE IEs
    assert r.tsf == 10
    assert r.age_ms == 40


@pytest.mark.parametrize("abi", [w.ABI32, w.ABI64], ids=["32", "64"])
def test_packers_match_fixtures(abi):
    # The test-side packers (used below) agree with the hand-written bytes.
    stream = STREAM32 if abi is w.ABI32 else STREAM64
    built = (abi.event(w.SIOCGIWAP, w.sockaddr(BSSID))
             + abi.event(w.SIOCGIWMODE, hx("02000000")))
    assert stream.startswith(built)
    essid = abi.point_event(w.SIOCGIWESSID, b"wispd-wpa2!", 1)
    assert essid in stream


def test_two_bss_and_hidden_and_open():
    a = w.ABI64
    other = bytes.fromhex("020000000100")
    s = (a.event(w.SIOCGIWAP, w.sockaddr(BSSID))
         + a.point_event(w.SIOCGIWESSID, b"", 1)          # hidden
         + a.event(w.SIOCGIWFREQ, w.freq_struct(2462))
         + a.point_event(w.SIOCGIWENCODE, b"", w.IW_ENCODE_DISABLED)
         + a.event(w.SIOCGIWAP, w.sockaddr(other))
         + a.point_event(w.SIOCGIWESSID, b"open", 1)
         + a.event(w.SIOCGIWMODE, hx("01000000"))        # ad-hoc
         + a.event(w.SIOCGIWFREQ, hx("0b000000 0000 0000")))   # channel 11 only
    r1, r2 = parse_scan(s, a)
    assert (r1.bssid, r1.freq, r1.ies, r1.caps) == (BSSID, 2462, b"\x00\x00", 0x1)
    assert (r2.bssid, r2.freq, r2.ies, r2.caps) == (other, 2462, b"\x00\x04open", 0x2)


def test_genie_with_ssid_is_kept_as_is():
    a = w.ABI32
    ies = b"\x00\x03abc" + RSN
    s = (a.event(w.SIOCGIWAP, w.sockaddr(BSSID)) + a.point_event(w.SIOCGIWESSID, b"abc", 1)
         + a.point_event(w.IWEVGENIE, ies[:10]) + a.point_event(w.IWEVGENIE, ies[10:]))
    assert parse_scan(s, a)[0].ies == ies


def test_records_before_first_bssid_are_ignored():
    a = w.ABI64
    s = a.point_event(w.SIOCGIWESSID, b"x", 1) + a.event(w.SIOCGIWAP, w.sockaddr(BSSID))
    assert [r.bssid for r in parse_scan(s, a)] == [BSSID]


def test_odd_records():
    a = w.ABI64
    good = a.event(w.SIOCGIWAP, w.sockaddr(BSSID)) + a.point_event(w.SIOCGIWESSID, b"ok", 1)
    # a pointer record claiming more data than its len: clipped to the record
    liar = bytearray(a.point_event(w.IWEVCUSTOM, b"tsf=1"))
    liar[8:10] = (200).to_bytes(2, "little")
    # odd length record and a too-short fixed record
    odd = a.point_event(w.IWEVGENIE, b"\xdd\x01\x00")
    short_mode = (a.lcp_len + 2).to_bytes(2, "little") + w.SIOCGIWMODE.to_bytes(2, "little") \
        + b"\0" * (a.lcp_len - 4) + b"\x02\x00"
    (r,) = parse_scan(good + bytes(liar) + odd + short_mode, a)
    assert r.ies.startswith(b"\x00\x02ok") and r.tsf == 1
    # len 0 stops the stream instead of looping forever
    assert len(parse_scan(good + b"\0\0\x15\x8b" + good, a)) == 1
    # a record running past the end is dropped, what came before is kept
    first, second = parse_scan(good + good[:-3], a)
    assert first.ies == b"\x00\x02ok" and second.bssid == BSSID and second.ies == b""
    # a fixed record padded beyond its size (some drivers) is fine
    padded = a.event(w.SIOCGIWMODE, b"\x02\0\0\0" + b"\0" * 4)
    assert parse_scan(good + padded, a)[0].caps == 0x1


@pytest.mark.parametrize("abi", [w.ABI32, w.ABI64], ids=["32", "64"])
def test_truncations_never_crash(abi):
    stream = STREAM32 if abi is w.ABI32 else STREAM64
    for cut in range(len(stream) + 1):
        for r in parse_scan(stream[:cut], abi):
            assert r.bssid == BSSID
        parse_wireless(stream[:cut], abi)
    # parsing with the wrong ABI gives garbage, never an exception
    parse_scan(stream, w.ABI64 if abi is w.ABI32 else w.ABI32)


@pytest.mark.parametrize("abi", [w.ABI32, w.ABI64], ids=["32", "64"])
def test_fuzzed_streams_never_crash(abi):
    rng = random.Random(5)
    base = STREAM32 if abi is w.ABI32 else STREAM64
    cmds = [w.SIOCGIWAP, w.SIOCGIWESSID, w.SIOCGIWFREQ, w.IWEVQUAL, w.IWEVGENIE, w.IWEVCUSTOM,
            w.SIOCGIWMODE, w.SIOCGIWENCODE, w.IWEVMICHAELMICFAILURE, w.SIOCGIWSCAN]
    for _ in range(3000):
        kind = rng.random()
        if kind < 0.3:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))
        elif kind < 0.7:
            data = bytearray(base)
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(len(data))] = rng.getrandbits(8)
            data = bytes(data)
        else:
            data = b""
            for _ in range(rng.randrange(1, 10)):
                cmd = rng.choice(cmds)
                ln = rng.randrange(0, 40)
                data += ln.to_bytes(2, "little") + cmd.to_bytes(2, "little") + \
                    bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40)))
        for r in parse_scan(data, abi):
            assert len(r.bssid) == 6 and isinstance(r.ies, bytes)
        for e in parse_wireless(data, abi):
            assert e.kind
        for _cmd, _flags, payload in iter_events(data, abi):
            assert len(payload) <= len(data)


@pytest.mark.parametrize("abi", [w.ABI32, w.ABI64], ids=["32", "64"])
def test_wireless_events(abi):
    req_ie = RSN
    mic = w.parse_mic_failure  # noqa: F841  (the struct is packed by hand below)
    mic_data = hx("0a000000 0100 020000000000") + b"\0" * 8 + hx("0100000000000000")
    data = (abi.point_event(w.IWEVASSOCREQIE, req_ie)
            + abi.point_event(w.IWEVASSOCRESPIE, b"\x01\x01\x82")
            + abi.event(w.SIOCGIWAP, w.sockaddr(BSSID))
            + abi.point_event(w.SIOCGIWSCAN, b"")
            + abi.point_event(w.IWEVMICHAELMICFAILURE, mic_data)
            + abi.point_event(w.IWEVCUSTOM, b"hello\0")
            + abi.event(w.IWEVTXDROP, w.sockaddr(BSSID)))
    evs = parse_wireless(data, abi)
    assert [e.kind for e in evs] == ["assoc_req_ie", "assoc_resp_ie", "ap", "scan",
                                     "mic_failure", "custom", "other"]
    assert evs[0].data == req_ie and evs[1].data == b"\x01\x01\x82"
    assert evs[2].bssid == BSSID
    assert evs[4].mic == (BSSID, True, 2)
    assert evs[5].data == b"hello\0"


def test_wireless_event_fixture_bytes():
    # SIOCGIWAP as the kernel puts it in IFLA_WIRELESS, both layouts
    e64 = hx("1800 158b 00000000 0100 020000000000 0000000000000000")
    e32 = hx("1400 158b 0100 020000000000 0000000000000000")
    assert parse_wireless(e64, w.ABI64)[0].bssid == BSSID
    assert parse_wireless(e32, w.ABI32)[0].bssid == BSSID
    # scan done: pointer event with no data
    assert [e.kind for e in parse_wireless(hx("1000 198b 00000000 0000 0000 00000000"),
                                           w.ABI64)] == ["scan"]
    assert [e.kind for e in parse_wireless(hx("0800 198b 0000 0000"), w.ABI32)] == ["scan"]
