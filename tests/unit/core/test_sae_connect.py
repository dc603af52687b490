"""SAE through the core on the fake driver: commit/confirm over
AUTHENTICATE-style events, association only after the AP's confirm, the 4-way
handshake with the SAE PMK (AKM 8, PMF), PMKSA caching on reconnect,
Transition Disable, and the refusal on a driver without SAE."""
import struct

import pytest

import fakedriver
from harness import Harness
from test_rsn_handshake import AA, SPA, Authenticator, rsn_ie
from test_sae_machine import ApPeer
from wispd.drivers import events as ev
from wispd.core import security, states
from wispd.rsn.defs import AKM_PSK, AKM_SAE
from wispd.drivers.ops import AUTH_OPEN, AUTH_SAE, Capabilities, ScanResult
from wispd.rsn import ie as rsnie

PW = "correct horse battery"
SAE_NET = 'network={\n\tssid="home"\n\tkey_mgmt=SAE\n\tsae_password="%s"\n\tieee80211w=2\n}\n' % PW
TRANS_NET = ('update_config=1\nnetwork={\n\tssid="home"\n\tkey_mgmt=WPA-PSK SAE\n'
             '\tpsk="%s"\n\tieee80211w=1\n}\n' % PW)


def _rsn_both():
    body = (struct.pack("<H", 1) + bytes.fromhex("000fac04") + struct.pack("<H", 1)
            + bytes.fromhex("000fac04") + struct.pack("<H", 2) + bytes.fromhex("000fac02")
            + bytes.fromhex("000fac08") + struct.pack("<H", 0x008C))
    return bytes((48, len(body))) + body


def ap_result(rsne):
    return ScanResult(AA, 2437, ies=bytes((0, 4)) + b"home" + rsne, signal=-40, caps=0x0011)


@pytest.fixture
def sae_driver(monkeypatch):
    """The fake driver with an SAE-capable SME: SAE data is recorded, and the
    association happens only when the core asks for it."""
    cls = fakedriver.FakeDriver
    state = {"sae": True}
    monkeypatch.setattr(cls, "get_capa", lambda self: Capabilities(
        sme=True, sae=state["sae"], pmf=True, max_scan_ssids=4))

    def associate(self, params):
        self.associations.append(params)
        self.sae_sent = getattr(self, "sae_sent", [])
        if params.auth_alg == AUTH_SAE:
            self.sae_sent.append(params.auth_data)
        else:
            self.eloop.register_timeout(0.01, self._assoc_done, params)

    def send_auth_frame(self, bssid, auth_type, data):
        assert auth_type == AUTH_SAE and bssid == AA
        self.sae_sent.append(data)

    def associate_after_auth(self):
        self.eloop.register_timeout(0.01, self._assoc_done, self.associations[-1])

    monkeypatch.setattr(cls, "associate", associate)
    monkeypatch.setattr(cls, "send_auth_frame", send_auth_frame)
    monkeypatch.setattr(cls, "associate_after_auth", associate_after_auth)
    return state


def sae_exchange(x, peer):
    """Play the AP's SAE side until the core associates."""
    for _ in range(6):
        x.run_until(lambda: getattr(x.driver, "sae_sent", None)
                    or x.iface.wpa_state == states.ASSOCIATED)
        if x.iface.wpa_state == states.ASSOCIATED:
            return
        data = x.driver.sae_sent.pop(0)
        trans, status = struct.unpack("<HH", data[:4])
        if trans == 1:
            reply = peer.commit(status, data[4:])
        else:
            reply = peer.confirm(data[4:])
        rt, rs, body = reply
        x.driver.on_event(ev.Authenticated(bssid=AA, auth_type=AUTH_SAE, status=rs,
                                           data=struct.pack("<HH", rt, rs) + body))
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)


def four_way(x, auth, msg3_extra=b""):
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    x.driver.deliver_eapol(AA, auth.msg1())
    x.run_until(lambda: x.driver.sent_eapol)
    auth.take_msg2(x.driver.sent_eapol.pop()[1])
    x.driver.deliver_eapol(AA, auth.msg3(extra=msg3_extra))
    auth.take_msg4(x.driver.sent_eapol.pop()[1])
    x.run_until(lambda: x.iface.wpa_state == states.COMPLETED)


def status(c):
    return dict(l.split("=", 1) for l in c.request("STATUS").splitlines())


def test_sae_connect_then_pmksa_caching(tmp_path, sae_driver):
    rsne = rsn_ie(AKM_SAE, caps=0x00CC)
    x = Harness(tmp_path, SAE_NET, [ap_result(rsne)])
    try:
        c = x.client()
        peer = ApPeer(password=PW, groups=(19,), sta=SPA, ap=AA, ssid=b"home")
        sae_exchange(x, peer)
        first = x.driver.associations[0]
        assert first.auth_alg == AUTH_SAE and first.mfp
        auth = Authenticator(akm=AKM_SAE, mfp=True, pmk=peer.pmk)
        auth.rsne = rsne
        four_way(x, auth)
        st = status(c)
        assert (st["key_mgmt"], st["sae_group"], st["sae_h2e"]) == ("SAE", "19", "0")
        # Reconnect: the cached PMKSA skips SAE (open auth, PMKID in the RSNE)
        assert c.request("DISCONNECT").strip() == "OK"
        x.run_until(lambda: x.iface.wpa_state == states.DISCONNECTED)
        n = len(x.driver.associations)
        assert c.request("RECONNECT").strip() == "OK"
        x.run_until(lambda: len(x.driver.associations) > n)
        again = x.driver.associations[-1]
        assert again.auth_alg == AUTH_OPEN
        assert rsnie.parse_rsn_ie(again.wpa_ie).pmkids == (peer.pmkid,)
        auth2 = Authenticator(akm=AKM_SAE, mfp=True, pmk=peer.pmk)
        auth2.rsne = rsne
        four_way(x, auth2)
        st = status(c)
        assert st["key_mgmt"] == "SAE" and "sae_group" not in st     # no SAE this time
    finally:
        x.close()


def test_wrong_sae_password_temp_disables(tmp_path, sae_driver):
    x = Harness(tmp_path, SAE_NET, [ap_result(rsn_ie(AKM_SAE, caps=0x00CC))])
    try:
        c = x.client()
        c.request("ATTACH")
        peer = ApPeer(password="another password", groups=(19,), sta=SPA, ap=AA,
                      ssid=b"home")
        x.run_until(lambda: getattr(x.driver, "sae_sent", None))
        data = x.driver.sae_sent.pop(0)
        rt, rs, body = peer.commit(0, data[4:])
        x.driver.on_event(ev.Authenticated(bssid=AA, auth_type=AUTH_SAE, status=rs,
                                           data=struct.pack("<HH", rt, rs) + body))
        x.run_until(lambda: x.driver.sae_sent)
        data = x.driver.sae_sent.pop(0)
        rt, rs, body = peer.confirm(data[4:])
        assert rs != 0
        x.driver.on_event(ev.Authenticated(bssid=AA, auth_type=AUTH_SAE, status=1,
                                           data=struct.pack("<HH", 2, 1)))
        e = c.wait_event("CTRL-EVENT-AUTH-REJECT")
        assert "auth_type=3 auth_transaction=2 status_code=1" in e
        e = c.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED")
        assert "reason=WRONG_KEY" in e
        assert all(p.auth_alg == AUTH_SAE for p in x.driver.associations)
        assert c.request("PING").strip() == "PONG"
    finally:
        x.close()


def test_transition_disable_drops_psk_and_saves(tmp_path, sae_driver):
    rsne = _rsn_both()
    x = Harness(tmp_path, TRANS_NET, [ap_result(rsne)])
    try:
        c = x.client()
        c.request("ATTACH")
        peer = ApPeer(password=PW, groups=(19,), sta=SPA, ap=AA, ssid=b"home")
        sae_exchange(x, peer)
        auth = Authenticator(akm=AKM_SAE, mfp=True, pmk=peer.pmk)
        auth.rsne = rsne
        # the WPA3 Transition Disable KDE: WFA OUI 50-6F-9A, data type 0x20
        td_kde = bytes((0xDD, 5)) + bytes.fromhex("506f9a") + bytes((0x20, 0x01))
        four_way(x, auth, msg3_extra=td_kde)
        # reported after the connection, as wpa_supplicant does
        c.wait_event("CTRL-EVENT-CONNECTED")
        assert c.wait_event("TRANSITION-DISABLE").startswith("TRANSITION-DISABLE 01")
        assert c.request("GET_NETWORK 0 key_mgmt").strip() == "SAE"
        with open(x.conf) as f:
            assert "key_mgmt=SAE\n" in f.read()
    finally:
        x.close()


def test_transition_network_prefers_sae_and_falls_back_to_psk_only_ap(tmp_path, sae_driver):
    from wispd.config import wpaconf
    cfg = wpaconf.parse(TRANS_NET)
    net = cfg.networks[0]
    caps = Capabilities(sme=True, sae=True, pmf=True)
    x = Harness(tmp_path, TRANS_NET, [ap_result(_rsn_both())])
    try:
        x.run_until(lambda: x.iface.bss.get(AA) is not None)
        bss = x.iface.bss.get(AA)
        assert security.plan_for(net, bss, caps).sel.akm == AKM_SAE
    finally:
        x.close()
    x = Harness(tmp_path, TRANS_NET, [ap_result(rsn_ie(AKM_PSK))])
    try:
        x.run_until(lambda: x.iface.bss.get(AA) is not None)
        assert security.plan_for(net, x.iface.bss.get(AA), caps).sel.akm == AKM_PSK
    finally:
        x.close()


def test_driver_without_sae_refuses_instead_of_psk(tmp_path, sae_driver):
    sae_driver["sae"] = False
    x = Harness(tmp_path, TRANS_NET, [ap_result(_rsn_both())])
    try:
        c = x.client()
        x.run_until(lambda: x.iface.bss.get(AA) is not None)
        x.run_until(lambda: "sae_refused" in status(c))
        st = status(c)
        assert "cannot do SAE" in st["sae_refused"]
        assert x.driver.associations == []       # no silent WPA2-PSK
    finally:
        x.close()
