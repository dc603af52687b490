"""A small PKI for the EAP unit tests, made with `cryptography` (fast, no files
outside tmp): a CA, a server certificate for server.example.com, a client
certificate whose key has a passphrase, and a rogue CA with its own server."""
import datetime

import pytest

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

from eapserver import KEY_PASSPHRASE  # noqa: E402


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wispd unit"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer, issuer_key, ca=False, san=None, usage=None, days=30,
          expired=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = (now - datetime.timedelta(days=60), now - datetime.timedelta(days=30)) \
        if expired else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=days))
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    if usage:
        b = b.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(path, cert=None, key=None, passphrase=None):
    if cert is not None:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    else:
        enc = serialization.BestAvailableEncryption(passphrase.encode()) if passphrase \
            else serialization.NoEncryption()
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8, enc))
    return str(path)


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    out = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("unit CA", ca_key, "unit CA", ca_key, ca=True)
    out["ca"] = _write(d / "ca.pem", ca)
    for name, cn, issuer, ikey, usage, kw in (
            ("server", "server.example.com", "unit CA", ca_key, ExtendedKeyUsageOID.SERVER_AUTH,
             {"san": "server.example.com"}),
            ("client", "tls-client", "unit CA", ca_key, ExtendedKeyUsageOID.CLIENT_AUTH, {}),
            ("expired", "tls-client", "unit CA", ca_key, ExtendedKeyUsageOID.CLIENT_AUTH,
             {"expired": True})):
        key = ec.generate_private_key(ec.SECP256R1())
        out[name] = _write(d / (name + ".pem"), _cert(cn, key, issuer, ikey, usage=usage, **kw))
        out[name + "_key"] = _write(d / (name + ".key"), key=key,
                                    passphrase=KEY_PASSPHRASE if name == "client" else None)
    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue_ca = _cert("unit CA", rogue_key, "unit CA", rogue_key, ca=True)
    out["rogue_ca"] = _write(d / "rogue_ca.pem", rogue_ca)
    key = ec.generate_private_key(ec.SECP256R1())
    out["rogue"] = _write(d / "rogue.pem", _cert("server.example.com", key, "unit CA", rogue_key,
                                                 san="server.example.com",
                                                 usage=ExtendedKeyUsageOID.SERVER_AUTH))
    out["rogue_key"] = _write(d / "rogue.key", key=key)
    return out
