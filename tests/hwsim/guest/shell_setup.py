"""Guest side of `testbed.py shell`: two radios, a WPA2 hostapd on wlan0, a
ready station config for wlan1, and a banner saying how to use them."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hwsimlib import RUN_DIR, log_dir  # noqa: E402
from hwsimlib.hostapd import HostapdAP, ap_config  # noqa: E402
from hwsimlib.radios import HwsimRadios  # noqa: E402
from hwsimlib.station import Station, network  # noqa: E402

SSID = "wispd-shell"
PASSPHRASE = "correct horse battery"

radios = HwsimRadios(int(os.environ.get("WISPD_SHELL_RADIOS", "2")))
radios.load()
ap = HostapdAP(radios.ifaces[0], ap_config(SSID, passphrase=PASSPHRASE), name="hostapd")
ap.start()
ap._close_ctrl()          # keep hostapd running after we exit; drop our sockets
sta = Station("wpa_supplicant", radios.ifaces[1], name="sta")
sta.write_conf([network(SSID, psk=PASSPHRASE, scan_freq=ap.freq)])

rc = os.path.join(RUN_DIR, "shellrc")
with open(rc, "w") as f:
    f.write("""PS1='hwsim:\\w# '
alias bye='sync; echo o > /proc/sysrq-trigger'
export PATH=%(repo)s/.venv/bin:$PATH
cd %(repo)s
""" % {"repo": os.environ.get("WISPD_REPO", "/")})

print("""
================ wispd hwsim shell ================
radios: %(ifaces)s   hostapd (WPA2-PSK) on %(ap)s: ssid=%(ssid)s passphrase="%(pw)s"
  hostapd_cli -p %(apctrl)s -i %(ap)s all_sta      hostapd log: %(aplog)s
station config for %(sta)s: %(conf)s
  wpa_supplicant -i %(sta)s -c %(conf)s -D nl80211 -B
  python -m wispd -i %(sta)s -c %(conf)s -D nl80211
  wpa_cli -p %(stactrl)s -i %(sta)s status
leave with `exit` (powers the VM off); logs/results: %(logs)s
====================================================
""" % {"ifaces": " ".join(radios.ifaces), "ap": ap.iface, "ssid": SSID, "pw": PASSPHRASE,
       "apctrl": ap.ctrl_dir, "aplog": ap.log_path, "sta": sta.iface, "conf": sta.conf_path,
       "stactrl": sta.ctrl_dir, "logs": log_dir()})
