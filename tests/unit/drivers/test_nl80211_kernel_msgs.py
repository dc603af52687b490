"""The nl80211 parsers on messages the kernel really sent (Linux 6.1,
mac80211_hwsim; recorded by fixtures/capture_nl80211.py in the testbed): a
split GET_WIPHY dump of 189 parts, GET_INTERFACE, a scan's events and its
GET_SCAN dump with two BSSes.  Checked two ways: against what `iw` said about
the same radio and scan at capture time, and against pyroute2's generic
decoder of the same bytes (the reader wispd used before its own).

The recorded `iw.ciphers` were rewritten once after capture: iw prints a suite
type in decimal ("00-0f-ac:10") and the first capture read it as hex; the
digits are the same, so the rewrite is exact (the capture script reads
decimal since)."""
import json
import struct
import os

import pytest

from nl80211_fixtures import bound_driver
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.nl80211 import wiphy
from wispd.rsn.defs import AKM_PSK, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                       "nl80211_kernel.json")


@pytest.fixture(scope="module")
def kernel():
    with open(FIXTURE) as f:
        d = json.load(f)
    for key in ("get_interface", "get_wiphy", "get_scan", "scan_events"):
        d[key] = [bytes.fromhex(h) for h in d[key]]
    return d


def pyroute2_msg(raw):
    msg = m.nl80211msg(raw)
    msg.decode()
    return msg


def reference_wiphy(raws):
    """parse_wiphy as it was written on pyroute2's decoded messages."""
    index, name, ciphers, akms, freqs, commands, features, max_ssids = (
        None, None, [], [], set(), set(), 0, 0)
    for raw in raws:
        msg = pyroute2_msg(raw)
        get = msg.get_attr
        if index is None and get(m.ATTR + "WIPHY") is not None:
            index = get(m.ATTR + "WIPHY")
        name = get(m.ATTR + "WIPHY_NAME") or name
        ciphers += [c for c in get(m.ATTR + "CIPHER_SUITES") or () if c not in ciphers]
        akms += [c for c in get(m.ATTR + "AKM_SUITES") or () if c not in akms]
        if get(m.ATTR + "MAX_NUM_SCAN_SSIDS") is not None:
            max_ssids = get(m.ATTR + "MAX_NUM_SCAN_SSIDS")
        if get(m.ATTR + "FEATURE_FLAGS") is not None:
            features = get(m.ATTR + "FEATURE_FLAGS")
        for cmd in get(m.ATTR + "SUPPORTED_COMMANDS") or ():
            commands.add(cmd.getvalue() if hasattr(cmd, "getvalue") else cmd)
        for band in get(m.ATTR + "WIPHY_BANDS") or ():
            for freq in band.get_attr("NL80211_BAND_ATTR_FREQS") or ():
                f = freq.get_attr("NL80211_FREQUENCY_ATTR_FREQ")
                if f and freq.get_attr("NL80211_FREQUENCY_ATTR_DISABLED") is None:
                    freqs.add(f)
    return index, name, ciphers, akms, sorted(freqs), commands, features, max_ssids


def test_wiphy_as_iw_saw_it(kernel):
    iw = kernel["iw"]
    info = wiphy.parse_wiphy([m.decode(raw) for raw in kernel["get_wiphy"]])
    assert info.name == iw["phy"]
    assert info.ciphers == iw["ciphers"]
    # iw 5.19 does not list hwsim's S1G band (902-927 MHz); the kernel does.
    assert [f for f in info.freqs if f > 1000] == iw["freqs"]
    # (the list names the commands a driver may lack; scanning is not among them)
    assert {m.CMD_AUTHENTICATE, m.CMD_ASSOCIATE, m.CMD_CONNECT} <= info.commands


def test_wiphy_as_pyroute2_decodes_it(kernel):
    info = wiphy.parse_wiphy([m.decode(raw) for raw in kernel["get_wiphy"]])
    assert (info.index, info.name, info.ciphers, info.akms, info.freqs, info.commands,
            info.features, info.max_scan_ssids) == reference_wiphy(kernel["get_wiphy"])


def test_capabilities_of_the_hwsim_radio(kernel):
    capa = wiphy.capabilities(wiphy.parse_wiphy([m.decode(r) for r in kernel["get_wiphy"]]))
    assert capa.sme and capa.connect and capa.sae and capa.pmf
    assert CIPHER_CCMP in capa.ciphers and CIPHER_BIP_CMAC_128 in capa.ciphers
    assert {AKM_PSK, AKM_SAE} <= set(capa.akms)
    assert capa.max_scan_ssids == 4 and 2437 in capa.freqs


def test_the_driver_binds_with_the_real_dumps(kernel):
    """init's GET_INTERFACE and GET_WIPHY answered with the recorded messages."""
    drv, _ = bound_driver()
    drv.ifindex = None
    drv.cmd.replies[m.CMD_GET_INTERFACE] = [m.decode(kernel["get_interface"][0])]
    drv.cmd.replies[m.CMD_GET_WIPHY] = [m.decode(raw) for raw in kernel["get_wiphy"]]

    class Link:
        index, up, addr, name = kernel["iw"]["ifindex"], True, None, "wlan1"

    class Rtnl:
        def set_linkmode(self, *a):
            pass
    drv.rtnl = Rtnl()
    drv._bind(Link)
    assert drv.wiphy.name == kernel["iw"]["phy"] and drv.capa.sme and not drv.use_connect
    assert drv.mac.hex(":") == kernel["iw"]["mac"]


def test_interface(kernel):
    raw = kernel["get_interface"][0]
    iface = m.parse_interface(m.decode(raw))
    assert iface["ifindex"] == kernel["iw"]["ifindex"] and iface["ifname"] == "wlan1"
    assert iface["mac"].hex(":") == kernel["iw"]["mac"] and iface["iftype"] == m.IFTYPE_STATION
    ref = pyroute2_msg(raw)
    assert iface["wiphy"] == ref.get_attr(m.ATTR + "WIPHY")
    assert m.attrs_of(m.decode(raw))["WDEV"] == ref.get_attr(m.ATTR + "WDEV")


def test_scan_results_as_iw_saw_them(kernel):
    results = [m.parse_bss(m.decode(raw)) for raw in kernel["get_scan"]]
    assert sorted([r.bssid.hex(":"), r.freq] for r in results) == kernel["iw"]["bsses"]
    ssids = {r.ies[2:2 + r.ies[1]] for r in results if r.ies[:1] == b"\0"}
    assert ssids == {b"capture-wpa2", b"capture-open"}
    wpa2 = [r for r in results if b"capture-wpa2" in r.ies][0]
    assert b"\x30" in wpa2.ies and wpa2.caps & 0x10          # RSN element, privacy bit


def test_scan_results_as_pyroute2_decodes_them(kernel):
    for raw in kernel["get_scan"]:
        ours = m.parse_bss(m.decode(raw))
        bss = pyroute2_msg(raw).get_attr(m.ATTR + "BSS")
        get = bss.get_attr
        assert ours.bssid == get("NL80211_BSS_BSSID")
        assert ours.freq == get("NL80211_BSS_FREQUENCY")
        assert ours.signal == get("NL80211_BSS_SIGNAL_MBM") // 100
        assert ours.ies == get("NL80211_BSS_INFORMATION_ELEMENTS")
        assert ours.beacon_ies == (get("NL80211_BSS_BEACON_IES") or b"")
        assert ours.caps == get("NL80211_BSS_CAPABILITY")
        assert ours.beacon_int == get("NL80211_BSS_BEACON_INTERVAL")
        assert ours.tsf == get("NL80211_BSS_TSF") and ours.age_ms == get("NL80211_BSS_SEEN_MS_AGO")


def test_scan_events(kernel):
    cmds = [m.decode(raw)["cmd"] for raw in kernel["scan_events"]]
    assert cmds == [m.CMD_TRIGGER_SCAN, m.CMD_NEW_SCAN_RESULTS]
    for raw in kernel["scan_events"]:
        a = m.attrs_of(m.decode(raw))
        ref = pyroute2_msg(raw)
        assert a["IFINDEX"] == kernel["iw"]["ifindex"]
        assert a["SCAN_FREQUENCIES"] == ref.get_attr(m.ATTR + "SCAN_FREQUENCIES")
        assert 2437 in a["SCAN_FREQUENCIES"]


def test_a_short_attribute_counts_as_absent_not_as_a_crash():
    """A wiphy message whose FEATURE_FLAGS (u32) and MAX_NUM_SCAN_SSIDS (u8)
    carry no payload: the capabilities fall back to their defaults."""
    from nl80211_fixtures import kernel_bytes, nla
    info = wiphy.parse_wiphy([kernel_bytes(m.CMD_NEW_WIPHY, [
        nla(1, struct.pack("=I", 1)), nla(143, b""), nla(43, b"")])])
    capa = wiphy.capabilities(info)
    assert info.features == 0 and capa.max_scan_ssids == 1 and not capa.sae
