"""`make demo`, guest side: the real wispd joins a real WPA2 access point.

Two mac80211_hwsim radios; hostapd (WPA2-PSK/CCMP, group rekey every 8 s) on
wlan0; wispd on wlan1 through nl80211.  It prints the live control events,
`wpa_cli status`, the AP's view of the station, and checks the data path with raw
EtherType 0x88b5 frames both ways before and after a group rekey.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hwsimlib.datapath import assert_data_path  # noqa: E402
from hwsimlib.hostapd import HostapdAP, ap_config  # noqa: E402
from hwsimlib.radios import HwsimRadios  # noqa: E402
from hwsimlib.station import Station, network  # noqa: E402

SSID = "wispd-demo"
PASSPHRASE = "correct horse battery"


def say(text):
    print("demo: %s" % text, flush=True)


def main():
    radios = HwsimRadios(2)
    radios.load()
    ap = HostapdAP(radios.ifaces[0], ap_config(SSID, passphrase=PASSPHRASE, group_rekey=8),
                   name="hostapd")
    ap.start()
    say("hostapd up on %s: ssid=%s bssid=%s freq=%d" % (ap.iface, SSID, ap.bssid, ap.freq))
    sta = Station("wispd", radios.ifaces[1], name="wispd")
    t0 = time.monotonic()
    sta.start([network(SSID, psk=PASSPHRASE)])
    st = sta.wait_connected(timeout=60)
    say("wispd COMPLETED %.2f s after start (cold, full scan)" % (time.monotonic() - t0))
    for ev in sta.events_seen():
        print("  event: %s" % ev)
    print(sta.wpa_cli("scan_results"))
    print(sta.wpa_cli("status"))
    ap.wait_sta_authorized(sta.mac)
    flags = ap.all_sta().get(sta.mac, {}).get("flags", "")
    say("hostapd sees %s with flags %s" % (sta.mac, flags))
    assert_data_path(ap.iface, sta.iface)
    say("data path ok (0x88b5 frames AP->STA unicast+broadcast, STA->AP unicast)")
    sta.wait_event("WPA: Group rekeying completed", timeout=30)
    say("group rekey done")
    assert_data_path(ap.iface, sta.iface)
    say("data path ok after the group rekey")
    print(sta.wpa_cli("signal_poll"))
    sta.stop()
    ap.stop()
    say("all good")
    return 0


if __name__ == "__main__":
    sys.exit(main())
