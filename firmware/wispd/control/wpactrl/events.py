"""The core's notifications as wpa_ctrl event text, the one place that writes it.

Every line is what wpa_supplicant 2.10 sends for the same event, byte for byte
(the hwsim suite diffs them against the real thing), so wpa_cli, wpaspy and
`wpa_cli -a` scripts keep working.  A notification with no wpa_supplicant
counterpart renders as None and reaches no wpa_ctrl monitor.
"""

from wispd.config.ssidtext import ssid_txt
from wispd.core import notify as n
from wispd.control.mactext import mac_txt

_ZERO_MAC = b"\0" * 6


def _mac(addr):
    return mac_txt(addr or _ZERO_MAC)


def _scan_id(e):
    # SCAN use_id=1: that scan's events say "id=N" after the event name's space.
    return "" if e.id is None else "id=%d" % e.id


def _connected(e):
    return ("CTRL-EVENT-CONNECTED - Connection to %s completed [id=%d id_str=%s]"
            % (_mac(e.bssid), -1 if e.id is None else e.id, e.id_str or ""))


def _disconnected(e):
    return ("CTRL-EVENT-DISCONNECTED bssid=%s reason=%d%s"
            % (_mac(e.bssid), e.reason or 0, " locally_generated=1" if e.locally_generated else ""))


def _temp_disabled(e):
    return ('CTRL-EVENT-SSID-TEMP-DISABLED id=%d ssid="%s" auth_failures=%d duration=%d reason=%s'
            % (e.id, ssid_txt(e.ssid), e.auth_failures, e.duration, e.reason))


_RENDER = {
    n.BssAdded: lambda e: "CTRL-EVENT-BSS-ADDED %d %s" % (e.id, _mac(e.bssid)),
    n.BssRemoved: lambda e: "CTRL-EVENT-BSS-REMOVED %d %s" % (e.id, _mac(e.bssid)),
    n.ScanStarted: lambda e: "CTRL-EVENT-SCAN-STARTED " + _scan_id(e),
    n.ScanFailed: lambda e: "CTRL-EVENT-SCAN-FAILED ret=%d retry=%d" % (e.ret, e.retry),
    n.ScanResults: lambda e: "CTRL-EVENT-SCAN-RESULTS " + _scan_id(e),
    n.NetworkNotFound: lambda e: "CTRL-EVENT-NETWORK-NOT-FOUND ",
    n.Associating: lambda e: "Trying to associate with %s (SSID='%s' freq=%d MHz)"
                             % (_mac(e.bssid), ssid_txt(e.ssid), e.freq),
    n.Associated: lambda e: "Associated with %s" % _mac(e.bssid),
    n.AuthRejected: lambda e: "CTRL-EVENT-AUTH-REJECT %s auth_type=%d auth_transaction=%d "
                              "status_code=%d" % (_mac(e.bssid), e.auth_type,
                                                  e.auth_transaction, e.status_code),
    n.AssocRejected: lambda e: "CTRL-EVENT-ASSOC-REJECT bssid=%s status_code=%d"
                               % (_mac(e.bssid), e.status_code),
    n.SaeUnusable: lambda e: "SME: SAE with %s not possible: %s" % (_mac(e.bssid), e.reason),
    n.SaeFailed: lambda e: "SME: SAE authentication with %s failed: %s"
                           % (_mac(e.bssid), e.reason),
    n.KeyNegotiationCompleted: lambda e: "WPA: Key negotiation completed with %s [PTK=%s GTK=%s]"
                                         % (_mac(e.bssid), e.pairwise_cipher, e.group_cipher),
    n.GroupRekeyed: lambda e: "WPA: Group rekeying completed with %s [GTK=%s]"
                              % (_mac(e.bssid), e.group_cipher),
    n.WrongKey: lambda e: "WPA: 4-Way Handshake failed - pre-shared key may be incorrect",
    n.Connected: _connected,
    n.SubnetStatusUpdate: lambda e: "CTRL-EVENT-SUBNET-STATUS-UPDATE status=%d" % e.status,
    n.Disconnected: _disconnected,
    n.TempDisabled: _temp_disabled,
    n.Reenabled: lambda e: 'CTRL-EVENT-SSID-REENABLED id=%d ssid="%s"' % (e.id, ssid_txt(e.ssid)),
    n.TransitionDisable: lambda e: "TRANSITION-DISABLE %02x" % e.bitmap,
    n.MichaelMicFailure: lambda e: "WPA: Michael MIC failure detected",
    n.TkipCountermeasures: lambda e: "WPA: TKIP countermeasures started",
    n.SignalChange: lambda e: "CTRL-EVENT-SIGNAL-CHANGE above=%d signal=%d noise=%d txrate=%d"
                              % (e.above, e.signal, e.noise, e.txrate),
    n.BeaconLoss: lambda e: "CTRL-EVENT-BEACON-LOSS ",
    n.RoamDecided: lambda e: None,
    n.NeighborReportReceived: lambda e: "RRM-NEIGHBOR-REP-RECEIVED bssid=%s info=0x%x op_class=%d "
                                        "chan=%d phy_type=%d" % (_mac(e.bssid), e.info,
                                                                 e.op_class, e.channel, e.phy_type),
    n.NeighborReportFailed: lambda e: "RRM-NEIGHBOR-REP-REQUEST-FAILED ",
    n.RegdomChange: lambda e: "CTRL-EVENT-REGDOM-CHANGE init=%s type=%s alpha2=%s"
                              % (e.init, e.type, e.alpha2),
    n.NetworkAdded: lambda e: "CTRL-EVENT-NETWORK-ADDED %d" % e.id,
    n.NetworkRemoved: lambda e: "CTRL-EVENT-NETWORK-REMOVED %d" % e.id,
    n.NetworksApplied: lambda e: "CTRL-EVENT-NETWORKS-APPLIED count=%d saved=%d"
                                 % (e.count, int(bool(e.saved))),
    n.Terminating: lambda e: "CTRL-EVENT-TERMINATING",
    n.StateChanged: lambda e: None,
    n.EapStarted: lambda e: "CTRL-EVENT-EAP-STARTED EAP authentication started",
    n.EapStatus: lambda e: "CTRL-EVENT-EAP-STATUS status='%s' parameter='%s'"
                           % (e.status, e.parameter),
    n.EapProposedMethod: lambda e: "CTRL-EVENT-EAP-PROPOSED-METHOD vendor=%d method=%d%s"
                                   % (e.vendor, e.method, " -> NAK" if e.nak else ""),
    n.EapMethod: lambda e: "CTRL-EVENT-EAP-METHOD EAP vendor %d method %d (%s) selected"
                           % (e.vendor, e.method, e.method_name),
    n.EapPeerCert: lambda e: "CTRL-EVENT-EAP-PEER-CERT depth=%d subject='%s'%s"
                             % (e.depth, e.subject, " hash=" + e.hash if e.hash else ""),
    n.EapPeerAlt: lambda e: "CTRL-EVENT-EAP-PEER-ALT depth=%d %s" % (e.depth, e.altsubject),
    n.EapTlsCertError: lambda e: "CTRL-EVENT-EAP-TLS-CERT-ERROR reason=%d depth=%d subject='%s' "
                                 "err='%s'" % (e.reason, e.depth, e.subject, e.err),
    n.EapNotification: lambda e: "CTRL-EVENT-EAP-NOTIFICATION %s" % e.text,
    n.EapSuccess: lambda e: "CTRL-EVENT-EAP-SUCCESS EAP authentication completed successfully",
    n.EapFailure: lambda e: "CTRL-EVENT-EAP-FAILURE EAP authentication failed",
    n.EapRequest: lambda e: "CTRL-REQ-%s-%d:%s needed for SSID %s"
                            % (e.field, e.id, e.text, ssid_txt(e.ssid or b"")),
}


def render(notification):
    """The wpa_ctrl line for a notification, or None when wpa_supplicant has none."""
    return _RENDER[type(notification)](notification)
