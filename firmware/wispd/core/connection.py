"""One connection attempt, from a chosen BSS to an authorized port, and the link
it made.

iwd's netdev_connect(..., connect_cb) is the model: the station hands a
Connection what to join and how (network, BSS, security Plan) and gets exactly
one on_result(Result) back: success, or the reason it failed.  Everything the
attempt needs lives here and nowhere else: SAE (core/saeauth.py), the
EapolKeySupplicant of wispd.rsn, EAPOL frames that beat the association event,
and the connect and handshake timeouts.  After success the Connection stays as
the link's key holder: PTK and group rekeys run through it.

The station keeps policy (what to join, what a failure means for the network)
and dispatch.  A future phase (802.1X/EAP between association and the 4-way
handshake, a reassociation that keeps the network) is a change in this module.
"""

import logging

from wispd.core import notify as nt
from wispd.core import security
from wispd.core import states as S
from wispd.core.bss import mac_txt
from wispd.drivers.ops import DriverError, KeyParams
from wispd.platform import log as wlog
from wispd.rsn import handshake as hs
from wispd.rsn.defs import EID_RSNX, KEY_PAIRWISE

log = logging.getLogger("wispd.station")

# Give up on an attempt that makes no progress; the kernel has its own timeouts
# too, but a lost event must not leave us in ASSOCIATING forever.
CONNECT_TIMEOUT = 10.0
HANDSHAKE_TIMEOUT = 10.0
EARLY_EAPOL_MAX = 4

REASON_UNSPECIFIED = 1
REASON_4WAY_TIMEOUT = 15
REASON_IE_IN_4WAY_DIFFERS = 17
REASON_8021X_AUTH_FAILED = 23

CONN_FAILED = "CONN_FAILED"
WRONG_KEY = "WRONG_KEY"
AUTH_FAILED = "AUTH_FAILED"
TRANSITION_DISABLE_WPA3_PERSONAL = 0x01


class Port:
    """What a connection may use of its interface, and nothing more."""
    __slots__ = ("eloop", "driver", "ifname", "addr", "capa", "config", "notify", "states",
                 "send_eapol", "sae_keys")   # sae_keys(): the interface's SaeKeys

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.pop(name))
        if fields:
            raise TypeError("unknown Port fields %s" % sorted(fields))


class Lost:
    """The link went down during the attempt (a deauthentication, or our own
    after a handshake timeout): the station reports it as a disconnection."""
    __slots__ = ("bssid", "reason", "locally_generated", "kind")

    def __init__(self, bssid, reason, locally_generated, kind=None):
        self.bssid = bssid
        self.reason = reason
        self.locally_generated = locally_generated
        self.kind = kind


class Result:
    """How an attempt ended.  reason: CONN_FAILED or WRONG_KEY when refused;
    wrong_key: the passphrase is probably wrong (the network is disabled for a
    while); lost: a Lost when the link came up and went down again."""
    __slots__ = ("ok", "reason", "bssid", "wrong_key", "lost")

    def __init__(self, ok, reason=None, bssid=None, wrong_key=False, lost=None):
        self.ok = ok
        self.reason = reason
        self.bssid = bssid
        self.wrong_key = wrong_key
        self.lost = lost

    def __repr__(self):
        return "Result(ok=%r, reason=%r, wrong_key=%r, lost=%r)" % (
            self.ok, self.reason, self.wrong_key, self.lost is not None)


def means_wrong_key(state, plan, lost):
    """wpa_supplicant's could_be_psk_mismatch: a PSK network lost during the
    4-way handshake, unless the loss says something else (our own IE mismatch
    deauthentication, or a loss found by a resync after lost events)."""
    return (state == S.FOUR_WAY and plan is not None and plan.psk_based
            and lost.kind != "resync"
            and not (lost.locally_generated and lost.reason == REASON_IE_IN_4WAY_DIFFERS))


class Connection:
    def __init__(self, port, network, bss, plan, on_result):
        self.eloop = port.eloop
        self.driver = port.driver
        self.ifname = port.ifname
        self.addr = port.addr
        self.capa = port.capa
        self.config = port.config
        self.notify = port.notify
        self.states = port.states
        self.send_eapol = port.send_eapol
        self.sae_keys = port.sae_keys
        self.network = network
        self.bss = bss                  # the BSS we chose
        self.bssid = bss.bssid          # the BSS we are with (a roam changes it)
        self.current_bss = None         # the table's entry once associated
        self.plan = plan
        self.on_result = on_result
        self.pending = True             # no Result given yet
        self.handshake = None
        self.early_eapol = []
        self.sae = None
        self.eap = None                 # core/eapauth.EapAuth on an 802.1X AKM
        self.eap_pmksa = None           # the 802.1X PMKSA offered in the association
        self.prev_bssid = None          # a roam: the BSS we leave (Reassociation Request)
        self.assoc_resp_ies = b""       # the (Re)Association Response's IEs (FT needs them)
        self.ftauth = None              # core/ftauth.FtAuth on an FT roam

    # ------------------------------------------------------------------ start
    def start(self):
        network, bss, plan = self.network, self.bss, self.plan
        try:
            params = security.assoc_params(network, bss, plan)
            params.prev_bssid = self.prev_bssid
        except security.SecurityError as e:
            log.warning("%s: cannot connect to %s: %s", self.ifname, bss.bssid_txt, e)
            self._fail(CONN_FAILED)
            return
        deferred = False
        akm = None if plan.open else plan.sel.akm
        if akm in security.FT_AKMS and self.prev_bssid is not None:
            # A roam within the mobility domain: FT over the air, no SAE and no
            # 4-way (an initial association made the domain's PMK-R0).
            from wispd.core import ftauth
            keys = ftauth.known(self, network, security.ft_mde(bss))
            if keys is not None:
                self.ftauth = ftauth.FtAuth(self, keys)
                self.ftauth.prepare(params)
        if akm in security.SAE_AKMS and self.ftauth is None:
            # Loaded only for SAE networks: its crypto (ECC, H2E) costs start-up
            # time and memory that a WPA2-PSK board never needs.
            from wispd.core.saeauth import SaeAuth, SaeNoPassword, SaeUnavailable
            self.sae = SaeAuth(self, self.sae_keys())
            try:
                deferred = self.sae.prepare(network, bss, plan, params)
            except (SaeUnavailable, ValueError) as e:
                self.notify(nt.SaeUnusable(bss.bssid, str(e)))
                no_psk = isinstance(e, SaeNoPassword)
                self._fail("NO_PSK_AVAILABLE" if no_psk else CONN_FAILED, wrong_key=no_psk)
                return
        if not plan.open and plan.eap:
            from wispd.core.eapauth import prepare_pmksa
            self.eap_pmksa = prepare_pmksa(self, network, bss, plan, params)
        self.notify(nt.Associating(bss.bssid, network.ssid_bytes or bss.ssid, bss.freq))
        sme = self.capa.sme and not self.capa.connect
        self.states.move(S.AUTHENTICATING if sme else S.ASSOCIATING)
        if not deferred and not self.start_auth(params):
            return
        self.eloop.register_timeout(CONNECT_TIMEOUT, self._connect_timeout)

    def start_auth(self, params):
        """Authenticate and associate (SAE calls this once its commit is ready)."""
        try:
            self.driver.associate(params)
        except DriverError as e:
            log.warning("%s: associate failed: %s", self.ifname, e)
            self._fail(CONN_FAILED)
            return False
        return True

    def current_bssid(self):
        return self.current_bss.bssid if self.current_bss is not None else self.bssid

    # ------------------------------------------------------------------ ending
    def _finish(self, result):
        if not self.pending:
            return
        self.pending = False
        self._stop_timers()
        self.on_result(result)

    def _fail(self, reason, bssid=None, wrong_key=False):
        self._finish(Result(False, reason, bssid or self.bssid, wrong_key))

    def _lose(self, lost):
        wrong_key = means_wrong_key(self.states.state, self.plan, lost)
        self._finish(Result(False, WRONG_KEY if wrong_key else None, lost.bssid or self.bssid,
                            wrong_key, lost))

    def _stop_timers(self):
        self.eloop.cancel_timeout(self._connect_timeout)
        self.eloop.cancel_timeout(self._handshake_timeout)
        if self.sae is not None:
            self.sae.cancel()
        if self.eap is not None:
            self.eap.cancel()

    def close(self):
        """The station is done with this link (lost, left, or replaced)."""
        self.pending = False
        self._stop_timers()
        self.eloop.cancel_timeout(self._apply_transition_disable)
        self.handshake = None
        self.early_eapol = []

    def _connect_timeout(self):
        log.info("%s: connection attempt timed out", self.ifname)
        self._deauthenticate(REASON_UNSPECIFIED)
        self._fail(CONN_FAILED)

    def _handshake_timeout(self):
        log.info("%s: key handshake timed out", self.ifname)
        self._deauthenticate(REASON_4WAY_TIMEOUT)
        self._lose(Lost(self.current_bssid(), REASON_4WAY_TIMEOUT, True, "timeout"))

    def _deauthenticate(self, reason):
        try:
            self.driver.deauthenticate(self.current_bssid(), reason)
        except DriverError:
            pass

    # ------------------------------------------------------------------ driver events
    def authenticated(self, event):
        if self.sae is not None and self.sae.on_auth(event):
            return
        if self.ftauth is not None and self.ftauth.on_auth(event):
            if self.pending and self.states.state == S.AUTHENTICATING:
                self.states.move(S.ASSOCIATING)
            return
        if self.states.state == S.AUTHENTICATING:
            self.states.move(S.ASSOCIATING)

    def sae_authenticated(self):
        if self.states.state == S.AUTHENTICATING:
            self.states.move(S.ASSOCIATING)
        try:
            self.driver.associate_after_auth()
        except DriverError as e:
            log.warning("%s: association after SAE failed: %s", self.ifname, e)
            self._fail(CONN_FAILED)

    def ft_failed(self, reason):
        log.info("%s: FT with %s failed: %s", self.ifname, mac_txt(self.bssid), reason)
        self._deauthenticate(REASON_UNSPECIFIED)
        self._fail(CONN_FAILED)

    def sae_failed(self, reason, status, wrong_password):
        self.notify(nt.SaeFailed(self.bssid, reason))
        if status is not None:
            self.notify(nt.AuthRejected(self.bssid, 3, 2 if wrong_password else 1, status))
        self._deauthenticate(REASON_UNSPECIFIED)
        # wpa_supplicant reports a failed SAE exchange as WRONG_KEY too.
        self._fail(WRONG_KEY if wrong_password else CONN_FAILED, wrong_key=wrong_password)

    def auth_failed(self, event):
        if self.states.state not in (S.AUTHENTICATING, S.ASSOCIATING):
            return
        bssid = event.bssid or self.bssid
        if event.timed_out:
            log.info("%s: authentication with %s timed out", self.ifname, mac_txt(bssid))
        else:
            self.notify(nt.AuthRejected(bssid, 0, 2, event.status or 0))
        self._fail(CONN_FAILED, bssid)

    def assoc_rejected(self, event):
        if self.states.state not in (S.AUTHENTICATING, S.ASSOCIATING):
            return
        bssid = event.bssid or self.bssid
        self.notify(nt.AssocRejected(bssid, event.status or 0))
        if self.sae is not None:
            self.sae.assoc_rejected(event.status)
        self._fail(CONN_FAILED, bssid)

    def associated(self, event, bss):
        """The link is up at layer 2 (also after a roam of a full-MAC driver)."""
        self.eloop.cancel_timeout(self._connect_timeout)
        self.pending = True
        self.current_bss = bss
        self.bssid = event.bssid
        self.assoc_resp_ies = bytes(event.resp_ies or b"")
        self.notify(nt.Associated(event.bssid))
        self.states.move(S.ASSOCIATED)
        if self.ftauth is not None and not self.plan.open:
            from wispd.core.ftauth import FtFailed
            try:
                self.ftauth.associated(self.assoc_resp_ies)
                # No 4-way: the machine holds the FT keys for the AP's group rekeys.
                self.handshake = self.ftauth.key_machine(*self._ap_rsn_elements())
            except (FtFailed, DriverError, ValueError) as e:
                self.ftauth = None
                self.ft_failed(str(e))
                return
            self._finish(Result(True, bssid=self.bssid))
            return
        if self.plan.open or event.authorized:
            # Open, or a full-MAC driver ran the handshake itself.
            self._finish(Result(True, bssid=self.bssid))
            return
        if self.plan.eap:
            # 802.1X: EAP first, the 4-way handshake with its PMK after (core/eapauth.py).
            from wispd.core.eapauth import EapAuth
            if self.eap is not None:
                self.eap.cancel()
            self.eap = EapAuth(self, self.eap_pmksa)
            self.eap_pmksa = None       # a reassociation runs EAP again
            if self.eap.begin():
                early, self.early_eapol = self.early_eapol, []
                for data in early:
                    self.receive_eapol(data)
            return
        self._start_handshake(event.bssid)

    def eap_succeeded(self):
        """EAP-Success: the PMK is known, the authenticator's message 1 follows."""
        self._start_handshake(self.current_bssid())

    def eap_failed(self, reason):
        """EAP-Failure or no EAP at all: AUTH_FAILED, as wpa_supplicant reports it."""
        self._deauthenticate(REASON_8021X_AUTH_FAILED)
        self._fail(AUTH_FAILED, wrong_key=True)

    def _start_handshake(self, aa):
        try:
            self.handshake = self._new_handshake(aa)
        except security.SecurityError as e:
            log.warning("%s: %s", self.ifname, e)
            self._deauthenticate(REASON_UNSPECIFIED)
            self._fail(CONN_FAILED)
            return
        self.eloop.register_timeout(HANDSHAKE_TIMEOUT, self._handshake_timeout)
        early, self.early_eapol = self.early_eapol, []
        for data in early:
            self.receive_eapol(data)

    def port_authorized(self):
        if self.states.state in (S.ASSOCIATED, S.FOUR_WAY, S.GROUP_HANDSHAKE):
            self._finish(Result(True, bssid=self.bssid))

    def disconnected(self, event):
        """The link went down before the attempt ended."""
        self._lose(Lost(event.bssid or self.current_bssid(), event.reason or 0,
                        bool(event.locally_generated), event.kind))

    # ------------------------------------------------------------------ keys
    def _ap_rsn_elements(self):
        """The AP's RSNE (whole) and RSNXE (whole or None), as message 3 must
        repeat them; the table's entry first, refreshed by the latest scan."""
        ap_ie = self.plan.ap_ie
        bss = self.current_bss
        if bss is not None and bss.elements.rsn:
            ap_ie = bss.elements.rsn
        rsnx = bss.elements.rsnx if bss is not None else None
        return ap_ie, None if rsnx is None else bytes((EID_RSNX, len(rsnx))) + rsnx

    def _new_handshake(self, aa):
        plan = self.plan
        bss = self.current_bss
        ap_ie, ap_rsnxe = self._ap_rsn_elements()
        if plan.sel.akm in security.SAE_AKMS:
            pmk = self.sae.pmk if self.sae is not None else None
            if pmk is None:
                raise security.SecurityError("SAE association without an SAE PMK")
        elif self.plan.eap:
            pmk = self.eap.pmk if self.eap is not None else None
            if pmk is None:
                raise security.SecurityError("802.1X association without an EAP PMK")
        else:
            pmk = security.pmk_for(self.network, (bss or self.bss).ssid)
        ft_info = None
        if plan.sel.akm in security.FT_AKMS:
            # FT initial mobility domain association: the PTK comes from PMK-R1.
            from wispd.core import ftauth
            try:
                pmk, ft_info = ftauth.initial_handshake(self, pmk, self.assoc_resp_ies)
            except ftauth.FtFailed as e:
                raise security.SecurityError("FT: %s" % e) from None
        # wpa_supplicant's wpa_hexdump_key: the value only with -K, else [REMOVED].
        log.debug("%s: WPA: PMK %s", self.ifname, wlog.settings.key(pmk))
        sel = plan.sel
        return hs.EapolKeySupplicant(
            pmk=pmk, spa=self.addr, aa=aa, akm=sel.akm, pairwise=sel.pairwise, group=sel.group,
            own_rsne=sel.own_ie, ap_rsne=ap_ie, mgmt_group=sel.mgmt_group, mfp=sel.mfp,
            ap_rsnxe=ap_rsnxe, ft=ft_info)

    def receive_eapol(self, data):
        if self.eap is not None and self.eap.receive(data):
            return                      # an EAP frame, not EAPOL-Key
        state = self.states.state
        if state in (S.AUTHENTICATING, S.ASSOCIATING) or (
                state == S.ASSOCIATED and self.handshake is None):
            # Message 1 may beat the association event: keep it for a moment.
            if len(self.early_eapol) < EARLY_EAPOL_MAX:
                self.early_eapol.append(data)
            return
        if self.handshake is None:
            log.debug("%s: EAPOL outside a handshake, dropped", self.ifname)
            return
        self._run_handshake(data)

    def _run_handshake(self, data):
        machine = self.handshake
        sel = self.plan.sel
        for action in machine.receive_eapol(data):
            if isinstance(action, hs.SendEapol):
                self.send_eapol(self.current_bssid(), action.data)
            elif isinstance(action, hs.InstallKey):
                self._install(machine, action)
            elif isinstance(action, hs.Completed):
                # Also after a PTK rekey on a live link, as wpa_supplicant reports it.
                self.notify(nt.KeyNegotiationCompleted(self.current_bssid(),
                                                       security.cipher_name(sel.pairwise),
                                                       security.cipher_name(sel.group)))
                if self.pending:
                    self._finish(Result(True, bssid=self.bssid))
                elif self.states.state == S.FOUR_WAY:
                    self.states.move(S.COMPLETED)
            elif isinstance(action, hs.GroupRekeyed):
                rekey = self.states.state == S.COMPLETED
                if rekey:
                    self.states.move(S.GROUP_HANDSHAKE)
                self.notify(nt.GroupRekeyed(self.current_bssid(), security.cipher_name(sel.group)))
                if rekey:
                    self.states.move(S.COMPLETED)
            elif isinstance(action, hs.TransitionDisable):
                self._transition_disable(action.bitmap)
            elif isinstance(action, hs.Rejected):
                log.info("%s: EAPOL-Key frame dropped: %s", self.ifname, action.reason)
                if action.deauth:
                    self._deauthenticate(REASON_IE_IN_4WAY_DIFFERS)
        if machine.msg1_count and self.states.state in (S.ASSOCIATED, S.COMPLETED):
            self.states.move(S.FOUR_WAY)

    def _install(self, machine, action):
        if action.kind == KEY_PAIRWISE and machine.ptk is not None:
            log.debug("%s: WPA: KCK %s KEK %s", self.ifname,
                      wlog.settings.key(machine.ptk.kck), wlog.settings.key(machine.ptk.kek))
        log.debug("%s: WPA: %s key idx %d: %s", self.ifname, action.kind, action.key_idx,
                  wlog.settings.key(action.key))
        self.driver.set_key(KeyParams(action.kind, action.cipher, action.key_idx, action.key,
                                      seq=action.seq, addr=action.addr, set_tx=action.set_tx))
        if action.kind == KEY_PAIRWISE:
            log.debug("%s: pairwise key installed", self.ifname)

    # ------------------------------------------------------------------ transition disable
    def _transition_disable(self, bitmap):
        """Transition Disable KDE (WPA3-Personal bit): this network must not use
        WPA2-PSK any more.  Applied from the event loop once message 3 is
        handled (after CTRL-EVENT-CONNECTED, the order wpa_supplicant reports)."""
        if bitmap & TRANSITION_DISABLE_WPA3_PERSONAL:
            self.eloop.register_timeout(0, self._apply_transition_disable, bitmap)

    def _apply_transition_disable(self, bitmap):
        network = self.network
        km = network.key_mgmt
        if "SAE" not in km or not km & {"WPA-PSK", "WPA-PSK-SHA256"}:
            return
        new = " ".join(k for k in sorted(km) if k not in ("WPA-PSK", "WPA-PSK-SHA256"))
        network.set("key_mgmt", new)
        self.notify(nt.TransitionDisable(bitmap))
        log.info("%s: transition disable: network %d now key_mgmt=%s", self.ifname, network.id,
                 new)
        cfg = self.config
        if getattr(cfg, "update_config", False) and getattr(cfg, "path", None):
            try:
                from wispd.config import wpaconf
                wpaconf.save(cfg)
            except Exception as e:  # noqa: BLE001 - a failed save must not break the link
                log.warning("%s: could not save the configuration: %s", self.ifname, e)

    # ------------------------------------------------------------------ status
    def status_fields(self):
        out = list(self.plan.status_fields())
        sae = self.sae
        if sae is not None and sae.group and self.plan.sel.akm in security.SAE_AKMS:
            out.extend((("sae_group", sae.group), ("sae_h2e", int(bool(sae.h2e))),
                        ("sae_pk", 0)))
        return out
