"""wpa_supplicant 2.10 behaviour that hostap's own hwsim tests check (issue 15),
through the core on the fake driver: a wildcard-SSID network pinned by bssid=
(test_ap_wpa2_psk_wildcard_ssid)."""

from harness import Harness
from test_rsn_handshake import AA, Authenticator
from wispd.core import states
from wispd.drivers.ops import ScanResult
from wispd.rsn.kdf import passphrase_to_psk


def _ap(auth, ssid=b"home", bssid=AA):
    ies = bytes((0, len(ssid))) + ssid + auth.rsne
    return ScanResult(bssid, 2437, ies=ies, signal=-40, caps=0x0011)


def test_wildcard_ssid_with_bssid_joins_that_bss_with_its_ssid(tmp_path):
    # The PMK of a passphrase is salted with the SSID: the AP's, as the network has none.
    auth = Authenticator(pmk=passphrase_to_psk("qwertyuiop", b"home"))
    other = bytes.fromhex("020000000200")
    net = 'network={\n\tssid=""\n\tbssid=02:00:00:00:01:00\n\tpsk="qwertyuiop"\n}\n'
    x = Harness(tmp_path, net, [_ap(Authenticator(), b"other", other), _ap(auth)])
    try:
        c = x.client()
        c.request("ATTACH")
        x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
        assert x.driver.associations[-1].bssid == AA
        assert x.driver.associations[-1].ssid == b"home"
        x.driver.deliver_eapol(AA, auth.msg1())
        x.run_until(lambda: x.driver.sent_eapol)
        auth.take_msg2(x.driver.sent_eapol.pop()[1])   # checks the MIC: the right PMK
        x.driver.deliver_eapol(AA, auth.msg3())
        auth.take_msg4(x.driver.sent_eapol.pop()[1])
        assert "CTRL-EVENT-CONNECTED" in c.wait_event("CTRL-EVENT-CONNECTED")
    finally:
        x.close()


def test_empty_ssid_without_bssid_matches_nothing(tmp_path):
    net = 'network={\n\tssid=""\n\tpsk="qwertyuiop"\n}\n'
    x = Harness(tmp_path, net, [_ap(Authenticator())])
    try:
        x.run_until(lambda: x.driver.scans)
        for _ in range(50):
            x.loop.run_once(0.01)
        assert x.driver.associations == []
    finally:
        x.close()
