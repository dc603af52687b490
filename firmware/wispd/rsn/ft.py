"""IEEE 802.11r Fast BSS Transition, sans-IO: the FT key hierarchy, the
Mobility Domain element (MDE), the Fast BSS Transition element (FTE) and the
FT MIC.  Only the SHA-256 AKMs (FT-PSK 00-0F-AC:4, FT-802.1X 00-0F-AC:3,
FT-SAE 00-0F-AC:9): a 16-octet MIC and 256-bit PMK-R0/PMK-R1.

Public API:

    FtError                         malformed MDE/FTE, or an FT input out of range
    derive_pmk_r0(xxkey, ssid, mdid, r0kh_id, s0kh_id) -> (pmk_r0, pmk_r0_name)
    derive_pmk_r1(pmk_r0, pmk_r0_name, r1kh_id, s1kh_id) -> (pmk_r1, pmk_r1_name)
    derive_ft_ptk(pmk_r1, snonce, anonce, bssid, sta, cipher) -> kdf.Ptk
    build_mde(mdid, capability=0) -> bytes;  parse_mde(element) -> Mde
    build_fte(...) -> bytes;  parse_fte(element) -> Fte
    ft_mic(kck, sta, ap, seq, rsne, mde, fte, rsnxe=b"") -> 16 octets
    unwrap_gtk(kek, gtk_sub) -> (key_id, rsc, gtk)
    unwrap_igtk(kek, igtk_sub) -> (key_id, ipn, igtk)

Elements are passed whole (ID and length included), as in rsn/ie.py.
"""

import struct

from wispd.rsn.aes import KeyWrapError, aes_cmac, aes_unwrap
from wispd.rsn.kdf import Ptk, kdf_sha256, ptk_lengths, sha256

__all__ = ["FtError", "Mde", "Fte", "derive_pmk_r0", "derive_pmk_r1", "derive_ft_ptk",
           "build_mde", "parse_mde", "build_fte", "parse_fte", "ft_mic", "unwrap_gtk", "unwrap_igtk",
           "EID_MDE", "EID_FTE", "SEQ_REASSOC_REQ", "SEQ_REASSOC_RESP"]

EID_MDE = 54
EID_FTE = 55

# FTE subelement IDs (IEEE 802.11-2020 Table 9-262)
SUB_R1KH_ID = 1
SUB_GTK = 2
SUB_R0KH_ID = 3
SUB_IGTK = 4

# Transaction sequence numbers that enter the FT MIC (13.8.4, 13.8.5)
SEQ_REASSOC_REQ = 5
SEQ_REASSOC_RESP = 6

MDE_FT_OVER_DS = 0x01
MDE_RESOURCE_REQ = 0x02

_MIC_LEN = 16
_FTE_FIXED = 2 + _MIC_LEN + 32 + 32


class FtError(ValueError):
    """A malformed MDE/FTE, or FT key hierarchy input out of range."""


def _mac(value, what):
    value = bytes(value)
    if len(value) != 6:
        raise FtError("%s must be 6 octets, not %d" % (what, len(value)))
    return value


def _r0kh(value):
    value = bytes(value)
    if not 1 <= len(value) <= 48:
        raise FtError("R0KH-ID must be 1..48 octets, not %d" % len(value))
    return value


# ---- key hierarchy (IEEE 802.11-2020 12.7.1.7) ---------------------------------

def derive_pmk_r0(xxkey, ssid, mdid, r0kh_id, s0kh_id):
    """PMK-R0 and PMKR0Name.  xxkey: the PSK (FT-PSK) or the second 256 bits of
    the MSK (FT-802.1X); mdid: 2 octets as sent in the MDE."""
    ssid = bytes(ssid)
    if not 1 <= len(ssid) <= 32:
        raise FtError("SSID must be 1..32 octets")
    mdid = bytes(mdid)
    if len(mdid) != 2:
        raise FtError("MDID must be 2 octets")
    r0kh_id = _r0kh(r0kh_id)
    context = (bytes((len(ssid),)) + ssid + mdid + bytes((len(r0kh_id),)) + r0kh_id
               + _mac(s0kh_id, "S0KH-ID"))
    # R0-Key-Data: Q = 256 bits of PMK-R0, then 128 bits of PMK-R0Name-Salt.
    data = kdf_sha256(bytes(xxkey), b"FT-R0", context, 32 + 16)
    pmk_r0, salt = data[:32], data[32:]
    return pmk_r0, sha256(b"FT-R0N" + salt)[:16]


def derive_pmk_r1(pmk_r0, pmk_r0_name, r1kh_id, s1kh_id):
    r1kh_id = _mac(r1kh_id, "R1KH-ID")
    s1kh_id = _mac(s1kh_id, "S1KH-ID")
    pmk_r1 = kdf_sha256(bytes(pmk_r0), b"FT-R1", r1kh_id + s1kh_id, 32)
    name = sha256(b"FT-R1N" + bytes(pmk_r0_name) + r1kh_id + s1kh_id)[:16]
    return pmk_r1, name


def derive_ft_ptk(pmk_r1, snonce, anonce, bssid, sta, cipher):
    """PTK = KDF-SHA256(PMK-R1, "FT-PTK", SNonce || ANonce || BSSID || STA-ADDR)."""
    if len(snonce) != 32 or len(anonce) != 32:
        raise FtError("nonces must be 32 octets")
    kck_len, kek_len, tk_len = ptk_lengths(0x000FAC04, cipher)
    raw = kdf_sha256(bytes(pmk_r1), b"FT-PTK",
                     bytes(snonce) + bytes(anonce) + _mac(bssid, "BSSID") + _mac(sta, "STA"),
                     kck_len + kek_len + tk_len)
    return Ptk(raw[:kck_len], raw[kck_len:kck_len + kek_len], raw[kck_len + kek_len:])


# ---- Mobility Domain element (9.4.2.46) -----------------------------------------

class Mde:
    __slots__ = ("mdid", "capability")

    def __init__(self, mdid, capability):
        self.mdid = mdid
        self.capability = capability

    @property
    def over_ds(self):
        return bool(self.capability & MDE_FT_OVER_DS)

    def __repr__(self):
        return "Mde(mdid=%s, capability=%#x)" % (self.mdid.hex(), self.capability)


def build_mde(mdid, capability=0):
    mdid = bytes(mdid)
    if len(mdid) != 2:
        raise FtError("MDID must be 2 octets")
    return bytes((EID_MDE, 3)) + mdid + bytes((capability & 0xFF,))


def _element(element, eid, name):
    element = bytes(element)
    if len(element) < 2 or element[0] != eid:
        raise FtError("not a%s %s" % ("n" if name[0] in "AEFIMORS" else "", name))
    if element[1] != len(element) - 2:
        raise FtError("%s length %d does not match its %d octets" % (
            name, element[1], len(element) - 2))
    return element[2:]


def parse_mde(element):
    body = _element(element, EID_MDE, "MDE")
    if len(body) != 3:
        raise FtError("MDE body must be 3 octets, not %d" % len(body))
    return Mde(body[:2], body[2])


# ---- Fast BSS Transition element (9.4.2.47) -------------------------------------

class Fte:
    """A parsed FTE.  gtk: the raw GTK subelement body or None."""

    __slots__ = ("element_count", "mic", "anonce", "snonce", "r0kh_id", "r1kh_id",
                 "gtk", "igtk")

    def __init__(self, element_count=0, mic=bytes(16), anonce=bytes(32), snonce=bytes(32),
                 r0kh_id=None, r1kh_id=None, gtk=None, igtk=None):
        self.element_count = element_count
        self.mic = mic
        self.anonce = anonce
        self.snonce = snonce
        self.r0kh_id = r0kh_id
        self.r1kh_id = r1kh_id
        self.gtk = gtk
        self.igtk = igtk

    def __repr__(self):
        return "Fte(count=%d, r0kh=%r, r1kh=%s, gtk=%s)" % (
            self.element_count, self.r0kh_id,
            self.r1kh_id.hex() if self.r1kh_id else None, self.gtk is not None)


def build_fte(element_count=0, mic=bytes(16), anonce=bytes(32), snonce=bytes(32),
              r0kh_id=None, r1kh_id=None):
    if len(mic) != _MIC_LEN or len(anonce) != 32 or len(snonce) != 32:
        raise FtError("FTE MIC must be 16 octets and the nonces 32")
    body = bytes((0, element_count & 0xFF)) + bytes(mic) + bytes(anonce) + bytes(snonce)
    if r1kh_id is not None:
        body += bytes((SUB_R1KH_ID, 6)) + _mac(r1kh_id, "R1KH-ID")
    if r0kh_id is not None:
        r0kh_id = _r0kh(r0kh_id)
        body += bytes((SUB_R0KH_ID, len(r0kh_id))) + r0kh_id
    if len(body) > 255:
        raise FtError("FTE too long")
    return bytes((EID_FTE, len(body))) + body


def parse_fte(element):
    body = _element(element, EID_FTE, "FTE")
    if len(body) < _FTE_FIXED:
        raise FtError("FTE body %d octets, at least %d needed" % (len(body), _FTE_FIXED))
    fte = Fte(body[1], body[2:18], body[18:50], body[50:82])
    pos = _FTE_FIXED
    while pos < len(body):
        if pos + 2 > len(body):
            raise FtError("FTE subelement header truncated")
        sub, length = body[pos], body[pos + 1]
        value = body[pos + 2:pos + 2 + length]
        if len(value) != length:
            raise FtError("FTE subelement %d runs past the end" % sub)
        pos += 2 + length
        if sub == SUB_R1KH_ID:
            if length != 6:
                raise FtError("R1KH-ID subelement must be 6 octets, not %d" % length)
            fte.r1kh_id = value
        elif sub == SUB_R0KH_ID:
            if not 1 <= length <= 48:
                raise FtError("R0KH-ID subelement must be 1..48 octets, not %d" % length)
            fte.r0kh_id = value
        elif sub == SUB_GTK:
            # Key Info 2, Key Length 1, RSC 8, wrapped key (at least 24 octets)
            if length < 11 + 24 or (length - 11) % 8:
                raise FtError("GTK subelement of %d octets" % length)
            fte.gtk = value
        elif sub == SUB_IGTK:
            # Key ID 2, IPN 6, Key Length 1, wrapped key (24 for BIP-CMAC-128)
            if length < 9 + 24 or (length - 9) % 8:
                raise FtError("IGTK subelement of %d octets" % length)
            fte.igtk = value
        # other subelements (OCI, ...) are skipped
    return fte


def unwrap_gtk(kek, gtk_sub):
    """The GTK subelement's key: (key_id, rsc (8 octets), gtk)."""
    if len(gtk_sub) < 11 + 24:
        raise FtError("GTK subelement of %d octets" % len(gtk_sub))
    key_info, key_len = struct.unpack_from("<HB", gtk_sub, 0)
    rsc = bytes(gtk_sub[3:11])
    try:
        plain = aes_unwrap(kek, bytes(gtk_sub[11:]))
    except (KeyWrapError, ValueError) as exc:
        raise FtError("GTK subelement does not unwrap: %s" % exc) from None
    if not 5 <= key_len <= len(plain):
        raise FtError("GTK subelement key length %d out of range" % key_len)
    return key_info & 0x03, rsc, plain[:key_len]


def unwrap_igtk(kek, igtk_sub):
    """The IGTK subelement's key: (key_id, ipn (6 octets), igtk)."""
    if len(igtk_sub) < 9 + 24:
        raise FtError("IGTK subelement of %d octets" % len(igtk_sub))
    key_id = struct.unpack_from("<H", igtk_sub, 0)[0]
    ipn = bytes(igtk_sub[2:8])
    key_len = igtk_sub[8]
    try:
        plain = aes_unwrap(kek, bytes(igtk_sub[9:]))
    except (KeyWrapError, ValueError) as exc:
        raise FtError("IGTK subelement does not unwrap: %s" % exc) from None
    if not 16 <= key_len <= len(plain):
        raise FtError("IGTK subelement key length %d out of range" % key_len)
    return key_id, ipn, plain[:key_len]


def zero_mic(fte):
    """The FTE with its MIC field zeroed, as it enters the MIC."""
    fte = bytearray(fte)
    if len(fte) < 2 + _FTE_FIXED:
        raise FtError("FTE too short")
    fte[4:4 + _MIC_LEN] = bytes(_MIC_LEN)
    return bytes(fte)


def ft_mic(kck, sta, ap, seq, rsne, mde, fte, rsnxe=b""):
    """AES-128-CMAC(KCK, STA || AP || seq || RSNE || MDE || FTE(MIC=0) [|| RSNXE])
    (IEEE 802.11-2020 13.8.4/13.8.5; no RIC)."""
    data = (_mac(sta, "STA address") + _mac(ap, "AP address") + bytes((seq,))
            + bytes(rsne) + bytes(mde) + zero_mic(fte) + bytes(rsnxe))
    return aes_cmac(kck, data)
