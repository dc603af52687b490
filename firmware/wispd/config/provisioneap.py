"""Enterprise (802.1X/EAP) networks in the provisioning file, and the
certificate and key files they name.

In wispd.toml a [[network]] may carry the wpa_supplicant.conf EAP keys
(docs/enterprise.md): eap, identity, anonymous_identity, password, ca_cert,
client_cert, private_key, private_key_passwd, domain_suffix_match,
domain_match, altsubject_match, phase1, phase2, fragment_size.  ca_cert,
client_cert and private_key are paths relative to the provisioning file (so
next to it on the boot partition) or absolute.

The boot partition is FAT: every file on it is world-readable and stays there
for anyone with the SD card.  So on apply each named file is copied to a
root-only directory next to the configuration (certs/, 0700, files 0600,
written atomically and fsynced), the network points at the copy, and, unless
keep_file is set, the original is deleted from the boot partition like the
provisioning file itself.  A private key keeps its passphrase
(private_key_passwd, stored in the 0600 configuration like every secret).
"""

from __future__ import annotations

import hashlib
import os

from wispd.platform.durable import write_atomic

EAP_KEYS = ("eap", "identity", "anonymous_identity", "password", "ca_cert", "client_cert",
            "private_key", "private_key_passwd", "domain_suffix_match", "domain_match",
            "altsubject_match", "phase1", "phase2", "fragment_size")
FILE_KEYS = ("ca_cert", "client_cert", "private_key")
EAP_AKMS = frozenset(("WPA-EAP", "WPA-EAP-SHA256", "IEEE8021X", "FT-EAP"))
CERT_DIR = "certs"
MAX_FILE = 256 * 1024          # a certificate chain or key is a few kB


def parse_eap(table, net, place, base_dir, set_field, get):
    """Put the EAP keys of one [[network]] table into `net` (through the
    shared validators: set_field = provisionfile._set); returns the list of
    (field, source path) files the network names.  Raises place.error(...)."""
    files = []
    for key in EAP_KEYS:
        if key == "fragment_size":
            value = get(table, key, int, place)
            if value is not None:
                set_field(net, key, str(value), place, key)
            continue
        value = get(table, key, str, place)
        if value is None:
            continue
        if key == "eap":
            set_field(net, key, value, place, key)
        elif key in FILE_KEYS:
            path = value if os.path.isabs(value) else os.path.join(base_dir, value)
            _check_file(path, place, key)
            files.append((key, path))
            set_field(net, key, _quoted(path, place, key), place, key)
        elif key == "password" and value.startswith("hash:"):
            set_field(net, key, value, place, key)
        else:
            # Hex keeps quotes and non-ASCII out of the quoting rules.
            set_field(net, key, value.encode("utf-8").hex(), place, key)
    return files


def _quoted(path, place, key):
    if '"' in path or "\n" in path:
        raise place.error(key, "a path with a quote or newline is not supported")
    return '"%s"' % path


def _check_file(path, place, key):
    try:
        st = os.stat(path)
    except OSError as e:
        raise place.error(key, "cannot read %s: %s" % (path, e.strerror or e)) from None
    if not os.path.isfile(path):
        raise place.error(key, "%s is not a file" % path)
    if st.st_size > MAX_FILE:
        raise place.error(key, "%s is larger than %d bytes" % (path, MAX_FILE))


def check_eap_network(net, place):
    """An EAP AKM needs an identity; EAP keys without an EAP AKM are a mistake."""
    akms = net.key_mgmt
    has_eap = any(net.get(k) is not None for k in EAP_KEYS)
    if akms & EAP_AKMS and net.get("identity") is None:
        raise place.error("identity", "missing (key_mgmt %s needs an EAP identity)"
                          % " ".join(sorted(akms & EAP_AKMS)))
    if has_eap and not akms & EAP_AKMS:
        if net.get("password") is not None and net.get("eap") is None:
            raise place.error("password", "is the EAP password (a WPA2/WPA3 passphrase "
                                          "goes in psk or sae_password)")
        raise place.error("eap", "EAP keys set, but key_mgmt %s has no WPA-EAP"
                          % " ".join(sorted(akms)))


def install_files(networks, conf_path):
    """Copy every file the networks name into the root-only certs/ directory
    next to conf_path and point the networks at the copies; returns the
    source paths (for removal from the boot partition).  OSError on failure:
    nothing of the configuration has been written yet."""
    dest_dir = os.path.join(os.path.dirname(os.path.abspath(conf_path)), CERT_DIR)
    sources = []
    for net in networks:
        for key in FILE_KEYS:
            raw = net.get(key)
            if raw is None or not raw.startswith('"'):
                continue
            src = raw[1:-1]
            if os.path.dirname(os.path.abspath(src)) == dest_dir:
                continue                    # already installed
            with open(src, "rb") as f:
                data = f.read(MAX_FILE + 1)
            os.makedirs(dest_dir, mode=0o700, exist_ok=True)
            os.chmod(dest_dir, 0o700)
            name = "%s-%s" % (hashlib.sha256(data).hexdigest()[:12], os.path.basename(src))
            dest = os.path.join(dest_dir, name)
            write_atomic(dest, data, 0o600)
            net.set(key, '"%s"' % dest)
            sources.append(src)
    return sources
