"""The scan I/O of one interface: the scan timer, the radio work, the driver's
scan, and its results into the BSS table.

What to scan and when is the ScanScheduler's (scanning.py, pure); what the
results mean is the station's.  The owner (the station) provides, and this
module uses nothing else of it:
    driver, capa, config, state_store         the radio, its limits, the networks
    available(network)                         may this network be used now
    current_bssid()                            the BSS kept in the table while linked
    scan_allowed()                             False while the radio is off or blocked
    scan_results(plan)                         a scan of ours finished with results
"""

import logging

from wispd.core import notify as nt
from wispd.core import states as S
from wispd.drivers.ops import DriverBusy, DriverError, ScanParams

log = logging.getLogger("wispd.station")


class Scanner:
    def __init__(self, owner, eloop, radio, scheduler, bss, notify, states):
        self.owner = owner
        self.eloop = eloop
        self.radio = radio
        self.scheduler = scheduler
        self.bss = bss
        self.notify = notify
        self.states = states
        self.work = None          # our scan in flight (radio work)
        self.plan = None          # what it asked for

    def request(self, request):
        """Carry out a scanning.ScanRequest: a timer, then radio work."""
        self.eloop.cancel_timeout(self._timer)
        self.eloop.register_timeout(request.delay, self._timer, request)

    def cancel(self):
        self.eloop.cancel_timeout(self._timer)

    def forget(self):
        """The radio work queue was emptied: no scan of ours is in flight."""
        self.work = None

    def pending(self):
        return self.radio.pending("scan") or self.eloop.is_timeout_registered(self._timer)

    def _timer(self, request):
        if not self.owner.scan_allowed() or self.radio.pending("scan"):
            return
        self.radio.add("scan", self._start, request)

    def _start(self, work):
        owner = self.owner
        networks = owner.config.networks
        usable = [n for n in networks if owner.available(n)]
        store = owner.state_store
        recent = store.recent_freqs(networks) if store is not None else []
        plan = self.scheduler.plan(work.data, usable, recent, owner.capa.max_scan_ssids)
        try:
            owner.driver.scan(ScanParams(ssids=plan.ssids, freqs=plan.freqs))
        except DriverBusy:
            log.debug("scan busy, retrying")
            work.done()
            self.request(self.scheduler.scan_busy(plan))
            return
        except DriverError as e:
            log.warning("scan failed: %s", e)
            work.done()
            self.request(self.scheduler.scan_failed(plan))
            return
        self.work = work
        self.plan = plan
        if self.states.state in (S.DISCONNECTED, S.INACTIVE):
            self.states.move(S.SCANNING)
        self.notify(nt.ScanStarted())

    def done(self, event):
        """The driver's ScanDone: ours, or somebody else's (iw, another
        process), whose fresh results are kept too."""
        if self.work is None:
            self.bss.update(self.owner.driver.get_scan_results(), event.freqs or [],
                            self.eloop.now(), keep=self.owner.current_bssid())
            return
        self._finished(False)

    def aborted(self):
        if self.work is not None:
            self._finished(True)

    def _finished(self, aborted):
        work, self.work = self.work, None
        plan = self.plan
        if aborted:
            self.notify(nt.ScanFailed(-1, 1))
        else:
            results = self.owner.driver.get_scan_results()
            self.bss.update(results, plan.freqs, self.eloop.now(),
                            keep=self.owner.current_bssid())
            self.notify(nt.ScanResults())
            self.scheduler.scan_done(plan)
        work.done()
        if self.states.state == S.SCANNING:
            self.states.move(S.DISCONNECTED)
        if aborted:
            self.request(self.scheduler.scan_aborted(plan))
        else:
            self.owner.scan_results(plan)
