"""Joining a BSS over nl80211, leaving it, and the events that say how it went.

Two paths; the driver picks one when it binds to an interface (`use_connect`):
- AUTHENTICATE, then ASSOCIATE: the SME in userspace, on mac80211 radios.  SAE
  runs on this path: the core's SAE machine hands its commit and confirm to
  send_auth_frame(), hears the AP's frames as Authenticated events, and calls
  associate_after_auth() once the AP's confirm verifies.
- CONNECT: cfg80211's SME or the firmware's (full-MAC radios).
cfg80211 reports a connection twice on the SME path (ASSOCIATE and then
CONNECT, DEAUTHENTICATE and then DISCONNECT), so each path listens to its own
events only.

The commands go out on the driver's event socket: their ACK comes back through
the eloop, and SOCKET_OWNER ties the association to that socket (if wispd dies,
the kernel drops the link).
"""

import errno
import logging

from wispd.drivers import events as ev
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.ops import AUTH_FT, AUTH_SAE, DriverBusy, DriverError
from wispd.rsn.defs import CIPHER_NONE

log = logging.getLogger("wispd.nl80211")

WLAN_STATUS_UNSPECIFIED_FAILURE = 1
WLAN_AUTH_SAE = 3
WLAN_AUTH_FT = 2
AUTHTYPE_FT = 2          # NL80211_AUTHTYPE_FT
REASON_DEAUTH_LEAVING = 3
# The one-channel rescan may find the radio busy (a scan of somebody else's).
RESCAN_TRIES = 10
RESCAN_RETRY = 0.5


# Extended Capabilities with bit 19, BSS Transition: this driver takes the AP's
# 802.11v BTM requests (frames.py), so it says so, as wpa_supplicant does; an
# AP may send them only to stations that advertise it.
EXT_CAPAB_BSS_TRANSITION = bytes((127, 3, 0x00, 0x00, 0x08))


def crypto_attrs(p):
    """The security attributes ASSOCIATE and CONNECT share, from AssocParams."""
    attrs = []
    if p.pairwise and p.pairwise != CIPHER_NONE:
        attrs.append(("CIPHER_SUITES_PAIRWISE", [p.pairwise]))
    if p.group and p.group != CIPHER_NONE:
        attrs.append(("CIPHER_SUITE_GROUP", p.group))
    if p.akm:
        attrs.append(("AKM_SUITES", [p.akm]))
    if p.wpa_versions:
        attrs.append(("WPA_VERSIONS", p.wpa_versions))
    attrs += [("CONTROL_PORT", True), ("CONTROL_PORT_ETHERTYPE", m.ETH_P_PAE)]
    if p.mfp:
        attrs.append(("USE_MFP", m.MFP_REQUIRED))
    ies = bytes(p.wpa_ie or b"") + bytes(p.extra_ies or b"") + EXT_CAPAB_BSS_TRANSITION
    if ies:
        attrs.append(("IE", ies))
    if p.prev_bssid:
        attrs.append(("PREV_BSSID", bytes(p.prev_bssid)))
    return attrs


class Connection:
    """The attempt or the connection of one Nl80211Driver to one BSS."""

    def __init__(self, driver):
        self.driver = driver
        self.reset()

    def reset(self):
        """Forget the attempt or the connection (it ended, or a new one starts)."""
        self.params = None           # AssocParams of the attempt or connection
        self.in_progress = False     # between associate() and its result
        self.associated = False
        self.bssid = None
        self.ssid = None
        self.freq = None
        self.retried = set()         # recoveries already tried for this attempt
        self.retry_auth = None       # (auth_alg, data) to send again after the rescan
        self.driver.eloop.cancel_timeout(self._rescan)

    # ------------------------------------------------------------------ commands
    def associate(self, params):
        self.reset()
        self.params = params
        self.in_progress = True
        self.ssid = params.ssid
        if self.driver.use_connect:
            self._send_connect(params)
        else:
            self._send_auth(params.auth_alg, params.auth_data)

    def send_auth_frame(self, auth_type, data):
        if self.driver.use_connect or self.params is None:
            raise DriverError("SAE authentication needs the AUTHENTICATE path")
        self._send_auth(auth_type, data)

    def associate_after_auth(self):
        if not self._sme_attempt():
            raise DriverError("no authentication in progress")
        self._send_assoc()

    def deauthenticate(self, bssid, reason):
        driver = self.driver
        if driver.use_connect:
            driver.post(m.CMD_DISCONNECT, [("REASON_CODE", reason)], self._leave_acked)
        else:
            bssid = bssid or self.bssid or (self.params.bssid if self.params else None)
            if bssid is None:
                return
            driver.post(m.CMD_DEAUTHENTICATE, [("MAC", bytes(bssid)), ("REASON_CODE", reason)],
                        self._leave_acked)
        self.in_progress = False

    def _leave_acked(self, error):
        if error and error not in (errno.ENOTCONN, errno.ENOLINK, errno.ENOENT):
            log.warning("%s: leaving the BSS failed: %s", self.driver.ifname,
                        errno.errorcode.get(error))

    def _send_auth(self, auth_alg, data):
        p = self.params
        sae = auth_alg == AUTH_SAE
        auth_type = (m.AUTHTYPE_SAE if sae else AUTHTYPE_FT if auth_alg == AUTH_FT
                     else m.AUTHTYPE_OPEN_SYSTEM)
        attrs = [("MAC", bytes(p.bssid)), ("WIPHY_FREQ", p.freq), ("SSID", bytes(p.ssid)),
                 ("AUTH_TYPE", auth_type)]
        if sae and data:
            attrs.append(("SAE_DATA", bytes(data)))
        elif auth_alg == AUTH_FT and data:
            attrs.append(("IE", bytes(data)))     # RSNE || MDE || FTE (802.11r)
        self.driver.post(m.CMD_AUTHENTICATE, attrs,
                         lambda error: self._auth_sent(error, auth_alg, data))

    def _auth_sent(self, error, auth_alg, data):
        p = self.params
        if not error or p is None:
            return
        if error == errno.ENOENT and "rescan" not in self.retried:
            # cfg80211 expired its BSS entry (~30 s after the last scan): scan that
            # one channel again and retry once the results are in.
            self.retried.add("rescan")
            log.info("%s: BSS unknown to cfg80211; rescanning %d MHz", self.driver.ifname,
                     p.freq)
            self.retry_auth = (auth_alg, data)
            self._rescan(p, 0)
            return
        if error == errno.EALREADY and "deauth" not in self.retried:
            # Still authenticated with a previous BSS: leave it, then go on.
            self.retried.add("deauth")
            self.driver.post(m.CMD_DEAUTHENTICATE, [("MAC", bytes(p.bssid)),
                                                    ("REASON_CODE", REASON_DEAUTH_LEAVING),
                                                    ("LOCAL_STATE_CHANGE", True)],
                             lambda _e: self._send_auth(auth_alg, data))
            return
        log.warning("%s: AUTHENTICATE failed: %s", self.driver.ifname,
                    errno.errorcode.get(error))
        self._auth_failed()

    def _rescan(self, params, tries):
        if self.params is not params or not self.in_progress:
            return
        try:
            self.driver.scanner.rescan(params.ssid, params.freq,
                                       lambda ok: self._rescanned(params, ok))
        except DriverBusy:
            if tries < RESCAN_TRIES:
                self.driver.eloop.register_timeout(RESCAN_RETRY, self._rescan, params,
                                                   tries + 1)
                return
            self._auth_failed()
        except DriverError:
            self._auth_failed()

    def _rescanned(self, params, ok):
        if self.params is not params or not self.in_progress:
            return          # the attempt the rescan was for is over
        if ok:
            self._send_auth(*self.retry_auth)
        else:
            self._auth_failed()

    def _auth_failed(self):
        self.in_progress = False
        self.driver.emit(ev.AuthFailed(bssid=bytes(self.params.bssid),
                                       status=WLAN_STATUS_UNSPECIFIED_FAILURE, timed_out=False))

    def _send_assoc(self):
        p = self.params
        attrs = [("MAC", bytes(p.bssid)), ("WIPHY_FREQ", p.freq), ("SSID", bytes(p.ssid)),
                 ("SOCKET_OWNER", True)] + crypto_attrs(p)
        self.driver.post(m.CMD_ASSOCIATE, attrs, self._assoc_sent)

    def _assoc_sent(self, error):
        if error and self.params is not None:
            log.warning("%s: ASSOCIATE failed: %s", self.driver.ifname,
                        errno.errorcode.get(error))
            self._assoc_failed()

    def _send_connect(self, p):
        attrs = [("SSID", bytes(p.ssid)), ("AUTH_TYPE", m.AUTHTYPE_OPEN_SYSTEM),
                 ("SOCKET_OWNER", True)]
        if p.bssid:
            attrs.append(("MAC", bytes(p.bssid)))
        if p.freq:
            attrs.append(("WIPHY_FREQ", p.freq))
        if p.privacy or p.wpa_ie:
            attrs.append(("PRIVACY", True))
        attrs += crypto_attrs(p)
        self.driver.post(m.CMD_CONNECT, attrs, self._connect_sent)

    def _connect_sent(self, error):
        p = self.params
        if not error or p is None:
            return
        if error == errno.EALREADY and "disconnect" not in self.retried:
            self.retried.add("disconnect")
            self.driver.post(m.CMD_DISCONNECT, [("REASON_CODE", REASON_DEAUTH_LEAVING)],
                             lambda _e: self._send_connect(p))
            return
        log.warning("%s: CONNECT failed: %s", self.driver.ifname, errno.errorcode.get(error))
        self._assoc_failed()

    def _assoc_failed(self):
        p = self.params
        self.in_progress = False
        self.driver.emit(ev.AssocRejected(bssid=bytes(p.bssid) if p.bssid else None,
                                          status=WLAN_STATUS_UNSPECIFIED_FAILURE,
                                          timed_out=False))

    # ------------------------------------------------------------------ state
    def _sme_attempt(self):
        """An AUTHENTICATE + ASSOCIATE attempt waits for its result."""
        return not self.driver.use_connect and self.params is not None and self.in_progress

    def set_associated(self, bssid, freq):
        self.associated = True
        self.bssid = bytes(bssid)
        self.freq = freq

    def disconnected(self, reason, local, kind):
        bssid = self.bssid
        self.reset()
        self.driver.emit(ev.Disconnected(bssid=bssid, reason=reason,
                                         locally_generated=bool(local), kind=kind))

    # ------------------------------------------------------------------ events
    def on_authenticate(self, msg, a):
        if not self._sme_attempt():
            return
        if "TIMED_OUT" in a:
            self.in_progress = False
            self.driver.emit(ev.AuthFailed(bssid=a.get("MAC") or bytes(self.params.bssid),
                                           status=None, timed_out=True))
            return
        parsed = m.parse_auth_frame(a.get("FRAME") or b"")
        if parsed is None:
            return
        bssid, alg, trans, status, body = parsed
        if alg == WLAN_AUTH_SAE:
            # Every SAE frame (76/77/126 and failures too) goes to the SAE machine
            # as SAE data (trans || status || body); it calls associate_after_auth()
            # once the AP's confirm verifies.
            self.driver.emit(ev.Authenticated(bssid=bssid, auth_type=AUTH_SAE, status=status,
                                              data=trans.to_bytes(2, "little")
                                              + status.to_bytes(2, "little") + body))
            return
        if status != 0:
            self.in_progress = False
            self.driver.emit(ev.AuthFailed(bssid=bssid, status=status, timed_out=False,
                                           data=body))
            return
        if alg == WLAN_AUTH_FT:
            # The reassociation's IEs need this response's ANonce and R1KH-ID:
            # the core (core/ftauth.py) calls associate_after_auth().
            self.driver.emit(ev.Authenticated(bssid=bssid, auth_type=AUTH_FT, status=status,
                                              data=body))
            return
        self.driver.emit(ev.Authenticated(bssid=bssid, auth_type="open", status=status,
                                          data=body))
        self._send_assoc()

    def on_associate(self, msg, a):
        if not self._sme_attempt():
            return
        p = self.params
        if "TIMED_OUT" in a:
            self.in_progress = False
            self.driver.emit(ev.AssocRejected(bssid=a.get("MAC") or bytes(p.bssid),
                                              status=None, timed_out=True))
            return
        parsed = m.parse_assoc_resp(a.get("FRAME") or b"")
        if parsed is None:
            return
        bssid, status, ies = parsed
        self.in_progress = False
        if status != 0:
            self.driver.emit(ev.AssocRejected(bssid=bssid, status=status, timed_out=False))
            return
        self.set_associated(bssid, p.freq)
        req_ies = bytes(p.wpa_ie or b"") + bytes(p.extra_ies or b"")
        self.driver.emit(ev.Associated(bssid=bssid, freq=p.freq, req_ies=req_ies,
                                       resp_ies=ies, authorized=False))

    def on_connect(self, msg, a):
        if not self.driver.use_connect or self.params is None or not self.in_progress:
            return
        p = self.params
        self.in_progress = False
        bssid = a.get("MAC") or (bytes(p.bssid) if p.bssid else None)
        status = a.get("STATUS_CODE", WLAN_STATUS_UNSPECIFIED_FAILURE)
        if "TIMED_OUT" in a or status != 0:
            self.driver.emit(ev.AssocRejected(bssid=bssid, status=status,
                                              timed_out="TIMED_OUT" in a))
            return
        self._link_up(ev.Associated, bssid, a.get("WIPHY_FREQ") or p.freq, a)

    def on_roam(self, msg, a):
        self._link_up(ev.Roamed, a.get("MAC"), a.get("WIPHY_FREQ") or self.freq, a)

    def _link_up(self, event_class, bssid, freq, a):
        """CONNECT's result or a ROAM: the same report, the IEs as the kernel gave them."""
        self.set_associated(bssid, freq)
        self.driver.emit(event_class(bssid=bssid, freq=freq, req_ies=a.get("REQ_IE") or b"",
                                     resp_ies=a.get("RESP_IE") or b"",
                                     authorized="PORT_AUTHORIZED" in a))

    def on_port_authorized(self, msg, a):
        self.driver.emit(ev.PortAuthorized(bssid=a.get("MAC") or self.bssid))

    def on_deauth(self, msg, a):
        # On the CONNECT path cfg80211 follows with DISCONNECT, which says who
        # ended the link; report that one only.
        if self.driver.use_connect or not self.associated:
            return
        parsed = m.parse_reason_frame(a.get("FRAME") or b"")
        if parsed is None:
            return
        sa, bssid, reason = parsed
        if self.bssid is not None and bssid != self.bssid:
            return
        kind = "deauth" if msg["cmd"] == m.CMD_DEAUTHENTICATE else "disassoc"
        self.disconnected(reason, sa == self.driver.mac, kind)

    def on_disconnect(self, msg, a):
        # On the SME path DEAUTHENTICATE/DISASSOCIATE came first and cleared
        # `associated`; a DISCONNECT alone (the interface went down) still counts.
        if not self.associated:
            return
        self.disconnected(a.get("REASON_CODE", 0), "DISCONNECTED_BY_AP" not in a, "disconnect")

    def on_unprotected(self, msg, a):
        log.info("%s: unprotected deauthentication/disassociation ignored", self.driver.ifname)
