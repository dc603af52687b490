"""Enterprise networks from the provisioning file: EAP keys through the
shared validators, certificate and key files moved off the boot partition to
a root-only directory (issue 16)."""
import os
import stat

from wispd.config import provision, provisionfile, wpaconf

PASSPHRASE = "key passphrase 42"
PASSWORD = "alice's password"


def boot(tmp_path, extra="", keep=False):
    b = tmp_path / "boot"
    b.mkdir()
    (b / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n")
    (b / "client.pem").write_text("-----BEGIN CERTIFICATE-----\nme\n-----END CERTIFICATE-----\n")
    (b / "client.key").write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\nk\n"
                                  "-----END ENCRYPTED PRIVATE KEY-----\n")
    for f in b.iterdir():
        f.chmod(0o755)                   # FAT: everything world-readable
    (b / "wispd.toml").write_text(
        'version = 1\n%s\n[[network]]\nssid = "corp"\nkey_mgmt = ["WPA-EAP-SHA256"]\n'
        'eap = "TLS"\nidentity = "dev-42"\nca_cert = "ca.pem"\nclient_cert = "client.pem"\n'
        'private_key = "client.key"\nprivate_key_passwd = "%s"\n'
        'domain_suffix_match = "example.com"\n%s'
        '\n[[network]]\nssid = "corp-peap"\neap = "PEAP"\nidentity = "alice"\n'
        'password = "%s"\nca_cert = "ca.pem"\nphase2 = "auth=MSCHAPV2"\n'
        % ("keep_file = true" if keep else "", PASSPHRASE, extra, PASSWORD))
    return b


def run(tmp_path, b):
    conf = tmp_path / "etc" / "wispd.conf"
    result, msg = provision.run(str(b / "wispd.toml"), str(conf), str(tmp_path / "state"),
                                (), (), out=open(os.devnull, "w"))
    return result, msg, conf


def test_enterprise_network_with_key_passphrase(tmp_path):
    b = boot(tmp_path)
    result, msg, conf = run(tmp_path, b)
    assert result == "applied", msg
    cfg = wpaconf.load(str(conf))
    tls, peap = cfg.networks
    assert tls.key_mgmt == {"WPA-EAP-SHA256"} and tls.get("eap") == "TLS"
    certs = tmp_path / "etc" / "certs"
    assert stat.S_IMODE(certs.stat().st_mode) == 0o700
    for field in ("ca_cert", "client_cert", "private_key"):
        path = tls.get(field)[1:-1]
        assert os.path.dirname(path) == str(certs)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert open(tls.get("private_key")[1:-1]).read().startswith("-----BEGIN ENCRYPTED")
    assert peap.key_mgmt == {"WPA-EAP"}          # the default with eap=
    assert peap.get("ca_cert") == tls.get("ca_cert")
    # Off the boot partition, all of it; the secrets only in the 0600 config.
    assert sorted(os.listdir(b)) == []
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert PASSPHRASE not in msg and PASSWORD not in msg
    text = conf.read_text()
    assert "private_key_passwd" in text and "password" in text
    for root, _dirs, files in os.walk(tmp_path):
        for name in files:
            p = os.path.join(root, name)
            if os.stat(p).st_mode & 0o004:
                with open(p, "rb") as f:
                    data = f.read()
                assert PASSPHRASE.encode() not in data and PASSWORD.encode() not in data, p


def test_keep_file_keeps_the_originals(tmp_path):
    b = boot(tmp_path, keep=True)
    result, msg, conf = run(tmp_path, b)
    assert result == "applied", msg
    assert sorted(os.listdir(b)) == ["ca.pem", "client.key", "client.pem", "wispd.toml"]


def test_missing_key_file_changes_nothing(tmp_path):
    b = boot(tmp_path)
    (b / "client.key").unlink()
    result, msg, conf = run(tmp_path, b)
    assert result == "error" and "network[1].private_key: cannot read" in msg
    assert not conf.exists()
    assert (b / "wispd.toml").exists() and (b / "client.pem").exists()


def test_eap_keys_need_an_identity_and_an_eap_akm():
    def err(text):
        try:
            provisionfile.parse(("version = 1\n[[network]]\nssid = \"x\"\n" + text).encode())
        except provisionfile.ProvisionError as e:
            return str(e)
        raise AssertionError("accepted: %r" % text)
    assert "identity: missing" in err('key_mgmt = "WPA-EAP"\neap = "PEAP"\n')
    assert "has no WPA-EAP" in err('psk = "12345678"\neap = "PEAP"\n')
    assert "invalid eap" in err('eap = "PE AP#"\nidentity = "a"\n')
