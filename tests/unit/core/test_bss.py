"""BssTable: hidden APs, aging, one entry per (BSSID, SSID)."""

import pytest
from hypothesis import given, settings, strategies as st

from wispd.core.bss import BssTable, is_hidden
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


def test_an_ap_that_changes_its_ssid_has_two_entries_that_age_apart():
    added, removed = [], []
    table = BssTable(on_added=added.append, on_removed=removed.append)
    table.update([result(b"old")], [], 0.0)
    # cfg80211 still lists its cached entry with the old name beside the new one.
    cached = ScanResult(BSSID, 2462, ies=b"\x00\x03old", signal=-40, caps=0x0011, age_ms=5000)
    table.update([result(b"new"), cached], [], 10.0)
    assert [(b.id, b.ssid) for b in table] == [(0, b"old"), (1, b"new")]
    assert [b.ssid for b in added] == [b"old", b"new"]
    assert sorted(b.ssid for b in table.fresh()) == [b"new", b"old"]
    assert table.get(BSSID, b"old").last_update == 5.0       # its own age, not the new one's
    assert table.get(BSSID).ssid == b"new"                    # without an SSID: the AP as it is now
    # cfg80211 drops the old entry; two scans of the channel without it age it out.
    table.update([result(b"new")], [2462], 20.0)
    assert len(table) == 2
    table.update([result(b"new")], [2462], 30.0)
    assert [b.ssid for b in table] == [b"new"] and [b.ssid for b in removed] == [b"old"]
    assert table.get(BSSID, b"old") is None and table.get(BSSID).id == 1


def test_keep_protects_the_entry_we_are_connected_to_only():
    table = BssTable()
    table.update([result(b"old")], [], 0.0)
    table.update([result(b"new")], [], 10.0)
    # The AP is out of reach for two scans while we are still connected to it.
    table.update([], [], 20.0, keep=BSSID)
    table.update([], [], 30.0, keep=BSSID)
    assert [b.ssid for b in table] == [b"new"]
    # Named exactly, by its key, any entry can be the one kept.
    table = BssTable()
    table.update([result(b"old")], [], 0.0)
    table.update([result(b"new")], [], 10.0)
    table.update([], [], 20.0, keep=(BSSID, b"old"))
    table.update([], [], 30.0, keep=(BSSID, b"old"))
    assert [b.ssid for b in table] == [b"old"]
    table.flush(keep=(BSSID, b"old"))
    assert len(table) == 1
    table.flush()
    assert len(table) == 0


def test_a_hidden_ap_named_later_keeps_its_entry():
    added = []
    table = BssTable(on_added=added.append)
    table.update([result(b"")], [], 0.0)                     # only its beacon so far
    (bss,) = list(table)
    table.update([result(b""), result(b"hidden-net")], [], 1.0)
    assert list(table) == [bss] and bss.ssid == b"hidden-net" and len(added) == 1
    assert table.get(BSSID, b"hidden-net") is bss and table.get(BSSID, b"") is None
    # Renamed while hidden: the beacon refreshes the newest name's entry only.
    table.update([result(b"renamed")], [], 2.0)
    table.update([result(b"", signal=-70)], [2462], 3.0)
    table.update([result(b"", signal=-71)], [2462], 4.0)
    assert [(b.ssid, b.signal) for b in table] == [(b"renamed", -71)]


AP_ADDRS = [bytes.fromhex("0200000000%02x" % i) for i in range(3)]
SIGHTING = st.tuples(st.sampled_from(AP_ADDRS), st.sampled_from([b"", b"\0\0", b"a", b"b"]),
                     st.integers(0, 120000))        # seen up to 2 min ago


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(SIGHTING, max_size=4), st.sampled_from([None] + AP_ADDRS)),
                max_size=8))
def test_the_table_stays_one_entry_per_bssid_and_ssid(scans):
    table = BssTable()
    for n, (sightings, keep) in enumerate(scans):
        results = [ScanResult(addr, 2412, ies=bytes((0, len(ssid))) + ssid, age_ms=age)
                   for addr, ssid, age in sightings]
        connected = keep is not None and table.get(keep) is not None
        table.update(results, [], 60.0 * n, keep=keep)
        entries = list(table)
        assert len({b.key for b in entries}) == len(entries) == len(table)
        for bss in entries:
            assert table.get(bss.bssid, bss.ssid) is bss
        for addr in AP_ADDRS:
            mine = [b for b in entries if b.bssid == addr]
            assert (table.get(addr) is None) == (not mine)
            # A hidden AP's beacons make one entry, and none beside one with its name.
            unnamed = sum(is_hidden(b.ssid) for b in mine)
            assert unnamed == 0 or mine and unnamed == len(mine) == 1, mine
        for addr, ssid, _age in sightings:
            assert table.get(addr, ssid) is not None or is_hidden(ssid)
        if connected:
            assert table.get(keep) is not None


def test_an_older_sighting_does_not_make_the_entry_older():
    # The probe response is fresh; the beacon cfg80211 lists beside it is old.
    beacon = ScanResult(BSSID, 2462, ies=b"\x00\x00", signal=-90, age_ms=100000)
    for pair in ([result(b"net"), beacon], [beacon, result(b"net")]):
        table = BssTable()
        table.update(pair, [], 200.0)
        (bss,) = list(table)
        assert (bss.ssid, bss.last_update, bss.signal) == (b"net", 200.0, -40)


def test_expiration_settings_bss_expire_age_and_count():
    table = BssTable()
    assert (table.expire_age, table.expire_count) == (180.0, 2)
    table.set_expiration(count=1)
    table.update([result(b"x")], [], 0.0)
    table.update([], [2462], 1.0)               # one miss is enough now
    assert len(table) == 0
    table.set_expiration(age=10)
    assert (table.expire_age, table.expire_count) == (10.0, 1)
    table.update([result(b"x")], [], 0.0)
    table.expire(10.5)
    assert len(table) == 0
    with pytest.raises(ValueError):
        table.set_expiration(age=9)
    with pytest.raises(ValueError):
        table.set_expiration(count=0)
    table.reset_expiration()
    assert (table.expire_age, table.expire_count) == (180.0, 2)


def test_cache_reads_and_aborted_scans_count_no_misses_and_a_search_stays_fresh():
    table = BssTable()
    table.update([result(b"x")], [], 0.0)
    table.update([], None, 1.0)
    table.update([], None, 2.0)
    assert len(table) == 1                      # None: nothing was missed
    # Steps of one search: what the first step saw stays a candidate.
    other = ScanResult(bytes.fromhex("020000000009"), 5180,
                       ies=b"\x00\x01y", signal=-50, caps=0x0011)
    table.update([other], [5180], 3.0, continues=True)
    assert sorted(b.ssid for b in table.fresh()) == [b"y"]      # x was not in this search
    table.update([result(b"x")], [2462], 4.0)
    table.update([other], [5180], 5.0, continues=True)
    assert sorted(b.ssid for b in table.fresh()) == [b"x", b"y"]
    table.update([other], [5180], 6.0)
    assert [b.ssid for b in table.fresh()] == [b"y"]


def test_an_ap_sending_the_same_ies_again_keeps_the_entrys_bytes_and_parse():
    # Issue 14: the entry keeps what it holds when nothing changed (no parse
    # per BSS per scan, no new copy of every entry's IEs each scan).
    ies = bytes((0, 4)) + b"same" + bytes.fromhex("30140100000fac040100000fac040100000fac020000")
    table = BssTable()
    table.update([ScanResult(BSSID, 2462, ies=ies, caps=0x0011, beacon_ies=ies)], [], 1.0)
    (bss,) = list(table)
    held, parsed = bss.ies, bss.elements
    again = bytes(bytearray(ies))                 # equal bytes, another object
    tim = ies + bytes.fromhex("050400010000")      # a beacon's TIM differs scan to scan
    table.update([ScanResult(BSSID, 2462, ies=again, signal=-70, caps=0x0011,
                             beacon_ies=tim)], [], 2.0)
    assert bss.ies is held and bss.elements is parsed and bss.signal == -70
    assert bss.beacon_ies == tim
    # Other IEs: the new bytes, parsed anew.
    changed = bytes((0, 4)) + b"same"
    table.update([ScanResult(BSSID, 2462, ies=changed, caps=0x0001, beacon_ies=changed)],
                 [], 3.0)
    assert bss.ies == changed and bss.elements.rsn is None and bss.flags() == "[ESS]"
    assert bss.beacon_ies is bss.ies
