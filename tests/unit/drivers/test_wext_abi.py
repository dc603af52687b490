"""Byte-exact wext layouts for the 32-bit and the 64-bit ABI.

The expected bytes are written out by hand from linux/wireless.h (offsets noted
next to them), not produced by the code under test.  They prove that wispd packs
what it believes the layouts are; the i386 run in the hwsim suite
(test_wext_i386_abi) lets the kernel's compat path judge the 32-bit one.
"""
import struct

import pytest

from wispd.drivers.wext import abi as w

IF = b"wlan0" + b"\0" * 11          # ifr_name[16]


def hx(text):
    return bytes.fromhex("".join(text.split()))


def test_native_abi_follows_interpreter():
    assert w.NATIVE.ptr_size == struct.calcsize("P")
    assert (w.ABI32.lcp_len, w.ABI32.point_len) == (4, 8)
    assert (w.ABI64.lcp_len, w.ABI64.point_len) == (8, 16)


# -- struct iwreq ------------------------------------------------------------------
def test_iwreq_point_32():
    # iw_point on i386/ARM: u32 pointer @16, u16 length @20, u16 flags @22, pad to 32
    req = w.ABI32.iwreq_point("wlan0", 0x11223344, 0x0102, 0x8001)
    assert bytes(req) == IF + hx("44332211 0201 0180") + b"\0" * 8
    assert w.ABI32.point_of(req) == (0x11223344, 0x0102, 0x8001)


def test_iwreq_point_64():
    # iw_point on x86_64/arm64: u64 pointer @16, u16 length @24, u16 flags @26, 4 pad
    req = w.ABI64.iwreq_point("wlan0", 0x1122334455667788, 0x0102, 0x8001)
    assert bytes(req) == IF + hx("8877665544332211 0201 0180 00000000")
    assert w.ABI64.point_of(req) == (0x1122334455667788, 0x0102, 0x8001)


@pytest.mark.parametrize("abi", [w.ABI32, w.ABI64], ids=["32", "64"])
def test_iwreq_fixed_members_same_on_both(abi):
    # iw_param: s32 value, u8 fixed, u8 disabled, u16 flags (SIOCSIWAUTH: flags = index)
    assert bytes(abi.iwreq_param("wlan0", w.IW_AUTH_CIPHER_CCMP, flags=w.IW_AUTH_CIPHER_PAIRWISE)) \
        == IF + hx("08000000 00 00 0100") + b"\0" * 8
    # iw_freq: s32 m, s16 e, u8 i, u8 flags — 2437 MHz as 243700000 * 10^1
    assert bytes(abi.iwreq_freq("wlan0", 2437)) == IF + hx("2091860e 0100 00 01") + b"\0" * 8
    # sockaddr: u16 family (ARPHRD_ETHER), 6-byte MAC, 8 pad
    assert bytes(abi.iwreq_addr("wlan0", hx("020000000100"))) == \
        IF + hx("0100 020000000100") + b"\0" * 8
    # mode: u32
    assert bytes(abi.iwreq_mode("wlan0", w.IW_MODE_INFRA)) == IF + hx("02000000") + b"\0" * 12
    assert len(abi.iwreq("wlan0")) == 32


def test_ifname_too_long():
    with pytest.raises(ValueError):
        w.ABI64.iwreq("x" * 16)


# -- pointer-free payloads ---------------------------------------------------------
def test_scan_req_layout():
    data = w.scan_req(b"hid", [2412, 2437])
    assert len(data) == 316                       # sizeof(struct iw_scan_req)
    assert data[0:4] == hx("00 03 02 00")        # active, essid_len, num_channels, flags
    assert data[4:20] == hx("0100 ffffffffffff") + b"\0" * 8   # bssid sockaddr
    assert data[20:52] == b"hid" + b"\0" * 29    # essid[32]
    assert data[52:60] == b"\0" * 8              # min/max channel time
    assert data[60:68] == hx("806b600e 0100 00 00")    # channel_list[0]: 2412 MHz
    assert data[68:76] == hx("2091860e 0100 00 00")    # channel_list[1]: 2437 MHz
    assert data[76:] == b"\0" * 240


def test_encode_ext_layout():
    key = bytes(range(16))
    data = w.encode_ext(w.IW_ENCODE_ALG_CCMP, key, rx_seq=hx("010000000000"),
                        addr=hx("020000000000"), group=True, set_tx=False)
    assert data[0:4] == hx("06000000")           # RX_SEQ_VALID | GROUP_KEY
    assert data[4:12] == b"\0" * 8               # tx_seq
    assert data[12:20] == hx("0100000000000000")  # rx_seq, little endian
    assert data[20:36] == hx("0100 020000000000") + b"\0" * 8   # addr
    assert data[36:40] == hx("0300 1000")        # alg CCMP, key_len 16
    assert data[40:] == key
    pairwise = w.encode_ext(w.IW_ENCODE_ALG_CCMP, key, addr=hx("020000000000"), set_tx=True)
    assert pairwise[0:4] == hx("08000000")       # SET_TX_KEY only
    none = w.encode_ext(w.IW_ENCODE_ALG_NONE, group=True)
    assert len(none) == 40 and none[36:40] == hx("0000 0000")


def test_mlme_layout():
    assert w.mlme(w.IW_MLME_DEAUTH, 3, hx("020000000100")) == \
        hx("0000 0300 0100 020000000100") + b"\0" * 8


def test_parse_range():
    data = bytearray(568)
    data[15] = w.IW_SCAN_CAPA_ESSID | w.IW_SCAN_CAPA_CHANNEL     # scan_capa
    data[280] = 22                                                # we_version_compiled
    data[306] = 3                                                 # num_frequency
    struct.pack_into("=ihBB", data, 308, 1, 0, 1, 0)              # a channel number
    struct.pack_into("=ihBB", data, 316, 241200000, 1, 1, 0)      # 2412 again, as Hz
    struct.pack_into("=ihBB", data, 324, 2462000, 3, 11, 0)       # 2462 MHz, e=3
    struct.pack_into("=I", data, 564, 0x1f)                       # enc_capa
    r = w.parse_range(bytes(data))
    assert r == {"we_version": 22, "scan_capa": 5, "freqs": [2412, 2462], "enc_capa": 0x1f}
    assert w.parse_range(b"\x01")["freqs"] == []                 # short answer: no crash


def test_parse_stats_and_quality():
    # status u16, iw_quality @2 (qual, level, noise, updated), discard @8, miss @28
    data = hx("0000 46 c4 a1 0f 0000") + b"\0" * 20 + hx("07000000")
    assert w.parse_stats(data) == (0x46, -60, -95, 7)
    # not dBm: raw level, invalid noise
    assert w.parse_quality(hx("10 20 00 43")) == (16, 32, None)


def test_parse_mic_failure():
    data = hx("09000000 0100 020000000100") + b"\0" * 8 + b"\0" * 8
    assert w.parse_mic_failure(data) == (hx("020000000100"), True, 1)
    assert w.parse_mic_failure(data[:27]) is None


def test_freq_conversions():
    assert w.freq_mhz(6, 0) == 2437
    assert w.freq_mhz(243700000, 1) == 2437
    assert w.freq_mhz(5180, 6) == 5180
    assert w.freq_mhz(36, 0) == 5180
    assert w.mhz_to_channel(2484) == 14 and w.channel_to_mhz(14) == 2484


def test_freq_from_hostile_exponent_is_unknown_and_cheap():
    # Found by fuzzing (tests/fuzz/corpus/wext/crash-freq-exponent-32.bin): a scan
    # record with e=32767 meant a 30 000-digit frequency.
    assert w.freq_mhz(2**31 - 1, 2**15 - 1) == 0
    assert w.freq_mhz(-243700000, 1) == 0 and w.freq_mhz(5180, -6) == 0
    assert w.freq_mhz(999999, 9) == 0            # no radio works at 10^9 MHz
    assert w.freq_mhz(58320, 6) == 58320         # the 60 GHz band still is one


def test_buffer_address_is_stable():
    b = w.Buffer(b"abc")
    assert b.address == b.address and b.address != 0
    assert b.bytes() == b"abc" and b.bytes(2) == b"ab"
    assert len(w.Buffer(10)) == 10
