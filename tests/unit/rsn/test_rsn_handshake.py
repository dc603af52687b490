"""EapolKeySupplicant against an authenticator written here, in the test.

The authenticator is deliberately independent of the code under test: it
builds frames with struct, derives the PTK with the standard library's hmac
(OpenSSL) and checks MICs the same way.  Only AES key wrap and AES-CMAC come
from wispd.rsn.aes, which test_rsn_crypto pins to RFC 3394 / RFC 4493 vectors.
"""

import hmac
import os
import random
import struct

import pytest

from wispd.rsn.defs import (
    AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP)
from wispd.rsn.aes import aes_cmac, aes_wrap
from wispd.rsn.handshake import (COMPLETED, WAIT_MSG1, WAIT_MSG3, Completed, EapolKeySupplicant,
                                 GroupRekeyed, InstallKey, Rejected, SendEapol,
                                 TransitionDisable)

AA = bytes.fromhex("020000000100")
SPA = bytes.fromhex("020000000200")
PMK = bytes(range(32))

# Key Info bits, spelled out again here on purpose
T_PAIRWISE, T_INSTALL, T_ACK, T_MIC, T_SECURE, T_ERROR, T_REQUEST, T_ENC = (
    0x0008, 0x0040, 0x0080, 0x0100, 0x0200, 0x0400, 0x0800, 0x1000)


def rsn_ie(akm, group=CIPHER_CCMP, caps=0x000C):
    body = struct.pack("<H", 1) + struct.pack(">I", group) + struct.pack("<H", 1) + \
        struct.pack(">I", CIPHER_CCMP) + struct.pack("<H", 1) + struct.pack(">I", akm) + \
        struct.pack("<H", caps)
    return bytes((48, len(body))) + body


def kde(kde_type, payload):
    return bytes((0xDD, 4 + len(payload))) + b"\x00\x0f\xac" + bytes((kde_type,)) + payload


def ref_ptk(pmk, aa, spa, anonce, snonce, akm, tk_len=16):
    data = min(aa, spa) + max(aa, spa) + min(anonce, snonce) + max(anonce, snonce)
    n = 32 + tk_len
    out = b""
    if akm == AKM_PSK:
        i = 0
        while len(out) < n:
            out += hmac.new(pmk, b"Pairwise key expansion\x00" + data + bytes((i,)), "sha1").digest()
            i += 1
    else:
        i = 1
        while len(out) < n:
            out += hmac.new(pmk, struct.pack("<H", i) + b"Pairwise key expansion" + data +
                            struct.pack("<H", n * 8), "sha256").digest()
            i += 1
    return out[:16], out[16:32], out[32:n]


def ref_mic(kck, frame, ver):
    if ver == 2:
        return hmac.new(kck, frame, "sha1").digest()[:16]
    if ver in (3, 0):          # PSK-SHA256, and SAE (AKM-defined: AES-CMAC)
        return aes_cmac(kck, frame)
    if ver == 1:
        return hmac.new(kck, frame, "md5").digest()
    raise AssertionError(ver)


MIC_OFF = 4 + 1 + 2 + 2 + 8 + 32 + 16 + 8 + 8   # EAPOL header + fixed descriptor fields


def split_frame(frame):
    """Fields of an EAPOL-Key frame, parsed here without the code under test."""
    ver, ptype, blen = struct.unpack_from(">BBH", frame, 0)
    assert ptype == 3 and blen == len(frame) - 4
    dtype, info, klen, replay = struct.unpack_from(">BHHQ", frame, 4)
    nonce = frame[17:49]
    mic = frame[MIC_OFF:MIC_OFF + 16]
    dlen = struct.unpack_from(">H", frame, MIC_OFF + 16)[0]
    data = frame[MIC_OFF + 18:]
    assert len(data) == dlen
    return dict(dtype=dtype, info=info, replay=replay, nonce=nonce, mic=mic, data=data)


def mic_ok(frame, kck, ver):
    zeroed = frame[:MIC_OFF] + bytes(16) + frame[MIC_OFF + 16:]
    return hmac.compare_digest(ref_mic(kck, zeroed, ver), frame[MIC_OFF:MIC_OFF + 16])


class Authenticator:
    """A small authenticator: enough of hostapd's side to drive the supplicant."""

    def __init__(self, akm=AKM_PSK, group=CIPHER_CCMP, mfp=False, pmk=PMK, rsnxe=None):
        self.akm = akm
        self.ver = {AKM_PSK: 2, AKM_PSK_SHA256: 3, AKM_SAE: 0}[akm]
        self.group = group
        self.mfp = mfp
        self.pmk = pmk
        self.rsnxe = rsnxe
        caps = 0x000C | (0x0080 if mfp else 0)
        self.rsne = rsn_ie(akm, group, caps)
        self.replay = 0
        self.anonce = os.urandom(32)
        self.gtk = os.urandom(32 if group == CIPHER_TKIP else 16)
        self.gtk_idx = 1
        self.gtk_rsc = bytes.fromhex("0102030405060000")
        self.igtk = os.urandom(16)
        self.igtk_idx = 4
        self.ipn = bytes.fromhex("0a0b0c0d0e0f")
        self.kck = self.kek = self.tk = None
        self.snonce = None

    def frame(self, info, nonce=bytes(32), data=b"", rsc=bytes(8), kck=None, replay=None,
              dtype=2, ver=None):
        if replay is None:
            self.replay += 1
            replay = self.replay
        info |= self.ver if ver is None else ver
        body = struct.pack(">BHHQ", dtype, info, 16, replay) + nonce + bytes(16) + rsc + \
            bytes(8) + bytes(16) + struct.pack(">H", len(data)) + data
        frame = struct.pack(">BBH", 2, 3, len(body)) + body
        if kck is not None:
            frame = frame[:MIC_OFF] + ref_mic(kck, frame, self.ver) + frame[MIC_OFF + 16:]
        return frame

    def msg1(self, anonce=None):
        if anonce is not None:
            self.anonce = anonce
        return self.frame(T_PAIRWISE | T_ACK, self.anonce)

    def take_msg2(self, frame):
        f = split_frame(frame)
        assert f["info"] & 0x0007 == self.ver
        assert f["info"] & (T_PAIRWISE | T_MIC) == T_PAIRWISE | T_MIC
        assert not f["info"] & (T_ACK | T_INSTALL)
        assert f["replay"] == self.replay
        self.snonce = f["nonce"]
        tk_len = 16
        self.kck, self.kek, self.tk = ref_ptk(self.pmk, AA, SPA, self.anonce, self.snonce,
                                              self.akm, tk_len)
        assert mic_ok(frame, self.kck, self.ver), "message 2 MIC"
        return f

    def gtk_kdes(self):
        data = kde(1, bytes((self.gtk_idx | 0x04, 0)) + self.gtk)
        if self.mfp:
            data += kde(9, struct.pack("<H", self.igtk_idx) + self.ipn + self.igtk)
        return data

    def wrap(self, data, kek=None):
        if len(data) % 8 or len(data) < 16:
            data += b"\xdd" + bytes((-(len(data) + 1)) % 8 + (8 if len(data) + 1 < 16 else 0))
        return aes_wrap(kek or self.kek, data)

    def msg3(self, rsne=None, extra=b"", kdes=None, replay=None, plain=None):
        if plain is None:
            plain = (self.rsne if rsne is None else rsne)
            if self.rsnxe:
                plain += self.rsnxe
            plain += (self.gtk_kdes() if kdes is None else kdes) + extra
        return self.frame(T_PAIRWISE | T_INSTALL | T_ACK | T_MIC | T_SECURE | T_ENC,
                          self.anonce, self.wrap(plain), self.gtk_rsc, self.kck, replay)

    def take_msg4(self, frame):
        f = split_frame(frame)
        assert f["info"] & 0x0007 == self.ver
        assert f["info"] & (T_PAIRWISE | T_MIC | T_SECURE) == T_PAIRWISE | T_MIC | T_SECURE
        assert not f["info"] & (T_ACK | T_INSTALL | T_ENC)
        assert f["replay"] == self.replay and f["data"] == b""
        assert mic_ok(frame, self.kck, self.ver), "message 4 MIC"
        return f

    def group_msg1(self, kdes=None):
        return self.frame(T_ACK | T_MIC | T_SECURE | T_ENC, bytes(32),
                          self.wrap(self.gtk_kdes() if kdes is None else kdes),
                          self.gtk_rsc, self.kck)

    def take_group_msg2(self, frame):
        f = split_frame(frame)
        assert f["info"] & (T_PAIRWISE | T_ACK) == 0
        assert f["info"] & (T_MIC | T_SECURE) == T_MIC | T_SECURE
        assert f["replay"] == self.replay
        assert mic_ok(frame, self.kck, self.ver), "group message 2 MIC"
        return f


def make_pair(akm=AKM_PSK, group=CIPHER_CCMP, mfp=False, sta_pmk=PMK, rsnxe=None,
              sta_rsnxe="same"):
    auth = Authenticator(akm, group, mfp, rsnxe=rsnxe)
    own = rsn_ie(akm, group, 0x0080 if mfp else 0)
    sup = EapolKeySupplicant(sta_pmk, SPA, AA, akm, CIPHER_CCMP, group, own, auth.rsne,
                             mgmt_group=CIPHER_BIP_CMAC_128 if mfp else CIPHER_NONE, mfp=mfp,
                             ap_rsnxe=rsnxe if sta_rsnxe == "same" else sta_rsnxe)
    return auth, sup, own


def kinds(actions):
    return [type(a).__name__ for a in actions]


def run_4way(auth, sup):
    a1 = sup.receive_eapol(auth.msg1())
    assert kinds(a1) == ["SendEapol"]
    auth.take_msg2(a1[0].data)
    a3 = sup.receive_eapol(auth.msg3())
    return a3


# ---- the happy paths ------------------------------------------------------------

@pytest.mark.parametrize("akm,mfp", [(AKM_PSK, False), (AKM_PSK_SHA256, False),
                                      (AKM_PSK, True), (AKM_PSK_SHA256, True), (AKM_SAE, True)])
def test_full_4way_then_group_rekey(akm, mfp):
    auth, sup, own = make_pair(akm, mfp=mfp)
    assert sup.state == WAIT_MSG1
    a1 = sup.receive_eapol(auth.msg1())
    f2 = auth.take_msg2(a1[0].data)
    assert f2["data"] == own                       # our RSN IE in message 2
    assert sup.state == WAIT_MSG3 and sup.msg1_count == 1

    a3 = sup.receive_eapol(auth.msg3())
    expected = ["SendEapol", "InstallKey", "InstallKey"] + (["InstallKey"] if mfp else []) + \
        ["Completed"]
    assert kinds(a3) == expected
    auth.take_msg4(a3[0].data)
    ptk, gtk = a3[1], a3[2]
    assert (ptk.kind, ptk.cipher, ptk.key_idx, ptk.key, ptk.seq, ptk.set_tx, ptk.addr) == (
        "pairwise", CIPHER_CCMP, 0, auth.tk, bytes(6), True, AA)
    assert (gtk.kind, gtk.cipher, gtk.key_idx, gtk.key, gtk.seq, gtk.set_tx) == (
        "group", CIPHER_CCMP, 1, auth.gtk, auth.gtk_rsc[:6], False)
    if mfp:
        igtk = a3[3]
        assert (igtk.kind, igtk.cipher, igtk.key_idx, igtk.key, igtk.seq) == (
            "igtk", CIPHER_BIP_CMAC_128, 4, auth.igtk, auth.ipn)
    assert sup.state == COMPLETED and sup.handshakes_completed == 1 and sup.msg1_count == 0
    assert sup.ptk.tk == auth.tk

    # group rekey with a new GTK (and IGTK)
    auth.gtk, auth.gtk_idx, auth.gtk_rsc = os.urandom(16), 2, bytes(8)
    auth.igtk, auth.igtk_idx, auth.ipn = os.urandom(16), 5, bytes(6)
    ag = sup.receive_eapol(auth.group_msg1())
    assert kinds(ag) == ["InstallKey"] + (["InstallKey"] if mfp else []) + \
        ["SendEapol", "GroupRekeyed"]
    assert (ag[0].kind, ag[0].key_idx, ag[0].key) == ("group", 2, auth.gtk)
    if mfp:
        assert (ag[1].kind, ag[1].key_idx, ag[1].key, ag[1].seq) == ("igtk", 5, auth.igtk, bytes(6))
    auth.take_group_msg2(ag[-2].data)


def test_message_4_is_sent_before_pairwise_key_install():
    auth, sup, _ = make_pair()
    a3 = run_4way(auth, sup)
    send = next(i for i, a in enumerate(a3) if isinstance(a, SendEapol))
    install = next(i for i, a in enumerate(a3) if isinstance(a, InstallKey) and a.kind == "pairwise")
    assert send < install


def test_install_key_carries_the_pairwise_key_without_showing_it():
    auth, sup, _ = make_pair()
    ptk = run_4way(auth, sup)[1]
    assert (ptk.kind, ptk.cipher, ptk.key_idx, ptk.key, ptk.seq, ptk.addr, ptk.set_tx) == (
        "pairwise", CIPHER_CCMP, 0, auth.tk, bytes(6), AA, True)
    assert auth.tk.hex() not in repr(ptk)


def test_msg2_echoes_eapol_version_setting_and_descriptor():
    auth, sup, _ = make_pair()
    f = sup.receive_eapol(auth.msg1())[0].data
    assert f[0] == 1 and f[4] == 2     # 802.1X version 1 (wpa_supplicant's default), RSN descriptor


# ---- message 1 retransmission and the wrong-key pattern -------------------------

def test_retransmitted_msg1_reuses_snonce_and_counts():
    auth, sup, _ = make_pair()
    first = split_frame(sup.receive_eapol(auth.msg1())[0].data)
    second = split_frame(sup.receive_eapol(auth.msg1())[0].data)
    assert first["nonce"] == second["nonce"]
    assert second["replay"] == first["replay"] + 1
    assert sup.state == WAIT_MSG3 and sup.msg1_count == 2


def test_wrong_pmk_shows_as_repeated_msg1_without_msg3():
    auth, sup, _ = make_pair(sta_pmk=b"\x01" * 32)
    for n in range(1, 4):
        msg2 = sup.receive_eapol(auth.msg1())[0].data
        with pytest.raises(AssertionError, match="message 2 MIC"):
            auth.take_msg2(msg2)          # the AP drops message 2 and retries message 1
        assert sup.state == WAIT_MSG3 and sup.msg1_count == n and sup.msg3_count == 0


# ---- rejection paths ---------------------------------------------------------------

def test_bad_mic_in_msg3_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    frame = bytearray(auth.msg3())
    frame[MIC_OFF] ^= 0x01
    actions = sup.receive_eapol(bytes(frame))
    assert kinds(actions) == ["Rejected"] and "MIC" in actions[0].reason
    assert not actions[0].deauth
    assert sup.state == WAIT_MSG3 and sup.mic_failures == 1 and sup.msg3_count == 0
    # the good one still works afterwards: the bad frame did not advance the counter
    assert kinds(sup.receive_eapol(auth.msg3(replay=auth.replay)))[-1] == "Completed"


def test_msg3_with_tampered_body_fails_mic():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    frame = bytearray(auth.msg3())
    frame[-1] ^= 0x80                      # flip a bit of the encrypted key data
    actions = sup.receive_eapol(bytes(frame))
    assert kinds(actions) == ["Rejected"] and "MIC" in actions[0].reason


def test_bad_mic_in_group_msg1_is_rejected():
    auth, sup, _ = make_pair()
    run_4way(auth, sup)
    auth.gtk = os.urandom(16)
    frame = bytearray(auth.group_msg1())
    frame[MIC_OFF + 3] ^= 0x40
    actions = sup.receive_eapol(bytes(frame))
    assert kinds(actions) == ["Rejected"] and "MIC" in actions[0].reason
    assert sup.mic_failures == 1


def test_stale_replay_counter_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    msg3 = auth.msg3()
    assert kinds(sup.receive_eapol(msg3))[-1] == "Completed"
    # the very same message 3 again: counter not greater
    actions = sup.receive_eapol(msg3)
    assert kinds(actions) == ["Rejected"] and "replay counter" in actions[0].reason
    # an older counter, correctly signed, for a group message
    auth.gtk = os.urandom(16)
    actions = sup.receive_eapol(auth.frame(T_ACK | T_MIC | T_SECURE | T_ENC, bytes(32),
                                           auth.wrap(auth.gtk_kdes()), bytes(8), auth.kck,
                                           replay=auth.replay - 1))
    assert kinds(actions) == ["Rejected"] and "replay counter" in actions[0].reason
    # and a message 1 replayed from before
    actions = sup.receive_eapol(auth.frame(T_PAIRWISE | T_ACK, auth.anonce, replay=1))
    assert kinds(actions) == ["Rejected"] and "replay counter" in actions[0].reason
    assert sup.state == COMPLETED


def test_rsn_ie_mismatch_in_msg3_requires_deauth():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    downgraded = rsn_ie(AKM_PSK, CIPHER_TKIP)          # e.g. a forged beacon/message
    actions = sup.receive_eapol(auth.msg3(rsne=downgraded))
    assert kinds(actions) == ["Rejected"]
    assert actions[0].deauth and "RSN IE" in actions[0].reason
    assert sup.state == WAIT_MSG3


def test_missing_rsn_ie_in_msg3_requires_deauth():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    actions = sup.receive_eapol(auth.msg3(plain=auth.gtk_kdes()))
    assert kinds(actions) == ["Rejected"] and actions[0].deauth


def test_rsnxe_mismatch_requires_deauth():
    rsnxe = bytes((244, 1, 0x20))          # H2E bit
    auth, sup, _ = make_pair(rsnxe=rsnxe, sta_rsnxe=None)   # beacon showed none
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    actions = sup.receive_eapol(auth.msg3())
    assert kinds(actions) == ["Rejected"] and actions[0].deauth and "RSNXE" in actions[0].reason
    # with the matching RSNXE known it completes
    auth, sup, _ = make_pair(rsnxe=rsnxe)
    assert kinds(run_4way(auth, sup))[-1] == "Completed"


def test_second_rsn_ie_with_other_pairwise_cipher_requires_deauth():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    second = bytearray(rsn_ie(AKM_PSK))
    second[13] = 0x02                       # pairwise suite type: TKIP
    actions = sup.receive_eapol(auth.msg3(rsne=auth.rsne + bytes(second)))
    assert kinds(actions) == ["Rejected"] and actions[0].deauth


def test_second_rsn_ie_naming_our_pairwise_cipher_is_accepted():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    actions = sup.receive_eapol(auth.msg3(rsne=auth.rsne + rsn_ie(AKM_PSK)))
    assert kinds(actions)[-1] == "Completed"
    auth.take_msg4(actions[0].data)


def test_truncated_key_data_inside_wrap_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    # a GTK KDE whose length runs past the end of the (correctly wrapped) data
    cut = auth.rsne + bytes((0xDD, 40)) + b"\x00\x0f\xac\x01\x05\x00" + auth.gtk[:8]
    while len(cut) % 8:
        cut += b"\x01"
    actions = sup.receive_eapol(auth.msg3(plain=cut))
    assert kinds(actions) == ["Rejected"] and "truncated" in actions[0].reason
    assert sup.state == WAIT_MSG3


def test_gtk_kde_too_short_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    actions = sup.receive_eapol(auth.msg3(kdes=kde(1, b"\x01\x00\xaa")))
    assert kinds(actions) == ["Rejected"] and "truncated" in actions[0].reason


def test_key_data_length_field_beyond_frame_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    frame = auth.msg3()
    short = frame[:-8]
    short = struct.pack(">BBH", 2, 3, len(short) - 4) + short[4:]   # header consistent, data cut
    actions = sup.receive_eapol(short)
    assert kinds(actions) == ["Rejected"] and "truncated" in actions[0].reason


def test_encrypted_key_data_too_short_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    frame = auth.frame(T_PAIRWISE | T_INSTALL | T_ACK | T_MIC | T_SECURE | T_ENC, auth.anonce,
                       os.urandom(16), bytes(8), auth.kck)
    actions = sup.receive_eapol(frame)
    assert kinds(actions) == ["Rejected"] and "truncated" in actions[0].reason


def test_unwrap_failure_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    bogus = aes_wrap(os.urandom(16), auth.rsne + auth.gtk_kdes() + b"\xdd\x00")
    frame = auth.frame(T_PAIRWISE | T_INSTALL | T_ACK | T_MIC | T_SECURE | T_ENC, auth.anonce,
                       bogus, bytes(8), auth.kck)
    actions = sup.receive_eapol(frame)
    assert kinds(actions) == ["Rejected"] and "unwrap" in actions[0].reason


def test_unencrypted_key_data_in_msg3_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    frame = auth.frame(T_PAIRWISE | T_INSTALL | T_ACK | T_MIC | T_SECURE, auth.anonce,
                       auth.rsne + auth.gtk_kdes(), bytes(8), auth.kck)
    actions = sup.receive_eapol(frame)
    assert kinds(actions) == ["Rejected"] and "not encrypted" in actions[0].reason


def test_anonce_change_between_msg1_and_msg3_is_rejected():
    auth, sup, _ = make_pair()
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    auth.anonce = os.urandom(32)
    actions = sup.receive_eapol(auth.msg3())
    assert kinds(actions) == ["Rejected"] and "ANonce" in actions[0].reason


def test_out_of_order_and_foreign_frames_are_rejected():
    auth, sup, _ = make_pair()
    # message 3 before message 1
    auth.kck, auth.kek = os.urandom(16), os.urandom(16)
    assert kinds(sup.receive_eapol(auth.msg3())) == ["Rejected"]
    # group message before the PTK exists
    assert "4-way" in sup.receive_eapol(auth.group_msg1())[0].reason
    # WPA1 descriptor
    r = sup.receive_eapol(auth.frame(T_PAIRWISE | T_ACK, auth.anonce, dtype=254))
    assert kinds(r) == ["Rejected"] and "254" in r[0].reason
    # descriptor version 1 (HMAC-MD5/RC4) where version 2 is expected: downgrade
    r = sup.receive_eapol(auth.frame(T_PAIRWISE | T_ACK, auth.anonce, ver=1))
    assert kinds(r) == ["Rejected"] and "version" in r[0].reason
    # not from an authenticator (no Ack)
    assert kinds(sup.receive_eapol(auth.frame(T_PAIRWISE, auth.anonce))) == ["Rejected"]
    # not an EAPOL-Key frame / garbage
    assert kinds(sup.receive_eapol(b"\x02\x00\x00\x05\x01\x01\x00\x05\x01")) == ["Rejected"]
    assert kinds(sup.receive_eapol(b"")) == ["Rejected"]
    assert sup.state == WAIT_MSG1 and sup.msg1_count == 0


def test_constructor_refuses_what_is_not_supported():
    own = rsn_ie(AKM_PSK)
    with pytest.raises(ValueError):
        EapolKeySupplicant(PMK, SPA, AA, AKM_PSK, CIPHER_TKIP, CIPHER_TKIP, own, own)
    with pytest.raises(ValueError):
        EapolKeySupplicant(PMK, SPA, AA, AKM_PSK, CIPHER_CCMP, CIPHER_CCMP,
                           bytes.fromhex("dd160050f20101000050f20201000050f20201000050f202"), own)
    # FT-802.1X (00-0F-AC:3) is not implemented; 802.1X and 802.1X-SHA256 are (issue 16).
    with pytest.raises(ValueError):
        EapolKeySupplicant(PMK, SPA, AA, 0x000FAC03, CIPHER_CCMP, CIPHER_CCMP, own, own)


# ---- key reinstallation (KRACK) ------------------------------------------------

def test_retransmitted_msg3_gets_msg4_but_no_reinstall():
    auth, sup, _ = make_pair(mfp=True)
    assert kinds(run_4way(auth, sup))[-1] == "Completed"
    # the AP did not see message 4 and retransmits message 3 with a new counter
    actions = sup.receive_eapol(auth.msg3())
    assert kinds(actions) == ["SendEapol"]
    auth.take_msg4(actions[0].data)
    assert sup.state == COMPLETED and sup.handshakes_completed == 1


def test_repeated_group_msg1_gets_reply_but_no_reinstall():
    auth, sup, _ = make_pair(mfp=True)
    run_4way(auth, sup)
    # same GTK/IGTK as installed by message 3
    actions = sup.receive_eapol(auth.group_msg1())
    assert kinds(actions) == ["SendEapol"]
    auth.take_group_msg2(actions[0].data)
    # a real rekey, then the same group message 1 again
    auth.gtk = os.urandom(16)
    assert kinds(sup.receive_eapol(auth.group_msg1())) == ["InstallKey", "SendEapol",
                                                            "GroupRekeyed"]
    actions = sup.receive_eapol(auth.group_msg1())
    assert kinds(actions) == ["SendEapol"]
    auth.take_group_msg2(actions[0].data)


# ---- PTK rekey ---------------------------------------------------------------------

def test_ptk_rekey_on_a_live_link():
    auth, sup, _ = make_pair()
    run_4way(auth, sup)
    old_tk = auth.tk
    a1 = sup.receive_eapol(auth.msg1(anonce=os.urandom(32)))
    assert kinds(a1) == ["SendEapol"] and sup.state == WAIT_MSG3
    f2 = auth.take_msg2(a1[0].data)
    assert f2["info"] & T_SECURE          # a PTK is in place: message 2 says so
    # a group rekey in the middle still uses the PTK in force
    a3 = sup.receive_eapol(auth.msg3())
    assert kinds(a3) == ["SendEapol", "InstallKey", "Completed"]   # same GTK: no reinstall
    auth.take_msg4(a3[0].data)
    assert a3[1].kind == "pairwise" and a3[1].key == auth.tk != old_tk
    assert sup.handshakes_completed == 2
    # and the group handshake uses the new PTK
    auth.gtk = os.urandom(16)
    ag = sup.receive_eapol(auth.group_msg1())
    assert kinds(ag) == ["InstallKey", "SendEapol", "GroupRekeyed"]
    auth.take_group_msg2(ag[1].data)


def test_group_rekey_during_ptk_rekey_uses_current_ptk():
    auth, sup, _ = make_pair()
    run_4way(auth, sup)
    current = (auth.kck, auth.kek)
    sup.receive_eapol(auth.msg1(anonce=os.urandom(32)))     # new handshake started
    auth.gtk = os.urandom(16)
    ag = sup.receive_eapol(auth.group_msg1())                # still signed with the old PTK
    assert kinds(ag) == ["InstallKey", "SendEapol", "GroupRekeyed"]
    assert (auth.kck, auth.kek) == current


# ---- TKIP group key, PMF, transition disable ------------------------------------

def test_tkip_gtk_mic_halves_are_swapped_for_the_supplicant():
    auth, sup, _ = make_pair(group=CIPHER_TKIP)
    a3 = run_4way(auth, sup)
    gtk = next(a for a in a3 if isinstance(a, InstallKey) and a.kind == "group")
    assert gtk.cipher == CIPHER_TKIP and len(gtk.key) == 32
    assert gtk.key == auth.gtk[:16] + auth.gtk[24:32] + auth.gtk[16:24]
    # rekey: swapped again, and a repeat is not reinstalled
    auth.gtk = os.urandom(32)
    ag = sup.receive_eapol(auth.group_msg1())
    assert ag[0].key == auth.gtk[:16] + auth.gtk[24:32] + auth.gtk[16:24]
    assert kinds(sup.receive_eapol(auth.group_msg1())) == ["SendEapol"]


def test_tkip_gtk_with_wrong_length_is_rejected():
    auth, sup, _ = make_pair(group=CIPHER_TKIP)
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    actions = sup.receive_eapol(auth.msg3(kdes=kde(1, b"\x01\x00" + os.urandom(16))))
    assert kinds(actions) == ["Rejected"] and "GTK length" in actions[0].reason


def test_pmf_igtk_kde_installed_with_ipn():
    auth, sup, _ = make_pair(mfp=True)
    auth.ipn = bytes.fromhex("112233445566")
    a3 = run_4way(auth, sup)
    igtk = [a for a in a3 if isinstance(a, InstallKey) and a.kind == "igtk"]
    assert len(igtk) == 1
    assert (igtk[0].cipher, igtk[0].key_idx, igtk[0].key, igtk[0].seq, igtk[0].set_tx) == (
        CIPHER_BIP_CMAC_128, 4, auth.igtk, auth.ipn, False)


def test_igtk_ignored_without_pmf_and_malformed_igtk_rejected():
    auth, sup, _ = make_pair()
    auth.mfp = True                         # the AP sends an IGTK we did not negotiate
    a3 = run_4way(auth, sup)
    assert [a.kind for a in a3 if isinstance(a, InstallKey)] == ["pairwise", "group"]

    auth, sup, _ = make_pair(mfp=True)
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    bad = kde(1, b"\x01\x00" + auth.gtk) + kde(9, struct.pack("<H", 7) + auth.ipn + auth.igtk)
    actions = sup.receive_eapol(auth.msg3(kdes=bad))
    assert kinds(actions) == ["Rejected"] and "IGTK" in actions[0].reason


def test_transition_disable_kde_is_reported():
    auth, sup, _ = make_pair(AKM_SAE, mfp=True)
    auth.take_msg2(sup.receive_eapol(auth.msg1())[0].data)
    a3 = sup.receive_eapol(auth.msg3(extra=kde(32, b"\x01")))
    td = [a for a in a3 if isinstance(a, TransitionDisable)]
    assert len(td) == 1 and td[0].bitmap == 0x01
    assert isinstance(a3[-1], Completed)


def test_pmkid_kde_in_msg1_is_exposed():
    auth, sup, _ = make_pair()
    pmkid = os.urandom(16)
    sup.receive_eapol(auth.frame(T_PAIRWISE | T_ACK, auth.anonce, kde(4, pmkid)))
    assert sup.msg1_pmkid == pmkid


def test_mic_failure_report():
    auth, sup, _ = make_pair(group=CIPHER_TKIP)
    assert sup.report_mic_failure(False) == []          # nothing to sign with yet
    run_4way(auth, sup)
    r1 = split_frame(sup.report_mic_failure(False)[0].data)
    r2 = split_frame(sup.report_mic_failure(True)[0].data)
    for r in (r1, r2):
        assert r["info"] & (T_MIC | T_ERROR | T_REQUEST | T_SECURE) == \
            T_MIC | T_ERROR | T_REQUEST | T_SECURE
    assert not r1["info"] & T_PAIRWISE and r2["info"] & T_PAIRWISE
    assert r2["replay"] > r1["replay"]


def test_ethernet_padding_after_the_frame_is_ignored():
    auth, sup, _ = make_pair()
    a1 = sup.receive_eapol(auth.msg1() + bytes(20))
    auth.take_msg2(a1[0].data)
    assert kinds(sup.receive_eapol(auth.msg3() + bytes(7)))[-1] == "Completed"


# ---- hostile input ------------------------------------------------------------------

def test_mutated_frames_never_raise():
    rnd = random.Random(4)
    auth, sup, _ = make_pair(mfp=True)
    frames = [auth.msg1()]
    auth.take_msg2(sup.receive_eapol(frames[0])[0].data)
    frames.append(auth.msg3())
    frames.append(auth.group_msg1())
    for _ in range(1500):
        f = bytearray(rnd.choice(frames))
        op = rnd.randrange(3)
        if op == 0:
            for _ in range(rnd.randrange(1, 4)):
                f[rnd.randrange(len(f))] ^= 1 << rnd.randrange(8)
        elif op == 1:
            del f[rnd.randrange(len(f)):]
        else:
            f[rnd.randrange(len(f))] = rnd.randrange(256)
        for a in sup.receive_eapol(bytes(f)):
            assert isinstance(a, (SendEapol, InstallKey, Completed, GroupRekeyed,
                                  Rejected, TransitionDisable))
