"""Network selection: which configured network to join, on which BSS.

Pure functions over the configuration and the BSS table, no I/O, so the policy
can be read and tested on its own.  The rules follow wpa_supplicant:

1. Only enabled networks that are not temporarily disabled take part.
2. Networks are grouped by priority; the highest group with any match wins.
3. Within the group, the BSS with the strongest signal wins.
4. A BSS matches a network when the SSID matches (hidden BSSes only match a
   network scanned for by name), the `bssid=` pin (if any) matches, the
   frequency is allowed by `freq_list`, and the security is compatible.

The work is linear in networks × BSSes per SSID: BSSes are first indexed by
SSID, so 500 networks and 64 BSSes never meet pairwise.
"""

from wispd.core import security


class Candidate:
    __slots__ = ("network", "bss", "plan")

    def __init__(self, network, bss, plan):
        self.network = network
        self.bss = bss
        self.plan = plan      # security.Plan: AKM, ciphers, PMF for this pair

    def __repr__(self):
        return "Candidate(id=%d, %s)" % (self.network.id, self.bss.bssid_txt)


def index_by_ssid(bsses):
    index = {}
    for bss in bsses:
        index.setdefault(bss.ssid, []).append(bss)
    return index


def match(network, bss, caps=None, refusals=None, global_pmf=0):
    """The security plan if this BSS can serve this network, else None.
    global_pmf: the configuration's pmf= (networks without ieee80211w)."""
    if network.bssid is not None and network.bssid != bss.bssid:
        return None
    freqs = network.freq_list
    if freqs and bss.freq not in freqs:
        return None
    return security.plan_for(network, bss, caps, refusals, global_pmf)


def select(networks, bsses, available, ignored=(), caps=None, refusals=None, global_pmf=0):
    """The best Candidate, or None.  available(net) says whether a network may
    be used now (enabled and not temporarily disabled); `ignored` holds BSSIDs
    that failed lately and are only used when nothing else matches."""
    by_ssid = index_by_ssid(bsses)
    groups = {}
    for net in networks:
        if not available(net):
            continue
        groups.setdefault(net.priority, []).append(net)
    for priority in sorted(groups, reverse=True):
        best = fallback = None
        for net in groups[priority]:
            for bss in _bsses_for(net, by_ssid, bsses):
                plan = match(net, bss, caps, refusals, global_pmf)
                if plan is None:
                    continue
                cand = Candidate(net, bss, plan)
                if bss.bssid in ignored:
                    if fallback is None or bss.signal > fallback.bss.signal:
                        fallback = cand
                elif best is None or bss.signal > best.bss.signal:
                    best = cand
        if best is not None or fallback is not None:
            return best or fallback
    return None


def _bsses_for(net, by_ssid, bsses):
    """The BSSes that may serve this network: those of its SSID, or, for a
    network without an SSID but with a bssid= pin, that BSS whatever SSID it
    announces (wpa_supplicant's wildcard SSID).  A BSS hiding its SSID is left
    out: the PMK of a passphrase and the association need the real one.  The
    kernel keeps the entries of an AP's earlier SSIDs on the same BSSID for a
    while: only the most recently seen one is what the AP announces now."""
    if not net.ssid_bytes and net.bssid is not None:
        same = [b for b in bsses if b.bssid == net.bssid and b.ssid]
        if not same:
            return ()
        return [max(same, key=lambda b: b.last_update or 0.0)]
    return by_ssid.get(net.ssid_bytes, ())


def hidden_ssids(networks, limit):
    """SSIDs to probe for by name: enabled networks with scan_ssid=1."""
    out = []
    seen = set()          # 500 hidden networks must not cost 500 x 500 compares
    for net in networks:
        if len(out) >= limit:
            break
        ssid = net.ssid_bytes
        if net.scan_ssid and not net.disabled and ssid and ssid not in seen:
            seen.add(ssid)
            out.append(ssid)
    return out
