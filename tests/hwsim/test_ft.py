"""802.11r Fast BSS Transition with FT-PSK (issue 17, item 4): two hostapd APs
of one mobility domain (a1b2) that make PMK-R1 locally from the PSK
(ft_psk_generate_local=1), so no R0KH/R1KH messaging between them is needed.

hostapd runs with -K so that its log holds the FT keys; tests/unit/rsn/test_ft.py
checks wispd's derivations against values captured from such a log.
"""
import os
import time

import pytest
from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"
# hostapd's wpa_auth_logger line for the first message of a 4-way handshake.
MSG1 = "sending 1/4 msg of 4-Way Handshake"
SSID = "wispd-ft"


def _ft_ap(make_ap, iface, channel, nas, r1kh):
    conf = ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=channel,
                     mobility_domain="a1b2", ft_over_ds=0, ft_psk_generate_local=1,
                     nas_identifier=nas, r1_key_holder=r1kh, pmk_r1_push=0,
                     reassociation_deadline=1000)
    conf["wpa_key_mgmt"] = "FT-PSK"
    return make_ap(conf, iface=iface, extra_args=["-K"])


def _log_since(ap, mark):
    with open(ap.log_path, errors="replace") as f:
        f.seek(mark)
        return f.read()


def _wait_connected_to(sta, bssid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ev = sta.wait_event("CTRL-EVENT-CONNECTED", timeout=max(0.1, deadline - time.monotonic()))
        if ev is not None and bssid in ev:
            return ev
    raise AssertionError("no CTRL-EVENT-CONNECTED to %s; events: %s" % (bssid,
                                                                      sta.events_seen()))


@pytest.mark.radios(2)
def test_ft_psk_initial_mobility_domain_association(radios, make_ap, make_station,
                                                    supplicant):
    """key_mgmt=FT-PSK on an FT-PSK AP: the association carries the MDE, the
    4-way derives its PTK from PMK-R1, STATUS shows FT-PSK and data flows."""
    ap = _ft_ap(make_ap, radios.ifaces[0], 1, "nas1.wispd.test", "020000000101")
    sta = make_station([network(SSID, psk=PASSPHRASE, key_mgmt="FT-PSK", scan_freq=2412)],
                       iface=radios.ifaces[1])
    st = sta.wait_connected(timeout=40)
    assert st["bssid"] == ap.bssid
    assert st["key_mgmt"] == "FT-PSK", st
    ap.wait_sta_authorized(sta.mac, timeout=10)
    assert_data_path(ap.iface, sta.iface)
    log = _log_since(ap, 0)
    # hostapd derived the PTK through the FT key hierarchy (wpa_auth_derive_ptk_ft).
    assert "FT: PMK-R1" in log and "FT: PMKR1Name" in log, "no FT key derivation in hostapd log"
    assert MSG1 in log


@pytest.mark.radios(3)
def test_ft_psk_roam_over_the_air(radios, make_ap, make_station, supplicant):
    """ROAM between two FT-PSK APs of one mobility domain: FT authentication,
    a reassociation with the FT MIC, and no 4-way handshake on the new AP."""
    ap1 = _ft_ap(make_ap, radios.ifaces[0], 1, "nas1.wispd.test", "020000000101")
    ap2 = _ft_ap(make_ap, radios.ifaces[1], 6, "nas2.wispd.test", "020000000202")
    sta = make_station([network(SSID, psk=PASSPHRASE, key_mgmt="FT-PSK",
                                scan_freq=[2412, 2437])], iface=radios.ifaces[2])
    st = sta.wait_connected(timeout=40)
    first = ap1 if st["bssid"] == ap1.bssid else ap2
    other = ap2 if first is ap1 else ap1
    first.wait_sta_authorized(sta.mac, timeout=10)
    assert MSG1 in _log_since(first, 0)          # the initial association had its 4-way
    for target in (other, first):
        mark = os.path.getsize(target.log_path)
        assert sta.request("ROAM " + target.bssid).strip() == "OK"
        _wait_connected_to(sta, target.bssid, timeout=30)
        st = sta.wait_connected(timeout=10)
        assert st["bssid"] == target.bssid and st["key_mgmt"] == "FT-PSK", st
        target.wait_sta_authorized(sta.mac, timeout=10)
        assert_data_path(target.iface, sta.iface)
        log = _log_since(target, mark)
        assert "FT authentication" in log or "auth_alg=2" in log, \
            "the target AP logged no FT authentication"
        # No 4-way handshake on the target: hostapd sends no EAPOL-Key message 1.
        assert MSG1 not in log, "a 4-way handshake ran after the FT roam"
    assert [e for e in sta.events_seen() if e.startswith("CTRL-EVENT-DISCONNECTED")] == []
