"""The provisioning file: `wispd.toml` (schema in docs/provisioning.md) or the
`[wlan]` section of a Raspberry Pi OS `custom.toml`, read and validated into
a `Provisioning` (the networks, country and control group to apply).

Field values go through the same validators as wpa_supplicant.conf
(model.Network.set → fields.py); nothing here re-implements a field check.
Every error names the file and the place in it ("FILE: TABLE.KEY: what"), and
nothing is applied unless the whole file is valid (provision.py applies it).
"""

from __future__ import annotations

import os

from wispd.config.values import ConfigError
from wispd.config.model import Config, Network
from wispd.config.provisioneap import EAP_KEYS, check_eap_network, parse_eap

__all__ = ["ProvisionError", "Provisioning", "load", "parse", "sha256_hex",
           "TOP_KEYS", "CONTROL_KEYS", "NETWORK_KEYS", "WLAN_KEYS", "PSK_AKMS", "SAE_AKMS"]

# The ctrl_interface directory of a config that provisioning creates or gives a group.
DEFAULT_CTRL_DIR = "/var/run/wpa_supplicant"
SCHEMA_VERSION = 1

TOP_KEYS = ("version", "country", "mode", "keep_file", "control", "network")
CONTROL_KEYS = ("group",)
NETWORK_KEYS = ("ssid", "psk", "psk_hex", "sae_password", "key_mgmt", "priority", "hidden",
                "bssid", "id_str") + EAP_KEYS     # EAP: provisioneap.py
WLAN_KEYS = ("ssid", "password", "password_encrypted", "hidden", "country")
# AKMs whose only secret is the PSK: a passphrase can be stored derived.
PSK_AKMS = frozenset(("WPA-PSK", "FT-PSK", "WPA-PSK-SHA256"))
SAE_AKMS = frozenset(("SAE", "FT-SAE"))


class ProvisionError(Exception):
    """The provisioning file cannot be applied. str() is "FILE: PLACE: what"."""


class Provisioning:
    """A validated provisioning file: what apply() writes."""

    def __init__(self, path, sha256):
        self.path = path
        self.sha256 = sha256
        self.kind = "wispd.toml"        # or "custom.toml"
        self.mode = "merge"
        self.keep_file = False
        self.country = None
        self.control_group = None
        self.networks = []              # model.Network, already validated
        self.files = []                 # (field, path) of EAP certificates and keys named

    def __repr__(self):
        return "Provisioning(%r, mode=%s, networks=%r)" % (self.path, self.mode, self.networks)


def _tomllib():
    # Lazy: only the provisioning run pays for the TOML parser.
    try:
        import tomllib
    except ImportError:             # Python < 3.11
        import tomli as tomllib
    return tomllib


def sha256_hex(data):
    """The file's digest, as recorded once it is applied; the interpreter's own
    SHA-256 (hashlib would load OpenSSL)."""
    try:
        import _sha256
        return _sha256.sha256(data).hexdigest()
    except ImportError:             # 3.12+ folded it into _sha2
        import _sha2
        return _sha2.sha256(data).hexdigest()


def parse(data, path="wispd.toml", kind=None):
    """Validate file bytes; return a Provisioning or raise ProvisionError."""
    name = os.path.basename(path)
    if kind is None:
        kind = "custom.toml" if name == "custom.toml" else "wispd.toml"
    if not data.strip():
        raise ProvisionError("%s: file is empty" % name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ProvisionError("%s: line %d: not valid UTF-8" % (name, line)) from None
    toml = _tomllib()
    try:
        doc = toml.loads(text)
    except toml.TOMLDecodeError as e:
        # The parser's message carries "(at line L, column C)"; keep it whole.
        # At the end of the document it names no line: a cut-off file.
        msg = str(e)
        if "line" not in msg:
            msg += ", line %d is the last (is the file truncated?)" % (text.count("\n") + 1)
        raise ProvisionError("%s: TOML syntax error: %s" % (name, msg)) from None
    prov = Provisioning(path, sha256_hex(data))
    prov.kind = kind
    if kind == "custom.toml":
        _parse_custom(doc, name, prov)
    else:
        _parse_wispd(doc, name, prov)
    return prov


def load(path, kind=None):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ProvisionError("%s: cannot read: %s" % (os.path.basename(path),
                                                      e.strerror or e)) from None
    return parse(data, path, kind)


class _Place:
    """Names the spot of an error: FILE: TABLE.KEY: message."""

    def __init__(self, name, table=""):
        self.name = name
        self.table = table

    def key(self, key):
        return "%s.%s" % (self.table, key) if self.table else key

    def error(self, key, msg):
        where = self.key(key) if key else self.table
        return ProvisionError("%s: %s: %s" % (self.name, where, msg))


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false",
               dict: "a table", list: "an array"}


def _get(table, key, want, place):
    """table[key] checked to be of type `want` (bool is not an int here)."""
    if key not in table:
        return None
    value = table[key]
    ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
    if not ok:
        raise place.error(key, "must be %s, not %s" % (_TYPE_NAMES[want], _type_of(value)))
    return value


def _type_of(value):
    for t, name in ((bool, "true or false"), (int, "an integer"), (float, "a number"),
                    (str, "a string"), (dict, "a table"), (list, "an array")):
        if isinstance(value, t):
            return name
    return type(value).__name__


def _unknown_keys(table, known, place):
    for key in table:
        if key not in known:
            raise place.error(key, "unknown key (known: %s)" % ", ".join(known))


def _set(net, field, value, place, key):
    """Network.set through the shared validators; errors get our place."""
    try:
        net.set(field, value)
    except ConfigError as e:
        raise place.error(key, str(e)) from None


def _parse_wispd(doc, name, prov):
    top = _Place(name)
    _unknown_keys(doc, TOP_KEYS, top)
    version = _get(doc, "version", int, top)
    if version is None:
        raise top.error("version", "missing (write version = %d)" % SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise top.error("version", "unsupported version %d (this wispd reads %d)"
                        % (version, SCHEMA_VERSION))
    prov.country = _check_country(_get(doc, "country", str, top), top, "country")
    mode = _get(doc, "mode", str, top)
    if mode is not None:
        if mode not in ("merge", "replace"):
            raise top.error("mode", "must be \"merge\" or \"replace\", not %r" % mode)
        prov.mode = mode
    keep = _get(doc, "keep_file", bool, top)
    prov.keep_file = bool(keep)
    control = _get(doc, "control", dict, top)
    if control is not None:
        cplace = _Place(name, "control")
        _unknown_keys(control, CONTROL_KEYS, cplace)
        group = _get(control, "group", str, cplace)
        if group is not None:
            if not group or any(c.isspace() for c in group):
                raise cplace.error("group", "must be a group name or number without spaces")
            # The ctrl_interface value merge() will write, through its validator
            # now: a '#' in the group failed only at apply time (a fuzz target caught it).
            try:
                Config().set_global("ctrl_interface", "DIR=%s GROUP=%s"
                                            % (DEFAULT_CTRL_DIR, group))
            except ConfigError as e:
                raise cplace.error("group", str(e)) from None
            prov.control_group = group
    networks = _get(doc, "network", list, top)
    if networks is None:
        networks = []
    seen = {}
    for i, table in enumerate(networks, 1):
        place = _Place(name, "network[%d]" % i)
        if not isinstance(table, dict):
            raise place.error(None, "must be a table ([[network]]), not %s" % _type_of(table))
        net = _network(table, place, os.path.dirname(os.path.abspath(prov.path)), prov.files)
        ssid = net.ssid_bytes
        if ssid in seen:
            raise place.error("ssid", "duplicate SSID %s (also network[%d])"
                              % (_show_ssid(ssid), seen[ssid]))
        seen[ssid] = i
        prov.networks.append(net)
    if not prov.networks and prov.mode == "replace":
        raise top.error("network", "mode = \"replace\" with no [[network]] would remove every "
                                   "network")
    if not prov.networks and prov.country is None and prov.control_group is None:
        raise ProvisionError("%s: nothing to apply (no [[network]], country or [control])"
                             % name)


def _show_ssid(ssid):
    try:
        return '"%s"' % ssid.decode("utf-8")
    except UnicodeDecodeError:
        return ssid.hex()


def _check_country(value, place, key):
    if value is None:
        return None
    c = Config()
    try:
        c.set_global("country", value)
    except ConfigError as e:
        raise place.error(key, str(e)) from None
    return c.country


def _network(table, place, base_dir=".", files=None):
    _unknown_keys(table, NETWORK_KEYS, place)
    net = Network(0)
    ssid = _get(table, "ssid", str, place)
    if ssid is None:
        raise place.error("ssid", "missing")
    if not ssid:
        raise place.error("ssid", "must not be empty")
    # Hex keeps any character (quotes, non-ASCII) out of the quoting rules.
    _set(net, "ssid", ssid.encode("utf-8").hex(), place, "ssid")
    psk = _get(table, "psk", str, place)
    psk_hex = _get(table, "psk_hex", str, place)
    sae = _get(table, "sae_password", str, place)
    if psk is not None and psk_hex is not None:
        raise place.error("psk_hex", "give either psk or psk_hex, not both")
    if psk is not None:
        _set(net, "psk", '"%s"' % psk, place, "psk")
    if psk_hex is not None:
        if psk_hex.startswith('"'):
            raise place.error("psk_hex", "must be 64 hex digits, not a quoted passphrase")
        _set(net, "psk", psk_hex, place, "psk_hex")
    if sae is not None:
        if not sae:
            raise place.error("sae_password", "must not be empty")
        _set(net, "sae_password", sae.encode("utf-8").hex(), place, "sae_password")
    akms = table.get("key_mgmt")
    if akms is None:
        if sae is not None and psk is None and psk_hex is None:
            akms = "SAE"
        elif psk is not None or psk_hex is not None:
            akms = "WPA-PSK"
        elif "eap" in table or "identity" in table:
            akms = "WPA-EAP"
        else:
            akms = "NONE"
    elif isinstance(akms, list):
        if not akms or not all(isinstance(a, str) for a in akms):
            raise place.error("key_mgmt", "must be a string or a non-empty array of strings")
        akms = " ".join(akms)
    elif not isinstance(akms, str):
        raise place.error("key_mgmt", "must be a string or an array of strings, not %s"
                          % _type_of(akms))
    _set(net, "key_mgmt", akms, place, "key_mgmt")
    named = parse_eap(table, net, place, base_dir, _set, _get)
    if files is not None:
        files.extend(named)
    _check_secrets(net, place, psk_hex is not None)
    check_eap_network(net, place)
    priority = _get(table, "priority", int, place)
    if priority is not None:
        _set(net, "priority", str(priority), place, "priority")
    hidden = _get(table, "hidden", bool, place)
    if hidden:
        net.set("scan_ssid", "1")
    bssid = _get(table, "bssid", str, place)
    if bssid is not None:
        _set(net, "bssid", bssid, place, "bssid")
    id_str = _get(table, "id_str", str, place)
    if id_str is not None:
        _set(net, "id_str", id_str.encode("utf-8").hex(), place, "id_str")
    return net


def _check_secrets(net, place, raw_psk):
    """The secrets must fit the AKMs: each AKM needs its secret, and a secret
    nothing uses is most likely a mistake."""
    akms = net.key_mgmt
    has_psk = "psk" in net
    has_sae = "sae_password" in net
    if "NONE" in akms:
        if has_psk or has_sae:
            raise place.error("key_mgmt", "NONE (open network) with a password; drop the "
                                          "password or set key_mgmt")
        return
    if akms & PSK_AKMS and not has_psk:
        raise place.error("psk", "missing (key_mgmt %s needs psk or psk_hex)"
                          % " ".join(sorted(akms & PSK_AKMS)))
    if akms & SAE_AKMS:
        if not has_sae and (not has_psk or raw_psk):
            raise place.error("sae_password", "missing (SAE needs a password: sae_password "
                                              "or psk, not psk_hex)")
    if has_sae and not akms & SAE_AKMS:
        raise place.error("sae_password", "set, but key_mgmt has no SAE")
    if has_psk and not akms & (PSK_AKMS | SAE_AKMS):
        raise place.error("psk", "set, but key_mgmt %s uses no PSK" % " ".join(sorted(akms)))


def _parse_custom(doc, name, prov):
    """Raspberry Pi OS custom.toml: only [wlan] concerns us; other tables
    (system, user, ssh, locale...) belong to other tools and are ignored."""
    wlan = doc.get("wlan")
    if wlan is None:
        raise ProvisionError("%s: no [wlan] table" % name)
    place = _Place(name, "wlan")
    if not isinstance(wlan, dict):
        raise place.error(None, "must be a table, not %s" % _type_of(wlan))
    _unknown_keys(wlan, WLAN_KEYS, place)
    net = Network(0)
    ssid = _get(wlan, "ssid", str, place)
    if not ssid:
        raise place.error("ssid", "missing" if ssid is None else "must not be empty")
    _set(net, "ssid", ssid.encode("utf-8").hex(), place, "ssid")
    password = _get(wlan, "password", str, place)
    encrypted = _get(wlan, "password_encrypted", bool, place)
    if password is None or password == "":
        if encrypted:
            raise place.error("password", "missing (password_encrypted = true needs the "
                                          "64-hex PSK)")
        _set(net, "key_mgmt", "NONE", place, "password")
    elif encrypted:
        if password.startswith('"'):
            raise place.error("password", "must be 64 hex digits with password_encrypted")
        _set(net, "psk", password, place, "password")
        net.set("key_mgmt", "WPA-PSK")
    else:
        _set(net, "psk", '"%s"' % password, place, "password")
        net.set("key_mgmt", "WPA-PSK")
    if _get(wlan, "hidden", bool, place):
        net.set("scan_ssid", "1")
    prov.country = _check_country(_get(wlan, "country", str, place), place, "country")
    prov.networks.append(net)
