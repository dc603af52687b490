"""rsn/ft.py: the FT key hierarchy, MDE/FTE and the FT MIC.

The key hierarchy is checked two ways: against its definition in IEEE
802.11-2020 12.7.1.7, written out here with hashlib/hmac (independent of
rsn/kdf.py), and (test_matches_hostapd) against keys hostapd 2.10 logged with -K
in the testbed (test_matches_hostapd).  No published IEEE Annex J FT vectors
were found in the reference library in the time given; the values below are
hostapd's own.
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


# ---- the FT initial mobility domain association's 4-way handshake (13.4.2) -----

def test_ft_initial_4way_uses_pmk_r1_and_pmkr1name():
    import test_rsn_handshake as th
    from wispd.rsn.defs import AKM_FT_PSK, AKM_PSK_SHA256
    from wispd.rsn.handshake import EapolKeySupplicant, InstallKey
    from wispd.rsn.ie import build_rsn_ie

    r0, r0name = ft.derive_pmk_r0(PSK, SSID, MDID, R0KH, th.SPA)
    r1, r1name = ft.derive_pmk_r1(r0, r0name, th.AA, th.SPA)
    mde = ft.build_mde(MDID)
    fte = ft.build_fte(r0kh_id=R0KH, r1kh_id=th.AA)
    own = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK])
    msg2_data = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0, [r1name]) + mde + fte

    # The authenticator of test_rsn_handshake with AES-CMAC MICs (descriptor
    # version 3, like PSK-SHA256) and the FT PTK of 12.7.1.7.5.
    auth = th.Authenticator(AKM_PSK_SHA256, pmk=r1)
    auth.rsne = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0x000C)
    sup = EapolKeySupplicant(r1, th.SPA, th.AA, AKM_FT_PSK, CIPHER_CCMP, CIPHER_CCMP, own,
                             auth.rsne, ft=(r1name, msg2_data))
    a1 = sup.receive_eapol(auth.msg1())
    f = th.split_frame(a1[0].data)
    assert f["data"] == msg2_data                 # RSNE(PMKR1Name) || MDE || FTE
    raw = _kdf256(r1, b"FT-PTK", f["nonce"] + auth.anonce + th.AA + th.SPA, 48)
    auth.kck, auth.kek, auth.tk = raw[:16], raw[16:32], raw[32:]
    assert th.mic_ok(a1[0].data, auth.kck, 3)
    rsne3 = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0x000C, [r1name])
    a3 = sup.receive_eapol(auth.msg3(rsne=rsne3, extra=mde + fte))
    tks = [a.key for a in a3 if isinstance(a, InstallKey) and a.kind == "pairwise"]
    assert tks == [auth.tk]
    # Message 3 whose RSNE names another PMKR1Name is refused.
    sup2 = EapolKeySupplicant(r1, th.SPA, th.AA, AKM_FT_PSK, CIPHER_CCMP, CIPHER_CCMP, own,
                              auth.rsne, ft=(r1name, msg2_data))
    auth2 = th.Authenticator(AKM_PSK_SHA256, pmk=r1)
    auth2.rsne = auth.rsne
    b1 = sup2.receive_eapol(auth2.msg1())
    n = th.split_frame(b1[0].data)["nonce"]
    raw = _kdf256(r1, b"FT-PTK", n + auth2.anonce + th.AA + th.SPA, 48)
    auth2.kck, auth2.kek, auth2.tk = raw[:16], raw[16:32], raw[32:]
    bad = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0x000C, [bytes(16)])
    b3 = sup2.receive_eapol(auth2.msg3(rsne=bad))
    assert [type(a).__name__ for a in b3] == ["Rejected"]


# ---- FT over the air (core/ftauth.py) against an AP side made of rsn/ft.py -------

class _Driver:
    def __init__(self):
        self.keys = []
        self.assoc = 0

    def set_key(self, kp):
        self.keys.append(kp)

    def associate_after_auth(self):
        self.assoc += 1


class _Conn:
    def __init__(self, own, mfp=False, akm=None):
        from types import SimpleNamespace
        from wispd.rsn.defs import CIPHER_BIP_CMAC_128, CIPHER_NONE
        self.addr = STA
        self.ifname = "wlan0"
        self.driver = _Driver()
        self.plan = SimpleNamespace(sel=SimpleNamespace(
            own_ie=own, pairwise=CIPHER_CCMP, group=CIPHER_CCMP, mfp=mfp, akm=akm,
            mgmt_group=CIPHER_BIP_CMAC_128 if mfp else CIPHER_NONE))
        self.failed = []

    def ft_failed(self, why):
        self.failed.append(why)


def _ft_roam(tamper=None, mfp=False, igtk=None, akm=None):
    """An FT roam against an AP side built of rsn/ft.py.  igtk(kek) -> the IGTK
    subelement body the AP puts in its reassociation response (mfp)."""
    from types import SimpleNamespace
    from wispd.core import ftauth
    from wispd.drivers.ops import AUTH_FT, AssocParams
    from wispd.rsn.defs import AKM_FT_PSK
    from wispd.rsn.ie import build_rsn_ie, find_ie, parse_rsn_ie

    AKM_FT_PSK = akm or AKM_FT_PSK
    own = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0xC0 if mfp else 0)
    r0, r0name = ft.derive_pmk_r0(PSK, SSID, MDID, R0KH, STA)
    mde = ft.build_mde(MDID)
    keys = ftauth.Ft(SSID, MDID, mde, R0KH, r0, r0name)
    target = bytes.fromhex("020000000303")
    conn = _Conn(own, mfp, AKM_FT_PSK)
    fa = ftauth.FtAuth(conn, keys, rng=lambda n: b"\x5a" * n)
    params = AssocParams(bssid=target, ssid=SSID, freq=2437)
    fa.prepare(params)
    assert params.auth_alg == AUTH_FT
    req = params.auth_data
    assert parse_rsn_ie(find_ie(req, 48)).pmkids == (r0name,)
    sent = ft.parse_fte(find_ie(req, 55))
    assert sent.snonce == b"\x5a" * 32 and sent.r0kh_id == R0KH
    # The AP: ANonce and its R1KH-ID, PMK-R1, the PTK.
    anonce = b"\xa5" * 32
    fte = ft.build_fte(anonce=anonce, snonce=sent.snonce, r0kh_id=R0KH, r1kh_id=target)
    resp = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0, [r0name]) + mde + fte
    assert fa.on_auth(SimpleNamespace(auth_type=AUTH_FT, data=resp))
    assert conn.driver.assoc == 1 and not conn.failed
    r1, r1name = ft.derive_pmk_r1(r0, r0name, target, STA)
    ptk = ft.derive_ft_ptk(r1, sent.snonce, anonce, target, STA, CIPHER_CCMP)
    # The reassociation request's MIC verifies with the AP's PTK.
    rsne_req = params.wpa_ie
    fte_req = find_ie(params.extra_ies, 55)
    assert parse_rsn_ie(rsne_req).pmkids == (r1name,)
    assert ft.parse_fte(fte_req).mic == ft.ft_mic(ptk.kck, STA, target, 5, rsne_req, mde,
                                                 fte_req)
    # The reassociation response with a GTK subelement and the MIC (seq 6).
    gtk = bytes(range(50, 66))
    sub = struct.pack("<HB", 1, 16) + bytes(8) + aes_wrap(ptk.kek, gtk)
    rsne_resp = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0, [r1name])
    body = ft.build_fte(3, bytes(16), anonce, sent.snonce, R0KH, target)[2:] + \
        bytes((2, len(sub))) + sub
    if igtk is not None:
        isub = igtk(ptk.kek)
        body += bytes((4, len(isub))) + isub
    fte_resp = bytes((55, len(body))) + body
    mic = ft.ft_mic(ptk.kck, STA, target, 6, rsne_resp, mde, fte_resp)
    fte_resp = fte_resp[:4] + mic + fte_resp[20:]
    if tamper:
        fte_resp = tamper(fte_resp)
    fa.associated(rsne_resp + mde + fte_resp)
    conn.ftauth = fa
    return conn, ptk, gtk


def test_ft_over_the_air_installs_ptk_and_gtk():
    conn, ptk, gtk = _ft_roam()
    assert [(k.kind, k.key) for k in conn.driver.keys] == [("pairwise", ptk.tk),
                                                          ("group", gtk)]


def test_ft_reassociation_response_with_a_bad_mic_is_refused():
    from wispd.core.ftauth import FtFailed
    with pytest.raises(FtFailed):
        _ft_roam(lambda f: f[:4] + bytes(16) + f[20:])


def test_random_elements_raise_only_fterror():
    import random
    rnd = random.Random(17)
    good = ft.build_fte(3, bytes(16), bytes(32), bytes(32), R0KH, AP)
    for _ in range(3000):
        data = bytearray(good if rnd.random() < 0.5 else bytes((55, rnd.randrange(256))))
        for _ in range(rnd.randrange(1, 6)):
            op = rnd.randrange(3)
            if op == 0 and data:
                data[rnd.randrange(len(data))] = rnd.randrange(256)
            elif op == 1:
                data += bytes(rnd.randrange(256) for _ in range(rnd.randrange(8)))
            elif data:
                del data[rnd.randrange(len(data)):]
        for parse in (ft.parse_fte, ft.parse_mde):
            try:
                parse(bytes(data))
            except ft.FtError:
                pass


# Captured from hostapd 2.10's -d -K log in the testbed: hwsim run
# 20261203-160503-pytest, test_ft_psk_roam_over_the_air[wispd], hostapd1-wlan1.log
# (the FT authentication of the roam to AP2).  Inputs: passphrase "correct horse
# battery", SSID "wispd-ft", MDID a1b2, R0KH-ID "nas1.wispd.test" (AP1's
# nas_identifier), R1KH-ID 020000000202 (AP2's r1_key_holder), STA 02:00:00:00:02:00.
HOSTAPD = dict(
    psk="39fffa384b03896ba3cabddcfe766171706cb4aa6d9a0d721cec1a523dfc05e4",
    pmk_r0="1e46473d133a88ecf916fddceb5608c2adf1b5db8fbc4733ea9ff502e124e583",
    pmk_r0_name="bc72a86d0e1fcc572e14e287d7cfde8c",
    pmk_r1="0aeb01e1dffe57072fea7795830a6a731fd3dda59c033a72237af1466dfd9735",
    pmk_r1_name="b944b95c605000eca4c8a79814403961",
    snonce="a5ed730626101855a79ac81c4e9d9bc9533a3fc18e2f2f04c2fe7d96a682ac9c",
    anonce="d59199958b88e1dc5a4484b997ab68a4d57f93385c31dfa01bb402977cd4206b",
    bssid="020000000100",
    kck="668f15ebeeba54eb1bc8791184539cf3",
    kek="3f223469ce44f803e09b2816569e1266",
    tk="5977192b58f8918de2be9b7af744d432")


def test_matches_hostapd():
    from wispd.rsn.kdf import passphrase_to_psk
    h = {k: bytes.fromhex(v) for k, v in HOSTAPD.items()}
    sta = bytes.fromhex("020000000200")
    assert passphrase_to_psk("correct horse battery", SSID) == h["psk"]
    r0, r0name = ft.derive_pmk_r0(h["psk"], SSID, MDID, R0KH, sta)
    assert (r0, r0name) == (h["pmk_r0"], h["pmk_r0_name"])
    r1, r1name = ft.derive_pmk_r1(r0, r0name, bytes.fromhex("020000000202"), sta)
    assert (r1, r1name) == (h["pmk_r1"], h["pmk_r1_name"])
    ptk = ft.derive_ft_ptk(r1, h["snonce"], h["anonce"], h["bssid"], sta, CIPHER_CCMP)
    assert (ptk.kck, ptk.kek, ptk.tk) == (h["kck"], h["kek"], h["tk"])


# FT-SAE (AKM 9), captured from hostapd 2.10's -d -K log in the testbed: hwsim run
# 20261203-180812-pytest, test_ft_sae_roam_over_the_air[wispd], hostapd0-wlan0.log
# (the initial mobility domain association with AP1, and the PMK-R1 it pushed to
# AP2).  XXKey = the PMK of the SAE exchange (12.7.1.7.3); SSID "wispd-ft", MDID
# a1b2, R0KH-ID "nas1.wispd.test", R1KH-ID = the BSSIDs 020000000000 (AP1) and
# 020000000100 (AP2, the push), S0KH-ID = S1KH-ID = STA 02:00:00:00:02:00.
HOSTAPD_FT_SAE = dict(
    sae_pmk="49763369ad33f016ce434e8872bf0cc8a4e951fee29be366148abc3b86fa0781",
    pmk_r0="c09a5e7a2735a8cd2f30733af95f21d043d03ad98372669931a07ac7b5ec7598",
    pmk_r0_name="8e5cac12815dba49c71489e7a2e37c3a",
    pmk_r1="52243363d0c1d8152ce62ec79bd7000685d74bd6a2aa7cf570a373fb8fd74a7c",
    pmk_r1_name="5086f33f86642475fad77776e83a8125",
    push_pmk_r1="7b1081597a8cb475fd7c52ba4077f9333a8ee594dbabb74df9ee13ef8ff2eda9",
    push_pmk_r1_name="e8ebb72d4fce51f9b7677e434dc8336a",
    snonce="b5af647c61ebd4842dab310a766f33921bdbf5ae52416962408ed11cf363dd4a",
    anonce="572da3dccad4cd85bf23203529119ae9735b2fca06c572adb10c5563d0251a34",
    kck="ad21ace70596625d05386498b92ddfef",
    kek="5e1814534a6785bb3d98e82fb4a2572e",
    tk="3a4aa7cb8cacc74ff92c950d4c57585d")


def test_ft_sae_matches_hostapd():
    h = {k: bytes.fromhex(v) for k, v in HOSTAPD_FT_SAE.items()}
    sta, ap1, ap2 = (bytes.fromhex(a) for a in ("020000000200", "020000000000", "020000000100"))
    r0, r0name = ft.derive_pmk_r0(h["sae_pmk"], SSID, MDID, R0KH, sta)
    assert (r0, r0name) == (h["pmk_r0"], h["pmk_r0_name"])
    # Also against 12.7.1.7.3 written out here (R0-Key-Data, then the salt's hash).
    ctx = bytes((len(SSID),)) + SSID + MDID + bytes((len(R0KH),)) + R0KH + sta
    data = _kdf256(h["sae_pmk"], b"FT-R0", ctx, 48)
    assert data[:32] == r0 and hashlib.sha256(b"FT-R0N" + data[32:]).digest()[:16] == r0name
    assert ft.derive_pmk_r1(r0, r0name, ap1, sta) == (h["pmk_r1"], h["pmk_r1_name"])
    assert ft.derive_pmk_r1(r0, r0name, ap2, sta) == (h["push_pmk_r1"],
                                                      h["push_pmk_r1_name"])
    ptk = ft.derive_ft_ptk(h["pmk_r1"], h["snonce"], h["anonce"], ap1, sta, CIPHER_CCMP)
    assert (ptk.kck, ptk.kek, ptk.tk) == (h["kck"], h["kek"], h["tk"])


def test_hostile_ft_responses_end_the_attempt_cleanly():
    """Mutated FT authentication and reassociation responses: FtAuth reports a
    failure (ft_failed / FtFailed) and never raises anything else."""
    import random
    from types import SimpleNamespace
    from wispd.core import ftauth
    from wispd.drivers.ops import AUTH_FT, AssocParams
    from wispd.rsn.defs import AKM_FT_PSK
    from wispd.rsn.ie import build_rsn_ie

    rnd = random.Random(4)
    own = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK])
    r0, r0name = ft.derive_pmk_r0(PSK, SSID, MDID, R0KH, STA)
    mde = ft.build_mde(MDID)
    keys = ftauth.Ft(SSID, MDID, mde, R0KH, r0, r0name)
    target = bytes.fromhex("020000000303")
    for _ in range(400):
        conn = _Conn(own)
        fa = ftauth.FtAuth(conn, keys, rng=lambda n: b"\x5a" * n)
        fa.prepare(AssocParams(bssid=target, ssid=SSID, freq=2437))
        good = (build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0, [r0name]) + mde
                + ft.build_fte(anonce=b"\xa5" * 32, snonce=b"\x5a" * 32, r0kh_id=R0KH,
                               r1kh_id=target))
        data = bytearray(good)
        for _ in range(rnd.randrange(1, 4)):
            i = rnd.randrange(len(data))
            data[i] = rnd.randrange(256)
        fa.on_auth(SimpleNamespace(auth_type=AUTH_FT, data=bytes(data)))
        assert conn.failed or conn.driver.assoc == 1
        if conn.driver.assoc:
            junk = bytearray(data)
            junk[rnd.randrange(len(junk))] ^= 0xFF
            try:
                fa.associated(bytes(junk))
            except ftauth.FtFailed:
                pass


# ---- the IGTK subelement with PMF (9.4.2.47, Figure 9-588) ---------------------

IGTK = bytes(range(0x70, 0x80))
IPN = bytes.fromhex("010203040506")


def _igtk_sub(kek, key_id=4, key=IGTK, key_len=None, ipn=IPN):
    # Key ID (2, little endian) || IPN (6) || Key Length (1) || Key (AES key wrapped)
    return struct.pack("<H", key_id) + ipn + bytes((len(key) if key_len is None else key_len,)) \
        + aes_wrap(kek, key)


def test_ft_roam_with_pmf_installs_the_igtk_of_the_fte():
    conn, ptk, gtk = _ft_roam(mfp=True, igtk=_igtk_sub)
    got = [(k.kind, k.key_idx, k.key, k.seq) for k in conn.driver.keys]
    assert got[0][:1] == ("pairwise",) and got[1][:3] == ("group", 1, gtk)
    assert got[2] == ("igtk", 4, IGTK, IPN)


def test_ft_sae_roam_uses_the_same_exchange():
    from wispd.rsn.defs import AKM_FT_SAE
    conn, ptk, gtk = _ft_roam(mfp=True, igtk=_igtk_sub, akm=AKM_FT_SAE)
    assert [k.kind for k in conn.driver.keys] == ["pairwise", "group", "igtk"]


def test_ft_roam_with_pmf_and_no_igtk_goes_on_without_one():
    conn, _ptk, _gtk = _ft_roam(mfp=True)
    assert [k.kind for k in conn.driver.keys] == ["pairwise", "group"]


def test_ft_roam_without_pmf_ignores_an_igtk():
    conn, _ptk, _gtk = _ft_roam(mfp=False, igtk=_igtk_sub)
    assert [k.kind for k in conn.driver.keys] == ["pairwise", "group"]


@pytest.mark.parametrize("make", [
    lambda kek: _igtk_sub(kek, key_id=1),                 # not an IGTK key ID (4 or 5)
    lambda kek: _igtk_sub(kek, key_len=32),               # longer than the key it wraps
    lambda kek: _igtk_sub(kek, key_len=8),                # shorter than BIP's 16
    lambda kek: _igtk_sub(kek, key=bytes(32)),            # a 32-octet key for BIP-CMAC-128
    lambda kek: _igtk_sub(bytes(16)),                     # wrapped with another KEK
])
def test_bad_igtk_subelement_refuses_the_reassociation_before_any_key(make):
    from wispd.core.ftauth import FtFailed
    with pytest.raises(FtFailed):
        _ft_roam(mfp=True, igtk=make)


@pytest.mark.parametrize("length", [0, 1, 8, 9, 32, 34, 40, 41, 255 - 82 - 2])
def test_igtk_subelement_hostile_lengths(length):
    """IGTK subelements of every awkward length parse to an FtError or to a body
    of 9 + n*8 (n >= 3) octets, never an exception of another kind."""
    sub = bytes((4, length)) + bytes(range(length))
    body = bytes(_FTE_FIXED_LEN) + sub
    try:
        fte = ft.parse_fte(bytes((55, len(body))) + body)
    except ft.FtError:
        return
    assert len(fte.igtk) == length and length >= 33 and (length - 9) % 8 == 0


def test_igtk_subelement_that_runs_past_the_fte():
    body = bytes(_FTE_FIXED_LEN) + bytes((4, 33)) + bytes(20)
    with pytest.raises(ft.FtError):
        ft.parse_fte(bytes((55, len(body))) + body)


def test_unwrap_igtk_rejects_a_truncated_or_forged_key():
    kek = bytes(range(16))
    good = _igtk_sub(kek)
    assert ft.unwrap_igtk(kek, good) == (4, IPN, IGTK)
    for bad in (good[:9] + good[10:], good[:-1] + bytes((good[-1] ^ 1,)), good[:8], b""):
        with pytest.raises(ft.FtError):
            ft.unwrap_igtk(kek, bad)


_FTE_FIXED_LEN = 2 + 16 + 32 + 32


def test_group_rekey_after_an_ft_roam_runs_on_the_ft_keys():
    """No 4-way after FT: the link's key machine (FtAuth.key_machine) holds the
    FT PTK, so the AP's group key handshake installs the new GTK and answers."""
    import test_rsn_handshake as th
    from wispd.rsn.defs import AKM_FT_PSK, AKM_PSK_SHA256
    from wispd.rsn.handshake import InstallKey, SendEapol
    from wispd.rsn.ie import build_rsn_ie

    conn, ptk, gtk = _ft_roam()
    ap_rsne = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_PSK], 0x000C)
    machine = conn.ftauth.key_machine(ap_rsne)
    assert machine.ptk == ptk
    # hostapd's side of the group key handshake, with the FT PTK (AES-CMAC MICs).
    auth = th.Authenticator(AKM_PSK_SHA256)
    auth.kck, auth.kek, auth.tk = ptk.kck, ptk.kek, ptk.tk
    # The GTK the FTE gave is not installed a second time (KRACK's rule) ...
    auth.gtk, auth.gtk_idx = gtk, 1
    out = machine.receive_eapol(auth.group_msg1())
    assert [a for a in out if isinstance(a, InstallKey)] == []
    auth.take_group_msg2(next(a for a in out if isinstance(a, SendEapol)).data)
    # ... a new one is, and the AP gets its message 2.
    auth.gtk, auth.gtk_idx = bytes(range(90, 106)), 2
    out = machine.receive_eapol(auth.group_msg1())
    keys = [a for a in out if isinstance(a, InstallKey)]
    assert [(k.kind, k.key_idx, k.key) for k in keys] == [("group", 2, auth.gtk)]
    auth.take_group_msg2(next(a for a in out if isinstance(a, SendEapol)).data)
