"""The nl80211 driver: cfg80211/mac80211 through generic netlink, in the eloop.

Two generic netlink sockets, as wpa_supplicant has:
- `evt` joins the scan, mlme, regulatory and config multicast groups and carries
  the asynchronous commands of a connection (AUTHENTICATE, ASSOCIATE, CONNECT,
  DEAUTHENTICATE, DISCONNECT, SET_CQM).  Their ACK or error comes back through the
  eloop, matched by sequence number.  It is also the SOCKET_OWNER of the
  connection: if wispd dies, the kernel closes the socket and drops the link.
- `cmd` has no groups and answers the short synchronous queries: family and wiphy
  at start, TRIGGER_SCAN (so that EBUSY can raise DriverBusy), GET_SCAN,
  NEW_KEY/SET_KEY, SET_STATION, GET_STATION/GET_SURVEY, REQ_SET_REG.  None of
  them waits for the radio, only for the kernel to answer.
rtnetlink (wispd.platform.rtnl) follows the interface: up/down, removal, a new ifindex;
/dev/rfkill (wispd.platform.rfkill) follows the radio's kill switch.

When `evt` or the rtnetlink event socket overflows (ENOBUFS), the events in
between are lost.  The driver then asks the kernel (`_resync`): the link (gone,
back with a new ifindex, down), the association (GET_STATION for our AP: after
a lost deauthentication there is none), and a scan of ours whose end was lost
is reported done.  The core hears the usual typed events.

Two connect paths: AUTHENTICATE + ASSOCIATE (SME in userspace, mac80211) and
CONNECT (cfg80211's or the firmware's SME).  CONNECT is used when the wiphy has no
AUTHENTICATE, or when params {"connect": "1"} asks for it.  cfg80211 reports a
connection twice on the SME path (ASSOCIATE and then CONNECT, DEAUTHENTICATE and
then DISCONNECT), so each path listens to its own events only.
"""

import errno
import logging

from wispd.drivers import events as ev
from wispd.drivers.ops import (
    AUTH_SAE, KEY_GROUP, KEY_IGTK, KEY_PAIRWISE, Capabilities, Driver, DriverBusy, DriverError,
    DriverInitError)
from wispd.rsn.defs import (
    AKM_8021X, AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_NONE)
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.linkstate import LinkStateMixin
from wispd.platform.netlink import (
    NETLINK_GENERIC, NLM_F_ACK, NLM_F_DUMP, NetlinkError, NetlinkSocket, genl_decoder,
    genl_resolve, release_messages)

log = logging.getLogger("wispd.nl80211")

WLAN_STATUS_UNSPECIFIED_FAILURE = 1
WLAN_AUTH_SAE = 3
REASON_DEAUTH_LEAVING = 3
MCAST_GROUPS = ("scan", "mlme", "regulatory", "config")
# A scan whose completion event never came (lost without an overrun being
# seen) must not hold the radio forever; wpa_supplicant waits 30 s too.
SCAN_TIMEOUT = 30.0


def _yes(value):
    return str(value).lower() in ("1", "true", "yes", "on")


class Nl80211Driver(LinkStateMixin, Driver):
    """Driver(eloop, ifname, on_event, params).  params (all strings, optional):
    connect="1"  use CONNECT even when AUTHENTICATE+ASSOCIATE is available;
    wait="0"     fail init() (DriverInitError) if the interface does not exist,
                 instead of waiting for it to appear (InterfaceAdded)."""

    name = "nl80211"

    def __init__(self, eloop, ifname, on_event, params=None):
        super().__init__(eloop, ifname, on_event, params)
        self.family = None
        self.groups = {}
        self.cmd = None
        self.evt = None
        self.rtnl = None
        self.rfkill = None
        self.ifindex = None
        self.mac = None
        self.wiphy = None
        self.capa = Capabilities()
        self.use_connect = False
        self.link_up = False
        self.disabled = set()        # reasons the interface is unusable: rfkill, ifdown
        self._reset_link()

    def _reset_link(self):
        self.assoc = None            # AssocParams of the attempt or connection
        self.in_progress = False     # between associate() and its result
        self.associated = False
        self.bssid = None
        self.ssid = None
        self.freq = None
        self.retried = set()         # recoveries already tried for this attempt
        self.retry_scan = False      # an internal scan (ENOENT recovery) is running
        self.scanning = False        # a scan of the core's runs (for a resync)

    # ------------------------------------------------------------------ lifecycle
    def init(self):
        try:
            self.cmd = NetlinkSocket(NETLINK_GENERIC, genl_decoder(None, None))
            self.family, self.groups = genl_resolve(self.cmd, "nl80211")
        except OSError as e:
            self._close_sockets()
            raise DriverInitError("nl80211 not available: %s" % e, getattr(e, "errno", None))
        decode = genl_decoder(self.family, m.nl80211msg)
        self.cmd.decode = decode
        self.cmd.eloop = self.eloop
        self.evt = NetlinkSocket(NETLINK_GENERIC, decode, rcvbuf=2 << 20)
        for group in MCAST_GROUPS:
            if group in self.groups:
                self.evt.add_membership(self.groups[group])
        self.evt.on_notify = self.handle_nl80211
        self.evt.on_overrun = self._events_lost
        self.evt.attach(self.eloop)

        from wispd.platform.rfkill import RfkillMonitor
        from wispd.platform.rtnl import Rtnl
        self.rtnl = Rtnl(self.eloop, self.handle_link, on_overrun=self._events_lost)
        link = self.rtnl.get_link(name=self.ifname)
        if link is None:
            if not _yes(self.params.get("wait", "1")):
                self.deinit()
                raise DriverInitError("%s: no such interface" % self.ifname, errno.ENODEV)
            log.info("%s: interface does not exist yet; waiting for it", self.ifname)
        else:
            try:
                self._bind(link)
            except DriverError:
                self.deinit()
                raise
        self.rfkill = RfkillMonitor(self.eloop, self.handle_rfkill)
        if self.wiphy is not None and self.rfkill.blocked(self.wiphy.name):
            self.disabled.add("rfkill")
        if self.ifindex is not None and self.disabled:
            self.eloop.register_timeout(0, self._emit,
                                        ev.InterfaceDisabled(reason=sorted(self.disabled)[0]))

    def _bind(self, link):
        """Attach to an interface: its wiphy, capabilities, station mode, up."""
        try:
            iface = m.parse_interface(self._request(m.CMD_GET_INTERFACE,
                                                    [("IFINDEX", link.index)])[0])
        except (DriverError, IndexError) as e:
            raise DriverInitError("%s: not an nl80211 interface (%s)" % (self.ifname, e))
        parts = self._request(m.CMD_GET_WIPHY, [("WIPHY", iface["wiphy"]),
                                                ("SPLIT_WIPHY_DUMP", True)], NLM_F_DUMP)
        self.wiphy = m.parse_wiphy(parts)
        del parts
        release_messages()
        self.capa = self._capabilities(self.wiphy)
        # force_connect_cmd=1 is wpa_supplicant's name for the same driver_param.
        self.use_connect = (_yes(self.params.get("connect", "0"))
                            or _yes(self.params.get("force_connect_cmd", "0"))
                            or not self.capa.sme)
        self.ifindex = link.index
        self.mac = iface["mac"] or link.addr
        self._reset_link()
        self._scan_ended()
        if iface["iftype"] != m.IFTYPE_STATION:
            if link.up:
                self.rtnl.set_up(link.index, False)
            self._request(m.CMD_SET_INTERFACE, [("IFINDEX", link.index),
                                                ("IFTYPE", m.IFTYPE_STATION)])
        self.rtnl.set_linkmode(link.index, True)
        self.link_up = link.up
        self.disabled.discard("ifdown")
        self._bring_up()
        log.info("%s: nl80211 on %s ifindex %d, %s, %s", self.ifname, self.wiphy.name,
                 self.ifindex, self.capa, "CONNECT" if self.use_connect else "AUTH+ASSOC")

    def _bring_up(self):
        if self.ifindex is None or self.link_up:
            return
        self._try_up()

    def _capabilities(self, w):
        cmds = w.commands
        sme = m.CMD_AUTHENTICATE in cmds and m.CMD_ASSOCIATE in cmds
        akms = list(w.akms) or [AKM_8021X, AKM_PSK, AKM_PSK_SHA256]
        sae = sme and bool(w.features & m.FEATURE_SAE)
        if sae and AKM_SAE not in akms:
            akms.append(AKM_SAE)
        return Capabilities(ciphers=w.ciphers, akms=akms, freqs=w.freqs, sme=sme,
                            connect=m.CMD_CONNECT in cmds, sae=sae,
                            pmf=CIPHER_BIP_CMAC_128 in w.ciphers,
                            max_scan_ssids=w.max_scan_ssids or 1)

    def _close_sockets(self):
        for name in ("rfkill", "rtnl", "evt", "cmd"):
            obj = getattr(self, name)
            if obj is not None:
                obj.close()
                setattr(self, name, None)

    def deinit(self):
        if self.rtnl is not None and self.ifindex is not None:
            self.rtnl.set_linkmode(self.ifindex, False)
            self.rtnl.set_operstate(self.ifindex, True)
        self.eloop.cancel_timeout(self._bring_up_retry)
        self.eloop.cancel_timeout(self._retry_internal_scan)
        self.eloop.cancel_timeout(self._resync)
        self.eloop.cancel_timeout(self._scan_timeout)
        self._close_sockets()

    # ------------------------------------------------------------------ requests
    def _msg(self, cmd, attrs):
        if self.ifindex is not None and cmd not in (m.CMD_GET_WIPHY, m.CMD_REQ_SET_REG,
                                                    m.CMD_GET_REG) \
                and not any(a[0] == "IFINDEX" for a in attrs):
            attrs = [("IFINDEX", self.ifindex)] + list(attrs)
        return m.build(cmd, attrs)

    def _request(self, cmd, attrs, flags=NLM_F_ACK):
        """A synchronous request on the cmd socket; DriverError on failure."""
        try:
            return self.cmd.request(self._msg(cmd, attrs), self.family, flags)
        except NetlinkError as e:
            cls = DriverBusy if e.errno == errno.EBUSY else DriverError
            raise cls("nl80211 command %d: %s" % (cmd, e.strerror), e.errno)

    def _send(self, cmd, attrs, on_done=None):
        """An asynchronous request on the evt socket; on_done(error) with error 0
        on ACK or a positive errno."""
        def done(error, parts, req):
            if on_done is not None:
                on_done(error)
            elif error:
                log.warning("%s: nl80211 command %d failed: %s", self.ifname, cmd,
                            req.ext_msg or errno.errorcode.get(error, error))
        self.evt.send(self._msg(cmd, attrs), self.family, NLM_F_ACK, done)

    def _need_iface(self):
        if self.ifindex is None:
            raise DriverError("%s: interface not present" % self.ifname, errno.ENODEV)

    def _emit(self, event):
        self.on_event(event)

    # ------------------------------------------------------------------ scanning
    def scan(self, params):
        self._need_iface()
        self._trigger_scan(params.ssids, params.freqs)
        self.scanning = True
        self.eloop.cancel_timeout(self._scan_timeout)
        self.eloop.register_timeout(SCAN_TIMEOUT, self._scan_timeout)

    def _scan_timeout(self):
        if self.scanning:
            log.warning("%s: no scan completion event in %.0f s; reading the results anyway",
                        self.ifname, SCAN_TIMEOUT)
            self._scan_done_without_event()

    def _scan_done_without_event(self):
        """Our scan's end event is lost or late: what the kernel holds now is
        the best answer (a NEW_SCAN_RESULTS that still comes is harmless)."""
        self._scan_ended()
        self._emit(ev.ScanDone(freqs=[]))

    def _scan_ended(self):
        self.scanning = False
        self.eloop.cancel_timeout(self._scan_timeout)

    def _trigger_scan(self, ssids, freqs):
        ssids = list(ssids) or [b""]
        limit = self.capa.max_scan_ssids
        if limit and len(ssids) > limit:
            ssids = ssids[:limit]
        attrs = [("SCAN_SSIDS", [bytes(s) for s in ssids])]
        if freqs:
            attrs.append(("SCAN_FREQUENCIES", [int(f) for f in freqs]))
        self._request(m.CMD_TRIGGER_SCAN, attrs)

    def abort_scan(self):
        if self.ifindex is not None:
            self._send(m.CMD_ABORT_SCAN, [], lambda error: None)

    def get_scan_results(self):
        if self.ifindex is None:
            return []
        for _attempt in range(3):
            try:
                req_parts = self.cmd.request(self._msg(m.CMD_GET_SCAN, []), self.family,
                                             NLM_F_DUMP)
            except NetlinkError as e:
                raise DriverError("GET_SCAN: %s" % e.strerror, e.errno)
            results = [r for r in map(m.parse_bss, req_parts) if r is not None]
            got_parts = bool(req_parts)
            del req_parts
            release_messages()
            if results or not got_parts:
                return results
        return results

    # ------------------------------------------------------------------ connecting
    def associate(self, params):
        self._need_iface()
        self._reset_link()
        self.assoc = params
        self.in_progress = True
        self.ssid = params.ssid
        if self.use_connect:
            self._send_connect(params)
        else:
            self._send_auth(params.auth_alg, params.auth_data)

    def send_auth_frame(self, bssid, auth_type, data):
        if self.use_connect or self.assoc is None:
            raise DriverError("SAE authentication needs the AUTHENTICATE path")
        self._send_auth(auth_type, data)

    def _crypto_attrs(self, p):
        attrs = []
        if p.pairwise and p.pairwise != CIPHER_NONE:
            attrs.append(("CIPHER_SUITES_PAIRWISE", [p.pairwise]))
        if p.group and p.group != CIPHER_NONE:
            attrs.append(("CIPHER_SUITE_GROUP", p.group))
        if p.akm:
            attrs.append(("AKM_SUITES", [p.akm]))
        if p.wpa_versions:
            attrs.append(("WPA_VERSIONS", p.wpa_versions))
        attrs += [("CONTROL_PORT", True), ("CONTROL_PORT_ETHERTYPE", m.ETH_P_PAE)]
        if p.mfp:
            attrs.append(("USE_MFP", m.MFP_REQUIRED))
        ies = bytes(p.wpa_ie or b"") + bytes(p.extra_ies or b"")
        if ies:
            attrs.append(("IE", ies))
        if p.prev_bssid:
            attrs.append(("PREV_BSSID", bytes(p.prev_bssid)))
        return attrs

    def _send_auth(self, auth_alg, data):
        p = self.assoc
        sae = auth_alg == AUTH_SAE
        attrs = [("MAC", bytes(p.bssid)), ("WIPHY_FREQ", p.freq), ("SSID", bytes(p.ssid)),
                 ("AUTH_TYPE", m.AUTHTYPE_SAE if sae else m.AUTHTYPE_OPEN_SYSTEM)]
        if sae and data:
            attrs.append(("SAE_DATA", bytes(data)))
        self._send(m.CMD_AUTHENTICATE, attrs, lambda error: self._auth_sent(error, auth_alg,
                                                                            data))

    def _auth_sent(self, error, auth_alg, data):
        p = self.assoc
        if not error or p is None:
            return
        if error == errno.ENOENT and "rescan" not in self.retried:
            # cfg80211 expired its BSS entry (~30 s after the last scan): scan that
            # one channel again and retry once the results are in.
            self.retried.add("rescan")
            log.info("%s: BSS unknown to cfg80211; rescanning %d MHz", self.ifname, p.freq)
            self.retry_auth = (auth_alg, data)
            self._retry_internal_scan()
            return
        if error == errno.EALREADY and "deauth" not in self.retried:
            # Still authenticated with a previous BSS: leave it, then go on.
            self.retried.add("deauth")
            self._send(m.CMD_DEAUTHENTICATE, [("MAC", bytes(p.bssid)),
                                              ("REASON_CODE", REASON_DEAUTH_LEAVING),
                                              ("LOCAL_STATE_CHANGE", True)],
                       lambda _e: self._send_auth(auth_alg, data))
            return
        log.warning("%s: AUTHENTICATE failed: %s", self.ifname, errno.errorcode.get(error))
        self.in_progress = False
        self._emit(ev.AuthFailed(bssid=bytes(p.bssid), status=WLAN_STATUS_UNSPECIFIED_FAILURE,
                                 timed_out=False))

    def _retry_internal_scan(self, tries=0):
        p = self.assoc
        if p is None or not self.in_progress:
            return
        try:
            self._trigger_scan([p.ssid], [p.freq])
            self.retry_scan = True
        except DriverBusy:
            if tries < 10:
                self.eloop.register_timeout(0.5, self._retry_internal_scan, tries + 1)
                return
            self._internal_scan_failed()
        except DriverError:
            self._internal_scan_failed()

    def _internal_scan_failed(self):
        p = self.assoc
        self.retry_scan = False
        self.in_progress = False
        self._emit(ev.AuthFailed(bssid=bytes(p.bssid), status=WLAN_STATUS_UNSPECIFIED_FAILURE,
                                 timed_out=False))

    def _send_assoc(self):
        p = self.assoc
        attrs = [("MAC", bytes(p.bssid)), ("WIPHY_FREQ", p.freq), ("SSID", bytes(p.ssid)),
                 ("SOCKET_OWNER", True)] + self._crypto_attrs(p)
        self._send(m.CMD_ASSOCIATE, attrs, self._assoc_sent)

    def _assoc_sent(self, error):
        if error and self.assoc is not None:
            log.warning("%s: ASSOCIATE failed: %s", self.ifname, errno.errorcode.get(error))
            self.in_progress = False
            self._emit(ev.AssocRejected(bssid=bytes(self.assoc.bssid),
                                        status=WLAN_STATUS_UNSPECIFIED_FAILURE,
                                        timed_out=False))

    def _send_connect(self, p):
        attrs = [("SSID", bytes(p.ssid)), ("AUTH_TYPE", m.AUTHTYPE_OPEN_SYSTEM),
                 ("SOCKET_OWNER", True)]
        if p.bssid:
            attrs.append(("MAC", bytes(p.bssid)))
        if p.freq:
            attrs.append(("WIPHY_FREQ", p.freq))
        if p.privacy or p.wpa_ie:
            attrs.append(("PRIVACY", True))
        attrs += self._crypto_attrs(p)
        self._send(m.CMD_CONNECT, attrs, self._connect_sent)

    def _connect_sent(self, error):
        p = self.assoc
        if not error or p is None:
            return
        if error == errno.EALREADY and "disconnect" not in self.retried:
            self.retried.add("disconnect")
            self._send(m.CMD_DISCONNECT, [("REASON_CODE", REASON_DEAUTH_LEAVING)],
                       lambda _e: self._send_connect(p))
            return
        log.warning("%s: CONNECT failed: %s", self.ifname, errno.errorcode.get(error))
        self.in_progress = False
        self._emit(ev.AssocRejected(bssid=bytes(p.bssid) if p.bssid else None,
                                    status=WLAN_STATUS_UNSPECIFIED_FAILURE, timed_out=False))

    def deauthenticate(self, bssid, reason):
        if self.ifindex is None:
            return
        if self.use_connect:
            self._send(m.CMD_DISCONNECT, [("REASON_CODE", reason)], self._ignore_not_connected)
        else:
            bssid = bssid or self.bssid or (self.assoc.bssid if self.assoc else None)
            if bssid is None:
                return
            self._send(m.CMD_DEAUTHENTICATE, [("MAC", bytes(bssid)), ("REASON_CODE", reason)],
                       self._ignore_not_connected)
        self.in_progress = False

    def _ignore_not_connected(self, error):
        if error and error not in (errno.ENOTCONN, errno.ENOLINK, errno.ENOENT):
            log.warning("%s: leaving the BSS failed: %s", self.ifname, errno.errorcode.get(error))

    def set_cqm(self, threshold, hysteresis):
        """Ask for CQM RSSI events (SignalChange) around threshold dBm."""
        self._need_iface()
        self._send(m.CMD_SET_CQM, [("CQM", {"attrs": [
            ("NL80211_ATTR_CQM_RSSI_THOLD", int(threshold)),
            ("NL80211_ATTR_CQM_RSSI_HYST", int(hysteresis))]})])

    # ------------------------------------------------------------------ keys, port
    def set_key(self, params):
        self._need_iface()
        p = params
        if p.cipher == CIPHER_NONE:
            attrs = [("KEY_IDX", p.key_idx)]
            if p.kind == KEY_PAIRWISE and p.addr:
                attrs.append(("MAC", bytes(p.addr)))
            self._request(m.CMD_DEL_KEY, attrs)
            return
        attrs = [("KEY_DATA", bytes(p.key)), ("KEY_IDX", p.key_idx), ("KEY_CIPHER", p.cipher)]
        if p.seq:
            attrs.append(("KEY_SEQ", bytes(p.seq)))
        if p.kind == KEY_PAIRWISE:
            addr = p.addr or self.bssid
            if addr is None:
                raise DriverError("pairwise key without a peer address")
            attrs += [("MAC", bytes(addr)), ("KEY_TYPE", m.KEYTYPE_PAIRWISE)]
        else:
            attrs.append(("KEY_TYPE", m.KEYTYPE_GROUP))
        self._request(m.CMD_NEW_KEY, attrs)
        if p.set_tx and p.kind == KEY_GROUP:
            self._request(m.CMD_SET_KEY, [("KEY_IDX", p.key_idx), ("KEY_DEFAULT", True),
                                          ("KEY_DEFAULT_TYPES", {"attrs": [
                                              ("NL80211_KEY_DEFAULT_TYPE_MULTICAST", True)]})])
        elif p.set_tx and p.kind == KEY_IGTK:
            self._request(m.CMD_SET_KEY, [("KEY_IDX", p.key_idx), ("KEY_DEFAULT_MGMT", True)])

    def clear_keys(self):
        if self.ifindex is None:
            return
        quiet = lambda error: None  # noqa: E731  (absent keys are fine)
        for idx in range(6):
            self._send(m.CMD_DEL_KEY, [("KEY_IDX", idx)], quiet)
        if self.bssid is not None:
            self._send(m.CMD_DEL_KEY, [("KEY_IDX", 0), ("MAC", bytes(self.bssid))], quiet)

    def set_supp_port(self, authorized):
        bssid = self.bssid
        if self.ifindex is None or bssid is None:
            return
        bit = 1 << m.STA_FLAG_AUTHORIZED
        try:
            self._request(m.CMD_SET_STATION, [("MAC", bytes(bssid)),
                                              ("STA_FLAGS2", m.sta_flags2(bit, bit if authorized
                                                                          else 0))])
        except DriverError:
            if authorized:
                raise

    # ------------------------------------------------------------------ queries

    def signal_poll(self):
        if self.ifindex is None or not self.associated or self.bssid is None:
            return None
        info = {}
        try:
            sta = m.parse_station(self._request(m.CMD_GET_STATION,
                                                [("MAC", bytes(self.bssid))])[0])
        except (DriverError, IndexError):
            sta = {}
        if "rssi" in sta:
            info["rssi"] = sta["rssi"]
        if "avg_rssi" in sta:
            info["avg_rssi"] = sta["avg_rssi"]
        if "txrate_kbps" in sta:
            info["linkspeed"] = sta["txrate_kbps"] // 1000
            info["txrate_kbps"] = sta["txrate_kbps"]
        try:
            noise = m.parse_survey_noise(self._request(m.CMD_GET_SURVEY, [], NLM_F_DUMP))
        except DriverError:
            noise = None
        if noise is not None:
            info["noise"] = noise
        try:
            iface = m.parse_interface(self._request(m.CMD_GET_INTERFACE, [])[0])
        except (DriverError, IndexError):
            iface = {}
        if iface.get("freq"):
            info["frequency"] = iface["freq"]
        if iface.get("width") is not None:
            info["width"] = m.CHAN_WIDTH_NAMES.get(iface["width"], "unknown")
        if iface.get("center_freq1"):
            info["center_frq1"] = iface["center_freq1"]
        if iface.get("center_freq2"):
            info["center_frq2"] = iface["center_freq2"]
        return info

    def set_country(self, alpha2):
        if self.cmd is None:
            raise DriverError("driver not initialised")
        self._request(m.CMD_REQ_SET_REG, [("REG_ALPHA2", str(alpha2))])

    def get_country(self):
        try:
            parts = self._request(m.CMD_GET_REG, [])
        except DriverError:
            return None
        return m.attrs_of(parts[0]).get("REG_ALPHA2") if parts else None

    # ------------------------------------------------------------------ nl80211 events
    def handle_nl80211(self, msg):
        cmd = msg["cmd"]
        a = m.attrs_of(msg)
        if cmd == m.CMD_REG_CHANGE:
            self._emit(ev.RegulatoryChanged(alpha2=a.get("REG_ALPHA2")))
            return
        if self.ifindex is None or a.get("IFINDEX") != self.ifindex:
            return
        handler = self._EVENTS.get(cmd)
        if handler is not None:
            handler(self, msg, a)

    def _ev_trigger_scan(self, msg, a):
        if not self.retry_scan:
            self._emit(ev.ScanStarted())

    def _ev_scan_done(self, msg, a):
        if self.retry_scan:
            self.retry_scan = False
            if self.assoc is not None and self.in_progress:
                self._send_auth(*self.retry_auth)
            return
        self._scan_ended()
        self._emit(ev.ScanDone(freqs=list(a.get("SCAN_FREQUENCIES") or [])))

    def _ev_scan_aborted(self, msg, a):
        if self.retry_scan:
            self._internal_scan_failed()
            return
        self._scan_ended()
        self._emit(ev.ScanAborted())

    def _ev_authenticate(self, msg, a):
        if self.use_connect or self.assoc is None or not self.in_progress:
            return
        if "TIMED_OUT" in a:
            self.in_progress = False
            self._emit(ev.AuthFailed(bssid=a.get("MAC") or bytes(self.assoc.bssid),
                                     status=None, timed_out=True))
            return
        parsed = m.parse_auth_frame(a.get("FRAME") or b"")
        if parsed is None:
            return
        bssid, alg, trans, status, body = parsed
        if alg == WLAN_AUTH_SAE:
            # Every SAE frame (76/77/126 and failures too) goes to the SAE machine
            # as SAE data (trans || status || body); it calls associate_after_auth()
            # once the AP's confirm verifies.
            self._emit(ev.Authenticated(bssid=bssid, auth_type=AUTH_SAE, status=status,
                                        data=trans.to_bytes(2, "little")
                                        + status.to_bytes(2, "little") + body))
            return
        if status != 0:
            self.in_progress = False
            self._emit(ev.AuthFailed(bssid=bssid, status=status, timed_out=False, data=body))
            return
        self._emit(ev.Authenticated(bssid=bssid, auth_type="open", status=status, data=body))
        self._send_assoc()

    def associate_after_auth(self):
        if self.use_connect or self.assoc is None or not self.in_progress:
            raise DriverError("no authentication in progress")
        self._send_assoc()

    def _ev_associate(self, msg, a):
        if self.use_connect or self.assoc is None or not self.in_progress:
            return
        p = self.assoc
        if "TIMED_OUT" in a:
            self.in_progress = False
            self._emit(ev.AssocRejected(bssid=a.get("MAC") or bytes(p.bssid), status=None,
                                        timed_out=True))
            return
        parsed = m.parse_assoc_resp(a.get("FRAME") or b"")
        if parsed is None:
            return
        bssid, status, ies = parsed
        self.in_progress = False
        if status != 0:
            self._emit(ev.AssocRejected(bssid=bssid, status=status, timed_out=False))
            return
        self._set_associated(bssid, p.freq)
        req_ies = bytes(p.wpa_ie or b"") + bytes(p.extra_ies or b"")
        self._emit(ev.Associated(bssid=bssid, freq=p.freq, req_ies=req_ies, resp_ies=ies,
                                 authorized=False))

    def _set_associated(self, bssid, freq):
        self.associated = True
        self.bssid = bytes(bssid)
        self.freq = freq

    def _ev_connect(self, msg, a):
        if not self.use_connect or self.assoc is None or not self.in_progress:
            return
        p = self.assoc
        self.in_progress = False
        bssid = a.get("MAC") or (bytes(p.bssid) if p.bssid else None)
        status = a.get("STATUS_CODE", WLAN_STATUS_UNSPECIFIED_FAILURE)
        if "TIMED_OUT" in a or status != 0:
            self._emit(ev.AssocRejected(bssid=bssid, status=status,
                                        timed_out="TIMED_OUT" in a))
            return
        freq = a.get("WIPHY_FREQ") or p.freq
        self._set_associated(bssid, freq)
        self._emit(ev.Associated(bssid=bssid, freq=freq, req_ies=a.get("REQ_IE") or b"",
                                 resp_ies=a.get("RESP_IE") or b"",
                                 authorized="PORT_AUTHORIZED" in a))

    def _ev_roam(self, msg, a):
        bssid = a.get("MAC")
        freq = a.get("WIPHY_FREQ") or self.freq
        self._set_associated(bssid, freq)
        self._emit(ev.Roamed(bssid=bssid, freq=freq, req_ies=a.get("REQ_IE") or b"",
                             resp_ies=a.get("RESP_IE") or b"",
                             authorized="PORT_AUTHORIZED" in a))

    def _ev_port_authorized(self, msg, a):
        self._emit(ev.PortAuthorized(bssid=a.get("MAC") or self.bssid))

    def _ev_deauth(self, msg, a):
        # On the CONNECT path cfg80211 follows with DISCONNECT, which says who
        # ended the link; report that one only.
        if self.use_connect or not self.associated:
            return
        parsed = m.parse_reason_frame(a.get("FRAME") or b"")
        if parsed is None:
            return
        sa, bssid, reason = parsed
        if self.bssid is not None and bssid != self.bssid:
            return
        kind = "deauth" if msg["cmd"] == m.CMD_DEAUTHENTICATE else "disassoc"
        self._disconnected(reason, sa == self.mac, kind)

    def _ev_disconnect(self, msg, a):
        # On the SME path DEAUTHENTICATE/DISASSOCIATE came first and cleared
        # `associated`; a DISCONNECT alone (the interface went down) still counts.
        if not self.associated:
            return
        self._disconnected(a.get("REASON_CODE", 0), "DISCONNECTED_BY_AP" not in a,
                           "disconnect")

    def _disconnected(self, reason, local, kind):
        bssid = self.bssid
        self._reset_link()
        self._emit(ev.Disconnected(bssid=bssid, reason=reason, locally_generated=bool(local),
                                   kind=kind))

    def _ev_unprot(self, msg, a):
        log.info("%s: unprotected deauthentication/disassociation ignored", self.ifname)

    def _ev_mic_failure(self, msg, a):
        self._emit(ev.MichaelMicFailure(src=a.get("MAC"),
                                        unicast=a.get("KEY_TYPE") == m.KEYTYPE_PAIRWISE,
                                        key_index=a.get("KEY_IDX")))

    def _ev_cqm(self, msg, a):
        cqm = msg.get_attr("NL80211_ATTR_CQM")
        if cqm is None:
            return
        c = m._nested(cqm, "NL80211_ATTR_CQM_")
        event = c.get("RSSI_THRESHOLD_EVENT")
        if "BEACON_LOSS_EVENT" in c or event == m.CQM_RSSI_BEACON_LOSS_EVENT:
            self._emit(ev.BeaconLoss())
        elif event in (m.CQM_RSSI_THRESHOLD_EVENT_LOW, m.CQM_RSSI_THRESHOLD_EVENT_HIGH):
            self._emit(ev.SignalChange(rssi=c.get("RSSI_LEVEL"),
                                       low=event == m.CQM_RSSI_THRESHOLD_EVENT_LOW))

    _EVENTS = {
        m.CMD_TRIGGER_SCAN: _ev_trigger_scan,
        m.CMD_NEW_SCAN_RESULTS: _ev_scan_done,
        m.CMD_SCAN_ABORTED: _ev_scan_aborted,
        m.CMD_AUTHENTICATE: _ev_authenticate,
        m.CMD_ASSOCIATE: _ev_associate,
        m.CMD_CONNECT: _ev_connect,
        m.CMD_ROAM: _ev_roam,
        m.CMD_PORT_AUTHORIZED: _ev_port_authorized,
        m.CMD_DEAUTHENTICATE: _ev_deauth,
        m.CMD_DISASSOCIATE: _ev_deauth,
        m.CMD_DISCONNECT: _ev_disconnect,
        m.CMD_UNPROT_DEAUTHENTICATE: _ev_unprot,
        m.CMD_UNPROT_DISASSOCIATE: _ev_unprot,
        m.CMD_MICHAEL_MIC_FAILURE: _ev_mic_failure,
        m.CMD_NOTIFY_CQM: _ev_cqm,
    }

    # ------------------------------------------------------------------ lost events
    def _resync(self):
        if self.rtnl is None:
            return
        log.warning("%s: netlink events were lost; reading the state from the kernel",
                    self.ifname)
        if not self._resync_link():
            return
        if self.associated and self.bssid is not None and not self._station_known(self.bssid):
            log.info("%s: resync: no longer associated with %s (that event was lost)",
                     self.ifname, self.bssid.hex(":"))
            self._disconnected(0, False, "resync")
        if self.scanning:
            self._scan_done_without_event()     # its end may be among the lost events

    def _station_known(self, bssid):
        """Whether mac80211 still has a station entry for our AP."""
        try:
            return bool(self._request(m.CMD_GET_STATION, [("MAC", bytes(bssid))]))
        except DriverError as e:
            if e.errno in (errno.ENOENT, errno.ENOLINK, errno.ENODEV, errno.ENOTCONN):
                return False
            log.warning("%s: resync: GET_STATION: %s", self.ifname, e)
            return True

    def _on_disabled(self):
        self._scan_ended()

    # ------------------------------------------------------------------ link, rfkill
    def handle_link(self, link):
        from wispd.platform.rtnl import RTM_DELLINK
        if link.name != self.ifname and link.index != self.ifindex:
            return
        if link.event == RTM_DELLINK:
            if link.index == self.ifindex:
                self._removed()
            return
        if link.name != self.ifname:
            return      # renamed away; its DELLINK or a new one will follow
        if self.ifindex != link.index:
            if self.ifindex is not None:
                self._removed()
            try:
                self._bind(link)
            except DriverError as e:
                log.warning("%s: cannot use the new interface: %s", self.ifname, e)
                self.ifindex = None
                return
            if self.rfkill is not None and self.rfkill.blocked(self.wiphy.name):
                self.disabled.add("rfkill")
            self._emit(ev.InterfaceAdded(ifname=self.ifname, ifindex=self.ifindex,
                                         addr=self.mac))
            return
        self._link_changed(link)

    def _rfkill_name(self):
        return self.wiphy.name if self.wiphy is not None else None
