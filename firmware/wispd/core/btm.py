"""802.11v BSS Transition Management: what to answer an AP that asks the
station to move, and where to go.  Pure: the parsed request (rsn/wnm.py), the
current link and the BSSes that can serve the network in; a status and a
target out.  The link monitor scans the named channels first and carries the
answer out (Response frame, then the roam).

The rules, after wpa_supplicant's wnm_sta.c:
- with a preferred candidate list: the best-preference candidate the station
  has just seen and can join (same network, compatible security); the current
  BSS or candidates with preference 0 are never targets.  None usable: reject
  with "no suitable candidates" (7), unless disassociation is imminent: then
  the strongest other BSS of the network the AP did not exclude;
- without a list: the strongest other BSS of the network, when it is better
  than the current one or the AP says disassociation is imminent; else 7;
- disassociation imminent lifts the roam hysteresis (the link ends anyway).
"""

from wispd.rsn import wnm


class BtmAnswer:
    __slots__ = ("status", "bss", "plan", "why")

    def __init__(self, status, bss=None, plan=None, why=""):
        self.status = status
        self.bss = bss
        self.plan = plan
        self.why = why

    @property
    def accepted(self):
        return self.status == wnm.STATUS_ACCEPT

    def __repr__(self):
        return "BtmAnswer(status=%d, %s, %s)" % (
            self.status, self.bss.bssid_txt if self.bss is not None else None, self.why)


def decide(request, current_bssid, current_signal, candidates):
    """candidates: [(bss, plan)] of BSSes of the network the last scan saw."""
    usable = {bss.bssid: (bss, plan) for bss, plan in candidates if bss.bssid != current_bssid}
    if request.has_list:
        for n in request.preferred():
            hit = usable.get(n.bssid)
            if hit is not None:
                return BtmAnswer(wnm.STATUS_ACCEPT, hit[0], hit[1],
                                 "candidate %s, preference %s" % (hit[0].bssid_txt, n.preference))
        if not request.disassoc_imminent:
            return BtmAnswer(wnm.STATUS_REJECT_NO_SUITABLE_CANDIDATES,
                             why="none of the %d candidates is usable" % len(request.candidates))
        # The link ends anyway: any other BSS of the network the AP did not exclude.
        excluded = {n.bssid for n in request.candidates if n.preference == 0}
        usable = {b: v for b, v in usable.items() if b not in excluded}
    best = None
    for bss, plan in usable.values():
        if best is None or bss.signal > best[0].signal:
            best = (bss, plan)
    if best is not None and (request.disassoc_imminent or current_signal is None
                             or best[0].signal > current_signal):
        return BtmAnswer(wnm.STATUS_ACCEPT, best[0], best[1],
                         "no list: strongest BSS %s" % best[0].bssid_txt)
    return BtmAnswer(wnm.STATUS_REJECT_NO_SUITABLE_CANDIDATES, why="no better BSS of the network")


def scan_freqs(request):
    """The channels of the candidates the AP listed (known operating classes)."""
    out = []
    for n in request.preferred():
        f = n.freq()
        if f is not None and f not in out:
            out.append(f)
    return out
