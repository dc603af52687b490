"""EAP-TTLSv0 (RFC 5281) with PAP or MSCHAPv2 (RFC 5281 11.2.4) inside.

Phase 2 starts from the peer: once the tunnel is up, the AVPs go with the
next response.  MSCHAPv2's challenge is not sent by the server but derived
from the tunnel: TLS-PRF(master, "ttls challenge", randoms), 17 bytes, the
first 16 the challenge and the last the identifier.  MSK = TLS-PRF(master,
"ttls keying material", randoms)[0:64].  TLS 1.2 only (hostapd 2.10 and
wpa_supplicant 2.10 do not key TTLS over TLS 1.3 the same way).
"""

import struct

from wispd.eap import mschapv2
from wispd.eap.tlsframe import TlsMethod

TYPE_TTLS = 21
AVP_USER_NAME = 1
AVP_USER_PASSWORD = 2
VENDOR_MS = 311
MS_CHAP_ERROR = 2
MS_CHAP_CHALLENGE = 11
MS_CHAP2_RESPONSE = 25
MS_CHAP2_SUCCESS = 26
AVP_FLAG_V = 0x80
AVP_FLAG_M = 0x40
MSK_LEN = 64


def avp(code, data, vendor=None):
    flags = AVP_FLAG_M | (AVP_FLAG_V if vendor is not None else 0)
    head = 12 if vendor is not None else 8
    out = struct.pack(">IB", code, flags) + (head + len(data)).to_bytes(3, "big")
    if vendor is not None:
        out += struct.pack(">I", vendor)
    out += data
    return out + b"\0" * (-len(out) % 4)


def parse_avps(data):
    """[(vendor or 0, code, value)]; raises ValueError."""
    out = []
    pos = 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated AVP header")
        code, flags = struct.unpack_from(">IB", data, pos)
        length = int.from_bytes(data[pos + 5:pos + 8], "big")
        head = 12 if flags & AVP_FLAG_V else 8
        if length < head or pos + length > len(data):
            raise ValueError("AVP length %d does not fit" % length)
        vendor = struct.unpack_from(">I", data, pos + 8)[0] if flags & AVP_FLAG_V else 0
        out.append((vendor, code, bytes(data[pos + head:pos + length])))
        pos += length + (-length % 4)
    return out


class Ttls(TlsMethod):
    type = TYPE_TTLS
    name = "TTLS"
    version_bits = True
    version = 0

    def __init__(self, settings, creds, inner="MSCHAPV2", fragment_size=None, tls13=None):
        super().__init__(settings, fragment_size, tls13)
        self.creds = creds
        self.inner = inner
        self.exchange = None

    def established(self):
        user = avp(AVP_USER_NAME, self.creds.username)
        if self.inner == "PAP":
            pw = self.creds.password
            if pw is None:
                self.fail("TTLS-PAP needs the password in clear text")
                return
            pw = pw.encode() if isinstance(pw, str) else pw
            pw += b"\0" * (-len(pw) % 16 or (16 if not pw else 0))
            self.events.append(("phase2", "PAP"))
            self.link.write_app(user + avp(AVP_USER_PASSWORD, pw))
            # Nothing comes back inside the tunnel: the outer Success/Failure decides.
            self.msk = self.link.export(b"ttls keying material", MSK_LEN)
            self.decision = "success"
            return
        challenge = self.link.export(b"ttls challenge", 17)
        self.exchange = mschapv2.Exchange(self.creds)
        nt = self.exchange.respond(challenge[:16])
        value = bytes((challenge[16], 0)) + self.exchange.peer_challenge + b"\0" * 8 + nt
        self.events.append(("phase2", "MSCHAPV2"))
        self.link.write_app(user + avp(MS_CHAP_CHALLENGE, challenge[:16], VENDOR_MS)
                            + avp(MS_CHAP2_RESPONSE, value, VENDOR_MS))

    def app_data(self, data):
        if not data or self.exchange is None:
            return
        for vendor, code, value in parse_avps(data):
            if vendor == VENDOR_MS and code == MS_CHAP2_SUCCESS:
                if len(value) > 1 and self.exchange.verify(value[1:]):
                    self.msk = self.link.export(b"ttls keying material", MSK_LEN)
                    self.decision = "success"
                else:
                    self.fail("the server's MSCHAPv2 authenticator response is wrong")
                return
            if vendor == VENDOR_MS and code == MS_CHAP_ERROR:
                self.fail("MSCHAPv2 error %s" % value[1:].decode("ascii", "replace")[:20])
                return
