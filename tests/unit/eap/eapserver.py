"""An EAP server for the peer's unit tests: hostapd's role, cut down.

TLS is real (pyOpenSSL, server side, memory BIOs), so the peer's handshake,
fragmentation, certificate checks and keying are tested against an independent
TLS implementation's view: the server derives its own MSK with the exporter and
the tests compare.  Phase 2 of PEAPv0 (Identity, EAP-MSCHAPv2, Result TLV) and
TTLS (PAP, MSCHAPv2 AVPs) follows the drafts/RFC 5281 from the server side;
MSCHAPv2 is checked with RFC 2759's functions (themselves tested on the RFC's
vectors in test_crypto.py).
"""
import struct

from OpenSSL import SSL

from wispd.eap import mschapv2 as ms
from wispd.eap import packet as P
from wispd.eap.peer import Done, Send

L, M, S = 0x80, 0x40, 0x20
KEY_PASSPHRASE = "unit key pass"     # the client key's (conftest.py)


class MiniServer:
    def __init__(self, pki, method, server="server", tls13=False, frag=1000,
                 password="alice pw", verify_client=False, phase2="MSCHAPV2"):
        self.method = method
        self.frag = frag
        self.password = password
        self.phase2 = phase2
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.set_max_proto_version(SSL.TLS1_3_VERSION if tls13 else SSL.TLS1_2_VERSION)
        ctx.use_certificate_file(pki[server])
        ctx.use_privatekey_file(pki[server + "_key"])
        if verify_client:
            ctx.load_verify_locations(pki["ca"])
            ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT,
                           lambda conn, cert, err, depth, ok: bool(ok))
        ctx.set_options(SSL.OP_NO_TICKET)
        self.conn = SSL.Connection(ctx, None)
        self.conn.set_accept_state()
        self.ident = 0
        self.inbuf = b""
        self.outq = b""
        self.out_first = True
        self.msk = None
        self.saw = []              # what the server saw: "identity:..", "phase2:..", "alert"
        self.max_fragment_seen = 0
        self.fragments_received = 0
        self.up = False
        self.commitment_sent = False
        self.phase2_state = None
        self.mschap = None

    # -- packets
    def _pkt(self, code, type_=None, data=b""):
        self.ident = (self.ident + 1) & 0xFF
        return P.Packet(code, self.ident, type_, data)

    def _req(self, data):
        return self._pkt(P.CODE_REQUEST, self.method, data)

    def _flags(self, f):
        return f   # version 0 for PEAP and TTLS

    def first(self):
        return self._pkt(P.CODE_REQUEST, P.TYPE_IDENTITY)

    def run(self, peer, rounds=300):
        pkt = self.first()
        for _ in range(rounds):
            actions = peer.receive(pkt)
            done = [a for a in actions if isinstance(a, Done)]
            if done:
                return done[0]
            sends = [a for a in actions if isinstance(a, Send)]
            if not sends:
                return None
            _, _, body = P.parse_eapol(sends[-1].frame)
            pkt = self.handle(P.Packet.parse(body))
        raise AssertionError("no end after %d rounds" % rounds)

    def handle(self, resp):
        if resp.type == P.TYPE_IDENTITY:
            self.saw.append("identity:" + resp.data.decode())
            return self._req(bytes((self._flags(S),)))
        if resp.type == P.TYPE_NAK:
            self.saw.append("nak:%s" % list(resp.data))
            return self._pkt(P.CODE_FAILURE)
        data = resp.data
        flags = data[0]
        body = data[5:] if flags & L else data[1:]
        self.max_fragment_seen = max(self.max_fragment_seen, len(resp.build()))
        if self.outq and not body:
            return self._next()
        self.inbuf += body
        if body:
            self.fragments_received += 1
        if flags & M:
            return self._req(bytes((self._flags(0),)))
        records, self.inbuf = self.inbuf, b""
        try:
            if records:
                self.conn.bio_write(records)
            if not self.up:
                try:
                    self.conn.do_handshake()
                    self.up = True
                    self.on_up()
                except SSL.WantReadError:
                    pass
            if self.up:
                app = self._read_app()
                if app or self.phase2_state is None:
                    verdict = self.on_app(app)
                    if verdict is not None:
                        return verdict
        except SSL.Error:
            self.saw.append("alert")
            return self._pkt(P.CODE_FAILURE)
        self.outq = self._bio_out()
        self.out_first = True
        if not self.outq:
            if self.up and self.method == P.TYPE_TLS:
                return self._pkt(P.CODE_SUCCESS)
            if self.up and self.method == P.TYPE_TTLS and self.phase2 == "PAP" and \
                    self.phase2_state == "done":
                return self._pkt(P.CODE_SUCCESS)
            if self.up and self.phase2_state == "success":
                return self._pkt(P.CODE_SUCCESS)
            return self._req(bytes((self._flags(0),)))
        return self._next()

    def _bio_out(self):
        out = b""
        while True:
            try:
                out += self.conn.bio_read(65536)
            except SSL.WantReadError:
                return out

    def _read_app(self):
        out = b""
        while True:
            try:
                out += self.conn.recv(65536)
            except (SSL.WantReadError, SSL.ZeroReturnError):
                return out

    def _next(self):
        q = self.outq
        if self.out_first and len(q) <= self.frag:
            self.outq = b""
            return self._req(bytes((self._flags(0),)) + q)
        chunk, self.outq = q[:self.frag], q[self.frag:]
        f = M if self.outq else 0
        head = b""
        if self.out_first:
            f |= L
            head = struct.pack(">I", len(q))
            self.out_first = False
        return self._req(bytes((self._flags(f),)) + head + chunk)

    # -- after the handshake
    def on_up(self):
        tls13 = self.conn.get_protocol_version_name() == "TLSv1.3"
        if self.method == P.TYPE_TLS:
            if tls13:
                self.msk = self.conn.export_keying_material(
                    b"EXPORTER_EAP_TLS_Key_Material", 128, b"\x0d")[:64]
                self.conn.sendall(b"\x00")      # RFC 9190 commitment
            else:
                self.msk = self.conn.export_keying_material(b"client EAP encryption", 64)
        elif self.method == P.TYPE_PEAP:
            self.msk = self.conn.export_keying_material(b"client EAP encryption", 64)
            self.conn.sendall(b"\x01")          # compressed Identity request
            self.phase2_state = "identity"
        else:
            self.msk = self.conn.export_keying_material(b"ttls keying material", 64)
            self.phase2_state = "avps"

    def on_app(self, app):
        if self.method == P.TYPE_PEAP:
            return self._peap(app)
        if self.method == P.TYPE_TTLS:
            return self._ttls(app)
        return None

    def _peap(self, app):
        if not app:
            return None
        st = self.phase2_state
        if st == "identity":
            assert app[0] == P.TYPE_IDENTITY
            self.saw.append("phase2:identity:" + app[1:].decode())
            self.mschap = {"auth": b"A" * 16, "user": app[1:]}
            self.conn.sendall(bytes((P.TYPE_MSCHAPV2, 1, 7, 0, 26, 16)) + b"A" * 16 + b"srv")
            self.phase2_state = "challenge"
        elif st == "challenge":
            assert app[0] == P.TYPE_MSCHAPV2 and app[1] == 2
            self.saw.append("phase2:mschapv2-response")
            peer_chal, nt = app[6:22], app[30:54]
            user = app[55:]
            pw_hash = ms.nt_password_hash(self.password)
            if ms.generate_nt_response(b"A" * 16, peer_chal, user, pw_hash) != nt:
                self.conn.sendall(bytes((P.TYPE_MSCHAPV2, 4, 7, 0, 17)) + b"E=691 R=0 V=3")
                self.phase2_state = "failed"
                return None
            auth = ms.authenticator_response(pw_hash, nt, peer_chal, b"A" * 16, user)
            self.conn.sendall(bytes((P.TYPE_MSCHAPV2, 3, 7, 0, 4 + len(auth))) + auth)
            self.phase2_state = "success-sent"
        elif st == "success-sent":
            assert app == bytes((P.TYPE_MSCHAPV2, 3))
            tlv = struct.pack(">HHH", 0x8003, 2, 1)
            self.conn.sendall(struct.pack(">BBHB", 1, 9, 5 + len(tlv), P.TYPE_TLV) + tlv)
            self.phase2_state = "result"
        elif st == "failed":
            assert app == bytes((P.TYPE_MSCHAPV2, 4))
            return self._pkt(P.CODE_FAILURE)
        elif st == "result":
            assert app[0] == 2 and app[4] == P.TYPE_TLV
            ok = app[5:] == struct.pack(">HHH", 0x8003, 2, 1)
            self.saw.append("phase2:result:%s" % ok)
            if not ok:
                return self._pkt(P.CODE_FAILURE)
            self.phase2_state = "success"
        return None

    def _ttls(self, app):
        from wispd.eap.ttls import parse_avps, avp
        if not app:
            return None
        avps = {(v, c): val for v, c, val in parse_avps(app)}
        user = avps[(0, 1)]
        self.saw.append("phase2:user:" + user.decode())
        if self.phase2 == "PAP":
            pw = avps[(0, 2)].rstrip(b"\0").decode()
            self.saw.append("phase2:pap")
            if pw != self.password:
                return self._pkt(P.CODE_FAILURE)
            self.phase2_state = "done"
            return None
        chal = self.conn.export_keying_material(b"ttls challenge", 17)
        assert avps[(311, 11)] == chal[:16]
        resp = avps[(311, 25)]
        assert resp[0] == chal[16]
        peer_chal, nt = resp[2:18], resp[26:50]
        pw_hash = ms.nt_password_hash(self.password)
        if ms.generate_nt_response(chal[:16], peer_chal, user, pw_hash) != nt:
            return self._pkt(P.CODE_FAILURE)
        auth = ms.authenticator_response(pw_hash, nt, peer_chal, chal[:16], user)
        self.conn.sendall(avp(26, bytes((chal[16],)) + auth, 311))
        self.phase2_state = "success"
        return None
