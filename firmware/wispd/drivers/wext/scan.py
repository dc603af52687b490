"""Sans-IO parsers for wireless extensions event streams.

Two kinds of byte strings carry `struct iw_event` records: the SIOCGIWSCAN
answer (one group of records per BSS, each group starting with SIOCGIWAP) and
the IFLA_WIRELESS attribute of RTM_NEWLINK (wireless events: association,
scan done, MIC failure...).  Both are parsed here, bytes in, values out.

Real drivers emit odd things: a record whose `len` runs past the buffer, a
pointer record whose data length disagrees with `len`, zero-length records,
a stream cut in the middle.  The rule is: never read outside a record, never
trust a length without checking it, skip what cannot be understood, stop at a
record that cannot be framed.  Nothing here raises on malformed input.
"""

import struct

from wispd.drivers.ops import ScanResult
from wispd.drivers.wext import abi as w

_HDR = struct.Struct("=HH")
CAP_ESS = 0x0001
CAP_IBSS = 0x0002
CAP_PRIVACY = 0x0010


def iter_events(data, abi=w.NATIVE):
    """Yield (cmd, flags, payload) per record.  For pointer records payload is
    the data that follows (flags from the iw_point); for the others it is the
    fixed part after the header (flags 0)."""
    data = bytes(data)
    end = len(data)
    pos = 0
    lcp = abi.lcp_len
    while pos + 4 <= end:
        length, cmd = _HDR.unpack_from(data, pos)
        if length <= lcp or pos + length > end:
            # Cannot be framed (or is cut off): the rest is unusable.
            return
        rec_end = pos + length
        if cmd in w.POINT_CMDS:
            if pos + lcp + 4 > rec_end:
                pos = rec_end
                continue
            dlen, flags = _HDR.unpack_from(data, pos + lcp)
            start = pos + abi.point_len
            if start > rec_end:
                pos = rec_end
                continue
            # Some drivers pad the record; some claim more data than they sent.
            stop = min(start + dlen, rec_end)
            yield cmd, flags, data[start:stop]
        else:
            yield cmd, 0, data[pos + lcp:rec_end]
        pos = rec_end


def _ssid_ie(ssid):
    return bytes((0, len(ssid))) + ssid


def _has_ssid_ie(ies):
    return len(ies) >= 2 and ies[0] == 0 and 2 + ies[1] <= len(ies)


class _Partial:
    __slots__ = ("bssid", "ssid", "freq", "mode", "qual", "level", "noise", "privacy",
                 "genie", "tsf", "age_ms", "beacon_int", "custom_ies")

    def __init__(self, bssid):
        self.bssid = bssid
        self.ssid = None
        self.freq = 0
        self.mode = None
        self.qual = 0
        self.level = None
        self.noise = None
        self.privacy = False
        self.genie = b""
        self.custom_ies = b""
        self.tsf = 0
        self.age_ms = 0
        self.beacon_int = 100

    def result(self):
        ies = self.genie or self.custom_ies
        if self.ssid is not None and not _has_ssid_ie(ies):
            ies = _ssid_ie(self.ssid) + ies
        caps = 0
        if self.mode == w.IW_MODE_ADHOC:
            caps |= CAP_IBSS
        else:
            caps |= CAP_ESS
        if self.privacy:
            caps |= CAP_PRIVACY
        return ScanResult(self.bssid, self.freq, ies=ies, signal=self.level or 0, caps=caps,
                          beacon_int=self.beacon_int, noise=self.noise or 0, qual=self.qual,
                          tsf=self.tsf, age_ms=self.age_ms)


def _custom(cur, text):
    """IEVCUSTOM strings cfg80211 and older drivers put in scan results."""
    try:
        s = text.split(b"\0", 1)[0].decode("ascii", "replace").strip()
    except Exception:
        return
    try:
        if s.startswith("tsf="):
            cur.tsf = int(s[4:], 16)
        elif s.startswith("Last beacon:"):
            cur.age_ms = int(s.split(":", 1)[1].strip().split("ms")[0])
        elif s.startswith("bcn_int="):
            cur.beacon_int = int(s[8:])
        elif s.startswith("wpa_ie=") or s.startswith("rsn_ie="):
            cur.custom_ies += bytes.fromhex(s[7:])
    except ValueError:
        pass


def parse_scan(data, abi=w.NATIVE):
    """SIOCGIWSCAN bytes → list of ScanResult (BSSes without a frequency are
    kept with freq 0; the core ignores what it cannot use)."""
    results = []
    cur = None
    for cmd, flags, p in iter_events(data, abi):
        if cmd == w.SIOCGIWAP:
            if cur is not None:
                results.append(cur.result())
            cur = _Partial(w.sockaddr_mac(p)) if len(p) >= 8 else None
            continue
        if cur is None:
            continue
        if cmd == w.SIOCGIWESSID:
            cur.ssid = bytes(p[:w.IW_ESSID_MAX_SIZE]) if flags else b""
        elif cmd == w.SIOCGIWFREQ and len(p) >= 8:
            m, e, _i, _f = struct.unpack_from("=ihBB", p)
            mhz = w.freq_mhz(m, e)
            if mhz and (not cur.freq or e > 0):
                cur.freq = mhz
        elif cmd == w.SIOCGIWMODE and len(p) >= 4:
            cur.mode = struct.unpack_from("=I", p)[0]
        elif cmd == w.IWEVQUAL and len(p) >= 4:
            cur.qual, cur.level, cur.noise = w.parse_quality(p)
        elif cmd == w.SIOCGIWENCODE:
            cur.privacy = not flags & w.IW_ENCODE_DISABLED
        elif cmd == w.IWEVGENIE:
            cur.genie += bytes(p)
        elif cmd == w.IWEVCUSTOM:
            _custom(cur, p)
    if cur is not None:
        results.append(cur.result())
    return results


# -- wireless events (IFLA_WIRELESS) -----------------------------------------------
class WextEvent:
    """One decoded wireless event: kind is 'ap', 'scan', 'assoc_req_ie',
    'assoc_resp_ie', 'mic_failure', 'custom' or 'other'."""

    __slots__ = ("kind", "cmd", "bssid", "data", "mic")

    def __init__(self, kind, cmd, bssid=None, data=b"", mic=None):
        self.kind = kind
        self.cmd = cmd
        self.bssid = bssid
        self.data = data
        self.mic = mic

    def __repr__(self):
        return "WextEvent(%s, %#x)" % (self.kind, self.cmd)


def parse_wireless(data, abi=w.NATIVE):
    """IFLA_WIRELESS payload → list of WextEvent."""
    out = []
    for cmd, flags, p in iter_events(data, abi):
        if cmd == w.SIOCGIWAP:
            if len(p) >= 8:
                out.append(WextEvent("ap", cmd, bssid=w.sockaddr_mac(p)))
        elif cmd == w.SIOCGIWSCAN:
            out.append(WextEvent("scan", cmd))
        elif cmd == w.IWEVASSOCREQIE:
            out.append(WextEvent("assoc_req_ie", cmd, data=bytes(p)))
        elif cmd == w.IWEVASSOCRESPIE:
            out.append(WextEvent("assoc_resp_ie", cmd, data=bytes(p)))
        elif cmd == w.IWEVMICHAELMICFAILURE:
            mic = w.parse_mic_failure(p)
            if mic is not None:
                out.append(WextEvent("mic_failure", cmd, mic=mic))
        elif cmd == w.IWEVCUSTOM:
            out.append(WextEvent("custom", cmd, data=bytes(p)))
        else:
            out.append(WextEvent("other", cmd, data=bytes(p)))
    return out
