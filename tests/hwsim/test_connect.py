"""First scenarios: a station connects to hostapd on mac80211_hwsim radios.
Each runs once per configured supplicant (see conftest.py)."""
from hwsimlib.datapath import assert_data_path, assert_no_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"


def _check_associated(ap, sta, st):
    assert st["wpa_state"] == "COMPLETED"
    assert st["bssid"] == ap.bssid
    assert st["ssid"] == ap.conf["ssid"]
    ap.wait_sta_authorized(sta.mac, timeout=10)


def test_open_network(make_ap, make_station):
    ap = make_ap(ap_config("wispd-open", security="open", channel=6))
    # No scan_freq: this one goes through a full scan on purpose.
    sta = make_station([network("wispd-open")])
    st = sta.wait_connected(timeout=60)
    _check_associated(ap, sta, st)
    assert st["key_mgmt"] == "NONE"
    assert ap.wait_event("AP-STA-CONNECTED", 5) == "AP-STA-CONNECTED " + sta.mac
    assert_data_path(ap.iface, sta.iface)


def test_wpa2_psk(make_ap, make_station):
    ap = make_ap(ap_config("wispd-wpa2", security="wpa2", passphrase=PASSPHRASE, channel=1))
    sta = make_station([network("wispd-wpa2", psk=PASSPHRASE, scan_freq=ap.freq)])
    st = sta.wait_connected(timeout=30)
    _check_associated(ap, sta, st)
    assert st["key_mgmt"] == "WPA2-PSK"
    assert st["pairwise_cipher"] == "CCMP" and st["group_cipher"] == "CCMP"
    assert sta.wpa_cli("ping") == "PONG"
    assert_data_path(ap.iface, sta.iface)


def test_wrong_passphrase(make_ap, make_station, supplicant):
    ap = make_ap(ap_config("wispd-wrong", security="wpa2", passphrase=PASSPHRASE, channel=1))
    sta = make_station([network("wispd-wrong", psk="not the passphrase", scan_freq=ap.freq)])
    ev = sta.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED", timeout=40)
    assert ev is not None, "no CTRL-EVENT-SSID-TEMP-DISABLED; events: %s" % sta.events_seen()
    assert "reason=WRONG_KEY" in ev, ev
    assert 'ssid="wispd-wrong"' in ev, ev
    assert sta.status()["wpa_state"] != "COMPLETED"
    assert sta.mac not in ap.all_sta() or "[AUTHORIZED]" not in ap.all_sta()[sta.mac]["flags"]
    assert_no_data_path(ap.iface, sta.iface)


def test_hidden_ssid(make_ap, make_station):
    ap = make_ap(ap_config("wispd-hidden", security="wpa2", passphrase=PASSPHRASE,
                           channel=11, hidden=True))
    sta = make_station([network("wispd-hidden", psk=PASSPHRASE, scan_ssid=1,
                                scan_freq=ap.freq)])
    st = sta.wait_connected(timeout=40)
    _check_associated(ap, sta, st)
    assert_data_path(ap.iface, sta.iface)


def test_ap_restart_reconnects(make_ap, make_station):
    ap = make_ap(ap_config("wispd-restart", security="wpa2", passphrase=PASSPHRASE, channel=1))
    sta = make_station([network("wispd-restart", psk=PASSPHRASE, scan_freq=ap.freq)])
    _check_associated(ap, sta, sta.wait_connected(timeout=30))
    ap.stop()
    ev = sta.wait_event("CTRL-EVENT-DISCONNECTED", timeout=15)
    assert ev is not None, "no CTRL-EVENT-DISCONNECTED after AP stop; events: %s" % (
        sta.events_seen())
    ap.start()
    # No help from the test: the supplicant finds the AP again by itself.
    ev = sta.wait_event("CTRL-EVENT-CONNECTED", timeout=60)
    assert ev is not None, "no reconnect after AP restart; events: %s" % sta.events_seen()
    _check_associated(ap, sta, sta.wait_connected(timeout=10))
    assert_data_path(ap.iface, sta.iface)


def test_group_rekey(make_ap, make_station):
    ap = make_ap(ap_config("wispd-rekey", security="wpa2", passphrase=PASSPHRASE, channel=1,
                           group_rekey=4))
    sta = make_station([network("wispd-rekey", psk=PASSPHRASE, scan_freq=ap.freq)])
    _check_associated(ap, sta, sta.wait_connected(timeout=30))
    assert_data_path(ap.iface, sta.iface, broadcast=False)   # see assert_data_path
    for _ in range(2):
        ev = sta.wait_event("WPA: Group rekeying completed", timeout=20)
        assert ev is not None, "no group rekey; events: %s" % sta.events_seen()
        assert ap.bssid in ev, ev
    assert sta.status()["wpa_state"] == "COMPLETED"
    # Broadcast frames now use the new GTK; unicast keeps working.
    assert_data_path(ap.iface, sta.iface)
