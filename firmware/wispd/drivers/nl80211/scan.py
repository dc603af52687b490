"""Scanning over nl80211: TRIGGER_SCAN, the scan events, GET_SCAN.

Two kinds of scan share the radio.  The core's own (`scan()`), which it hears
about as ScanStarted / ScanDone / ScanAborted, and the connection's one-channel
rescan (`rescan()`) after cfg80211 forgot the BSS it is about to join, which
stays inside the driver: its result goes to a callback, not to the core.

A scan's completion event can be lost (an overrun of the event socket, or a
kernel that never sends it).  The core's radio work must not wait forever, so
after SCAN_TIMEOUT, or when the driver resyncs after lost events, a running scan
of the core's is reported done with whatever the kernel holds.
"""

import logging

from wispd.drivers import events as ev
from wispd.drivers.nl80211 import msgs as m
from wispd.platform.netlink import NLM_F_DUMP, release_messages

log = logging.getLogger("wispd.nl80211")

# wpa_supplicant waits 30 s for a scan's end too.
SCAN_TIMEOUT = 30.0


class Scanner:
    """The scans of one Nl80211Driver (which owns the sockets and the eloop)."""

    def __init__(self, driver):
        self.driver = driver
        self.running = False         # a scan of the core's runs (for a timeout or a resync)
        self.rescan_done = None      # the connection's rescan runs: its callback(ok)

    def scan(self, params):
        self.trigger(params.ssids, params.freqs)
        self.running = True
        # The kernel took a new scan, so no rescan runs any more (its end was lost).
        self.rescan_done = None
        eloop = self.driver.eloop
        eloop.cancel_timeout(self.timed_out)
        eloop.register_timeout(SCAN_TIMEOUT, self.timed_out)

    def rescan(self, ssid, freq, on_done):
        """Scan one channel for one SSID without telling the core; on_done(ok)
        when it ends (ok False: aborted).  DriverBusy / DriverError as scan()."""
        self.trigger([ssid], [freq])
        self.rescan_done = on_done

    def trigger(self, ssids, freqs):
        ssids = list(ssids) or [b""]
        limit = self.driver.capa.max_scan_ssids
        if limit and len(ssids) > limit:
            ssids = ssids[:limit]
        attrs = [("SCAN_SSIDS", [bytes(s) for s in ssids])]
        if freqs:
            attrs.append(("SCAN_FREQUENCIES", [int(f) for f in freqs]))
        self.driver.request(m.CMD_TRIGGER_SCAN, attrs)

    def abort(self):
        self.driver.post(m.CMD_ABORT_SCAN, [], lambda error: None)

    def results(self):
        for _attempt in range(3):
            parts = self.driver.request(m.CMD_GET_SCAN, [], NLM_F_DUMP)
            results = [r for r in map(m.parse_bss, parts) if r is not None]
            got_parts = bool(parts)
            del parts
            release_messages()
            # Entries but no BSS in them: the dump was interrupted; ask again.
            if results or not got_parts:
                return results
        return results

    def forget(self):
        """No scan of the core's runs any more (it ended, or the interface went)."""
        self.running = False
        self.driver.eloop.cancel_timeout(self.timed_out)

    def timed_out(self):
        if self.running:
            log.warning("%s: no scan completion event in %.0f s; reading the results anyway",
                        self.driver.ifname, SCAN_TIMEOUT)
            self.done_without_event()

    def done_without_event(self):
        """Our scan's end event is lost or late: what the kernel holds now is
        the best answer (a NEW_SCAN_RESULTS that still comes is harmless)."""
        self.forget()
        self.driver.emit(ev.ScanDone(freqs=[]))

    # ------------------------------------------------------------------ events
    def on_trigger(self, msg, a):
        if self.rescan_done is None:
            self.driver.emit(ev.ScanStarted())

    def on_results(self, msg, a):
        if self._rescan_ended(True):
            return
        self.forget()
        self.driver.emit(ev.ScanDone(freqs=list(a.get("SCAN_FREQUENCIES") or [])))

    def on_aborted(self, msg, a):
        if self._rescan_ended(False):
            return
        self.forget()
        self.driver.emit(ev.ScanAborted())

    def _rescan_ended(self, ok):
        done, self.rescan_done = self.rescan_done, None
        if done is None:
            return False
        done(ok)
        return True
