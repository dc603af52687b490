"""Scanning over nl80211: TRIGGER_SCAN, the scan events, GET_SCAN.

Two kinds of scan share the radio.  The core's own (`scan()`), which it hears
about as ScanStarted / ScanDone / ScanAborted, and the connection's one-channel
rescan (`rescan()`) after cfg80211 forgot the BSS it is about to join, which
stays inside the driver: its result goes to a callback, not to the core.

A scan's completion event can be lost (an overrun of the event socket, or a
kernel that never sends it).  The core's radio work must not wait forever, so
after SCAN_TIMEOUT, or when the driver resyncs after lost events, a running scan
of the core's is reported done with whatever the kernel holds.

GET_SCAN is read one message at a time (`results`): each dump entry becomes a
ScanResult as it arrives, so the raw messages of a 60-BSS dump are never all
held at once, and what stays is the IEs as bytes plus a few numbers.  The age
of an entry comes from NL80211_BSS_LAST_SEEN_BOOTTIME when the kernel gives it
(SEEN_MS_AGO otherwise): the cold-start plan takes cached entries by it.
"""

import errno
import logging
import struct
import time

from wispd.drivers import events as ev
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.ops import DriverBusy, DriverError
from wispd.platform.netlink import NLM_F_ACK, NLM_F_DUMP, NetlinkError

log = logging.getLogger("wispd.nl80211")

# wpa_supplicant waits 30 s for a scan's end too.
SCAN_TIMEOUT = 30.0

ATTR_SCAN_FLAGS = 158           # NL80211_ATTR_SCAN_FLAGS (u32)
SCAN_FLAG_FLUSH = 1 << 1        # NL80211_SCAN_FLAG_FLUSH: drop BSSes older than this scan
BSS_LAST_SEEN_BOOTTIME = 15     # NL80211_BSS_LAST_SEEN_BOOTTIME (u64, ns, CLOCK_BOOTTIME)


def scan_result(raw):
    """One GET_SCAN dump message (bytes) -> ScanResult, or None."""
    msg = m.decode(raw)
    res = m.parse_bss(msg)
    if res is None:
        return None
    seen = msg.nested(m.A_BSS).int(BSS_LAST_SEEN_BOOTTIME, "u64")
    if seen:
        now = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
        res.age_ms = max(0, (now - seen) // 1000000)
    if res.beacon_ies == res.ies:
        res.beacon_ies = res.ies        # one copy, not two (mostly they are the same)
    return res


class _WithAttr:
    """A request message with one attribute the message map lacks, appended
    after pyroute2 encoded the rest (NetlinkSocket.send calls encode())."""

    def __init__(self, msg, attr_type, payload):
        self.msg = msg
        self.extra = struct.pack("=HH", 4 + len(payload), attr_type) + payload
        self.data = None

    def __getitem__(self, key):
        return self.msg[key]

    def encode(self):
        self.msg.encode()
        data = bytearray(self.msg.data) + self.extra
        struct.pack_into("=I", data, 0, len(data))
        self.data = bytes(data)


class Scanner:
    """The scans of one Nl80211Driver (which owns the sockets and the eloop)."""

    def __init__(self, driver):
        self.driver = driver
        self.running = False         # a scan of the core's runs (for a timeout or a resync)
        self.rescan_done = None      # the connection's rescan runs: its callback(ok)

    def scan(self, params):
        self.trigger(params.ssids, params.freqs, params.flush)
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

    def trigger(self, ssids, freqs, flush=False):
        """ssids: the SSIDs to probe (b"" the wildcard); none at all: a
        passive scan.  flush: NL80211_SCAN_FLAG_FLUSH."""
        ssids = list(ssids)
        limit = self.driver.capa.max_scan_ssids
        if limit and len(ssids) > limit:
            ssids = ssids[:limit]
        attrs = []
        if ssids:
            attrs.append(("SCAN_SSIDS", [bytes(s) for s in ssids]))
        if freqs:
            attrs.append(("SCAN_FREQUENCIES", [int(f) for f in freqs]))
        if not flush:
            self.driver.request(m.CMD_TRIGGER_SCAN, attrs)
            return
        msg = _WithAttr(self.driver.message(m.CMD_TRIGGER_SCAN, attrs), ATTR_SCAN_FLAGS,
                        struct.pack("=I", SCAN_FLAG_FLUSH))
        try:
            self.driver.cmd.request(msg, self.driver.family, NLM_F_ACK)
        except NetlinkError as e:
            cls = DriverBusy if e.errno == errno.EBUSY else DriverError
            raise cls("nl80211 TRIGGER_SCAN: %s" % e.strerror, e.errno)

    def abort(self):
        self.driver.post(m.CMD_ABORT_SCAN, [], lambda error: None)

    def results(self):
        """The kernel's BSSes (GET_SCAN), each message turned into a
        ScanResult as it arrives (the cmd socket has no multicast groups: the
        dump's parts are the only messages it gets while we wait)."""
        cmd = self.driver.cmd
        family = self.driver.family
        saved = cmd.decode
        seen = [0]

        def decode(mtype, raw):
            if mtype != family:
                return saved(mtype, raw)
            seen[0] += 1
            return scan_result(raw)
        for _attempt in range(3):
            seen[0] = 0
            cmd.decode = decode
            try:
                results = self.driver.request(m.CMD_GET_SCAN, [], NLM_F_DUMP)
            finally:
                cmd.decode = saved
            # Entries but no BSS in them: the dump was interrupted; ask again.
            if results or not seen[0]:
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
