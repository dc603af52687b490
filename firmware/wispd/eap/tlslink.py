"""A TLS client over memory buffers, for the TLS-based EAP methods.

Why pyOpenSSL: EAP-TLS, PEAP and TTLS derive the MSK from the TLS session
(RFC 5705 exporter, or the TLS 1.2 PRF over the master secret, which is the
same thing with no context).  Python's `ssl` module exports neither.
pyOpenSSL has memory BIOs and Connection.export_keying_material (17.5+), uses
the system's OpenSSL (which the board has for Python's `ssl` anyway) and is
packaged in Buildroot as python-pyopenssl.  TLS itself is never ours.

Imported only when a network's EAP method needs TLS (peer.py imports the
methods lazily): OpenSSL's bindings cost several MB of RSS that a PSK board
never pays (docs/enterprise.md has the figures).

The server certificate: with `ca_cert` set it is always verified against that
CA, and the leaf must satisfy domain_suffix_match, domain_match and
altsubject_match when set; any failure aborts the handshake with an alert, so
the inner method of PEAP/TTLS never starts.  Without a CA the certificate is
accepted and the peer warns, as wpa_supplicant does.
"""

import hashlib

from OpenSSL import SSL, crypto

from wispd.eap.settings import TlsSettings  # noqa: F401 - re-exported

from cryptography import x509 as _x509          # pyOpenSSL is built on it
from cryptography.hazmat.primitives import serialization

_DER = serialization.Encoding.DER


class TlsError(Exception):
    """The TLS session failed (handshake, certificate, or a bad record)."""


class PeerCert:
    """One certificate of the server's chain as the verify callback saw it."""
    __slots__ = ("depth", "subject", "hash", "altsubject")

    def __init__(self, depth, subject, hash_, altsubject):
        self.depth = depth
        self.subject = subject
        self.hash = hash_
        self.altsubject = altsubject


def _load_key(path, passphrase):
    """The private key (PEM, or DER), decrypted with its passphrase here
    (pyOpenSSL's password callback is deprecated)."""
    with open(path, "rb") as f:
        data = f.read()
    pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, pw)
        else:
            key = serialization.load_der_private_key(data, pw)
    except (ValueError, TypeError):
        # Never the passphrase itself in the message.
        raise ValueError("cannot decrypt or read the private key %s (private_key_passwd?)"
                         % path) from None
    return key


def _subject_text(name):
    """OpenSSL's X509_NAME_oneline form: /C=FI/O=Org/CN=host."""
    return "".join("/%s=%s" % (a.rfc4514_attribute_name, a.value) for a in name)


def _altnames(cert):
    """wpa_supplicant's altsubject strings: DNS:x, EMAIL:x, URI:x."""
    if _x509 is None:
        return []
    try:
        ext = cert.extensions.get_extension_for_class(_x509.SubjectAlternativeName)
    except Exception:     # noqa: BLE001 - no extension, or one cryptography cannot read
        return []
    out = []
    for gen in ext.value:
        if isinstance(gen, _x509.DNSName):
            out.append("DNS:" + gen.value)
        elif isinstance(gen, _x509.RFC822Name):
            out.append("EMAIL:" + gen.value)
        elif isinstance(gen, _x509.UniformResourceIdentifier):
            out.append("URI:" + gen.value)
    return out


def _dns_names(cert, alt):
    names = [a[4:] for a in alt if a.startswith("DNS:")]
    if not names:
        names = [a.value for a in cert.subject.get_attributes_for_oid(_x509.NameOID.COMMON_NAME)]
    return [n.lower().rstrip(".") for n in names]


def check_server_names(names, alt, settings):
    """None when the leaf's names satisfy the configured constraints, else why not."""
    suffixes = [s.strip().lower().rstrip(".") for s in
                (settings.domain_suffix_match or "").split(";") if s.strip()]
    if suffixes and not any(n == s or n.endswith("." + s) for n in names for s in suffixes):
        return "Domain suffix mismatch"
    exact = [s.strip().lower().rstrip(".") for s in
             (settings.domain_match or "").split(";") if s.strip()]
    if exact and not any(n in exact for n in names):
        return "Domain mismatch"
    wanted = [s.strip() for s in (settings.altsubject_match or "").split(";") if s.strip()]
    if wanted and not any(w in alt for w in wanted):
        return "AltSubject mismatch"
    return None


class TlsLink:
    """One TLS client session whose records go in and out as bytes."""

    def __init__(self, settings, allow_tls13=True):
        self.settings = settings
        self.peer_certs = []        # PeerCert, in the order the callback saw them
        self.cert_error = None      # (depth, subject, reason) of the first failure
        self.established = False
        ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.set_max_proto_version(SSL.TLS1_3_VERSION if allow_tls13 else SSL.TLS1_2_VERSION)
        try:
            if settings.ca_cert:
                ctx.load_verify_locations(settings.ca_cert)
            if settings.client_cert:
                ctx.use_certificate_chain_file(settings.client_cert)
            if settings.private_key:
                key = _load_key(settings.private_key, settings.private_key_passwd)
                try:
                    ctx.use_privatekey(key)          # pyOpenSSL >= 24: cryptography keys
                except TypeError:
                    ctx.use_privatekey(crypto.PKey.from_cryptography_key(key))
                ctx.check_privatekey()
        except (SSL.Error, OSError, ValueError, TypeError) as e:
            # OpenSSL's text names the file and the failing step, never the passphrase.
            raise TlsError("cannot load the certificates or key: %s" % _ssl_text(e)) from None
        ctx.set_verify(SSL.VERIFY_PEER, self._verify)
        self.conn = SSL.Connection(ctx, None)
        self.conn.set_connect_state()

    # -- certificate checks (OpenSSL calls this for each certificate, top down)
    def _verify(self, conn, cert, errnum, depth, ok):
        try:
            c = cert.to_cryptography() if hasattr(cert, "to_cryptography") else cert
            alt = _altnames(c)
            der = c.public_bytes(_DER)
            subject = _subject_text(c.subject)
            self.peer_certs.append(PeerCert(depth, subject, hashlib.sha256(der).hexdigest(),
                                            alt))
            if not self.settings.ca_cert:
                return True
            if not ok:
                if self.cert_error is None:
                    self.cert_error = (depth, subject, _verify_text(errnum))
                return False
            if depth == 0:
                why = check_server_names(_dns_names(c, alt), alt, self.settings)
                if why is not None:
                    self.cert_error = (depth, subject, why)
                    return False
            return True
        except Exception as e:  # noqa: BLE001 - an exception here would be lost in OpenSSL
            self.cert_error = (depth, "", "certificate check error: %s" % e)
            return False

    # -- records
    def feed(self, records):
        if records:
            self.conn.bio_write(records)

    def step(self):
        """Advance the handshake with what was fed; True once established."""
        if self.established:
            return True
        try:
            self.conn.do_handshake()
        except SSL.WantReadError:
            return False
        except SSL.Error as e:
            raise TlsError(self._failure_text(e)) from None
        self.established = True
        return True

    def _failure_text(self, e):
        if self.cert_error is not None:
            return "server certificate rejected: %s" % self.cert_error[2]
        return "TLS handshake failed: %s" % _ssl_text(e)

    def pending_output(self):
        out = []
        while True:
            try:
                chunk = self.conn.bio_read(65536)
            except SSL.WantReadError:
                break
            if not chunk:
                break
            out.append(chunk)
        return b"".join(out)

    def read_app(self):
        """Application data that arrived (after the handshake)."""
        out = []
        while True:
            try:
                chunk = self.conn.recv(65536)
            except (SSL.WantReadError, SSL.ZeroReturnError):
                break
            except SSL.Error as e:
                raise TlsError("TLS record error: %s" % _ssl_text(e)) from None
            if not chunk:
                break
            out.append(chunk)
        return b"".join(out)

    def write_app(self, data):
        try:
            self.conn.sendall(data)
        except SSL.Error as e:
            raise TlsError("TLS write error: %s" % _ssl_text(e)) from None

    @property
    def version(self):
        return self.conn.get_protocol_version_name()

    @property
    def tls13(self):
        return self.version == "TLSv1.3"

    def export(self, label, length, context=None):
        return self.conn.export_keying_material(label, length, context)

    def cipher(self):
        return self.conn.get_cipher_name()


def _ssl_text(e):
    args = getattr(e, "args", ())
    if args and isinstance(args[0], list) and args[0]:
        return "; ".join(str(x[-1]) for x in args[0] if x)
    return str(e) or type(e).__name__


def _verify_text(errnum):
    try:
        from OpenSSL._util import ffi, lib
        return ffi.string(lib.X509_verify_cert_error_string(errnum)).decode()
    except Exception:      # noqa: BLE001 - private API: fall back to the number
        return "certificate verify error %d" % errnum
