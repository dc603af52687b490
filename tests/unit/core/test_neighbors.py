"""802.11k neighbor reports on the fake driver (issue 17): the request after each
connection, NEIGHBOR_REP_REQUEST and its events, hostile answers, and the roam
scan asking for the neighbors' channels first (the kernel side is
tests/hwsim/test_neighbor.py)."""

import struct

import fakedriver
from wispd.core import neighbors as nb
from wispd.drivers import events as ev
from wispd.drivers.ops import ScanResult

AP1 = "02:00:00:00:00:01"
AP2 = "02:00:00:00:00:02"
B1 = bytes.fromhex("020000000001")
B2 = bytes.fromhex("020000000002")
B3 = bytes.fromhex("020000000003")
NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'
RM_NEIGHBOR = bytes((70, 5, 0x02, 0, 0, 0, 0))


def rm_bss(bssid, freq, signal, rm=True):
    """An open AP; rm: it advertises neighbor reports (RM element, capability bit 12)."""
    ies = b"\x00\x04cafe" + bytes((1, 4)) + b"\x82\x84\x8b\x96" + (RM_NEIGHBOR if rm else b"")
    return ScanResult(bytes.fromhex(bssid.replace(":", "")), freq, ies=ies, signal=signal,
                      caps=0x1001 if rm else 0x0001)


def report(token, *neighbors):
    body = bytes((5, 5, token))
    for bssid, op_class, channel in neighbors:
        nr = bssid + struct.pack("<I", 0x8F) + bytes((op_class, channel, 7))
        body += bytes((52, len(nr))) + nr
    return body


def _connected(h, conf=NET, rm=True):
    x = h(conf, [rm_bss(AP1, 2412, -35, rm)])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    return x, c


def _answer(x, data, src=B1):
    x.iface.on_driver_event(ev.ActionFrame(src=src, bssid=src, freq=2412, data=data))


def test_each_connection_asks_its_ap_with_the_ssid(h):
    x, c = _connected(h)
    assert x.driver.actions == [(B1, 2412, b"\x05\x04\x01\x00\x04cafe")]
    _answer(x, report(1, (B2, 81, 6), (B3, 115, 36)))
    assert x.iface.neighbors.freqs() == [2437, 5180]
    # The automatic request's answer is kept, not published (wpa_supplicant has none).
    c.drain()
    assert c.events and not any("RRM-" in e for e in c.events)


def test_no_request_to_an_ap_without_neighbor_reports(h):
    x, c = _connected(h, rm=False)
    assert x.driver.actions == []
    assert c.request("NEIGHBOR_REP_REQUEST") == "FAIL\n"


def test_command_publishes_each_neighbor(h):
    x, c = _connected(h)
    _answer(x, report(1))                                    # the automatic one: empty
    assert c.request("NEIGHBOR_REP_REQUEST") == "OK\n"
    assert x.driver.actions[-1] == (B1, 2412, b"\x05\x04\x02")    # no ssid=: no SSID element
    _answer(x, report(2, (B2, 81, 11), (B3, 81, 6)))
    assert c.wait_event("RRM-NEIGHBOR-REP-RECEIVED") == (
        "RRM-NEIGHBOR-REP-RECEIVED bssid=%s info=0x8f op_class=81 chan=11 phy_type=7" % AP2)
    assert "chan=6" in c.wait_event("RRM-NEIGHBOR-REP-RECEIVED")
    assert x.iface.neighbors.freqs() == [2462, 2437]
    assert c.request('NEIGHBOR_REP_REQUEST ssid="other"') == "OK\n"
    assert x.driver.actions[-1][2] == b"\x05\x04\x03\x00\x05other"
    assert c.request("NEIGHBOR_REP_REQUEST") == "FAIL\n"          # one at a time
    _answer(x, report(3))
    assert c.wait_event("RRM-NEIGHBOR-REP-REQUEST-FAILED") == "RRM-NEIGHBOR-REP-REQUEST-FAILED "
    assert c.request("NEIGHBOR_REP_REQUEST ssid=636166") == "OK\n"
    assert x.driver.actions[-1][2] == b"\x05\x04\x04\x00\x03caf"
    for bad in ("ssid=zz", 'ssid="open', "ssid=" + "61" * 33):
        assert c.request("NEIGHBOR_REP_REQUEST " + bad) == "FAIL\n", bad


def test_silence_hostile_and_foreign_answers(h):
    x, c = _connected(h)
    _answer(x, report(1, (B2, 81, 6)))
    assert c.request("NEIGHBOR_REP_REQUEST") == "OK\n"
    _answer(x, report(2, (B3, 81, 1)), src=B2)               # not our AP
    _answer(x, report(9, (B3, 81, 1)))                       # not our token
    _answer(x, b"\x05\x05")                                  # no token
    assert x.iface.neighbors.pending is not None
    _answer(x, b"\x05\x05\x02\x34\x02ab")                    # malformed element
    assert c.wait_event("RRM-NEIGHBOR-REP-REQUEST-FAILED")
    assert x.iface.neighbors.freqs() == [2437]               # the good answer is kept
    assert c.request("NEIGHBOR_REP_REQUEST") == "OK\n"
    c.wait_event("RRM-NEIGHBOR-REP-REQUEST-FAILED", timeout=nb.RESPONSE_TIMEOUT + 2)
    assert x.iface.wpa_state == "COMPLETED"


def test_disconnection_forgets_the_neighbors(h):
    x, c = _connected(h)
    _answer(x, report(1, (B2, 81, 6)))
    assert c.request("NEIGHBOR_REP_REQUEST") == "OK\n"
    assert c.request("DISCONNECT") == "OK\n"
    assert c.wait_event("RRM-NEIGHBOR-REP-REQUEST-FAILED")
    assert x.iface.neighbors.freqs() == []
    assert c.request("NEIGHBOR_REP_REQUEST") == "FAIL\n"


def test_roam_scan_asks_for_the_neighbors_channels_first(h):
    x, c = _connected(h, 'roam_threshold=-40\n' + NET)
    # AP2 is up on a channel the table never saw the network on; the AP names it.
    _answer(x, report(1, (B2, 81, 11), (B3, 81, 4)))
    x.driver.world[:] = [rm_bss(AP1, 2412, -49), rm_bss(AP2, 2462, -30)]
    scans = len(x.driver.scans)
    x.iface.on_driver_event(ev.SignalChange(rssi=-49, low=True))
    assert "Connection to %s completed" % AP2 in c.wait_event("CTRL-EVENT-CONNECTED")
    assert sorted(x.driver.scans[scans].freqs) == [2412, 2427, 2462]
    assert not any("DISCONNECTED" in e for e in c.events)
    # The new AP is asked for its own neighbors; the old AP's are forgotten.
    assert x.driver.actions[-1] == (B2, 2462, b"\x05\x04\x02\x00\x04cafe")
    assert x.iface.neighbors.freqs() == []


def test_compact_op_is_the_same_command(h, tmp_path):
    from compact_daemon import RawClient
    from wispd.control.compact import server as compact
    x, c = _connected(h)
    srv = compact.CompactServer(x.daemon, str(tmp_path / "control"), None)
    try:
        cc = RawClient(srv.path, x)
        assert cc.recv()["type"] == "hello"
        _answer(x, report(1))
        ok = cc.call("neighbor_report", {"params": "ssid=\"cafe\""})
        assert "error" not in ok, ok
        assert x.driver.actions[-1][2] == b"\x05\x04\x02\x00\x04cafe"
        bad = cc.call("neighbor_report", {})
        assert bad["error"]["code"] == "neighbor_report_failed", bad
        cc.close()
    finally:
        srv.close()


def test_roam_scan_then_the_rest_when_the_first_channels_offer_nothing(h):
    x, c = _connected(h, 'roam_threshold=-40\n' + NET)
    _answer(x, report(1, (B3, 81, 4)))
    # The better AP is on a channel neither the table nor the neighbor report knows.
    x.driver.world[:] = [rm_bss(AP1, 2412, -49), rm_bss(AP2, 2462, -30)]
    scans = len(x.driver.scans)
    x.iface.on_driver_event(ev.SignalChange(rssi=-49, low=True))
    assert "Connection to %s completed" % AP2 in c.wait_event("CTRL-EVENT-CONNECTED")
    assert [sorted(s.freqs) for s in x.driver.scans[scans:scans + 2]] == [[2412, 2427], []]


def test_no_wider_scan_while_the_signal_is_good(h):
    x, c = _connected(h, 'roam_threshold=-40\n' + NET)
    _answer(x, report(1, (B3, 81, 4)))
    scans = len(x.driver.scans)
    x.iface.link.roam_scan()                      # e.g. a bgscan tick on a good link
    x.run_until(lambda: len(x.driver.scans) > scans and not x.iface.scan_pending())
    for _ in range(30):
        x.loop.run_once(0.01)
    assert [sorted(s.freqs) for s in x.driver.scans[scans:]] == [[2412, 2427]]
