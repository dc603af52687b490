"""802.11v BSS Transition Management (issue 17): hostapd_cli BSS_TM_REQ on the
AP the station is with; the station answers (hostapd's BSS-TM-RESP event) and
follows the preferred candidate, or rejects with a reason."""
import time

import pytest
from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"
SSID = "wispd-btm"
CHANNELS = (1, 11)


def _aps(make_ap, radios):
    return [make_ap(ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=ch,
                              bss_transition=1, rrm_neighbor_report=1), iface=radios.ifaces[i])
            for i, ch in enumerate(CHANNELS)]


def _connected(make_station, radios, aps):
    sta = make_station([network(SSID, psk=PASSPHRASE, scan_freq=[ap.freq for ap in aps])],
                       iface=radios.ifaces[2])
    st = sta.wait_connected(timeout=40)
    current = next(ap for ap in aps if ap.bssid == st["bssid"])
    other = next(ap for ap in aps if ap is not current)
    current.wait_sta_authorized(sta.mac, timeout=10)
    return sta, current, other


def _neighbor(ap, channel, pref):
    # BSSID, BSSID information, operating class 81 (2.4 GHz), channel, PHY type 7
    # (HT), then the BSS Transition Candidate Preference subelement.
    return "neighbor=%s,143,81,%d,7,0301%02x" % (ap.bssid, channel, pref)


@pytest.mark.radios(3)
def test_btm_request_moves_the_station(radios, make_ap, make_station, supplicant):
    aps = _aps(make_ap, radios)
    sta, current, other = _connected(make_station, radios, aps)
    channel = CHANNELS[aps.index(other)]
    current.events()
    assert current.cli("BSS_TM_REQ", sta.mac, "pref=1", "disassoc_imminent=1",
                       "disassoc_timer=100", _neighbor(other, channel, 255)) == "OK"
    resp = current.wait_event("BSS-TM-RESP", timeout=20)
    assert resp is not None, "no BSS-TM-RESP; station events: %s" % sta.events_seen()
    assert "status_code=0" in resp and "target_bssid=" + other.bssid in resp, resp
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ev = sta.wait_event("CTRL-EVENT-CONNECTED", timeout=deadline - time.monotonic())
        if ev is not None and other.bssid in ev:
            break
    st = sta.wait_connected(timeout=10)
    assert st["bssid"] == other.bssid
    assert not [e for e in sta.events_seen() if e.startswith("CTRL-EVENT-DISCONNECTED")]
    other.wait_sta_authorized(sta.mac, timeout=10)
    assert_data_path(other.iface, sta.iface)


@pytest.mark.radios(3)
def test_btm_request_without_usable_candidate_is_rejected(radios, make_ap, make_station,
                                                          supplicant):
    aps = _aps(make_ap, radios)
    sta, current, other = _connected(make_station, radios, aps)
    current.events()
    assert current.cli("BSS_TM_REQ", sta.mac, "pref=1",
                       "neighbor=02:00:00:00:77:77,143,81,6,7,0301ff") == "OK"
    resp = current.wait_event("BSS-TM-RESP", timeout=30)
    assert resp is not None, "no BSS-TM-RESP; station events: %s" % sta.events_seen()
    assert "status_code=7" in resp and "target_bssid" not in resp, resp
    assert sta.status()["bssid"] == current.bssid
    assert_data_path(current.iface, sta.iface)
