"""Information elements of beacons and probe responses, sans-IO.

APs are hostile input: lengths that run past the end, duplicated elements,
oversized vendor elements.  Parsing never raises; a truncated tail is noted in
`Elements.truncated` and ignored, and the first copy of a duplicated element wins
(as in wpa_supplicant's wpa_bss_get_ie).
"""

from wispd.rsn.ie import IeError, parse_ies, parse_rsn_ie, parse_wpa_ie
from wispd.rsn.defs import (AKM_8021X, AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_CCMP, CIPHER_TKIP,
                            EID_DS_PARAMS, EID_EXTENSION, EID_EXT_SUPP_RATES, EID_HT_CAP, EID_RSN, EID_RSNX, EID_SSID, EID_SUPP_RATES, EID_VENDOR, EID_VHT_CAP)

EXT_HE_CAP = 35

OUI_MS_WPA = b"\x00\x50\xf2\x01"
OUI_MS_WPS = b"\x00\x50\xf2\x04"

# The BSS membership selector that says "this BSS requires SAE hash-to-element".
SELECTOR_SAE_H2E = 123


class Elements:
    __slots__ = ("ssid", "ssid_ok", "rsn", "wpa", "rsnx", "ht", "vht", "he", "rates",
                 "channel", "wps", "truncated", "h2e_required")

    def __init__(self):
        self.ssid = b""
        # An SSID element of at most 32 octets was there.  wpa_supplicant keeps
        # no BSS otherwise (wpa_bss_update_scan_res: "No SSID IE" / "Too long
        # SSID IE"); a hostile AP's 33-byte SSID cut to 32 would even match a
        # network configured with those 32 octets.
        self.ssid_ok = False
        self.rsn = None         # the whole RSN element (id and length included)
        self.wpa = None         # the whole WPA vendor element
        self.rsnx = None
        self.ht = self.vht = self.he = False
        self.rates = b""
        self.channel = None
        self.wps = False
        self.truncated = False
        self.h2e_required = False


def parse(data):
    el = Elements()
    seen = set()
    elements, complete = parse_ies(data)
    for eid, body in elements:
        if eid == EID_VENDOR:
            if body[:4] == OUI_MS_WPA and el.wpa is None:
                el.wpa = bytes((eid, len(body))) + body
            elif body[:4] == OUI_MS_WPS:
                el.wps = True
            continue
        if eid == EID_EXTENSION:
            if body[:1] == bytes([EXT_HE_CAP]):
                el.he = True
            continue
        if eid in seen:
            continue
        seen.add(eid)
        if eid == EID_SSID:
            el.ssid = body[:32]
            el.ssid_ok = len(body) <= 32
        elif eid == EID_RSN:
            el.rsn = bytes((eid, len(body))) + body
        elif eid == EID_RSNX:
            el.rsnx = body
        elif eid == EID_HT_CAP:
            el.ht = True
        elif eid == EID_VHT_CAP:
            el.vht = True
        elif eid in (EID_SUPP_RATES, EID_EXT_SUPP_RATES):
            el.rates += body
        elif eid == EID_DS_PARAMS and body:
            el.channel = body[0]
    el.truncated = not complete
    el.h2e_required = any((r & 0x7F) == SELECTOR_SAE_H2E and r & 0x80 for r in el.rates)
    return el


def rsnx_has(rsnx, bit):
    """Is capability `bit` set in an RSNXE body?  (bit 5: SAE hash-to-element.)"""
    if not rsnx:
        return False
    index = bit // 8
    return index < len(rsnx) and bool(rsnx[index] & (1 << (bit % 8)))


_AKM_NAMES = ((AKM_8021X, "EAP"), (AKM_PSK, "PSK"), (AKM_SAE, "SAE"),
              (AKM_PSK_SHA256, "PSK-SHA256"))
_CIPHER_NAMES = ((CIPHER_CCMP, "CCMP"), (CIPHER_TKIP, "TKIP"))


def _suite_text(proto, element, parse):
    """One [PROTO-AKMS-CIPHERS] group, as wpa_supplicant_ie_txt() writes it."""
    try:
        info = parse(element)
    except IeError:
        return "[%s-?]" % proto
    akms = "+".join(name for akm, name in _AKM_NAMES if akm in info.akms)
    text = "[%s-%s" % (proto, akms)
    ciphers = "+".join(name for c, name in _CIPHER_NAMES if c in info.pairwise_ciphers)
    if ciphers:
        text += "-" + ciphers
    if info.capabilities & 0x0001:
        text += "-preauth"
    return text + "]"


def flags_text(el, caps):
    out = []
    if el.wpa is not None:
        out.append(_suite_text("WPA", el.wpa, parse_wpa_ie))
    if el.rsn is not None:
        out.append(_suite_text("WPA2", el.rsn, parse_rsn_ie))
    if rsnx_has(el.rsnx, 5):
        out.append("[SAE-H2E]")
    if el.wps:
        out.append("[WPS]")
    if el.wpa is None and el.rsn is None and caps & 0x0010:
        out.append("[WEP]")
    if caps & 0x0002:
        out.append("[IBSS]")
    if caps & 0x0001:
        out.append("[ESS]")
    return "".join(out)


def element(eid, body):
    if len(body) > 255:
        raise ValueError("element %d too long (%d bytes)" % (eid, len(body)))
    return bytes((eid, len(body))) + body
