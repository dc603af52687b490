"""The nl80211 driver on its own, against the real cfg80211/mac80211 and hostapd.

No core here: each test drives Nl80211Driver and an Eloop directly and checks
the typed events, the driver's answers, and what `iw` says the kernel did.
Run inside the testbed:  python tests/hwsim/testbed.py run -- -k nl80211_driver
"""
import re
import subprocess
import time

import pytest

from hwsimlib.hostapd import ap_config

from wispd.drivers import events as ev
from wispd.drivers.ops import AUTH_OPEN, AssocParams, ScanParams
from wispd.rsn.defs import CIPHER_BIP_CMAC_128, CIPHER_CCMP
from wispd.drivers.nl80211.driver import Nl80211Driver
from wispd.platform.eloop import Eloop

STA = "wlan1"


def mac_bytes(text):
    return bytes.fromhex(text.replace(":", ""))


def ies_of(data):
    out = {}
    i = 0
    while i + 2 <= len(data):
        eid, ln = data[i], data[i + 1]
        out.setdefault(eid, bytes(data[i + 2:i + 2 + ln]))
        i += 2 + ln
    return out


def sh(*args):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True).stdout


class Harness:
    def __init__(self, ifname=STA, params=None):
        self.loop = Eloop()
        self.events = []
        self.drv = Nl80211Driver(self.loop, ifname, self.events.append, params or {})

    def wait_for(self, kind, timeout=15.0, pred=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if isinstance(e, kind) and (pred is None or pred(e)):
                    self.events.remove(e)
                    return e
            self.loop.run_once(max_wait=0.1)
        raise AssertionError("no %s within %.0f s; events: %r"
                             % (kind.__name__, timeout, self.events))

    def close(self):
        self.drv.deinit()
        self.loop.close()


@pytest.fixture
def harness(radios):
    made = []

    def factory(**kw):
        h = Harness(**kw)
        made.append(h)
        h.drv.init()
        return h
    yield factory
    for h in made:
        h.close()


def scan_for(h, freqs, want_bssids):
    h.drv.scan(ScanParams(ssids=[b""], freqs=freqs))
    h.wait_for(ev.ScanStarted)
    h.wait_for(ev.ScanDone)
    results = {r.bssid: r for r in h.drv.get_scan_results()}
    missing = [b for b in want_bssids if b not in results]
    assert not missing, "not in scan results: %r (got %r)" % (missing, list(results))
    return results


def test_nl80211_driver_init_capabilities(harness, radios):
    h = harness()
    capa = h.drv.get_capa()
    assert capa.sme and capa.connect
    assert CIPHER_CCMP in capa.ciphers
    assert CIPHER_BIP_CMAC_128 in capa.ciphers and capa.pmf
    assert 2412 in capa.freqs and 2437 in capa.freqs
    assert capa.max_scan_ssids >= 1
    assert h.drv.get_mac_addr() == mac_bytes(radios.mac(STA))
    info = sh("iw", "dev", STA, "info")
    assert "type managed" in info, info
    assert "UP" in sh("ip", "link", "show", STA).split(">")[0]


def test_nl80211_driver_scan_open_and_wpa2(harness, make_ap):
    ap = make_ap(ap_config("wispd-open", security="open", channel=6),
                 bsses=[{"ssid": "wispd-wpa2", "wpa": 2, "wpa_key_mgmt": "WPA-PSK",
                         "rsn_pairwise": "CCMP", "wpa_passphrase": "correct horse battery"}])
    st = ap.status()
    bssids = [mac_bytes(st["bssid[0]"]), mac_bytes(st["bssid[1]"])]
    h = harness()
    results = scan_for(h, [ap.freq], bssids)
    open_r, wpa2_r = results[bssids[0]], results[bssids[1]]
    for r, ssid in ((open_r, b"wispd-open"), (wpa2_r, b"wispd-wpa2")):
        assert r.freq == ap.freq == 2437
        assert ies_of(r.ies)[0] == ssid
        assert -100 < r.signal < 0
        assert r.beacon_int == 100
        assert r.age_ms < 10000
        assert not r.associated
    assert 48 not in ies_of(open_r.ies)
    rsn = ies_of(wpa2_r.ies)[48]
    assert rsn[:2] == b"\x01\x00" and b"\x00\x0f\xac\x04" in rsn and b"\x00\x0f\xac\x02" in rsn
    assert wpa2_r.caps & 0x10          # privacy
    assert not open_r.caps & 0x10


@pytest.mark.parametrize("path", ["auth_assoc", "connect"])
def test_nl80211_driver_connect_open(harness, make_ap, path):
    ap = make_ap(ap_config("wispd-open", security="open", channel=1))
    bssid = mac_bytes(ap.bssid)
    h = harness(params={"connect": "1"} if path == "connect" else {})
    assert h.drv.use_connect == (path == "connect")
    scan_for(h, [ap.freq], [bssid])
    h.drv.associate(AssocParams(bssid, b"wispd-open", ap.freq, auth_alg=AUTH_OPEN))
    if path == "auth_assoc":
        auth = h.wait_for(ev.Authenticated)
        assert auth.bssid == bssid and auth.status == 0
    assoc = h.wait_for(ev.Associated)
    assert assoc.bssid == bssid and assoc.freq == ap.freq
    link = sh("iw", "dev", STA, "link")
    assert "Connected to %s" % ap.bssid.lower() in link, link
    assert "SSID: wispd-open" in link
    assert h.drv.get_bssid() == bssid and h.drv.get_ssid() == b"wispd-open"
    h.drv.set_operstate(True)

    poll = h.drv.signal_poll()
    assert isinstance(poll["rssi"], int) and -100 < poll["rssi"] < 0, poll
    assert poll["frequency"] == ap.freq
    assert poll["linkspeed"] > 0
    assert poll["width"].startswith("20 MHz")

    h.drv.deauthenticate(bssid, 3)
    gone = h.wait_for(ev.Disconnected)
    assert gone.bssid == bssid and gone.locally_generated and gone.reason == 3
    assert not [e for e in h.events if isinstance(e, ev.Disconnected)], h.events
    assert "Not connected" in sh("iw", "dev", STA, "link")


def test_nl80211_driver_ap_deauth_reported(harness, make_ap):
    ap = make_ap(ap_config("wispd-open", security="open", channel=1))
    bssid = mac_bytes(ap.bssid)
    h = harness()
    scan_for(h, [ap.freq], [bssid])
    h.drv.associate(AssocParams(bssid, b"wispd-open", ap.freq))
    h.wait_for(ev.Associated)
    ap.cli("deauthenticate", h.drv.get_mac_addr().hex(":"))
    gone = h.wait_for(ev.Disconnected)
    assert gone.bssid == bssid and not gone.locally_generated


def _rfkill_id(phy):
    out = sh("rfkill", "list")
    m = re.search(r"^(\d+): %s:" % phy, out, re.M)
    assert m, out
    return m.group(1)


def test_nl80211_driver_rfkill(harness, radios):
    h = harness()
    idx = _rfkill_id(radios.phy(STA))
    sh("rfkill", "block", idx)
    h.wait_for(ev.InterfaceDisabled)
    sh("rfkill", "unblock", idx)
    h.wait_for(ev.InterfaceEnabled)
    assert "UP" in sh("ip", "link", "show", STA).split(">")[0]
    assert not [e for e in h.events if isinstance(e, (ev.InterfaceDisabled,
                                                      ev.InterfaceEnabled))], h.events
    # and the radio works again
    h.drv.scan(ScanParams(ssids=[b""], freqs=[2412]))
    h.wait_for(ev.ScanDone)


def test_nl80211_driver_ifdown_ifup(harness):
    h = harness()
    sh("ip", "link", "set", STA, "down")
    h.wait_for(ev.InterfaceDisabled, pred=lambda e: e.reason == "ifdown")
    sh("ip", "link", "set", STA, "up")
    h.wait_for(ev.InterfaceEnabled)


def test_nl80211_driver_waits_for_interface(harness, radios):
    radio_id, iface = radios.add_radio()
    radios.del_radio(radio_id)
    h = harness(ifname=iface)
    assert h.drv.ifindex is None
    radio_id, iface2 = radios.add_radio()
    assert iface2 == iface
    added = h.wait_for(ev.InterfaceAdded)
    assert added.ifname == iface and added.addr == mac_bytes(radios.mac(iface))
    assert h.drv.get_capa().sme
    radios.del_radio(radio_id)
    removed = h.wait_for(ev.InterfaceRemoved)
    assert removed.ifindex == added.ifindex
