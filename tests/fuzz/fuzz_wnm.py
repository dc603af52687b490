"""802.11v BSS Transition Management requests (and the 802.11k neighbor reports
they carry) from a hostile or broken AP: rsn/wnm.py's parser, core/btm.py's
answer and the response it builds.

Properties: the parser returns a BtmRequest or raises WnmError, nothing else;
every candidate is a complete Neighbor Report (6-octet BSSID); preferred()
never offers an excluded (preference 0) candidate; the answer either accepts
one of the offered candidates (any BSS the AP did not exclude when
disassociation is imminent) or rejects with status 7; the response it
becomes parses back to the same token, status and target."""

import struct

from hypothesis import strategies as st

from fuzzlib import Target, mutated
from wispd.core import btm
from wispd.rsn import wnm

CURRENT = bytes.fromhex("020000000001")


class _Bss:
    def __init__(self, bssid, signal):
        self.bssid = bssid
        self.signal = signal
        self.bssid_txt = bssid.hex(":")


def neighbor(bssid, channel, pref=None, op_class=81, extra=b""):
    body = bssid + struct.pack("<I", 0x8F) + bytes((op_class, channel, 7))
    if pref is not None:
        body += bytes((3, 1, pref))
    return bytes((52, len(body + extra))) + body + extra


def seeds():
    """name -> bytes: the frames hostapd sends for the BSS_TM_REQ forms tests use."""
    b2, b3 = bytes.fromhex("020000000002"), bytes.fromhex("020000000003")
    head = lambda mode, timer=0: bytes((10, 7, 1, mode)) + struct.pack("<H", timer) + b"\x01"  # noqa: E731
    return {
        "seed-pref-list.bin": head(1) + neighbor(b2, 11, 255),
        "seed-imminent-two.bin": head(5, 100) + neighbor(b2, 11, 100) + neighbor(b3, 36, 200, 115),
        "seed-no-list.bin": head(0),
        "seed-termination-url.bin": head(0x18) + bytes((4, 10)) + struct.pack("<QH", 5, 2)
        + b"\x05http:",
        "seed-subelements.bin": head(1) + neighbor(b2, 6, 9, extra=bytes((1, 2, 0, 0))),
    }


class WnmTarget(Target):
    name = "wnm"

    def strategy(self):
        corpus = [v for _, v in self.corpus()]
        bssid = st.sampled_from((CURRENT, bytes.fromhex("020000000002"))) | st.binary(
            min_size=6, max_size=6)
        sub = st.binary(max_size=8)
        built = st.tuples(st.integers(0, 255), st.integers(0, 0xFFFF),
                          st.lists(st.tuples(bssid, st.integers(0, 255),
                                             st.none() | st.integers(0, 255),
                                             st.integers(0, 255), sub), max_size=5)).map(
            lambda t: bytes((10, 7, 3, t[0])) + struct.pack("<H", t[1]) + b"\x01" + b"".join(
                neighbor(b, ch, p, oc, e) for b, ch, p, oc, e in t[2]))
        return mutated(corpus) | built

    def check(self, data):
        try:
            req = wnm.parse_btm_request(data)
        except wnm.WnmError:
            return
        for c in req.candidates:
            assert len(c.bssid) == 6, c
            c.freq()
        preferred = req.preferred()
        assert all(c.preference != 0 for c in preferred)
        assert set(id(c) for c in preferred) <= set(id(c) for c in req.candidates)
        seen = [(_Bss(c.bssid, -40 - i), "plan") for i, c in enumerate(req.candidates)]
        seen.append((_Bss(CURRENT, -50), "plan"))
        answer = btm.decide(req, CURRENT, -50, seen)
        if answer.accepted:
            assert answer.bss.bssid != CURRENT
            if req.has_list and not req.disassoc_imminent:
                assert answer.bss.bssid in [c.bssid for c in preferred]
            excluded = {c.bssid for c in req.candidates if c.preference == 0}
            listed = {c.bssid for c in preferred}
            assert answer.bss.bssid in listed or answer.bss.bssid not in excluded
        else:
            assert answer.status == wnm.STATUS_REJECT_NO_SUITABLE_CANDIDATES
        body = wnm.btm_response(req.token, answer.status,
                                answer.bss.bssid if answer.accepted else None)
        token, status, _, target = wnm.parse_btm_response(body)
        assert (token, status) == (req.token, answer.status)
        assert target == (answer.bss.bssid if answer.accepted else None)
        btm.scan_freqs(req)


if __name__ == "__main__":
    import os
    from fuzzlib import CORPUS
    d = os.path.join(CORPUS, WnmTarget.name)
    os.makedirs(d, exist_ok=True)
    for fn, data in seeds().items():
        with open(os.path.join(d, fn), "wb") as f:
            f.write(data)
