"""FT-SAE through the core on the fake driver (issue 17): the initial mobility
domain association runs SAE, then the 4-way handshake with PMK-R1 of SAE's PMK
(AKM 9: descriptor version 0, AES-CMAC, message 2 with RSNE(PMKR1Name) || MDE ||
FTE); ROAM to a second AP of the domain is FT over the air: no SAE frame and no
EAPOL-Key frame, the PTK, GTK and IGTK (PMF) come from the FT exchange.

The AP side is built from rsn/ft.py and the test authenticator of
tests/unit/rsn/test_rsn_handshake.py; SAE from test_sae_machine's ApPeer."""
import struct

import fakedriver
from harness import Harness
from test_rsn_handshake import AA, SPA, Authenticator, mic_ok, split_frame
from test_sae_connect import sae_driver, sae_exchange  # noqa: F401  (fixture)
from test_sae_machine import ApPeer
from wispd.core import states
from wispd.drivers import events as ev
from wispd.drivers.ops import AUTH_FT, AUTH_SAE, ScanResult
from wispd.rsn import ft
from wispd.rsn import ie as rsnie
from wispd.rsn.aes import aes_wrap
from wispd.rsn.defs import AKM_FT_SAE, AKM_SAE, CIPHER_CCMP

PW = "correct horse battery"
AP2 = bytes.fromhex("020000000300")
MDID = bytes.fromhex("a1b2")
R0KH = b"nas1.wispd.test"
CAPS = 0x00CC                      # MFPC | MFPR: SAE's PMF, required here
NET = ('network={\n\tssid="home"\n\tkey_mgmt=SAE FT-SAE\n\tsae_password="%s"\n'
       '\tieee80211w=2\n}\n' % PW)


def _ap_rsne(pmkid=None):
    return rsnie.build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_FT_SAE], CAPS,
                              [pmkid] if pmkid else [])


def _bss(bssid, freq, signal):
    return ScanResult(bssid, freq, ies=bytes((0, 4)) + b"home" + _ap_rsne() + ft.build_mde(MDID),
                      signal=signal, caps=0x0011)


def _status(c):
    return dict(line.split("=", 1) for line in c.request("STATUS").splitlines())


def test_ft_sae_initial_association_then_ft_roam(tmp_path, sae_driver, monkeypatch):  # noqa: F811
    ap = {"resp": lambda params: ft.build_mde(MDID) + ft.build_fte(r0kh_id=R0KH, r1kh_id=AA)}
    cls = fakedriver.FakeDriver
    sae_associate = cls.associate

    def associate(self, params):
        if params.auth_alg == AUTH_FT:
            self.associations.append(params)      # the AP answers from the test
        else:
            sae_associate(self, params)

    def assoc_done(self, params):
        self.connected = params.bssid
        self.on_event(ev.Associated(bssid=params.bssid, freq=params.freq, req_ies=params.wpa_ie,
                                    resp_ies=ap["resp"](params), authorized=False))
    monkeypatch.setattr(cls, "associate", associate)
    monkeypatch.setattr(cls, "_assoc_done", assoc_done)

    x = Harness(tmp_path, NET, [_bss(AA, 2412, -40), _bss(AP2, 2437, -60)])
    try:
        c = x.client()
        # ---- SAE with the first AP, then the association with its MDE
        peer = ApPeer(password=PW, groups=(19,), sta=SPA, ap=AA, ssid=b"home")
        sae_exchange(x, peer)
        first = x.driver.associations[0]
        assert first.auth_alg == AUTH_SAE and first.akm == AKM_FT_SAE and first.mfp
        assert ft.build_mde(MDID) in x.driver.associations[-1].extra_ies
        # ---- the FT 4-way: PTK from PMK-R1 of the SAE PMK (12.7.1.7.3: XXKey = PMK)
        r0, r0name = ft.derive_pmk_r0(peer.pmk, b"home", MDID, R0KH, SPA)
        r1, r1name = ft.derive_pmk_r1(r0, r0name, AA, SPA)
        # The test authenticator's SAE mode is descriptor version 0 with AES-CMAC
        # MICs, as AKM 9 has; its PTK is replaced by the FT one below.
        auth = Authenticator(akm=AKM_SAE, mfp=True, pmk=r1)
        auth.rsne = _ap_rsne()
        x.driver.deliver_eapol(AA, auth.msg1())
        x.run_until(lambda: x.driver.sent_eapol)
        msg2 = x.driver.sent_eapol.pop()[1]
        f = split_frame(msg2)
        assert f["info"] & 0x0007 == 0                       # AKM-defined descriptor
        assert rsnie.parse_rsn_ie(rsnie.find_ie(f["data"], 48)).pmkids == (r1name,)
        ptk = ft.derive_ft_ptk(r1, f["nonce"], auth.anonce, AA, SPA, CIPHER_CCMP)
        auth.kck, auth.kek, auth.tk = ptk.kck, ptk.kek, ptk.tk
        assert mic_ok(msg2, auth.kck, 0)
        x.driver.deliver_eapol(AA, auth.msg3(rsne=_ap_rsne(r1name),
                                             extra=ap["resp"](None)))
        x.run_until(lambda: x.iface.wpa_state == states.COMPLETED)
        st = _status(c)
        assert (st["key_mgmt"], st["pmf"], st["sae_group"]) == ("FT-SAE", "2", "19")
        assert ("igtk", auth.igtk) in [(k.kind, k.key) for k in x.driver.keys]

        # ---- ROAM to the second AP: FT over the air, no SAE, no 4-way
        sae_frames = len(x.driver.sae_sent)
        x.driver.sent_eapol.clear()
        n_keys = len(x.driver.keys)
        assert c.request("ROAM " + AP2.hex(":")).strip() == "OK"
        x.run_until(lambda: x.driver.associations[-1].bssid == AP2)
        req = x.driver.associations[-1]
        assert req.auth_alg == AUTH_FT
        assert rsnie.parse_rsn_ie(rsnie.find_ie(req.auth_data, 48)).pmkids == (r0name,)
        snonce = ft.parse_fte(rsnie.find_ie(req.auth_data, 55)).snonce
        anonce = bytes(range(32))
        r1b, r1bname = ft.derive_pmk_r1(r0, r0name, AP2, SPA)
        ptk2 = ft.derive_ft_ptk(r1b, snonce, anonce, AP2, SPA, CIPHER_CCMP)
        gtk, igtk, ipn = bytes(range(40, 56)), bytes(range(60, 76)), bytes.fromhex("050000000000")

        def reassoc_resp(params):
            # The AP checks the request's MIC (sequence 5), then answers (sequence 6).
            fte_req = rsnie.find_ie(params.extra_ies, 55)
            assert ft.parse_fte(fte_req).mic == ft.ft_mic(
                ptk2.kck, SPA, AP2, 5, params.wpa_ie, ft.build_mde(MDID), fte_req)
            gsub = struct.pack("<HB", 2, 16) + bytes(8) + aes_wrap(ptk2.kek, gtk)
            isub = struct.pack("<H", 5) + ipn + bytes((16,)) + aes_wrap(ptk2.kek, igtk)
            body = (ft.build_fte(3, bytes(16), anonce, snonce, R0KH, AP2)[2:]
                    + bytes((2, len(gsub))) + gsub + bytes((4, len(isub))) + isub)
            fte = bytes((55, len(body))) + body
            rsne, mde = _ap_rsne(r1bname), ft.build_mde(MDID)
            mic = ft.ft_mic(ptk2.kck, SPA, AP2, 6, rsne, mde, fte)
            return rsne + mde + fte[:4] + mic + fte[20:]
        ap["resp"] = reassoc_resp
        x.driver.on_event(ev.Authenticated(
            bssid=AP2, auth_type=AUTH_FT, status=0,
            data=_ap_rsne(r0name) + ft.build_mde(MDID)
            + ft.build_fte(anonce=anonce, snonce=snonce, r0kh_id=R0KH, r1kh_id=AP2)))
        x.run_until(lambda: x.iface.wpa_state == states.COMPLETED
                    and x.iface.current_bssid() == AP2)
        st = _status(c)
        assert (st["bssid"], st["key_mgmt"], st["pmf"]) == (AP2.hex(":"), "FT-SAE", "2")
        new = [(k.kind, k.key_idx, k.key) for k in x.driver.keys[n_keys:]]
        assert new == [("pairwise", 0, ptk2.tk), ("group", 2, gtk), ("igtk", 5, igtk)]
        assert len(x.driver.sae_sent) == sae_frames and x.driver.sent_eapol == []
    finally:
        x.close()

