"""The connection quality monitor over nl80211: the SET_CQM the driver sends,
byte for byte as <linux/nl80211.h> lays it out, and the NOTIFY_CQM events the
kernel sends (built byte by byte, in the order cfg80211 puts the attributes)
turned into SignalChange and BeaconLoss."""
import errno
import struct

import pytest

from nl80211_fixtures import AP, IFINDEX, bound_driver, kernel_bytes, kernel_msg, nla, walk_attrs
from wispd.drivers import events as ev
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.ops import Driver, DriverError
from wispd.platform.eloop import Eloop

# <linux/nl80211.h>: enum nl80211_attrs, enum nl80211_attr_cqm
ATTR_WIPHY, ATTR_IFINDEX, ATTR_MAC, ATTR_CQM, ATTR_WDEV = 1, 3, 6, 94, 153
CQM_RSSI_THOLD, CQM_RSSI_HYST, CQM_RSSI_THRESHOLD_EVENT, CQM_PKT_LOSS_EVENT = 1, 2, 3, 4
CQM_BEACON_LOSS_EVENT, CQM_RSSI_LEVEL = 8, 9
NLA_F_NESTED = 0x8000


def u32(value):
    return struct.pack("=I", value)


def s32(value):
    return struct.pack("=i", value)


def notify_cqm(*cqm, nested_flag=0):
    """NOTIFY_CQM as cfg80211_send_cqm() builds it."""
    return kernel_bytes(m.CMD_NOTIFY_CQM, [
        nla(ATTR_WIPHY, u32(0)), nla(ATTR_IFINDEX, u32(IFINDEX)),
        nla(ATTR_WDEV, struct.pack("=Q", 1)), nla(ATTR_MAC, AP),
        nla(ATTR_CQM | nested_flag, b"".join(cqm))])


def connected_driver():
    drv, events = bound_driver()
    drv.conn.set_associated(AP, 2412)
    return drv, events


# ---------------------------------------------------------------- SET_CQM
def test_set_cqm_sends_one_rssi_threshold_and_hysteresis():
    drv, _ = connected_driver()
    assert drv.set_cqm(-70, 4) is True
    # A synchronous request: an unsupported radio answers before set_cqm returns.
    assert drv.cmd.cmds() == [m.CMD_SET_CQM] and drv.evt.sent == []
    raw = drv.cmd.raw[-1]
    assert struct.unpack_from("=BB", raw, 16) == (m.CMD_SET_CQM, 1)
    top = walk_attrs(raw[20:])
    assert top[ATTR_IFINDEX] == u32(IFINDEX)
    # nl80211_set_cqm() reads the threshold as s32 (or an array of them) and
    # the hysteresis as u32, both inside the nested NL80211_ATTR_CQM.
    assert walk_attrs(top[ATTR_CQM]) == {CQM_RSSI_THOLD: s32(-70), CQM_RSSI_HYST: u32(4)}


def test_set_cqm_zero_turns_the_monitor_off():
    drv, _ = connected_driver()
    assert drv.set_cqm(0, 0) is True
    cqm = walk_attrs(walk_attrs(drv.cmd.raw[-1][20:])[ATTR_CQM])
    assert cqm == {CQM_RSSI_THOLD: s32(0), CQM_RSSI_HYST: u32(0)}


@pytest.mark.parametrize("threshold,hysteresis", [(5, 2), (-70, -1)])
def test_set_cqm_refuses_what_the_kernel_would_refuse(threshold, hysteresis):
    drv, _ = connected_driver()
    with pytest.raises(DriverError) as info:
        drv.set_cqm(threshold, hysteresis)
    assert info.value.errno == errno.EINVAL and drv.cmd.sent == []


def test_set_cqm_on_a_radio_without_cqm_says_so():
    drv, _ = connected_driver()
    drv.cmd.replies[m.CMD_SET_CQM] = errno.EOPNOTSUPP
    assert drv.set_cqm(-70, 4) is False
    drv.cmd.replies[m.CMD_SET_CQM] = errno.ENOLINK
    with pytest.raises(DriverError) as info:
        drv.set_cqm(-70, 4)
    assert info.value.errno == errno.ENOLINK


def test_set_cqm_without_the_interface():
    drv, _ = connected_driver()
    drv.ifindex = None
    with pytest.raises(DriverError) as info:
        drv.set_cqm(-70, 4)
    assert info.value.errno == errno.ENODEV


def test_drivers_without_cqm_decline():
    assert Driver(Eloop(), "wlan0", None).set_cqm(-70, 4) is False


# ---------------------------------------------------------------- NOTIFY_CQM
@pytest.mark.parametrize("nested_flag", [0, NLA_F_NESTED], ids=["noflag", "nested-flag"])
def test_rssi_threshold_events(nested_flag):
    drv, events = connected_driver()
    drv.handle_nl80211(notify_cqm(nla(CQM_RSSI_THRESHOLD_EVENT, u32(0)),
                                  nla(CQM_RSSI_LEVEL, s32(-81)), nested_flag=nested_flag))
    drv.handle_nl80211(notify_cqm(nla(CQM_RSSI_THRESHOLD_EVENT, u32(1)),
                                  nla(CQM_RSSI_LEVEL, s32(-62)), nested_flag=nested_flag))
    assert events == [ev.SignalChange(rssi=-81, low=True), ev.SignalChange(rssi=-62, low=False)]


def test_a_threshold_event_without_its_level_asks_the_station():
    # Kernels before RSSI_LEVEL existed only say which way the signal went.
    drv, events = connected_driver()
    drv.cmd.replies[m.CMD_GET_STATION] = [kernel_msg(m.CMD_GET_STATION, [("STA_INFO", {"attrs": [
        ("NL80211_STA_INFO_SIGNAL", -77)]})])]
    drv.handle_nl80211(notify_cqm(nla(CQM_RSSI_THRESHOLD_EVENT, u32(0))))
    assert events == [ev.SignalChange(rssi=-77, low=True)]
    assert m.attrs_of(drv.cmd.sent[-1])["MAC"] == AP
    drv.cmd.replies[m.CMD_GET_STATION] = errno.ENOENT
    drv.handle_nl80211(notify_cqm(nla(CQM_RSSI_THRESHOLD_EVENT, u32(1))))
    assert events[-1] == ev.SignalChange(rssi=None, low=False)


def test_beacon_loss_events():
    drv, events = connected_driver()
    drv.handle_nl80211(notify_cqm(nla(CQM_BEACON_LOSS_EVENT)))
    # Older kernels: a threshold event with the reserved "beacon loss" value.
    drv.handle_nl80211(notify_cqm(nla(CQM_RSSI_THRESHOLD_EVENT, u32(2))))
    assert events == [ev.BeaconLoss(), ev.BeaconLoss()]


def test_events_wispd_does_not_follow_are_dropped():
    drv, events = connected_driver()
    drv.handle_nl80211(notify_cqm(nla(CQM_PKT_LOSS_EVENT, u32(50))))
    drv.handle_nl80211(notify_cqm())
    assert events == []
