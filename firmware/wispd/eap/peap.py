"""PEAPv0 (draft-kamath-pppext-peapv0, [MS-PEAP]) with EAP-MSCHAPv2 inside.

Inside the tunnel PEAPv0 sends inner EAP packets without their 4-byte header
(type octet first), except the Extensions/TLV packets (type 33), which keep it.
The server ends phase 2 with a Result TLV; the peer answers with its own Result
TLV.  The optional Crypto-Binding TLV is not answered: hostapd's default
(peapbind optional) accepts that and then keys from the tunnel alone, so
MSK = TLS-PRF(master secret, "client EAP encryption", randoms)[0:64].
Inner credentials are sent only inside an established tunnel, which exists
only after the server certificate passed tlslink's checks.
"""

import struct

from wispd.eap import mschapv2
from wispd.eap.tlsframe import TlsMethod

TYPE_PEAP = 25
TYPE_IDENTITY = 1
TYPE_NAK = 3
TYPE_MSCHAPV2 = 26
TYPE_TLV = 33
TLV_RESULT = 3
TLV_CRYPTO_BINDING = 12
TLV_MANDATORY = 0x8000
RESULT_SUCCESS = 1
RESULT_FAILURE = 2
MSK_LEN = 64


def parse_tlvs(data):
    """[(type without the M/R bits, value)]; raises ValueError."""
    out = []
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise ValueError("truncated TLV header")
        t, length = struct.unpack_from(">HH", data, pos)
        pos += 4
        if pos + length > len(data):
            raise ValueError("TLV of %d bytes overruns the packet" % length)
        out.append((t & 0x3FFF, bytes(data[pos:pos + length])))
        pos += length
    return out


def result_tlv(status):
    return struct.pack(">HHH", TLV_MANDATORY | TLV_RESULT, 2, status)


class Peap(TlsMethod):
    type = TYPE_PEAP
    name = "PEAP"
    version_bits = True
    version = 0

    def __init__(self, settings, creds, fragment_size=None, tls13=None):
        super().__init__(settings, fragment_size, tls13)
        self.creds = creds            # mschapv2.Credentials (phase-2 identity and password)
        self.inner = None
        self.inner_done = False

    def start(self, flags):
        # Any server version: we speak 0, and the server drops to the peer's.
        pass

    def app_data(self, data):
        if not data:
            return
        full = len(data) >= 5 and data[0] in (1, 2) and data[4] == TYPE_TLV and \
            struct.unpack_from(">H", data, 2)[0] == len(data)
        if full:
            self._tlv(data[1], data[5:])
            return
        if data[0] == 1 and len(data) >= 5 and data[4] == TYPE_IDENTITY and \
                struct.unpack_from(">H", data, 2)[0] == len(data):
            data = data[4:]          # a full-header Identity request (FreeRADIUS does that)
        itype, body = data[0], data[1:]
        if itype == TYPE_IDENTITY:
            self.events.append(("phase2", "Identity"))
            self.link.write_app(bytes((TYPE_IDENTITY,)) + self.creds.username)
        elif itype == TYPE_MSCHAPV2:
            if self.inner is None:
                self.inner = mschapv2.EapMschapv2(self.creds)
                self.events.append(("phase2", "MSCHAPV2"))
            resp = self.inner.process(body)
            if self.inner.decision == "failure":
                self.fail(self.inner.error)
            if resp is not None:
                self.link.write_app(bytes((TYPE_MSCHAPV2,)) + resp)
        else:
            self.link.write_app(bytes((TYPE_NAK, TYPE_MSCHAPV2)))

    def _tlv(self, ident, body):
        result = None
        for t, value in parse_tlvs(body):
            if t == TLV_RESULT and len(value) == 2:
                result = struct.unpack(">H", value)[0]
        ok = result == RESULT_SUCCESS and self.inner is not None and \
            self.inner.decision == "success"
        status = RESULT_SUCCESS if ok else RESULT_FAILURE
        tlvs = result_tlv(status)
        self.link.write_app(struct.pack(">BBHB", 2, ident, 5 + len(tlvs), TYPE_TLV) + tlvs)
        if ok:
            self.msk = self.link.export(b"client EAP encryption", MSK_LEN)
            self.decision = "success"
        else:
            self.fail(self.error or ("the server's PEAP result is failure" if result is not None
                                     else "PEAP result TLV missing"))
