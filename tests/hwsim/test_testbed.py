"""The testbed's own parts: radios hot-plug over hwsim generic netlink, hostapd
helpers (multi-BSS, SAE, transition, vanish)."""
import os
import subprocess

import pytest

from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.radios import wireless_interfaces
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"


def test_radio_hotplug(radios):
    assert radios.ifaces == ["wlan0", "wlan1"]
    radio_id, iface = radios.add_radio()
    assert iface in wireless_interfaces()
    phy = radios.phy(iface)
    assert os.path.exists("/sys/class/ieee80211/%s" % phy)
    radios.del_radio(radio_id)
    assert iface not in wireless_interfaces()
    assert not os.path.exists("/sys/class/ieee80211/%s" % phy)


@pytest.mark.radios(3)
def test_three_radios(radios):
    assert len(radios.ifaces) == 3
    out = subprocess.run(["rfkill", "list"], stdout=subprocess.PIPE, text=True).stdout
    assert out.count("Wireless LAN") == 3


def test_multi_bss_ap(make_ap, make_station):
    ap = make_ap(ap_config("wispd-bss0", security="wpa2", passphrase=PASSPHRASE),
                 bsses=[{"ssid": "wispd-bss1", "wpa": 2, "wpa_key_mgmt": "WPA-PSK",
                         "rsn_pairwise": "CCMP", "wpa_passphrase": "another passphrase"}])
    status = ap.cli("status", iface=ap.ifaces()[1])
    assert "ssid[0]=wispd-bss0" in status and "ssid[1]=wispd-bss1" in status, status
    sta = make_station([network("wispd-bss1", psk="another passphrase", scan_freq=ap.freq)])
    st = sta.wait_connected(timeout=30)
    ap.wait_sta_authorized(sta.mac, iface=ap.ifaces()[1])
    assert sta.mac not in ap.all_sta()
    assert st["ssid"] == "wispd-bss1"
    assert st["bssid"] != ap.bssid
    assert_data_path(ap.ifaces()[1], sta.iface)


def test_wpa3_sae(make_ap, make_station):
    ap = make_ap(ap_config("wispd-sae", security="sae", passphrase=PASSPHRASE))
    sta = make_station([network("wispd-sae", sae_password=PASSPHRASE, key_mgmt="SAE",
                                ieee80211w=2, scan_freq=ap.freq)])
    st = sta.wait_connected(timeout=30)
    ap.wait_sta_authorized(sta.mac)
    assert st["key_mgmt"] == "SAE"
    assert_data_path(ap.iface, sta.iface)


def test_transition_mode_wpa2_client(make_ap, make_station):
    ap = make_ap(ap_config("wispd-trans", security="transition", passphrase=PASSPHRASE))
    sta = make_station([network("wispd-trans", psk=PASSPHRASE, key_mgmt="WPA-PSK",
                                scan_freq=ap.freq)])
    st = sta.wait_connected(timeout=30)
    ap.wait_sta_authorized(sta.mac)
    assert st["key_mgmt"] == "WPA2-PSK"
    assert_data_path(ap.iface, sta.iface)


def test_ap_vanishes(make_ap, make_station):
    ap = make_ap(ap_config("wispd-vanish", security="wpa2", passphrase=PASSPHRASE))
    sta = make_station([network("wispd-vanish", psk=PASSPHRASE, scan_freq=ap.freq)])
    sta.wait_connected(timeout=30)
    ap.vanish()
    # No deauth: the station notices by beacon loss / failed probes.
    ev = sta.wait_event("CTRL-EVENT-DISCONNECTED", timeout=40)
    assert ev is not None, "station never noticed the AP vanished: %s" % sta.events_seen()
