"""SAE on the connect path: glue between the station (wispd.station.Interface),
the sans-IO SAE machine (wispd.rsn.sae), the PMKSA cache and the driver.

Flow (mac80211 / nl80211 SME): prepare() puts our commit into the first
AUTHENTICATE (auth type SAE); the AP's frames come back as Authenticated
events and go to on_auth(); further frames go out with
driver.send_auth_frame(); retransmissions run on the station's eloop; when the
AP's confirm verifies, the PMK goes to the PMKSA cache and the driver
associates (driver.associate_after_auth()).  The 4-way handshake then runs
with that PMK (security.start_handshake reads iface.sae_pmk).

A cached PMKSA for the same AP and network skips SAE: open system
authentication and the PMKID in the RSN element.  An AP that lost the PMKSA
rejects the association (status 53, as hostapd does for SAE without a PMKSA);
the entry is then dropped and the next attempt runs SAE.

Full-MAC SAE (EXTERNAL_AUTH, offload) is not implemented: the station refuses
SAE on a driver that cannot carry it (caps.sae false) instead of using a
weaker AKM; see security.plan_for.

Public API (called by station/security):
    prepare(iface, network, bss, plan, params)   raises SaeUnavailable
    on_auth(iface, event) -> bool                 True if the event was SAE's
    cancel(iface)
    pmk(iface) -> bytes or None                  the PMK for the 4-way handshake
    assoc_rejected(iface, status)
    transition_disable(iface, bitmap)
    pmksa_cache(iface)
"""

import logging

from wispd.core import notify as nt
from wispd.core.bss import mac_txt
from wispd.rsn.defs import AKM_SAE, EID_RSNX
from wispd.drivers.ops import AUTH_OPEN, AUTH_SAE, DriverError
from wispd.rsn import ie as rsnie
from wispd.rsn import sae as saelib
from wispd.rsn.pmksa import PmksaCache

log = logging.getLogger("wispd.sae")

RSNX_SAE_H2E = 0x20            # bit 5 of the first octet
STATUS_INVALID_PMKID = 53
TRANSITION_DISABLE_WPA3_PERSONAL = 0x01
SAE_PWE_HNP, SAE_PWE_H2E, SAE_PWE_BOTH = 0, 1, 2
RETRANS_PERIOD = 1.0


class SaeUnavailable(Exception):
    pass


def pmksa_cache(iface):
    cache = getattr(iface, "pmksa", None)
    if cache is None:
        cache = iface.pmksa = PmksaCache(iface.eloop.now)
    return cache


def network_key(network):
    """PMKSA entries belong to (SSID, password, identifier): a changed password
    or a different network never reuses a PMK."""
    return (network.ssid_bytes, sae_password(network), _password_id(network))


def sae_password(network):
    pw = network.sae_password
    if pw is None and network.passphrase is not None:
        pw = network.passphrase.encode("utf-8")
    return pw


def _password_id(network):
    raw = network.get("sae_password_id") if hasattr(network, "get") else None
    if not raw:
        return None
    if raw.startswith('"') and raw.endswith('"'):
        return raw[1:-1].encode("utf-8")
    try:
        return bytes.fromhex(raw)
    except ValueError:
        return raw.encode("utf-8")


def _sae_groups(config):
    raw = config.globals.get("sae_groups") if hasattr(config, "globals") else None
    if raw:
        groups = [int(g) for g in raw.split() if g.isdecimal()]
        groups = [g for g in groups if g in (19, 20)]
        if groups:
            return groups
    return [19, 20]


def _use_h2e(iface, network, bss):
    mode = getattr(iface.config, "sae_pwe", 0)
    if _password_id(network):
        return True           # identifiers exist only with hash-to-element
    if mode == SAE_PWE_H2E:
        return True
    ap_h2e = bool(bss.elements.rsnx) and bool(bss.elements.rsnx[0] & RSNX_SAE_H2E)
    if mode == SAE_PWE_BOTH:
        return ap_h2e
    return False


def _rsnxe(h2e):
    return bytes((EID_RSNX, 1, RSNX_SAE_H2E)) if h2e else b""


class _Session:
    __slots__ = ("machine", "bssid", "network", "started", "params", "steps", "h2e")

    def __init__(self, machine, bssid, network, started):
        self.machine = machine
        self.bssid = bssid
        self.network = network
        self.started = started
        self.params = None
        self.steps = None
        self.h2e = False


def prepare(iface, network, bss, plan, params):
    """Make params start SAE (or PMKSA caching) with this BSS.  Returns True
    when SAE runs: the commit is then computed from the event loop and this
    module calls driver.associate(params) itself; False when the caller
    associates now (PMKSA caching)."""
    cancel(iface)
    iface.sae_pmk = None
    iface.sae_pmksa_used = None
    iface.sae_group = None       # STATUS sae_group: only when SAE ran for this link
    iface.sae_h2e = False
    capa = iface.capa
    if capa is None or not capa.sae:
        raise SaeUnavailable("the driver cannot carry SAE authentication")
    password = sae_password(network)
    if not password:
        raise SaeUnavailable("network %d has no SAE password or passphrase" % network.id)
    h2e = _use_h2e(iface, network, bss)
    if h2e and getattr(iface.config, "sae_pwe", 0) == SAE_PWE_HNP and _password_id(network) \
            and not (bss.elements.rsnx and bss.elements.rsnx[0] & RSNX_SAE_H2E):
        log.info("%s: SAE password identifier with an AP that does not announce H2E",
                 iface.ifname)
    if getattr(bss.elements, "h2e_required", False) and not h2e:
        raise SaeUnavailable("the AP requires SAE hash-to-element (sae_pwe=0 here)")
    extra = _rsnxe(h2e)
    params.extra_ies = bytes(params.extra_ies or b"") + extra
    if extra:
        # Message 2 carries the same RSNXE as the association request.
        plan.sel.own_ie = bytes(plan.sel.own_ie) + extra
    entry = pmksa_cache(iface).get(bss.bssid, network_key(network), AKM_SAE)
    if entry is not None:
        log.info("%s: PMKSA caching with %s, skipping SAE", iface.ifname, bss.bssid_txt)
        own = _rsn_ie_with_pmkid(plan, entry.pmkid)
        plan.sel.own_ie = own + extra
        params.wpa_ie = own
        params.auth_alg = AUTH_OPEN
        params.auth_data = None
        iface.sae_pmk = entry.pmk
        iface.sae_pmksa_used = entry
        return False
    machine = saelib.SaeSupplicant(
        iface.addr, bss.bssid, password, ssid=network.ssid_bytes,
        groups=_sae_groups(iface.config), h2e=h2e, identifier=_password_id(network),
        retrans_period=RETRANS_PERIOD, pt_cache=_pt_cache(iface))
    session = iface.sae_session = _Session(machine, bss.bssid, network, iface.eloop.now())
    session.params = params
    session.steps = machine.start_steps()
    session.h2e = h2e
    params.auth_alg = AUTH_SAE
    # The commit takes a while on a slow CPU: compute it in steps from the
    # event loop (control requests keep being answered), then authenticate.
    iface.eloop.register_timeout(0, _commit_step, iface)
    return True


def _commit_step(iface):
    session = getattr(iface, "sae_session", None)
    if session is None or session.steps is None:
        return
    try:
        next(session.steps)
    except StopIteration as e:
        actions = e.value
    except saelib.SaeError as e:
        _failed(iface, session, saelib.Failed(str(e)))
        return
    else:
        iface.eloop.register_timeout(0, _commit_step, iface)
        return
    session.steps = None
    log.debug("%s: SAE commit (group %d, %s) computed in %.0f ms", iface.ifname,
              session.machine.group, "H2E" if session.h2e else "hunting-and-pecking",
              (iface.eloop.now() - session.started) * 1000)
    first = None
    rest = []
    for a in actions:
        if isinstance(a, saelib.SendAuth) and first is None:
            first = a
        else:
            rest.append(a)
    session.params.auth_data = first.data
    try:
        iface.driver.associate(session.params)
    except DriverError as e:
        log.warning("%s: cannot start SAE authentication: %s", iface.ifname, e)
        iface.sae_session = None
        iface.connection_failed(session.bssid, "CONN_FAILED")
        return
    _run(iface, rest)


def _pt_cache(iface):
    cache = getattr(iface, "sae_pt_cache", None)
    if cache is None:
        cache = iface.sae_pt_cache = {}
    if len(cache) > 8:
        cache.clear()
    return cache


def _rsn_ie_with_pmkid(plan, pmkid):
    info = rsnie.parse_rsn_ie(plan.sel.own_ie[:2 + plan.sel.own_ie[1]])
    return rsnie.build_rsn_ie(info.group_cipher, info.pairwise_ciphers, info.akms,
                              info.capabilities, pmkids=(pmkid,),
                              group_mgmt=info.group_mgmt_cipher)


def cancel(iface):
    iface.eloop.cancel_timeout(_retransmit, iface)
    iface.eloop.cancel_timeout(_commit_step, iface)
    iface.sae_session = None


def pmk(iface):
    return getattr(iface, "sae_pmk", None)


def on_auth(iface, event):
    """An Authenticated event: SAE frames go to the machine."""
    session = getattr(iface, "sae_session", None)
    if session is None or event.auth_type != AUTH_SAE:
        return False
    data = event.data or b""
    if len(data) < 4:
        return True
    trans = int.from_bytes(data[0:2], "little")
    status = int.from_bytes(data[2:4], "little")
    _run(iface, session.machine.receive(trans, status, data[4:]))
    return True


def _retransmit(iface):
    session = getattr(iface, "sae_session", None)
    if session is not None:
        _run(iface, session.machine.timeout())


def _run(iface, actions):
    session = iface.sae_session
    for a in actions:
        if isinstance(a, saelib.SendAuth):
            try:
                iface.driver.send_auth_frame(session.bssid, AUTH_SAE, a.data)
            except DriverError as e:
                log.warning("%s: cannot send an SAE frame: %s", iface.ifname, e)
                _failed(iface, session, saelib.Failed("driver: %s" % e))
                return
        elif isinstance(a, saelib.SetTimer):
            iface.eloop.cancel_timeout(_retransmit, iface)
            iface.eloop.register_timeout(a.seconds, _retransmit, iface)
        elif isinstance(a, saelib.CancelTimer):
            iface.eloop.cancel_timeout(_retransmit, iface)
        elif isinstance(a, saelib.Accepted):
            _accepted(iface, session, a)
            return
        elif isinstance(a, saelib.Failed):
            _failed(iface, session, a)
            return


def _accepted(iface, session, a):
    iface.eloop.cancel_timeout(_retransmit, iface)
    iface.sae_session = None
    iface.sae_pmk = a.pmk
    pmksa_cache(iface).add(session.bssid, a.pmk, a.pmkid, AKM_SAE,
                           network_key(session.network))
    log.info("%s: SAE authenticated with %s (group %d) in %.0f ms", iface.ifname,
             mac_txt(session.bssid), a.group, (iface.eloop.now() - session.started) * 1000)
    iface.sae_group = a.group
    iface.sae_h2e = session.h2e
    from wispd.core import station as st
    if iface.wpa_state == st.AUTHENTICATING:
        iface.set_state(st.ASSOCIATING)
    try:
        iface.driver.associate_after_auth()
    except DriverError as e:
        log.warning("%s: association after SAE failed: %s", iface.ifname, e)
        iface.connection_failed(session.bssid, "CONN_FAILED")


def _failed(iface, session, a):
    iface.eloop.cancel_timeout(_retransmit, iface)
    iface.sae_session = None
    network = session.network
    log.info("%s: SAE with %s failed: %s", iface.ifname, mac_txt(session.bssid), a.reason)
    iface.notify(nt.SaeFailed(session.bssid, a.reason))
    if a.status is not None:
        iface.notify(nt.AuthRejected(session.bssid, 3, 2 if a.wrong_password else 1, a.status))
    try:
        iface.driver.deauthenticate(session.bssid, 1)
    except DriverError:
        pass
    if a.wrong_password:
        # wpa_supplicant reports a failed SAE exchange as WRONG_KEY too.
        iface.count_failure("WRONG_KEY")
        iface.connection_failed(session.bssid, "WRONG_KEY")
        iface.auth_failed(network, "WRONG_KEY")
        return
    iface.connection_failed(session.bssid, "CONN_FAILED")


def assoc_rejected(iface, status):
    """The AP refused the association: a PMKSA it no longer has goes away."""
    entry = getattr(iface, "sae_pmksa_used", None)
    if entry is not None and status == STATUS_INVALID_PMKID:
        pmksa_cache(iface).remove(entry.bssid, entry.network_key)
    iface.sae_pmksa_used = None


def transition_disable(iface, bitmap):
    """Transition Disable KDE (WPA3-Personal bit): this network must not use
    WPA2-PSK any more.  The network's key_mgmt loses WPA-PSK (and
    WPA-PSK-SHA256) and, with update_config=1, the file is saved.  Applied
    from the event loop once message 3 is handled (after CTRL-EVENT-CONNECTED,
    the order wpa_supplicant reports them in)."""
    network = iface.current_network
    if network is None or not bitmap & TRANSITION_DISABLE_WPA3_PERSONAL:
        return
    iface.eloop.register_timeout(0, _apply_transition_disable, iface, network, bitmap)


def _apply_transition_disable(iface, network, bitmap):
    km = network.key_mgmt
    if "SAE" not in km or not km & {"WPA-PSK", "WPA-PSK-SHA256"}:
        return
    new = " ".join(k for k in sorted(km) if k not in ("WPA-PSK", "WPA-PSK-SHA256"))
    network.set("key_mgmt", new)
    iface.notify(nt.TransitionDisable(bitmap))
    log.info("%s: transition disable: network %d now key_mgmt=%s", iface.ifname, network.id,
             new)
    cfg = iface.config
    if getattr(cfg, "update_config", False) and getattr(cfg, "path", None):
        try:
            from wispd.config import model as wconfig
            wconfig.save(cfg)
        except Exception as e:  # noqa: BLE001 - a failed save must not break the link
            log.warning("%s: could not save the configuration: %s", iface.ifname, e)
