"""Wiphy capabilities from a split dump, and the interface lifecycle: ifdown/up,
rfkill, an interface that goes away and comes back with a new ifindex and MAC."""
from nl80211_fixtures import FAMILY, OWN, bound_driver, kernel_msg
from wispd.drivers import events as ev
from wispd.rsn.defs import AKM_PSK, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.nl80211.wiphy import capabilities, parse_wiphy
from wispd.platform.rfkill import RfkillMonitor, RfkillSwitch
from wispd.platform.rtnl import IFF_UP, RTM_DELLINK, RTM_NEWLINK, Link


def band(*freqs, disabled=()):
    return {"attrs": [("NL80211_BAND_ATTR_FREQS", [
        {"attrs": [("NL80211_FREQUENCY_ATTR_FREQ", f)] +
         ([("NL80211_FREQUENCY_ATTR_DISABLED", True)] if f in disabled else [])}
        for f in freqs])]}


def wiphy_dump(commands=(m.CMD_AUTHENTICATE, m.CMD_ASSOCIATE, m.CMD_CONNECT),
               features=m.FEATURE_SAE):
    # A split dump: the same wiphy over several messages, each with a part.
    return [
        kernel_msg(m.CMD_NEW_WIPHY, [("WIPHY", 1), ("WIPHY_NAME", "phy1"),
                                     ("MAX_NUM_SCAN_SSIDS", 4)], ifindex=None),
        kernel_msg(m.CMD_NEW_WIPHY, [("WIPHY", 1), ("CIPHER_SUITES",
                                     [0x000FAC01, CIPHER_CCMP, CIPHER_BIP_CMAC_128])],
                   ifindex=None),
        kernel_msg(m.CMD_NEW_WIPHY, [("WIPHY", 1), ("WIPHY_BANDS", [
            band(2412, 2437, 2484, disabled=(2484,)), band(5180)])], ifindex=None),
        kernel_msg(m.CMD_NEW_WIPHY, [("WIPHY", 1), ("SUPPORTED_COMMANDS", list(commands)),
                                     ("FEATURE_FLAGS", features)], ifindex=None),
    ]


def test_parse_split_wiphy_and_capabilities():
    w = parse_wiphy(wiphy_dump())
    assert (w.index, w.name, w.max_scan_ssids) == (1, "phy1", 4)
    assert w.freqs == [2412, 2437, 5180]
    capa = capabilities(w)
    assert capa.sme and capa.connect and capa.sae and capa.pmf
    assert CIPHER_CCMP in capa.ciphers and AKM_PSK in capa.akms and AKM_SAE in capa.akms
    assert capa.max_scan_ssids == 4
    fullmac = capabilities(parse_wiphy(wiphy_dump(commands=(m.CMD_CONNECT,), features=0)))
    assert not fullmac.sme and fullmac.connect and not fullmac.sae


class FakeRtnl:
    def __init__(self):
        self.calls = []
        self.fail_up = None

    def set_up(self, index, up=True):
        self.calls.append(("up", index, up))
        if self.fail_up:
            raise OSError(self.fail_up, "refused")

    def set_linkmode(self, index, dormant, callback=None):
        self.calls.append(("linkmode", index, dormant))

    def set_operstate(self, index, up, callback=None):
        self.calls.append(("operstate", index, up))

    def close(self):
        pass


def link(event, index, flags=IFF_UP, name="wlan1", addr=OWN):
    return Link(event, index, name, flags, addr, None, None)


def lifecycle_driver():
    drv, events = bound_driver()
    drv.rtnl = FakeRtnl()
    drv.wiphy = parse_wiphy(wiphy_dump())
    drv.cmd.replies[m.CMD_GET_INTERFACE] = [kernel_msg(m.CMD_NEW_INTERFACE, [
        ("IFNAME", "wlan1"), ("IFTYPE", m.IFTYPE_STATION), ("MAC", b"\x02\0\0\0\x09\0"),
        ("WIPHY", 1)], ifindex=9)]
    drv.cmd.replies[m.CMD_GET_WIPHY] = wiphy_dump()
    return drv, events


def test_ifdown_and_ifup():
    drv, events = lifecycle_driver()
    drv.handle_link(link(RTM_NEWLINK, 3, flags=0))
    drv.handle_link(link(RTM_NEWLINK, 3, flags=0))
    drv.handle_link(link(RTM_NEWLINK, 3))
    assert events == [ev.InterfaceDisabled(reason="ifdown"), ev.InterfaceEnabled(reason="ifdown")]
    drv.handle_link(link(RTM_NEWLINK, 5, name="eth0"))      # somebody else's
    assert len(events) == 2


def test_rfkill_block_unblock_brings_the_interface_up():
    drv, events = lifecycle_driver()
    drv.handle_rfkill(RfkillSwitch(0, 1, "phy0", 1, 0))       # another radio
    assert events == []
    drv.handle_rfkill(RfkillSwitch(1, 1, "phy1", 1, 0))
    drv.handle_link(link(RTM_NEWLINK, 3, flags=0))           # cfg80211 takes it down
    assert events == [ev.InterfaceDisabled(reason="rfkill")]
    drv.handle_rfkill(RfkillSwitch(1, 1, "phy1", 0, 0))
    assert ("up", 3, True) in drv.rtnl.calls
    assert events == [ev.InterfaceDisabled(reason="rfkill")]  # not before it is up
    drv.handle_link(link(RTM_NEWLINK, 3))
    assert events[-1] == ev.InterfaceEnabled(reason="ifdown")


def test_rfkill_unblock_retries_while_the_kernel_refuses():
    drv, events = lifecycle_driver()
    drv.handle_rfkill(RfkillSwitch(1, 1, "phy1", 1, 0))
    drv.handle_link(link(RTM_NEWLINK, 3, flags=0))
    drv.rtnl.fail_up = 132                                    # ERFKILL
    drv.handle_rfkill(RfkillSwitch(1, 1, "phy1", 0, 0))
    assert drv.eloop.is_timeout_registered(drv._bring_up_retry, 1)
    drv.rtnl.fail_up = None
    drv._bring_up_retry(1)
    assert drv.rtnl.calls.count(("up", 3, True)) == 2


def test_interface_removed_and_back_with_new_index_and_mac():
    drv, events = lifecycle_driver()
    drv.handle_link(link(RTM_DELLINK, 3))
    assert events == [ev.InterfaceRemoved(ifname="wlan1", ifindex=3)]
    assert drv.ifindex is None and drv.get_bssid() is None
    drv.handle_link(link(RTM_NEWLINK, 9, flags=0, addr=b"\x02\0\0\0\x09\0"))
    assert events[-1] == ev.InterfaceAdded(ifname="wlan1", ifindex=9,
                                           addr=b"\x02\0\0\0\x09\0")
    assert drv.ifindex == 9 and drv.get_mac_addr() == b"\x02\0\0\0\x09\0"
    assert ("linkmode", 9, True) in drv.rtnl.calls and ("up", 9, True) in drv.rtnl.calls
    get_if = [s for s in drv.cmd.sent if s["cmd"] == m.CMD_GET_INTERFACE][0]
    assert m.attrs_of(get_if)["IFINDEX"] == 9
    get_wiphy = [s for s in drv.cmd.sent if s["cmd"] == m.CMD_GET_WIPHY][0]
    assert m.attrs_of(get_wiphy)["SPLIT_WIPHY_DUMP"] is True
    assert m.attrs_of(get_wiphy)["WIPHY"] == 1


def test_new_ifindex_without_dellink_counts_as_remove_and_add():
    drv, events = lifecycle_driver()
    drv.handle_link(link(RTM_NEWLINK, 9))
    assert [type(e) for e in events] == [ev.InterfaceRemoved, ev.InterfaceAdded]


def test_station_iftype_is_set_when_needed():
    drv, events = lifecycle_driver()
    drv.cmd.replies[m.CMD_GET_INTERFACE] = [kernel_msg(m.CMD_NEW_INTERFACE, [
        ("IFTYPE", 3), ("MAC", OWN), ("WIPHY", 1)], ifindex=9)]      # AP mode
    drv._bind(link(RTM_NEWLINK, 9))
    assert ("up", 9, False) in drv.rtnl.calls
    set_if = [s for s in drv.cmd.sent if s["cmd"] == m.CMD_SET_INTERFACE][0]
    assert m.attrs_of(set_if)["IFTYPE"] == m.IFTYPE_STATION


def test_connect_param_and_operstate():
    drv, events = lifecycle_driver()
    drv.params = {"connect": "1"}
    drv._bind(link(RTM_NEWLINK, 9))
    assert drv.use_connect
    drv.set_operstate(True)
    drv.set_operstate(False)
    assert drv.rtnl.calls[-2:] == [("operstate", 9, True), ("operstate", 9, False)]


def test_rfkill_monitor_parses_events():
    changes = []
    mon = RfkillMonitor(None, lambda s: changes.append((s.name, s.blocked)), path="/nonexistent/rfkill",
                        name_of=lambda idx: "phy%d" % idx)
    import struct
    ev_ = struct.Struct("=IBBBB")
    mon.feed(ev_.pack(0, 1, 0, 0, 0))            # ADD phy0, unblocked
    mon.feed(ev_.pack(1, 2, 0, 1, 0))            # a Bluetooth switch: ignored
    mon.feed(ev_.pack(0, 1, 2, 1, 0))            # CHANGE: soft blocked
    mon.feed(ev_.pack(0, 1, 2, 1, 1) + b"\0")    # still blocked (hard too): no news
    mon.feed(ev_.pack(0, 1, 2, 0, 0))
    assert changes == [("phy0", False), ("phy0", True),
                                                     ("phy0", False)]
    assert not mon.blocked("phy0") and not mon.blocked("phy9")
    assert FAMILY == 0x1C
