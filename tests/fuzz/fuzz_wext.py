"""The wext event stream (SIOCGIWSCAN answers and IFLA_WIRELESS payloads) in
both the 64-bit and the 32-bit layout, then into the BssTable as the wext
driver hands scan results on.

Properties: nothing raises; every record payload lies inside the buffer;
every ScanResult is well-typed (6-byte BSSID, bytes IEs, a frequency a radio
could have); at most one result per SIOCGIWAP record."""

import struct

from hypothesis import strategies as st

from fuzzlib import Target, mutated
from wispd.core.bss import BssTable
from wispd.control.wpactrl import reply
from wispd.drivers.wext import abi as w
from wispd.drivers.wext.scan import iter_events, parse_scan, parse_wireless

ABIS = {"32": w.ABI32, "64": w.ABI64}
_CMDS = (w.SIOCGIWAP, w.SIOCGIWESSID, w.SIOCGIWFREQ, w.SIOCGIWMODE, w.IWEVQUAL,
         w.SIOCGIWENCODE, w.IWEVGENIE, w.IWEVCUSTOM, w.SIOCGIWSCAN, w.IWEVASSOCREQIE,
         w.IWEVASSOCRESPIE, w.IWEVMICHAELMICFAILURE, w.IWEVREGISTERED)


def records(abi):
    """Free-form streams made of well-framed records with hostile contents."""
    def one(t):
        cmd, payload, flags, point = t
        if point:
            return abi.point_event(cmd, payload[:200], flags)
        return abi.event(cmd, payload[:200])
    rec = st.tuples(st.sampled_from(_CMDS) | st.integers(0, 0xFFFF), st.binary(max_size=48),
                    st.integers(0, 0xFFFF), st.booleans()).map(one)
    freq = st.tuples(st.integers(-2**31, 2**31 - 1), st.integers(-2**15, 2**15 - 1)).map(
        lambda me: abi.event(w.SIOCGIWFREQ, struct.pack("=ihBB", me[0], me[1], 0, 0)))
    custom = st.sampled_from((b"tsf=", b"Last beacon: ", b"bcn_int=", b"wpa_ie=", b"rsn_ie="))
    custom = st.tuples(custom, st.text("0123456789abcdefx -ms", max_size=40)).map(
        lambda t: abi.point_event(w.IWEVCUSTOM, t[0] + t[1].encode()))
    return st.lists(rec | freq | custom, max_size=12).map(b"".join)


class WextTarget(Target):
    name = "wext"

    def decode(self, data, filename):
        return ("32" if "-32" in filename else "64", data)

    def encode(self, value):
        return value[1]

    def strategy(self):
        by_abi = self.seeds_by_kind()
        return st.one_of([st.tuples(st.just(name), mutated(by_abi[name]) | records(ABIS[name]))
                          for name in sorted(by_abi)])

    def check(self, value):
        name, data = value
        abi = ABIS[name]
        aps = 0
        for cmd, flags, payload in iter_events(data, abi):
            assert 0 <= cmd <= 0xFFFF and 0 <= flags <= 0xFFFF
            assert len(payload) <= len(data)
            aps += cmd == w.SIOCGIWAP
        results = parse_scan(data, abi)
        assert len(results) <= aps
        for r in results:
            assert isinstance(r.bssid, bytes) and len(r.bssid) == 6
            assert isinstance(r.ies, bytes)
            # A frequency in MHz fits the u32 the kernel and the replies use.
            assert 0 <= r.freq < 2**32, r.freq
        table = BssTable()
        table.update(results, [], 100.0)
        reply.scan_results(list(table))
        for ev in parse_wireless(data, abi):
            assert ev.kind in ("ap", "scan", "assoc_req_ie", "assoc_resp_ie", "mic_failure",
                               "custom", "other")
            if ev.kind == "ap":
                assert len(ev.bssid) == 6
