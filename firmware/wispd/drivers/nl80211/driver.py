"""The nl80211 driver: cfg80211/mac80211 through generic netlink, in the eloop.

Two generic netlink sockets, as wpa_supplicant has:
- `evt` joins the scan, mlme, regulatory and config multicast groups and carries
  the asynchronous commands of a connection (AUTHENTICATE, ASSOCIATE, CONNECT,
  DEAUTHENTICATE, DISCONNECT).  Their ACK or error comes back through the
  eloop, matched by sequence number.  It is also the SOCKET_OWNER of the
  connection: if wispd dies, the kernel closes the socket and drops the link.
- `cmd` has no groups and answers the short synchronous queries: family and wiphy
  at start, TRIGGER_SCAN (so that EBUSY can raise DriverBusy), GET_SCAN,
  NEW_KEY/SET_KEY, SET_STATION, GET_STATION/GET_SURVEY, SET_CQM (so that a radio
  without CQM can say so), REQ_SET_REG.  None of them waits for the radio, only
  for the kernel to answer.
rtnetlink (wispd.platform.rtnl) follows the interface: up/down, removal, a new ifindex;
/dev/rfkill (wispd.platform.rfkill) follows the radio's kill switch.

When `evt` or the rtnetlink event socket overflows (ENOBUFS), the events in
between are lost.  The driver then asks the kernel (`_resync`): the link (gone,
back with a new ifindex, down), the association (GET_STATION for our AP: after
a lost deauthentication there is none), and a scan of ours whose end was lost
is reported done.  The core hears the usual typed events.

The driver owns the sockets and the interface, answers the core's driver ops,
dispatches the kernel's events and keeps keys, port and link quality.  Two
helpers it owns do the rest: its `Scanner` (scan.py) and its `Connection`
(sme.py: AUTHENTICATE + ASSOCIATE, or CONNECT when the wiphy has no AUTHENTICATE
or params {"connect": "1"} ask for it).  wiphy.py reads what the radio can do;
msgs.py knows the messages.
"""

import errno
import logging

from wispd.drivers import events as ev
from wispd.drivers.linkstate import LinkStateMixin
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.nl80211.frames import ActionFrames
from wispd.drivers.nl80211.scan import Scanner
from wispd.drivers.nl80211.sme import Connection
from wispd.drivers.nl80211.wiphy import capabilities, read_wiphy
from wispd.drivers.ops import (
    KEY_GROUP, KEY_IGTK, KEY_PAIRWISE, Capabilities, Driver, DriverBusy, DriverError,
    DriverInitError)
from wispd.platform.netlink import (
    NETLINK_GENERIC, NLM_F_ACK, NLM_F_DUMP, NetlinkError, NetlinkSocket, genl_decoder,
    genl_resolve)
from wispd.rsn.defs import CIPHER_NONE

log = logging.getLogger("wispd.nl80211")

MCAST_GROUPS = ("scan", "mlme", "regulatory", "config")
# Commands about a wiphy or the whole system, not about our interface.
_NOT_PER_INTERFACE = (m.CMD_GET_WIPHY, m.CMD_REQ_SET_REG, m.CMD_GET_REG)


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
        self.scanner = Scanner(self)
        self.conn = Connection(self)
        self.frames = ActionFrames(self)     # 802.11v requests in, responses out
        scanner, conn = self.scanner, self.conn
        self._handlers = {
            m.CMD_TRIGGER_SCAN: scanner.on_trigger,
            m.CMD_NEW_SCAN_RESULTS: scanner.on_results,
            m.CMD_SCAN_ABORTED: scanner.on_aborted,
            m.CMD_AUTHENTICATE: conn.on_authenticate,
            m.CMD_ASSOCIATE: conn.on_associate,
            m.CMD_CONNECT: conn.on_connect,
            m.CMD_ROAM: conn.on_roam,
            m.CMD_PORT_AUTHORIZED: conn.on_port_authorized,
            m.CMD_DEAUTHENTICATE: conn.on_deauth,
            m.CMD_DISASSOCIATE: conn.on_deauth,
            m.CMD_DISCONNECT: conn.on_disconnect,
            m.CMD_UNPROT_DEAUTHENTICATE: conn.on_unprotected,
            m.CMD_UNPROT_DISASSOCIATE: conn.on_unprotected,
            m.CMD_MICHAEL_MIC_FAILURE: self._on_mic_failure,
            m.CMD_NOTIFY_CQM: self._on_cqm,
            m.CMD_FRAME: self.frames.on_frame,
        }

    def _reset_link(self):
        # The interface is gone or unusable: no connection, and no scan of ours.
        self.conn.reset()
        self.scanner.forget()

    # ------------------------------------------------------------------ lifecycle
    def init(self):
        try:
            self.cmd = NetlinkSocket(NETLINK_GENERIC, genl_decoder(None, None))
            self.family, self.groups = genl_resolve(self.cmd, "nl80211")
        except OSError as e:
            self._close_sockets()
            raise DriverInitError("nl80211 not available: %s" % e, getattr(e, "errno", None))
        decode = genl_decoder(self.family, m.decode)
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
            self.eloop.register_timeout(0, self.emit,
                                        ev.InterfaceDisabled(reason=sorted(self.disabled)[0]))

    def _bind(self, link):
        """Attach to an interface: its wiphy, capabilities, station mode, up."""
        try:
            iface = m.parse_interface(self.request(m.CMD_GET_INTERFACE,
                                                   [("IFINDEX", link.index)])[0])
        except (DriverError, IndexError) as e:
            raise DriverInitError("%s: not an nl80211 interface (%s)" % (self.ifname, e))
        self.wiphy = read_wiphy(self.request, iface["wiphy"])
        self.capa = capabilities(self.wiphy)
        # force_connect_cmd=1 is wpa_supplicant's name for the same driver_param.
        self.use_connect = (_yes(self.params.get("connect", "0"))
                            or _yes(self.params.get("force_connect_cmd", "0"))
                            or not self.capa.sme)
        self.ifindex = link.index
        self.mac = iface["mac"] or link.addr
        self._reset_link()
        if iface["iftype"] != m.IFTYPE_STATION:
            if link.up:
                self.rtnl.set_up(link.index, False)
            self.request(m.CMD_SET_INTERFACE, [("IFINDEX", link.index),
                                               ("IFTYPE", m.IFTYPE_STATION)])
        self.rtnl.set_linkmode(link.index, True)
        self.link_up = link.up
        self.disabled.discard("ifdown")
        self.frames.register()
        self._bring_up()
        log.info("%s: nl80211 on %s ifindex %d, %s, %s", self.ifname, self.wiphy.name,
                 self.ifindex, self.capa, "CONNECT" if self.use_connect else "AUTH+ASSOC")

    def _bring_up(self):
        if self.ifindex is None or self.link_up:
            return
        self._try_up()

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
        self.eloop.cancel_timeout(self._resync)
        self._reset_link()
        self._close_sockets()

    # ------------------------------------------------------------------ requests
    def message(self, cmd, attrs):
        """An nl80211 message; commands about our interface get its IFINDEX."""
        if self.ifindex is not None and cmd not in _NOT_PER_INTERFACE \
                and not any(a[0] == "IFINDEX" for a in attrs):
            attrs = [("IFINDEX", self.ifindex)] + list(attrs)
        return m.build(cmd, attrs)

    def request(self, cmd, attrs, flags=NLM_F_ACK):
        """A synchronous request on the cmd socket; DriverError on failure."""
        try:
            return self.cmd.request(self.message(cmd, attrs), self.family, flags)
        except NetlinkError as e:
            cls = DriverBusy if e.errno == errno.EBUSY else DriverError
            raise cls("nl80211 command %d: %s" % (cmd, e.strerror), e.errno)

    def post(self, cmd, attrs, on_done=None):
        """An asynchronous request on the evt socket; on_done(error) with error 0
        on ACK or a positive errno.  Without on_done a failure is logged."""
        def done(error, parts, req):
            if on_done is not None:
                on_done(error)
            elif error:
                log.warning("%s: nl80211 command %d failed: %s", self.ifname, cmd,
                            req.ext_msg or errno.errorcode.get(error, error))
        self.evt.send(self.message(cmd, attrs), self.family, NLM_F_ACK, done)

    def _need_iface(self):
        if self.ifindex is None:
            raise DriverError("%s: interface not present" % self.ifname, errno.ENODEV)

    def emit(self, event):
        self.on_event(event)

    # ------------------------------------------------------------------ scanning
    def scan(self, params):
        self._need_iface()
        self.scanner.scan(params)

    def abort_scan(self):
        if self.ifindex is not None:
            self.scanner.abort()

    def get_scan_results(self):
        if self.ifindex is None:
            return []
        return self.scanner.results()

    # ------------------------------------------------------------------ connecting
    def associate(self, params):
        self._need_iface()
        self.conn.associate(params)

    def send_auth_frame(self, bssid, auth_type, data):
        self.conn.send_auth_frame(auth_type, data)

    def associate_after_auth(self):
        self.conn.associate_after_auth()

    def deauthenticate(self, bssid, reason):
        if self.ifindex is not None:
            self.conn.deauthenticate(bssid, reason)

    # ------------------------------------------------------------------ keys, port
    def set_key(self, params):
        self._need_iface()
        p = params
        if p.cipher == CIPHER_NONE:
            attrs = [("KEY_IDX", p.key_idx)]
            if p.kind == KEY_PAIRWISE and p.addr:
                attrs.append(("MAC", bytes(p.addr)))
            self.request(m.CMD_DEL_KEY, attrs)
            return
        attrs = [("KEY_DATA", bytes(p.key)), ("KEY_IDX", p.key_idx), ("KEY_CIPHER", p.cipher)]
        if p.seq:
            attrs.append(("KEY_SEQ", bytes(p.seq)))
        if p.kind == KEY_PAIRWISE:
            addr = p.addr or self.conn.bssid
            if addr is None:
                raise DriverError("pairwise key without a peer address")
            attrs += [("MAC", bytes(addr)), ("KEY_TYPE", m.KEYTYPE_PAIRWISE)]
        else:
            attrs.append(("KEY_TYPE", m.KEYTYPE_GROUP))
        self.request(m.CMD_NEW_KEY, attrs)
        if p.set_tx and p.kind == KEY_GROUP:
            self.request(m.CMD_SET_KEY, [("KEY_IDX", p.key_idx), ("KEY_DEFAULT", True),
                                         ("KEY_DEFAULT_TYPES", {"attrs": [
                                             ("NL80211_KEY_DEFAULT_TYPE_MULTICAST", True)]})])
        elif p.set_tx and p.kind == KEY_IGTK:
            self.request(m.CMD_SET_KEY, [("KEY_IDX", p.key_idx), ("KEY_DEFAULT_MGMT", True)])

    def clear_keys(self):
        if self.ifindex is None:
            return
        quiet = lambda error: None  # noqa: E731  (absent keys are fine)
        for idx in range(6):
            self.post(m.CMD_DEL_KEY, [("KEY_IDX", idx)], quiet)
        if self.conn.bssid is not None:
            self.post(m.CMD_DEL_KEY, [("KEY_IDX", 0), ("MAC", bytes(self.conn.bssid))], quiet)

    def set_supp_port(self, authorized):
        bssid = self.conn.bssid
        if self.ifindex is None or bssid is None:
            return
        bit = 1 << m.STA_FLAG_AUTHORIZED
        try:
            self.request(m.CMD_SET_STATION, [("MAC", bytes(bssid)),
                                             ("STA_FLAGS2", m.sta_flags2(bit, bit if authorized
                                                                         else 0))])
        except DriverError:
            if authorized:
                raise

    # ------------------------------------------------------------------ link quality
    def pktcnt_poll(self):
        """The current AP's packet counters (GET_STATION), or None."""
        bssid = self.conn.bssid
        if self.ifindex is None or not self.conn.associated or bssid is None:
            return None
        try:
            sta = m.parse_station(self.request(m.CMD_GET_STATION, [("MAC", bytes(bssid))])[0])
        except (DriverError, IndexError):
            return None
        return {k: sta.get(k, 0) for k in ("tx_packets", "tx_failed", "rx_packets")}

    def signal_poll(self):
        bssid = self.conn.bssid
        if self.ifindex is None or not self.conn.associated or bssid is None:
            return None
        info = {}
        try:
            sta = m.parse_station(self.request(m.CMD_GET_STATION, [("MAC", bytes(bssid))])[0])
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
            noise = m.parse_survey_noise(self.request(m.CMD_GET_SURVEY, [], NLM_F_DUMP))
        except DriverError:
            noise = None
        if noise is not None:
            info["noise"] = noise
        try:
            iface = m.parse_interface(self.request(m.CMD_GET_INTERFACE, [])[0])
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

    def set_cqm(self, threshold, hysteresis):
        """SET_CQM with one RSSI threshold (see Driver.set_cqm).  cfg80211 keeps
        it for the interface; mac80211 or the firmware compares each beacon's
        signal with it and NOTIFY_CQM comes when it is crossed."""
        self._need_iface()
        threshold, hysteresis = int(threshold), int(hysteresis)
        if threshold > 0 or hysteresis < 0:
            raise DriverError("CQM threshold %d dBm, hysteresis %d dB: out of range"
                              % (threshold, hysteresis), errno.EINVAL)
        try:
            self.request(m.CMD_SET_CQM, [("CQM", m.cqm_rssi_config(threshold, hysteresis))])
        except DriverError as e:
            if e.errno == errno.EOPNOTSUPP:
                log.info("%s: %s has no connection quality monitor", self.ifname,
                         self.wiphy.name if self.wiphy is not None else "the radio")
                return False
            raise
        return True

    def _on_cqm(self, msg, a):
        kind, rssi = m.parse_cqm(msg)
        if kind == "beacon_loss":
            self.emit(ev.BeaconLoss())
        elif kind is not None:
            if rssi is None:
                rssi = self._current_rssi()     # older kernels do not say
            self.emit(ev.SignalChange(rssi=rssi, low=kind == "low"))

    def _current_rssi(self):
        bssid = self.conn.bssid
        if bssid is None:
            return None
        try:
            sta = m.parse_station(self.request(m.CMD_GET_STATION, [("MAC", bytes(bssid))])[0])
        except (DriverError, IndexError):
            return None
        return sta.get("rssi")

    # ------------------------------------------------------------------ regulatory
    def send_action(self, dst, freq, body):
        self._need_iface()
        self.frames.send(dst, freq, body)

    def set_country(self, alpha2):
        if self.cmd is None:
            raise DriverError("driver not initialised")
        self.request(m.CMD_REQ_SET_REG, [("REG_ALPHA2", str(alpha2))])

    def get_country(self):
        try:
            parts = self.request(m.CMD_GET_REG, [])
        except DriverError:
            return None
        return m.attrs_of(parts[0]).get("REG_ALPHA2") if parts else None

    # ------------------------------------------------------------------ nl80211 events
    def handle_nl80211(self, msg):
        cmd = msg["cmd"]
        a = m.attrs_of(msg)
        if cmd == m.CMD_REG_CHANGE:
            self.emit(ev.RegulatoryChanged(alpha2=a.get("REG_ALPHA2")))
            return
        if self.ifindex is None or a.get("IFINDEX") != self.ifindex:
            return
        handler = self._handlers.get(cmd)
        if handler is not None:
            handler(msg, a)

    def _on_mic_failure(self, msg, a):
        self.emit(ev.MichaelMicFailure(src=a.get("MAC"),
                                       unicast=a.get("KEY_TYPE") == m.KEYTYPE_PAIRWISE,
                                       key_index=a.get("KEY_IDX")))

    # ------------------------------------------------------------------ lost events
    def _resync(self):
        if self.rtnl is None:
            return
        log.warning("%s: netlink events were lost; reading the state from the kernel",
                    self.ifname)
        if not self._resync_link():
            return
        conn = self.conn
        if conn.associated and conn.bssid is not None and not self._station_known(conn.bssid):
            log.info("%s: resync: no longer associated with %s (that event was lost)",
                     self.ifname, conn.bssid.hex(":"))
            conn.disconnected(0, False, "resync")
        if self.scanner.running:
            self.scanner.done_without_event()     # its end may be among the lost events

    def _station_known(self, bssid):
        """Whether mac80211 still has a station entry for our AP."""
        try:
            return bool(self.request(m.CMD_GET_STATION, [("MAC", bytes(bssid))]))
        except DriverError as e:
            if e.errno in (errno.ENOENT, errno.ENOLINK, errno.ENODEV, errno.ENOTCONN):
                return False
            log.warning("%s: resync: GET_STATION: %s", self.ifname, e)
            return True

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
            self.emit(ev.InterfaceAdded(ifname=self.ifname, ifindex=self.ifindex,
                                        addr=self.mac))
            return
        self._link_changed(link)

    def _rfkill_name(self):
        return self.wiphy.name if self.wiphy is not None else None
