"""The connected link's watch: signal, beacon loss, background scans, roaming.

Once a connection completes, the station hands it here.  This arms the
kernel's connection-quality monitor (CQM) at the roam threshold, so the signal
is never polled: the kernel says when it crosses the threshold, or when the
AP's beacons stop.  A low signal or a beacon loss starts a roam scan (the
network's known channels and the AP's 802.11k neighbors' first, then every
channel when those offer nothing better, and every third one covers every
channel anyway); bgscan "simple"
keeps scanning at its short pace while the signal stays low.  Scan results
while connected go through core/roam.py's decision, and a roam is a new
connection attempt of the same network with the old BSSID as prev_bssid
(a Reassociation Request), which the station runs like any other.

While the signal is good nothing here wakes up (bgscan's long pace at most).
"""

import logging

from wispd.core import bgscan
from wispd.core import notify as nt
from wispd.core import roam
from wispd.core import selection
from wispd.core import states as S
from wispd.core.bss import mac_txt
from wispd.core.scanning import ScanRequest
from wispd.drivers.ops import DriverError

log = logging.getLogger("wispd.station")

# Every FULL_EVERY-th roam scan covers every channel (an AP of the network may
# have come up on a channel the table has not seen yet).
FULL_EVERY = 3
# A BSS Transition Management request is answered after one scan of the
# candidates' channels, or after this long without results.
BTM_SCAN_TIMEOUT = 3.0
REASON_UNSPECIFIED = 1


class LinkMonitor:
    def __init__(self, iface):
        self.iface = iface
        self.eloop = iface.eloop
        self.cqm_quiet = False      # the kernel's first report after arming is not news
        self.settings = roam.RoamSettings()
        self.rssi = None            # the last signal the CQM reported
        self.low = False
        self.bgscan = None          # BackgroundScan while connected with bgscan set
        self.roam_scans = 0
        self.widen = False          # the last roam scan was partial: the rest if it finds nothing
        self.failed = {}            # bssid -> when a roam to it failed
        self.extra_freqs = []       # channels the AP named (neighbor report, BTM)
        self.btm = None             # (request, AP, freq) waiting for its scan

    # ------------------------------------------------------------------ life of a link
    def connected(self, conn):
        """The station completed a connection (first one or after a roam)."""
        self.stop()
        iface = self.iface
        network = conn.network
        text = network.bgscan if network.bgscan is not None else iface.config.bgscan
        try:
            params = bgscan.parse(text)
        except ValueError as e:
            log.warning("%s: bgscan ignored: %s", iface.ifname, e)
            params = None
        self.settings = roam.settings(iface.config, params)
        self.low = False
        self.rssi = None
        try:
            # The kernel reports where the signal stands right after arming;
            # only a crossing is news (wpa_supplicant without bgscan sends none).
            self.cqm_quiet = iface.driver.set_cqm(self.settings.threshold,
                                                  self.settings.hysteresis)
        except DriverError as e:
            log.debug("%s: no connection-quality monitor: %s", iface.ifname, e)
            self.cqm_quiet = False
        if params is not None:
            self.bgscan = bgscan.BackgroundScan(self.eloop, params, self.roam_scan)
            self.bgscan.start()

    def stop(self):
        """The link is gone or being replaced: no more background scans."""
        self.btm = None
        self.widen = False
        self.eloop.cancel_timeout(self._btm_answer)
        if self.bgscan is not None:
            self.bgscan.stop()
            self.bgscan = None

    # ------------------------------------------------------------------ kernel reports
    def signal_change(self, event):
        quiet, self.cqm_quiet = self.cqm_quiet, False
        if event.rssi:
            self.rssi = event.rssi
        self.low = bool(event.low)
        if self.bgscan is not None:
            self.bgscan.signal(self.low)
        if quiet and not event.low:
            return
        self.iface.notify(nt.SignalChange(0 if event.low else 1, event.rssi or 0, 0, 0))
        if event.low and self.bgscan is None:
            self.roam_scan()

    def beacon_loss(self):
        iface = self.iface
        if iface.wpa_state != S.COMPLETED:
            return
        iface.notify(nt.BeaconLoss())
        log.info("%s: beacon loss; looking for the network again", iface.ifname)
        self.roam_scan(full=True)

    # ------------------------------------------------------------------ scans
    def known_freqs(self, network):
        """The channels the table has seen the network on, then those the AP named
        (BTM candidate lists, the current AP's 802.11k neighbor report)."""
        out = []
        for bss in self.iface.bss:
            if bss.ssid == network.ssid_bytes and bss.freq not in out:
                out.append(bss.freq)
        for f in self.extra_freqs + self.iface.neighbors.freqs():   # + 802.11k neighbors
            if f not in out:
                out.append(f)
        return out

    def roam_scan(self, full=False):
        iface = self.iface
        network = iface.current_network
        if iface.wpa_state != S.COMPLETED or network is None:
            return
        self.roam_scans += 1
        freqs = [] if full or self.roam_scans % FULL_EVERY == 0 else self.known_freqs(network)
        self.widen = bool(freqs)
        log.debug("%s: roam scan on %s", iface.ifname, freqs or "every channel")
        iface.request_scan(ScanRequest(0, freqs, manual=True))

    def scan_results(self):
        """Results of any scan while connected: roam if a BSS is worth it."""
        iface = self.iface
        conn = iface.connection
        if iface.wpa_state != S.COMPLETED or conn is None:
            return
        if self.bgscan is not None:
            self.bgscan.scanned()
        if self.btm is not None:
            self._btm_answer()
            return
        now = self.eloop.now()
        self.failed = {b: t for b, t in self.failed.items() if now - t < roam.FAILED_HOLDOFF}
        current = conn.current_bssid()
        entry = iface.bss.get(current, conn.network.ssid_bytes)
        signal = entry.signal if entry is not None and entry in iface.bss.fresh() else self.rssi
        if signal is None and entry is not None:
            signal = entry.signal
        cands = dict(self.candidates(conn.network))
        bss, why = roam.choose(current, signal, list(cands), self.settings, self.failed)
        widen, self.widen = self.widen, False
        if bss is None:
            log.debug("%s: no roam: %s", iface.ifname, why)
            if widen and signal is not None and signal < self.settings.threshold:
                # The known and the neighbors' channels first, then the rest.
                self.roam_scan(full=True)
            return
        log.info("%s: roaming: %s", iface.ifname, why)
        self.roam_to(bss, cands[bss], "signal")

    def candidates(self, network):
        """(bss, plan) of the fresh BSSes that can serve the connected network."""
        iface = self.iface
        for bss in iface.bss.fresh():
            if bss.ssid != network.ssid_bytes:
                continue
            plan = selection.match(network, bss, iface.capa, iface.refusals, iface.config.pmf)
            if plan is not None:
                yield bss, plan

    # ------------------------------------------------------------------ roaming
    def roam_to(self, bss, plan, reason):
        iface = self.iface
        conn = iface.connection
        prev = conn.current_bssid()
        iface.notify(nt.RoamDecided(prev, bss.bssid, reason))
        iface.connect(conn.network, bss, plan, prev_bssid=prev)

    def roam_command(self, bssid):
        """ROAM <bssid>: None when started (or already there), else why not."""
        iface = self.iface
        conn = iface.connection
        if iface.wpa_state != S.COMPLETED or conn is None:
            return "not connected"
        if bssid == conn.current_bssid():
            return None
        network = conn.network
        bss = iface.bss.get(bssid, network.ssid_bytes)
        if bss is None:
            return "%s is not a known BSS of the network" % mac_txt(bssid)
        plan = selection.match(network, bss, iface.capa, iface.refusals, iface.config.pmf)
        if plan is None:
            return "%s cannot serve the network" % mac_txt(bssid)
        self.roam_to(bss, plan, "command")
        return None

    def roam_failed(self, prev_bssid, target):
        """A roam attempt failed: the old link is gone too (the kernel left it
        to authenticate with the target), so it is a disconnection."""
        self.failed[target] = self.eloop.now()
        self.iface.notify(nt.Disconnected(prev_bssid, REASON_UNSPECIFIED, True))

    # ------------------------------------------------------------------ 802.11v
    def action_frame(self, event):
        """An Action frame from the kernel: a BTM request from our AP is handled."""
        # 802.11v's modules load with the first Action frame, not at start:
        # a connect does not need them (issue 14: every module on the start
        # path is CPU and RSS).
        from wispd.core import btm
        from wispd.rsn import wnm
        iface = self.iface
        conn = iface.connection
        if not wnm.is_btm_request(event.data or b""):
            return
        if iface.wpa_state != S.COMPLETED or conn is None or event.src != conn.current_bssid():
            log.debug("%s: BTM request from %s outside our link, dropped", iface.ifname,
                      mac_txt(event.src or b"\0" * 6))
            return
        try:
            request = wnm.parse_btm_request(event.data)
        except wnm.WnmError as e:
            log.info("%s: malformed BTM request dropped: %s", iface.ifname, e)
            return
        log.info("%s: BTM request %d: mode 0x%02x, %d candidates", iface.ifname, request.token,
                 request.mode, len(request.candidates))
        freq = event.freq or (conn.current_bss.freq if conn.current_bss is not None else 0)
        self.btm = (request, event.src, freq)
        freqs = btm.scan_freqs(request)
        for f in freqs:
            if f not in self.extra_freqs:
                self.extra_freqs.append(f)
        if not freqs:
            freqs = self.known_freqs(conn.network)
        self.eloop.cancel_timeout(self._btm_answer)
        self.eloop.register_timeout(BTM_SCAN_TIMEOUT, self._btm_answer)
        iface.request_scan(ScanRequest(0, freqs, manual=True))

    def _btm_answer(self):
        from wispd.core import btm         # loaded by action_frame() already
        from wispd.rsn import wnm
        self.eloop.cancel_timeout(self._btm_answer)
        pending, self.btm = self.btm, None
        iface = self.iface
        conn = iface.connection
        if pending is None or conn is None or iface.wpa_state != S.COMPLETED:
            return
        request, ap, freq = pending
        entry = iface.bss.get(conn.current_bssid(), conn.network.ssid_bytes)
        signal = entry.signal if entry is not None else self.rssi
        answer = btm.decide(request, conn.current_bssid(), signal,
                            list(self.candidates(conn.network)))
        log.info("%s: BTM request %d: status %d (%s)", iface.ifname, request.token,
                 answer.status, answer.why)
        try:
            iface.driver.send_action(ap, freq, wnm.btm_response(
                request.token, answer.status, answer.bss.bssid if answer.accepted else None))
        except DriverError as e:
            log.warning("%s: BTM response not sent: %s", iface.ifname, e)
        if answer.accepted:
            self.roam_to(answer.bss, answer.plan, "btm")
