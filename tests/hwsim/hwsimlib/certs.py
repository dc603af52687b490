"""Test PKI for the 802.1X scenarios, made at test time with the `openssl`
command line (EC P-256 keys: quick under TCG).

make_pki(dirpath) writes and returns the paths of:
    ca          the trusted CA ("wispd test CA")
    server      server.example.com, signed by ca (SAN DNS:server.example.com)
    client      the station's certificate (CN=tls-client), signed by ca; its key
                encrypted with CLIENT_KEY_PASSPHRASE
    rogue_ca    another CA with the same name
    rogue       server.example.com again, signed by rogue_ca
    otherdom    server.other.test, signed by ca (right CA, wrong domain)
    expired     a client certificate whose validity ended yesterday
"""
from __future__ import annotations

import os
import subprocess
import zlib

CLIENT_KEY_PASSPHRASE = "key passphrase 42"
SERVER_NAME = "server.example.com"


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _key(cwd, name, passphrase=None):
    args = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", name + ".key"]
    if passphrase:
        args += ["-aes-256-cbc", "-pass", "pass:" + passphrase]
    _run(*args, cwd=cwd)


def _ca(cwd, name, cn):
    _key(cwd, name)
    _run("req", "-x509", "-new", "-key", name + ".key", "-out", name + ".pem", "-days", "30",
         "-subj", "/O=wispd tests/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=cwd)


def _leaf(cwd, name, ca, cn, usage, san=None, passphrase=None, days=30, expired=False):
    _key(cwd, name, passphrase)
    req = ["req", "-new", "-key", name + ".key", "-out", name + ".csr",
           "-subj", "/O=wispd tests/CN=" + cn]
    if passphrase:
        req += ["-passin", "pass:" + passphrase]
    _run(*req, cwd=cwd)
    ext = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature",
           "extendedKeyUsage=" + usage]
    if san:
        ext.append("subjectAltName=" + san)
    with open(os.path.join(cwd, name + ".ext"), "w") as f:
        f.write("\n".join(ext) + "\n")
    sign = ["x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
            "-set_serial", str(zlib.crc32(name.encode()) + 1), "-out", name + ".pem",
            "-extfile", name + ".ext"]
    if expired:
        # OpenSSL 3.0 has no -not_before/-not_after for x509: sign with a CA
        # config instead (ca -startdate/-enddate), kept minimal.
        _expired_with_ca(cwd, name, ca)
        return
    _run(*sign, "-days", str(days), cwd=cwd)


def _expired_with_ca(cwd, name, ca):
    db = os.path.join(cwd, "ca-db")
    os.makedirs(db, exist_ok=True)
    open(os.path.join(db, "index.txt"), "w").close()
    with open(os.path.join(db, "serial"), "w") as f:
        f.write("1000\n")
    conf = os.path.join(cwd, "ca.cnf")
    with open(conf, "w") as f:
        f.write("[ca]\ndefault_ca=test\n[test]\ndir=%s\ndatabase=$dir/index.txt\n"
                "serial=$dir/serial\nnew_certs_dir=$dir\ndefault_md=sha256\npolicy=any\n"
                "copy_extensions=none\n[any]\nO=optional\nCN=supplied\n" % db)
    _run("ca", "-batch", "-config", conf, "-in", name + ".csr", "-out", name + ".pem",
         "-cert", ca + ".pem", "-keyfile", ca + ".key", "-startdate", "20200101000000Z",
         "-enddate", "20200201000000Z", "-extfile", name + ".ext", "-notext", cwd=cwd)


def make_pki(dirpath: str) -> dict:
    os.makedirs(dirpath, exist_ok=True)
    os.chmod(dirpath, 0o700)
    _ca(dirpath, "ca", "wispd test CA")
    _leaf(dirpath, "server", "ca", SERVER_NAME, "serverAuth", san="DNS:" + SERVER_NAME)
    _leaf(dirpath, "client", "ca", "tls-client", "clientAuth",
          passphrase=CLIENT_KEY_PASSPHRASE)
    _ca(dirpath, "rogue_ca", "wispd test CA")
    _leaf(dirpath, "rogue", "rogue_ca", SERVER_NAME, "serverAuth", san="DNS:" + SERVER_NAME)
    _leaf(dirpath, "otherdom", "ca", "server.other.test", "serverAuth",
          san="DNS:server.other.test")
    _leaf(dirpath, "expired", "ca", "tls-client", "clientAuth", expired=True)
    out = {}
    for name in ("ca", "server", "client", "rogue_ca", "rogue", "otherdom", "expired"):
        out[name] = os.path.join(dirpath, name + ".pem")
        out[name + "_key"] = os.path.join(dirpath, name + ".key")
    for name in os.listdir(dirpath):
        if name.endswith(".key"):
            os.chmod(os.path.join(dirpath, name), 0o600)
    return out
