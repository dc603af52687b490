"""set_cqm against the real cfg80211/mac80211: the kernel takes the SET_CQM the
nl80211 driver builds, and its NOTIFY_CQM comes back as SignalChange.

mac80211 watches the averaged beacon signal itself (hwsim has no CQM of its
own) and, after a new setting, reports the side of the threshold the signal is
on: a threshold above the signal gives low, one below it high.
Run inside the testbed:  python tests/hwsim/testbed.py run -- -k nl80211_cqm
"""
import time

import test_nl80211_driver
from hwsimlib.hostapd import ap_config
from test_nl80211_driver import mac_bytes, scan_for

from wispd.drivers import events as ev
from wispd.drivers.ops import AssocParams

harness = test_nl80211_driver.harness       # the fixture: a driver and an eloop, no core


def test_nl80211_cqm_signal_crossing_its_threshold(harness, make_ap):
    ap = make_ap(ap_config("wispd-cqm", security="open", channel=1))
    bssid = mac_bytes(ap.bssid)
    h = harness()
    scan_for(h, [ap.freq], [bssid])
    h.drv.associate(AssocParams(bssid, b"wispd-cqm", ap.freq))
    h.wait_for(ev.Associated)
    rssi = h.drv.signal_poll()["rssi"]

    assert h.drv.set_cqm(min(rssi + 10, -1), 2) is True
    low = h.wait_for(ev.SignalChange, timeout=30)
    assert low.low and abs(low.rssi - rssi) <= 5, (low, rssi)

    assert h.drv.set_cqm(rssi - 20, 2) is True
    high = h.wait_for(ev.SignalChange, timeout=30)
    assert not high.low and abs(high.rssi - rssi) <= 5, (high, rssi)

    h.events.clear()
    assert h.drv.set_cqm(0, 0) is True          # off: no more events
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        h.loop.run_once(max_wait=0.1)
    assert not [e for e in h.events if isinstance(e, ev.SignalChange)], h.events
