"""The configuration model: a `Config` (ordered globals, `Network` blocks,
opaque cred/blob blocks) as SET/SET_NETWORK edit it and the daemon reads it.

Values are stored as the text wpa_supplicant would write (see fields.py), so
GET_NETWORK, SAVE_CONFIG and a re-read agree with each other and with
wpa_supplicant. Typed accessors sit on top. Reading and writing the file is
wpaconf.py's.
"""

from __future__ import annotations

import logging

from wispd.config.fields import (
    DEFAULT_GROUP, DEFAULT_KEY_MGMT, DEFAULT_PAIRWISE, DEFAULT_PROTO, GLOBAL_FIELDS,
    NETWORK_FIELDS, UNSUPPORTED_GLOBAL_FIELDS, UNSUPPORTED_NETWORK_FIELDS, parse_ctrl_interface)
from wispd.config.values import SECRET_FIELDS, ConfigError, check_reads_back, decode_string

__all__ = ["Config", "ConfigError", "Network", "warn_unsupported"]

log = logging.getLogger("wispd.config")

# Unsupported keys already reported, so a reload or SET does not repeat the warning.
_warned = set()


def warn_unsupported(kind: str, name: str) -> None:
    """Log once that a key (or a cred/blob block) is kept but not acted on."""
    if (kind, name) not in _warned:
        _warned.add((kind, name))
        log.warning("%s key '%s' is not supported by wispd; kept unchanged and ignored",
                    kind, name)


def _check_verbatim(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ConfigError("invalid %s value with newline" % name)
    return value


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
            warn_unsupported("network", field)
            raw = _check_verbatim(field, value)
        else:
            raise ConfigError("unknown network field '%s'" % field)
        if raw is None:
            self._fields.pop(field, None)
        else:
            self._fields[field] = check_reads_back(field, raw)

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

    @property
    def bgscan(self):
        """The network's bgscan text, None when unset (the global one applies)."""
        raw = self._fields.get("bgscan")
        return None if raw is None else decode_string(raw, "bgscan").decode("ascii", "replace")


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
            warn_unsupported("global", name)
            raw = _check_verbatim(name, value)
        else:
            raise ConfigError("unknown global key '%s'" % name)
        self.globals[name] = check_reads_back(name, raw)

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
    def pmf(self) -> int:
        """The global pmf= (0/1/2): the PMF level of networks without ieee80211w."""
        value = _int_or(self.globals.get("pmf"), 0)
        return value if value in (0, 1, 2) else 0

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

    @property
    def bgscan(self):
        raw = self.globals.get("bgscan")
        return None if raw is None else decode_string(raw, "bgscan").decode("ascii", "replace")

    def roam_setting(self, name: str, default: int) -> int:
        """roam_threshold, roam_hysteresis, roam_min_diff (docs/roaming.md)."""
        return _int_or(self.globals.get(name), default)

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
