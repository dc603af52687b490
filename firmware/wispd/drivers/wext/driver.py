"""The wext driver: the same supplicant over Linux wireless extensions ioctls.

For vendor and staging drivers that only speak wireless extensions, and for
cfg80211 drivers through its wext compatibility layer (CONFIG_CFG80211_WEXT).
What it holds: one AF_INET datagram socket for the ioctls (ioctl.py), one
rtnetlink socket (wispd.platform.rtnl) for link state and for the wireless
events that arrive as RTM_NEWLINK with IFLA_WIRELESS, and /dev/rfkill
(wispd.platform.rfkill).  No generic netlink socket: `-D wext` really is wext.
EAPOL goes over the core's AF_PACKET socket (wispd.platform.l2); wext has no
control port.  Joining and leaving a BSS is the driver's `Connection`
(connect.py); scan results and wireless events are parsed in scan.py.

PMF: cfg80211 accepts IW_AUTH_MFP and ignores it; the kernel never protects
management frames on this path.  So the capabilities say pmf=False, and the
core refuses ieee80211w=2 networks and joins ieee80211w=1 ones without PMF,
rather than pretend (a forged deauthentication would work either way).

Wireless extensions have no connection quality monitor (no threshold, no
event when the signal crosses one): set_cqm() declines, and the core learns
about a weak signal from signal_poll() only.
"""

import errno
import logging
import os
import socket

from wispd.drivers import events as ev
from wispd.drivers.linkstate import LinkStateMixin
from wispd.drivers.ops import (
    KEY_IGTK, KEY_PAIRWISE, Capabilities, Driver, DriverBusy, DriverError, DriverInitError)
from wispd.drivers.wext import abi as w
from wispd.drivers.wext import scan as wext_scan
from wispd.drivers.wext.connect import Connection
from wispd.drivers.wext.ioctl import WextIoctl
from wispd.rsn.defs import (
    AKM_8021X, AKM_PSK, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP, CIPHER_WEP104,
    CIPHER_WEP40)

log = logging.getLogger("wispd.wext")

SCAN_TIMEOUT = 15.0          # some drivers never send the SIOCGIWSCAN event
SCAN_BUF_MAX = 65535         # iw_point.length is a u16
BROADCAST = b"\xff" * 6

_ENCODE_ALG = {CIPHER_NONE: w.IW_ENCODE_ALG_NONE, CIPHER_WEP40: w.IW_ENCODE_ALG_WEP,
               CIPHER_WEP104: w.IW_ENCODE_ALG_WEP, CIPHER_TKIP: w.IW_ENCODE_ALG_TKIP,
               CIPHER_CCMP: w.IW_ENCODE_ALG_CCMP, CIPHER_BIP_CMAC_128: w.IW_ENCODE_ALG_AES_CMAC}


class WextDriver(LinkStateMixin, Driver):
    """Driver(eloop, ifname, on_event, params).  No params yet."""

    name = "wext"

    def __init__(self, eloop, ifname, on_event, params=None, abi=None):
        super().__init__(eloop, ifname, on_event, params)
        self.abi = abi or w.NATIVE
        self.iw = None               # WextIoctl, from init() on
        self.rtnl = None
        self.rfkill = None
        self.ifindex = None
        self.mac = None
        self.phy = None              # cfg80211 wiphy name, when cfg80211-backed
        self.range = {}
        self.capa = Capabilities(wext=True)
        self.link_up = False
        self.disabled = set()
        self.scan_freqs = None       # our scan in progress: its frequencies
        self.conn = Connection(self)
        conn = self.conn
        self._handlers = {"scan": self._on_scan_event, "assoc_req_ie": conn.on_assoc_req_ie,
                          "assoc_resp_ie": conn.on_assoc_resp_ie, "ap": conn.on_ap,
                          "mic_failure": self._on_mic_failure, "custom": self._on_custom}

    def _reset_link(self):
        # The interface is gone or unusable: no connection, and no scan of ours.
        self.conn.reset()
        self.scan_freqs = None
        self.eloop.cancel_timeout(self._scan_timeout)

    # ------------------------------------------------------------------ lifecycle
    def init(self):
        try:
            socket.if_nametoindex(self.ifname)
        except OSError:
            raise DriverInitError("%s: no such interface" % self.ifname, errno.ENODEV)
        self.iw = WextIoctl(self.ifname, self.abi)
        try:
            proto = self.iw.name()
        except DriverError as e:
            self._close_sockets()
            if e.errno == errno.ENODEV:
                raise DriverInitError("%s: no such interface" % self.ifname, e.errno)
            raise DriverInitError("%s: no wireless extensions (SIOCGIWNAME: %s)"
                                  % (self.ifname, os.strerror(e.errno or 0)), e.errno)
        from wispd.platform.rfkill import RfkillMonitor
        from wispd.platform.rtnl import Rtnl
        try:
            self.rtnl = Rtnl(self.eloop, self.handle_link)
            link = self.rtnl.get_link(name=self.ifname)
            if link is None:
                raise DriverInitError("%s: no such interface" % self.ifname, errno.ENODEV)
            self._bind(link, proto)
        except DriverError:
            self.deinit()
            raise
        self.rfkill = RfkillMonitor(self.eloop, self.handle_rfkill)
        if self.phy is not None and self.rfkill.blocked(self.phy):
            self.disabled.add("rfkill")
        if self.disabled:
            self.eloop.register_timeout(0, self.emit,
                                        ev.InterfaceDisabled(reason=sorted(self.disabled)[0]))

    def _bind(self, link, proto):
        self.ifindex = link.index
        self.mac = link.addr
        self.phy = self._phy_name()
        try:
            data, _length, _flags = self.iw.point(w.SIOCGIWRANGE, w.RANGE_SIZE)
            self.range = w.parse_range(data)
        except DriverError as e:
            log.info("%s: SIOCGIWRANGE failed (%s); assuming WE-21+", self.ifname, e)
            self.range = {"we_version": 22, "scan_capa": 0, "freqs": [], "enc_capa": 0}
        self.iw.we_version = self.range["we_version"]
        self.capa = self._capabilities(self.range)
        self._reset_link()
        self.set_mode_managed()
        self.rtnl.set_linkmode(self.ifindex, True)
        self.disabled.discard("ifdown")
        self._bring_up()
        if self.phy is not None:
            # cfg80211 keeps the last ESSID and would reconnect to it on its own.
            self.iw.set_essid(b"")
        log.info("%s: wext (%s) WE-%d%s, %d channels, enc_capa %#x, %s", self.ifname, proto,
                 self.range["we_version"], ", cfg80211 %s" % self.phy if self.phy else "",
                 len(self.range["freqs"]), self.range["enc_capa"], self.abi)

    def _phy_name(self):
        path = "/sys/class/net/%s/phy80211" % self.ifname
        if not os.path.exists(path):
            return None
        return os.path.basename(os.path.realpath(path))

    def _capabilities(self, rng):
        enc = rng.get("enc_capa", 0)
        ciphers = [CIPHER_WEP40, CIPHER_WEP104]
        if enc & w.IW_ENC_CAPA_CIPHER_TKIP:
            ciphers.append(CIPHER_TKIP)
        if enc & w.IW_ENC_CAPA_CIPHER_CCMP:
            ciphers.append(CIPHER_CCMP)
        akms = [AKM_PSK, AKM_8021X] if enc & (w.IW_ENC_CAPA_WPA | w.IW_ENC_CAPA_WPA2) else []
        # One SSID per iw_scan_req: the core asks for [wildcard, hidden]; the
        # driver probes for the hidden one (beacons of the others still count).
        return Capabilities(ciphers=ciphers, akms=akms, freqs=rng.get("freqs", ()), sme=False,
                            connect=True, sae=False, pmf=False, max_scan_ssids=2, wext=True)

    def set_mode_managed(self):
        try:
            if self.iw.mode() == w.IW_MODE_INFRA:
                return
        except DriverError:
            pass
        try:
            self.iw.set_mode(w.IW_MODE_INFRA)
        except DriverBusy:
            # cfg80211 changes the interface type only while it is down.
            self.rtnl.set_up(self.ifindex, False)
            self.iw.set_mode(w.IW_MODE_INFRA)
            self.link_up = False

    def _bring_up(self):
        link = self.rtnl.get_link(index=self.ifindex)
        self.link_up = bool(link and link.up)
        if self.link_up:
            return
        self._try_up()

    def _close_sockets(self):
        for name in ("rfkill", "rtnl", "iw"):
            obj = getattr(self, name)
            if obj is not None:
                obj.close()
                setattr(self, name, None)

    def deinit(self):
        self.eloop.cancel_timeout(self._bring_up_retry)
        self._reset_link()
        if self.rtnl is not None and self.ifindex is not None:
            self.rtnl.set_linkmode(self.ifindex, False)
            self.rtnl.set_operstate(self.ifindex, True)
        if self.iw is not None and self.phy is not None and self.ifindex is not None:
            try:
                self.iw.set_auth(w.IW_AUTH_WPA_VERSION, w.IW_AUTH_WPA_VERSION_DISABLED)
                self.iw.set_genie(b"")
            except DriverError:
                pass
        self._close_sockets()

    def _need_iface(self):
        if self.ifindex is None or self.iw is None:
            raise DriverError("%s: interface not present" % self.ifname, errno.ENODEV)

    def emit(self, event):
        self.on_event(event)

    # ------------------------------------------------------------------ scanning
    def scan(self, params):
        self._need_iface()
        ssid = next((bytes(s) for s in params.ssids if s), b"")
        freqs = [int(f) for f in params.freqs]
        if ssid or freqs:
            req = w.scan_req(ssid, freqs)
            flags = (w.IW_SCAN_THIS_ESSID if ssid else 0) | (w.IW_SCAN_THIS_FREQ if freqs else 0)
            self.iw.point(w.SIOCSIWSCAN, req, flags)
        else:
            self.iw.call(w.SIOCSIWSCAN, self.abi.iwreq_point(self.ifname, 0, 0, 0))
        self.scan_freqs = freqs
        self.eloop.cancel_timeout(self._scan_timeout)
        self.eloop.register_timeout(SCAN_TIMEOUT, self._scan_timeout)
        self.eloop.register_timeout(0, self.emit, ev.ScanStarted())

    def _scan_timeout(self):
        log.info("%s: no scan completion event; reading results anyway", self.ifname)
        self._scan_done()

    def _scan_done(self):
        self.eloop.cancel_timeout(self._scan_timeout)
        freqs, self.scan_freqs = self.scan_freqs, None
        self.emit(ev.ScanDone(freqs=list(freqs or [])))

    def get_scan_results(self):
        if self.ifindex is None or self.iw is None:
            return []
        size = w.IW_SCAN_MAX_DATA
        while True:
            try:
                data, length, _flags = self.iw.point(w.SIOCGIWSCAN, size)
                break
            except DriverError as e:
                if e.errno == errno.E2BIG and size < SCAN_BUF_MAX:
                    size = min(size * 2, SCAN_BUF_MAX)
                    continue
                if e.errno == errno.EAGAIN:
                    return []
                raise
        return wext_scan.parse_scan(data[:length], self.abi)

    # ------------------------------------------------------------------ connecting
    def associate(self, params):
        self._need_iface()
        self.conn.associate(params)

    def deauthenticate(self, bssid, reason):
        if self.ifindex is not None and self.iw is not None:
            self.conn.deauthenticate(bssid, reason)

    # ------------------------------------------------------------------ keys
    def set_key(self, params):
        self._need_iface()
        p = params
        alg = _ENCODE_ALG.get(p.cipher)
        if alg is None:
            raise DriverError("cipher %#x not supported by wext" % p.cipher)
        if p.kind == KEY_IGTK and alg != w.IW_ENCODE_ALG_NONE and \
                not self.range.get("enc_capa", 0):
            raise DriverError("IGTK not supported")
        pairwise = p.kind == KEY_PAIRWISE
        addr = (p.addr or self.conn.bssid) if pairwise else BROADCAST
        if addr is None:
            raise DriverError("pairwise key without a peer address")
        ext = w.encode_ext(alg, p.key if alg else b"", bytes(p.seq or b""), addr,
                           group=not pairwise, set_tx=bool(p.set_tx or pairwise))
        flags = (p.key_idx + 1) & w.IW_ENCODE_INDEX
        if alg == w.IW_ENCODE_ALG_NONE:
            flags |= w.IW_ENCODE_DISABLED
        self.iw.point(w.SIOCSIWENCODEEXT, ext, flags)

    def clear_keys(self):
        if self.ifindex is None or self.iw is None:
            return
        for idx in range(4):
            ext = w.encode_ext(w.IW_ENCODE_ALG_NONE, group=True)
            try:
                self.iw.point(w.SIOCSIWENCODEEXT, ext, (idx + 1) | w.IW_ENCODE_DISABLED)
            except DriverError:
                pass     # no key there: fine

    # ------------------------------------------------------------------ queries
    def signal_poll(self):
        if self.ifindex is None or self.iw is None or not self.conn.associated:
            return None
        info = {}
        try:
            if self.iw.get_ap() is None:
                return None
            data, _length, _flags = self.iw.point(w.SIOCGIWSTATS, w.STATS_SIZE, 1)
            _qual, level, noise, _missed = w.parse_stats(data)
            if level is not None:
                info["rssi"] = level
            if noise is not None:
                info["noise"] = noise
        except DriverError as e:
            log.debug("%s: SIOCGIWSTATS: %s", self.ifname, e)
        try:
            rate = int.from_bytes(self.iw.get(w.SIOCGIWRATE)[16:20], "little", signed=True)
            if rate > 0:
                info["linkspeed"] = rate // 1000000
                info["txrate_kbps"] = rate // 1000
        except DriverError as e:
            log.debug("%s: SIOCGIWRATE: %s", self.ifname, e)
        try:
            req = self.iw.get(w.SIOCGIWFREQ)
            m = int.from_bytes(req[16:20], "little", signed=True)
            e = int.from_bytes(req[20:22], "little", signed=True)
            mhz = w.freq_mhz(m, e)
            if mhz:
                info["frequency"] = mhz
        except DriverError as e:
            log.debug("%s: SIOCGIWFREQ: %s", self.ifname, e)
        return info

    def set_cqm(self, threshold, hysteresis):
        # No CQM in wireless extensions (see the module docstring).
        return False

    # ------------------------------------------------------------------ wireless events
    def handle_wireless(self, data):
        for we in wext_scan.parse_wireless(data, self.abi):
            handler = self._handlers.get(we.kind)
            if handler is not None:
                handler(we)

    def _on_scan_event(self, we):
        if self.scan_freqs is None:
            # Somebody else's scan: the core keeps the fresh results.
            self.emit(ev.ScanDone(freqs=[]))
            return
        self._scan_done()

    def _on_mic_failure(self, we):
        src, pairwise, key_idx = we.mic
        self.emit(ev.MichaelMicFailure(src=src, unicast=pairwise, key_index=key_idx))

    def _on_custom(self, we):
        text = we.data.split(b"\0", 1)[0].decode("ascii", "replace")
        if text.startswith("MLME-MICHAELMICFAILURE.indication"):
            self.emit(ev.MichaelMicFailure(src=self.conn.bssid, unicast="unicast" in text,
                                           key_index=None))
            return
        log.debug("%s: wireless custom event: %s", self.ifname, text)

    # ------------------------------------------------------------------ link, rfkill
    def handle_link(self, link):
        from wispd.platform.rtnl import RTM_DELLINK
        if link.index != self.ifindex and link.name != self.ifname:
            return
        if link.event == RTM_DELLINK:
            if link.index == self.ifindex:
                self._removed()
            return
        if link.name is not None and link.name != self.ifname:
            return
        if self.ifindex != link.index:
            self._rebind(link)
            return
        if link.wireless:
            self.handle_wireless(link.wireless)
        self._link_changed(link)

    def _rebind(self, link):
        if self.ifindex is not None:
            self._removed()
        try:
            self._bind(link, self.iw.name())
        except (DriverError, OSError) as e:
            log.warning("%s: cannot use the new interface: %s", self.ifname, e)
            self.ifindex = None
            return
        if self.rfkill is not None and self.phy and self.rfkill.blocked(self.phy):
            self.disabled.add("rfkill")
        self.emit(ev.InterfaceAdded(ifname=self.ifname, ifindex=self.ifindex, addr=self.mac))

    def _rfkill_name(self):
        return self.phy
