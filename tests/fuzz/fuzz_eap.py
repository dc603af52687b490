"""EAP packets (issue 16) through the sans-IO peer (wispd.eap.peer) and the
inner parsers of its methods.

An input is a list of EAPOL frames fed in turn to one peer that allows TLS,
PEAP and TTLS with a CA configured (so a Start really opens a TLS client over
OpenSSL, and the frames after it reach the fragment reassembly and the TLS
record layer); each frame's EAP payload is also handed to the inner parsers
(PEAP's TLVs, TTLS's AVPs, EAP-MSCHAPv2) directly.

Properties:
- receive_eapol never raises, and the parsers raise only ValueError;
- no frame sequence makes the peer report success: a forged EAP-Success is
  never accepted without a finished method, and no method finishes without a
  server that holds the CA's key;
- every frame the peer sends back is a well-formed EAPOL/EAP response whose
  identifier echoes a request it got.
"""

from hypothesis import strategies as st

from fuzzlib import Target, mutated
from wispd.eap import mschapv2, packet as P
from wispd.eap.peer import Done, EapPeer, Send
from wispd.eap.settings import EapSettings, TlsSettings



def _ca_pem():
    """A throw-away CA certificate, so a Start opens a real TLS client."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _frames(data):
    """A corpus file: frames separated by their own EAPOL length fields."""
    out, pos = [], 0
    while pos + 4 <= len(data) and len(out) < 16:
        n = int.from_bytes(data[pos + 2:pos + 4], "big")
        out.append(data[pos:pos + 4 + n])
        pos += 4 + n
    if pos < len(data):
        out.append(data[pos:])
    return out


class EapTarget(Target):
    name = "eap"

    def setup(self):
        import tempfile
        self._dir = tempfile.mkdtemp(prefix="fuzz-eap-")
        self.ca = self._dir + "/ca.pem"
        with open(self.ca, "wb") as f:
            f.write(_ca_pem())

    def teardown(self):
        import shutil
        shutil.rmtree(self._dir, ignore_errors=True)

    def decode(self, data, filename):
        return _frames(data)

    def encode(self, value):
        return b"".join(value)

    def strategy(self):
        seeds = [f for _, v in self.corpus() for f in v]
        frame = mutated(seeds) | st.binary(max_size=120)
        return st.lists(frame, min_size=1, max_size=8)

    def check(self, frames):
        peer = EapPeer(EapSettings(methods=[P.TYPE_PEAP, P.TYPE_TTLS, P.TYPE_TLS],
                                   identity=b"alice", password="pw", phase2="auth=MSCHAPV2",
                                   tls=TlsSettings(ca_cert=getattr(self, "ca", None))))
        ids = set()
        for frame in frames:
            try:
                _v, _t, body = P.parse_eapol(frame)
                pkt = P.Packet.parse(body)
                if pkt.code == P.CODE_REQUEST:
                    ids.add(pkt.ident)
            except P.EapError:
                body = b""
            for action in peer.receive_eapol(frame):
                assert not (isinstance(action, Done) and action.ok), "forged success accepted"
                if isinstance(action, Send):
                    _v, ptype, sent = P.parse_eapol(action.frame)
                    if ptype == P.EAPOL_EAP:
                        resp = P.Packet.parse(sent)
                        assert resp.code == P.CODE_RESPONSE and resp.ident in ids
            inner(body[5:] if len(body) > 5 else body)


def inner(data):
    from wispd.eap import peap, ttls
    for parse in (peap.parse_tlvs, ttls.parse_avps):
        try:
            parse(data)
        except ValueError:
            pass
    m = mschapv2.EapMschapv2(mschapv2.Credentials(b"alice", "pw"))
    for chunk in (data, bytes((1, 1, 0, 26, 16)) + bytes(16) + data):
        try:
            m.process(chunk)
        except ValueError:
            pass
