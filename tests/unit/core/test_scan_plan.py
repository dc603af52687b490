"""The cold-start scan plan through the station, on the fake driver and a
virtual clock: which scans are triggered, in which order, and when the
station stops looking (docs/scan-plan.md).  Order, never timing."""

import pytest

from clock import VirtualEloop, run_until
from fakedriver import FakeDriver, open_bss
from wispd.config.wpaconf import parse
from wispd.core import notify as nt
from wispd.core import states as S
from wispd.core.station import Interface
from wispd.drivers.ops import Capabilities

SUPPORTED = (2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 2467, 2472,
             5180, 5200, 5220, 5240, 5260, 5280, 5300, 5320, 5500, 5745, 5765, 5785, 5805, 5825)


class RadioDriver(FakeDriver):
    """The fake driver with a channel list (nl80211's capa.freqs)."""
    wext = False

    def get_capa(self):
        return Capabilities(sme=True, max_scan_ssids=4, pmf=True, freqs=SUPPORTED,
                            wext=self.wext)


def net(ssid, priority=0, extra=""):
    return 'network={\n\tssid="%s"\n\tkey_mgmt=NONE\n\tpriority=%d\n%s}\n' % (
        ssid, priority, extra)


class Rig:
    def __init__(self, conf, world, cached=(), driver=RadioDriver):
        self.loop = VirtualEloop()
        self.seen = []
        FakeDriver.world = list(world)
        self.iface = Interface(self.loop, "fake0", None, parse(conf, "plan.conf"),
                               self.seen.append)
        self.driver = driver(self.loop, "fake0", self.iface.on_driver_event, {})
        self.driver.cached = list(cached)
        self.iface.driver = self.driver
        self.iface.start()

    def connected(self):
        run_until(self.loop, lambda: self.iface.wpa_state == S.COMPLETED)
        return self.driver.associations[-1].bssid

    def triggers(self):
        return [p.freqs for p in self.driver.scans]


@pytest.fixture(autouse=True)
def clean_world(monkeypatch):
    monkeypatch.setattr(FakeDriver, "world", [])
    monkeypatch.setattr(FakeDriver, "reject_assoc", set())


AP1 = "02:00:00:00:00:01"
AP2 = "02:00:00:00:00:02"
AP3 = "02:00:00:00:00:03"


def test_an_ap_on_channel_11_is_joined_before_5ghz_is_scanned():
    x = Rig(net("cafe"), [open_bss(AP1, b"cafe", freq=2462)])
    assert x.connected() == bytes.fromhex(AP1.replace(":", ""))
    assert x.triggers() == [[2412, 2437, 2462]]


def test_a_5ghz_ap_is_found_in_the_second_step():
    x = Rig(net("cafe"), [open_bss(AP1, b"cafe", freq=5180)])
    x.connected()
    assert x.triggers() == [[2412, 2437, 2462],
                            [5180, 5200, 5220, 5240, 5745, 5765, 5785, 5805]]


def test_fresh_kernel_cache_connects_without_a_scan_stale_one_does_not():
    fresh = open_bss(AP1, b"cafe", freq=2437)
    fresh.age_ms = 800
    x = Rig(net("cafe"), [fresh], cached=[fresh])
    x.connected()
    assert x.triggers() == []
    assert not any(isinstance(n, nt.ScanStarted) for n in x.seen)
    stale = open_bss(AP1, b"cafe", freq=2437)
    stale.age_ms = 20000
    y = Rig(net("cafe"), [open_bss(AP1, b"cafe", freq=2437)], cached=[stale])
    y.connected()
    assert y.triggers() == [[2412, 2437, 2462]]


def test_a_lower_priority_find_waits_for_the_rest_then_the_best_wins():
    conf = net("low", 1) + net("high", 5)
    world = [open_bss(AP1, b"low", freq=2412), open_bss(AP2, b"high", freq=5500)]
    x = Rig(conf, world)
    assert x.connected() == bytes.fromhex(AP2.replace(":", ""))
    assert len(x.triggers()) == 3          # 2.4 common, 5 common, the rest (5500 is there)
    assert 5500 in x.triggers()[-1]


def test_a_lower_priority_find_is_taken_when_nothing_better_exists():
    conf = net("low", 1) + net("high", 5)
    x = Rig(conf, [open_bss(AP1, b"low", freq=2412)])
    assert x.connected() == bytes.fromhex(AP1.replace(":", ""))
    assert len(x.triggers()) == 3          # it had to look everywhere first


def test_the_same_priority_connects_at_once_even_if_a_stronger_bss_is_later():
    world = [open_bss(AP1, b"cafe", freq=2412, signal=-80),
             open_bss(AP2, b"cafe", freq=5180, signal=-30)]
    x = Rig(net("cafe"), world)
    assert x.connected() == bytes.fromhex(AP1.replace(":", ""))   # the trade-off
    assert x.triggers() == [[2412, 2437, 2462]]


def test_hidden_ssid_is_probed_in_every_step():
    hidden = open_bss(AP3, b"secret", freq=5805)
    x = Rig(net("secret", extra="\tscan_ssid=1\n"), [hidden])
    x.connected()
    assert [p.ssids for p in x.driver.scans] == [[b"", b"secret"]] * 2


def test_wext_degrades_to_one_full_scan():
    class Wext(RadioDriver):
        wext = True
    x = Rig(net("cafe"), [open_bss(AP1, b"cafe", freq=5180)], driver=Wext)
    x.connected()
    assert x.triggers() == [[]]


def test_nothing_there_then_the_usual_pacing():
    x = Rig(net("cafe"), [])
    run_until(x.loop, lambda: len(x.driver.scans) >= 5)
    t = x.triggers()
    assert t[0] == [2412, 2437, 2462] and len(t[2]) == len(SUPPORTED) - 11
    assert t[3] == [] and t[4] == []       # full scans from then on (no recent channel)
    assert sum(isinstance(n, nt.NetworkNotFound) for n in x.seen) >= 3


def test_type_only_scan_reports_without_connecting_and_keeps_the_search():
    x = Rig(net("cafe"), [])
    run_until(x.loop, lambda: len(x.driver.scans) >= 4 and not x.iface.radio.pending("scan"))
    FakeDriver.world = [open_bss(AP1, b"cafe", freq=2412)]
    x.iface.scanner.cancel()
    x.iface.request_scan(x.iface.scans.nothing_found(None, x.loop.now()))   # a paced rescan queued
    sid = x.iface.manual_scan(only=True, use_id=True)
    assert sid == 1
    run_until(x.loop, lambda: any(isinstance(n, nt.ScanResults) and n.id == 1 for n in x.seen))
    assert x.iface.wpa_state != S.COMPLETED
    assert any(isinstance(n, nt.ScanStarted) and n.id == 1 for n in x.seen)
    # The displaced rescan comes back and connects.
    x.connected()


def test_manual_scan_busy_and_abort():
    x = Rig(net("cafe"), [])
    run_until(x.loop, lambda: len(x.driver.scans) >= 3 and not x.iface.radio.pending("scan"))
    # A paced rescan waiting does not make SCAN busy; a SCAN not started yet does.
    assert x.iface.scan_pending()
    assert x.iface.manual_scan(use_id=True) == 1
    assert x.iface.manual_scan() is False
    run_until(x.loop, lambda: x.iface.scanner.work is not None)
    assert x.iface.manual_scan() is False
    aborted = []
    x.driver.abort_scan = lambda: aborted.append(1)
    assert x.iface.scanner.abort() is True and aborted == [1]


def test_clear_empties_the_table_and_resets_expiry():
    x = Rig(net("cafe"), [open_bss(AP1, b"cafe", freq=2412)])
    x.connected()
    FakeDriver.world = [open_bss(AP1, b"cafe", freq=2412), open_bss(AP2, b"other", freq=2437)]
    x.iface.manual_scan()
    run_until(x.loop, lambda: len(x.iface.bss) == 2)
    x.iface.bss.set_expiration(age=30, count=5)
    x.iface.scanner.clear()
    # The entry of the BSS we are linked to stays.
    assert [b.bssid for b in x.iface.bss] == [bytes.fromhex(AP1.replace(":", ""))]
    assert (x.iface.bss.expire_age, x.iface.bss.expire_count) == (180.0, 2)
    assert not x.iface.scan_pending()


def test_flush_during_a_scan_reports_it_but_keeps_nothing():
    x = Rig(net("cafe"), [])
    run_until(x.loop, lambda: x.iface.scanner.work is not None)
    FakeDriver.world = [open_bss(AP2, b"other", freq=2412)]
    # The fake driver has no abort: the scan ends normally after the FLUSH.
    x.driver.abort_scan = lambda: None
    x.iface.scanner.clear()
    mark = len(x.seen)
    run_until(x.loop, lambda: any(isinstance(n, nt.ScanResults) for n in x.seen[mark:]))
    assert len(x.iface.bss) == 0
    assert not any(isinstance(n, nt.BssAdded) for n in x.seen[mark:])


@pytest.mark.parametrize("ignore_old", [False, True])
def test_ignore_old_scan_res_keeps_entries_from_before_the_trigger_out(ignore_old):
    old = open_bss(AP2, b"other", freq=2412)
    old.age_ms = 60000                     # the kernel's entry of an AP now gone
    conf = ("ignore_old_scan_res=1\n" if ignore_old else "") + net("cafe")
    x = Rig(conf, [])
    run_until(x.loop, lambda: len(x.driver.scans) >= 3 and not x.iface.radio.pending("scan"))
    FakeDriver.world = [old]
    x.iface.scanner.cancel()
    assert x.iface.manual_scan(only=True, use_id=True) == 1
    run_until(x.loop, lambda: any(isinstance(n, nt.ScanResults) and n.id == 1 for n in x.seen))
    assert len(x.iface.bss) == (0 if ignore_old else 1)


@pytest.mark.parametrize("flag", ["0", "1"])
def test_filter_ssids_keeps_only_configured_ssids(flag):
    conf = "filter_ssids=%s\n" % flag + net("cafe", extra="\tdisabled=1\n")
    x = Rig(conf, [open_bss(AP1, b"cafe", freq=2412), open_bss(AP2, b"other", freq=2412)])
    run_until(x.loop, lambda: x.iface.wpa_state == S.INACTIVE)
    assert sorted(b.ssid for b in x.iface.bss) == ([b"cafe"] if flag == "1"
                                                    else [b"cafe", b"other"])
