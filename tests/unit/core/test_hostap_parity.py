"""wpa_supplicant 2.10 behaviour that hostap's own hwsim tests check (issue 15),
through the core on the fake driver: a wildcard-SSID network pinned by bssid=
(test_ap_wpa2_psk_wildcard_ssid)."""

import pytest

from harness import Harness
from test_rsn_handshake import AA, Authenticator
from wispd.core import states
from wispd.drivers.ops import ScanResult
from wispd.rsn.kdf import passphrase_to_psk


def _ap(auth, ssid=b"home", bssid=AA):
    ies = bytes((0, len(ssid))) + ssid + auth.rsne
    return ScanResult(bssid, 2437, ies=ies, signal=-40, caps=0x0011)


@pytest.mark.parametrize("ssid_line", ['\tssid=""\n', ""])     # empty, or no ssid at all
def test_wildcard_ssid_with_bssid_joins_that_bss_with_its_ssid(tmp_path, ssid_line):
    # The PMK of a passphrase is salted with the SSID: the AP's, as the network has none.
    auth = Authenticator(pmk=passphrase_to_psk("qwertyuiop", b"home"))
    other = bytes.fromhex("020000000200")
    net = 'network={\n%s\tbssid=02:00:00:00:01:00\n\tpsk="qwertyuiop"\n}\n' % ssid_line
    # The kernel still lists an earlier SSID of the same BSSID (an older sighting).
    stale = _ap(Authenticator(), b"old-ssid")
    stale.age_ms, stale.signal = 1500, -20
    x = Harness(tmp_path, net, [_ap(Authenticator(), b"other", other), stale, _ap(auth)])
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


# --- PMF: the network's ieee80211w, else the global pmf= (wpas_get_ssid_pmf) ---


import fakedriver
from test_rsn_handshake import rsn_ie
from wispd.config import wpaconf
from wispd.core import security
from wispd.drivers.ops import Capabilities
from wispd.rsn import ie as rsnie
from wispd.rsn.defs import AKM_PSK, AKM_SAE

CAPS = Capabilities(sme=True, sae=True, pmf=True)


def _net(body):
    return wpaconf.parse('network={\n\tssid="home"\n%s}\n' % body).networks[0]


@pytest.fixture
def table(tmp_path):
    """A BSS as the core's table holds it, from a scan result's elements."""
    made = []

    def bss(ies_after_ssid, caps=0x0011):
        d = tmp_path / ("t%d" % len(made))
        d.mkdir()
        x = Harness(d, 'network={\n\tssid="elsewhere"\n\tkey_mgmt=NONE\n}\n', [ScanResult(AA, 2437, ies=bytes((0, 4)) + b"home" + ies_after_ssid,
                                              signal=-40, caps=caps)])
        made.append(x)
        x.run_until(lambda: x.iface.bss.get(AA) is not None)
        return x.iface.bss.get(AA)
    yield bss
    for x in made:
        x.close()


def test_open_network_requiring_pmf_refuses_open_ap(table):
    ap = table(b"", caps=0x0001)
    assert security.plan_for(_net("\tkey_mgmt=NONE\n\tieee80211w=2\n"), ap, CAPS) is None
    assert security.plan_for(_net("\tkey_mgmt=NONE\n\tieee80211w=1\n"), ap, CAPS).open
    # The global pmf=2 does not apply to a network that cannot use RSN.
    assert security.plan_for(_net("\tkey_mgmt=NONE\n"), ap, CAPS, global_pmf=2).open


def test_global_pmf_applies_to_network_without_ieee80211w(table):
    ap = table(rsn_ie(AKM_PSK, caps=0x008C))           # MFPC, not MFPR
    net = _net('\tpsk="12345678"\n')
    plan = security.plan_for(net, ap, CAPS, global_pmf=2)
    assert plan.sel.mfp and rsnie.parse_rsn_ie(plan.sel.own_ie).mfpr
    assert ("pmf", 1) in plan.status_fields()           # the AP's MFPR bit, as wpa_supplicant
    assert not security.plan_for(net, ap, CAPS, global_pmf=0).sel.mfp
    # The network's own ieee80211w wins over the global default.
    assert not security.plan_for(_net('\tpsk="12345678"\n\tieee80211w=0\n'), ap, CAPS,
                                 global_pmf=2).sel.mfp
    no_pmf_ap = table(rsn_ie(AKM_PSK, caps=0x000C))
    assert security.plan_for(net, no_pmf_ap, CAPS, global_pmf=2) is None
    assert not security.plan_for(net, no_pmf_ap, CAPS, global_pmf=1).sel.mfp


def test_sae_joins_an_ap_without_pmf_unless_pmf_is_required(table):
    ap = table(rsn_ie(AKM_SAE, caps=0x000C))           # SAE, no MFPC (hostap test_sae_pwe_group_19)
    net = _net('\tkey_mgmt=SAE\n\tsae_password="secret"\n')
    plan = security.plan_for(net, ap, CAPS)
    assert plan.sel.akm == AKM_SAE and not plan.sel.mfp
    assert not rsnie.parse_rsn_ie(plan.sel.own_ie).mfpc
    assert security.plan_for(net, ap, CAPS, global_pmf=2) is None
    assert security.plan_for(_net('\tkey_mgmt=SAE\n\tsae_password="s"\n\tieee80211w=2\n'),
                             ap, CAPS) is None
    # An AP that offers PMF gets it with SAE, even without ieee80211w.
    plan = security.plan_for(net, table(rsn_ie(AKM_SAE, caps=0x008C)), CAPS)
    assert plan.sel.mfp and ("pmf", 1) in plan.status_fields()


def test_sae_network_with_raw_psk_only_is_temp_disabled(tmp_path, monkeypatch):
    # hostap test_sae_missing_password: wpa_supplicant's "No PSK available".
    monkeypatch.setattr(fakedriver.FakeDriver, "get_capa", lambda self: Capabilities(
        sme=True, sae=True, pmf=True, max_scan_ssids=4))
    net = 'network={\n\tssid="home"\n\tkey_mgmt=SAE\n\tpsk=%s\n}\n' % ("46" * 32)
    x = Harness(tmp_path, net, [ScanResult(AA, 2437, ies=bytes((0, 4)) + b"home"
                                           + rsn_ie(AKM_SAE, caps=0x008C), signal=-40, caps=0x0011)])
    try:
        c = x.client()
        c.request("ATTACH")
        assert c.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED") == (
            'CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="home" auth_failures=1 duration=10 '
            'reason=NO_PSK_AVAILABLE')
        assert x.driver.associations == []
        # A network that also allows WPA-PSK uses the raw PSK with WPA-PSK only
        # (none here: this AP offers SAE alone).
        both = _net('\tkey_mgmt=WPA-PSK SAE\n\tpsk=%s\n' % ("46" * 32))
        assert security.plan_for(both, x.iface.bss.get(AA), CAPS) is None
    finally:
        x.close()
