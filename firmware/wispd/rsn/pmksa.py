"""PMKSA cache: PMKs (with their PMKIDs) from earlier authentications, per
interface, in memory only -- never written to disk, gone on restart.

A reconnect to the same AP with the same network puts the PMKID into the RSN
element of the association request; if the AP still has the PMKSA it answers
with message 1 carrying the same PMKID and the SAE exchange is skipped.

Public API:
    PmksaCache(now, lifetime=43200, max_entries=32)   now: a monotonic clock function
        .add(bssid, pmk, pmkid, akm, network_key, lifetime=None) -> PmksaEntry
        .get(bssid, network_key, akm=None) -> PmksaEntry or None (expired ones dropped)
        .remove(bssid, network_key=None)
        .flush_network(network_key)   .flush()   len(cache)
"""

__all__ = ["PmksaCache", "PmksaEntry", "DEFAULT_LIFETIME"]

DEFAULT_LIFETIME = 43200   # dot11RSNAConfigPMKLifetime, as wpa_supplicant


class PmksaEntry:
    __slots__ = ("bssid", "pmk", "pmkid", "akm", "network_key", "expires")

    def __init__(self, bssid, pmk, pmkid, akm, network_key, expires):
        self.bssid = bytes(bssid)
        self.pmk = bytes(pmk)
        self.pmkid = bytes(pmkid)
        self.akm = akm
        self.network_key = network_key
        self.expires = expires

    def __repr__(self):  # no key material
        return "PmksaEntry(%s, akm=%08x)" % (self.bssid.hex(), self.akm)


class PmksaCache:
    def __init__(self, now, lifetime=DEFAULT_LIFETIME, max_entries=32):
        self._now = now
        self.lifetime = lifetime
        self.max_entries = max_entries
        self._entries = {}          # (bssid, network_key) -> entry

    def __len__(self):
        self._expire()
        return len(self._entries)

    def _expire(self):
        now = self._now()
        for key in [k for k, e in self._entries.items() if e.expires <= now]:
            del self._entries[key]

    def add(self, bssid, pmk, pmkid, akm, network_key, lifetime=None):
        self._expire()
        key = (bytes(bssid), network_key)
        self._entries.pop(key, None)
        while len(self._entries) >= self.max_entries:
            oldest = min(self._entries, key=lambda k: self._entries[k].expires)
            del self._entries[oldest]
        entry = PmksaEntry(bssid, pmk, pmkid, akm, network_key,
                           self._now() + (self.lifetime if lifetime is None else lifetime))
        self._entries[key] = entry
        return entry

    def get(self, bssid, network_key, akm=None):
        self._expire()
        entry = self._entries.get((bytes(bssid), network_key))
        if entry is None or (akm is not None and entry.akm != akm):
            return None
        return entry

    def remove(self, bssid, network_key=None):
        bssid = bytes(bssid)
        for key in [k for k in self._entries
                    if k[0] == bssid and (network_key is None or k[1] == network_key)]:
            del self._entries[key]

    def flush_network(self, network_key):
        for key in [k for k in self._entries if k[1] == network_key]:
            del self._entries[key]

    def flush(self):
        self._entries.clear()
