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

For the control layer (SCAN with its arguments, ABORT_SCAN, FLUSH, BSS_EXPIRE_*):
manual_scan(), abort(), clear() and, on the BSS table, set_expiration().
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
        self.queued = None        # the ScanRequest the timer holds
        self.resume = None        # the request a TYPE=ONLY scan displaced
        self.user_abort = False   # abort() asked the kernel to stop our scan
        self.discard = False      # clear() (FLUSH) came while our scan ran: keep none of it
        self.triggered = None     # when our scan in flight was triggered (eloop time)
        self.last_scan_id = 0     # use_id=1: the id of the last such SCAN

    def request(self, request):
        """Carry out a scanning.ScanRequest: a timer, then radio work."""
        if request.only and self.queued is not None and not self.queued.only \
                and self.eloop.is_timeout_registered(self._timer):
            # A scan that selects nothing must not cost the station its search.
            self.resume = self.queued
        self.eloop.cancel_timeout(self._timer)
        self.queued = request
        self.eloop.register_timeout(request.delay, self._timer, request)

    def cancel(self):
        self.eloop.cancel_timeout(self._timer)
        self.queued = self.resume = None

    def forget(self):
        """The radio work queue was emptied: no scan of ours is in flight."""
        self.work = None

    def pending(self):
        return self.radio.pending("scan") or self.eloop.is_timeout_registered(self._timer)

    # ------------------------------------------------------------------ control
    def manual_scan(self, freqs=None, only=False, passive=False, ssids=None, flush=False,
                    use_id=False):
        """SCAN [TYPE=ONLY] [freq=...] [passive=1] [ssid <hex>...] [only_new=1] [use_id=1].
        freqs: MHz list (None/[]: every channel); only: report the results and
        select nothing; passive: probe nothing; ssids: probe these SSIDs (bytes)
        only; flush: the kernel drops BSSes not seen by this scan; use_id: the
        ScanStarted/ScanResults of this scan carry a new id.
        Returns False (busy: a scan of ours is queued or running, or the
        interface is disabled), else the id (use_id) or True."""
        if self.states.state == S.INTERFACE_DISABLED or self.radio.pending("scan"):
            return False
        if self.queued is not None and self.queued.manual \
                and self.eloop.is_timeout_registered(self._timer):
            return False        # a SCAN accepted a moment ago has not started yet
        scan_id = None
        if use_id:
            self.last_scan_id += 1
            scan_id = self.last_scan_id
        self.request(self.scheduler.manual(freqs, only, passive, ssids, flush, scan_id))
        return scan_id if use_id else True

    def abort(self):
        """ABORT_SCAN: stop our scan in flight.  Its results so far are read and
        reported (ScanResults, as wpa_supplicant does after an abort) when the
        kernel confirms.  False when no scan of ours runs."""
        if self.work is None or self.plan is None or self.plan.cached:
            return False
        self.user_abort = True
        self.owner.driver.abort_scan()
        return True

    def clear(self):
        """FLUSH: abort our scan, drop the queued one, empty the BSS table (but
        the entry of the BSS we are linked to), BSS expiry back to its defaults,
        pacing afresh.  The aborted scan still ends with ScanResults, but what
        it saw is not put back into the table (as wpa_supplicant's FLUSH)."""
        if self.abort():
            self.discard = True
        self.cancel()
        self.bss.flush(0, self.eloop.now(), keep=self.owner.current_bssid())
        self.bss.reset_expiration()
        self.scheduler.rescan_count = 0
        self.scheduler.steps = None

    # ------------------------------------------------------------------ the scan
    def _timer(self, request):
        self.queued = None
        if not self.owner.scan_allowed() or self.radio.pending("scan"):
            return
        self.radio.add("scan", self._start, request)

    def _start(self, work):
        owner = self.owner
        networks = owner.config.networks
        usable = [n for n in networks if owner.available(n)]
        store = owner.state_store
        recent = store.recent_freqs(networks) if store is not None else []
        capa = owner.capa
        plan = self.scheduler.plan(work.data, usable, recent, capa.max_scan_ssids,
                                   supported=capa.freqs, partial=not capa.wext,
                                   now=self.eloop.now())
        if plan.cached:
            self._take_cache(work, plan)
            return
        log.debug("scan %r", plan)
        triggered = self.eloop.now()
        try:
            owner.driver.scan(ScanParams(ssids=plan.ssids, freqs=plan.freqs, flush=plan.flush))
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
        self.user_abort = self.discard = False
        self.triggered = triggered
        if self.states.state in (S.DISCONNECTED, S.INACTIVE):
            self.states.move(S.SCANNING)
        self.notify(nt.ScanStarted(plan.scan_id))
        owner.scan_in_flight()

    def _take_cache(self, work, plan):
        """The first step of a cold start: what the kernel saw lately (another
        process's scan, a restarted daemon), without a scan of our own."""
        try:
            results = self._fresh(self.owner.driver.get_scan_results(), plan)
        except DriverError as e:
            log.debug("no cached scan results: %s", e)
            results = []
        log.debug("cold start: %d BSSes in the kernel's cache seen within %.0f s",
                  len(results), plan.max_age)
        self.bss.update(results, None, self.eloop.now(), keep=self.owner.current_bssid())
        found = bool(results)
        del results
        work.done()
        if found:
            self.owner.scan_results(plan)
        else:
            self.request(self.scheduler.nothing_found(plan, self.eloop.now()))

    def _fresh(self, results, plan):
        results = self._filtered(results)
        if plan.max_age is None:
            return results
        limit = plan.max_age * 1000.0
        return [r for r in results if (r.age_ms or 0) <= limit]

    def _filtered(self, results):
        """filter_ssids=1: only BSSes of a configured SSID enter the table (as
        wpa_supplicant's nl80211 driver filters them), when any is configured."""
        config = self.owner.config
        if str(config.globals.get("filter_ssids", "0")).strip() != "1":
            return results
        wanted = {n.ssid_bytes for n in config.networks if n.ssid_bytes}
        if not wanted:
            return results
        return [r for r in results if _ssid_of(r.ies or r.beacon_ies) in wanted]

    def done(self, event):
        """The driver's ScanDone: ours, or somebody else's (iw, another
        process), whose fresh results are kept too."""
        if self.work is None:
            self.bss.update(self._filtered(self.owner.driver.get_scan_results()),
                            event.freqs or [],
                            self.eloop.now(), keep=self.owner.current_bssid())
            return
        self._finished(False)

    def aborted(self):
        if self.work is not None:
            # Aborted on request: a scan that ended early, results and all.
            self._finished(not self.user_abort)

    def _ignore_old(self):
        """ignore_old_scan_res=1: the kernel's entries from before our trigger
        are not news (wpa_supplicant: "older than our scan trigger")."""
        return str(self.owner.config.globals.get("ignore_old_scan_res", "0")).strip() == "1"

    def _finished(self, aborted):
        work, self.work = self.work, None
        plan = self.plan
        user_abort, self.user_abort = self.user_abort, False
        discard, self.discard = self.discard, False
        if aborted:
            self.notify(nt.ScanFailed(-1, 1))
        elif discard:
            self.notify(nt.ScanResults(plan.scan_id))
        else:
            results = self._fresh(self.owner.driver.get_scan_results(), plan)
            if self._ignore_old() and self.triggered is not None:
                since = (self.eloop.now() - self.triggered) * 1000.0
                results = [r for r in results if (r.age_ms or 0) <= since]
            # An aborted scan did not cover its channels: no entry missed it.
            self.bss.update(results, None if user_abort else plan.freqs, self.eloop.now(),
                            keep=self.owner.current_bssid(),
                            continues=bool(plan.step))
            del results
            self.notify(nt.ScanResults(plan.scan_id))
            if not user_abort:
                self.scheduler.scan_done(plan)
        work.done()
        if self.states.state == S.SCANNING:
            self.states.move(S.DISCONNECTED)
        if aborted:
            self.request(self.scheduler.scan_aborted(plan))
        elif plan.only:
            resume, self.resume = self.resume, None
            if resume is not None:
                self.request(resume)
        else:
            self.owner.scan_results(plan)


def _ssid_of(ies):
    """The SSID element's value (the first element, as APs send it), or None."""
    if len(ies) >= 2 and ies[0] == 0 and 2 + ies[1] <= len(ies):
        return bytes(ies[2:2 + ies[1]])
    return None
