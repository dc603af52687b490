"""SCAN's arguments, read as wpa_supplicant 2.10 reads them (ctrl_iface.c
wpas_ctrl_scan): keywords found anywhere in the line (`TYPE=ONLY` only at its
start), `freq=` as ranges and single frequencies, `ssid <hex>` repeatable.

Pure: the text to a ScanArgs, or ValueError (the reply is then FAIL)."""

MAX_SSID = 32


class ScanArgs:
    __slots__ = ("only", "freqs", "passive", "use_id", "only_new", "scan_ids", "bssid",
                 "wildcard_ssid", "ssids")

    def __init__(self):
        self.only = False           # TYPE=ONLY: results only, no network selection after it
        self.freqs = None           # frequencies to scan (None: all)
        self.passive = False
        self.use_id = 0             # reply with the scan's id; scan events carry it
        self.only_new = False       # results from this scan only (flush the cfg80211 cache)
        self.scan_ids = []          # scan_id=: other ids the results events name too
        self.bssid = None           # probe this BSSID only
        self.wildcard_ssid = False
        self.ssids = []             # extra SSIDs to probe for

    def __repr__(self):
        return "ScanArgs(%s)" % ", ".join("%s=%r" % (n, getattr(self, n)) for n in self.__slots__)


def _atoi(text):
    """C's atoi: the leading optionally signed decimal digits, 0 without any."""
    digits = ""
    for i, ch in enumerate(text):
        if ch.isdigit() and ch.isascii() or (i == 0 and ch in "+-"):
            digits += ch
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def _token(text):
    return text.split(" ", 1)[0]


def freq_ranges(text):
    """`2412-2462,5180` → [(2412, 2462), (5180, 5180)]; ValueError if malformed."""
    out = []
    for part in _token(text).split(","):
        low, sep, high = part.partition("-")
        if not low.isdecimal() or (sep and not high.isdecimal()):
            raise ValueError("bad frequency range %r" % part)
        lo = int(low)
        hi = int(high) if sep else lo
        if hi < lo:
            raise ValueError("bad frequency range %r" % part)
        out.append((lo, hi))
    return out


def channels_in(ranges, supported):
    """The radio's frequencies inside the ranges, in its order (wpa_supplicant's
    freq_range_to_channel_list); ValueError when none is."""
    freqs = [f for f in supported if any(lo <= f <= hi for lo, hi in ranges)]
    if not freqs:
        raise ValueError("no supported channel in the frequency ranges")
    return freqs


def parse(params, supported_freqs=()):
    """The text after SCAN → ScanArgs."""
    a = ScanArgs()
    if not params:
        return a
    a.only = params[:9].upper() == "TYPE=ONLY"
    pos = params.find("freq=")
    if pos >= 0:
        a.freqs = channels_in(freq_ranges(params[pos + 5:]), supported_freqs)
    pos = params.find("passive=")
    if pos >= 0:
        a.passive = _atoi(params[pos + 8:]) != 0
    pos = params.find("use_id=")
    if pos >= 0:
        a.use_id = _atoi(params[pos + 7:])
    a.only_new = "only_new=1" in params
    pos = params.find("scan_id=")
    if pos >= 0:
        for item in _token(params[pos + 8:]).split(","):
            if not item.isdecimal():
                raise ValueError("bad scan_id list")
            a.scan_ids.append(int(item))
    pos = params.find("bssid=")
    if pos >= 0:
        text = params[pos + 6:pos + 23]
        parts = text.split(":")
        if len(parts) != 6 or any(len(p) != 2 for p in parts):
            raise ValueError("bad bssid")
        a.bssid = bytes.fromhex("".join(parts))
        a.wildcard_ssid = "wildcard_ssid=1" in params
    words = params.split(" ")
    for i, word in enumerate(words):
        if word == "ssid" and i + 1 < len(words):
            hexed = words[i + 1]
            if len(hexed) % 2 or len(hexed) > 2 * MAX_SSID:
                raise ValueError("bad ssid %r" % hexed)
            a.ssids.append(bytes.fromhex(hexed))
    return a
