"""The configuration model: wpa_supplicant.conf read, edited and written back.

`parse`/`load` build a `Config` (ordered globals, `Network` blocks, opaque
cred/blob blocks); `dump` renders it in wpa_supplicant's layout; `save`
replaces the file atomically. Values are stored as the text wpa_supplicant
would write (see netfields.py), so GET_NETWORK, SAVE_CONFIG and a re-read
agree with each other and with wpa_supplicant. Typed accessors sit on top.
"""

from __future__ import annotations

import logging
import os

from wispd.config.fields import (
    DEFAULT_GROUP, DEFAULT_KEY_MGMT, DEFAULT_PAIRWISE, DEFAULT_PROTO, GLOBAL_FIELDS,
    NETWORK_FIELDS, SECRET_FIELDS, UNSUPPORTED_GLOBAL_FIELDS, UNSUPPORTED_NETWORK_FIELDS,
    ConfigError, decode_string, parse_ctrl_interface)

__all__ = ["Config", "ConfigError", "Network", "dump", "load", "parse", "save"]

log = logging.getLogger("wispd.config")

# Unsupported keys already reported, so a reload or SET does not repeat the warning.
_warned = set()


def _warn_unsupported(kind: str, name: str) -> None:
    if (kind, name) not in _warned:
        _warned.add((kind, name))
        log.warning("%s key '%s' is not supported by wispd; kept unchanged and ignored",
                    kind, name)


def _check_verbatim(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ConfigError("invalid %s value with newline" % name)
    return value


def _readable(name: str, raw: str) -> str:
    """A value set by SET_NETWORK, SET or provisioning must read back the same
    from the file dump() writes: the reader drops a '#' comment outside quotes
    and blanks at the end of a line.  Without this check a passphrase like
    `ab"#cdefgh` was accepted, and SAVE_CONFIG wrote a file that no longer
    loaded (caught by the control fuzz target)."""
    line = "%s=%s" % (name, raw)
    if _clean_line(line) != line:
        raise ConfigError("invalid %s value: it would not read back from the file "
                          "(a '#' outside quotes, or blanks at the end)" % name)
    return raw


def _int_or(value, default):
    return default if value is None else int(value)


class Network:
    """One network={} block. Values are raw wpa_supplicant.conf strings."""

    __slots__ = ("id", "_fields")

    def __init__(self, net_id: int):
        self.id = net_id
        self._fields = {}

    # --- raw access, as SET_NETWORK / GET_NETWORK ---------------------------------

    def set(self, field: str, value: str) -> None:
        """Validate and store, like SET_NETWORK; raises ConfigError."""
        check = NETWORK_FIELDS.get(field)
        if check is not None:
            raw = check(value)
        elif field in UNSUPPORTED_NETWORK_FIELDS:
            _warn_unsupported("network", field)
            raw = _check_verbatim(field, value)
        else:
            raise ConfigError("unknown network field '%s'" % field)
        if raw is None:
            self._fields.pop(field, None)
        else:
            self._fields[field] = _readable(field, raw)

    def unset(self, field: str) -> None:
        self._fields.pop(field, None)

    def get(self, field: str):
        """The stored raw string, or None when the field is not set."""
        if field not in NETWORK_FIELDS and field not in UNSUPPORTED_NETWORK_FIELDS:
            raise ConfigError("unknown network field '%s'" % field)
        return self._fields.get(field)

    def get_public(self, field: str):
        """Like GET_NETWORK: '*' instead of any secret that is set."""
        raw = self.get(field)
        if raw is not None and field in SECRET_FIELDS:
            return "*"
        return raw

    def items(self):
        """(field, raw) pairs in writing order: supported fields in wpa_supplicant's
        order, then unsupported ones in the order they were given."""
        out = [(k, self._fields[k]) for k in NETWORK_FIELDS if k in self._fields]
        out.extend((k, v) for k, v in self._fields.items() if k not in NETWORK_FIELDS)
        return out

    def copy(self, net_id=None) -> "Network":
        other = Network(self.id if net_id is None else net_id)
        other._fields = dict(self._fields)
        return other

    def __contains__(self, field: str) -> bool:
        return field in self._fields

    def __eq__(self, other):
        # Ids are runtime handles (renumbered on every read), so content decides.
        return isinstance(other, Network) and self._fields == other._fields

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        shown = {k: ("*" if k in SECRET_FIELDS else v) for k, v in self._fields.items()}
        return "Network(id=%d, %r)" % (self.id, shown)

    # --- typed accessors ---------------------------------------------------------------

    @property
    def ssid_bytes(self):
        raw = self._fields.get("ssid")
        return None if raw is None else decode_string(raw, "ssid")

    @property
    def passphrase(self):
        """The ASCII passphrase, or None (no psk, or a raw 64-hex PSK)."""
        raw = self._fields.get("psk")
        if raw is None or not raw.startswith('"'):
            return None
        return raw[1:-1]

    @property
    def psk_bytes(self):
        """The 32-byte PSK when given as 64 hex digits, else None."""
        raw = self._fields.get("psk")
        if raw is None or raw.startswith('"'):
            return None
        return bytes.fromhex(raw)

    @property
    def sae_password(self):
        raw = self._fields.get("sae_password")
        return None if raw is None else decode_string(raw, "sae_password")

    @property
    def key_mgmt(self):
        return frozenset(self._fields.get("key_mgmt", DEFAULT_KEY_MGMT).split())

    @property
    def proto(self):
        return frozenset(self._fields.get("proto", DEFAULT_PROTO).split())

    @property
    def pairwise(self):
        return frozenset(self._fields.get("pairwise", DEFAULT_PAIRWISE).split())

    @property
    def group(self):
        return frozenset(self._fields.get("group", DEFAULT_GROUP).split())

    @property
    def priority(self) -> int:
        return _int_or(self._fields.get("priority"), 0)

    @property
    def disabled(self) -> int:
        """0 enabled, 1 disabled, 2 P2P persistent group."""
        return _int_or(self._fields.get("disabled"), 0)

    @property
    def scan_ssid(self) -> bool:
        return _int_or(self._fields.get("scan_ssid"), 0) == 1

    @property
    def bssid(self):
        raw = self._fields.get("bssid")
        return None if raw is None else bytes.fromhex(raw.replace(":", ""))

    @property
    def ieee80211w(self):
        """0/1/2, or None when absent (the global pmf default then applies)."""
        raw = self._fields.get("ieee80211w")
        return None if raw is None else int(raw)

    @property
    def id_str(self):
        raw = self._fields.get("id_str")
        if raw is None:
            return None
        return decode_string(raw, "id_str").decode("utf-8", "replace")

    @property
    def scan_freq(self):
        return [int(f) for f in self._fields.get("scan_freq", "").split()]

    @property
    def freq_list(self):
        return [int(f) for f in self._fields.get("freq_list", "").split()]


class Config:
    """Globals (ordered, raw strings), networks, and opaque cred/blob blocks."""

    def __init__(self, path=None):
        self.path = path
        self.globals = {}
        self.networks = []
        # cred={...} and blob-base64-NAME={...}: kept as (header, [lines]) verbatim.
        self.blocks = []

    # --- globals --------------------------------------------------------------------

    def set_global(self, name: str, value: str) -> None:
        check = GLOBAL_FIELDS.get(name)
        if check is not None:
            raw = check(value)
        elif _is_unsupported_global(name):
            _warn_unsupported("global", name)
            raw = _check_verbatim(name, value)
        else:
            raise ConfigError("unknown global key '%s'" % name)
        self.globals[name] = _readable(name, raw)

    def get_global(self, name: str):
        if name not in GLOBAL_FIELDS and not _is_unsupported_global(name):
            raise ConfigError("unknown global key '%s'" % name)
        return self.globals.get(name)

    def unset_global(self, name: str) -> None:
        self.globals.pop(name, None)

    @property
    def ctrl_interface(self):
        return self.globals.get("ctrl_interface")

    @property
    def ctrl_dir(self):
        """Directory for the control sockets, from either ctrl_interface form."""
        raw = self.globals.get("ctrl_interface")
        return None if raw is None else parse_ctrl_interface(raw)[0]

    @property
    def ctrl_group(self):
        """Group for the control sockets: GROUP= wins over ctrl_interface_group."""
        raw = self.globals.get("ctrl_interface")
        if raw is not None:
            group = parse_ctrl_interface(raw)[1]
            if group is not None:
                return group
        return self.globals.get("ctrl_interface_group")

    @property
    def update_config(self) -> bool:
        return _int_or(self.globals.get("update_config"), 0) == 1

    @property
    def country(self):
        return self.globals.get("country")

    @property
    def ap_scan(self) -> int:
        return _int_or(self.globals.get("ap_scan"), 1)

    @property
    def autoscan(self):
        return self.globals.get("autoscan")

    @property
    def sae_pwe(self) -> int:
        return _int_or(self.globals.get("sae_pwe"), 0)

    # --- networks --------------------------------------------------------------------

    def next_network_id(self) -> int:
        # wpa_config_add_network: one more than the highest id in use.
        return max((n.id for n in self.networks), default=-1) + 1

    def add_network(self) -> Network:
        net = Network(self.next_network_id())
        self.networks.append(net)
        return net

    def get_network(self, net_id: int):
        for net in self.networks:
            if net.id == net_id:
                return net
        return None

    def remove_network(self, net_id: int) -> bool:
        for i, net in enumerate(self.networks):
            if net.id == net_id:
                del self.networks[i]
                return True
        return False

    def __eq__(self, other):
        return (isinstance(other, Config) and self.globals == other.globals
                and self.networks == other.networks and self.blocks == other.blocks)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return "Config(path=%r, globals=%r, networks=%r)" % (
            self.path, self.globals, self.networks)


def _is_unsupported_global(name: str) -> bool:
    # tx_queue_* and wmm_ac_* are AP-mode parameter families in wpa_supplicant.
    return (name in UNSUPPORTED_GLOBAL_FIELDS or name.startswith("tx_queue_")
            or name.startswith("wmm_ac_"))


# --- reading ---------------------------------------------------------------------------

def _clean_line(line: str):
    """wpa_config_get_line: strip, drop comments outside double quotes."""
    pos = line.lstrip(" \t\r")
    if not pos or pos[0] in "#\n":
        return None
    end = pos.find("#")
    start = 0
    while end >= 0:
        q = pos.find('"', start)
        if q < 0 or q > end:
            break
        q2 = pos.find('"', q + 1)
        if q2 < 0:
            break
        start = q2 + 1
        if start > end:
            end = pos.find("#", start)
    if end >= 0:
        pos = pos[:end]
    pos = pos.rstrip("\n \t\r")
    return pos or None


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        lineno = data.count(b"\n", 0, e.start) + 1
        raise ConfigError("%s:%d: not valid UTF-8 (byte 0x%02x); write non-ASCII SSIDs "
                          "as hex" % (filename, lineno, data[e.start])) from None


def parse(text, filename: str = "<config>", path=None) -> Config:
    """Parse wpa_supplicant.conf text (str or bytes). Errors: ConfigError
    with str "FILE:LINE: what is wrong"."""
    if isinstance(text, bytes):
        text = _decode(text, filename)
    config = Config(path)
    next_id = 0
    lines = text.split("\n")
    i = 0
    n = len(lines)

    def err(lineno, msg):
        return ConfigError("%s:%d: %s" % (filename, lineno, msg))

    while i < n:
        lineno = i + 1
        pos = _clean_line(lines[i])
        i += 1
        if pos is None:
            continue
        if pos == "network={":
            net = Network(next_id)
            next_id += 1
            closed = False
            while i < n:
                blineno = i + 1
                bpos = _clean_line(lines[i])
                i += 1
                if bpos is None:
                    continue
                if bpos == "}":
                    closed = True
                    break
                if bpos.endswith("={") and "=" not in bpos[:-2]:
                    raise err(blineno, "'%s' inside a network block (missing '}' for the "
                                       "block opened at line %d?)" % (bpos, lineno))
                key, eq, value = bpos.partition("=")
                if not eq:
                    raise err(blineno, "missing '=' in '%s'" % bpos)
                if value.startswith('"') and '"' not in value[1:]:
                    raise err(blineno, "invalid quotation in %s value (no closing '\"')" % key)
                try:
                    net.set(key, value)
                except ConfigError as e:
                    raise err(blineno, str(e)) from None
            if not closed:
                raise err(lineno, "network block is not terminated (missing '}')")
            config.networks.append(net)
        elif pos in ("cred={",) or (pos.startswith("blob-base64-") and pos.endswith("={")):
            body = []
            closed = False
            while i < n:
                bpos = _clean_line(lines[i])
                i += 1
                if bpos is None:
                    continue
                if bpos == "}":
                    closed = True
                    break
                body.append(bpos)
            if not closed:
                raise err(lineno, "%s block is not terminated (missing '}')" % pos[:-2])
            _warn_unsupported("block", pos[:-2])
            config.blocks.append((pos, body))
        elif pos == "}":
            raise err(lineno, "'}' without an open network block")
        else:
            key, eq, value = pos.partition("=")
            if not eq:
                raise err(lineno, "missing '=' in '%s'" % pos)
            if key != key.strip():
                raise err(lineno, "unknown global key '%s' (no spaces around '=')" % key)
            try:
                config.set_global(key, value)
            except ConfigError as e:
                raise err(lineno, str(e)) from None
    # dump() writes cred blocks before the networks and blobs after them, as
    # wpa_supplicant does; keep the model in that order too (each kind keeps its
    # own order), or a blob written before a cred would not read back equal.
    config.blocks.sort(key=lambda block: block[0] != "cred={")
    return config


def load(path: str) -> Config:
    """Read and parse a file; errors (including I/O) raise ConfigError."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConfigError("%s: cannot read: %s" % (path, e.strerror or e)) from None
    return parse(data, path, path=path)


# --- writing ---------------------------------------------------------------------------

def dump(config: Config) -> str:
    """The file text, laid out like wpa_supplicant's writer."""
    out = ["%s=%s\n" % kv for kv in config.globals.items()]
    for header, body in config.blocks:
        if header == "cred={":
            out.append("\n%s\n" % header)
            out.extend("\t%s\n" % line for line in body)
            out.append("}\n")
    for net in config.networks:
        out.append("\nnetwork={\n")
        out.extend("\t%s=%s\n" % kv for kv in net.items())
        out.append("}\n")
    for header, body in config.blocks:
        if header != "cred={":
            out.append("\n%s\n" % header)
            out.extend("%s\n" % line for line in body)
            out.append("}\n")
    return "".join(out)


def fsync_dir(directory):
    """Make a rename or unlink in `directory` durable (a power cut after this
    cannot bring the old name back)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirSyncError(OSError):
    """write_atomic: the new file is complete and in place, but the directory
    fsync failed, so a power cut could still bring the old name back."""


_boot_tag = None


def _this_boot():
    """8 hex digits naming this boot (the kernel's random boot_id). Temp file
    names carry it: pids repeat from boot to boot on a device with a fixed
    start-up order, so a pid alone cannot tell a live writer from a power cut."""
    global _boot_tag
    if _boot_tag is None:
        try:
            with open("/proc/sys/kernel/random/boot_id") as f:
                _boot_tag = f.read().strip().replace("-", "")[:8] or "0"
        except OSError:
            _boot_tag = "0"
    return _boot_tag


def temp_path(path):
    """Where write_atomic stages `path`: hidden, beside it (same file system, so
    the rename is atomic), named by our pid and this boot."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, ".%s.tmp%d-%s" % (name, os.getpid(), _this_boot()))


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                 # exists, owned by someone else
    return True


def remove_stale_temps(path):
    """Delete the temp files an interrupted write_atomic left beside `path`; a
    power cut (or kill -9) between creating and renaming one leaves it behind
    for good, holding a copy of the secrets. Stale: written in an earlier boot,
    or by a process of this boot that is gone (or by us). A live process's temp
    is another writer at work and stays. Called by each owner of a file when it
    starts (the daemon for its config, provisioning, the recent-frequency
    store); returns the names removed."""
    directory, name = os.path.split(os.path.abspath(path))
    prefix = ".%s.tmp" % name
    try:
        entries = [e for e in os.listdir(directory) if e.startswith(prefix)]
    except OSError:
        return []
    removed = []
    for entry in entries:
        pid, _, boot = entry[len(prefix):].partition("-")
        if (boot == _this_boot() and pid.isdecimal() and int(pid) != os.getpid()
                and _pid_alive(int(pid))):
            continue
        try:
            os.unlink(os.path.join(directory, entry))
            removed.append(entry)
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("cannot remove stale temp file %s: %s", entry, e.strerror or e)
    if removed:
        log.warning("%s: removed %s left by an interrupted save (power loss or kill)",
                    path, ", ".join(removed))
        try:
            fsync_dir(directory)
        except OSError:
            pass                    # harmless: at worst the next start removes them again
    return removed


def write_atomic(path, data, mode=0o600):
    """Replace the file with `data` so that a power cut at any point leaves the
    old file or the new one, whole: temp file beside it, fsync, rename over the
    target, fsync the directory. The rename must come after the file's fsync (a
    file system may commit the rename first, leaving an empty or torn file under
    the name), and only the directory fsync makes the rename itself stick.

    Raises OSError; before the rename the old file is untouched and the temp
    file is gone. DirSyncError: the new file is in place but the directory
    fsync failed."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = temp_path(path)
    fd = -1
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        except FileExistsError:
            # Left over by an earlier process with our pid that died mid-save.
            os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        # The file may hold secrets: `mode` regardless of umask, before any byte lands.
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        fsync_dir(directory)
    except OSError as e:
        raise DirSyncError(e.errno, e.strerror) from None


def save(config: Config, path=None) -> None:
    """Atomically replace the file (write_atomic: temp file, fsync, mode 0600,
    rename, fsync the directory). On any failure before the rename the old file
    is untouched and the temp file is gone."""
    path = path or config.path
    if not path:
        raise ConfigError("no configuration file path to save to")
    data = dump(config).encode("utf-8", "surrogateescape")
    try:
        write_atomic(path, data, 0o600)
    except DirSyncError as e:
        raise ConfigError("%s: saved, but syncing the directory failed: %s"
                          % (path, e.strerror or e)) from None
    except OSError as e:
        raise ConfigError("%s: cannot save: %s" % (path, e.strerror or e)) from None
    config.path = path
