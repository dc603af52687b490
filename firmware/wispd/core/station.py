"""One wireless interface in station mode: policy and dispatch.

The shape of wpa_supplicant's struct wpa_supplicant, cut the way iwd cuts it:
this module decides what to do (scan, which network, what a failure means for
it, reconnect after a loss) and routes driver events; the pieces it drives each
own one concern:

- states.StateMachine: wpa_state and its legal moves;
- netsearch.NetworkSearch: the scans while not connected and the choice of
  a candidate (it drives scanning.ScanScheduler, scanner.Scanner and
  selection.select);
- security.Refusals: what the driver refused for which network;
- connection.Connection: one attempt (SAE, association, the 4-way handshake,
  its timeouts) ending in one Result, then the link's rekeys;
- outcome: what that Result, or the loss of the link, means for the interface
  (COMPLETED and its notifications, failure counting, where to look next);
- netstate.NetworkHealth: failure counting and temporary disabling;
- BssTable: what the scans saw.

It speaks to the world through typed notifications (core/notify.py) only, and
never blocks: driver events, EAPOL frames, timeouts and control operations all
come from the eloop.
"""

import logging

from wispd.core import notify as nt
from wispd.core import outcome
from wispd.core import states as S
from wispd.core.bss import BssTable
from wispd.core.connection import Connection, Lost, Port, means_wrong_key
from wispd.core.linkmonitor import LinkMonitor
from wispd.core.neighbors import NeighborReports
from wispd.core.netsearch import NetworkSearch
from wispd.core.netstate import NetworkHealth
from wispd.core.security import Refusals
from wispd.core.radio import RadioWorkQueue
from wispd.drivers.ops import DriverError
from wispd.rsn import rrm

log = logging.getLogger("wispd.station")

REASON_DEAUTH_LEAVING = 3


class Interface:
    def __init__(self, eloop, ifname, driver, config, notify, state_store=None):
        """notify(notification) hands a core.notify object to the daemon's
        subscribers; state_store remembers recent frequencies (fast reconnect)."""
        self.eloop = eloop
        self.ifname = ifname
        self.driver = driver
        self.config = config
        self.notify = notify
        self.state_store = state_store
        self.states = S.StateMachine(self._state_changed, ifname)
        self.bss = BssTable(on_added=self._bss_added, on_removed=self._bss_removed)
        self.radio = RadioWorkQueue(eloop)
        self.search = NetworkSearch(self, eloop, self.radio, self.bss, self._notify, self.states)
        self.scans = self.search.scheduler      # the pure policy (tests read it)
        self.scanner = self.search.scanner      # the scan I/O (control: SCAN, ABORT_SCAN)
        self.health = NetworkHealth(eloop.now, self._notify)
        self.refusals = Refusals()
        self._sae_keys = None
        self.addr = b"\0" * 6
        self.capa = None
        self.connection = None
        self.connect_work = None
        self.disconnected_by_user = False
        self.tkip = None    # TkipCountermeasures, made by the first Michael MIC failure
        self.l2 = None
        self.link = LinkMonitor(self)   # CQM, beacon loss, bgscan, roaming (issue 17)
        self.neighbors = NeighborReports(self)   # 802.11k, the roam scans' channels
        self.counters = {"connects": 0, "disconnects": 0, "failures": self.health.failures,
                         "connected_since": None, "connected_total": 0.0}

    # ------------------------------------------------------------------ views
    def _notify(self, notification):
        # notify is set by the daemon after construction: look it up each time.
        self.notify(notification)

    @property
    def wpa_state(self):
        return self.states.state

    @property
    def current_network(self):
        return self.connection.network if self.connection is not None else None

    @property
    def current_bss(self):
        return self.connection.current_bss if self.connection is not None else None

    @property
    def plan(self):
        return self.connection.plan if self.connection is not None else None

    def current_bssid(self):
        return self.connection.current_bssid() if self.connection is not None else None

    def sae_keys(self):
        """The interface's SAE memory (PMKSAs, PTs), made when SAE is first used."""
        if self._sae_keys is None:
            from wispd.core.saeauth import SaeKeys
            self._sae_keys = SaeKeys(self.eloop.now)
        return self._sae_keys

    def nstate(self, network):
        return self.health.of(network)

    def available(self, network):
        return self.health.available(network)

    def _state_changed(self, old, new):
        now = self.eloop.now()
        if new == S.COMPLETED and self.counters["connected_since"] is None:
            self.counters["connected_since"] = now
        elif new in (S.DISCONNECTED, S.INTERFACE_DISABLED):
            since = self.counters["connected_since"]
            if since is not None:
                self.counters["connected_total"] += now - since
            self.counters["connected_since"] = None
        self.notify(nt.StateChanged(old, new))

    def _bss_added(self, bss):
        self.notify(nt.BssAdded(bss.id, bss.bssid))

    def _bss_removed(self, bss):
        self.notify(nt.BssRemoved(bss.id, bss.bssid))

    # ------------------------------------------------------------------ lifecycle
    def start(self):
        """Bring the driver up and start looking for a network."""
        self.driver.init()
        self.capa = self.driver.get_capa()
        self.addr = self.driver.get_mac_addr()
        self.driver.set_operstate(False)
        country = self.config.country
        if country:
            try:
                self.driver.set_country(country)
            except DriverError as e:
                log.warning("%s: could not set country %s: %s", self.ifname, country, e)
        self.open_l2()
        self.search.start()

    def open_l2(self):
        if getattr(self.driver, "provides_eapol", False):
            return        # the driver carries EAPOL itself (over nl80211, or a test fake)
        from wispd.platform.l2 import L2Packet
        if self.l2 is not None:
            self.l2.close()
        self.l2 = L2Packet(self.eloop, self.ifname, self.on_eapol)

    def stop(self):
        """Clean shutdown: leave the network, remove the keys, close sockets."""
        if self.wpa_state in S.LINKED:
            try:
                self.driver.deauthenticate(self.current_bssid(), REASON_DEAUTH_LEAVING)
            except DriverError as e:
                log.debug("deauthenticate at exit: %s", e)
        try:
            self.driver.clear_keys()
            self.driver.set_operstate(False)
        except DriverError:
            pass
        self.scanner.cancel()
        if self.tkip is not None:
            self.tkip.cancel()
        self._drop_connection()
        if self.l2 is not None:
            self.l2.close()
            self.l2 = None
        self.driver.deinit()
        self.states.move(S.DISCONNECTED)

    # ------------------------------------------------------------------ scanning
    # The Scanner's owner interface (core/scanner.py); the search does the rest.
    def request_scan(self, request):
        self.search.request(request)

    def scan_pending(self):
        return self.search.pending()

    def scan_allowed(self):
        return self.wpa_state != S.INTERFACE_DISABLED and not (self.tkip and self.tkip.active)

    def scan_in_flight(self):
        self.search.scan_in_flight()

    def scan_results(self, plan):
        self.search.scan_results(plan)

    def select_and_connect(self, plan=None):
        self.search.select_and_connect(plan)

    # ------------------------------------------------------------------ connecting
    def connect(self, network, bss, plan, prev_bssid=None):
        """prev_bssid: a roam within the network (a reassociation)."""
        self.radio.remove("connect")
        self.radio.add("connect", self._start_connect, (network, bss, plan, prev_bssid))

    def _start_connect(self, work):
        network, bss, plan, prev_bssid = work.data
        self._drop_connection()
        self.connect_work = work
        port = Port(eloop=self.eloop, driver=self.driver, ifname=self.ifname, addr=self.addr,
                    capa=self.capa, config=self.config, notify=self._notify, states=self.states,
                    send_eapol=self.send_eapol, sae_keys=self.sae_keys)
        self.connection = Connection(port, network, bss, plan, self._attempt_ended)
        self.connection.prev_bssid = prev_bssid
        self.connection.start()

    def finish_connect_work(self):
        if self.connect_work is not None:
            self.connect_work.done()
            self.connect_work = None

    def _drop_connection(self):
        self.link.stop()
        self.neighbors.stop()
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _attempt_ended(self, result):
        """The Connection's one result (core/outcome.py says what it means)."""
        outcome.attempt_ended(self, result)

    def reset_link(self):
        self._drop_connection()
        try:
            self.driver.set_operstate(False)
        except DriverError:
            pass

    # ------------------------------------------------------------------ driver events
    def on_driver_event(self, event):
        handler = getattr(self, "_on_" + type(event).__name__, None)
        if handler is None:
            log.debug("%s: unhandled event %r", self.ifname, event)
            return
        handler(event)

    def _on_ScanStarted(self, event):
        pass

    def _on_ScanDone(self, event):
        self.scanner.done(event)

    def _on_ScanAborted(self, event):
        self.scanner.aborted()

    def _on_Authenticated(self, event):
        if self.connection is not None:
            self.connection.authenticated(event)

    def _on_AuthFailed(self, event):
        if self.connection is not None:
            self.connection.auth_failed(event)

    def _on_AssocRejected(self, event):
        if self.connection is not None:
            self.connection.assoc_rejected(event)

    def _on_Associated(self, event):
        if self.connection is None:
            log.debug("%s: association with %r that we did not ask for", self.ifname, event.bssid)
            return
        self.finish_connect_work()
        conn = self.connection
        # The entry of the network's SSID; a hidden AP's may still be nameless.
        bss = self.bss.get(event.bssid, conn.network.ssid_bytes) or self.bss.get(event.bssid)
        conn.associated(event, bss)

    # A full-MAC driver moved to another BSS on its own: the same path.
    _on_Roamed = _on_Associated

    def _on_PortAuthorized(self, event):
        if self.connection is not None:
            self.connection.port_authorized()

    def _on_Disconnected(self, event):
        conn = self.connection
        if conn is None:
            return        # our own deauthentication of an attempt already given up
        if event.bssid is not None and event.bssid not in (conn.bssid, conn.current_bssid()):
            log.debug("%s: disconnection from another BSS ignored", self.ifname)
            return
        if conn.pending:
            conn.disconnected(event)
            return
        lost = Lost(event.bssid or conn.current_bssid(), event.reason or 0,
                    bool(event.locally_generated), event.kind)
        outcome.link_lost(self, lost, means_wrong_key(self.wpa_state, conn.plan, lost))

    def _on_EapolReceived(self, event):
        self.on_eapol(event.src, event.data)

    def _on_MichaelMicFailure(self, event):
        log.warning("%s: Michael MIC failure (%s)", self.ifname,
                    "pairwise" if event.unicast else "group")
        if self.tkip is None:
            # Loaded on demand: only a TKIP network can see one (issue 14: a
            # module less on the start path).
            from wispd.core.countermeasures import TkipCountermeasures
            self.tkip = TkipCountermeasures(self.eloop, self._notify, self._leave,
                                            self._countermeasures_over)
        self.tkip.mic_failure()

    def _on_BeaconLoss(self, event):
        self.link.beacon_loss()

    def _on_SignalChange(self, event):
        self.link.signal_change(event)

    def _on_ActionFrame(self, event):
        if rrm.is_neighbor_report_response(event.data or b""):
            self.neighbors.action_frame(event)
        else:
            self.link.action_frame(event)

    def _on_InterfaceDisabled(self, event):
        if self.wpa_state == S.INTERFACE_DISABLED:
            return
        if self.wpa_state in S.LINKED:
            self.notify(nt.Disconnected(self.current_bssid(), REASON_DEAUTH_LEAVING, True))
        self.scanner.cancel()
        self.radio.remove()
        self.scanner.forget()
        self.connect_work = None
        self.reset_link()
        self.states.move(S.INTERFACE_DISABLED)

    _on_InterfaceRemoved = _on_InterfaceDisabled

    def _on_InterfaceEnabled(self, event):
        if self.wpa_state == S.INTERFACE_DISABLED:
            self.states.move(S.DISCONNECTED)
            self.addr = self.driver.get_mac_addr()
            self.search.restart()

    def _on_InterfaceAdded(self, event):
        # A re-plugged radio may be another phy: what it can do is asked again,
        # and what the old one refused is forgotten.
        self.capa = self.driver.get_capa()
        self.refusals.clear()
        if self.l2 is not None:
            self.open_l2()
        self._on_InterfaceEnabled(event)

    def _on_RegulatoryChanged(self, event):
        self.notify(nt.RegdomChange("CORE", "COUNTRY", event.alpha2 or ""))

    # ------------------------------------------------------------------ frames
    def on_eapol(self, src, data):
        if self.connection is None:
            log.debug("%s: EAPOL outside a connection, dropped", self.ifname)
            return
        self.connection.receive_eapol(data)

    def send_eapol(self, dst, data):
        if not self.driver.send_eapol(dst, data):
            self.l2.send(dst, data)

    def _countermeasures_over(self):
        """TKIP countermeasures are over: back, unless DISCONNECT was given meanwhile."""
        if not self.disconnected_by_user and self.wpa_state != S.INTERFACE_DISABLED:
            self.search.restart()

    # ------------------------------------------------------------------ control operations
    def _leave(self, reason):
        """Deauthenticate from the current link or attempt, once, and say so."""
        self.scanner.cancel()
        self.radio.remove()
        self.scanner.forget()
        self.connect_work = None
        if self.wpa_state in S.LINKED:
            bssid = self.current_bssid()
            try:
                self.driver.deauthenticate(bssid, reason)
            except DriverError as e:
                log.debug("deauthenticate: %s", e)
            self.notify(nt.Disconnected(bssid, reason, True))
            self.reset_link()
        if self.wpa_state != S.INTERFACE_DISABLED:
            self.states.move(S.DISCONNECTED)

    def disconnect(self):
        """DISCONNECT: leave and stay away until RECONNECT or a selection."""
        self.disconnected_by_user = True
        self._leave(REASON_DEAUTH_LEAVING)

    def reconnect(self, force=False):
        """RECONNECT (only when disconnected) and REASSOCIATE (force)."""
        if self.wpa_state == S.INTERFACE_DISABLED:
            return False
        if not force and not self.disconnected_by_user:
            return True
        if force and self.wpa_state not in S.IDLE:
            self.disconnect()
        self.disconnected_by_user = False
        self.search.restart()
        return True

    def manual_scan(self, **options):
        """SCAN with its options (Scanner.manual_scan): False when busy (FAIL-BUSY)."""
        return self.scanner.manual_scan(**options)

    def networks_changed(self):
        """Networks were added, enabled or changed: pick again if idle."""
        if self.wpa_state in (S.DISCONNECTED, S.INACTIVE) and not self.disconnected_by_user:
            if self.wpa_state == S.INACTIVE:
                self.states.move(S.DISCONNECTED)
            self.search.restart()

    def network_removed(self, network):
        self.health.forget(network)
        if self.current_network is network:
            self.leave_current("network removed")

    def network_disabled(self, network):
        if self.current_network is network:
            self.leave_current("network disabled")

    def clear_temp_disabled(self, network, clear_failures=True):
        self.health.clear_temp_disabled(network, clear_failures)

    def leave_current(self, why):
        log.info("%s: leaving the network: %s", self.ifname, why)
        self._leave(REASON_DEAUTH_LEAVING)
        self._drop_connection()
        self.search.soon()

    def select_network(self, network):
        """SELECT_NETWORK: this one only (None: all), connect now."""
        for net in self.config.networks:
            net.set("disabled", "0" if network is None or net is network else "1")
            if net is network or network is None:
                self.clear_temp_disabled(net)
        if self.current_network is not None and network is not None \
                and self.current_network is not network:
            self.leave_current("another network selected")
        self.disconnected_by_user = False
        self.reconnect()
        self.networks_changed()

    def neighbor_report_request(self, ssid=None):
        """NEIGHBOR_REP_REQUEST: None when sent (the answer comes as events), else why not."""
        return self.neighbors.request(ssid)

    def signal_poll(self):
        if self.wpa_state not in S.ASSOCIATED_OR_LATER:
            return None
        return self.driver.signal_poll()

    def pktcnt_poll(self):
        if self.wpa_state not in S.ASSOCIATED_OR_LATER:
            return None
        return self.driver.pktcnt_poll()

    def status(self):
        """STATUS as ordered (key, value) pairs, wpa_supplicant 2.10's order."""
        from wispd.core.status import status_pairs
        return status_pairs(self)

    def replace_config(self, cfg):
        """RECONFIGURE: a new, already validated configuration.  Stay connected
        if the current network is still there, unchanged."""
        current = self.current_network
        self.config = cfg
        self.health.reset()
        self.refusals.clear()
        keep = None
        if current is not None:
            for net in cfg.networks:
                if net == current and not net.disabled:
                    keep = net
                    break
        if current is not None and keep is None:
            self.leave_current("network changed by reconfigure")
        else:
            if self.connection is not None:
                self.connection.network = keep
            self.networks_changed()
