"""BssTable: hidden APs, aging."""

import pytest

from wispd.core.bss import BssTable
from wispd.drivers.ops import ScanResult

BSSID = bytes.fromhex("020000000000")


def result(ssid_element, signal=-40):
    return ScanResult(BSSID, 2462, ies=bytes((0, len(ssid_element))) + ssid_element,
                      signal=signal, caps=0x0011)


@pytest.mark.parametrize("beacon", [b"", b"\0" * 6])
@pytest.mark.parametrize("order", ["beacon_first", "probe_first"])
def test_hidden_ap_keeps_the_name_from_its_probe_response(beacon, order):
    # cfg80211 lists a hidden AP twice: its beacon (no name) and its probe
    # response (the name); whatever order the dump has, the name must win.
    pair = [result(beacon), result(b"hidden-net")]
    if order == "probe_first":
        pair.reverse()
    table = BssTable()
    table.update(pair, [], 100.0)
    assert [b.ssid for b in table] == [b"hidden-net"]
    # A later scan that only caught the beacon does not forget the name either.
    table.update([result(beacon, signal=-60)], [], 101.0)
    (bss,) = list(table)
    assert bss.ssid == b"hidden-net" and bss.signal == -60


def test_missing_from_two_scans_of_its_channel_expires():
    table = BssTable()
    table.update([result(b"x")], [], 0.0)
    table.update([], [2412], 1.0)          # another channel: not a miss
    assert len(table) == 1
    table.update([], [2462], 2.0)
    table.update([], [], 3.0)
    assert len(table) == 0


def test_only_the_latest_scan_is_fresh():
    table = BssTable()
    table.update([result(b"x")], [], 0.0)
    assert [b.ssid for b in table.fresh()] == [b"x"]
    table.update([], [], 1.0)               # the AP went quiet: kept for aging ...
    assert len(table) == 1
    assert table.fresh() == []              # ... but not offered for joining


@pytest.mark.parametrize("ies", [
    b"\x00\x21" + b"a" * 33,                  # 33 octets: not an SSID
    b"\x01\x01\x82",                          # no SSID element at all
    b"\x00\x08abc",                           # its length runs past the end
    b"\x01\x01\x82\x00\x21" + b"a" * 33,      # too long, and not first
], ids=["too-long", "missing", "truncated", "too-long-later"])
def test_results_without_a_valid_ssid_element_are_ignored(ies):
    # As wpa_supplicant does: such a BSS is no candidate and no scan result
    # (issue 10: a 33-byte SSID cut to 32 would match a 32-byte network).
    table = BssTable()
    table.update([ScanResult(BSSID, 2412, ies=ies, caps=0x0001),
                  ScanResult(b"\x02" + BSSID[1:5] + b"\x01", 2412, ies=b"\x01\x01\x82\x00\x02ok")],
                 [], 0.0)
    assert [b.ssid for b in table] == [b"ok"]
