"""Information elements for RSN: iterate, build and parse RSN/WPA IEs, choose
the AKM and ciphers, and parse the KDEs of EAPOL-Key key data.

Public API:

    parse_ies(data) -> (list of (eid, body), complete)
        Never raises; `complete` is False if the data ended inside an element.
    find_ie(data, eid) -> full element bytes or None
    find_vendor_ie(data, oui_type) -> full element bytes or None   (oui_type: 4 bytes)

    RsnInfo(...)                   a parsed RSN or WPA IE (proto "rsn" or "wpa")
        .version .group_cipher .pairwise_ciphers .akms .capabilities .pmkids
        .group_mgmt_cipher .mfpc .mfpr .proto
    parse_rsn_ie(element) -> RsnInfo      full element (0x30 ...); raises IeError
    parse_wpa_ie(element) -> RsnInfo      full element (0xdd .. 00:50:f2:01 ...); raises IeError
    build_rsn_ie(group, pairwise, akms, capabilities=0, pmkids=(), group_mgmt=None) -> bytes

    Selection: akm, pairwise, group, mgmt_group, mfp, own_ie
    select_suites(ap, key_mgmt, ieee80211w=0, pairwise=None, group=None) -> Selection
        raises SelectionError with a sentence the core can log/put in STATUS.

    Kdes: gtk, gtk_key_id, gtk_tx, igtk, igtk_key_id, igtk_ipn, mac_addr,
          pmkid, transition_disable, rsn_ies, rsnxe, wpa_ie, complete
    parse_kdes(key_data) -> Kdes          never raises; Kdes.complete False on truncation

Suite selectors are 32-bit integers, OUI << 8 | type, as in wispd.drivers.
WPA (vendor) suites 00:50:f2:N are mapped to the equivalent 00:0f:ac:N values
so that the rest of the code has one set of constants; RsnInfo.proto tells the
two apart.
"""

import struct

from wispd.rsn.defs import (
    AKM_8021X, AKM_8021X_SHA256, AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128,
    CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP, EID_RSN, EID_RSNX, EID_VENDOR)

__all__ = ["parse_ies", "find_ie", "find_vendor_ie", "RsnInfo", "IeError", "parse_rsn_ie",
           "parse_wpa_ie", "build_rsn_ie", "Selection", "SelectionError", "select_suites",
           "Kdes", "parse_kdes", "WPA_OUI_TYPE",
           "CAP_MFPR", "CAP_MFPC"]


WPA_OUI_TYPE = b"\x00\x50\xf2\x01"
RSN_OUI = 0x000FAC
WPA_OUI = 0x0050F2

CAP_PREAUTH = 0x0001
CAP_MFPR = 0x0040
CAP_MFPC = 0x0080

# KDE types (IEEE 802.11-2020 Table 12-9), OUI 00-0F-AC
KDE_GTK = 1
KDE_MAC_ADDR = 3
KDE_PMKID = 4
KDE_IGTK = 9
KDE_TRANSITION_DISABLE = 32
WFA_KDE_TRANSITION_DISABLE = b"\x50\x6f\x9a\x20"   # WFA OUI 50-6F-9A, type 0x20


class IeError(ValueError):
    """An RSN or WPA IE that cannot be parsed."""


class SelectionError(ValueError):
    """No acceptable AKM/cipher combination with this AP."""


def parse_ies(data):
    """Split a run of elements into (eid, body) pairs.  Hostile input is
    expected: stop at the first element that does not fit and say so."""
    out = []
    pos = 0
    end = len(data)
    while pos + 2 <= end:
        eid = data[pos]
        length = data[pos + 1]
        if pos + 2 + length > end:
            return out, False
        out.append((eid, bytes(data[pos + 2:pos + 2 + length])))
        pos += 2 + length
    return out, pos == end


def find_ie(data, eid):
    for e, body in parse_ies(data)[0]:
        if e == eid:
            return bytes((e, len(body))) + body
    return None


def find_vendor_ie(data, oui_type):
    for e, body in parse_ies(data)[0]:
        if e == EID_VENDOR and body[:4] == oui_type:
            return bytes((e, len(body))) + body
    return None


class RsnInfo:
    __slots__ = ("proto", "version", "group_cipher", "pairwise_ciphers", "akms",
                 "capabilities", "pmkids", "group_mgmt_cipher")

    def __init__(self, proto="rsn", version=1, group_cipher=CIPHER_CCMP,
                 pairwise_ciphers=(CIPHER_CCMP,), akms=(AKM_8021X,), capabilities=0,
                 pmkids=(), group_mgmt_cipher=None):
        self.proto = proto
        self.version = version
        self.group_cipher = group_cipher
        self.pairwise_ciphers = tuple(pairwise_ciphers)
        self.akms = tuple(akms)
        self.capabilities = capabilities
        self.pmkids = tuple(pmkids)
        self.group_mgmt_cipher = group_mgmt_cipher   # None: absent (BIP-CMAC-128 if MFP)

    @property
    def mfpc(self):
        return bool(self.capabilities & CAP_MFPC)

    @property
    def mfpr(self):
        return bool(self.capabilities & CAP_MFPR)

    def __repr__(self):
        return ("RsnInfo(%s, group=%08x, pairwise=[%s], akms=[%s], caps=0x%04x%s)" % (
            self.proto, self.group_cipher, ",".join("%08x" % c for c in self.pairwise_ciphers),
            ",".join("%08x" % a for a in self.akms), self.capabilities,
            "" if self.group_mgmt_cipher is None else ", mgmt=%08x" % self.group_mgmt_cipher))


def _suite(body, pos, oui):
    value = struct.unpack_from(">I", body, pos)[0]
    if oui == WPA_OUI and value >> 8 == WPA_OUI:
        value = (RSN_OUI << 8) | (value & 0xFF)   # same numbering for types 0..5
    return value


def _suite_list(body, pos, oui, what):
    if pos + 2 > len(body):
        raise IeError("%s count truncated" % what)
    count = struct.unpack_from("<H", body, pos)[0]
    pos += 2
    if count == 0 or pos + 4 * count > len(body):
        raise IeError("%s list of %d suites does not fit" % (what, count))
    return tuple(_suite(body, pos + 4 * i, oui) for i in range(count)), pos + 4 * count


def _parse_suites(body, pos, oui, info):
    # Optional trailing fields take their defaults when absent (9.4.2.24.1).
    n = len(body)
    if pos == n:
        return pos
    if pos + 4 > n:
        raise IeError("group cipher truncated")
    info.group_cipher = _suite(body, pos, oui)
    pos += 4
    if pos == n:
        return pos
    info.pairwise_ciphers, pos = _suite_list(body, pos, oui, "pairwise cipher")
    if pos == n:
        return pos
    info.akms, pos = _suite_list(body, pos, oui, "AKM")
    return pos


def parse_rsn_ie(element):
    """Parse a full RSN element (id 48, length, body)."""
    element = bytes(element)
    if len(element) < 2 or element[0] != EID_RSN or element[1] != len(element) - 2:
        raise IeError("not a well-formed RSN element")
    body = element[2:]
    if len(body) < 2:
        raise IeError("RSN element too short")
    info = RsnInfo(proto="rsn")
    info.version = struct.unpack_from("<H", body, 0)[0]
    if info.version != 1:
        raise IeError("RSN version %d not supported" % info.version)
    pos = _parse_suites(body, 2, RSN_OUI, info)
    n = len(body)
    if pos == n:
        return info
    if pos + 2 > n:
        raise IeError("RSN capabilities truncated")
    info.capabilities = struct.unpack_from("<H", body, pos)[0]
    pos += 2
    if pos == n:
        return info
    if pos + 2 > n:
        raise IeError("PMKID count truncated")
    count = struct.unpack_from("<H", body, pos)[0]
    pos += 2
    if pos + 16 * count > n:
        raise IeError("PMKID list does not fit")
    info.pmkids = tuple(body[pos + 16 * i:pos + 16 * i + 16] for i in range(count))
    pos += 16 * count
    if pos == n:
        return info
    if pos + 4 > n:
        raise IeError("group management cipher truncated")
    info.group_mgmt_cipher = _suite(body, pos, RSN_OUI)
    # Anything after that belongs to later amendments; ignore it.
    return info


def parse_wpa_ie(element):
    """Parse a WPA (vendor 00:50:f2 type 1) element; defaults are TKIP/TKIP/802.1X."""
    element = bytes(element)
    if (len(element) < 8 or element[0] != EID_VENDOR or element[1] != len(element) - 2
            or element[2:6] != WPA_OUI_TYPE):
        raise IeError("not a well-formed WPA element")
    body = element[6:]
    info = RsnInfo(proto="wpa", group_cipher=CIPHER_TKIP, pairwise_ciphers=(CIPHER_TKIP,))
    info.version = struct.unpack_from("<H", body, 0)[0]
    if info.version != 1:
        raise IeError("WPA version %d not supported" % info.version)
    pos = _parse_suites(body, 2, WPA_OUI, info)
    if pos + 2 <= len(body):
        info.capabilities = struct.unpack_from("<H", body, pos)[0]
    return info


def build_rsn_ie(group, pairwise, akms, capabilities=0, pmkids=(), group_mgmt=None):
    """A full RSN element.  group_mgmt is written only when given (it needs
    the PMKID count written before it)."""
    pairwise = list(pairwise)
    akms = list(akms)
    parts = [struct.pack("<H", 1), struct.pack(">I", group),
             struct.pack("<H", len(pairwise))]
    parts.extend(struct.pack(">I", c) for c in pairwise)
    parts.append(struct.pack("<H", len(akms)))
    parts.extend(struct.pack(">I", a) for a in akms)
    parts.append(struct.pack("<H", capabilities))
    if pmkids or group_mgmt is not None:
        parts.append(struct.pack("<H", len(pmkids)))
        parts.extend(bytes(p) for p in pmkids)
    if group_mgmt is not None:
        parts.append(struct.pack(">I", group_mgmt))
    body = b"".join(parts)
    if len(body) > 255:
        raise ValueError("RSN element too long")
    return bytes((EID_RSN, len(body))) + body


class Selection:
    """What we will use with one AP, and our RSN IE for the association request."""

    __slots__ = ("akm", "pairwise", "group", "mgmt_group", "mfp", "own_ie")

    def __init__(self, akm, pairwise, group, mgmt_group, mfp, own_ie):
        self.akm = akm
        self.pairwise = pairwise
        self.group = group
        self.mgmt_group = mgmt_group   # CIPHER_NONE when MFP is not in use
        self.mfp = mfp                 # management frame protection in use
        self.own_ie = own_ie

    def __repr__(self):
        return "Selection(akm=%08x, pairwise=%08x, group=%08x, mgmt=%08x, mfp=%s)" % (
            self.akm, self.pairwise, self.group, self.mgmt_group, self.mfp)


# Most preferred first.
# 802.1X AKMs last: a network allows them only with an EAP configuration.
_AKM_PREFERENCE = (AKM_SAE, AKM_PSK_SHA256, AKM_PSK, AKM_8021X_SHA256, AKM_8021X)
_SUPPORTED_PAIRWISE = (CIPHER_CCMP,)
_SUPPORTED_GROUP = (CIPHER_CCMP, CIPHER_TKIP)


def select_suites(ap, key_mgmt, ieee80211w=0, pairwise=None, group=None):
    """Choose AKM, ciphers and PMF against the AP's parsed IE.

    key_mgmt: AKM selectors the network allows (e.g. {AKM_PSK, AKM_SAE}).
    ieee80211w: 0 disabled, 1 optional, 2 required.  SAE uses PMF whenever
    the AP offers it (at least optional), and goes without only with an AP that
    does not offer it, as wpa_supplicant 2.10 does, unless ieee80211w=2: the AP's
    RSNE (with its MFPC bit) is checked again in message 3 of the 4-way, so
    nobody on the air can strip PMF from the AP's offer unnoticed.
    pairwise/group: allowed cipher sets from the config (None: all supported).
    """
    if ap.proto != "rsn":
        raise SelectionError("WPA (version 1) access points are not supported; use WPA2/RSN")
    akm = None
    for candidate in _AKM_PREFERENCE:
        if candidate in key_mgmt and candidate in ap.akms:
            akm = candidate
            break
    if akm is None:
        raise SelectionError("no common key management: AP offers %s" % (
            ",".join("%08x" % a for a in ap.akms) or "none"))

    allowed_pw = [c for c in _SUPPORTED_PAIRWISE if pairwise is None or c in pairwise]
    chosen_pw = next((c for c in allowed_pw if c in ap.pairwise_ciphers), None)
    if chosen_pw is None:
        raise SelectionError("no common pairwise cipher (only CCMP is supported)")
    allowed_grp = [c for c in _SUPPORTED_GROUP if group is None or c in group]
    if ap.group_cipher not in allowed_grp:
        raise SelectionError("group cipher %08x not allowed" % ap.group_cipher)

    pmf = max(ieee80211w, 1) if akm == AKM_SAE else ieee80211w
    if ap.mfpr and pmf == 0:
        raise SelectionError("AP requires management frame protection (set ieee80211w=1 or 2)")
    if pmf == 2 and not ap.mfpc:
        raise SelectionError("management frame protection required, but the AP does not offer it")
    mfp = pmf > 0 and ap.mfpc
    mgmt_group = CIPHER_NONE
    if mfp:
        mgmt_group = CIPHER_BIP_CMAC_128 if ap.group_mgmt_cipher is None else ap.group_mgmt_cipher
        if mgmt_group != CIPHER_BIP_CMAC_128:
            if pmf == 2 or ap.mfpr:
                raise SelectionError("group management cipher %08x not supported" % mgmt_group)
            mfp = False          # optional PMF with a cipher we lack: go without
            mgmt_group = CIPHER_NONE
    caps = 0
    if pmf > 0 and (mfp or pmf == 2):
        caps |= CAP_MFPC
    if pmf == 2:
        caps |= CAP_MFPR
    own_ie = build_rsn_ie(ap.group_cipher, [chosen_pw], [akm], caps)
    return Selection(akm, chosen_pw, ap.group_cipher, mgmt_group, mfp, own_ie)


class Kdes:
    """The KDEs and elements found in decrypted EAPOL-Key key data."""

    __slots__ = ("gtk", "gtk_key_id", "gtk_tx", "igtk", "igtk_key_id", "igtk_ipn",
                 "mac_addr", "pmkid", "transition_disable", "rsn_ies", "rsnxe",
                 "wpa_ie", "complete", "error")

    def __init__(self):
        self.gtk = None
        self.gtk_key_id = 0
        self.gtk_tx = False
        self.igtk = None
        self.igtk_key_id = 0
        self.igtk_ipn = b""
        self.mac_addr = None
        self.pmkid = None
        self.transition_disable = None   # bitmap (int) when the KDE is present
        self.rsn_ies = []                # full RSN elements, in order
        self.rsnxe = None
        self.wpa_ie = None
        self.complete = True             # False: truncated or malformed
        self.error = None


def parse_kdes(key_data):
    """Parse decrypted key data.  Padding is 0xdd followed by zeros; a KDE that
    is too short for its type, or an element that runs past the end, marks
    the result incomplete (and stops the walk)."""
    kdes = Kdes()
    data = bytes(key_data)
    pos = 0
    end = len(data)
    while pos < end:
        eid = data[pos]
        if eid == EID_VENDOR and not any(data[pos + 1:]):
            break                                    # padding
        if pos + 2 > end:
            kdes.complete, kdes.error = False, "key data truncated"
            break
        length = data[pos + 1]
        if pos + 2 + length > end:
            kdes.complete, kdes.error = False, "key data element runs past the end"
            break
        body = data[pos + 2:pos + 2 + length]
        element = data[pos:pos + 2 + length]
        pos += 2 + length
        if eid == EID_RSN:
            kdes.rsn_ies.append(element)
        elif eid == EID_RSNX:
            kdes.rsnxe = element
        elif eid == EID_VENDOR and length >= 4 and body[:3] == b"\x00\x0f\xac":
            if not _parse_kde(kdes, body[3], body[4:]):
                kdes.complete = False
                kdes.error = "KDE type %d too short" % body[3]
                break
        elif eid == EID_VENDOR and body[:4] == WFA_KDE_TRANSITION_DISABLE and length >= 5:
            # WPA3 defines this KDE under the Wi-Fi Alliance OUI, not 00-0F-AC.
            kdes.transition_disable = body[4]
        elif eid == EID_VENDOR and body[:4] == WPA_OUI_TYPE:
            kdes.wpa_ie = element
    return kdes


def _parse_kde(kdes, kde_type, payload):
    n = len(payload)
    if kde_type == KDE_GTK:
        if n < 2 + 5:
            return False
        kdes.gtk_key_id = payload[0] & 0x03
        kdes.gtk_tx = bool(payload[0] & 0x04)
        kdes.gtk = payload[2:]
    elif kde_type == KDE_IGTK:
        if n < 2 + 6 + 16:
            return False
        kdes.igtk_key_id = struct.unpack_from("<H", payload, 0)[0]
        kdes.igtk_ipn = payload[2:8]
        kdes.igtk = payload[8:]
    elif kde_type == KDE_MAC_ADDR:
        if n < 6:
            return False
        kdes.mac_addr = payload[:6]
    elif kde_type == KDE_PMKID:
        if n < 16:
            return False
        kdes.pmkid = payload[:16]
    elif kde_type == KDE_TRANSITION_DISABLE:
        if n < 1:
            return False
        kdes.transition_disable = payload[0]
    return True
