"""The driver ops interface: the Python twin of hostap's `struct wpa_driver_ops`.

A driver owns its kernel sockets, registers them with the eloop, and reports what
happens as typed events (wispd.drivers.events) through the `on_event` callback it was given.
The core only ever calls the methods below.  Drivers are looked up by name, lazily,
so that `-D wext` never imports the nl80211 code (and its netlink classes).
"""

# The key kinds are rsn vocabulary; set_key() speaks it, so drivers take it from here.
from wispd.rsn.defs import CIPHER_NONE, KEY_GROUP, KEY_IGTK, KEY_PAIRWISE  # noqa: F401


AUTH_OPEN = "open"
AUTH_SAE = "sae"
AUTH_FT = "ft"       # 802.11r FT authentication (auth_data: RSNE || MDE || FTE)


class DriverError(Exception):
    """A driver operation failed; errno is set when the kernel gave one."""

    def __init__(self, message, errno=None):
        super().__init__(message)
        self.errno = errno


class DriverBusy(DriverError):
    """The radio is busy (EBUSY): try the operation again later."""


class DriverInitError(DriverError):
    """This driver cannot run on this interface; `-D a,b` tries the next one."""


class Capabilities:
    """What a driver and its radio can do; filled in by get_capa()."""

    __slots__ = ("ciphers", "akms", "freqs", "sme", "connect", "sae", "pmf",
                 "max_scan_ssids", "wext")

    def __init__(self, ciphers=(), akms=(), freqs=(), sme=True, connect=False,
                 sae=False, pmf=False, max_scan_ssids=4, wext=False):
        self.ciphers = frozenset(ciphers)
        self.akms = frozenset(akms)
        self.freqs = tuple(freqs)
        self.sme = sme                    # AUTHENTICATE + ASSOCIATE (mac80211)
        self.connect = connect            # CONNECT (full-MAC)
        self.sae = sae                    # SAE in userspace via AUTHENTICATE
        self.pmf = pmf                    # the kernel really protects management frames
        self.max_scan_ssids = max_scan_ssids
        self.wext = wext

    def __repr__(self):
        return "Capabilities(%s)" % ", ".join(
            "%s=%r" % (n, getattr(self, n)) for n in self.__slots__)


class ScanParams:
    __slots__ = ("ssids", "freqs", "flush")

    def __init__(self, ssids=(b"",), freqs=(), flush=False):
        self.ssids = list(ssids)          # b"" is the wildcard SSID; none: a passive scan
        self.freqs = list(freqs)          # empty: every supported channel
        self.flush = flush                # the kernel drops BSSes this scan did not see


class ScanResult:
    """One BSS as the driver saw it.  ies: the IEs as received (probe response
    IEs preferred over beacon IEs, so hidden APs show their SSID)."""

    __slots__ = ("bssid", "freq", "beacon_int", "caps", "signal", "noise", "qual",
                 "tsf", "age_ms", "ies", "beacon_ies", "associated")

    def __init__(self, bssid, freq, ies=b"", signal=0, caps=0, beacon_int=100,
                 noise=0, qual=0, tsf=0, age_ms=0, beacon_ies=b"", associated=False):
        self.bssid = bssid
        self.freq = freq
        self.beacon_int = beacon_int
        self.caps = caps
        self.signal = signal              # dBm
        self.noise = noise
        self.qual = qual
        self.tsf = tsf
        self.age_ms = age_ms
        self.ies = ies
        self.beacon_ies = beacon_ies
        self.associated = associated

    def __repr__(self):
        return "ScanResult(%s, freq=%d, signal=%d)" % (self.bssid, self.freq, self.signal)


class AssocParams:
    """Everything needed to join one BSS.  wpa_ie is our RSN/WPA IE for the
    association request (empty for open networks)."""

    __slots__ = ("bssid", "ssid", "freq", "auth_alg", "wpa_ie", "pairwise", "group",
                 "akm", "mgmt_group", "mfp", "auth_data", "extra_ies", "prev_bssid",
                 "wpa_versions", "privacy")

    def __init__(self, bssid, ssid, freq, auth_alg=AUTH_OPEN, wpa_ie=b"",
                 pairwise=CIPHER_NONE, group=CIPHER_NONE, akm=None,
                 mgmt_group=CIPHER_NONE, mfp=False, auth_data=None, extra_ies=b"",
                 prev_bssid=None, wpa_versions=0, privacy=False):
        self.bssid = bssid
        self.ssid = ssid
        self.freq = freq
        self.auth_alg = auth_alg
        self.wpa_ie = wpa_ie
        self.pairwise = pairwise
        self.group = group
        self.akm = akm
        self.mgmt_group = mgmt_group
        self.mfp = mfp
        self.auth_data = auth_data
        self.extra_ies = extra_ies
        self.prev_bssid = prev_bssid
        self.wpa_versions = wpa_versions  # 1 = WPA, 2 = RSN
        self.privacy = privacy


class KeyParams:
    __slots__ = ("kind", "cipher", "key_idx", "key", "seq", "addr", "set_tx")

    def __init__(self, kind, cipher, key_idx, key, seq=b"", addr=None, set_tx=False):
        self.kind = kind                  # KEY_PAIRWISE, KEY_GROUP or KEY_IGTK
        self.cipher = cipher
        self.key_idx = key_idx
        self.key = key
        self.seq = seq                    # receive sequence counter, little endian
        self.addr = addr                  # peer MAC for pairwise keys
        self.set_tx = set_tx


class Driver:
    """Base class: every method a driver may implement.  The defaults say
    "not supported" so a driver only writes what its kernel API offers."""

    name = "base"

    def __init__(self, eloop, ifname, on_event, params=None):
        self.eloop = eloop
        self.ifname = ifname
        self.on_event = on_event
        self.params = params or {}

    # lifecycle -------------------------------------------------------------
    def init(self):
        """Open sockets, check the interface, bring it up.  DriverInitError if
        this driver cannot serve the interface."""
        raise DriverInitError("%s: not implemented" % self.name)

    def deinit(self):
        pass

    def get_capa(self):
        return Capabilities()

    def get_mac_addr(self):
        raise DriverError("get_mac_addr not supported")

    # scanning --------------------------------------------------------------
    def scan(self, params):
        raise DriverError("scan not supported")

    def abort_scan(self):
        pass

    def get_scan_results(self):
        return []

    # connection ------------------------------------------------------------
    def associate(self, params):
        raise DriverError("associate not supported")

    def send_auth_frame(self, bssid, auth_type, data):
        """SAE commit/confirm over AUTHENTICATE (mac80211 drivers only)."""
        raise DriverError("SAE authentication not supported by %s" % self.name)

    def associate_after_auth(self):
        """Associate once userspace authentication (SAE) has succeeded."""
        raise DriverError("SAE authentication not supported by %s" % self.name)

    def deauthenticate(self, bssid, reason):
        pass

    def set_key(self, params):
        raise DriverError("set_key not supported")

    def clear_keys(self):
        pass

    def set_supp_port(self, authorized):
        """Open (or close) the controlled port once the keys are in."""

    def set_operstate(self, up):
        """RFC 2863 operstate: dormant until the port is authorized."""

    def get_bssid(self):
        return None

    def get_ssid(self):
        return None

    def signal_poll(self):
        """A dict with rssi, linkspeed, noise, frequency, width, center_frq1..."""
        return None

    def pktcnt_poll(self):
        """{'tx_packets', 'tx_failed', 'rx_packets'} of the link, or None."""
        return None

    def set_cqm(self, threshold, hysteresis):
        """Watch the signal of the current connection: a SignalChange event
        (low=True) when it falls below threshold dBm, another (low=False) when
        it is back above; after an event the signal must move by hysteresis dB
        before the next.  threshold 0 stops the watch.  Call it once connected
        (COMPLETED), after every new connection: whether the kernel keeps the
        setting from one connection to the next varies.  Returns True if the
        driver will report SignalChange, False if it cannot (no connection
        quality monitor in its kernel API or on this radio): then only
        signal_poll() tells.  DriverError if the kernel refused otherwise
        (EINVAL: threshold above 0 or hysteresis below 0)."""
        return False

    def send_action(self, dst, freq, body):
        """Send an Action frame (body from the category octet on) to our BSS;
        drivers that deliver ActionFrame events implement it (802.11v)."""
        raise DriverError("Action frames not supported by %s" % self.name)

    def set_country(self, alpha2):
        raise DriverError("set_country not supported")

    def get_country(self):
        return None

    def send_eapol(self, dst, data):
        """Drivers that carry EAPOL over their own socket implement this; the
        default path is an AF_PACKET socket owned by the core (wispd.platform.l2)."""
        return False


# name → "module:Class", imported on first use.
DRIVERS = {
    "nl80211": "wispd.drivers.nl80211.driver:Nl80211Driver",
    "wext": "wispd.drivers.wext.driver:WextDriver",
}


def driver_class(name):
    try:
        target = DRIVERS[name]
    except KeyError:
        raise DriverInitError("unknown driver %r (known: %s)"
                              % (name, ", ".join(sorted(DRIVERS))))
    modname, clsname = target.split(":")
    module = __import__(modname, fromlist=[clsname])
    return getattr(module, clsname)


def register_driver(name, target):
    """Used by tests to add the fake driver."""
    DRIVERS[name] = target
