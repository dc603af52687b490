"""One wireless interface in station mode: connection management.

The core of wispd, in the shape of wpa_supplicant's struct wpa_supplicant: a
wpa_state, a BSS table, network selection, the connect path through the driver
ops, the key handshake through rsn, reconnect after loss, and temporary disabling
of a network that keeps failing.  Everything it does is driven by the eloop: driver
events, EAPOL frames, timeouts and control commands.  It never blocks.
"""

import logging

from wispd.drivers import events as ev
from wispd.core import notify as nt
from wispd.core import selection
from wispd.core.bss import BssTable, mac_txt
from wispd.rsn.defs import AKM_SAE
from wispd.drivers.ops import DriverBusy, DriverError, KeyParams, ScanParams, KEY_PAIRWISE
from wispd.core.radio import RadioWorkQueue
from wispd.config.ssidtext import ssid_txt

log = logging.getLogger("wispd.station")

DISCONNECTED = "DISCONNECTED"
INTERFACE_DISABLED = "INTERFACE_DISABLED"
INACTIVE = "INACTIVE"
SCANNING = "SCANNING"
AUTHENTICATING = "AUTHENTICATING"
ASSOCIATING = "ASSOCIATING"
ASSOCIATED = "ASSOCIATED"
FOUR_WAY = "4WAY_HANDSHAKE"
GROUP_HANDSHAKE = "GROUP_HANDSHAKE"
COMPLETED = "COMPLETED"
STATE_ORDER = (DISCONNECTED, INTERFACE_DISABLED, INACTIVE, SCANNING, AUTHENTICATING,
               ASSOCIATING, ASSOCIATED, FOUR_WAY, GROUP_HANDSHAKE, COMPLETED)

REASON_UNSPECIFIED = 1
REASON_DEAUTH_LEAVING = 3
REASON_IE_IN_4WAY_DIFFERS = 17
REASON_4WAY_TIMEOUT = 15

# Give up on a connection attempt that makes no progress; the kernel has its own
# timeouts too, but a lost event must not leave us in ASSOCIATING forever.
CONNECT_TIMEOUT = 10.0
HANDSHAKE_TIMEOUT = 10.0
# Re-scan pacing while nothing matches: fast at first (an AP that restarts is
# usually back within seconds), then backing off to spare power and airtime.
RESCAN_DELAYS = (0.1, 1, 2, 3, 5, 5, 10)
RESCAN_CAP = 10.0


def temp_disable_duration(failures):
    """wpa_supplicant's schedule, by failure count, capped at 300 s."""
    for limit, seconds in ((50, 300), (10, 120), (5, 90), (3, 60), (2, 30), (1, 20)):
        if failures > limit:
            return seconds
    return 10


class NetworkState:
    """Run-time facts about a configured network (never saved)."""
    __slots__ = ("auth_failures", "disabled_until", "conn_failures")

    def __init__(self):
        self.auth_failures = 0
        self.disabled_until = 0.0
        self.conn_failures = 0


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
        self.wpa_state = DISCONNECTED
        self.bss = BssTable(on_added=self._bss_added, on_removed=self._bss_removed)
        self.radio = RadioWorkQueue(eloop)
        self.net_state = {}
        self.addr = b"\0" * 6
        self.capa = None
        self.current_network = None
        self.current_bss = None
        self.pending_bssid = None
        self.plan = None
        self.handshake = None
        self.early_eapol = []
        self.scan_freqs = []
        self.scan_manual = False
        self.scan_fast = False
        self.scan_work = None
        self.connect_work = None
        self.rescan_count = 0
        # At start-up a fast-reconnect scan that finds nothing is followed at
        # once by a full scan (the AP may have moved).  After a loss the AP is
        # most likely restarting on its channel: keep scanning that channel and
        # make only every third rescan a full one.
        self.need_full_scan = True
        self.disconnected_by_user = False
        self.ignored_bssids = {}
        self.l2 = None
        self.counters = {"connects": 0, "disconnects": 0, "failures": {}, "connected_since": None,
                         "connected_total": 0.0}

    # ------------------------------------------------------------------ helpers
    def set_state(self, state):
        if state != self.wpa_state:
            log.debug("%s: State: %s -> %s", self.ifname, self.wpa_state, state)
            old = self.wpa_state
            self.wpa_state = state
            self.notify(nt.StateChanged(old, state))
            if state == COMPLETED:
                self.counters["connected_since"] = self.eloop.now()
            elif old == COMPLETED:
                since = self.counters["connected_since"]
                if since is not None:
                    self.counters["connected_total"] += self.eloop.now() - since
                self.counters["connected_since"] = None

    def nstate(self, network):
        st = self.net_state.get(network.id)
        if st is None:
            st = self.net_state[network.id] = NetworkState()
        return st

    def available(self, network):
        return not network.disabled and self.nstate(network).disabled_until <= self.eloop.now()

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
        self.set_state(DISCONNECTED)
        self.request_scan(0)

    def open_l2(self):
        if getattr(self.driver, "provides_eapol", False):
            return        # the driver carries EAPOL itself (over nl80211, or a test fake)
        from wispd.platform.l2 import L2Packet
        if self.l2 is not None:
            self.l2.close()
        self.l2 = L2Packet(self.eloop, self.ifname, self.on_eapol)

    def stop(self):
        """Clean shutdown: leave the network, remove the keys, close sockets."""
        if self.wpa_state in (AUTHENTICATING, ASSOCIATING, ASSOCIATED, FOUR_WAY,
                              GROUP_HANDSHAKE, COMPLETED):
            try:
                self.driver.deauthenticate(self.current_bssid(), REASON_DEAUTH_LEAVING)
            except DriverError as e:
                log.debug("deauthenticate at exit: %s", e)
        try:
            self.driver.clear_keys()
            self.driver.set_operstate(False)
        except DriverError:
            pass
        self.eloop.cancel_timeout(self._scan_timer)
        self.eloop.cancel_timeout(self._connect_timeout)
        self.eloop.cancel_timeout(self._handshake_timeout)
        if self.l2 is not None:
            self.l2.close()
            self.l2 = None
        self.driver.deinit()
        self.set_state(DISCONNECTED)

    def current_bssid(self):
        if self.current_bss is not None:
            return self.current_bss.bssid
        return self.pending_bssid

    # ------------------------------------------------------------------ scanning
    def request_scan(self, delay, freqs=None, manual=False):
        """Scan after `delay` seconds.  freqs limits the channels (fast
        reconnect); manual scans report results but do not force a connect."""
        self.eloop.cancel_timeout(self._scan_timer)
        self.eloop.register_timeout(delay, self._scan_timer, freqs, manual)

    def scan_pending(self):
        return self.radio.pending("scan") or self.eloop.is_timeout_registered(self._scan_timer)

    def _scan_timer(self, freqs, manual):
        if self.wpa_state == INTERFACE_DISABLED:
            return
        if self.radio.pending("scan"):
            return
        fast = False
        if freqs is None and not manual:
            freqs = self.fast_reconnect_freqs()
            fast = bool(freqs)
        self.radio.add("scan", self._start_scan, (list(freqs or []), manual, fast))

    def fast_reconnect_freqs(self):
        """The frequencies of recently used networks, tried before a full scan."""
        if self.state_store is None or self.rescan_count % 3 == 2:
            return []
        return self.state_store.recent_freqs(self.config.networks)

    def _start_scan(self, work):
        freqs, manual, fast = work.data
        nets = [n for n in self.config.networks if self.available(n)]
        ssids = [b""] + selection.hidden_ssids(nets, max(0, self.capa.max_scan_ssids - 1))
        # When every usable network names its channels (scan_freq), scanning
        # the others is wasted time, as in wpa_supplicant.
        if nets and all(net.scan_freq for net in nets):
            for net in nets:
                for f in net.scan_freq:
                    if f not in freqs:
                        freqs.append(f)
        try:
            self.driver.scan(ScanParams(ssids=ssids, freqs=freqs))
        except DriverBusy:
            log.debug("%s: scan busy, retrying", self.ifname)
            work.done()
            self.request_scan(1.0, freqs, manual)
            return
        except DriverError as e:
            log.warning("%s: scan failed: %s", self.ifname, e)
            work.done()
            self.request_scan(5.0, None, manual)
            return
        self.scan_work = work
        self.scan_freqs = freqs
        self.scan_manual = manual
        self.scan_fast = fast
        if self.wpa_state in (DISCONNECTED, INACTIVE):
            self.set_state(SCANNING)
        self.notify(nt.ScanStarted())

    def _scan_finished(self, aborted):
        work, self.scan_work = self.scan_work, None
        freqs, fast = self.scan_freqs, self.scan_fast
        if aborted:
            self.notify(nt.ScanFailed(-1, 1))
        else:
            results = self.driver.get_scan_results()
            self.bss.update(results, freqs, self.eloop.now(), keep=self.current_bssid())
            self.notify(nt.ScanResults())
            if not fast:
                self.need_full_scan = False
        if work is not None:
            work.done()
        if self.wpa_state == SCANNING:
            self.set_state(DISCONNECTED)
        if aborted:
            self.request_scan(1.0)
            return
        if self.wpa_state in (DISCONNECTED, INACTIVE) and not self.disconnected_by_user:
            self.select_and_connect(partial=fast)

    # ------------------------------------------------------------------ selection
    def select_and_connect(self, partial=False):
        ignored = {b for b, until in self.ignored_bssids.items() if until > self.eloop.now()}
        cand = selection.select(self.config.networks, self.bss.fresh(), self.available,
                                ignored, self.capa)
        if cand is None:
            enabled = [n for n in self.config.networks if not n.disabled]
            if not enabled:
                self.set_state(INACTIVE)
                return
            self.notify(nt.NetworkNotFound())
            self.schedule_rescan(partial)
            return
        self.rescan_count = 0
        self.connect(cand.network, cand.bss, cand.plan)

    def schedule_rescan(self, partial=False):
        """Nothing to join yet: look again (see need_full_scan for the order)."""
        if partial and self.need_full_scan:
            self.rescan_count += 1
            self.request_scan(0, [])
            return
        delay = RESCAN_DELAYS[min(self.rescan_count, len(RESCAN_DELAYS) - 1)]
        self.rescan_count += 1
        # A network that is only temporarily disabled comes back at a known time.
        now = self.eloop.now()
        soonest = [st.disabled_until - now for st in self.net_state.values()
                   if st.disabled_until > now]
        if soonest:
            delay = min(delay if self._has_usable_network() else RESCAN_CAP, min(soonest) + 0.01)
        self.request_scan(min(delay, RESCAN_CAP))

    def _has_usable_network(self):
        return any(self.available(n) for n in self.config.networks)

    # ------------------------------------------------------------------ connecting
    def connect(self, network, bss, plan):
        self.radio.remove("connect")
        self.radio.add("connect", self._start_connect, (network, bss, plan))

    def _start_connect(self, work):
        network, bss, plan = work.data
        from wispd.core import security
        self.connect_work = work
        self.current_network = network
        self.pending_bssid = bss.bssid
        self.current_bss = None
        self.plan = plan
        self.handshake = None
        self.early_eapol = []
        try:
            params = security.assoc_params(network, bss, plan)
        except security.SecurityError as e:
            log.warning("%s: cannot connect to %s: %s", self.ifname, ssid_txt(network.ssid_bytes), e)
            self.connection_failed(bss.bssid, "CONN_FAILED")
            return
        deferred = False
        if not plan.open and plan.sel.akm == AKM_SAE:
            from wispd.core import saeauth as saeconnect
            try:
                deferred = saeconnect.prepare(self, network, bss, plan, params)
            except (saeconnect.SaeUnavailable, ValueError) as e:
                self.notify(nt.SaeUnusable(bss.bssid, str(e)))
                self.connection_failed(bss.bssid, "CONN_FAILED")
                return
        self.notify(nt.Associating(bss.bssid, network.ssid_bytes, bss.freq))
        self.set_state(AUTHENTICATING if self.capa.sme and not self.capa.connect else ASSOCIATING)
        try:
            if not deferred:         # SAE authenticates once its commit is ready
                self.driver.associate(params)
        except DriverError as e:
            log.warning("%s: associate failed: %s", self.ifname, e)
            self.connection_failed(bss.bssid, "CONN_FAILED")
            return
        self.eloop.register_timeout(CONNECT_TIMEOUT, self._connect_timeout)

    def _finish_connect_work(self):
        if self.connect_work is not None:
            self.connect_work.done()
            self.connect_work = None

    def _connect_timeout(self):
        log.info("%s: connection attempt timed out", self.ifname)
        bssid = self.current_bssid()
        try:
            self.driver.deauthenticate(bssid, REASON_UNSPECIFIED)
        except DriverError:
            pass
        self.connection_failed(bssid, "CONN_FAILED")

    def connection_failed(self, bssid, reason):
        """An attempt failed before the link came up: ignore that BSS for a while
        and, after repeated failures, disable the network for a while."""
        self.eloop.cancel_timeout(self._connect_timeout)
        self.eloop.cancel_timeout(self._handshake_timeout)
        self._finish_connect_work()
        network = self.current_network
        if bssid is not None:
            self.ignored_bssids[bssid] = self.eloop.now() + 10
        self.reset_link()
        if network is not None:
            st = self.nstate(network)
            st.conn_failures += 1
            if st.conn_failures > 3:
                self.auth_failed(network, reason)
        self.count_failure(reason)
        self.set_state(DISCONNECTED)
        self.request_scan(0.1)

    def count_failure(self, reason):
        failures = self.counters["failures"]
        failures[reason] = failures.get(reason, 0) + 1

    def auth_failed(self, network, reason):
        st = self.nstate(network)
        st.auth_failures += 1
        st.conn_failures = 0
        duration = temp_disable_duration(st.auth_failures)
        st.disabled_until = self.eloop.now() + duration
        self.notify(nt.TempDisabled(network.id, network.ssid_bytes, st.auth_failures, duration,
                                    reason))

    def clear_temp_disabled(self, network, clear_failures=True):
        st = self.nstate(network)
        if st.disabled_until:
            st.disabled_until = 0.0
            self.notify(nt.Reenabled(network.id, network.ssid_bytes))
        if clear_failures:
            st.auth_failures = 0
            st.conn_failures = 0

    def reset_link(self):
        if getattr(self, "sae_session", None) is not None:
            from wispd.core import saeauth as saeconnect
            saeconnect.cancel(self)
        self.current_bss = None
        self.pending_bssid = None
        self.handshake = None
        self.early_eapol = []
        self.plan = None
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
        if self.scan_work is None:
            # Somebody else's scan (iw, another process): keep the fresh results.
            self.bss.update(self.driver.get_scan_results(), event.freqs or [],
                            self.eloop.now(), keep=self.current_bssid())
            return
        self._scan_finished(False)

    def _on_ScanAborted(self, event):
        if self.scan_work is not None:
            self._scan_finished(True)

    def _on_Authenticated(self, event):
        if getattr(self, "sae_session", None) is not None:
            from wispd.core import saeauth as saeconnect
            if saeconnect.on_auth(self, event):
                return
        if self.wpa_state == AUTHENTICATING:
            self.set_state(ASSOCIATING)

    def _on_AuthFailed(self, event):
        if self.wpa_state not in (AUTHENTICATING, ASSOCIATING):
            return
        if event.timed_out:
            log.info("%s: authentication with %s timed out", self.ifname,
                     mac_txt(event.bssid or self.current_bssid() or b"\0" * 6))
        else:
            self.notify(nt.AuthRejected(event.bssid or self.current_bssid(), 0, 2,
                                        event.status or 0))
        self.connection_failed(event.bssid or self.current_bssid(), "CONN_FAILED")

    def _on_AssocRejected(self, event):
        if self.wpa_state not in (AUTHENTICATING, ASSOCIATING):
            return
        self.notify(nt.AssocRejected(event.bssid or self.current_bssid(), event.status or 0))
        if getattr(self, "sae_pmksa_used", None) is not None:
            from wispd.core import saeauth as saeconnect
            saeconnect.assoc_rejected(self, event.status)
        self.connection_failed(event.bssid or self.current_bssid(), "CONN_FAILED")

    def _on_Associated(self, event):
        self._associated(event, roamed=False)

    def _on_Roamed(self, event):
        self._associated(event, roamed=True)

    def _associated(self, event, roamed):
        self.eloop.cancel_timeout(self._connect_timeout)
        bss = self.bss.get(event.bssid)
        self.current_bss = bss
        self.pending_bssid = event.bssid
        self._finish_connect_work()
        self.notify(nt.Associated(event.bssid))
        self.set_state(ASSOCIATED)
        if self.plan is None or self.plan.open:
            self.completed()
            return
        if event.authorized:
            # A full-MAC driver ran the handshake itself.
            self.completed()
            return
        from wispd.core import security
        self.handshake = security.start_handshake(self, event)
        self.eloop.register_timeout(HANDSHAKE_TIMEOUT, self._handshake_timeout)
        early, self.early_eapol = self.early_eapol, []
        for src, data in early:
            self.on_eapol(src, data)

    def _on_PortAuthorized(self, event):
        if self.wpa_state in (ASSOCIATED, FOUR_WAY, GROUP_HANDSHAKE):
            self.completed()

    def _on_Disconnected(self, event):
        bssid = event.bssid or self.current_bssid() or b"\0" * 6
        state = self.wpa_state
        if state in (DISCONNECTED, INACTIVE, SCANNING, INTERFACE_DISABLED) and not self.pending_bssid:
            return
        self.eloop.cancel_timeout(self._connect_timeout)
        self.eloop.cancel_timeout(self._handshake_timeout)
        self._finish_connect_work()
        self.notify(nt.Disconnected(bssid, event.reason or 0, bool(event.locally_generated)))
        network = self.current_network
        # A loss found by a resync after lost events says nothing about the key.
        wrong_key = (state == FOUR_WAY and network is not None and self.plan is not None
                     and self.plan.psk_based and event.kind != "resync"
                     and not (event.locally_generated
                              and event.reason == REASON_IE_IN_4WAY_DIFFERS))
        self.reset_link()
        self.counters["disconnects"] += 1
        self.set_state(DISCONNECTED)
        if wrong_key:
            self.notify(nt.WrongKey())
            self.count_failure("WRONG_KEY")
            self.auth_failed(network, "WRONG_KEY")
        if self.disconnected_by_user:
            return
        # The AP we lost is probably still on its channel: scan that first.
        self.rescan_count = 0
        self.need_full_scan = False
        self.request_scan(0.1)

    def _on_EapolReceived(self, event):
        self.on_eapol(event.src, event.data)

    def _on_MichaelMicFailure(self, event):
        log.warning("%s: Michael MIC failure (%s)", self.ifname,
                    "pairwise" if event.unicast else "group")
        from wispd.core import security
        security.michael_mic_failure(self, event)

    def _on_BeaconLoss(self, event):
        if self.wpa_state == COMPLETED:
            log.info("%s: beacon loss; looking for the network again", self.ifname)
            self.request_scan(0, manual=True)

    def _on_SignalChange(self, event):
        self.notify(nt.SignalChange(0 if event.low else 1, event.rssi or 0, 0, 0))
        if event.low and self.wpa_state == COMPLETED:
            self.request_scan(0, manual=True)

    def _on_InterfaceDisabled(self, event):
        if self.wpa_state != INTERFACE_DISABLED:
            if self.wpa_state not in (DISCONNECTED, INACTIVE, SCANNING):
                self.notify(nt.Disconnected(self.current_bssid(), REASON_DEAUTH_LEAVING, True))
            self.eloop.cancel_timeout(self._connect_timeout)
            self.eloop.cancel_timeout(self._handshake_timeout)
            self.eloop.cancel_timeout(self._scan_timer)
            self.radio.remove()
            self.scan_work = self.connect_work = None
            self.reset_link()
            self.set_state(INTERFACE_DISABLED)

    def _on_InterfaceEnabled(self, event):
        if self.wpa_state == INTERFACE_DISABLED:
            self.set_state(DISCONNECTED)
            if self.l2 is not None and event.reason == "rebind":
                self.open_l2()
            self.addr = self.driver.get_mac_addr()
            self.rescan_count = 0
            self.request_scan(0)

    def _on_InterfaceRemoved(self, event):
        self._on_InterfaceDisabled(event)

    def _on_InterfaceAdded(self, event):
        # A re-plugged radio may be another phy: what it can do is asked again.
        self.capa = self.driver.get_capa()
        if self.l2 is not None:
            self.open_l2()
        self._on_InterfaceEnabled(ev.InterfaceEnabled(reason="added"))

    def _on_RegulatoryChanged(self, event):
        self.notify(nt.RegdomChange("CORE", "COUNTRY", event.alpha2 or ""))

    # ------------------------------------------------------------------ keys
    def on_eapol(self, src, data):
        if self.wpa_state in (AUTHENTICATING, ASSOCIATING) or (
                self.wpa_state == ASSOCIATED and self.handshake is None):
            # Message 1 may beat the associate event: keep it for a moment.
            if len(self.early_eapol) < 4:
                self.early_eapol.append((src, data))
            return
        if self.handshake is None:
            log.debug("%s: EAPOL from %s outside a connection, dropped", self.ifname, mac_txt(src))
            return
        from wispd.core import security
        security.handle_eapol(self, src, data)

    def install_key(self, kind, cipher, key_idx, key, seq, set_tx, addr=None):
        self.driver.set_key(KeyParams(kind, cipher, key_idx, key, seq=seq, addr=addr,
                                      set_tx=set_tx))
        if kind == KEY_PAIRWISE:
            log.debug("%s: pairwise key installed", self.ifname)

    def send_eapol(self, data):
        dst = self.current_bssid()
        if not self.driver.send_eapol(dst, data):
            self.l2.send(dst, data)

    def _handshake_timeout(self):
        log.info("%s: key handshake timed out", self.ifname)
        bssid = self.current_bssid()
        network = self.current_network
        psk = self.plan is not None and self.plan.psk_based
        try:
            self.driver.deauthenticate(bssid, REASON_4WAY_TIMEOUT)
        except DriverError:
            pass
        self.notify(nt.Disconnected(bssid, REASON_4WAY_TIMEOUT, True))
        state = self.wpa_state
        self.reset_link()
        self.set_state(DISCONNECTED)
        if state == FOUR_WAY and psk and network is not None:
            self.notify(nt.WrongKey())
            self.count_failure("WRONG_KEY")
            self.auth_failed(network, "WRONG_KEY")
        self.request_scan(0.1)

    def completed(self):
        self.eloop.cancel_timeout(self._handshake_timeout)
        network = self.current_network
        if self.wpa_state == COMPLETED:
            return
        try:
            self.driver.set_supp_port(True)
        except DriverError as e:
            log.warning("%s: could not authorize the port: %s", self.ifname, e)
        self.set_state(COMPLETED)
        try:
            self.driver.set_operstate(True)
        except DriverError:
            pass
        self.counters["connects"] += 1
        self.ignored_bssids.clear()
        if network is not None:
            self.clear_temp_disabled(network)
        bssid = self.current_bssid() or b"\0" * 6
        self.notify(nt.Connected(bssid, network.id if network else -1,
                                 (network.id_str or None) if network else None,
                                 network.ssid_bytes if network else b""))
        self.notify(nt.SubnetStatusUpdate(0))
        if self.state_store is not None and network is not None and self.current_bss is not None:
            self.state_store.remember(network.ssid_bytes, self.current_bss.freq)

    # ------------------------------------------------------------------ control operations
    def disconnect(self):
        self.disconnected_by_user = True
        self.eloop.cancel_timeout(self._scan_timer)
        self.radio.remove()
        self.scan_work = self.connect_work = None
        if self.wpa_state in (AUTHENTICATING, ASSOCIATING, ASSOCIATED, FOUR_WAY,
                              GROUP_HANDSHAKE, COMPLETED):
            bssid = self.current_bssid()
            try:
                self.driver.deauthenticate(bssid, REASON_DEAUTH_LEAVING)
            except DriverError as e:
                log.debug("deauthenticate: %s", e)
            self.notify(nt.Disconnected(bssid, REASON_DEAUTH_LEAVING, True))
            self.reset_link()
        if self.wpa_state != INTERFACE_DISABLED:
            self.set_state(DISCONNECTED)

    def reconnect(self, force=False):
        """RECONNECT (only when disconnected) and REASSOCIATE (force)."""
        if self.wpa_state == INTERFACE_DISABLED:
            return False
        if not force and not self.disconnected_by_user:
            return True
        if force and self.wpa_state not in (DISCONNECTED, INACTIVE, SCANNING):
            self.disconnect()
        self.disconnected_by_user = False
        self.rescan_count = 0
        self.request_scan(0)
        return True

    def manual_scan(self):
        """SCAN: False while one is already pending (FAIL-BUSY)."""
        if self.wpa_state == INTERFACE_DISABLED or self.radio.pending("scan"):
            return False
        self.request_scan(0, freqs=None, manual=True)
        return True

    def networks_changed(self):
        """Networks were added, enabled or changed: pick again if idle."""
        if self.wpa_state in (DISCONNECTED, INACTIVE) and not self.disconnected_by_user:
            self.rescan_count = 0
            if self.wpa_state == INACTIVE:
                self.set_state(DISCONNECTED)
            self.request_scan(0)

    def network_removed(self, network):
        self.net_state.pop(network.id, None)
        if self.current_network is network:
            self.leave_current("network removed")

    def network_disabled(self, network):
        if self.current_network is network:
            self.leave_current("network disabled")

    def leave_current(self, why):
        log.info("%s: leaving the network: %s", self.ifname, why)
        was_user = self.disconnected_by_user
        self.disconnect()
        self.current_network = None
        self.disconnected_by_user = was_user
        self.request_scan(0.1)

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

    def signal_poll(self):
        if self.wpa_state not in (ASSOCIATED, FOUR_WAY, GROUP_HANDSHAKE, COMPLETED):
            return None
        return self.driver.signal_poll()

    def status(self):
        """STATUS as ordered (key, value) pairs, wpa_supplicant 2.10's order."""
        out = []
        if STATE_ORDER.index(self.wpa_state) >= STATE_ORDER.index(ASSOCIATED):
            bss = self.current_bss
            out.append(("bssid", mac_txt(self.current_bssid() or b"\0" * 6)))
            out.append(("freq", bss.freq if bss else 0))
            net = self.current_network
            if net is not None:
                out.append(("ssid", ssid_txt(net.ssid_bytes or b"")))
                out.append(("id", net.id))
                if net.id_str:
                    out.append(("id_str", net.id_str))
                out.append(("mode", "station"))
                if bss is not None:
                    el = bss.elements
                    gen = 6 if el.he else 5 if el.vht else 4 if el.ht else 0
                    if gen:
                        out.append(("wifi_generation", gen))
            plan = self.plan
            if plan is not None:
                out.extend(plan.status_fields())
                if getattr(self, "sae_group", None) and plan.sel.akm == AKM_SAE:
                    out.extend((("sae_group", self.sae_group),
                                ("sae_h2e", int(bool(getattr(self, "sae_h2e", False)))),
                                ("sae_pk", 0)))
            else:
                out.extend((("pairwise_cipher", "NONE"), ("group_cipher", "NONE"),
                            ("key_mgmt", "NONE")))
        out.append(("wpa_state", self.wpa_state))
        out.append(("address", mac_txt(self.addr)))
        from wispd.core import security as _sec
        out.extend(_sec.status_note(self))
        return out

    def replace_config(self, cfg):
        """RECONFIGURE: a new, already validated configuration.  Stay connected
        if the current network is still there, unchanged."""
        current = self.current_network
        self.config = cfg
        keep = None
        if current is not None:
            for net in cfg.networks:
                if net == current and not net.disabled:
                    keep = net
                    break
        self.net_state = {}
        if current is not None and keep is None:
            self.current_network = None
            self.leave_current("network changed by reconfigure")
        else:
            self.current_network = keep
            self.networks_changed()
