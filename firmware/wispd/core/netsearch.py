"""Looking for a network while not connected: the scans and the choice.

The glue between the pure scan policy (scanning.ScanScheduler: when, which
channels), the scan I/O (scanner.Scanner: timer, radio work, results into the
BSS table) and the pure choice (selection.select: which network and BSS).  The
station (core/station.py) decides *that* it must look (start, after a failure,
after a loss, a RECONNECT); this module carries it out and hands the candidate
back through station.connect().  Split off the station so that each reads on
its own: this one is the search, the station is policy and event dispatch.
"""

from wispd.core import notify as nt
from wispd.core import security
from wispd.core import selection
from wispd.core import states as S
from wispd.core.scanner import Scanner
from wispd.core.scanning import ScanScheduler


class NetworkSearch:
    def __init__(self, iface, eloop, radio, bss, notify, states):
        """iface: the station (Scanner's owner, and connect() for the candidate)."""
        self.iface = iface
        self.eloop = eloop
        self.bss = bss
        self.notify = notify
        self.states = states
        self.scheduler = ScanScheduler()
        self.scanner = Scanner(iface, eloop, radio, self.scheduler, bss, notify, states)

    # ------------------------------------------------------------------ when to scan
    def request(self, request):
        self.scanner.request(request)

    def pending(self):
        return self.scanner.pending()

    def start(self):
        """The interface came up: the cold-start search."""
        self.request(self.scheduler.start())

    def restart(self):
        """Back from a pause (RECONNECT, re-enabled radio, new networks): from the start."""
        self.request(self.scheduler.restart())

    def soon(self):
        """An attempt failed or the network was left: look again shortly."""
        self.request(self.scheduler.soon())

    def after_loss(self):
        """The link went down: the AP we lost is probably still on its channel."""
        self.request(self.scheduler.link_lost())

    def scan_in_flight(self):
        """A scan of ours was triggered: until its results the CPU is free, so
        a PSK the coming handshake needs is derived now (security.prepare_psk)."""
        iface = self.iface
        if iface.wpa_state == S.SCANNING and not iface.disconnected_by_user:
            security.prepare_psk([n for n in iface.config.networks if iface.available(n)])

    # ------------------------------------------------------------------ results
    def scan_results(self, plan):
        """A scan of ours finished (Scanner): look for a network if idle; while
        connected the link monitor reads them (roaming)."""
        iface = self.iface
        if iface.wpa_state in (S.DISCONNECTED, S.INACTIVE) and not iface.disconnected_by_user:
            self.select_and_connect(plan)
        elif iface.wpa_state == S.COMPLETED:
            iface.link.scan_results()

    def select_and_connect(self, plan=None):
        iface = self.iface
        networks = iface.config.networks
        health = iface.health
        cand = selection.select(networks, self.bss.fresh(), iface.available, health.ignored(),
                                iface.capa, iface.refusals, iface.config.pmf)
        if cand is None:
            if not any(not n.disabled for n in networks):
                self.states.move(S.INACTIVE)
                return
            if plan is None or not plan.cached:     # the kernel's cache is no scan
                self.notify(nt.NetworkNotFound())
            has_usable = any(iface.available(n) for n in networks)
            self.request(self.scheduler.nothing_found(plan, self.eloop.now(),
                                                      health.reenable_times(), has_usable))
            return
        more = self.scheduler.keep_looking(plan, cand, networks, iface.available,
                                           health.ignored())
        if more is not None:        # a later step of the cold-start search may do better
            return self.request(more)
        self.scheduler.candidate_found()
        iface.connect(cand.network, cand.bss, cand.plan)
