"""The core's typed notifications and their one wpa_ctrl rendering.

Each line below is what wpa_supplicant 2.10 sends (the hwsim suite diffs the
real thing); the compact protocol gets the same notification's fields as they are.
"""

import pytest

from wispd.control.wpactrl.events import render
from wispd.core import notify as nt

AP = b"\x02\0\0\0\0\x01"

CASES = [
    (nt.Connected(AP, 3, "home", b"cafe"),
     "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:01 completed [id=3 id_str=home]"),
    (nt.Connected(AP, 0, None, b"cafe"),
     "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:01 completed [id=0 id_str=]"),
    (nt.Disconnected(AP, 3, True),
     "CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:00:01 reason=3 locally_generated=1"),
    (nt.Disconnected(None, 0, False), "CTRL-EVENT-DISCONNECTED bssid=00:00:00:00:00:00 reason=0"),
    (nt.TempDisabled(0, b"a b", 1, 10, "WRONG_KEY"),
     'CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="a b" auth_failures=1 duration=10 reason=WRONG_KEY'),
    (nt.Reenabled(1, b'q"\x00'), 'CTRL-EVENT-SSID-REENABLED id=1 ssid="q\\"\\x00"'),
    (nt.ScanStarted(), "CTRL-EVENT-SCAN-STARTED "),
    (nt.ScanResults(), "CTRL-EVENT-SCAN-RESULTS "),
    (nt.ScanFailed(-1, 1), "CTRL-EVENT-SCAN-FAILED ret=-1 retry=1"),
    (nt.NetworkNotFound(), "CTRL-EVENT-NETWORK-NOT-FOUND "),
    (nt.BssAdded(4, AP), "CTRL-EVENT-BSS-ADDED 4 02:00:00:00:00:01"),
    (nt.BssRemoved(4, AP), "CTRL-EVENT-BSS-REMOVED 4 02:00:00:00:00:01"),
    (nt.Associating(AP, b"caf e", 2437),
     "Trying to associate with 02:00:00:00:00:01 (SSID='caf e' freq=2437 MHz)"),
    (nt.Associated(AP), "Associated with 02:00:00:00:00:01"),
    (nt.AuthRejected(AP, 3, 2, 1),
     "CTRL-EVENT-AUTH-REJECT 02:00:00:00:00:01 auth_type=3 auth_transaction=2 status_code=1"),
    (nt.AssocRejected(AP, 53), "CTRL-EVENT-ASSOC-REJECT bssid=02:00:00:00:00:01 status_code=53"),
    (nt.SaeUnusable(AP, "no password"), "SME: SAE with 02:00:00:00:00:01 not possible: no password"),
    (nt.SaeFailed(AP, "confirm mismatch"),
     "SME: SAE authentication with 02:00:00:00:00:01 failed: confirm mismatch"),
    (nt.KeyNegotiationCompleted(AP, "CCMP", "CCMP"),
     "WPA: Key negotiation completed with 02:00:00:00:00:01 [PTK=CCMP GTK=CCMP]"),
    (nt.GroupRekeyed(AP, "CCMP"), "WPA: Group rekeying completed with 02:00:00:00:00:01 [GTK=CCMP]"),
    (nt.WrongKey(), "WPA: 4-Way Handshake failed - pre-shared key may be incorrect"),
    (nt.SubnetStatusUpdate(0), "CTRL-EVENT-SUBNET-STATUS-UPDATE status=0"),
    (nt.TransitionDisable(1), "TRANSITION-DISABLE 01"),
    (nt.MichaelMicFailure(), "WPA: Michael MIC failure detected"),
    (nt.TkipCountermeasures(), "WPA: TKIP countermeasures started"),
    (nt.SignalChange(0, -70, 0, 0), "CTRL-EVENT-SIGNAL-CHANGE above=0 signal=-70 noise=0 txrate=0"),
    (nt.BeaconLoss(), "CTRL-EVENT-BEACON-LOSS "),
    (nt.RoamDecided(AP, b"\x02\0\0\0\0\x02", "signal"), None),
    # wpa_supplicant 2.10's ctrl_iface.c format: info in hex without padding.
    (nt.NeighborReportReceived(AP, 0x8F, 81, 11, 7),
     "RRM-NEIGHBOR-REP-RECEIVED bssid=02:00:00:00:00:01 info=0x8f op_class=81 chan=11 "
     "phy_type=7"),
    (nt.NeighborReportFailed(), "RRM-NEIGHBOR-REP-REQUEST-FAILED "),
    (nt.RegdomChange("CORE", "COUNTRY", "DE"),
     "CTRL-EVENT-REGDOM-CHANGE init=CORE type=COUNTRY alpha2=DE"),
    (nt.NetworkAdded(2), "CTRL-EVENT-NETWORK-ADDED 2"),
    (nt.NetworkRemoved(2), "CTRL-EVENT-NETWORK-REMOVED 2"),
    (nt.NetworksApplied(3, True), "CTRL-EVENT-NETWORKS-APPLIED count=3 saved=1"),
    (nt.Terminating(), "CTRL-EVENT-TERMINATING"),
    (nt.StateChanged("SCANNING", "ASSOCIATING"), None),
    # 802.1X/EAP: hostap 2.10 src/eap_peer/eap.c and wpa_supplicant/notify.c
    (nt.EapStarted(), "CTRL-EVENT-EAP-STARTED EAP authentication started"),
    (nt.EapStatus("accept proposed method", "TLS"),
     "CTRL-EVENT-EAP-STATUS status='accept proposed method' parameter='TLS'"),
    (nt.EapProposedMethod(0, 25, False), "CTRL-EVENT-EAP-PROPOSED-METHOD vendor=0 method=25"),
    (nt.EapMethod(0, 13, "TLS"), "CTRL-EVENT-EAP-METHOD EAP vendor 0 method 13 (TLS) selected"),
    (nt.EapPeerCert(0, "/CN=server.example.com", "ab" * 32),
     "CTRL-EVENT-EAP-PEER-CERT depth=0 subject='/CN=server.example.com' hash=" + "ab" * 32),
    (nt.EapPeerAlt(0, "DNS:server.example.com"),
     "CTRL-EVENT-EAP-PEER-ALT depth=0 DNS:server.example.com"),
    (nt.EapTlsCertError(1, 0, "/CN=rogue", "unable to get local issuer certificate"),
     "CTRL-EVENT-EAP-TLS-CERT-ERROR reason=1 depth=0 subject='/CN=rogue' "
     "err='unable to get local issuer certificate'"),
    (nt.EapNotification("hello"), "CTRL-EVENT-EAP-NOTIFICATION hello"),
    (nt.EapSuccess(), "CTRL-EVENT-EAP-SUCCESS EAP authentication completed successfully"),
    (nt.EapFailure("MSCHAPv2 failure E=691"), "CTRL-EVENT-EAP-FAILURE EAP authentication failed"),
    (nt.EapRequest("PASSWORD", 2, "Password", b"corp"),
     "CTRL-REQ-PASSWORD-2:Password needed for SSID corp"),
]


@pytest.mark.parametrize("notification,text", CASES, ids=lambda x: type(x).__name__
                         if isinstance(x, nt.Notification) else "")
def test_wpactrl_text_is_wpa_supplicants(notification, text):
    assert render(notification) == text


def test_every_notification_type_has_a_rendering_and_a_case():
    types = {c for c in vars(nt).values()
             if isinstance(c, type) and issubclass(c, nt.Notification) and c is not nt.Notification}
    assert types == {type(n) for n, _ in CASES}


def test_fields_are_the_slots_in_order_and_names_are_unique():
    names = [type(n).name for n, _ in CASES]
    assert len(set(names)) == len({type(n) for n, _ in CASES})
    c = nt.Connected(AP, 3, "42", b'a"\x00')
    assert c.fields() == {"bssid": AP, "id": 3, "id_str": "42", "ssid": b'a"\x00'}
    with pytest.raises(TypeError):
        nt.Connected(AP, nope=1)
