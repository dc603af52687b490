"""The roam decision: whether a BSS of the current network is worth moving to.

Pure: the current link's signal, the candidates (already matched to the
network's security) and the settings in, a BSS or None and the reason out.
wpa_supplicant's wpa_supplicant_need_to_roam_within_ess() is the reference:

- a link with a good signal is left alone (wpa_supplicant skips any roam above
  25 dB SNR, -70 dBm on the usual -95 dBm noise floor): `roam_threshold`;
- below it a candidate must beat the current signal by a margin that grows
  with the signal (1 dB under -85 dBm ... 5 dB above -70 dBm), or by
  `roam_min_diff` dB when that is set.

The defaults therefore never move a station between two good APs (issue 17:
no flapping); tests and deployments move the threshold up when they want it.
"""

DEFAULT_THRESHOLD = -70   # dBm: the CQM threshold too
DEFAULT_HYSTERESIS = 4    # dB: the CQM hysteresis (bgscan simple's)
FAILED_HOLDOFF = 60.0     # s: a BSS a roam to failed is not tried again automatically


class RoamSettings:
    __slots__ = ("threshold", "hysteresis", "min_diff")

    def __init__(self, threshold=DEFAULT_THRESHOLD, hysteresis=DEFAULT_HYSTERESIS, min_diff=0):
        self.threshold = threshold
        self.hysteresis = hysteresis
        self.min_diff = min_diff

    def __repr__(self):
        return "RoamSettings(threshold=%d, hysteresis=%d, min_diff=%d)" % (
            self.threshold, self.hysteresis, self.min_diff)


def settings(config, bgscan_params):
    """roam_threshold wins; else a bgscan threshold; else the default."""
    threshold = DEFAULT_THRESHOLD
    if bgscan_params is not None and bgscan_params.threshold:
        threshold = bgscan_params.threshold
    return RoamSettings(config.roam_setting("roam_threshold", threshold),
                        config.roam_setting("roam_hysteresis", DEFAULT_HYSTERESIS),
                        config.roam_setting("roam_min_diff", 0))


def min_diff(signal):
    """How much better (dB) a candidate must be than a link at `signal` dBm:
    wpa_supplicant's steps (a weak link takes any real improvement)."""
    if signal < -85:
        return 1
    if signal < -80:
        return 2
    if signal < -75:
        return 3
    if signal < -70:
        return 4
    return 5


def choose(current_bssid, current_signal, candidates, s, excluded=()):
    """(bss, reason) of the best candidate worth roaming to, or (None, reason).
    candidates: table entries of the network with a usable security plan;
    excluded: BSSIDs not to try now (a roam to them failed lately)."""
    if current_signal is None:
        return None, "current signal unknown"
    if current_signal >= s.threshold:
        return None, "current signal %d dBm is good (threshold %d)" % (current_signal, s.threshold)
    best = None
    for bss in candidates:
        if bss.bssid == current_bssid or bss.bssid in excluded:
            continue
        if best is None or bss.signal > best.signal:
            best = bss
    if best is None:
        return None, "no other BSS of the network"
    need = s.min_diff or min_diff(current_signal)
    if best.signal - current_signal < need:
        return None, "best candidate %s at %d dBm is not %d dB better than %d dBm" % (
            best.bssid_txt, best.signal, need, current_signal)
    return best, "%s at %d dBm, current %d dBm" % (best.bssid_txt, best.signal, current_signal)
