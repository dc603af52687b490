"""Joining and leaving a BSS over wireless extensions, and what SIOCGIWAP says.

Connecting is a sequence of "set" ioctls.  On cfg80211, setting the ESSID is
what starts the connection, and setting the frequency, the BSSID or the IE
restarts it if an ESSID is set; so the ESSID is cleared first and set last.
The result arrives as a SIOCGIWAP wireless event: a BSSID means associated, all
zeros means the attempt failed or the link was lost.  Wext reports no reason
codes and no status codes.
"""

import errno
import logging

from wispd.drivers import events as ev
from wispd.drivers.ops import DriverError
from wispd.drivers.wext import abi as w
from wispd.drivers.wext.ioctl import ZERO_MAC
from wispd.rsn.defs import (
    AKM_8021X, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP, CIPHER_WEP104,
    CIPHER_WEP40)

log = logging.getLogger("wispd.wext")

WLAN_STATUS_UNSPECIFIED_FAILURE = 1

_AUTH_CIPHER = {CIPHER_NONE: w.IW_AUTH_CIPHER_NONE, CIPHER_WEP40: w.IW_AUTH_CIPHER_WEP40,
                CIPHER_WEP104: w.IW_AUTH_CIPHER_WEP104, CIPHER_TKIP: w.IW_AUTH_CIPHER_TKIP,
                CIPHER_CCMP: w.IW_AUTH_CIPHER_CCMP,
                CIPHER_BIP_CMAC_128: w.IW_AUTH_CIPHER_AES_CMAC}


class Connection:
    """The attempt or the connection of one WextDriver to one BSS."""

    def __init__(self, driver):
        self.driver = driver
        self.stale_losses = 0        # link-loss events still due from a link we left
        self.reset()

    def reset(self):
        """Forget the attempt or the connection (it ended, or a new one starts)."""
        self.params = None
        self.in_progress = False
        self.associated = False
        self.bssid = None
        self.ssid = None
        self.req_ies = b""
        self.resp_ies = b""
        self.leaving = False         # we asked to leave: the next loss is local
        self.deauth_reason = 0       # ... and this is the reason we gave

    # ------------------------------------------------------------------ commands
    def associate(self, p):
        driver, iw = self.driver, self.driver.iw
        try:
            if iw.get_ap() is not None:
                # Clearing the ESSID below ends that link; its loss event follows
                # and must not count against this attempt.
                self.stale_losses += 1
        except DriverError:
            pass
        if driver.phy is not None:
            iw.set_essid(b"")
        self.reset()
        self.params = p
        self.in_progress = True
        self.ssid = bytes(p.ssid)
        driver.set_mode_managed()
        wpa = bool(p.wpa_ie)
        if not wpa:
            version = w.IW_AUTH_WPA_VERSION_DISABLED
        elif p.wpa_versions == 1:
            version = w.IW_AUTH_WPA_VERSION_WPA
        else:
            version = w.IW_AUTH_WPA_VERSION_WPA2
        iw.set_auth(w.IW_AUTH_WPA_VERSION, version)
        iw.set_auth(w.IW_AUTH_CIPHER_PAIRWISE, _AUTH_CIPHER.get(p.pairwise, w.IW_AUTH_CIPHER_NONE))
        iw.set_auth(w.IW_AUTH_CIPHER_GROUP, _AUTH_CIPHER.get(p.group, w.IW_AUTH_CIPHER_NONE))
        km = 0
        if p.akm == AKM_8021X:
            km = w.IW_AUTH_KEY_MGMT_802_1X
        elif p.akm is not None:
            km = w.IW_AUTH_KEY_MGMT_PSK
        iw.set_auth(w.IW_AUTH_KEY_MGMT, km)
        iw.set_auth(w.IW_AUTH_80211_AUTH_ALG, w.IW_AUTH_ALG_OPEN_SYSTEM)
        privacy = bool(p.privacy or wpa)
        iw.set_auth(w.IW_AUTH_WPA_ENABLED, int(wpa))
        iw.set_auth(w.IW_AUTH_DROP_UNENCRYPTED, int(privacy))
        iw.set_auth(w.IW_AUTH_RX_UNENCRYPTED_EAPOL, 0)
        iw.set_auth(w.IW_AUTH_PRIVACY_INVOKED, int(privacy))
        # Never MFP here (see the driver's docstring); say so to the kernel too.
        iw.set_auth(w.IW_AUTH_MFP, w.IW_AUTH_MFP_DISABLED)
        iw.set_genie(bytes(p.wpa_ie or b"") + bytes(p.extra_ies or b""))
        if p.freq:
            try:
                iw.set_freq(p.freq)
            except DriverError as e:
                log.debug("%s: SIOCSIWFREQ %d: %s", driver.ifname, p.freq, e)
        iw.set_ap(p.bssid)
        iw.set_essid(p.ssid)
        log.debug("%s: wext associate %s %r freq %s", driver.ifname,
                  bytes(p.bssid or ZERO_MAC).hex(":"), bytes(p.ssid), p.freq)

    def deauthenticate(self, bssid, reason):
        driver, iw = self.driver, self.driver.iw
        bssid = bssid or self.bssid or (self.params.bssid if self.params else None) or ZERO_MAC
        self.leaving = True
        self.in_progress = False
        try:
            iw.mlme(w.IW_MLME_DEAUTH, reason, bssid)
        except DriverError as e:
            if e.errno not in (errno.ENOTCONN, errno.ENOLINK, errno.EINVAL):
                log.warning("%s: SIOCSIWMLME deauth: %s", driver.ifname, e)
        self.deauth_reason = reason
        if driver.phy is not None:
            # cfg80211 keeps the BSSID and ESSID of an attempt that has not
            # connected yet and tries it again after the next scan, beside the
            # next associate(): forget both.
            try:
                iw.set_ap(None)
                iw.set_essid(b"")
            except DriverError as e:
                log.debug("%s: clearing BSSID/ESSID: %s", driver.ifname, e)

    # ------------------------------------------------------------------ wireless events
    def on_assoc_req_ie(self, we):
        self.req_ies = we.data

    def on_assoc_resp_ie(self, we):
        self.resp_ies = we.data

    def on_ap(self, we):
        if we.bssid != ZERO_MAC:
            self._joined(we.bssid)
        elif self.stale_losses:
            self.stale_losses -= 1
        elif self.in_progress and self.params is not None:
            bssid = bytes(self.params.bssid) if self.params.bssid else None
            self.reset()
            self.driver.emit(ev.AssocRejected(bssid=bssid,
                                              status=WLAN_STATUS_UNSPECIFIED_FAILURE,
                                              timed_out=False))
        elif not self.associated:
            self.leaving = False
        else:
            bssid, local = self.bssid, self.leaving
            reason = self.deauth_reason if local else 0
            self.reset()
            self.driver.emit(ev.Disconnected(bssid=bssid, reason=reason, locally_generated=local,
                                             kind="disconnect"))

    def _joined(self, bssid):
        if self.associated and bssid == self.bssid:
            return
        p = self.params
        freq = p.freq if p is not None else None
        req_ies = self.req_ies or (bytes(p.wpa_ie or b"") if p is not None else b"")
        roamed = self.associated
        self.stale_losses = 0
        self.associated = True
        self.in_progress = False
        self.leaving = False
        self.bssid = bssid
        cls = ev.Roamed if roamed else ev.Associated
        self.driver.emit(cls(bssid=bssid, freq=freq, req_ies=req_ies, resp_ies=self.resp_ies,
                             authorized=False))
