"""Lost netlink events (ENOBUFS): the nl80211 driver asks the kernel instead of
believing what it last heard, and tells the core through the usual events."""
import errno

from nl80211_fixtures import AP, kernel_msg
from test_nl80211_lifecycle import FakeRtnl, link, lifecycle_driver
from wispd.drivers import events as ev
from wispd.drivers.nl80211 import msgs as m
from wispd.platform.rtnl import RTM_NEWLINK


class ResyncRtnl(FakeRtnl):
    """get_link answers with what the kernel has now (None: no such interface)."""

    def __init__(self, current):
        super().__init__()
        self.current = current

    def get_link(self, name=None, index=0):
        return self.current


def resync_driver(current=link(RTM_NEWLINK, 3), associated=True):
    drv, events = lifecycle_driver()
    drv.rtnl = ResyncRtnl(current)
    if associated:
        drv.conn.set_associated(AP, 2412)
    return drv, events


def resync(drv):
    """What the driver does after an overrun: one resync, from the eloop."""
    drv._events_lost()
    drv._events_lost()                  # a burst asks for one resync only
    assert drv.eloop.cancel_timeout(drv._resync) == 1
    drv._resync()


def test_a_lost_deauthentication_is_found_and_reported():
    drv, events = resync_driver()
    drv.cmd.replies[m.CMD_GET_STATION] = errno.ENOENT
    resync(drv)
    assert events == [ev.Disconnected(bssid=AP, reason=0, locally_generated=False,
                                      kind="resync")]
    assert not drv.conn.associated
    get = [s for s in drv.cmd.sent if s["cmd"] == m.CMD_GET_STATION][0]
    assert m.attrs_of(get)["MAC"] == AP


def test_a_link_that_is_still_there_stays():
    drv, events = resync_driver()
    drv.cmd.replies[m.CMD_GET_STATION] = [kernel_msg(m.CMD_GET_STATION, [("MAC", AP)])]
    resync(drv)
    assert events == [] and drv.conn.associated


def test_a_scan_whose_end_was_lost_is_reported_done():
    drv, events = resync_driver(associated=False)
    drv.scanner.running = True
    resync(drv)
    assert events == [ev.ScanDone(freqs=[])] and not drv.scanner.running
    resync(drv)
    assert len(events) == 1


def test_a_removed_interface_found_by_the_resync():
    drv, events = resync_driver()
    drv.rtnl.current = None
    resync(drv)
    assert events == [ev.InterfaceRemoved(ifname="wlan1", ifindex=3)]
    assert not [s for s in drv.cmd.sent if s["cmd"] == m.CMD_GET_STATION]


def test_an_interface_replaced_meanwhile_is_rebound():
    drv, events = resync_driver(current=link(RTM_NEWLINK, 9, addr=b"\x02\0\0\0\x09\0"))
    resync(drv)
    assert [type(e) for e in events] == [ev.InterfaceRemoved, ev.InterfaceAdded]
    assert drv.ifindex == 9


def test_an_interface_taken_down_meanwhile_is_disabled():
    drv, events = resync_driver(current=link(RTM_NEWLINK, 3, flags=0))
    resync(drv)
    assert events == [ev.InterfaceDisabled(reason="ifdown")]


def test_a_scan_without_its_end_event_times_out_into_results():
    from wispd.drivers.ops import ScanParams
    from wispd.drivers.nl80211.scan import SCAN_TIMEOUT
    drv, events = resync_driver(associated=False)
    drv.scan(ScanParams(freqs=[2412]))
    assert drv.eloop.remaining(drv.scanner.timed_out) > SCAN_TIMEOUT - 1
    drv.scanner.timed_out()
    assert events == [ev.ScanDone(freqs=[])] and not drv.scanner.running
    assert not drv.eloop.is_timeout_registered(drv.scanner.timed_out)
    drv.scan(ScanParams(freqs=[2412]))
    drv.handle_nl80211(kernel_msg(m.CMD_NEW_SCAN_RESULTS, []))
    assert events[-1] == ev.ScanDone(freqs=[])
    assert not drv.eloop.is_timeout_registered(drv.scanner.timed_out)



def test_a_scan_dump_is_decoded_one_message_at_a_time():
    # Each dump part becomes a ScanResult as it arrives: when the next part is
    # decoded, the message before it is gone (no list of decoded messages).
    import weakref
    from nl80211_fixtures import kernel_raw
    from wispd.drivers.nl80211 import scan as nlscan
    drv, events = resync_driver(associated=False)
    parts = [kernel_raw(m.CMD_NEW_SCAN_RESULTS, [("BSS", {"attrs": [
        ("NL80211_BSS_BSSID", bytes([2, 0, 0, 0, 9, i])), ("NL80211_BSS_FREQUENCY", 2412),
        ("NL80211_BSS_INFORMATION_ELEMENTS", b"\x00\x01x")]})]) for i in range(5)]
    drv.cmd.replies[m.CMD_GET_SCAN] = parts
    made = []
    real = m.decode

    def decode(raw):
        assert all(ref() is None for ref in made), "an earlier message is still held"
        msg = real(raw)
        if msg.cmd == m.CMD_NEW_SCAN_RESULTS:      # (the socket stand-in decodes requests too)
            made.append(weakref.ref(msg))
        return msg
    nlscan.m.decode = decode
    try:
        results = drv.get_scan_results()
    finally:
        nlscan.m.decode = real
    assert len(made) == 5 and [r.bssid[-1] for r in results] == [0, 1, 2, 3, 4]
    assert drv.cmd.decode is not None and drv.cmd.decode(0x1C, parts[0]) is not None


def test_a_disconnection_during_our_scan_keeps_the_scan():
    # The link and the scan are separate: losing the AP must not make the
    # driver forget a scan whose end event may still be lost.
    from wispd.drivers.ops import ScanParams
    drv, events = resync_driver()
    drv.scan(ScanParams())
    drv.conn.disconnected(4, False, "disconnect")
    assert drv.scanner.running and drv.eloop.is_timeout_registered(drv.scanner.timed_out)
    drv.scanner.timed_out()
    assert events[-1] == ev.ScanDone(freqs=[])
