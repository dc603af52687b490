"""Issue 17: link monitoring, bgscan, the roam decision and roam execution, on
the fake driver (the kernel side is tests/hwsim/test_roam.py)."""

import pytest

import fakedriver
from wispd.core import bgscan, roam
from wispd.core import notify as nt
from wispd.core import states
from wispd.drivers import events as ev

AP1 = "02:00:00:00:00:01"
AP2 = "02:00:00:00:00:02"
B1 = bytes.fromhex("020000000001")
B2 = bytes.fromhex("020000000002")
NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'


class Bss:
    def __init__(self, bssid, signal):
        self.bssid = bssid
        self.signal = signal
        self.bssid_txt = bssid.hex()


# ---------------------------------------------------------------- bgscan parameters
def test_bgscan_parse():
    assert bgscan.parse(None) is None and bgscan.parse("") is None
    assert bgscan.parse("simple:30:-45:300") == bgscan.BgscanParams(30, -45, 300)
    assert bgscan.parse("simple") == bgscan.BgscanParams(30, 0, 300)
    assert bgscan.parse("simple:5:-40:0").long == 0
    for bad in ("learn:30:-45:300", "simple:x", "simple:0:-40:10", "simple:5:10:10",
                "simple:1:2:3:4"):
        with pytest.raises(ValueError):
            bgscan.parse(bad)


def test_bgscan_config_is_checked(tmp_path):
    from wispd.config.values import ConfigError
    from wispd.config.wpaconf import parse
    c = parse('bgscan="simple:5:-40:0"\nroam_threshold=-40\n'
              'network={\n\tssid="a"\n\tbgscan="simple:1:-50:10"\n}\n', "t")
    assert c.bgscan == "simple:5:-40:0" and c.networks[0].bgscan == "simple:1:-50:10"
    assert c.roam_setting("roam_threshold", -70) == -40
    assert c.roam_setting("roam_min_diff", 0) == 0
    for bad in ('bgscan="learn"\n', 'bgscan="simple:a"\n', "roam_threshold=5\n"):
        with pytest.raises(ConfigError):
            parse(bad, "t")


# ---------------------------------------------------------------- the decision
def test_good_signal_never_roams():
    s = roam.RoamSettings()
    bss, why = roam.choose(B1, -50, [Bss(B2, -20)], s)
    assert bss is None and "good" in why


def test_margin_grows_with_the_signal():
    assert [roam.min_diff(x) for x in (-90, -82, -77, -72, -60)] == [1, 2, 3, 4, 5]
    s = roam.RoamSettings(threshold=-40)
    assert roam.choose(B1, -49, [Bss(B2, -45)], s)[0] is None        # 4 < 5 dB
    assert roam.choose(B1, -49, [Bss(B2, -44)], s)[0].bssid == B2
    assert roam.choose(B1, -49, [Bss(B2, -44)], s, excluded={B2})[0] is None
    s.min_diff = 10
    assert roam.choose(B1, -49, [Bss(B2, -44)], s)[0] is None
    assert roam.choose(B1, -49, [Bss(B1, -10)], s)[0] is None        # the current one
    assert roam.choose(B1, None, [Bss(B2, -10)], s)[0] is None


# ---------------------------------------------------------------- the station
def _connected_to_ap1(h, conf):
    world = [fakedriver.open_bss(AP1, b"cafe", freq=2412, signal=-35),
             fakedriver.open_bss(AP2, b"cafe", freq=2462, signal=-60)]
    x = h(conf, world)
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert x.iface.current_bssid() == B1
    return x, c


def _move_signal(x, s1, s2):
    x.driver.world[:] = [fakedriver.open_bss(AP1, b"cafe", freq=2412, signal=s1),
                         fakedriver.open_bss(AP2, b"cafe", freq=2462, signal=s2)]


def test_low_signal_with_bgscan_roams_without_a_disconnection(h):
    x, c = _connected_to_ap1(h, 'bgscan="simple:1:-40:0"\nroam_threshold=-40\n' + NET)
    assert x.driver.cqm[-1] == (-40, 4)
    _move_signal(x, -49, -30)
    scans = len(x.driver.scans)
    x.iface.on_driver_event(ev.SignalChange(rssi=-49, low=True))
    ev_line = c.wait_event("CTRL-EVENT-SIGNAL-CHANGE")
    assert ev_line == "CTRL-EVENT-SIGNAL-CHANGE above=0 signal=-49 noise=0 txrate=0"
    line = c.wait_event("CTRL-EVENT-CONNECTED")
    assert "Connection to %s completed" % AP2 in line
    assert not any("DISCONNECTED" in e for e in c.events)
    # The roam scan asked for the network's known channels first.
    assert sorted(x.driver.scans[scans].freqs) == [2412, 2462]
    assoc = x.driver.associations[-1]
    assert assoc.bssid == B2 and assoc.prev_bssid == B1
    assert x.iface.wpa_state == states.COMPLETED and x.iface.current_bssid() == B2
    assert x.driver.cqm[-1] == (-40, 4)        # armed again on the new BSS


def test_default_thresholds_do_not_flap_between_good_aps(h):
    x, c = _connected_to_ap1(h, 'bgscan="simple:1:-70:0"\n' + NET)
    _move_signal(x, -55, -30)
    x.iface.on_driver_event(ev.SignalChange(rssi=-55, low=False))
    assert c.request("SCAN") == "OK\n"
    c.wait_event("CTRL-EVENT-SCAN-RESULTS")
    x.run_until(lambda: not x.iface.scan_pending())
    for _ in range(30):
        x.loop.run_once(0.01)
    assert x.iface.current_bssid() == B1 and len(x.driver.associations) == 1


def test_good_signal_means_no_background_scan_timer(h):
    x, c = _connected_to_ap1(h, 'bgscan="simple:1:-40:0"\n' + NET)
    link = x.iface.link
    x.iface.on_driver_event(ev.SignalChange(rssi=-35, low=False))
    assert not x.loop.is_timeout_registered(link.bgscan._due)
    x.iface.on_driver_event(ev.SignalChange(rssi=-45, low=True))
    assert x.loop.is_timeout_registered(link.bgscan._due)


def test_roam_command_there_and_back(h):
    x, c = _connected_to_ap1(h, NET)
    assert c.request("ROAM " + AP2) == "OK\n"
    assert "Connection to %s completed" % AP2 in c.wait_event("CTRL-EVENT-CONNECTED")
    assert c.request("ROAM " + AP1) == "OK\n"
    assert "Connection to %s completed" % AP1 in c.wait_event("CTRL-EVENT-CONNECTED")
    assert not any("DISCONNECTED" in e for e in c.events)
    assert c.request("ROAM 02:00:00:00:00:09") == "FAIL\n"
    assert c.request("ROAM nonsense") == "FAIL\n"


def test_failed_roam_is_a_disconnection_and_the_target_is_held_off(h):
    x, c = _connected_to_ap1(h, NET)
    fakedriver.FakeDriver.reject_assoc = {B2}
    assert c.request("ROAM " + AP2) == "OK\n"
    line = c.wait_event("CTRL-EVENT-DISCONNECTED")
    assert line.startswith("CTRL-EVENT-DISCONNECTED bssid=%s" % AP1), line
    assert B2 in x.iface.link.failed
    fakedriver.FakeDriver.reject_assoc = set()
    c.wait_event("CTRL-EVENT-CONNECTED")


def test_beacon_loss_is_published_and_scans(h):
    x, c = _connected_to_ap1(h, NET)
    scans = len(x.driver.scans)
    x.iface.on_driver_event(ev.BeaconLoss())
    assert c.wait_event("CTRL-EVENT-BEACON-LOSS") == "CTRL-EVENT-BEACON-LOSS "
    x.run_until(lambda: len(x.driver.scans) > scans)
    assert x.driver.scans[scans].freqs == []        # every channel: the AP may be gone


def test_roam_decided_notification_names_both_bsses(h):
    x, c = _connected_to_ap1(h, NET)
    got = []
    x.daemon.subscribe(lambda iface, n: got.append(n))
    assert x.iface.link.roam_command(B2) is None
    x.run_until(lambda: x.iface.current_bssid() == B2 and x.iface.wpa_state == "COMPLETED")
    decided = [n for n in got if isinstance(n, nt.RoamDecided)]
    assert [(n.bssid, n.target, n.reason) for n in decided] == [(B1, B2, "command")]
    assert x.iface.link.roam_command(B2) is None           # already there: nothing to do
    assert "not a known BSS" in x.iface.link.roam_command(b"\x02" * 6)


# ---------------------------------------------------------------- 802.11v
def _btm_request(mode, cands, token=7):
    import struct
    body = bytes((10, 7, token, mode)) + struct.pack("<H", 0) + b"\xff"
    for bssid, channel, pref in cands:
        nr = bssid + struct.pack("<I", 0x8F) + bytes((81, channel, 7, 3, 1, pref))
        body += bytes((52, len(nr))) + nr
    return body


def test_btm_request_moves_to_the_named_candidate(h):
    x, c = _connected_to_ap1(h, NET)
    x.iface.on_driver_event(ev.ActionFrame(src=B1, bssid=B1, freq=2412,
                                           data=_btm_request(1, [(B2, 11, 200)])))
    line = c.wait_event("CTRL-EVENT-CONNECTED")
    assert "Connection to %s completed" % AP2 in line
    assert not any("DISCONNECTED" in e for e in c.events)
    dst, freq, body = x.driver.actions[-1]
    assert (dst, freq) == (B1, 2412) and body == bytes((10, 8, 7, 0, 0)) + B2
    # The candidate's channel was scanned (channel 11 = 2462 MHz).
    assert any(2462 in s.freqs for s in x.driver.scans[1:])


def test_btm_request_without_a_usable_candidate_is_rejected(h):
    x, c = _connected_to_ap1(h, NET)
    x.iface.on_driver_event(ev.ActionFrame(src=B1, bssid=B1, freq=2412,
                                           data=_btm_request(1, [(b"\x02" * 6, 6, 255)])))
    x.run_until(lambda: x.driver.actions)
    assert x.driver.actions[-1][2] == bytes((10, 8, 7, 7, 0))
    assert x.iface.current_bssid() == B1 and len(x.driver.associations) == 1


def test_malformed_or_foreign_btm_requests_are_dropped(h):
    x, c = _connected_to_ap1(h, NET)
    for src, data in ((B1, b"\x0a\x07\x01"), (B2, _btm_request(1, [(B2, 11, 200)])),
                      (B1, b"\x0a\x07\x01\x01\x00\x00\x00\x34\x02ab")):
        x.iface.on_driver_event(ev.ActionFrame(src=src, bssid=src, freq=2412, data=data))
    for _ in range(50):
        x.loop.run_once(0.01)
    assert x.driver.actions == [] and x.iface.current_bssid() == B1


# ---------------------------------------------------------------- bgscan pace (virtual time)
def test_bgscan_pace_follows_the_signal():
    from clock import VirtualEloop, run_for
    loop = VirtualEloop()
    scans = []
    b = bgscan.BackgroundScan(loop, bgscan.BgscanParams(10, -60, 100), lambda: scans.append(
        loop.now()))
    b.start()
    t0 = loop.now()
    run_for(loop, 250)
    assert [round(t - t0) for t in scans] == [100, 200]          # good signal: long pace
    scans.clear()
    b.signal(True)                                                # low: scan now, then short
    run_for(loop, 35)
    assert [round(t - t0) for t in scans] == [250, 260, 270, 280]
    scans.clear()
    b.signal(False)
    run_for(loop, 99)
    assert scans == []
    b.stop()
    run_for(loop, 1000)
    assert scans == []


def test_bgscan_without_long_pace_never_scans_on_a_good_signal():
    from clock import VirtualEloop, run_for
    loop = VirtualEloop()
    scans = []
    b = bgscan.BackgroundScan(loop, bgscan.BgscanParams(5, -40, 0), lambda: scans.append(1))
    b.start()
    run_for(loop, 3600)
    assert scans == [] and not loop.is_timeout_registered(b._due)


def test_compact_roam_op_is_the_same_command(h, tmp_path):
    from compact_daemon import RawClient
    from wispd.control.compact import server as compact
    x, c = _connected_to_ap1(h, NET)
    srv = compact.CompactServer(x.daemon, str(tmp_path / "control"), None)
    try:
        cc = RawClient(srv.path, x)
        assert cc.recv()["type"] == "hello"
        ok = cc.call("roam", {"bssid": AP2})
        assert "error" not in ok, ok
        x.run_until(lambda: x.iface.current_bssid() == B2 and x.iface.wpa_state == "COMPLETED")
        bad = cc.call("roam", {"bssid": "02:00:00:00:00:09"})
        assert bad["error"]["code"] == "roam_failed", bad
        cc.close()
    finally:
        srv.close()
