"""A fake driver for unit tests of the core (never for driver acceptance).

It keeps a list of simulated BSSes.  scan() reports ScanDone after a short
eloop timeout; associate() reports Associated (or a rejection) the same way.
Open networks complete at once; protected ones need a test to play the AP's side
of the EAPOL exchange through `deliver_eapol` / `sent_eapol`.
"""

from wispd.drivers import events as ev
from wispd.drivers.ops import Capabilities, Driver, DriverBusy, DriverInitError, ScanResult

FAKE_ADDR = bytes.fromhex("020000000200")


def open_bss(bssid, ssid, freq=2412, signal=-50, hidden=False):
    ies = bytes((0, 0 if hidden else len(ssid))) + (b"" if hidden else ssid)
    ies += bytes((1, 4)) + b"\x82\x84\x8b\x96"
    return ScanResult(bytes.fromhex(bssid.replace(":", "")), freq, ies=ies, signal=signal,
                      caps=0x0001)


def wpa2_bss(bssid, ssid, freq=2412, signal=-50, akm=2, caps=0x0000):
    rsn = (b"\x01\x00" + b"\x00\x0f\xac\x04" + b"\x01\x00\x00\x0f\xac\x04"
           + b"\x01\x00\x00\x0f\xac" + bytes((akm,)) + caps.to_bytes(2, "little"))
    ies = bytes((0, len(ssid))) + ssid + bytes((48, len(rsn))) + rsn
    return ScanResult(bytes.fromhex(bssid.replace(":", "")), freq, ies=ies, signal=signal,
                      caps=0x0011)


class FakeDriver(Driver):
    name = "fake"
    provides_eapol = True
    # Tests set these before the daemon starts the driver.
    world = []
    # The kernel's cache before any scan of ours (another process scanned);
    # ScanResult.age_ms says how long ago each was seen.
    cached = []
    fail_init = False
    reject_assoc = set()
    # How long a scan or an association takes (the fuzz targets set 0).
    delay = 0.01

    def __init__(self, eloop, ifname, on_event, params=None):
        super().__init__(eloop, ifname, on_event, params)
        self.scans = []
        self.associations = []
        self.keys = []
        self.deauths = []
        self.packet_counts = {"tx_packets": 0, "tx_failed": 0, "rx_packets": 0}
        self.sent_eapol = []
        self.scanning = False
        self.connected = None
        self.port_authorized = False
        self.operstate = None
        self.country = None
        self.cqm = []                # (threshold, hysteresis) of each set_cqm()
        self.actions = []            # (dst, freq, body) of each send_action()

    def init(self):
        if self.fail_init:
            raise DriverInitError("fake: told to fail")

    def get_capa(self):
        return Capabilities(sme=True, max_scan_ssids=4, pmf=True)

    def get_mac_addr(self):
        return FAKE_ADDR

    def scan(self, params):
        if self.scanning:
            raise DriverBusy("busy")
        self.scanning = True
        self.scans.append(params)
        self.eloop.register_timeout(self.delay, self._scan_done, params)

    def _scan_done(self, params):
        self.scanning = False
        self.on_event(ev.ScanDone(freqs=list(params.freqs)))

    def _visible(self, params=None):
        out = []
        for res in self.world:
            if params and params.freqs and res.freq not in params.freqs:
                continue
            out.append(res)
        return out

    def get_scan_results(self):
        if not self.scans:
            # Before our first scan the kernel holds only what others saw.
            return list(self.cached)
        return self._visible(self.scans[-1])

    def associate(self, params):
        self.associations.append(params)
        self.eloop.register_timeout(self.delay, self._assoc_done, params)

    def _assoc_done(self, params):
        if params.bssid in self.reject_assoc:
            self.on_event(ev.AssocRejected(bssid=params.bssid, status=17))
            return
        self.connected = params.bssid
        self.on_event(ev.Associated(bssid=params.bssid, freq=params.freq, req_ies=params.wpa_ie,
                                    resp_ies=b"", authorized=False))

    def deauthenticate(self, bssid, reason):
        self.deauths.append((bssid, reason))
        if self.connected is not None:
            self.connected = None
            self.eloop.register_timeout(0, self.on_event, ev.Disconnected(
                bssid=bssid, reason=reason, locally_generated=True))

    def drop_link(self, reason=3):
        """The AP deauthenticated us."""
        bssid, self.connected = self.connected, None
        self.on_event(ev.Disconnected(bssid=bssid, reason=reason, locally_generated=False))

    def set_key(self, params):
        self.keys.append(params)

    def set_supp_port(self, authorized):
        self.port_authorized = authorized

    def set_operstate(self, up):
        self.operstate = up

    def set_cqm(self, threshold, hysteresis):
        self.cqm.append((threshold, hysteresis))
        return True

    def set_country(self, alpha2):
        self.country = alpha2

    def send_action(self, dst, freq, body):
        self.actions.append((dst, freq, body))

    def send_eapol(self, dst, data):
        self.sent_eapol.append((dst, data))
        return True

    def deliver_eapol(self, src, data):
        self.on_event(ev.EapolReceived(src=src, data=data))

    def pktcnt_poll(self):
        if self.connected is None:
            return None
        return dict(self.packet_counts)

    def signal_poll(self):
        if self.connected is None:
            return None
        return {"rssi": -50, "linkspeed": 54, "noise": 9999, "frequency": 2412,
                "width": "20 MHz (no HT)", "center_frq1": 2412}
