"""Scan scheduling: when to scan next, and which channels and SSIDs to ask for.

The station decides *that* it must look for a network; this module decides *when*
and *what*: the rescan pacing, fast reconnect on recently used channels against
full scans, `scan_freq`, and the hidden SSIDs probed by name.  It is data and pure
decisions, with no eloop, driver or clock (the station passes `now` in), so the
whole policy reads in one place and is tested with a fake clock in milliseconds.

The station carries out two kinds of answer: a ScanRequest ("scan after `delay`
seconds": a timer) and, when the radio work starts, a ScanPlan (what one driver
scan asks for).  It hands every plan back (scan_done, nothing_found, scan_busy,
...), so the order of scans is this module's business alone.  Today a search has
at most two steps: the recent channels, then, when they show nothing before any
full scan completed, every channel at once.  Issue 14's longer order (the kernel's
cached BSSes, recent channels, common channels, the rest) becomes more steps
here: ScanPlan gains a step index and nothing_found() returns the next step with
delay 0 while steps remain; the station does not change.
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
SOON = 0.1                # after a failed attempt: look again
BUSY_RETRY = 1.0          # the radio was busy (another scan): the same plan again
FAILED_RETRY = 5.0        # the driver refused the scan
ABORTED_RETRY = 1.0       # the kernel aborted our scan


class ScanRequest:
    """Scan after `delay` seconds.  freqs None: the scheduler chooses when the
    scan starts (recent channels or all); [] every channel; else those channels.
    manual: report results but force no connect.  fast: a partial step (kept
    when a busy radio makes a plan be retried)."""
    __slots__ = ("delay", "freqs", "manual", "fast")

    def __init__(self, delay, freqs=None, manual=False, fast=False):
        self.delay = delay
        self.freqs = freqs
        self.manual = manual
        self.fast = fast

    def __repr__(self):
        return "ScanRequest(%r, freqs=%r%s%s)" % (self.delay, self.freqs,
                                                  ", manual" if self.manual else "",
                                                  ", fast" if self.fast else "")


class ScanPlan:
    """What one scan trigger asks the driver for.  freqs: [] means every channel;
    ssids: b"" (wildcard) first, then hidden SSIDs by name; fast: only the recent
    channels, so finding nothing there is not the last word."""
    __slots__ = ("freqs", "ssids", "manual", "fast")

    def __init__(self, freqs, ssids, manual=False, fast=False):
        self.freqs = freqs
        self.ssids = ssids
        self.manual = manual
        self.fast = fast

    def __repr__(self):
        return "ScanPlan(freqs=%r, ssids=%r%s%s)" % (self.freqs, self.ssids,
                                                     ", manual" if self.manual else "",
                                                     ", fast" if self.fast else "")


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
    and only every third rescan is a full one.
    """
    __slots__ = ("rescan_count", "need_full_scan")

    def __init__(self):
        self.rescan_count = 0
        self.need_full_scan = True

    def __repr__(self):
        return "ScanScheduler(rescan_count=%d, need_full_scan=%s)" % (
            self.rescan_count, self.need_full_scan)

    # -------------------------------------------------------------- moments
    def start(self):
        """Interface.start: scan now, recent channels first, all at once if they show nothing."""
        self.rescan_count = 0
        self.need_full_scan = True
        return ScanRequest(0)

    def restart(self):
        """RECONNECT, networks changed, interface enabled again: scan now, pacing afresh."""
        self.rescan_count = 0
        return ScanRequest(0)

    def link_lost(self):
        """Disconnected (not by the user): the AP's recent channel first, every third rescan full."""
        self.rescan_count = 0
        self.need_full_scan = False
        return ScanRequest(AFTER_LOSS)

    def soon(self):
        """A connect attempt or handshake failed, or we left a network: scan again shortly."""
        return ScanRequest(SOON)

    def manual(self):
        """SCAN command, beacon loss, low signal: every channel now, no forced connect."""
        return ScanRequest(0, manual=True)

    def candidate_found(self):
        """select_and_connect picked a network: the next search paces from the start."""
        self.rescan_count = 0

    # -------------------------------------------------------------- one scan
    def plan(self, request, usable, recent_freqs, max_scan_ssids):
        """The radio work starts (_start_scan): the ScanPlan for the driver.
        usable: the networks available now; recent_freqs: the state store's
        recent frequencies of the configured networks ([] without a store)."""
        manual, fast = request.manual, request.fast
        if request.freqs is not None:
            freqs = list(request.freqs)
        elif manual or self.rescan_count % FULL_SCAN_EVERY == FULL_SCAN_EVERY - 1:
            freqs = []
        else:
            freqs = list(recent_freqs)
            fast = bool(freqs)
        for f in scan_freq_union(usable):
            if f not in freqs:
                freqs.append(f)
        ssids = [b""] + selection.hidden_ssids(usable, max(0, max_scan_ssids - 1))
        return ScanPlan(freqs, ssids, manual, fast)

    def scan_done(self, plan):
        """The scan's results are in (_scan_finished, not aborted): a full scan clears need_full_scan."""
        if not plan.fast:
            self.need_full_scan = False

    def nothing_found(self, plan, now, disabled_until=(), has_usable=True):
        """select_and_connect found no candidate (some network enabled): the next ScanRequest.
        plan: the scan just finished (None: not after a scan); disabled_until:
        the networks' temporary-disable end times; has_usable: any network available now."""
        count = self.rescan_count
        self.rescan_count = count + 1
        if plan is not None and plan.fast and self.need_full_scan:
            return ScanRequest(0, [])
        return ScanRequest(rescan_delay(count, now, disabled_until, has_usable))

    def scan_busy(self, plan):
        """driver.scan raised DriverBusy: the same plan again in BUSY_RETRY seconds."""
        return ScanRequest(BUSY_RETRY, plan.freqs, plan.manual, plan.fast)

    def scan_failed(self, plan):
        """driver.scan raised DriverError: a fresh choice in FAILED_RETRY seconds."""
        return ScanRequest(FAILED_RETRY, None, plan.manual)

    def scan_aborted(self, plan):
        """ScanAborted for our scan: an automatic scan in ABORTED_RETRY seconds."""
        return ScanRequest(ABORTED_RETRY)
