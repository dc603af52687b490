"""802.11r Fast BSS Transition for one Connection (FT-PSK and FT-SAE), as
core/saeauth.py is for SAE: the FT initial mobility domain association and FT
over the air.

Initial association (13.4): the request carries the MDE (core/security.py);
the AP's response has its MDE and an FTE with R0KH-ID and R1KH-ID.  From them
and the XXKey (the PSK for FT-PSK, the PMK of the SAE exchange just run for
FT-SAE; 12.7.1.7.3) come PMK-R0 and PMK-R1; the 4-way handshake then derives its
PTK from PMK-R1 and message 2 carries RSNE(PMKR1Name) || MDE || FTE
(initial_handshake()).  The PMK-R0 is kept for the mobility domain on the
interface (FtKeys, next to the SAE PMKSA cache in core/saeauth.SaeKeys).

A roam to another AP of the same mobility domain (13.5, over the air): an FT
authentication with RSNE(PMKR0Name) || MDE || FTE(SNonce, R0KH-ID), the AP's
answer with ANonce and R1KH-ID, PMK-R1 and the PTK, then the reassociation
with RSNE(PMKR1Name) || MDE || FTE(MIC); the response's FTE MIC is checked and
the PTK, the FTE's GTK and, with PMF, its IGTK are installed: no SAE and no
4-way handshake (FtAuth).

Everything cryptographic is rsn/ft.py (sans-IO); this module holds the state.
"""

import logging
import os

from wispd.drivers.ops import AUTH_FT, DriverError, KeyParams
from wispd.rsn import ft
from wispd.rsn import ie as rsnie
from wispd.rsn.defs import CIPHER_TKIP, EID_FTE, EID_MDE, KEY_GROUP, KEY_IGTK, KEY_PAIRWISE

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


def network_key(network):
    """What a PMK-R0 belongs to: the network (its id) with the credentials it was
    made from.  A changed passphrase, SSID or key_mgmt never reuses one."""
    return (network.id, network.ssid_bytes, network.psk_bytes, network.passphrase,
            network.sae_password, tuple(sorted(network.key_mgmt)))


class FtKeys:
    """The PMK-R0 of each mobility domain one interface joined: it outlives the
    Connection that made it (a roam is a new Connection), as wpa_supplicant's
    lives in its per-interface wpa_sm.  Held by the interface's SaeKeys.
    Entries go when their network is removed from the configuration or changed
    (checked at every use, prune()), or forget()."""
    MAX = 8

    def __init__(self):
        self._r0 = {}               # (addr, network_key, MDID) -> Ft

    def __len__(self):
        return len(self._r0)

    def prune(self, networks):
        """Drop the entries of networks no longer configured as they were."""
        alive = {network_key(n) for n in networks}
        for key in [k for k in self._r0 if k[1] not in alive]:
            del self._r0[key]

    def forget(self, network=None):
        """Drop the entries of one network (all with None)."""
        for key in [k for k in self._r0 if network is None or k[1][0] == network.id]:
            del self._r0[key]

    def get(self, addr, network, mdid):
        return self._r0.get((bytes(addr), network_key(network), bytes(mdid)))

    def put(self, addr, network, ft_keys):
        if len(self._r0) >= self.MAX:
            self._r0.clear()        # a board joins few domains; never grow unbounded
        self._r0[(bytes(addr), network_key(network), bytes(ft_keys.mdid))] = ft_keys


def _store(conn):
    """The interface's FtKeys, pruned against the configuration."""
    keys = conn.sae_keys().ft
    networks = getattr(conn.config, "networks", None)
    if networks is not None:
        keys.prune(networks)
    return keys


def known(conn, network, mde):
    """The Ft of this mobility domain, if an initial association made one."""
    if mde is None or len(mde) != 5:
        return None
    return _store(conn).get(conn.addr, network, mde[2:4])


def _rsne_with_pmkid(own_ie, pmkid):
    # own_ie may carry the RSNXE after the RSNE (SAE H2E): the RSNE alone here.
    info = rsnie.parse_rsn_ie(own_ie[:2 + own_ie[1]])
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
    _store(conn).put(conn.addr, conn.network,
                     Ft(ssid, mde.mdid, mde_el, fte.r0kh_id, pmk_r0, r0name))
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
        self.pmk_r1 = None
        self.r1name = None
        self.installed = (None, None)   # (GTK, IGTK) of the reassociation response
        self.resp_ft_ies = b""          # its MDE || FTE (a later 4-way's message 2)
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
            self.pmk_r1, self.r1name = ft.derive_pmk_r1(k.pmk_r0, k.pmk_r0_name, fte.r1kh_id,
                                                        conn.addr)
            self.ptk = ft.derive_ft_ptk(self.pmk_r1, self.snonce, fte.anonce, bssid, conn.addr,
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
        igtk = self._igtk(fte) if sel.mfp else None
        conn.driver.set_key(KeyParams(KEY_PAIRWISE, sel.pairwise, 0, self.ptk.tk, seq=bytes(6),
                                      addr=bssid, set_tx=True))
        sent_gtk = None
        if fte.gtk is not None:
            try:
                key_id, rsc, gtk = ft.unwrap_gtk(self.ptk.kek, fte.gtk)
            except ft.FtError as e:
                raise FtFailed(str(e)) from None
            sent_gtk = gtk
            if sel.group == CIPHER_TKIP and len(gtk) == 32:
                gtk = gtk[:16] + gtk[24:32] + gtk[16:24]   # AP's Tx MIC key is our Rx one
            conn.driver.set_key(KeyParams(KEY_GROUP, sel.group, key_id, gtk, seq=rsc[:6],
                                          addr=None, set_tx=False))
        if igtk is not None:
            key_id, ipn, key = igtk
            conn.driver.set_key(KeyParams(KEY_IGTK, sel.mgmt_group, key_id, key, seq=ipn,
                                          addr=None, set_tx=False))
        self.installed = (sent_gtk, igtk[2] if igtk is not None else None)
        self.resp_ft_ies = mde_el + fte_el
        log.info("%s: FT reassociation with the keys of PMK-R1 done (no 4-way)", conn.ifname)

    def key_machine(self, ap_rsne, ap_rsnxe=None):
        """The link's EAPOL-Key machine after the FT reassociation, holding its
        PTK and group keys: the AP's group key handshakes run on it."""
        from wispd.rsn.handshake import EapolKeySupplicant
        conn, sel = self.conn, self.conn.plan.sel
        rsne = _rsne_with_pmkid(sel.own_ie, self.r1name)
        machine = EapolKeySupplicant(
            pmk=self.pmk_r1, spa=conn.addr, aa=bytes(self.params.bssid), akm=sel.akm,
            pairwise=sel.pairwise, group=sel.group, own_rsne=sel.own_ie, ap_rsne=ap_rsne,
            mgmt_group=sel.mgmt_group, mfp=sel.mfp, ap_rsnxe=ap_rsnxe,
            ft=(self.r1name, rsne + self.resp_ft_ies))
        machine.keys_from_ft(self.ptk, *self.installed)
        return machine

    def _igtk(self, fte):
        """With PMF: the FTE's IGTK subelement (9.4.2.47), checked before any key
        is installed: (key_id, ipn, igtk) or None when the AP sent none (as
        wpa_supplicant, the link goes on; the AP's next group handshake brings
        one).  Raises FtFailed."""
        if fte.igtk is None:
            log.info("%s: FT reassociation response without an IGTK", self.conn.ifname)
            return None
        try:
            key_id, ipn, igtk = ft.unwrap_igtk(self.ptk.kek, fte.igtk)
        except ft.FtError as e:
            raise FtFailed(str(e)) from None
        if key_id not in (4, 5) or len(igtk) != 16:
            raise FtFailed("IGTK subelement: key ID %d with a %d-octet key" % (key_id, len(igtk)))
        return key_id, ipn, igtk
