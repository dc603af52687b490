"""Roaming within a network (issue 17): two APs of one ESS on different radios
and channels, a station on a third radio.

mac80211_hwsim reports the sender's transmit power minus 50 dB as the signal,
so `iw dev X set txpower fixed 100` on an AP's radio puts it at -49 dBm and
`fixed 2000` at -30 dBm.  Every signal here is good by wpa_supplicant's rules
(above 25 dB SNR), so the scenarios shared with it give the target AP a real
advantage (HT, a better throughput estimate) and wispd's roam threshold is put
inside the testbed's range (roam_threshold, a wispd key).
"""
import os
import subprocess
import time

import pytest
from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.roaming import disconnections, roam
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"
SSID = "wispd-roam"
# Below -40 dBm: scan every 5 s; above it once an hour (no scan within a test).
BGSCAN = "simple:5:-40:3600"
WISPD_GLOBALS = {"roam_threshold": -40}


def txpower(iface, mbm):
    subprocess.run(["iw", "dev", iface, "set", "txpower", "fixed", str(mbm)], check=True)


def _ap(make_ap, iface, channel, **extra):
    return make_ap(ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=channel,
                             **extra), iface=iface)


def _station(make_station, supplicant, iface, **net):
    return make_station([network(SSID, psk=PASSPHRASE, **net)], iface=iface,
                        global_conf=WISPD_GLOBALS if supplicant == "wispd" else None)


@pytest.mark.radios(3)
def test_roam_when_the_signal_falls(radios, make_ap, make_station, supplicant):
    """AP1's signal falls below the threshold while AP2 (HT) is strong: the
    station moves to AP2 without a CTRL-EVENT-DISCONNECTED, and data flows there."""
    ap1 = _ap(make_ap, radios.ifaces[0], 1)
    txpower(ap1.iface, 2000)
    sta = _station(make_station, supplicant, radios.ifaces[2], bgscan=BGSCAN)
    st = sta.wait_connected(timeout=40)
    assert st["bssid"] == ap1.bssid
    ap2 = _ap(make_ap, radios.ifaces[1], 11, ieee80211n=1)
    txpower(ap2.iface, 2000)
    txpower(ap1.iface, 100)
    sta.wait_connected_to(ap2.bssid, timeout=90)
    st = sta.wait_connected(timeout=10)
    assert st["bssid"] == ap2.bssid and st["ssid"] == SSID
    assert disconnections(sta) == []
    ap2.wait_sta_authorized(sta.mac, timeout=10)
    assert_data_path(ap2.iface, sta.iface)


@pytest.mark.radios(3)
def test_roam_command_there_and_back(radios, make_ap, make_station, supplicant):
    """ROAM <bssid> moves the station to the other AP and back again."""
    ap1 = _ap(make_ap, radios.ifaces[0], 1)
    ap2 = _ap(make_ap, radios.ifaces[1], 6)
    sta = _station(make_station, supplicant, radios.ifaces[2], scan_freq=[2412, 2437])
    st = sta.wait_connected(timeout=40)
    first = st["bssid"]
    other = ap2 if first == ap1.bssid else ap1
    back = ap1 if other is ap2 else ap2
    for target in (other, back):
        roam(sta, target)
    assert disconnections(sta) == []
    assert sta.request("ROAM 02:00:00:00:00:99").strip() == "FAIL"
    # SIGNAL_POLL carries the averaged signal (AVG_RSSI) as wpa_supplicant's does.
    poll = dict(line.split("=", 1) for line in sta.request("SIGNAL_POLL").splitlines()
                if "=" in line)
    assert -60 < int(poll["AVG_RSSI"]) < 0 and -60 < int(poll["RSSI"]) < 0, poll


@pytest.mark.radios(2)
@pytest.mark.supplicants("wispd")
def test_steady_signal_means_no_wakeups(radios, make_ap, make_station, supplicant):
    """A strong, steady signal with bgscan configured: the daemon sleeps.  Its
    wake-ups are its voluntary context switches (every return from poll() is one)."""
    ap = _ap(make_ap, radios.ifaces[0], 1)
    txpower(ap.iface, 2000)
    sta = _station(make_station, supplicant, radios.ifaces[1], bgscan=BGSCAN)
    sta.wait_connected(timeout=40)
    time.sleep(5)                 # the connection's own follow-ups settle
    path = "/proc/%d/status" % sta.proc.pid

    def switches():
        with open(path) as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    return int(line.split()[1])
        raise AssertionError("no voluntary_ctxt_switches in %s" % path)
    before = switches()
    time.sleep(60)
    woke = switches() - before
    assert woke == 0, "wispd woke %d times in 60 s with a steady signal" % woke


@pytest.mark.radios(3)
def test_roam_back_to_a_sae_ap_uses_its_pmksa(radios, make_ap, make_station, supplicant):
    """ROAM to a second SAE AP runs SAE there; ROAM back finds the first AP's PMKSA
    and skips SAE: hostapd's log shows an open authentication and the PMKID found
    (its STA entry may outlive the roam, so its sae_group says nothing)."""
    aps = [make_ap(ap_config(SSID, security="sae", passphrase=PASSPHRASE, channel=ch),
                   iface=radios.ifaces[i]) for i, ch in enumerate((1, 6))]
    sta = make_station([network(SSID, sae_password=PASSPHRASE, key_mgmt="SAE", ieee80211w=2,
                                scan_freq=[2412, 2437])], iface=radios.ifaces[2])
    st = sta.wait_connected(timeout=40)
    first = next(ap for ap in aps if ap.bssid == st["bssid"])
    other = next(ap for ap in aps if ap is not first)
    assert first.wait_sta_authorized(sta.mac).get("sae_group") == "19"
    for target, sae in ((other, True), (first, False)):
        mark = os.path.getsize(target.log_path)
        assert sta.request("ROAM " + target.bssid).strip() == "OK"
        sta.wait_connected_to(target.bssid, timeout=30)
        st = sta.wait_connected(timeout=10)
        assert st["bssid"] == target.bssid and st["key_mgmt"] == "SAE", st
        target.wait_sta_authorized(sta.mac, timeout=10)
        with open(target.log_path, errors="replace") as f:
            f.seek(mark)
            log = f.read()
        sae_auth = "authentication: STA=%s auth_alg=3" % sta.mac
        assert (sae_auth in log) == sae, log[-3000:]
        if not sae:
            assert "PMKID found from PMKSA cache" in log, log[-3000:]
        assert_data_path(target.iface, sta.iface)
    assert disconnections(sta) == []
