"""802.11k Neighbor Report Responses from a hostile or broken AP: rsn/rrm.py's
parser and core/neighbors.py, which takes the answer on the station.

Properties: the parser returns (token, [Neighbor]) or raises RrmError, nothing
else; every neighbor is a complete element (6-octet BSSID, 13 octets at least)
that builds back to an element parsing to the same fields; its frequency is
None or a 2.4/5 GHz centre frequency; the station's handler never raises, and
publishes either one RRM-NEIGHBOR-REP-RECEIVED per neighbor or one failure;
the roam scan's channels are the neighbors' known frequencies, no duplicates."""

import struct

from hypothesis import strategies as st

from fuzzlib import Target, mutated
from wispd.core import neighbors as nb
from wispd.core import notify as nt
from wispd.core import states as S
from wispd.drivers import events as ev
from wispd.rsn import rrm

AP = bytes.fromhex("020000000001")


def element(bssid, op_class, channel, extra=b""):
    body = bssid + struct.pack("<I", 0x8F) + bytes((op_class, channel, 7)) + extra
    return bytes((52, len(body))) + body


def seeds():
    """name -> bytes: what hostapd 2.10 answers (its own report first, then the
    SET_NEIGHBOR entries; LCI/civic Measurement Reports after an entry)."""
    b2, b3 = bytes.fromhex("020000000002"), bytes.fromhex("020000000003")
    head = b"\x05\x05\x01"
    return {
        "seed-own-and-two.bin": head + element(AP, 81, 1) + element(b2, 81, 6)
        + element(b3, 115, 36),
        "seed-empty.bin": head,
        "seed-subelements.bin": head + element(b2, 81, 11, b"\x03\x01\xff\x01\x02\x00\x00"),
        "seed-lci.bin": head + element(b2, 81, 6) + bytes((39, 5, 1, 0, 8, 1, 2)),
    }


class _Loop:
    def register_timeout(self, secs, cb):
        pass

    def cancel_timeout(self, cb):
        pass


class _Conn:
    current_bss = None

    def current_bssid(self):
        return AP


class _Iface:
    """Just what NeighborReports reads of the station."""
    ifname = "fuzz0"
    wpa_state = S.COMPLETED

    def __init__(self):
        self.eloop = _Loop()
        self.connection = _Conn()
        self.got = []

    def notify(self, n):
        self.got.append(n)


class RrmTarget(Target):
    name = "rrm"

    def strategy(self):
        corpus = [v for _, v in self.corpus()]
        bssid = st.sampled_from((AP, bytes.fromhex("020000000002"))) | st.binary(
            min_size=6, max_size=6)
        built = st.tuples(st.integers(0, 255), st.lists(
            st.tuples(bssid, st.integers(0, 255), st.integers(0, 255), st.binary(max_size=8)),
            max_size=5)).map(lambda t: bytes((5, 5, t[0])) + b"".join(
                element(b, oc, ch, e) for b, oc, ch, e in t[1]))
        return mutated(corpus) | built | st.binary(max_size=64)

    def check(self, data):
        rrm.offers_neighbor_report(data)
        try:
            token, neighbors = rrm.parse_neighbor_report_response(data)
        except rrm.RrmError:
            parsed = None
        else:
            parsed = neighbors
            assert 0 <= token <= 255
            for n in neighbors:
                assert len(n.bssid) == 6
                f = n.freq()
                assert f is None or 2412 <= f <= 2484 or 5005 <= f <= 6000, f
                (back,) = rrm.parse_neighbors(rrm.neighbor_element(n))
                assert (back.bssid, back.info, back.op_class, back.channel, back.phy_type,
                        back.subelements) == (n.bssid, n.info, n.op_class, n.channel,
                                              n.phy_type, n.subelements)
        # The station's side: a request in flight with the frame's token.
        iface = _Iface()
        reports = nb.NeighborReports(iface)
        reports.conn = iface.connection
        reports.pending = (data[2] if len(data) >= 3 else 1, True)
        reports.action_frame(ev.ActionFrame(src=AP, bssid=AP, freq=2412, data=data))
        if not rrm.is_neighbor_report_response(data) or len(data) < 3:
            return      # not an answer to our request: dropped before parsing
        got = iface.got
        if parsed:
            assert [type(n) for n in got] == [nt.NeighborReportReceived] * len(parsed)
            assert [n.bssid for n in got] == [n.bssid for n in parsed]
        else:
            assert [type(n) for n in got] == [nt.NeighborReportFailed]
        freqs = reports.freqs()
        assert len(set(freqs)) == len(freqs) and None not in freqs


if __name__ == "__main__":
    import os
    from fuzzlib import CORPUS
    d = os.path.join(CORPUS, RrmTarget.name)
    os.makedirs(d, exist_ok=True)
    for fn, data in seeds().items():
        with open(os.path.join(d, fn), "wb") as f:
            f.write(data)
