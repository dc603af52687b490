"""The passphrase's PSK is derived while the first scan is in the kernel's
hands (security.prepare_psk through NetworkSearch.scan_in_flight), not between
the AP's message 1 and our message 2 (issue 14: ~0.2 s of CPU under TCG on
the connect's critical path)."""

import pytest

from harness import Harness
from test_rsn_handshake import AA, Authenticator
from wispd.config.wpaconf import parse
from wispd.core import security, states
from wispd.drivers.ops import ScanResult
from wispd.rsn import kdf

PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def fresh_cache():
    kdf.clear_psk_cache()
    yield
    kdf.clear_psk_cache()


def networks(text):
    return parse(text).networks


def test_psk_is_derived_before_the_handshake_starts(tmp_path):
    auth = Authenticator()
    ies = bytes((0, 4)) + b"home" + auth.rsne
    net = 'network={\n\tssid="home"\n\tpsk="%s"\n}\n' % PASSPHRASE
    x = Harness(tmp_path, net, [ScanResult(AA, 2437, ies=ies, signal=-40, caps=0x0011)])
    try:
        seen = []
        x.run_until(lambda: seen.append(x.iface.wpa_state) or x.iface.wpa_state == states.SCANNING)
        # The scan was only triggered: its results are not in yet, the key is.
        assert x.driver.scanning
        assert kdf.psk_derived(PASSPHRASE, b"home") is True
        x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
        assert not x.driver.sent_eapol      # no message 1 yet: nothing waited for the key
    finally:
        x.close()


def test_one_per_call_highest_priority_first_psk_akms_only():
    nets = networks(
        'network={\n\tssid="low"\n\tpsk="aaaaaaaa1"\n\tpriority=1\n}\n'
        'network={\n\tssid="sae"\n\tsae_password="bbbbbbbb"\n\tpsk="bbbbbbbb1"\n'
        '\tkey_mgmt=SAE\n\tpriority=9\n}\n'
        'network={\n\tssid="raw"\n\tpsk=%s\n\tpriority=8\n}\n'
        'network={\n\tssid="high"\n\tpsk="cccccccc1"\n\tpriority=5\n}\n' % ("11" * 32))
    assert security.prepare_psk(nets).ssid_bytes == b"high"
    assert security.prepare_psk(nets).ssid_bytes == b"low"
    assert security.prepare_psk(nets) is None      # SAE has no PBKDF2, raw psk= needs none
    assert kdf.psk_derived("cccccccc1", b"high") and kdf.psk_derived("aaaaaaaa1", b"low")
    assert kdf.psk_derived("bbbbbbbb1", b"sae") is False


def test_a_full_cache_is_left_alone():
    for i in range(kdf._PSK_CACHE_MAX):
        kdf.passphrase_to_psk("passphrase%d" % i, b"other")
    nets = networks('network={\n\tssid="home"\n\tpsk="%s"\n}\n' % PASSPHRASE)
    assert security.prepare_psk(nets) is None
    assert kdf.psk_derived(PASSPHRASE, b"home") is None
    assert all(kdf.psk_derived("passphrase%d" % i, b"other") for i in range(kdf._PSK_CACHE_MAX))
