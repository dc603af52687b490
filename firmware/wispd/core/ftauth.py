"""802.11r Fast BSS Transition for one Connection (FT-PSK), as core/saeauth.py
is for SAE: the FT initial mobility domain association and FT over the air.

Initial association (13.4): the request carries the MDE (core/security.py);
the AP's response has its MDE and an FTE with R0KH-ID and R1KH-ID.  From them
and the PSK come PMK-R0 and PMK-R1; the 4-way handshake then derives its PTK
from PMK-R1 and message 2 carries RSNE(PMKR1Name) || MDE || FTE
(initial_handshake()).  The PMK-R0 is kept for the mobility domain (Ft below).

A roam to another AP of the same mobility domain (13.5, over the air): an FT
authentication with RSNE(PMKR0Name) || MDE || FTE(SNonce, R0KH-ID), the AP's
answer with ANonce and R1KH-ID, PMK-R1 and the PTK, then the reassociation
with RSNE(PMKR1Name) || MDE || FTE(MIC); the response's FTE MIC is checked and
the PTK and the FTE's GTK are installed: no 4-way handshake (FtAuth).

Everything cryptographic is rsn/ft.py (sans-IO); this module holds the state.
"""

import logging
import os

from wispd.drivers.ops import AUTH_FT, DriverError, KeyParams
from wispd.rsn import ft
from wispd.rsn import ie as rsnie
from wispd.rsn.defs import CIPHER_TKIP, EID_FTE, EID_MDE, KEY_GROUP, KEY_PAIRWISE

log = logging.getLogger("wispd.ft")


class FtFailed(Exception):
    """The FT exchange cannot go on (a missing or malformed element, a bad MIC)."""


class Ft:
    """The FT keys of one mobility domain after an initial association."""
    __slots__ = ("ssid", "mdid", "mde", "r0kh_id", "pmk_r0", "pmk_r0_name")

    def __init__(self, ssid, mdid, mde, r0kh_id, pmk_r0, pmk_r0_name):
        self.ssid = ssid
        self.mdid = mdid
        self.mde = mde
        self.r0kh_id = r0kh_id
        self.pmk_r0 = pmk_r0
        self.pmk_r0_name = pmk_r0_name


# (station address, SSID, MDID) -> Ft: the PMK-R0 outlives the Connection that
# made it (a roam is a new Connection), as wpa_supplicant's lives in its sm.
_R0 = {}


def known(addr, ssid, mde):
    """The Ft of this mobility domain, if an initial association made one."""
    if mde is None:
        return None
    return _R0.get((bytes(addr), bytes(ssid), bytes(mde[2:4])))


def forget(addr, ssid):
    for key in [k for k in _R0 if k[0] == bytes(addr) and k[1] == bytes(ssid)]:
        del _R0[key]


def _rsne_with_pmkid(own_ie, pmkid):
    info = rsnie.parse_rsn_ie(own_ie)
    return rsnie.build_rsn_ie(info.group_cipher, info.pairwise_ciphers, info.akms,
                              info.capabilities, [pmkid], info.group_mgmt_cipher)


def _elements(resp_ies, what):
    mde = rsnie.find_ie(resp_ies or b"", EID_MDE)
    fte = rsnie.find_ie(resp_ies or b"", EID_FTE)
    if mde is None or fte is None:
        raise FtFailed("%s without MDE/FTE" % what)
    try:
        return mde, ft.parse_mde(mde), fte, ft.parse_fte(fte)
    except ft.FtError as e:
        raise FtFailed("%s: %s" % (what, e)) from None


def initial_handshake(conn, pmk, resp_ies):
    """FT initial mobility domain association: (PMK-R1, the handshake's ft=)."""
    mde_el, mde, fte_el, fte = _elements(resp_ies, "association response")
    if fte.r0kh_id is None or fte.r1kh_id is None:
        raise FtFailed("association response FTE lacks R0KH-ID or R1KH-ID")
    ssid = conn.network.ssid_bytes
    try:
        pmk_r0, r0name = ft.derive_pmk_r0(pmk, ssid, mde.mdid, fte.r0kh_id, conn.addr)
        pmk_r1, r1name = ft.derive_pmk_r1(pmk_r0, r0name, fte.r1kh_id, conn.addr)
    except ft.FtError as e:
        raise FtFailed(str(e)) from None
    _R0[(bytes(conn.addr), bytes(ssid), bytes(mde.mdid))] = Ft(
        ssid, mde.mdid, mde_el, fte.r0kh_id, pmk_r0, r0name)
    key_data = _rsne_with_pmkid(conn.plan.sel.own_ie, r1name) + mde_el + fte_el
    return pmk_r1, (r1name, key_data)


class FtAuth:
    """FT over the air to the Connection's BSS, from the Ft of the domain."""

    def __init__(self, conn, ft_keys, rng=os.urandom):
        self.conn = conn
        self.keys = ft_keys
        self.snonce = rng(32)
        self.params = None
        self.ptk = None
        self.r1name = None
        self.assoc_ies = None       # RSNE || MDE || FTE of our reassociation request

    def prepare(self, params):
        """The FT authentication request's IEs (13.5.2)."""
        k = self.keys
        own = self.conn.plan.sel.own_ie
        params.auth_alg = AUTH_FT
        params.auth_data = (_rsne_with_pmkid(own, k.pmk_r0_name) + k.mde
                            + ft.build_fte(snonce=self.snonce, r0kh_id=k.r0kh_id))
        self.params = params

    def on_auth(self, event):
        """The AP's FT authentication response: PMK-R1, the PTK, and the
        reassociation request's IEs with the MIC.  True when handled."""
        if getattr(event, "auth_type", None) != AUTH_FT:
            return False
        conn = self.conn
        try:
            self._auth_response(event.data or b"")
        except FtFailed as e:
            log.warning("%s: FT authentication failed: %s", conn.ifname, e)
            conn.ft_failed(str(e))
            return True
        try:
            conn.driver.associate_after_auth()
        except DriverError as e:
            log.warning("%s: FT reassociation failed: %s", conn.ifname, e)
            conn.ft_failed(str(e))
        return True

    def _auth_response(self, ies):
        k, conn = self.keys, self.conn
        mde_el, mde, fte_el, fte = _elements(ies, "FT authentication response")
        if mde.mdid != k.mdid:
            raise FtFailed("FT authentication response names another mobility domain")
        if fte.snonce != self.snonce:
            raise FtFailed("FT authentication response carries another SNonce")
        if fte.r0kh_id != k.r0kh_id or fte.r1kh_id is None:
            raise FtFailed("FT authentication response R0KH-ID/R1KH-ID unusable")
        bssid = bytes(self.params.bssid)
        try:
            pmk_r1, self.r1name = ft.derive_pmk_r1(k.pmk_r0, k.pmk_r0_name, fte.r1kh_id,
                                                   conn.addr)
            self.ptk = ft.derive_ft_ptk(pmk_r1, self.snonce, fte.anonce, bssid, conn.addr,
                                        conn.plan.sel.pairwise)
        except ft.FtError as e:
            raise FtFailed(str(e)) from None
        rsne = _rsne_with_pmkid(conn.plan.sel.own_ie, self.r1name)
        fte_req = ft.build_fte(3, bytes(16), fte.anonce, self.snonce, r0kh_id=k.r0kh_id,
                               r1kh_id=fte.r1kh_id)
        mic = ft.ft_mic(self.ptk.kck, conn.addr, bssid, ft.SEQ_REASSOC_REQ, rsne, mde_el,
                        fte_req)
        fte_req = ft.build_fte(3, mic, fte.anonce, self.snonce, r0kh_id=k.r0kh_id,
                               r1kh_id=fte.r1kh_id)
        self.assoc_ies = (rsne, mde_el, fte_req)
        self.params.wpa_ie = rsne
        self.params.extra_ies = mde_el + fte_req

    def associated(self, resp_ies):
        """The reassociation response: check its FTE MIC, install the PTK and
        the GTK.  Raises FtFailed."""
        conn = self.conn
        if self.ptk is None:
            raise FtFailed("reassociation without an FT authentication")
        mde_el, _mde, fte_el, fte = _elements(resp_ies, "reassociation response")
        rsne = rsnie.find_ie(resp_ies, 48)
        if rsne is None:
            raise FtFailed("reassociation response without RSNE")
        try:
            info = rsnie.parse_rsn_ie(rsne)
        except rsnie.IeError as e:
            raise FtFailed("reassociation response RSNE: %s" % e) from None
        if tuple(info.pmkids) != (self.r1name,):
            raise FtFailed("reassociation response RSNE names another PMKR1Name")
        if fte.snonce != self.snonce:
            raise FtFailed("reassociation response FTE carries another SNonce")
        bssid = bytes(self.params.bssid)
        want = ft.ft_mic(self.ptk.kck, conn.addr, bssid, ft.SEQ_REASSOC_RESP, rsne, mde_el,
                         fte_el)
        if want != fte.mic:
            raise FtFailed("reassociation response FTE MIC does not verify")
        sel = conn.plan.sel
        conn.driver.set_key(KeyParams(KEY_PAIRWISE, sel.pairwise, 0, self.ptk.tk, seq=bytes(6),
                                      addr=bssid, set_tx=True))
        if fte.gtk is not None:
            try:
                key_id, rsc, gtk = ft.unwrap_gtk(self.ptk.kek, fte.gtk)
            except ft.FtError as e:
                raise FtFailed(str(e)) from None
            if sel.group == CIPHER_TKIP and len(gtk) == 32:
                gtk = gtk[:16] + gtk[24:32] + gtk[16:24]   # AP's Tx MIC key is our Rx one
            conn.driver.set_key(KeyParams(KEY_GROUP, sel.group, key_id, gtk, seq=rsc[:6],
                                          addr=None, set_tx=False))
        log.info("%s: FT reassociation with the keys of PMK-R1 done (no 4-way)", conn.ifname)
