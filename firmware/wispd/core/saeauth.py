"""SAE on the connect path: glue between one Connection, the sans-IO SAE machine
(wispd.rsn.sae), the interface's PMKSA cache and the driver.

Flow (mac80211 / nl80211 SME): prepare() puts our commit into the first
AUTHENTICATE (auth type SAE); the AP's frames come back as Authenticated
events and go to on_auth(); further frames go out with
driver.send_auth_frame(); retransmissions run on the eloop; when the AP's
confirm verifies, the PMK goes to the PMKSA cache and the connection goes on to
associate.  The 4-way handshake then runs with that PMK.

A cached PMKSA for the same AP and network skips SAE: open system
authentication and the PMKID in the RSN element.  An AP that lost the PMKSA
rejects the association (status 53, as hostapd does for SAE without a PMKSA);
the entry is then dropped and the next attempt runs SAE.

Full-MAC SAE (EXTERNAL_AUTH, offload) is not implemented: the station refuses
SAE on a driver that cannot carry it (caps.sae false) instead of using a
weaker AKM; see security.plan_for.
"""

import logging

from wispd.core.bss import mac_txt
from wispd.drivers.ops import AUTH_OPEN, AUTH_SAE, DriverError
from wispd.rsn import ie as rsnie
from wispd.rsn import sae as saelib
from wispd.rsn.defs import AKM_SAE, EID_RSNX
from wispd.rsn.pmksa import PmksaCache

log = logging.getLogger("wispd.sae")

RSNX_SAE_H2E = 0x20            # bit 5 of the first octet
STATUS_INVALID_PMKID = 53
SAE_PWE_HNP, SAE_PWE_H2E, SAE_PWE_BOTH = 0, 1, 2
RETRANS_PERIOD = 1.0
PT_CACHE_MAX = 8


class SaeUnavailable(Exception):
    pass


class SaeNoPassword(SaeUnavailable):
    """The network has neither sae_password nor a passphrase (a raw psk= cannot
    run SAE): the network is disabled for a while with NO_PSK_AVAILABLE."""


class SaeKeys:
    """What SAE remembers across attempts on one interface: PMKSAs (skip SAE on
    a known AP) and password elements (H2E's PT is costly to derive); and, next
    to them, the PMK-R0 of each 802.11r mobility domain (FT-PSK and FT-SAE,
    core/ftauth.FtKeys), so a roam in the domain needs neither SAE nor PSK."""

    def __init__(self, now):
        from wispd.core.ftauth import FtKeys
        self.pmksa = PmksaCache(now)
        self.pt_cache = {}
        self.ft = FtKeys()

    def pt(self):
        if len(self.pt_cache) > PT_CACHE_MAX:
            self.pt_cache.clear()
        return self.pt_cache


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


def _ap_h2e(bss):
    return bool(bss.elements.rsnx) and bool(bss.elements.rsnx[0] & RSNX_SAE_H2E)


def _use_h2e(config, network, bss):
    mode = getattr(config, "sae_pwe", 0)
    if _password_id(network):
        return True           # identifiers exist only with hash-to-element
    if mode == SAE_PWE_H2E:
        return True
    if mode == SAE_PWE_BOTH:
        return _ap_h2e(bss)
    return False


def _rsnxe(h2e):
    return bytes((EID_RSNX, 1, RSNX_SAE_H2E)) if h2e else b""


def _rsn_ie_with_pmkid(plan, pmkid):
    info = rsnie.parse_rsn_ie(plan.sel.own_ie[:2 + plan.sel.own_ie[1]])
    return rsnie.build_rsn_ie(info.group_cipher, info.pairwise_ciphers, info.akms,
                              info.capabilities, pmkids=(pmkid,),
                              group_mgmt=info.group_mgmt_cipher)


class SaeAuth:
    """The SAE exchange of one connection attempt.  It reports back to the
    connection through three calls: authenticated() (the confirm verified, or a
    cached PMKSA is used), failed(result_reason, wrong_password) and
    start_auth(params) (the commit is ready: send the first AUTHENTICATE)."""

    def __init__(self, conn, keys):
        self.conn = conn
        self.keys = keys
        self.machine = None
        self.steps = None
        self.params = None
        self.started = 0.0
        self.h2e = False
        self.pmk = None
        self.pmksa_used = None
        self.group = None         # STATUS sae_group: only when SAE ran for this link

    # ------------------------------------------------------------------ set-up
    def prepare(self, network, bss, plan, params):
        """Make params start SAE (or PMKSA caching) with this BSS.  Returns True
        when SAE runs (the commit is computed from the event loop and the
        connection associates once it is ready), False when the caller
        associates now (PMKSA caching)."""
        conn = self.conn
        if conn.capa is None or not conn.capa.sae:
            raise SaeUnavailable("the driver cannot carry SAE authentication")
        password = sae_password(network)
        if not password:
            raise SaeNoPassword("network %d has no SAE password or passphrase" % network.id)
        h2e = _use_h2e(conn.config, network, bss)
        if h2e and getattr(conn.config, "sae_pwe", 0) == SAE_PWE_HNP and _password_id(network) \
                and not _ap_h2e(bss):
            log.info("%s: SAE password identifier with an AP that does not announce H2E",
                     conn.ifname)
        if getattr(bss.elements, "h2e_required", False) and not h2e:
            raise SaeUnavailable("the AP requires SAE hash-to-element (sae_pwe=0 here)")
        extra = _rsnxe(h2e)
        params.extra_ies = bytes(params.extra_ies or b"") + extra
        if extra:
            # Message 2 carries the same RSNXE as the association request.
            plan.sel.own_ie = bytes(plan.sel.own_ie) + extra
        # FT-SAE makes its PMK-R0 from the PMK of a full SAE exchange, and a roam
        # in its mobility domain is FT: no PMKSA caching with it.
        entry = None if plan.sel.akm != AKM_SAE else \
            self.keys.pmksa.get(bss.bssid, network_key(network), AKM_SAE)
        if entry is not None:
            log.info("%s: PMKSA caching with %s, skipping SAE", conn.ifname, bss.bssid_txt)
            own = _rsn_ie_with_pmkid(plan, entry.pmkid)
            plan.sel.own_ie = own + extra
            params.wpa_ie = own
            params.auth_alg = AUTH_OPEN
            params.auth_data = None
            self.pmk = entry.pmk
            self.pmksa_used = entry
            return False
        self.machine = saelib.SaeSupplicant(
            conn.addr, bss.bssid, password, ssid=network.ssid_bytes,
            groups=_sae_groups(conn.config), h2e=h2e, identifier=_password_id(network),
            retrans_period=RETRANS_PERIOD, pt_cache=self.keys.pt())
        self.started = conn.eloop.now()
        self.params = params
        self.steps = self.machine.start_steps()
        self.h2e = h2e
        params.auth_alg = AUTH_SAE
        # The commit takes a while on a slow CPU: compute it in steps from the
        # event loop (control requests keep being answered), then authenticate.
        conn.eloop.register_timeout(0, self._commit_step)
        return True

    def cancel(self):
        self.conn.eloop.cancel_timeout(self._retransmit)
        self.conn.eloop.cancel_timeout(self._commit_step)
        self.machine = None
        self.steps = None

    @property
    def running(self):
        return self.machine is not None

    def _commit_step(self):
        if self.steps is None:
            return
        try:
            next(self.steps)
        except StopIteration as e:
            actions = e.value
        except saelib.SaeError as e:
            self._failed(saelib.Failed(str(e)))
            return
        else:
            self.conn.eloop.register_timeout(0, self._commit_step)
            return
        self.steps = None
        log.debug("%s: SAE commit (group %d, %s) computed in %.0f ms", self.conn.ifname,
                  self.machine.group, "H2E" if self.h2e else "hunting-and-pecking",
                  (self.conn.eloop.now() - self.started) * 1000)
        first = None
        rest = []
        for a in actions:
            if isinstance(a, saelib.SendAuth) and first is None:
                first = a
            else:
                rest.append(a)
        self.params.auth_data = first.data
        if self.conn.start_auth(self.params):
            self._run(rest)

    # ------------------------------------------------------------------ frames
    def on_auth(self, event):
        """An Authenticated event: True if it was SAE's."""
        if self.machine is None or event.auth_type != AUTH_SAE:
            return False
        data = event.data or b""
        if len(data) < 4:
            return True
        trans = int.from_bytes(data[0:2], "little")
        status = int.from_bytes(data[2:4], "little")
        self._run(self.machine.receive(trans, status, data[4:]))
        return True

    def _retransmit(self):
        if self.machine is not None:
            self._run(self.machine.timeout())

    def _run(self, actions):
        eloop = self.conn.eloop
        for a in actions:
            if isinstance(a, saelib.SendAuth):
                try:
                    self.conn.driver.send_auth_frame(self.conn.bssid, AUTH_SAE, a.data)
                except DriverError as e:
                    log.warning("%s: cannot send an SAE frame: %s", self.conn.ifname, e)
                    self._failed(saelib.Failed("driver: %s" % e))
                    return
            elif isinstance(a, saelib.SetTimer):
                eloop.cancel_timeout(self._retransmit)
                eloop.register_timeout(a.seconds, self._retransmit)
            elif isinstance(a, saelib.CancelTimer):
                eloop.cancel_timeout(self._retransmit)
            elif isinstance(a, saelib.Accepted):
                self._accepted(a)
                return
            elif isinstance(a, saelib.Failed):
                self._failed(a)
                return

    def _accepted(self, a):
        conn = self.conn
        bssid = self.conn.bssid
        self.cancel()
        self.pmk = a.pmk
        if conn.plan.sel.akm == AKM_SAE:
            self.keys.pmksa.add(bssid, a.pmk, a.pmkid, AKM_SAE, network_key(conn.network))
        log.info("%s: SAE authenticated with %s (group %d) in %.0f ms", conn.ifname,
                 mac_txt(bssid), a.group, (conn.eloop.now() - self.started) * 1000)
        self.group = a.group
        conn.sae_authenticated()

    def _failed(self, a):
        bssid = self.conn.bssid
        self.cancel()
        log.info("%s: SAE with %s failed: %s", self.conn.ifname, mac_txt(bssid), a.reason)
        self.conn.sae_failed(a.reason, a.status, a.wrong_password)

    def assoc_rejected(self, status):
        """The AP refused the association: a PMKSA it no longer has goes away."""
        entry, self.pmksa_used = self.pmksa_used, None
        if entry is not None and status == STATUS_INVALID_PMKID:
            self.keys.pmksa.remove(entry.bssid, entry.network_key)
