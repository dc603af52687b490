"""WPA2-PSK through the core on the fake driver, with the test authenticator
from test_rsn_handshake playing the AP's side of the EAPOL-Key exchange."""

import pytest

from harness import Harness
from test_rsn_handshake import AA, PMK, Authenticator
from wispd.core import states
from wispd.drivers.ops import KEY_GROUP, KEY_PAIRWISE, ScanResult

NET = 'network={\n\tssid="home"\n\tpsk=%s\n}\n' % PMK.hex()


def ap_result(auth):
    ies = bytes((0, 4)) + b"home" + auth.rsne
    return ScanResult(AA, 2437, ies=ies, signal=-40, caps=0x0011)


@pytest.fixture
def net(tmp_path):
    auth = Authenticator()
    x = Harness(tmp_path, NET, [ap_result(auth)])
    c = x.client()
    c.request("ATTACH")
    yield x, auth, c
    x.close()


def handshake(x, auth):
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    x.driver.deliver_eapol(AA, auth.msg1())
    x.run_until(lambda: x.driver.sent_eapol)
    assert x.iface.wpa_state == states.FOUR_WAY
    auth.take_msg2(x.driver.sent_eapol.pop()[1])
    x.driver.deliver_eapol(AA, auth.msg3())
    auth.take_msg4(x.driver.sent_eapol.pop()[1])


def test_wpa2_psk_completes_with_keys_installed(net):
    x, auth, c = net
    handshake(x, auth)
    assert c.wait_event("CTRL-EVENT-CONNECTED").startswith("CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00")
    kinds = [k.kind for k in x.driver.keys]
    assert kinds == [KEY_PAIRWISE, KEY_GROUP]
    assert x.driver.keys[0].key == auth.tk
    assert x.driver.keys[1].key == auth.gtk
    assert x.driver.port_authorized
    status = dict(l.split("=", 1) for l in c.request("STATUS").splitlines())
    assert (status["key_mgmt"], status["pairwise_cipher"], status["group_cipher"]) == \
        ("WPA2-PSK", "CCMP", "CCMP")


def test_retransmitted_msg3_does_not_reinstall(net):
    x, auth, c = net
    handshake(x, auth)
    c.wait_event("CTRL-EVENT-CONNECTED")
    before = len(x.driver.keys)
    x.driver.deliver_eapol(AA, auth.msg3())
    auth.take_msg4(x.driver.sent_eapol.pop()[1])
    assert len(x.driver.keys) == before


def test_wrong_key_pattern_temp_disables(net):
    x, auth, c = net
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    x.driver.deliver_eapol(AA, auth.msg1())
    x.run_until(lambda: x.driver.sent_eapol)
    # The AP cannot verify message 2 (other passphrase): it gives up with reason 15.
    x.driver.drop_link(reason=15)
    ev = c.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED")
    assert ev == 'CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="home" auth_failures=1 duration=10 reason=WRONG_KEY'
    assert x.iface.nstate(x.iface.config.networks[0]).disabled_until > x.loop.now()
    assert c.request("PING") == "PONG\n"


def test_group_rekey(net):
    x, auth, c = net
    handshake(x, auth)
    c.wait_event("CTRL-EVENT-CONNECTED")
    import os
    auth.gtk = os.urandom(16)
    auth.gtk_idx = 2
    x.driver.deliver_eapol(AA, auth.group_msg1())
    auth.take_group_msg2(x.driver.sent_eapol.pop()[1])
    assert x.driver.keys[-1].kind == KEY_GROUP and x.driver.keys[-1].key == auth.gtk
    assert c.wait_event("WPA: Group rekeying completed")
