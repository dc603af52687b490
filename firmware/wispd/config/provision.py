"""Boot-time provisioning: a TOML file on the boot partition → /etc/wispd/wispd.conf.

A device without a console gets its WiFi settings from a file the user drops on
the FAT boot partition (provisionfile.py reads and validates it). The rules of
applying it, and why:

- Validate everything before touching anything: a bad, truncated or unreadable
  file changes nothing, so the device boots on its old config. The error is
  printed, and recorded in the state dir so the control interface can report it.
- The result is written with wpaconf.save (atomic, 0600).
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
from wispd.config.values import ConfigError
from wispd.config.model import Config
from wispd.config.provisionfile import (
    DEFAULT_CTRL_DIR, PSK_AKMS, ProvisionError, load, parse, sha256_hex)
from wispd.config.provisioneap import install_files
from wispd.platform.durable import fsync_dir, remove_stale_temps, write_atomic

__all__ = ["merge", "apply", "run", "record_result", "last_result", "applied_hash",
           "find_file", "main", "SEARCH_PATHS", "CUSTOM_TOML_PATHS", "DEFAULT_CONF",
           "DEFAULT_STATE_DIR", "HASH_FILE", "RESULT_FILE"]

SEARCH_PATHS = ("/boot/firmware/wispd.toml", "/boot/wispd.toml")
CUSTOM_TOML_PATHS = ("/boot/firmware/custom.toml", "/boot/custom.toml")
DEFAULT_CONF = "/etc/wispd/wispd.conf"
DEFAULT_STATE_DIR = "/var/lib/wispd"
HASH_FILE = "provisioned.sha256"
RESULT_FILE = "provision.result"


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
        # Certificates and keys leave the (FAT, world-readable) boot partition
        # for a root-only directory before the config names them (provisioneap).
        prov.installed = install_files(prov.networks, conf_path) if prov.files else []
    except OSError as e:
        raise ProvisionError("%s: not applied: cannot install %s: %s"
                             % (os.path.basename(prov.path), e.filename or "a file",
                                e.strerror or e)) from None
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
    digest = sha256_hex(data)
    keep_file = keep
    count = None
    installed = []
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
        installed = getattr(prov, "installed", [])
        os.makedirs(state_dir, exist_ok=True)
        _write_atomic(os.path.join(state_dir, HASH_FILE), "%s  %s keep_file=%d\n"
                      % (digest, name, prov.keep_file))
        msg = "%s: applied %d network(s) (%s) to %s" % (name, len(prov.networks), prov.mode,
                                                       conf_path)
        result = "applied"
        count = len(cfg.networks)
    if not keep_file:
        for src in [path] + installed:
            try:
                remove_from_boot(src)
                msg += "; removed %s" % src
            except OSError as e:
                msg += "; could not remove %s: %s" % (src, e.strerror or e)
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
