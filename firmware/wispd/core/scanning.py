"""Scan scheduling: when to scan next, and which channels and SSIDs to ask for.

The station decides *that* it must look for a network; this module decides *when*
and *what*: the rescan pacing, the cold-start scan plan, fast reconnect on
recently used channels against full scans, `scan_freq`, and the hidden SSIDs
probed by name.  It is data and pure decisions, with no eloop, driver or clock
(the station passes `now` in), so the whole policy reads in one place and is
tested with a fake clock in milliseconds.

The station carries out two kinds of answer: a ScanRequest ("scan after `delay`
seconds": a timer) and, when the radio work starts, a ScanPlan (what one driver
scan asks for).  It hands every plan back (scan_done, nothing_found, keep_looking,
scan_busy, ...), so the order of scans is this module's business alone.

A cold start (docs/scan-plan.md) is a search in steps: the kernel's own cached
BSSes (no trigger; only entries seen within CACHE_FRESH seconds), the remembered
frequencies, the common 2.4 GHz channels, the common 5 GHz channels, then the
rest of what the radio may use.  After each step the station selects; it
connects as soon as no later step could bring a network of higher priority
(keep_looking), else the next step starts at once.
"""

from wispd.core import selection

# Rescan pacing while nothing matches: fast at first (an AP that restarts is
# usually back within seconds), then backing off to spare power and airtime.
RESCAN_DELAYS = (0.1, 1, 2, 3, 5, 5, 10)
RESCAN_CAP = 10.0
# With recent frequencies known, every third rescan still covers every channel.
FULL_SCAN_EVERY = 3
# A temporarily disabled network is tried just after its time is up.
REENABLE_MARGIN = 0.01
AFTER_LOSS = 0.1          # the lost AP's channel, at once
# After a loss the AP is most likely restarting on its channel (a reboot, a
# config reload): for the first LOSS_FAST_SCANS rescans only the recent channels
# are scanned, every LOSS_PACE seconds (~8 s in all).  A full scan in that window
# (several seconds with passive 5 GHz channels) would be deaf to the AP's return
# for its whole length; the bench's "reconnect" row measured 5.2 s against
# wpa_supplicant's 1.5 s with it.  Then the usual pacing, full scans included.
LOSS_FAST_SCANS = 16
LOSS_PACE = 0.5
SOON = 0.1                # after a failed attempt: look again
BUSY_RETRY = 1.0          # the radio was busy (another scan): the same plan again
FAILED_RETRY = 5.0        # the driver refused the scan
ABORTED_RETRY = 1.0       # the kernel aborted our scan


# The cold-start plan.  Where networks usually are: 2.4 GHz 1/6/11, and the
# 5 GHz UNII-1 (36-48) and UNII-3 (149-161) channels most home and office APs
# pick.  Split by band, so that an AP on 2.4 GHz is joined before the (often
# passive, so slow) 5 GHz channels are visited.
COMMON_24 = (2412, 2437, 2462)
COMMON_5 = (5180, 5200, 5220, 5240, 5745, 5765, 5785, 5805)
# A kernel cache entry seen this recently is taken at start without a scan.
CACHE_FRESH = 5.0
CACHED = "cached"          # a step that reads the kernel's cache instead of scanning


class ScanRequest:
    """Scan after `delay` seconds.  freqs None: the scheduler chooses when the
    scan starts (recent channels or all); [] every channel; else those channels.
    manual: a SCAN command (every channel unless freqs); fast: a partial step
    (kept when a busy radio makes a plan be retried); step: the position in a
    cold-start search (None: not one).  The SCAN command's options: only (report
    the results, select nothing: TYPE=ONLY), passive (probe nothing), ssids (probe
    these SSIDs only), flush (the kernel drops older BSSes: only_new=1), scan_id
    (carried by ScanStarted/ScanResults: use_id=1); exact: scan `freqs` as
    given, not widened by the networks' scan_freq (SCAN freq=...)."""
    __slots__ = ("delay", "freqs", "manual", "fast", "step", "only", "passive", "ssids",
                 "flush", "scan_id", "exact")

    def __init__(self, delay, freqs=None, manual=False, fast=False, step=None, only=False,
                 passive=False, ssids=None, flush=False, scan_id=None, exact=False):
        self.delay = delay
        self.freqs = freqs
        self.manual = manual
        self.fast = fast
        self.step = step
        self.only = only
        self.passive = passive
        self.ssids = ssids
        self.flush = flush
        self.scan_id = scan_id
        self.exact = exact

    def __repr__(self):
        extra = "".join(", %s=%r" % (n, getattr(self, n)) for n in self.__slots__[2:]
                        if getattr(self, n) not in (None, False))
        return "ScanRequest(%r, freqs=%r%s)" % (self.delay, self.freqs, extra)


class ScanPlan:
    """What one scan trigger asks the driver for.  freqs: [] means every channel;
    ssids: b"" (wildcard) first, then hidden SSIDs by name ([]: passive); fast:
    not every channel, so finding nothing there is not the last word; step: the
    position in a cold-start search (None: not one); cached: read the kernel's
    cache, trigger nothing; max_age: ignore results seen longer ago (seconds,
    None: take all); last: no step follows."""
    __slots__ = ("freqs", "ssids", "manual", "fast", "step", "cached", "max_age", "last",
                 "only", "flush", "scan_id", "exact")

    def __init__(self, freqs, ssids, manual=False, fast=False, step=None, cached=False,
                 max_age=None, last=True, only=False, flush=False, scan_id=None):
        self.freqs = freqs
        self.ssids = ssids
        self.manual = manual
        self.fast = fast
        self.step = step
        self.cached = cached
        self.max_age = max_age
        self.last = last
        self.only = only
        self.flush = flush
        self.scan_id = scan_id
        self.exact = False

    def __repr__(self):
        extra = "".join(", %s=%r" % (n, getattr(self, n)) for n in self.__slots__[2:]
                        if getattr(self, n) not in (None, False))
        return "ScanPlan(freqs=%r, ssids=%r%s)" % (self.freqs, self.ssids, extra)


def cold_steps(recent, supported, partial=True, allowed=None):
    """The cold-start search: [CACHED, freqs, ...], each list of frequencies
    scanned once, in order; the last one covers what is left ([]: every
    channel at once).  supported: the radio's usable channels (() unknown: the
    steps that need the list are left out); partial: the driver scans a list
    of channels as asked (wext may scan everything each time: then only the
    recent channels and one full scan); allowed: the only channels a candidate
    can be on (every usable network has a freq_list), or None."""
    usable = set(supported)
    steps = [CACHED]
    seen = set()

    def add(freqs):
        step = [f for f in freqs if f not in seen and (not usable or f in usable)
                and (allowed is None or f in allowed)]
        if step:
            steps.append(step)
            seen.update(step)
    add(recent)
    if not usable or not partial:
        if allowed is not None:
            add(sorted(allowed))
        else:
            steps.append([])
        return steps
    add(COMMON_24)
    add(COMMON_5)
    add(sorted(usable))
    return steps


def allowed_freqs(networks):
    """The union of the networks' freq_list when every one has one, else None."""
    if not networks or not all(net.freq_list for net in networks):
        return None
    return {f for net in networks for f in net.freq_list}


def rescan_delay(count, now, disabled_until=(), has_usable=True):
    """Seconds before rescan number `count` (0 = the first) of a search that
    found nothing: the pacing, shortened to the moment a temporarily disabled
    network comes back (waited for even past the pacing when nothing else is
    usable), never more than RESCAN_CAP."""
    delay = RESCAN_DELAYS[min(count, len(RESCAN_DELAYS) - 1)]
    soonest = [until - now for until in disabled_until if until > now]
    if soonest:
        delay = min(delay if has_usable else RESCAN_CAP, min(soonest) + REENABLE_MARGIN)
    return min(delay, RESCAN_CAP)


def scan_freq_union(networks):
    """The channels named by scan_freq when every network names some, else []
    (scanning other channels would then be wasted time, as in wpa_supplicant)."""
    out = []
    if networks and all(net.scan_freq for net in networks):
        for net in networks:
            for f in net.scan_freq:
                if f not in out:
                    out.append(f)
    return out


class ScanScheduler:
    """The scan policy of one interface: rescan pacing and the full-scan order.

    rescan_count: rescans since the search began (selects the pacing step, and
    every FULL_SCAN_EVERY-th one ignores recent frequencies).  need_full_scan:
    no full scan has completed since start-up, so a fast scan that finds nothing
    is followed at once by a full one (the AP may have moved).  After a loss the
    AP is most likely restarting on its channel: that channel keeps being scanned
    and only every third rescan is a full one.  steps/started: the cold-start
    search under way (cold_steps) and when it began.
    """
    __slots__ = ("rescan_count", "need_full_scan", "steps", "started", "loss_scans")

    def __init__(self):
        self.rescan_count = 0
        self.need_full_scan = True
        self.steps = None
        self.started = None
        self.loss_scans = 0

    def __repr__(self):
        return "ScanScheduler(rescan_count=%d, need_full_scan=%s)" % (
            self.rescan_count, self.need_full_scan)

    # -------------------------------------------------------------- moments
    def start(self):
        """Interface.start: the cold-start search (docs/scan-plan.md), now."""
        self.rescan_count = 0
        self.need_full_scan = True
        self.loss_scans = 0
        return ScanRequest(0, step=0)

    def restart(self):
        """RECONNECT, networks changed, interface enabled again: scan now, pacing afresh."""
        self.rescan_count = 0
        self.loss_scans = 0
        return ScanRequest(0)

    def link_lost(self):
        """Disconnected (not by the user): the AP's recent channel first, every third rescan full."""
        self.rescan_count = 0
        self.need_full_scan = False
        self.loss_scans = LOSS_FAST_SCANS
        return ScanRequest(AFTER_LOSS)

    def soon(self):
        """A connect attempt or handshake failed, or we left a network: scan again shortly."""
        return ScanRequest(SOON)

    def manual(self, freqs=None, only=False, passive=False, ssids=None, flush=False,
               scan_id=None):
        """SCAN command, beacon loss, low signal: every channel (or `freqs`) now;
        the SCAN command's options as ScanRequest has them."""
        return ScanRequest(0, list(freqs) if freqs else None, manual=True, only=only,
                           passive=passive, ssids=list(ssids) if ssids else None,
                           flush=flush, scan_id=scan_id, exact=bool(freqs))

    def candidate_found(self):
        """select_and_connect picked a network: the next search paces from the start.
        The window after a loss stays: the pick may be the lost AP's stale entry
        (the kernel keeps it a while), whose attempt then fails."""
        self.rescan_count = 0

    # -------------------------------------------------------------- one scan
    def plan(self, request, usable, recent_freqs, max_scan_ssids, supported=(), partial=True,
             now=0.0):
        """The radio work starts (the Scanner): the ScanPlan for the driver.
        usable: the networks available now; recent_freqs: the state store's
        recent frequencies of the configured networks ([] without a store);
        supported: the radio's channels (Capabilities.freqs, () unknown);
        partial: False when the driver cannot be trusted to scan only the
        channels asked for (wext)."""
        if request.step is not None:
            return self._step_plan(request, usable, recent_freqs, max_scan_ssids, supported,
                                   partial, now)
        manual, fast = request.manual, request.fast
        if request.freqs is not None:
            freqs = list(request.freqs)
        elif manual or (self.rescan_count % FULL_SCAN_EVERY == FULL_SCAN_EVERY - 1
                        and not (self.loss_scans and recent_freqs)):
            freqs = []
        else:
            freqs = list(recent_freqs)
            fast = bool(freqs)
        if not request.exact:
            for f in scan_freq_union(usable):
                if f not in freqs:
                    freqs.append(f)
        plan = ScanPlan(freqs, self._ssids(request, usable, max_scan_ssids), manual, fast,
                        only=request.only, flush=request.flush, scan_id=request.scan_id)
        plan.exact = request.exact
        return plan

    def _ssids(self, request, usable, max_scan_ssids):
        if request.passive:
            return []
        if request.ssids:
            return list(request.ssids)      # as wpa_supplicant: those SSIDs only
        return [b""] + selection.hidden_ssids(usable, max(0, max_scan_ssids - 1))

    def _step_plan(self, request, usable, recent, max_scan_ssids, supported, partial, now):
        step = request.step
        if step == 0 or self.steps is None:
            union = scan_freq_union(usable)
            if union:
                # Every network names its channels: those, in one scan.
                self.steps = [CACHED, union]
            else:
                self.steps = cold_steps(recent, supported, partial, allowed_freqs(usable))
            self.started = now
            step = 0
        step = min(step, len(self.steps) - 1)
        freqs = self.steps[step]
        last = step == len(self.steps) - 1
        ssids = self._ssids(request, usable, max_scan_ssids)
        if freqs is CACHED:
            return ScanPlan([], ssids, fast=True, step=step, cached=True, max_age=CACHE_FRESH,
                            last=last)
        # Kernel cache entries from before the search are not fresh.
        max_age = now - self.started + CACHE_FRESH
        return ScanPlan(list(freqs), ssids, fast=not last, step=step, max_age=max_age, last=last)

    def scan_done(self, plan):
        """The scan's results are in (_scan_finished, not aborted): a full scan clears need_full_scan."""
        if not plan.fast:
            self.need_full_scan = False
        if plan.step is not None and plan.last:
            self.steps = None

    def keep_looking(self, plan, cand, networks, available=None, ignored=()):
        """A step of the cold-start search found `cand` (selection.Candidate):
        the next step's ScanRequest if a later step could still bring a better
        one, else None (connect now).  Better means a usable network of higher
        priority that a remaining channel could show (its freq_list allowing),
        or any BSS other than a recently failed (`ignored`) one.  A stronger BSS
        of the same priority is not waited for: docs/scan-plan.md.  available(net):
        may the network be used now (None: all may)."""
        if plan is None or plan.step is None or plan.last or self.steps is None:
            return None
        rest = self.steps[plan.step + 1:]
        if cand.bss.bssid in ignored:
            return ScanRequest(0, step=plan.step + 1)
        usable = [n for n in networks if available is None or available(n)]
        everywhere = any(not freqs for freqs in rest)
        left = {f for freqs in rest for f in freqs}
        prio = cand.network.priority
        for net in usable:
            if net.priority > prio and (everywhere or not net.freq_list
                                        or left.intersection(net.freq_list)):
                return ScanRequest(0, step=plan.step + 1)
        self.steps = None
        return None

    def nothing_found(self, plan, now, disabled_until=(), has_usable=True):
        """select_and_connect found no candidate (some network enabled): the next ScanRequest.
        plan: the scan just finished (None: not after a scan); disabled_until:
        the networks' temporary-disable end times; has_usable: any network available now."""
        if plan is not None and plan.step is not None and not plan.last \
                and self.steps is not None:
            return ScanRequest(0, step=plan.step + 1)       # the search goes on at once
        if self.loss_scans and plan is not None and plan.fast and not plan.manual:
            # The window after a loss: the recent channels again, soon; the
            # pacing proper starts from its first step when the window ends.
            self.loss_scans -= 1
            return ScanRequest(LOSS_PACE)
        count = self.rescan_count
        self.rescan_count = count + 1
        if plan is not None and plan.fast and self.need_full_scan:
            return ScanRequest(0, [])
        return ScanRequest(rescan_delay(count, now, disabled_until, has_usable))

    def scan_busy(self, plan):
        """driver.scan raised DriverBusy: the same plan again in BUSY_RETRY seconds."""
        return ScanRequest(BUSY_RETRY, None if plan.step is not None else plan.freqs,
                           plan.manual, plan.fast, step=plan.step, only=plan.only,
                           passive=plan.ssids == [], flush=plan.flush, scan_id=plan.scan_id,
                           ssids=plan.ssids if plan.manual and b"" not in plan.ssids else None,
                           exact=plan.exact)

    def scan_failed(self, plan):
        """driver.scan raised DriverError: a fresh choice in FAILED_RETRY seconds.
        Within the cold-start search a refused step (EINVAL: its channels are
        no longer allowed, the regulatory domain changed) is skipped at once."""
        if plan.step is not None and not plan.last and self.steps is not None:
            return ScanRequest(0, step=plan.step + 1)
        if plan.step is not None:
            self.steps = None
            return ScanRequest(FAILED_RETRY, [])
        return ScanRequest(FAILED_RETRY, None, plan.manual)

    def scan_aborted(self, plan):
        """ScanAborted for our scan: an automatic scan in ABORTED_RETRY seconds."""
        self.steps = None
        return ScanRequest(ABORTED_RETRY)
