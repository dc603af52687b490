"""Security policy for one network/BSS pair: the Plan (AKM, ciphers, PMF),
the driver's AssocParams, and the PMK of a PSK network.

Pure decisions, no I/O: selection asks plan_for() whether a BSS can serve a
network; a Connection (core/connection.py) builds the association from the Plan
and runs the key handshake of wispd.rsn with it.
"""

import logging

from wispd.rsn.defs import (
    AKM_8021X, AKM_8021X_SHA256, AKM_FT_PSK, AKM_FT_SAE, AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP)
from wispd.drivers.ops import AUTH_OPEN, AssocParams
from wispd.rsn import ie as rsnie

log = logging.getLogger("wispd.security")

_AKM_BY_NAME = {"WPA-PSK": AKM_PSK, "FT-PSK": AKM_FT_PSK, "WPA-PSK-SHA256": AKM_PSK_SHA256, "SAE": AKM_SAE,
                "FT-SAE": AKM_FT_SAE,
                "WPA-EAP": AKM_8021X, "WPA-EAP-SHA256": AKM_8021X_SHA256}
# The AKMs whose PMK comes from EAP (core/eapauth.py) rather than a passphrase.
EAP_AKMS = frozenset((AKM_8021X, AKM_8021X_SHA256))
# The AKMs that run SAE for their PMK (core/saeauth.py); FT-SAE makes PMK-R0 of it.
SAE_AKMS = frozenset((AKM_SAE, AKM_FT_SAE))
# 802.11r AKMs: the association carries the MDE, a roam in the domain is FT (core/ftauth.py).
FT_AKMS = frozenset((AKM_FT_PSK, AKM_FT_SAE))
# The EAP methods wispd implements (wispd.eap); eap= may name others.
EAP_METHODS = ("TLS", "PEAP", "TTLS")
_CIPHER_BY_NAME = {"CCMP": CIPHER_CCMP, "TKIP": CIPHER_TKIP}
_CIPHER_TXT = {CIPHER_CCMP: "CCMP", CIPHER_TKIP: "TKIP", CIPHER_NONE: "NONE",
               CIPHER_BIP_CMAC_128: "BIP"}
_KEY_MGMT_TXT = {AKM_PSK: "WPA2-PSK", AKM_FT_PSK: "FT-PSK", AKM_PSK_SHA256: "WPA2-PSK-SHA256", AKM_SAE: "SAE",
                 AKM_FT_SAE: "FT-SAE",
                 AKM_8021X: "WPA2/IEEE 802.1X/EAP", AKM_8021X_SHA256: "WPA2-EAP-SHA256"}


def cipher_name(cipher):
    return _CIPHER_TXT.get(cipher, "?")


class SecurityError(Exception):
    pass


# An open network's "selection": no AKM, no ciphers, no RSN element.
_OPEN = rsnie.Selection(None, CIPHER_NONE, CIPHER_NONE, CIPHER_NONE, False, b"")


class Plan:
    """How we will secure one association: the suites chosen with the AP
    (`sel`, an rsn.ie.Selection, kept whole rather than copied field by
    field), the AP's RSN element to compare with message 3, and the PMF level
    STATUS reports."""
    __slots__ = ("open", "sel", "ap_ie", "pmf_level")

    def __init__(self, open_=True, selection=None, ap_ie=b"", pmf_level=0):
        self.open = open_
        self.sel = selection if selection is not None else _OPEN
        self.ap_ie = ap_ie
        self.pmf_level = pmf_level

    @property
    def psk_based(self):
        return self.sel.akm in (AKM_PSK, AKM_PSK_SHA256, AKM_FT_PSK)

    @property
    def eap(self):
        return self.sel.akm in EAP_AKMS

    def status_fields(self):
        sel = self.sel
        out = [("pairwise_cipher", _CIPHER_TXT.get(sel.pairwise, "UNKNOWN")),
               ("group_cipher", _CIPHER_TXT.get(sel.group, "UNKNOWN")),
               ("key_mgmt", "NONE" if self.open else _KEY_MGMT_TXT.get(sel.akm, "UNKNOWN"))]
        if sel.mfp:
            out.append(("pmf", self.pmf_level))
            out.append(("mgmt_group_cipher", _CIPHER_TXT.get(sel.mgmt_group, "UNKNOWN")))
        return out


def network_akms(network):
    return {_AKM_BY_NAME[k] for k in network.key_mgmt if k in _AKM_BY_NAME}


_NON_RSN_KEY_MGMT = frozenset(("NONE", "IEEE8021X", "WPS"))


def network_pmf(network, global_pmf=0):
    """The network's PMF level, 0/1/2: its ieee80211w, else the global pmf=,
    except for a network that cannot use RSN at all (key_mgmt NONE only): a
    global pmf=2 must not shut out every open network (wpa_supplicant's
    wpas_get_ssid_pmf)."""
    if network.ieee80211w is not None:
        return network.ieee80211w
    if not set(network.key_mgmt) - _NON_RSN_KEY_MGMT:
        return 0
    return global_pmf or 0


def plan_for(network, bss, caps=None, refusals=None, global_pmf=0):
    """The Plan if this network may use this BSS, else None.  Refusals worth
    explaining (SAE or PMF the driver cannot do) are noted in `refusals`.
    global_pmf: the configuration's pmf= for networks without ieee80211w."""
    refusals = refusals if refusals is not None else Refusals()
    el = bss.elements
    km = network.key_mgmt
    if el.rsn is None and el.wpa is None:
        # PMF needs RSN: an open network that requires it joins no open AP.
        if "NONE" in km and not bss.privacy and network_pmf(network, global_pmf) != 2:
            return Plan(True)
        return None
    if el.rsn is None:
        return None          # WPA1-only AP: not supported (see docs)
    akms = network_akms(network)
    if not (network.psk_bytes or network.passphrase):
        akms.discard(AKM_PSK)
        akms.discard(AKM_PSK_SHA256)
        akms.discard(AKM_FT_PSK)
    if not (network.sae_password or network.passphrase) and akms - SAE_AKMS:
        # SAE needs a password, not a raw PSK: use the network's other AKMs.  An
        # SAE-only network keeps SAE, and the attempt fails with NO_PSK_AVAILABLE
        # (a temporary disable, as wpa_supplicant does) rather than in silence.
        akms -= SAE_AKMS
    if akms & EAP_AKMS and not eap_usable(network):
        akms -= EAP_AKMS
    if akms & SAE_AKMS and (caps is None or not getattr(caps, "sae", False)):
        # The AP offers SAE but this driver cannot carry it (wext, full-MAC
        # without SAE offload): refuse loudly rather than use a weaker AKM.
        if any(_ap_offers(el.rsn, a) for a in akms & SAE_AKMS):
            refusals.refuse_sae(network, bss, caps)
            return None
        akms -= SAE_AKMS
    if not akms:
        return None
    try:
        ap = rsnie.parse_rsn_ie(el.rsn)
        pmf = network_pmf(network, global_pmf)
        if caps is not None and not caps.pmf and pmf:
            refusals.no_pmf(network, bss, caps, pmf)
            if pmf == 2:
                return None   # the driver cannot protect management frames
            pmf = 0
        pairwise = {_CIPHER_BY_NAME[c] for c in network.pairwise if c in _CIPHER_BY_NAME}
        group = {_CIPHER_BY_NAME[c] for c in network.group if c in _CIPHER_BY_NAME}
        ft_akm = _ft_akm(akms, ap, bss)
        if ft_akm is not None:
            sel = _select_ft(ap, ft_akm, pmf, pairwise, group)
        else:
            sel = rsnie.select_suites(ap, akms - FT_AKMS, pmf, pairwise, group)
    except (rsnie.IeError, rsnie.SelectionError) as e:
        log.debug("%s: not usable for network %d: %s", bss.bssid_txt, network.id, e)
        return None
    # STATUS pmf= as wpa_supplicant gives it: 2 when the AP requires PMF, else 1.
    level = (2 if ap.mfpr else 1) if sel.mfp else 0
    return Plan(False, sel, el.rsn, level)


def ft_mde(bss):
    """The BSS's Mobility Domain element (whole), or None: FT needs one."""
    from wispd.rsn.defs import EID_MDE
    mde = rsnie.find_ie(bss.ies or b"", EID_MDE)
    return mde if mde is not None and len(mde) == 5 else None


def _ft_akm(akms, ap, bss):
    """The 802.11r AKM to use with this BSS, or None.  wpa_supplicant 2.10's
    order (wpa_supplicant_set_suites): FT-SAE, then SAE, then FT-PSK, then the
    PSK AKMs.  FT needs the AP's MDE."""
    if ft_mde(bss) is None:
        return None
    if AKM_FT_SAE in akms and AKM_FT_SAE in ap.akms:
        return AKM_FT_SAE
    if AKM_SAE in akms and AKM_SAE in ap.akms:
        return None
    if AKM_FT_PSK in akms and AKM_FT_PSK in ap.akms:
        return AKM_FT_PSK
    return None


def _select_ft(ap, ft_akm, pmf, pairwise, group):
    """An 802.11r AKM: the ciphers and PMF are chosen as for its non-FT twin
    (WPA-PSK for FT-PSK, SAE for FT-SAE: PMF whenever the AP offers it) by
    rsn/ie.py, then the RSNE names the FT AKM."""
    twin = AKM_SAE if ft_akm == AKM_FT_SAE else AKM_PSK
    as_twin = rsnie.RsnInfo(group_cipher=ap.group_cipher, pairwise_ciphers=ap.pairwise_ciphers,
                            akms=(twin,), capabilities=ap.capabilities,
                            group_mgmt_cipher=ap.group_mgmt_cipher)
    base = rsnie.select_suites(as_twin, {twin}, pmf, pairwise, group)
    caps = rsnie.parse_rsn_ie(base.own_ie).capabilities
    own = rsnie.build_rsn_ie(base.group, [base.pairwise], [ft_akm], caps)
    return rsnie.Selection(ft_akm, base.pairwise, base.group, base.mgmt_group, base.mfp, own)


class Refusals:
    """Why this interface refused a network that the AP would have served: SAE
    the driver cannot carry, or PMF it cannot give (STATUS shows them).  One per
    interface, cleared when its driver or configuration changes, so a radio
    re-plugged as another phy or a second -i never inherits a stale line."""

    def __init__(self):
        self.sae = {}               # ssid -> why SAE was refused
        self.pmf = {}               # ssid -> why an ieee80211w=2 network was refused
        self.pmf_dropped = set()    # ssids whose ieee80211w=1 was logged as "no PMF"

    def clear(self):
        self.sae.clear()
        self.pmf.clear()
        self.pmf_dropped.clear()

    def refuse_sae(self, network, bss, caps):
        why = ("driver %s cannot do SAE" % ("wext" if getattr(caps, "wext", False) else
                                            "without SAE support")) if caps is not None \
            else "no driver capabilities"
        key = network.ssid_bytes
        if self.sae.get(key) != why:
            log.warning("network %d: %s offers SAE but the %s; not falling back to WPA-PSK",
                        network.id, bss.bssid_txt, why)
        self.sae[key] = why

    def no_pmf(self, network, bss, caps, level):
        """The driver cannot protect management frames (wext: cfg80211 ignores
        IW_AUTH_MFP): say so once, and keep the refusal of ieee80211w=2 for STATUS."""
        driver = "wext" if getattr(caps, "wext", False) else "this driver"
        key = network.ssid_bytes
        if level == 2:
            why = "ieee80211w=2 (PMF required) but %s cannot protect management frames" % driver
            if self.pmf.get(key) != why:
                log.warning("network %d: %s refused: %s", network.id, bss.bssid_txt, why)
            self.pmf[key] = why
        elif key not in self.pmf_dropped:
            self.pmf_dropped.add(key)
            log.warning("network %d: ieee80211w=1 joined without PMF: %s cannot protect "
                        "management frames", network.id, driver)

    def status_lines(self, networks):
        """STATUS lines that explain a refused SAE or PMF-required network."""
        out = []
        for net in networks:
            why = self.sae.get(net.ssid_bytes)
            if why and not net.disabled:
                out.append(("sae_refused", "id=%d %s" % (net.id, why)))
            why = self.pmf.get(net.ssid_bytes)
            if why and not net.disabled and (net.ieee80211w or 0) == 2:
                out.append(("pmf_refused", "id=%d %s" % (net.id, why)))
        return out


def eap_methods(network):
    """The EAP methods of the network that wispd implements, in its eap= order
    (all of them when eap= is unset, as wpa_supplicant allows any)."""
    raw = network.get("eap")
    if raw is None:
        return list(EAP_METHODS)
    return [m for m in raw.split() if m in EAP_METHODS]


def eap_usable(network):
    """An EAP network we can try: a method we implement and an identity.  A
    network without either is not joined (wpa_supplicant would try and fail)."""
    return bool(eap_methods(network)) and network.get("identity") is not None


def _ap_offers(rsn, akm):
    try:
        return akm in rsnie.parse_rsn_ie(rsn).akms
    except rsnie.IeError:
        return False


def pmk_for(network, bss_ssid=None):
    """The PSK: the raw one, or the passphrase's over the network's SSID (over
    the BSS's for a wildcard-SSID network pinned by bssid=)."""
    psk = network.psk_bytes
    if psk is not None:
        return psk
    if network.passphrase is not None:
        from wispd.rsn.kdf import passphrase_to_psk
        return passphrase_to_psk(network.passphrase, network.ssid_bytes or bss_ssid or b"")
    raise SecurityError("network %d has no psk" % network.id)


# The AKMs whose PMK is the passphrase's PBKDF2 (or the raw psk=).
PSK_AKMS = frozenset((AKM_PSK, AKM_FT_PSK, AKM_PSK_SHA256))


def prepare_psk(networks):
    """Derive ahead one passphrase PSK that a 4-way handshake may soon need:
    of the given (usable) networks, the first by priority (then config order)
    that uses a PSK AKM, has a passphrase and an SSID, and whose PSK is not
    derived yet.  Called while a scan of ours is in the kernel's hands: the
    8192 HMAC-SHA1 rounds (~0.2 s of CPU under the testbed's TCG, more on a
    slow board) otherwise run between the AP's message 1 and our message 2,
    on the connect's critical path.  One per call and only while the
    process-wide cache has room, so a long network list costs at most one
    derivation per scan and never pushes out a PSK in use.  Returns the
    network whose PSK was derived, or None."""
    from wispd.rsn import kdf
    for net in sorted(networks, key=lambda n: -n.priority):
        passphrase, ssid = net.passphrase, net.ssid_bytes
        if passphrase is None or not ssid or not network_akms(net) & PSK_AKMS:
            continue
        derived = kdf.psk_derived(passphrase, ssid)
        if derived is None:
            return None             # the cache is full: derive on demand only
        if not derived:
            try:
                kdf.passphrase_to_psk(passphrase, ssid)
            except ValueError:      # not 8..63 characters: the attempt reports it
                continue
            return net
    return None


def assoc_params(network, bss, plan):
    params = AssocParams(bssid=bss.bssid, ssid=network.ssid_bytes or bss.ssid, freq=bss.freq,
                         auth_alg=AUTH_OPEN, privacy=not plan.open)
    if not plan.open:
        sel = plan.sel
        params.wpa_ie = sel.own_ie
        params.pairwise = sel.pairwise
        params.group = sel.group
        params.akm = sel.akm
        params.mgmt_group = sel.mgmt_group
        params.mfp = sel.mfp
        params.wpa_versions = 2
        if sel.akm in FT_AKMS:
            # The MDE goes with the RSNE in every (re)association request (13.4).
            params.extra_ies = ft_mde(bss) or b""
    return params
