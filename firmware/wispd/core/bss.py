"""The BSS table: every access point seen in recent scans.

Entries are created and refreshed from driver ScanResults and age out the way
wpa_supplicant's do: an entry that was not seen for `expiration_age` seconds, or
that was missing from `expiration_scan_count` scans that covered its frequency,
is removed, unless it is the BSS we are connected to.  Without that, an AP that
vanished would stay a candidate forever.
"""

import logging
import time

from wispd.core import elements as ies

log = logging.getLogger("wispd.bss")

EXPIRATION_AGE = 180.0
EXPIRATION_SCAN_COUNT = 2

CAP_ESS = 0x0001
CAP_IBSS = 0x0002
CAP_PRIVACY = 0x0010


def is_hidden(ssid):
    """A hidden AP beacons an empty SSID, or one of NUL bytes of the real length."""
    return not ssid.strip(b"\0")


def mac_txt(addr):
    return ":".join("%02x" % b for b in addr)


class Bss:
    __slots__ = ("id", "bssid", "freq", "ssid", "signal", "noise", "qual", "caps",
                 "beacon_int", "tsf", "ies", "beacon_ies", "last_update", "missed",
                 "update_idx", "_parsed", "seen_in_scan")

    def __init__(self, bss_id, result, now, parsed=None):
        self.id = bss_id
        self.seen_in_scan = 0
        self.bssid = result.bssid
        self.update_idx = 0
        self.missed = 0
        self.update(result, now, parsed)

    def update(self, result, now, parsed=None):
        """parsed: ies.parse of the result's IEs if the caller has it already."""
        self.freq = result.freq
        self.signal = result.signal
        self.noise = result.noise
        self.qual = result.qual
        self.caps = result.caps
        self.beacon_int = result.beacon_int
        self.tsf = result.tsf
        self.last_update = now - (result.age_ms or 0) / 1000.0
        self.missed = 0
        self.update_idx += 1
        new_ies = result.ies or result.beacon_ies
        if parsed is None:
            parsed = ies.parse(new_ies)
        if is_hidden(parsed.ssid) and getattr(self, "ssid", b"") and not is_hidden(self.ssid):
            # A hidden AP's beacon says nothing about its name; what its probe
            # response told us stays true (cfg80211 lists both separately).
            self.beacon_ies = result.beacon_ies or new_ies
            return
        self.ies = new_ies
        self.beacon_ies = result.beacon_ies
        self._parsed = parsed
        self.ssid = parsed.ssid

    @property
    def elements(self):
        """The decoded IEs (ies.Elements), parsed once per update."""
        if self._parsed is None:
            self._parsed = ies.parse(self.ies)
        return self._parsed

    def age(self):
        """Seconds since this BSS was last seen."""
        return max(0.0, time.monotonic() - self.last_update)

    @property
    def bssid_txt(self):
        return mac_txt(self.bssid)

    @property
    def privacy(self):
        return bool(self.caps & CAP_PRIVACY)

    def flags(self):
        """wpa_supplicant's flags column: [WPA2-PSK-CCMP][ESS] and friends."""
        return ies.flags_text(self.elements, self.caps)

    def __repr__(self):
        return "Bss(%d, %s, %r, %d MHz, %d dBm)" % (
            self.id, self.bssid_txt, self.ssid, self.freq, self.signal)


class BssTable:
    def __init__(self, on_added=None, on_removed=None):
        self.by_bssid = {}      # bssid bytes -> Bss; SSID changes keep the entry
        self.next_id = 0
        self.scan_count = 0
        self.on_added = on_added
        self.on_removed = on_removed

    def fresh(self):
        """The BSSes the latest scan saw: the only ones worth joining.  An entry
        kept for aging may describe an AP that is gone or has changed (a
        restarted AP with other security), as wpa_supplicant also only selects
        from the last scan's results."""
        return [b for b in self if b.seen_in_scan == self.scan_count]

    def __len__(self):
        return len(self.by_bssid)

    def __iter__(self):
        return iter(sorted(self.by_bssid.values(), key=lambda b: b.id))

    def get(self, bssid):
        return self.by_bssid.get(bssid)

    def get_id(self, bss_id):
        for bss in self.by_bssid.values():
            if bss.id == bss_id:
                return bss
        return None

    def update(self, results, scanned_freqs, now, keep=None):
        """Merge one scan's results; age out entries the scan should have seen.
        scanned_freqs empty means every channel was scanned."""
        seen = set()
        self.scan_count += 1
        for result in results:
            parsed = ies.parse(result.ies or result.beacon_ies)     # once, kept by the Bss
            if not parsed.ssid_ok:
                log.debug("BSS %s: no SSID element of at most 32 octets, ignored",
                          mac_txt(result.bssid))
                continue
            seen.add(result.bssid)
            bss = self.by_bssid.get(result.bssid)
            if bss is None:
                bss = Bss(self.next_id, result, now, parsed)
                self.next_id += 1
                self.by_bssid[result.bssid] = bss
                if self.on_added:
                    self.on_added(bss)
            else:
                bss.update(result, now, parsed)
            bss.seen_in_scan = self.scan_count
        covered = set(scanned_freqs)
        for bss in list(self.by_bssid.values()):
            if bss.bssid in seen:
                continue
            if not covered or bss.freq in covered:
                bss.missed += 1
        self.expire(now, keep)

    def expire(self, now, keep=None):
        for bss in list(self.by_bssid.values()):
            if bss.bssid == keep:
                continue
            if bss.missed >= EXPIRATION_SCAN_COUNT or now - bss.last_update > EXPIRATION_AGE:
                self.remove(bss)

    def remove(self, bss):
        if self.by_bssid.pop(bss.bssid, None) is not None and self.on_removed:
            self.on_removed(bss)

    def flush(self, max_age=0, now=0.0, keep=None):
        """BSS_FLUSH: drop entries older than max_age seconds (0: all)."""
        for bss in list(self.by_bssid.values()):
            if bss.bssid != keep and (max_age == 0 or now - bss.last_update > max_age):
                self.remove(bss)
