"""Security for one connection: from a configured network and a BSS to an
association request, and from EAPOL-Key actions to installed keys.

The crypto and the handshake state machines live in wispd.rsn and never see a
socket; this module is the glue that the station calls: it decides the plan
(AKM, ciphers, PMF) for a network/BSS pair, builds the driver's AssocParams, and
carries out what the handshake asks for (send a frame, install a key, done).
"""

import logging

from wispd.platform import log as wlog
from wispd.core import notify as nt
from wispd.rsn.defs import (
    AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP)
from wispd.drivers.ops import AUTH_OPEN, KEY_PAIRWISE, AssocParams
from wispd.rsn import ie as rsnie

log = logging.getLogger("wispd.security")

_AKM_BY_NAME = {"WPA-PSK": AKM_PSK, "WPA-PSK-SHA256": AKM_PSK_SHA256, "SAE": AKM_SAE}
_CIPHER_BY_NAME = {"CCMP": CIPHER_CCMP, "TKIP": CIPHER_TKIP}
_CIPHER_TXT = {CIPHER_CCMP: "CCMP", CIPHER_TKIP: "TKIP", CIPHER_NONE: "NONE",
               CIPHER_BIP_CMAC_128: "BIP"}
_KEY_MGMT_TXT = {AKM_PSK: "WPA2-PSK", AKM_PSK_SHA256: "WPA2-PSK-SHA256", AKM_SAE: "SAE"}
REASON_IE_IN_4WAY_DIFFERS = 17
REASON_MIC_FAILURE = 14


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
        return self.sel.akm in (AKM_PSK, AKM_PSK_SHA256)

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


def plan_for(network, bss, caps=None):
    """The Plan if this network may use this BSS, else None."""
    el = bss.elements
    km = network.key_mgmt
    if el.rsn is None and el.wpa is None:
        if "NONE" in km and not bss.privacy:
            return Plan(True)
        return None
    if el.rsn is None:
        return None          # WPA1-only AP: not supported (see docs)
    akms = network_akms(network)
    if not (network.psk_bytes or network.passphrase):
        akms.discard(AKM_PSK)
        akms.discard(AKM_PSK_SHA256)
    if not (network.sae_password or network.passphrase):
        akms.discard(AKM_SAE)      # SAE needs a password, not a raw PSK
    if AKM_SAE in akms and (caps is None or not getattr(caps, "sae", False)):
        # The AP offers SAE but this driver cannot carry it (wext, full-MAC
        # without SAE offload): refuse loudly rather than use a weaker AKM.
        if _ap_offers(el.rsn, AKM_SAE):
            _refuse_sae(network, bss, caps)
            return None
        akms.discard(AKM_SAE)
    if not akms:
        return None
    try:
        ap = rsnie.parse_rsn_ie(el.rsn)
        pmf = network.ieee80211w or 0
        if caps is not None and not caps.pmf and pmf:
            _note_no_pmf(network, bss, caps, pmf)
            if pmf == 2:
                return None   # the driver cannot protect management frames
            pmf = 0
        pairwise = {_CIPHER_BY_NAME[c] for c in network.pairwise if c in _CIPHER_BY_NAME}
        group = {_CIPHER_BY_NAME[c] for c in network.group if c in _CIPHER_BY_NAME}
        sel = rsnie.select_suites(ap, akms, pmf, pairwise, group)
    except (rsnie.IeError, rsnie.SelectionError) as e:
        log.debug("%s: not usable for network %d: %s", bss.bssid_txt, network.id, e)
        return None
    level = 2 if sel.akm == AKM_SAE else (network.ieee80211w or 0)
    return Plan(False, sel, el.rsn, level)


SAE_REFUSED = {}          # ssid -> why SAE was refused (STATUS shows it)


def _ap_offers(rsn, akm):
    try:
        return akm in rsnie.parse_rsn_ie(rsn).akms
    except rsnie.IeError:
        return False


def _refuse_sae(network, bss, caps):
    why = ("driver %s cannot do SAE" % ("wext" if getattr(caps, "wext", False) else
                                        "without SAE support")) if caps is not None \
        else "no driver capabilities"
    key = network.ssid_bytes
    if SAE_REFUSED.get(key) != why:
        log.warning("network %d: %s offers SAE but the %s; not falling back to WPA-PSK",
                    network.id, bss.bssid_txt, why)
    SAE_REFUSED[key] = why


PMF_REFUSED = {}          # ssid -> why an ieee80211w=2 network was refused
_PMF_DROPPED = set()      # ssids whose ieee80211w=1 was already logged as "no PMF"


def _note_no_pmf(network, bss, caps, level):
    """The driver cannot protect management frames (wext: cfg80211 ignores
    IW_AUTH_MFP): say so once, and keep the refusal of ieee80211w=2 for STATUS."""
    driver = "wext" if getattr(caps, "wext", False) else "this driver"
    key = network.ssid_bytes
    if level == 2:
        why = "ieee80211w=2 (PMF required) but %s cannot protect management frames" % driver
        if PMF_REFUSED.get(key) != why:
            log.warning("network %d: %s refused: %s", network.id, bss.bssid_txt, why)
        PMF_REFUSED[key] = why
    elif key not in _PMF_DROPPED:
        _PMF_DROPPED.add(key)
        log.warning("network %d: ieee80211w=1 joined without PMF: %s cannot protect "
                    "management frames", network.id, driver)


def status_note(iface):
    """STATUS lines that explain a refused SAE or PMF-required network."""
    out = []
    for net in iface.config.networks:
        why = SAE_REFUSED.get(net.ssid_bytes)
        if why and not net.disabled:
            out.append(("sae_refused", "id=%d %s" % (net.id, why)))
        why = PMF_REFUSED.get(net.ssid_bytes)
        if why and not net.disabled and (net.ieee80211w or 0) == 2:
            out.append(("pmf_refused", "id=%d %s" % (net.id, why)))
    return out


def pmk_for(network):
    psk = network.psk_bytes
    if psk is not None:
        return psk
    if network.passphrase is not None:
        from wispd.rsn.kdf import passphrase_to_psk
        return passphrase_to_psk(network.passphrase, network.ssid_bytes)
    raise SecurityError("network %d has no psk" % network.id)


def assoc_params(network, bss, plan):
    params = AssocParams(bssid=bss.bssid, ssid=network.ssid_bytes, freq=bss.freq,
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
    return params


def start_handshake(iface, event):
    from wispd.rsn.handshake import EapolKeySupplicant
    plan = iface.plan
    network = iface.current_network
    ap_ie = plan.ap_ie
    # The AP's RSN IE must match in message 3 the one it advertised; prefer what
    # the driver saw at association time if it reported it.
    if iface.current_bss is not None and iface.current_bss.elements.rsn:
        ap_ie = iface.current_bss.elements.rsn
    pmk = None
    if plan.sel.akm == AKM_SAE:
        from wispd.core import saeauth as saeconnect
        pmk = saeconnect.pmk(iface)
        if pmk is None:
            raise SecurityError("SAE association without an SAE PMK")
    sel = plan.sel
    pmk = pmk or pmk_for(network)
    # wpa_supplicant's wpa_hexdump_key: the value only with -K, else [REMOVED].
    log.debug("%s: WPA: PMK %s", iface.ifname, wlog.settings.key(pmk))
    return EapolKeySupplicant(
        pmk=pmk, spa=iface.addr, aa=event.bssid, akm=sel.akm,
        pairwise=sel.pairwise, group=sel.group, own_rsne=sel.own_ie, ap_rsne=ap_ie,
        mgmt_group=sel.mgmt_group, mfp=sel.mfp, ap_rsnxe=_rsnxe_element(iface.current_bss))


def _rsnxe_element(bss):
    if bss is None or bss.elements.rsnx is None:
        return None
    return bytes((244, len(bss.elements.rsnx))) + bss.elements.rsnx


def handle_eapol(iface, src, data):
    """Run one EAPOL frame through the handshake and do what it asks."""
    from wispd.rsn import handshake as hs
    from wispd.core import station as st
    machine = iface.handshake
    actions = machine.receive_eapol(data)
    for action in actions:
        if isinstance(action, hs.SendEapol):
            iface.send_eapol(action.data)
        elif isinstance(action, hs.InstallKey):
            if action.kind == KEY_PAIRWISE and machine.ptk is not None:
                log.debug("%s: WPA: KCK %s KEK %s", iface.ifname,
                          wlog.settings.key(machine.ptk.kck), wlog.settings.key(machine.ptk.kek))
            log.debug("%s: WPA: %s key idx %d: %s", iface.ifname, action.kind, action.key_idx,
                      wlog.settings.key(action.key))
            iface.install_key(action.kind, action.cipher, action.key_idx, action.key,
                              action.seq, action.set_tx, action.addr)
        elif isinstance(action, hs.Completed):
            # Also after a PTK rekey on a live link, as wpa_supplicant reports it.
            iface.notify(nt.KeyNegotiationCompleted(
                iface.current_bssid(), _CIPHER_TXT.get(iface.plan.sel.pairwise, "?"),
                _CIPHER_TXT.get(iface.plan.sel.group, "?")))
            if iface.wpa_state != st.COMPLETED:
                iface.completed()
        elif isinstance(action, hs.GroupRekeyed):
            iface.notify(nt.GroupRekeyed(iface.current_bssid(),
                                         _CIPHER_TXT.get(iface.plan.sel.group, "?")))
        elif isinstance(action, hs.TransitionDisable):
            from wispd.core import saeauth as saeconnect
            saeconnect.transition_disable(iface, action.bitmap)
        elif isinstance(action, hs.Rejected):
            log.info("%s: EAPOL-Key frame dropped: %s", iface.ifname, action.reason)
            if getattr(action, "deauth", False):
                iface.driver.deauthenticate(iface.current_bssid(), REASON_IE_IN_4WAY_DIFFERS)
    if iface.wpa_state == st.ASSOCIATED and machine.msg1_count:
        iface.set_state(st.FOUR_WAY)


def michael_mic_failure(iface, event):
    """TKIP countermeasures: two failures within 60 s take the link down for 60 s."""
    now = iface.eloop.now()
    last = getattr(iface, "last_mic_failure", None)
    iface.last_mic_failure = now
    iface.notify(nt.MichaelMicFailure())
    if last is not None and now - last < 60:
        iface.notify(nt.TkipCountermeasures())
        iface.driver.deauthenticate(iface.current_bssid(), REASON_MIC_FAILURE)
        iface.disconnect()
        iface.eloop.register_timeout(60, iface.reconnect)
