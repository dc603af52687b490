"""The wext driver: the same supplicant over Linux wireless extensions ioctls.

For vendor and staging drivers that only speak wireless extensions, and for
cfg80211 drivers through its wext compatibility layer (CONFIG_CFG80211_WEXT).
What it holds: one AF_INET datagram socket for the ioctls, one rtnetlink socket
(wispd.platform.rtnl) for link state and for the wireless events that arrive as
RTM_NEWLINK with IFLA_WIRELESS, and /dev/rfkill (wispd.platform.rfkill).  No generic
netlink socket: `-D wext` really is wext.  EAPOL goes over the core's
AF_PACKET socket (wispd.platform.l2); wext has no control port.

Connecting is a sequence of "set" ioctls.  On cfg80211, setting the ESSID is
what starts the connection, and setting the frequency, the BSSID or the IE
restarts it if an ESSID is set; so the ESSID is cleared first and set last.
The result arrives as a SIOCGIWAP wireless event: a BSSID means associated, all
zeros means the attempt failed or the link was lost.  Wext reports no reason
codes and no status codes.

PMF: cfg80211 accepts IW_AUTH_MFP and ignores it; the kernel never protects
management frames on this path.  So the capabilities say pmf=False, and the
core refuses ieee80211w=2 networks and joins ieee80211w=1 ones without PMF,
rather than pretend (a forged deauthentication would work either way).
"""

import errno
import fcntl
import logging
import os
import socket

from wispd.drivers import events as ev
from wispd.rsn.defs import (
    AKM_8021X, AKM_PSK, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP, CIPHER_WEP104,
    CIPHER_WEP40)
from wispd.drivers.ops import (
    KEY_IGTK, KEY_PAIRWISE, Capabilities, Driver, DriverBusy, DriverError, DriverInitError)
from wispd.drivers.wext import abi as w
from wispd.drivers.wext import scan as wext_scan
from wispd.drivers.linkstate import LinkStateMixin

log = logging.getLogger("wispd.wext")

SCAN_TIMEOUT = 15.0          # some drivers never send the SIOCGIWSCAN event
SCAN_BUF_MAX = 65535         # iw_point.length is a u16
ZERO_MAC = b"\0" * 6
BROADCAST = b"\xff" * 6
WLAN_STATUS_UNSPECIFIED_FAILURE = 1
REASON_UNSPECIFIED = 1

_AUTH_CIPHER = {CIPHER_NONE: w.IW_AUTH_CIPHER_NONE, CIPHER_WEP40: w.IW_AUTH_CIPHER_WEP40,
                CIPHER_WEP104: w.IW_AUTH_CIPHER_WEP104, CIPHER_TKIP: w.IW_AUTH_CIPHER_TKIP,
                CIPHER_CCMP: w.IW_AUTH_CIPHER_CCMP,
                CIPHER_BIP_CMAC_128: w.IW_AUTH_CIPHER_AES_CMAC}
_ENCODE_ALG = {CIPHER_NONE: w.IW_ENCODE_ALG_NONE, CIPHER_WEP40: w.IW_ENCODE_ALG_WEP,
               CIPHER_WEP104: w.IW_ENCODE_ALG_WEP, CIPHER_TKIP: w.IW_ENCODE_ALG_TKIP,
               CIPHER_CCMP: w.IW_ENCODE_ALG_CCMP, CIPHER_BIP_CMAC_128: w.IW_ENCODE_ALG_AES_CMAC}


class WextDriver(LinkStateMixin, Driver):
    """Driver(eloop, ifname, on_event, params).  No params yet."""

    name = "wext"

    def __init__(self, eloop, ifname, on_event, params=None, abi=None):
        super().__init__(eloop, ifname, on_event, params)
        self.abi = abi or w.NATIVE
        self.sock = None
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
        self.deauth_reason = 0
        self.stale_losses = 0        # link-loss events still due from a link we left
        self._reset_link()

    def _reset_link(self):
        self.assoc = None
        self.in_progress = False
        self.associated = False
        self.bssid = None
        self.ssid = None
        self.req_ies = b""
        self.resp_ies = b""
        self.leaving = False         # we asked to leave: the next loss is local

    # ------------------------------------------------------------------ ioctls
    def _ioctl(self, request, req):
        """One ioctl on the iwreq bytearray (changed in place); DriverError on
        failure (DriverBusy for EBUSY)."""
        try:
            fcntl.ioctl(self.sock.fileno(), request, req, True)
        except OSError as e:
            cls = DriverBusy if e.errno == errno.EBUSY else DriverError
            raise cls("%s: ioctl %#x: %s" % (self.ifname, request, os.strerror(e.errno)),
                      e.errno)
        return req

    def _point_ioctl(self, request, data_or_size, flags=0):
        """An ioctl whose argument is an iw_point; returns (bytes, length, flags)."""
        buf = w.Buffer(data_or_size)
        size = len(buf) if isinstance(data_or_size, int) else len(bytes(data_or_size))
        req = self._ioctl(request, self.abi.iwreq_point(self.ifname, buf.address, size, flags))
        _addr, length, rflags = self.abi.point_of(req)
        return buf.bytes(min(length, len(buf))), length, rflags

    def _set_auth(self, index, value, required=False):
        try:
            self._ioctl(w.SIOCSIWAUTH, self.abi.iwreq_param(self.ifname, value, flags=index))
        except DriverError as e:
            if required and e.errno != errno.EOPNOTSUPP:
                raise
            log.debug("%s: SIOCSIWAUTH %d=%#x: %s", self.ifname, index, value, e)

    # ------------------------------------------------------------------ lifecycle
    def init(self):
        try:
            socket.if_nametoindex(self.ifname)
        except OSError:
            raise DriverInitError("%s: no such interface" % self.ifname, errno.ENODEV)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        try:
            name = self._ioctl(w.SIOCGIWNAME, self.abi.iwreq(self.ifname))
        except DriverError as e:
            self._close_sockets()
            if e.errno == errno.ENODEV:
                raise DriverInitError("%s: no such interface" % self.ifname, e.errno)
            raise DriverInitError("%s: no wireless extensions (SIOCGIWNAME: %s)"
                                  % (self.ifname, os.strerror(e.errno or 0)), e.errno)
        proto = bytes(name[w.IFNAMSIZ:]).split(b"\0", 1)[0].decode("ascii", "replace")
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
            self.eloop.register_timeout(0, self._emit,
                                        ev.InterfaceDisabled(reason=sorted(self.disabled)[0]))

    def _bind(self, link, proto):
        self.ifindex = link.index
        self.mac = link.addr
        self.phy = self._phy_name()
        try:
            data, _length, _flags = self._point_ioctl(w.SIOCGIWRANGE, w.RANGE_SIZE)
            self.range = w.parse_range(data)
        except DriverError as e:
            log.info("%s: SIOCGIWRANGE failed (%s); assuming WE-21+", self.ifname, e)
            self.range = {"we_version": 22, "scan_capa": 0, "freqs": [], "enc_capa": 0}
        self.capa = self._capabilities(self.range)
        self._reset_link()
        self._set_mode_managed(link.up)
        self.rtnl.set_linkmode(self.ifindex, True)
        self.disabled.discard("ifdown")
        self._bring_up()
        if self.phy is not None:
            # cfg80211 keeps the last ESSID and would reconnect to it on its own.
            self._set_essid(b"")
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

    def _set_mode_managed(self, up):
        try:
            req = self._ioctl(w.SIOCGIWMODE, self.abi.iwreq(self.ifname))
            if int.from_bytes(req[16:20], "little") == w.IW_MODE_INFRA:
                return
        except DriverError:
            pass
        try:
            self._ioctl(w.SIOCSIWMODE, self.abi.iwreq_mode(self.ifname, w.IW_MODE_INFRA))
        except DriverBusy:
            # cfg80211 changes the interface type only while it is down.
            self.rtnl.set_up(self.ifindex, False)
            self._ioctl(w.SIOCSIWMODE, self.abi.iwreq_mode(self.ifname, w.IW_MODE_INFRA))
            self.link_up = False

    def _bring_up(self):
        link = self.rtnl.get_link(index=self.ifindex)
        self.link_up = bool(link and link.up)
        if self.link_up:
            return
        self._try_up()

    def _close_sockets(self):
        for name in ("rfkill", "rtnl", "sock"):
            obj = getattr(self, name)
            if obj is not None:
                obj.close()
                setattr(self, name, None)

    def deinit(self):
        self.eloop.cancel_timeout(self._scan_timeout)
        self.eloop.cancel_timeout(self._bring_up_retry)
        if self.rtnl is not None and self.ifindex is not None:
            self.rtnl.set_linkmode(self.ifindex, False)
            self.rtnl.set_operstate(self.ifindex, True)
        if self.sock is not None and self.phy is not None and self.ifindex is not None:
            try:
                self._set_auth(w.IW_AUTH_WPA_VERSION, w.IW_AUTH_WPA_VERSION_DISABLED)
                self._set_genie(b"")
            except DriverError:
                pass
        self._close_sockets()

    def _need_iface(self):
        if self.ifindex is None or self.sock is None:
            raise DriverError("%s: interface not present" % self.ifname, errno.ENODEV)

    def _emit(self, event):
        self.on_event(event)

    # ------------------------------------------------------------------ scanning
    def scan(self, params):
        self._need_iface()
        ssid = next((bytes(s) for s in params.ssids if s), b"")
        freqs = [int(f) for f in params.freqs]
        if ssid or freqs:
            req = w.scan_req(ssid, freqs)
            flags = (w.IW_SCAN_THIS_ESSID if ssid else 0) | (w.IW_SCAN_THIS_FREQ if freqs else 0)
            self._point_ioctl(w.SIOCSIWSCAN, req, flags)
        else:
            self._ioctl(w.SIOCSIWSCAN, self.abi.iwreq_point(self.ifname, 0, 0, 0))
        self.scan_freqs = freqs
        self.eloop.cancel_timeout(self._scan_timeout)
        self.eloop.register_timeout(SCAN_TIMEOUT, self._scan_timeout)
        self.eloop.register_timeout(0, self._emit, ev.ScanStarted())

    def _scan_timeout(self):
        log.info("%s: no scan completion event; reading results anyway", self.ifname)
        self._scan_done()

    def _scan_done(self):
        self.eloop.cancel_timeout(self._scan_timeout)
        freqs, self.scan_freqs = self.scan_freqs, None
        self._emit(ev.ScanDone(freqs=list(freqs or [])))

    def get_scan_results(self):
        if self.ifindex is None or self.sock is None:
            return []
        size = w.IW_SCAN_MAX_DATA
        while True:
            try:
                data, length, _flags = self._point_ioctl(w.SIOCGIWSCAN, size)
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
    def _set_essid(self, ssid):
        ssid = bytes(ssid)
        data = ssid
        length = len(ssid)
        if self.range.get("we_version", 22) < 21 and ssid:
            data, length = ssid + b"\0", length + 1   # before WE-21 the NUL counted
        buf = w.Buffer(data)
        self._ioctl(w.SIOCSIWESSID,
                    self.abi.iwreq_point(self.ifname, buf.address, length, 1 if ssid else 0))

    def _set_genie(self, ie):
        buf = w.Buffer(ie)
        self._ioctl(w.SIOCSIWGENIE, self.abi.iwreq_point(self.ifname, buf.address, len(ie)))

    def associate(self, params):
        self._need_iface()
        p = params
        try:
            if self.query_bssid() is not None:
                # Clearing the ESSID below ends that link; its loss event follows
                # and must not count against this attempt.
                self.stale_losses += 1
        except DriverError:
            pass
        if self.phy is not None:
            self._set_essid(b"")
        self._reset_link()
        self.assoc = p
        self.in_progress = True
        self.ssid = bytes(p.ssid)
        self._set_mode_managed(True)
        wpa = bool(p.wpa_ie)
        if not wpa:
            version = w.IW_AUTH_WPA_VERSION_DISABLED
        elif p.wpa_versions == 1:
            version = w.IW_AUTH_WPA_VERSION_WPA
        else:
            version = w.IW_AUTH_WPA_VERSION_WPA2
        self._set_auth(w.IW_AUTH_WPA_VERSION, version)
        self._set_auth(w.IW_AUTH_CIPHER_PAIRWISE,
                       _AUTH_CIPHER.get(p.pairwise, w.IW_AUTH_CIPHER_NONE))
        self._set_auth(w.IW_AUTH_CIPHER_GROUP, _AUTH_CIPHER.get(p.group, w.IW_AUTH_CIPHER_NONE))
        km = 0
        if p.akm == AKM_8021X:
            km = w.IW_AUTH_KEY_MGMT_802_1X
        elif p.akm is not None:
            km = w.IW_AUTH_KEY_MGMT_PSK
        self._set_auth(w.IW_AUTH_KEY_MGMT, km)
        self._set_auth(w.IW_AUTH_80211_AUTH_ALG, w.IW_AUTH_ALG_OPEN_SYSTEM)
        privacy = bool(p.privacy or wpa)
        self._set_auth(w.IW_AUTH_WPA_ENABLED, int(wpa))
        self._set_auth(w.IW_AUTH_DROP_UNENCRYPTED, int(privacy))
        self._set_auth(w.IW_AUTH_RX_UNENCRYPTED_EAPOL, 0)
        self._set_auth(w.IW_AUTH_PRIVACY_INVOKED, int(privacy))
        # Never MFP here (see the module docstring); say so to the kernel too.
        self._set_auth(w.IW_AUTH_MFP, w.IW_AUTH_MFP_DISABLED)
        self._set_genie(bytes(p.wpa_ie or b"") + bytes(p.extra_ies or b""))
        if p.freq:
            try:
                self._ioctl(w.SIOCSIWFREQ, self.abi.iwreq_freq(self.ifname, p.freq))
            except DriverError as e:
                log.debug("%s: SIOCSIWFREQ %d: %s", self.ifname, p.freq, e)
        self._ioctl(w.SIOCSIWAP, self.abi.iwreq_addr(self.ifname, p.bssid or ZERO_MAC))
        self._set_essid(p.ssid)
        log.debug("%s: wext associate %s %r freq %s", self.ifname,
                  bytes(p.bssid or ZERO_MAC).hex(":"), bytes(p.ssid), p.freq)

    def deauthenticate(self, bssid, reason):
        if self.ifindex is None or self.sock is None:
            return
        bssid = bssid or self.bssid or (self.assoc.bssid if self.assoc else None) or ZERO_MAC
        self.leaving = True
        self.in_progress = False
        buf = w.Buffer(w.mlme(w.IW_MLME_DEAUTH, reason, bssid))
        try:
            self._ioctl(w.SIOCSIWMLME, self.abi.iwreq_point(self.ifname, buf.address, len(buf)))
        except DriverError as e:
            if e.errno not in (errno.ENOTCONN, errno.ENOLINK, errno.EINVAL):
                log.warning("%s: SIOCSIWMLME deauth: %s", self.ifname, e)
        self.deauth_reason = reason
        if self.phy is not None:
            # cfg80211 keeps the BSSID and ESSID of an attempt that has not
            # connected yet and tries it again after the next scan, beside the
            # next associate(): forget both.
            try:
                self._ioctl(w.SIOCSIWAP, self.abi.iwreq_addr(self.ifname, ZERO_MAC))
                self._set_essid(b"")
            except DriverError as e:
                log.debug("%s: clearing BSSID/ESSID: %s", self.ifname, e)

    # ------------------------------------------------------------------ keys, port
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
        addr = (p.addr or self.bssid) if pairwise else BROADCAST
        if addr is None:
            raise DriverError("pairwise key without a peer address")
        ext = w.encode_ext(alg, p.key if alg else b"", bytes(p.seq or b""), addr,
                           group=not pairwise, set_tx=bool(p.set_tx or pairwise))
        flags = (p.key_idx + 1) & w.IW_ENCODE_INDEX
        if alg == w.IW_ENCODE_ALG_NONE:
            flags |= w.IW_ENCODE_DISABLED
        self._point_ioctl(w.SIOCSIWENCODEEXT, ext, flags)

    def clear_keys(self):
        if self.ifindex is None or self.sock is None:
            return
        for idx in range(4):
            ext = w.encode_ext(w.IW_ENCODE_ALG_NONE, group=True)
            try:
                self._point_ioctl(w.SIOCSIWENCODEEXT, ext, (idx + 1) | w.IW_ENCODE_DISABLED)
            except DriverError:
                pass     # no key there: fine

    # ------------------------------------------------------------------ queries

    def query_bssid(self):
        """SIOCGIWAP: what the kernel says we are associated with (or None)."""
        req = self._ioctl(w.SIOCGIWAP, self.abi.iwreq(self.ifname))
        mac = w.sockaddr_mac(req[w.IFNAMSIZ:])
        return None if mac == ZERO_MAC else mac

    def signal_poll(self):
        if self.ifindex is None or self.sock is None or not self.associated:
            return None
        info = {}
        try:
            if self.query_bssid() is None:
                return None
            data, _length, _flags = self._point_ioctl(w.SIOCGIWSTATS, w.STATS_SIZE, 1)
            _qual, level, noise, _missed = w.parse_stats(data)
            if level is not None:
                info["rssi"] = level
            if noise is not None:
                info["noise"] = noise
        except DriverError as e:
            log.debug("%s: SIOCGIWSTATS: %s", self.ifname, e)
        try:
            req = self._ioctl(w.SIOCGIWRATE, self.abi.iwreq(self.ifname))
            rate = int.from_bytes(req[16:20], "little", signed=True)
            if rate > 0:
                info["linkspeed"] = rate // 1000000
                info["txrate_kbps"] = rate // 1000
        except DriverError as e:
            log.debug("%s: SIOCGIWRATE: %s", self.ifname, e)
        try:
            req = self._ioctl(w.SIOCGIWFREQ, self.abi.iwreq(self.ifname))
            m = int.from_bytes(req[16:20], "little", signed=True)
            e = int.from_bytes(req[20:22], "little", signed=True)
            mhz = w.freq_mhz(m, e)
            if mhz:
                info["frequency"] = mhz
        except DriverError as e:
            log.debug("%s: SIOCGIWFREQ: %s", self.ifname, e)
        return info

    # ------------------------------------------------------------------ wireless events
    def handle_wireless(self, data):
        for we in wext_scan.parse_wireless(data, self.abi):
            handler = getattr(self, "_we_" + we.kind, None)
            if handler is not None:
                handler(we)

    def _we_scan(self, we):
        if self.scan_freqs is None:
            # Somebody else's scan: the core keeps the fresh results.
            self._emit(ev.ScanDone(freqs=[]))
            return
        self._scan_done()

    def _we_assoc_req_ie(self, we):
        self.req_ies = we.data

    def _we_assoc_resp_ie(self, we):
        self.resp_ies = we.data

    def _we_ap(self, we):
        if we.bssid != ZERO_MAC:
            p = self.assoc
            freq = p.freq if p is not None else None
            req_ies = self.req_ies or (bytes(p.wpa_ie or b"") if p is not None else b"")
            if self.associated and we.bssid == self.bssid:
                return
            roamed = self.associated
            self.stale_losses = 0
            self.associated = True
            self.in_progress = False
            self.leaving = False
            self.bssid = we.bssid
            cls = ev.Roamed if roamed else ev.Associated
            self._emit(cls(bssid=we.bssid, freq=freq, req_ies=req_ies, resp_ies=self.resp_ies,
                           authorized=False))
            return
        if self.stale_losses:
            self.stale_losses -= 1
            return
        if self.in_progress and self.assoc is not None:
            bssid = bytes(self.assoc.bssid) if self.assoc.bssid else None
            self._reset_link()
            self._emit(ev.AssocRejected(bssid=bssid, status=WLAN_STATUS_UNSPECIFIED_FAILURE,
                                        timed_out=False))
            return
        if not self.associated:
            self.leaving = False
            return
        bssid, local = self.bssid, self.leaving
        reason = self.deauth_reason if local else 0
        self._reset_link()
        self._emit(ev.Disconnected(bssid=bssid, reason=reason, locally_generated=local,
                                   kind="disconnect"))

    def _we_mic_failure(self, we):
        src, pairwise, key_idx = we.mic
        self._emit(ev.MichaelMicFailure(src=src, unicast=pairwise, key_index=key_idx))

    def _we_custom(self, we):
        text = we.data.split(b"\0", 1)[0].decode("ascii", "replace")
        if text.startswith("MLME-MICHAELMICFAILURE.indication"):
            self._emit(ev.MichaelMicFailure(src=self.bssid, unicast="unicast" in text,
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
            name = self._ioctl(w.SIOCGIWNAME, self.abi.iwreq(self.ifname))
            self._bind(link, bytes(name[w.IFNAMSIZ:]).split(b"\0", 1)[0].decode("ascii",
                                                                                "replace"))
        except (DriverError, OSError) as e:
            log.warning("%s: cannot use the new interface: %s", self.ifname, e)
            self.ifindex = None
            return
        if self.rfkill is not None and self.phy and self.rfkill.blocked(self.phy):
            self.disabled.add("rfkill")
        self._emit(ev.InterfaceAdded(ifname=self.ifname, ifindex=self.ifindex, addr=self.mac))

    def _on_disabled(self):
        self.scan_freqs = None
        self.eloop.cancel_timeout(self._scan_timeout)

    def _rfkill_name(self):
        return self.phy
