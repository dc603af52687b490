"""Background scanning while connected: wpa_supplicant's bgscan "simple".

`bgscan="simple:<short>:<threshold>:<long>"`: below <threshold> dBm (the
connection-quality monitor says so) scan every <short> seconds, looking for a
better BSS of the network; above it every <long> seconds, or never when <long>
is 0.  The signal is not polled: the kernel's CQM events move this between its
two paces, so a link with a good signal costs one timer per <long> seconds and
nothing else (issue 17: 0 wake-ups while idle).

The pacing is the only thing here; what a scan asks for (the network's known
channels first) and what its results mean (the roam decision) are the link
monitor's (core/linkmonitor.py) and core/roam.py's.
"""

import logging

log = logging.getLogger("wispd.station")

DEFAULT_SHORT = 30        # seconds, wpa_supplicant's default
DEFAULT_LONG = 300


class BgscanParams:
    __slots__ = ("short", "threshold", "long")

    def __init__(self, short=DEFAULT_SHORT, threshold=0, long=DEFAULT_LONG):
        self.short = short
        self.threshold = threshold    # dBm; 0: no threshold (always the short pace)
        self.long = long              # 0: never above the threshold

    def __repr__(self):
        return "BgscanParams(simple:%d:%d:%d)" % (self.short, self.threshold, self.long)

    def __eq__(self, other):
        return isinstance(other, BgscanParams) and (
            (self.short, self.threshold, self.long) == (other.short, other.threshold, other.long))


def parse(text):
    """BgscanParams from a bgscan string; None when it is unset or empty.
    ValueError for another module or malformed numbers (config/fields.py
    refuses those already; this guards values set by other paths)."""
    if not text:
        return None
    parts = text.split(":")
    if parts[0] != "simple":
        raise ValueError("unsupported bgscan module %r" % parts[0])
    if len(parts) > 4:
        raise ValueError("too many bgscan parameters in %r" % text)
    try:
        nums = [int(p) for p in parts[1:]]
    except ValueError:
        raise ValueError("invalid bgscan parameters in %r" % text) from None
    p = BgscanParams()
    if len(nums) > 0:
        p.short = nums[0]
    if len(nums) > 1:
        p.threshold = nums[1]
    if len(nums) > 2:
        p.long = nums[2]
    if p.short <= 0 or p.long < 0 or p.threshold > 0:
        raise ValueError("bgscan %r: short must be > 0, long >= 0, threshold <= 0" % text)
    return p


class BackgroundScan:
    """The pace of one connection's background scans.  scan() is called when a
    scan is due (the link monitor decides its channels)."""

    def __init__(self, eloop, params, scan):
        self.eloop = eloop
        self.params = params
        self.scan = scan
        self.low = False
        self.last_scan = None

    def start(self):
        """Connected: no threshold means the short pace; with one, the signal is
        taken as good until the kernel says otherwise."""
        self.low = not self.params.threshold
        self._schedule()

    def stop(self):
        self.eloop.cancel_timeout(self._due)

    def interval(self):
        return self.params.short if self.low else self.params.long

    def signal(self, low):
        """The connection-quality monitor crossed the threshold."""
        if low == self.low:
            return
        self.low = low
        now = self.eloop.now()
        if low and (self.last_scan is None or now - self.last_scan >= self.params.short):
            # Just fell below: look now rather than a whole <short> later.
            self.stop()
            self._due()
            return
        self._schedule()

    def scanned(self):
        """Another scan's results came in (ours or not): the pace counts from now."""
        self.last_scan = self.eloop.now()
        self._schedule()

    def _schedule(self):
        self.stop()
        interval = self.interval()
        if interval > 0:
            self.eloop.register_timeout(interval, self._due)

    def _due(self):
        self.last_scan = self.eloop.now()
        log.debug("bgscan: scan (%s signal)", "low" if self.low else "good")
        self.scan()
        self._schedule()
