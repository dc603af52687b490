"""EAP packets (RFC 3748 section 4) and their EAPOL carriage (IEEE 802.1X-2020 11.3).

Pure functions on bytes.  A malformed packet raises EapError (a ValueError):
the peer drops it, as RFC 3748 4.1 asks for a packet whose length is wrong.
"""

import struct

CODE_REQUEST = 1
CODE_RESPONSE = 2
CODE_SUCCESS = 3
CODE_FAILURE = 4

TYPE_IDENTITY = 1
TYPE_NOTIFICATION = 2
TYPE_NAK = 3
TYPE_MD5 = 4
TYPE_TLS = 13
TYPE_TTLS = 21
TYPE_PEAP = 25
TYPE_MSCHAPV2 = 26
TYPE_TLV = 33          # PEAP's Extensions / TLV type
TYPE_EXPANDED = 254

METHOD_NAMES = {TYPE_IDENTITY: "Identity", TYPE_NOTIFICATION: "Notification",
                TYPE_NAK: "Nak", TYPE_MD5: "MD5", TYPE_TLS: "TLS", TYPE_TTLS: "TTLS",
                TYPE_PEAP: "PEAP", TYPE_MSCHAPV2: "MSCHAPV2", TYPE_TLV: "TLV"}
METHOD_BY_NAME = {"TLS": TYPE_TLS, "TTLS": TYPE_TTLS, "PEAP": TYPE_PEAP,
                  "MSCHAPV2": TYPE_MSCHAPV2}

EAPOL_VERSION = 2
EAPOL_EAP = 0
EAPOL_START = 1
EAPOL_LOGOFF = 2
EAPOL_KEY = 3

_HDR = struct.Struct(">BBH")


class EapError(ValueError):
    """Not a well-formed EAP packet."""


class Packet:
    """One EAP packet: code, identifier, and for requests and responses the
    type and the type data."""
    __slots__ = ("code", "ident", "type", "data")

    def __init__(self, code, ident, type_=None, data=b""):
        self.code = code
        self.ident = ident
        self.type = type_
        self.data = data

    @classmethod
    def parse(cls, raw):
        if len(raw) < 4:
            raise EapError("EAP packet shorter than its header")
        code, ident, length = _HDR.unpack_from(raw)
        if length < 4 or length > len(raw):
            raise EapError("EAP length %d does not fit %d bytes" % (length, len(raw)))
        raw = raw[:length]      # data past the length is link padding
        if code in (CODE_REQUEST, CODE_RESPONSE):
            if length < 5:
                raise EapError("EAP request without a type")
            return cls(code, ident, raw[4], bytes(raw[5:]))
        if code in (CODE_SUCCESS, CODE_FAILURE):
            return cls(code, ident)
        raise EapError("unknown EAP code %d" % code)

    def build(self):
        if self.type is None:
            return _HDR.pack(self.code, self.ident, 4)
        return _HDR.pack(self.code, self.ident, 5 + len(self.data)) + bytes((self.type,)) \
            + self.data


def response(ident, type_, data=b""):
    return Packet(CODE_RESPONSE, ident, type_, data).build()


def eapol(ptype, body=b"", version=EAPOL_VERSION):
    """An EAPOL frame (802.1X header + body)."""
    return struct.pack(">BBH", version, ptype, len(body)) + body


def parse_eapol(frame):
    """(version, packet type, body) of an EAPOL frame; raises EapError."""
    if len(frame) < 4:
        raise EapError("EAPOL frame shorter than its header")
    version, ptype, length = struct.unpack_from(">BBH", frame)
    if length > len(frame) - 4:
        raise EapError("EAPOL body length %d exceeds the frame" % length)
    return version, ptype, bytes(frame[4:4 + length])
