"""The part all TLS-based methods share (RFC 5216 section 3, RFC 5281 9.2,
PEAP section 3): the Flags octet, reassembly of the server's fragments,
fragmentation of ours, and the TLS handshake driven through tlslink.

A method subclass says what happens once the tunnel is up (`established`)
and with application data (`app_data`).  Method interface (peer.py):
process(type_data) -> response type data; `decision` None/"success"/"failure";
`msk`; `error`; `events` (drained by the peer).
"""

import struct

from wispd.eap.tlslink import TlsError, TlsLink

FLAG_L = 0x80     # TLS Message Length included
FLAG_M = 0x40     # more fragments
FLAG_S = 0x20     # start
VERSION_MASK = 0x07

DEFAULT_FRAGMENT_SIZE = 1398     # wpa_supplicant's fragment_size default
_OVERHEAD = 10                   # EAP header, type, flags, TLS message length
MAX_MESSAGE = 64 * 1024          # reassembly bound: a TLS flight is far smaller


class TlsMethod:
    type = None
    name = None
    version_bits = False      # PEAP and TTLS carry a version in the flags
    version = 0
    tls13_default = False

    def __init__(self, settings, fragment_size=None, tls13=None):
        self.settings = settings
        size = fragment_size or DEFAULT_FRAGMENT_SIZE
        self.frag = max(64, size - _OVERHEAD)
        self.tls13 = self.tls13_default if tls13 is None else tls13
        self.link = None
        self.inbuf = b""
        self.in_total = None
        self.outq = b""
        self.out_started = False
        self.decision = None
        self.msk = None
        self.error = None
        self.events = []
        self._certs_told = 0

    # -- flags
    def _flags(self, flags):
        return flags | (self.version if self.version_bits else 0)

    def _ack(self):
        return bytes((self._flags(0),))

    # -- the method interface
    def process(self, data):
        if not data:
            raise ValueError("%s request without flags" % self.name)
        flags = data[0]
        pos = 1
        if flags & FLAG_L:
            if len(data) < 5:
                raise ValueError("%s length flag without a length" % self.name)
            total = struct.unpack_from(">I", data, 1)[0]
            if total > MAX_MESSAGE:
                raise ValueError("%s message of %d bytes refused" % (self.name, total))
            self.in_total = total
            pos = 5
        body = bytes(data[pos:])
        if self.outq and not body:
            return self._next_fragment()       # the server acknowledged a fragment
        if flags & FLAG_S:
            if self.link is None:
                self.start(flags)
                try:
                    self.link = TlsLink(self.settings, allow_tls13=self.tls13)
                except TlsError as e:        # our certificate or key cannot be loaded
                    self.fail(str(e))
                    return None
        elif self.link is None:
            raise ValueError("%s data before the start" % self.name)
        if self.decision == "failure":
            return self._ack()
        self.inbuf += body
        if len(self.inbuf) > MAX_MESSAGE:
            raise ValueError("%s message too long" % self.name)
        if flags & FLAG_M:
            return self._ack()
        records, self.inbuf, self.in_total = self.inbuf, b"", None
        try:
            self.link.feed(records)
            out = self._advance()
        except TlsError as e:
            self._tell_certs()
            self.fail(str(e))
            out = self.link.pending_output()     # the alert, for the server's log
        self.outq = out
        self.out_started = False
        return self._next_fragment()

    def start(self, flags):
        """The server's Start (PEAP/TTLS check its version here)."""

    def _advance(self):
        was_up = self.link.established
        up = self.link.step()
        self._tell_certs()
        out = self.link.pending_output()
        if up:
            if not was_up:
                self.events.append(("status", "remote certificate verification", "success"))
                self.established()
            app = self.link.read_app()
            if app or not was_up:
                self.app_data(app)
            out += self.link.pending_output()
        return out

    def _tell_certs(self):
        certs = self.link.peer_certs if self.link is not None else []
        for cert in certs[self._certs_told:]:
            self.events.append(("peer_cert", cert))
        self._certs_told = len(certs)
        err = self.link.cert_error if self.link is not None else None
        if err is not None and not getattr(self, "_cert_error_told", False):
            self._cert_error_told = True
            self.events.append(("cert_error",) + tuple(err))

    def _next_fragment(self):
        q = self.outq
        if not q:
            return self._ack()
        if not self.out_started and len(q) <= self.frag:
            self.outq = b""
            return bytes((self._flags(0),)) + q
        chunk, self.outq = q[:self.frag], q[self.frag:]
        flags = FLAG_M if self.outq else 0
        head = b""
        if not self.out_started:
            flags |= FLAG_L
            head = struct.pack(">I", len(q))
            self.out_started = True
        return bytes((self._flags(flags),)) + head + chunk

    def fail(self, why):
        if self.decision != "failure":
            self.decision = "failure"
            self.error = why

    # -- what a method adds
    def established(self):
        """The tunnel is up (the server's certificate checked out)."""

    def app_data(self, data):
        """Decrypted application data from the server (may be empty)."""
