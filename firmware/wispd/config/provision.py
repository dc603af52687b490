"""Boot-time provisioning: a TOML file on the boot partition → /etc/wispd/wispd.conf.

A device without a console gets its WiFi settings from a file the user drops on
the FAT boot partition: `wispd.toml` (schema in docs/provisioning.md) or the
`[wlan]` section of a Raspberry Pi OS `custom.toml`. The rules, and why:

- Validate everything before touching anything: a bad, truncated or unreadable
  file changes nothing, so the device boots on its old config. The error is
  printed, and recorded in the state dir so the control interface can report it.
- Field values go through the same validators as wpa_supplicant.conf
  (model.Network.set → fields.py), and the result is written with wpaconf.save
  (atomic, 0600). Nothing here re-implements a field check.
- A passphrase is stored as the derived PSK when every AKM of the network can
  use a PSK (no SAE), so the secret is not kept in clear and boots skip PBKDF2.
- After a successful apply the file's SHA-256 is recorded on the root file
  system: applying the same file again is a no-op. Then the file is deleted from
  the boot partition (never rewritten: FAT has no journal and that partition
  holds the kernel) and the file system synced, unless `keep_file = true`.

Entry point for init scripts: `python3 -m wispd.config.provision` (see --help).
"""

from __future__ import annotations

import os
import sys
import time

from wispd.config import wpaconf
from wispd.config.fields import ConfigError
from wispd.config.model import Config, Network
from wispd.platform.durable import fsync_dir, remove_stale_temps, write_atomic

__all__ = ["ProvisionError", "Provisioning", "load", "parse", "apply", "run",
           "last_result", "find_file", "SEARCH_PATHS", "CUSTOM_TOML_PATHS"]

SEARCH_PATHS = ("/boot/firmware/wispd.toml", "/boot/wispd.toml")
CUSTOM_TOML_PATHS = ("/boot/firmware/custom.toml", "/boot/custom.toml")
DEFAULT_CONF = "/etc/wispd/wispd.conf"
DEFAULT_STATE_DIR = "/var/lib/wispd"
DEFAULT_CTRL_DIR = "/var/run/wpa_supplicant"
HASH_FILE = "provisioned.sha256"
RESULT_FILE = "provision.result"
SCHEMA_VERSION = 1

TOP_KEYS = ("version", "country", "mode", "keep_file", "control", "network")
CONTROL_KEYS = ("group",)
NETWORK_KEYS = ("ssid", "psk", "psk_hex", "sae_password", "key_mgmt", "priority", "hidden",
                "bssid", "id_str")
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

    def __repr__(self):
        return "Provisioning(%r, mode=%s, networks=%r)" % (self.path, self.mode, self.networks)


# --------------------------------------------------------------------------- reading

def _tomllib():
    # Lazy: only the provisioning run pays for the TOML parser.
    try:
        import tomllib
    except ImportError:             # Python < 3.11
        import tomli as tomllib
    return tomllib


def _sha256_hex(data):
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
    prov = Provisioning(path, _sha256_hex(data))
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
        net = _network(table, place)
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


def _network(table, place):
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
    _check_secrets(net, place, psk_hex is not None)
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


# --------------------------------------------------------------------------- applying

def _derive(net):
    """Passphrase → PSK where every AKM can use it (WPA-PSK family, no SAE)."""
    phrase = net.passphrase
    if phrase is None or not net.key_mgmt <= PSK_AKMS:
        return
    from wispd.rsn.kdf import passphrase_to_psk
    net.set("psk", passphrase_to_psk(phrase.encode("utf-8"), net.ssid_bytes).hex())


def merge(cfg, prov):
    """Apply a validated Provisioning to a Config (in memory).

    merge: a provisioned network replaces the existing one with the same SSID
    in its place; other networks stay; new ones are appended.
    replace: the existing networks are all dropped.
    Either way globals not named by the file (ctrl_interface, update_config...)
    are kept, country and the control group are set when given."""
    if prov.mode == "replace":
        cfg.networks = []
    for new in prov.networks:
        new = new.copy()
        _derive(new)
        for i, old in enumerate(cfg.networks):
            if old.ssid_bytes == new.ssid_bytes:
                new.id = old.id
                cfg.networks[i] = new
                break
        else:
            new.id = cfg.next_network_id()
            cfg.networks.append(new)
    if prov.country is not None:
        cfg.set_global("country", prov.country)
    if prov.control_group is not None:
        ctrl_dir = cfg.ctrl_dir or DEFAULT_CTRL_DIR
        cfg.set_global("ctrl_interface", "DIR=%s GROUP=%s" % (ctrl_dir, prov.control_group))
        cfg.unset_global("ctrl_interface_group")
    return cfg


def _default_config(path):
    cfg = Config(path)
    cfg.set_global("ctrl_interface", DEFAULT_CTRL_DIR)
    cfg.set_global("update_config", "1")
    return cfg


def apply(prov, conf_path):
    """Merge into the persistent config and save it atomically. A config that
    exists but does not parse is an error too: overwriting it would lose it."""
    if os.path.exists(conf_path):
        try:
            cfg = wpaconf.load(conf_path)
        except ConfigError as e:
            raise ProvisionError("%s: not applied, the existing config is broken: %s"
                                 % (os.path.basename(prov.path), e)) from None
    else:
        os.makedirs(os.path.dirname(os.path.abspath(conf_path)), mode=0o700, exist_ok=True)
        cfg = _default_config(conf_path)
    try:
        merge(cfg, prov)
        wpaconf.save(cfg, conf_path)
    except ConfigError as e:
        raise ProvisionError("%s: not applied: %s" % (os.path.basename(prov.path), e)) from None
    return cfg


# --------------------------------------------------------------------------- state

def _write_atomic(path, text):
    # The config's durable writer, directory fsync included: the record of an applied file
    # must not outlive a power cut that the config it describes did not.
    write_atomic(path, text.encode("utf-8"), 0o644)


def applied_hash(state_dir):
    """(sha256 hex, keep_file) of the last applied file, or (None, False)."""
    try:
        with open(os.path.join(state_dir, HASH_FILE)) as f:
            words = f.read().split()
        return words[0], "keep_file=1" in words[1:]
    except (OSError, IndexError):
        return None, False


def record_result(state_dir, result, source=None, sha256=None, message=None, networks=None):
    """Remember the last provisioning outcome for status reports (key=value
    lines, one per field; values are single-line)."""
    os.makedirs(state_dir, exist_ok=True)
    fields = [("result", result), ("time", "%d" % time.time()), ("source", source),
              ("sha256", sha256), ("networks", networks), ("message", message)]
    text = "".join("%s=%s\n" % (k, str(v).replace("\n", " ")) for k, v in fields
                   if v is not None)
    _write_atomic(os.path.join(state_dir, RESULT_FILE), text)


def last_result(state_dir):
    """The last provisioning outcome as a dict (keys: result = applied |
    unchanged | error | none, time, and when known source, sha256, networks,
    message), or None if provisioning never ran. For the control interface's
    status; cheap (no TOML, no crypto)."""
    if not state_dir:
        return None
    try:
        with open(os.path.join(state_dir, RESULT_FILE)) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    out = {}
    for line in lines:
        key, eq, value = line.partition("=")
        if eq:
            out[key] = value
    return out or None


def find_file(explicit=None, search=SEARCH_PATHS, custom=CUSTOM_TOML_PATHS):
    """(path, kind) of the file to apply, or (None, None). An explicit path is
    used as given (missing → reported by load); else the first wispd.toml, then
    the first custom.toml that exists."""
    if explicit:
        return explicit, None
    for path in search:
        if os.path.isfile(path):
            return path, "wispd.toml"
    for path in custom:
        if os.path.isfile(path):
            return path, "custom.toml"
    return None, None


def remove_from_boot(path):
    """Delete (never rewrite) the file on the boot partition and make it stick."""
    os.unlink(path)
    try:
        fsync_dir(os.path.dirname(os.path.abspath(path)))
    except OSError:
        pass
    os.sync()


def run(explicit=None, conf_path=DEFAULT_CONF, state_dir=DEFAULT_STATE_DIR,
        search=SEARCH_PATHS, custom=CUSTOM_TOML_PATHS, keep=False, out=None):
    """Find, validate, apply, record, delete. Returns (result, message) where
    result is "applied", "unchanged", "none" or "error". Never raises for a
    bad file: that is an "error" result and nothing changes."""
    out = out or sys.stderr
    # Provisioning runs first at boot: the first writer of these files to start
    # clears what a power cut in an earlier apply left half done.
    for target in (conf_path, os.path.join(state_dir, HASH_FILE),
                   os.path.join(state_dir, RESULT_FILE)):
        remove_stale_temps(target)
    path, kind = find_file(explicit, search, custom)
    if path is None:
        # A fixed or removed bad file clears the old error; an earlier success
        # stays on record (the file is gone because it was applied).
        last = last_result(state_dir)
        if last is not None and last.get("result") == "error":
            return _report(state_dir, out, "none", "no provisioning file")
        return "none", "no provisioning file"
    name = os.path.basename(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        msg = "%s: cannot read: %s" % (name, e.strerror or e)
        return _report(state_dir, out, "error", msg, path)
    digest = _sha256_hex(data)
    keep_file = keep
    count = None
    done, kept = applied_hash(state_dir)
    if digest == done:
        keep_file = keep or kept
        msg = "%s: already applied (sha256 %s), nothing to do" % (name, digest[:16])
        result = "unchanged"
    else:
        try:
            prov = parse(data, path, kind)
            cfg = apply(prov, conf_path)
        except ProvisionError as e:
            return _report(state_dir, out, "error", str(e), path, digest)
        keep_file = keep or prov.keep_file
        os.makedirs(state_dir, exist_ok=True)
        _write_atomic(os.path.join(state_dir, HASH_FILE), "%s  %s keep_file=%d\n"
                      % (digest, name, prov.keep_file))
        msg = "%s: applied %d network(s) (%s) to %s" % (name, len(prov.networks), prov.mode,
                                                       conf_path)
        result = "applied"
        count = len(cfg.networks)
    if not keep_file:
        try:
            remove_from_boot(path)
            msg += "; removed %s" % path
        except OSError as e:
            msg += "; could not remove %s: %s" % (path, e.strerror or e)
    return _report(state_dir, out, result, msg, path, digest, count)


def _report(state_dir, out, result, msg, source=None, digest=None, networks=None):
    out.write("wispd-provision: %s%s\n" % ("ERROR: " if result == "error" else "", msg))
    out.flush()
    try:
        record_result(state_dir, result, source, digest, msg, networks)
    except OSError as e:
        out.write("wispd-provision: cannot record the result in %s: %s\n"
                  % (state_dir, e.strerror or e))
    return result, msg


USAGE = """usage: python3 -m wispd.config.provision [options] [--provision PATH]
Apply a provisioning file (wispd.toml or a Raspberry Pi OS custom.toml [wlan])
to the persistent config, then delete it from the boot partition.

  --provision PATH   use this file (default: the first of %s,
                     then %s)
  --config PATH      persistent config to update (default %s)
  --state-dir DIR    where the applied hash and last result live (default %s)
  --keep             keep the file on the boot partition (also: keep_file = true)
  --check PATH       only validate PATH; exit 0 if valid, 1 if not
  --status           print the last result and exit
exit: 0 applied / unchanged / nothing to do, 1 invalid or unreadable file, 2 usage
""" % (", ".join(SEARCH_PATHS), ", ".join(CUSTOM_TOML_PATHS), DEFAULT_CONF, DEFAULT_STATE_DIR)


def main(argv=None):
    import getopt
    argv = sys.argv[1:] if argv is None else argv
    try:
        opts, rest = getopt.gnu_getopt(argv, "h", ["provision=", "config=", "state-dir=",
                                                   "keep", "check=", "status", "help"])
    except getopt.GetoptError as e:
        sys.stderr.write("wispd-provision: %s\n%s" % (e, USAGE))
        return 2
    if rest:
        sys.stderr.write("wispd-provision: unexpected argument %r\n%s" % (rest[0], USAGE))
        return 2
    explicit, conf, state, keep = None, DEFAULT_CONF, DEFAULT_STATE_DIR, False
    check, status = None, False
    for flag, value in opts:
        if flag in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0
        if flag == "--provision":
            explicit = value
        elif flag == "--config":
            conf = value
        elif flag == "--state-dir":
            state = value
        elif flag == "--keep":
            keep = True
        elif flag == "--check":
            check = value
        elif flag == "--status":
            status = True
    if check is not None:
        try:
            prov = load(check)
        except ProvisionError as e:
            sys.stderr.write("wispd-provision: ERROR: %s\n" % e)
            return 1
        sys.stdout.write("%s: valid, %d network(s), mode %s\n"
                         % (check, len(prov.networks), prov.mode))
        return 0
    if status:
        res = last_result(state) or {"result": "none"}
        sys.stdout.write("".join("%s=%s\n" % kv for kv in res.items()))
        return 0
    result, _msg = run(explicit, conf, state, keep=keep)
    return 1 if result == "error" else 0


if __name__ == "__main__":
    sys.exit(main())
