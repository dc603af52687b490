"""Beacon and probe-response IEs through ies.parse and the BssTable (Bss.update),
then every consumer of the parse: the flags column, SCAN_RESULTS and BSS text
replies, the compact typed BSS and security.plan_for.

Properties: nothing raises; the parse agrees with a plain element walk written
here (first copy of an element wins, truncation is noted); the text replies
stay one record per BSS (no tab or newline smuggled in from an SSID) and the
typed result packs as msgpack."""

import msgpack
from hypothesis import strategies as st

from fuzzlib import Target, mutated
from wispd.config import model as wconfig
from wispd.core import elements as ies, security
from wispd.core.bss import BssTable, is_hidden
from wispd.control.wpactrl import reply
from wispd.control.compact import typed
from wispd.drivers.ops import Capabilities, ScanResult

BSSID = bytes.fromhex("020000000001")

# Networks plan_for weighs the BSS against: open, WPA2-PSK, SAE, PMF required.
_NETWORKS = []
for _fields in ({"ssid": '"cafe"', "key_mgmt": "NONE"},
                {"ssid": '"home"', "psk": '"correct horse"'},
                {"ssid": '"wpa3"', "key_mgmt": "SAE WPA-PSK", "sae_password": '"secret"',
                 "psk": '"secret12"', "ieee80211w": "2"}):
    _net = wconfig.Network(len(_NETWORKS))
    for _k, _v in _fields.items():
        _net.set(_k, _v)
    _NETWORKS.append(_net)
_CAPS = (None, Capabilities(sae=True, pmf=True), Capabilities(wext=True))


def walk(data):
    """The element walk, independently: {eid: first body}, complete."""
    first, pos = {}, 0
    while pos + 2 <= len(data):
        length = data[pos + 1]
        if pos + 2 + length > len(data):
            return first, False
        first.setdefault(data[pos], data[pos + 2:pos + 2 + length])
        pos += 2 + length
    return first, pos == len(data)


def elements(draw_from):
    """Free-form IE runs: elements with the ids wispd looks at, any lengths."""
    eid = st.sampled_from((0, 1, 3, 7, 45, 48, 50, 191, 221, 244, 255)) | st.integers(0, 255)
    body = st.binary(max_size=40) | st.sampled_from(draw_from)
    one = st.tuples(eid, body).map(lambda t: bytes((t[0], len(t[1][:255]))) + t[1][:255])
    return st.lists(one | st.binary(max_size=3), max_size=12).map(b"".join)


class IesTarget(Target):
    name = "ies"

    def strategy(self):
        seeds = [v[0][0] for _, v in self.corpus()]
        bodies = [b[2:] for b in seeds]
        blob = mutated(seeds) | elements(bodies)
        # One to three sightings of the same BSSID: probe response and beacon
        # IEs, as cfg80211 lists them, in any order.
        sighting = st.tuples(blob, st.sampled_from((b"",)) | blob, st.integers(0, 0xFFFF))
        return st.lists(sighting, min_size=1, max_size=3)

    def decode(self, data, filename):
        return [(data, b"", 0x0011)]

    def encode(self, value):
        return value[0][0]

    def check(self, sightings):
        table = BssTable()
        now = 1000.0
        for ies_blob, beacon, caps in sightings:
            # A result without a valid SSID element (none, cut, > 32 octets)
            # is dropped, as wpa_supplicant does (and then counts as a missed
            # scan for an entry an earlier sighting made).
            used, _ = walk(ies_blob or beacon)
            kept = 0 in used and len(used[0]) <= 32
            el = ies.parse(ies_blob)
            first, complete = walk(ies_blob)
            assert el.truncated == (not complete)
            assert el.ssid == first.get(0, b"")[:32]
            assert el.ssid_ok == (0 in first and len(first[0]) <= 32)
            if 48 in first:
                assert el.rsn == bytes((48, len(first[48]))) + first[48]
            else:
                assert el.rsn is None
            table.update([ScanResult(BSSID, 2412, ies=ies_blob, beacon_ies=beacon, caps=caps,
                                     signal=-40)], [], now)
            now += 1
        bsses = list(table)
        # One entry per (BSSID, SSID): a sighting under another name is an entry
        # of its own, gone after two scans without it; a hidden AP's beacon
        # refreshes the entry of its name.
        keys = [b.key for b in bsses]
        assert len(set(keys)) == len(keys) <= 2, bsses
        if kept:
            last = ies.parse(ies_blob or beacon).ssid
            assert table.get(BSSID, last) is not None or (is_hidden(last) and bsses), bsses
        for bss in bsses:
            self.check_consumers(bss)

    def check_consumers(self, bss):
        line = reply.scan_results([bss]).split("\n")[1]
        assert len(line.split("\t")) == 5, line
        text = reply.bss(bss)
        assert all("=" in item for item in text.splitlines()), text
        msgpack.packb(typed.bss(bss), use_bin_type=True)
        msgpack.packb(typed.scan_results([bss]), use_bin_type=True)
        for net in _NETWORKS:
            for caps in _CAPS:
                plan = security.plan_for(net, bss, caps)
                if plan is not None and not plan.open:
                    # Our own RSN IE must itself parse: it goes into the association request.
                    assert ies.parse(plan.sel.own_ie).rsn == plan.sel.own_ie
                    plan.status_fields()
