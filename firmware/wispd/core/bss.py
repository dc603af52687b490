"""The BSS table: every access point seen in recent scans.

Entries are created and refreshed from driver ScanResults and age out the way
wpa_supplicant's do: an entry that was not seen for `expiration_age` seconds, or
that was missing from `expiration_scan_count` scans that covered its frequency,
is removed, unless it is the BSS we are connected to.  Without that, an AP that
vanished would stay a candidate forever.

As in wpa_supplicant, an entry is one (BSSID, SSID): an AP that changes its
SSID, or cfg80211's cached entry with the old one, makes a second entry, and
each ages out on its own (one entry per BSSID would take the new name and keep
the old entry's age, or flip between the two names scan after scan).  A hidden
AP is the exception: its beacon (no name) and its probe response (the name) are
one entry, under the name.
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
                 "update_idx", "_parsed", "seen_in_scan", "_flags", "text")

    def __init__(self, bss_id, result, now, parsed=None):
        self.id = bss_id
        self.seen_in_scan = 0
        self.bssid = result.bssid
        self.ssid = b""
        self.last_update = None
        self.update_idx = 0
        self.missed = 0
        self._parsed = None
        self.ies = self.beacon_ies = b""
        self.freq = self.signal = self.caps = None
        self._flags = self.text = None
        self.update(result, now, parsed)

    @property
    def key(self):
        """Its key in the BssTable."""
        return self.bssid, self.ssid

    def _shown(self):
        # What the flags and the SCAN_RESULTS line are made of (_parsed is
        # the same object while the IEs stay the same, see BssTable.update).
        return self.freq, self.signal, self.caps, self._parsed, self.ssid

    def update(self, result, now, parsed=None):
        """Take in one sighting.  parsed: ies.parse of the result's IEs if the
        caller has it already."""
        shown = self._shown()
        self._take(result, now, parsed)
        if self._shown() != shown:
            # What was derived from the old sighting is stale: the flags, and
            # the control layer's text of this entry (its SCAN_RESULTS line,
            # rendered once per change there: formatting 65 lines per request
            # was most of that command's time, issue 14).  Core keeps the
            # slot, not the format.
            self._flags = None
            self.text = None

    def _take(self, result, now, parsed):
        seen = now - (result.age_ms or 0) / 1000.0
        # cfg80211 lists a hidden AP's beacon and probe response apart, each
        # with its own age: the older sighting must not make the entry older.
        newer = self.last_update is None or seen >= self.last_update
        self.missed = 0
        self.update_idx += 1
        if newer:
            self.freq = result.freq
            self.signal = result.signal
            self.noise = result.noise
            self.qual = result.qual
            self.caps = result.caps
            self.beacon_int = result.beacon_int
            self.tsf = result.tsf
            self.last_update = seen
        new_ies = result.ies or result.beacon_ies
        if parsed is None:
            parsed = ies.parse(new_ies)
        if is_hidden(parsed.ssid) and not is_hidden(self.ssid):
            # A hidden AP's beacon says nothing about its name; what its probe
            # response told us stays true.
            if newer:
                self.beacon_ies = _kept(self.beacon_ies, result.beacon_ies or new_ies)
            return
        # An older probe response still tells a hidden AP's name.
        if newer or (is_hidden(self.ssid) and not is_hidden(parsed.ssid)):
            self.ies = _kept(self.ies, new_ies)
            self.beacon_ies = (self.ies if result.beacon_ies == new_ies
                               else _kept(self.beacon_ies, result.beacon_ies))
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
        """wpa_supplicant's flags column: [WPA2-PSK-CCMP][ESS] and friends
        (decoded from the RSN/WPA IEs once per update)."""
        if self._flags is None:
            self._flags = ies.flags_text(self.elements, self.caps)
        return self._flags

    def __repr__(self):
        return "Bss(%d, %s, %r, %d MHz, %d dBm)" % (
            self.id, self.bssid_txt, self.ssid, self.freq, self.signal)


class BssTable:
    def __init__(self, on_added=None, on_removed=None):
        self.by_bssid = {}      # (bssid, ssid) -> Bss
        self._of_bssid = {}     # bssid -> [Bss]: the entries of one AP (mostly one)
        self.next_id = 0
        self.scan_count = 0
        self.fresh_from = 0     # the first scan of the search under way
        self.on_added = on_added
        self.on_removed = on_removed
        self._in_order = None   # the entries by id, until one comes or goes
        self.reset_expiration()

    def set_expiration(self, age=None, count=None):
        """BSS_EXPIRE_AGE / BSS_EXPIRE_COUNT: an entry goes when not seen for
        `age` seconds, or when missing from `count` scans that covered its
        channel (None: that setting stays).  ValueError for what
        wpa_supplicant refuses (age < 10, count < 1)."""
        if age is not None and int(age) < 10:
            raise ValueError("BSS expiration age must be at least 10 s")
        if count is not None and int(count) < 1:
            raise ValueError("BSS expiration scan count must be at least 1")
        if age is not None:
            self.expire_age = float(int(age))
        if count is not None:
            self.expire_count = int(count)

    def reset_expiration(self):
        """The defaults: 180 s, 2 scans (FLUSH puts them back)."""
        self.expire_age = EXPIRATION_AGE
        self.expire_count = EXPIRATION_SCAN_COUNT

    def fresh(self):
        """The BSSes the latest scan saw (or the scans of one search, see
        update(continues=)): the only ones worth joining.  An entry kept for
        aging may describe an AP that is gone or has changed (a restarted AP
        with other security), as wpa_supplicant also only selects from the
        last scan's results."""
        start = self.fresh_from
        return [b for b in self if b.seen_in_scan >= start]

    def __len__(self):
        return len(self.by_bssid)

    def __iter__(self):
        # Sorted once per change of membership, not per SCAN_RESULTS or
        # selection pass.  The list is replaced, never changed in place, so a
        # walk under way survives additions and removals.
        if self._in_order is None:
            self._in_order = sorted(self.by_bssid.values(), key=_bss_id)
        return iter(self._in_order)

    def get(self, bssid, ssid=None):
        """The entry of bssid with that SSID; without one, the entry of bssid
        seen last (the AP as it is now), or None."""
        if ssid is not None:
            return self.by_bssid.get((bssid, ssid))
        return _seen_last(self._of_bssid.get(bssid, ()))

    def get_id(self, bss_id):
        for bss in self.by_bssid.values():
            if bss.id == bss_id:
                return bss
        return None

    def update(self, results, scanned_freqs, now, keep=None, continues=False):
        """Merge one scan's results; age out entries the scan should have seen.
        scanned_freqs empty means every channel was scanned, None that no entry
        missed this one (the kernel's cache read, an aborted scan).  keep: the
        BSS we are connected to, never aged out (see _kept).  continues: a
        later step of one search (scanning.py), whose earlier steps' BSSes stay
        fresh.  `results` may be any iterable: it is walked once."""
        self.scan_count += 1
        if not continues:
            self.fresh_from = self.scan_count
        named, hidden = [], []
        for result in results:
            data = result.ies or result.beacon_ies
            known = self._holding(result.bssid, data)
            # Parsed once per change of the IEs, kept by the Bss: parsing every
            # BSS on every scan was ~13x the rest of this merge (issue 14).
            parsed = known.elements if known is not None else ies.parse(data)
            if not parsed.ssid_ok:
                log.debug("BSS %s: no SSID element of at most 32 octets, ignored",
                          mac_txt(result.bssid))
                continue
            (hidden if is_hidden(parsed.ssid) else named).append((result, parsed))
        # Names first: a hidden AP's beacon then finds the entry its probe
        # response made, whatever order the driver listed them in.
        for result, parsed in named + hidden:
            self._merge(result, parsed, now).seen_in_scan = self.scan_count
        if scanned_freqs is not None:
            covered = set(scanned_freqs)
            for bss in self.by_bssid.values():
                if bss.seen_in_scan != self.scan_count and (not covered or bss.freq in covered):
                    bss.missed += 1
        self.expire(now, keep)

    def _holding(self, bssid, data):
        """The entry of this AP that holds these IEs already, or None."""
        for bss in self._of_bssid.get(bssid, ()):
            if bss.ies == data:
                return bss
        return None

    def _merge(self, result, parsed, now):
        """The entry a result refreshes (made if there is none)."""
        entries = self._of_bssid.get(result.bssid, ())
        bss = _entry_for(entries, parsed.ssid)
        if bss is None:
            bss = Bss(self.next_id, result, now, parsed)
            self.next_id += 1
            self.by_bssid[bss.key] = bss
            self._of_bssid.setdefault(bss.bssid, []).append(bss)
            self._in_order = None
            if self.on_added:
                self.on_added(bss)
            return bss
        key = bss.key
        bss.update(result, now, parsed)
        if bss.key != key:                  # a hidden AP's entry learned its name
            del self.by_bssid[key]
            self.by_bssid[bss.key] = bss
        return bss

    def _kept(self, keep):
        """The entry `keep` protects from aging: keep is a (bssid, ssid) key, or
        a BSSID, and then its entry seen last (an AP that changed its SSID
        serves the new one: the old entry may go)."""
        if keep is None:
            return None
        if isinstance(keep, tuple):
            return self.by_bssid.get(keep)
        return self.get(keep)

    def expire(self, now, keep=None):
        kept = self._kept(keep)
        for bss in list(self.by_bssid.values()):
            if bss is kept:
                continue
            if bss.missed >= self.expire_count or now - bss.last_update > self.expire_age:
                self.remove(bss)

    def remove(self, bss):
        if self.by_bssid.get(bss.key) is not bss:
            return
        del self.by_bssid[bss.key]
        self._in_order = None
        entries = self._of_bssid[bss.bssid]
        entries.remove(bss)
        if not entries:
            del self._of_bssid[bss.bssid]
        if self.on_removed:
            self.on_removed(bss)

    def flush(self, max_age=0, now=0.0, keep=None):
        """BSS_FLUSH: drop entries older than max_age seconds (0: all)."""
        kept = self._kept(keep)
        for bss in list(self.by_bssid.values()):
            if bss is not kept and (max_age == 0 or now - bss.last_update > max_age):
                self.remove(bss)


def _kept(old, new):
    """The IEs an entry holds after a sighting: the bytes it has when the AP
    sent the same again (mostly: a probe response's IEs do not change scan to
    scan), so the driver's fresh copy is freed at once instead of replacing
    the long-lived one on every scan."""
    return old if old == new else new


def _bss_id(bss):
    return bss.id


def _seen_last(entries):
    return max(entries, key=lambda b: (b.last_update, b.id), default=None)


def _entry_for(entries, ssid):
    """Which of one AP's entries a result with this SSID refreshes, or None."""
    unnamed = next((b for b in entries if is_hidden(b.ssid)), None)
    if is_hidden(ssid):
        # A hidden AP's beacon: the entry its probe response named (the newest
        # name if it had several), which keeps that name; else its unnamed one,
        # whether the beacon's SSID is empty or NUL bytes.
        return _seen_last([b for b in entries if not is_hidden(b.ssid)]) or unnamed
    for bss in entries:
        if bss.ssid == ssid:
            return bss
    # A probe response naming a hidden AP: the entry of its beacon takes the name.
    return unnamed
