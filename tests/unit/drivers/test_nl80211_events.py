"""nl80211 events → typed events, and the commands the driver sends, on
hand-built kernel messages (hwsim only exercises CONNECT through cfg80211's own
SME, so ROAM, PORT_AUTHORIZED and MIC failure are covered here; CQM has its own
file)."""
import errno

import pytest

from nl80211_fixtures import (AP, OWN, assoc_resp, auth_frame, bound_driver, deauth_frame,
                              kernel_raw,
                              kernel_msg)
from wispd.drivers import events as ev
from wispd.rsn.defs import AKM_PSK, CIPHER_CCMP
from wispd.drivers.ops import (
    AUTH_SAE, DriverBusy, DriverError, KEY_GROUP, KEY_IGTK, KEY_PAIRWISE, AssocParams, KeyParams,
    ScanParams)
from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.nl80211 import sme

RSN_IE = bytes.fromhex("30140100000fac040100000fac040100000fac020000")


def wpa2_params(**kw):
    return AssocParams(AP, b"home", 2412, wpa_ie=RSN_IE, pairwise=CIPHER_CCMP,
                       group=CIPHER_CCMP, akm=AKM_PSK, wpa_versions=2, privacy=True, **kw)


def attrs(msg):
    return m.attrs_of(msg)


# ---------------------------------------------------------------- scanning
def test_scan_sends_ssids_and_freqs_and_maps_ebusy():
    drv, events = bound_driver()
    drv.capa.max_scan_ssids = 2
    drv.scan(ScanParams(ssids=[b"", b"hidden", b"third"], freqs=[2412, 2437]))
    a = attrs(drv.cmd.sent[-1])
    assert drv.cmd.sent[-1]["cmd"] == m.CMD_TRIGGER_SCAN
    assert a["IFINDEX"] == 3
    assert a["SCAN_SSIDS"] == [b"", b"hidden"]          # capped to max_scan_ssids
    assert a["SCAN_FREQUENCIES"] == [2412, 2437]
    drv.cmd.replies[m.CMD_TRIGGER_SCAN] = errno.EBUSY
    with pytest.raises(DriverBusy):
        drv.scan(ScanParams())
    drv.cmd.replies[m.CMD_TRIGGER_SCAN] = errno.ENETDOWN
    with pytest.raises(DriverError) as info:
        drv.scan(ScanParams())
    assert not isinstance(info.value, DriverBusy) and info.value.errno == errno.ENETDOWN


def test_scan_events():
    drv, events = bound_driver()
    drv.handle_nl80211(kernel_msg(m.CMD_TRIGGER_SCAN, []))
    drv.handle_nl80211(kernel_msg(m.CMD_NEW_SCAN_RESULTS, [("SCAN_FREQUENCIES", [2412])]))
    drv.handle_nl80211(kernel_msg(m.CMD_SCAN_ABORTED, []))
    assert events == [ev.ScanStarted(), ev.ScanDone(freqs=[2412]), ev.ScanAborted()]


def test_events_of_other_interfaces_are_ignored():
    drv, events = bound_driver()
    drv.handle_nl80211(kernel_msg(m.CMD_NEW_SCAN_RESULTS, [], ifindex=7))
    assert events == []


def test_get_scan_results_parses_the_dump():
    drv, events = bound_driver()
    drv.cmd.replies[m.CMD_GET_SCAN] = [
        kernel_raw(m.CMD_NEW_SCAN_RESULTS, [("BSS", {"attrs": [
            ("NL80211_BSS_BSSID", AP), ("NL80211_BSS_FREQUENCY", 2412),
            ("NL80211_BSS_SIGNAL_MBM", -5300), ("NL80211_BSS_CAPABILITY", 0x411),
            ("NL80211_BSS_BEACON_INTERVAL", 100), ("NL80211_BSS_SEEN_MS_AGO", 1500),
            ("NL80211_BSS_INFORMATION_ELEMENTS", b"\x00\x04home"),
            ("NL80211_BSS_BEACON_IES", b"\x00\x00"), ("NL80211_BSS_STATUS", 1)]})])]
    [r] = drv.get_scan_results()
    assert (r.bssid, r.freq, r.signal, r.caps, r.age_ms) == (AP, 2412, -53, 0x411, 1500)
    assert r.ies == b"\x00\x04home" and r.beacon_ies == b"\x00\x00" and r.associated
    a = attrs(drv.cmd.sent[-1])
    assert drv.cmd.sent[-1]["cmd"] == m.CMD_GET_SCAN and a["IFINDEX"] == 3


# ---------------------------------------------------------------- AUTH + ASSOC
def test_sme_path_authenticate_then_associate():
    drv, events = bound_driver()
    drv.associate(wpa2_params(mfp=True))
    auth = drv.evt.sent[-1]
    a = attrs(auth)
    assert auth["cmd"] == m.CMD_AUTHENTICATE
    assert (a["MAC"], a["WIPHY_FREQ"], a["SSID"], a["AUTH_TYPE"]) == (AP, 2412, b"home", 0)
    drv.evt.ack()
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    assert events == [ev.Authenticated(bssid=AP, auth_type="open", status=0, data=b"")]
    assoc = drv.evt.sent[-1]
    a = attrs(assoc)
    assert assoc["cmd"] == m.CMD_ASSOCIATE
    assert a["SOCKET_OWNER"] is True and a["CONTROL_PORT"] is True
    assert a["CONTROL_PORT_ETHERTYPE"] == 0x888E
    assert a["USE_MFP"] == m.MFP_REQUIRED
    assert a["IE"] == RSN_IE + sme.EXT_CAPAB_BSS_TRANSITION
    assert list(a["CIPHER_SUITES_PAIRWISE"]) == [CIPHER_CCMP]
    assert a["CIPHER_SUITE_GROUP"] == CIPHER_CCMP
    assert list(a["AKM_SUITES"]) == [AKM_PSK] and a["WPA_VERSIONS"] == 2
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp(ies=b"\x01\x01\x82"))]))
    assert events[-1] == ev.Associated(bssid=AP, freq=2412, req_ies=RSN_IE,
                                       resp_ies=b"\x01\x01\x82", authorized=False)
    # cfg80211 repeats the result as CONNECT on the SME path: not reported twice
    drv.handle_nl80211(kernel_msg(m.CMD_CONNECT, [("MAC", AP), ("STATUS_CODE", 0)]))
    assert len(events) == 2
    assert drv.get_bssid() == AP and drv.get_ssid() == b"home"


def test_auth_rejected_and_timed_out():
    drv, events = bound_driver()
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame(status=17))]))
    assert events == [ev.AuthFailed(bssid=AP, status=17, timed_out=False, data=b"")]
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("MAC", AP), ("TIMED_OUT", True)]))
    assert events[-1] == ev.AuthFailed(bssid=AP, status=None, timed_out=True)


def test_assoc_rejected_and_timed_out():
    drv, events = bound_driver()
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp(status=53))]))
    assert events[-1] == ev.AssocRejected(bssid=AP, status=53, timed_out=False)
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("MAC", AP), ("TIMED_OUT", True)]))
    assert events[-1] == ev.AssocRejected(bssid=AP, status=None, timed_out=True)


def test_authenticate_enoent_rescans_that_channel_and_retries_once():
    drv, events = bound_driver()
    drv.associate(wpa2_params())
    drv.evt.ack(error=errno.ENOENT)
    scan = drv.cmd.sent[-1]
    assert scan["cmd"] == m.CMD_TRIGGER_SCAN
    assert attrs(scan)["SCAN_FREQUENCIES"] == [2412] and attrs(scan)["SCAN_SSIDS"] == [b"home"]
    drv.handle_nl80211(kernel_msg(m.CMD_TRIGGER_SCAN, []))
    drv.handle_nl80211(kernel_msg(m.CMD_NEW_SCAN_RESULTS, [("SCAN_FREQUENCIES", [2412])]))
    assert events == []                                  # the internal scan stays inside
    assert drv.evt.cmds() == [m.CMD_AUTHENTICATE, m.CMD_AUTHENTICATE]
    drv.evt.ack(error=errno.ENOENT)                      # still unknown: give up
    assert events == [ev.AuthFailed(bssid=AP, status=1, timed_out=False)]


def test_a_rescan_for_an_abandoned_attempt_stays_quiet():
    drv, events = bound_driver()
    drv.associate(wpa2_params())
    drv.evt.ack(error=errno.ENOENT)                      # rescan started
    drv.deauthenticate(AP, 3)                            # the core gave up meanwhile
    drv.handle_nl80211(kernel_msg(m.CMD_TRIGGER_SCAN, []))
    drv.handle_nl80211(kernel_msg(m.CMD_NEW_SCAN_RESULTS, [("SCAN_FREQUENCIES", [2412])]))
    assert events == []
    assert drv.evt.cmds() == [m.CMD_AUTHENTICATE, m.CMD_DEAUTHENTICATE]
    # the next scan is the core's again
    drv.scan(ScanParams())
    drv.handle_nl80211(kernel_msg(m.CMD_TRIGGER_SCAN, []))
    drv.handle_nl80211(kernel_msg(m.CMD_NEW_SCAN_RESULTS, []))
    assert events == [ev.ScanStarted(), ev.ScanDone(freqs=[])]


def test_sae_commit_confirm_then_associate():
    drv, events = bound_driver()
    drv.associate(wpa2_params(auth_alg=AUTH_SAE, auth_data=b"\x01\x00\x00\x00commit"))
    a = attrs(drv.evt.sent[-1])
    assert a["AUTH_TYPE"] == m.AUTHTYPE_SAE and a["SAE_DATA"] == b"\x01\x00\x00\x00commit"
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [
        ("FRAME", auth_frame(alg=3, trans=1, body=b"peer-commit"))]))
    # SAE frames reach the core as SAE data: trans || status || body
    assert events[-1] == ev.Authenticated(bssid=AP, auth_type=AUTH_SAE, status=0,
                                          data=b"\x01\x00\x00\x00peer-commit")
    assert drv.evt.cmds() == [m.CMD_AUTHENTICATE]        # the core answers first
    drv.send_auth_frame(AP, AUTH_SAE, b"\x02\x00\x00\x00confirm")
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [
        ("FRAME", auth_frame(alg=3, trans=2, body=b"peer-confirm"))]))
    # no association before the core has verified the AP's confirm
    assert drv.evt.cmds() == [m.CMD_AUTHENTICATE, m.CMD_AUTHENTICATE]
    drv.associate_after_auth()
    assert drv.evt.cmds() == [m.CMD_AUTHENTICATE, m.CMD_AUTHENTICATE, m.CMD_ASSOCIATE]


def test_sae_status_frames_reach_the_core():
    drv, events = bound_driver()
    drv.associate(wpa2_params(auth_alg=AUTH_SAE, auth_data=b"\x01\x00\x00\x00commit"))
    for status in (76, 77, 126, 1):
        drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [
            ("FRAME", auth_frame(alg=3, trans=1, status=status, body=b"x"))]))
        assert events[-1] == ev.Authenticated(bssid=AP, auth_type=AUTH_SAE, status=status,
                                              data=bytes((1, 0, status, 0)) + b"x")
    assert drv.evt.cmds() == [m.CMD_AUTHENTICATE]


def test_sme_deauth_from_ap_and_local():
    drv, events = bound_driver()
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp())]))
    drv.handle_nl80211(kernel_msg(m.CMD_DEAUTHENTICATE, [("FRAME", deauth_frame(15))]))
    drv.handle_nl80211(kernel_msg(m.CMD_DISCONNECT, [("REASON_CODE", 15),
                                                     ("DISCONNECTED_BY_AP", True)]))
    assert events[-1] == ev.Disconnected(bssid=AP, reason=15, locally_generated=False,
                                         kind="deauth")
    assert sum(isinstance(e, ev.Disconnected) for e in events) == 1
    # ours: the kernel echoes the frame we sent
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp())]))
    drv.deauthenticate(AP, 3)
    sent = drv.evt.sent[-1]
    assert sent["cmd"] == m.CMD_DEAUTHENTICATE
    assert attrs(sent)["MAC"] == AP and attrs(sent)["REASON_CODE"] == 3
    drv.handle_nl80211(kernel_msg(m.CMD_DEAUTHENTICATE, [
        ("FRAME", deauth_frame(3, sa=OWN, da=AP))]))
    assert events[-1] == ev.Disconnected(bssid=AP, reason=3, locally_generated=True,
                                         kind="deauth")
    assert drv.get_bssid() is None


def test_disassociate_and_unprotected_deauth():
    drv, events = bound_driver()
    drv.associate(wpa2_params(mfp=True))
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp())]))
    drv.handle_nl80211(kernel_msg(m.CMD_UNPROT_DEAUTHENTICATE, [("FRAME", deauth_frame(7))]))
    assert not isinstance(events[-1], ev.Disconnected)
    drv.handle_nl80211(kernel_msg(m.CMD_DISASSOCIATE, [("FRAME", deauth_frame(8))]))
    assert events[-1] == ev.Disconnected(bssid=AP, reason=8, locally_generated=False,
                                         kind="disassoc")


# ---------------------------------------------------------------- CONNECT
def test_connect_path_command_and_result():
    drv, events = bound_driver({"connect": "1"})
    drv.associate(wpa2_params(mfp=True))
    sent = drv.evt.sent[-1]
    a = attrs(sent)
    assert sent["cmd"] == m.CMD_CONNECT
    assert a["SOCKET_OWNER"] is True and a["CONTROL_PORT"] is True and a["PRIVACY"] is True
    assert a["CONTROL_PORT_ETHERTYPE"] == 0x888E and a["USE_MFP"] == m.MFP_REQUIRED
    assert a["MAC"] == AP and a["SSID"] == b"home" \
        and a["IE"] == RSN_IE + sme.EXT_CAPAB_BSS_TRANSITION
    assert list(a["AKM_SUITES"]) == [AKM_PSK]
    # mac80211 also emits AUTHENTICATE/ASSOCIATE: ignored on this path
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_CONNECT, [
        ("MAC", AP), ("STATUS_CODE", 0), ("REQ_IE", RSN_IE), ("RESP_IE", b"\x01\x01\x82"),
        ("WIPHY_FREQ", 2412)]))
    assert events == [ev.Associated(bssid=AP, freq=2412, req_ies=RSN_IE,
                                    resp_ies=b"\x01\x01\x82", authorized=False)]
    drv.handle_nl80211(kernel_msg(m.CMD_DEAUTHENTICATE, [("FRAME", deauth_frame(3, sa=OWN))]))
    drv.handle_nl80211(kernel_msg(m.CMD_DISCONNECT, [("REASON_CODE", 3)]))
    assert events[-1] == ev.Disconnected(bssid=AP, reason=3, locally_generated=True,
                                         kind="disconnect")
    assert len(events) == 2


def test_connect_failures():
    drv, events = bound_driver({"connect": "1"})
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_CONNECT, [("MAC", AP), ("STATUS_CODE", 17)]))
    assert events[-1] == ev.AssocRejected(bssid=AP, status=17, timed_out=False)
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_CONNECT, [("MAC", AP), ("STATUS_CODE", 1),
                                                  ("TIMED_OUT", True)]))
    assert events[-1] == ev.AssocRejected(bssid=AP, status=1, timed_out=True)
    drv.associate(wpa2_params())
    drv.evt.ack(error=errno.EINVAL)
    assert events[-1] == ev.AssocRejected(bssid=AP, status=1, timed_out=False)


def test_connect_path_disconnect_by_ap():
    drv, events = bound_driver({"connect": "1"})
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_CONNECT, [("MAC", AP), ("STATUS_CODE", 0)]))
    drv.deauthenticate(AP, 3)
    assert drv.evt.sent[-1]["cmd"] == m.CMD_DISCONNECT
    drv.handle_nl80211(kernel_msg(m.CMD_DISCONNECT, [("REASON_CODE", 6),
                                                     ("DISCONNECTED_BY_AP", True)]))
    assert events[-1] == ev.Disconnected(bssid=AP, reason=6, locally_generated=False,
                                         kind="disconnect")


def test_fullmac_roam_and_port_authorized():
    drv, events = bound_driver(sme=False)
    assert drv.use_connect
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_CONNECT, [("MAC", AP), ("STATUS_CODE", 0),
                                                  ("PORT_AUTHORIZED", True)]))
    assert events[-1].authorized is True
    other = bytes.fromhex("020000000200")
    drv.handle_nl80211(kernel_msg(m.CMD_ROAM, [("MAC", other), ("WIPHY_FREQ", 2437),
                                               ("REQ_IE", RSN_IE), ("RESP_IE", b"")]))
    assert events[-1] == ev.Roamed(bssid=other, freq=2437, req_ies=RSN_IE, resp_ies=b"",
                                   authorized=False)
    assert drv.get_bssid() == other
    drv.handle_nl80211(kernel_msg(m.CMD_PORT_AUTHORIZED, [("MAC", other)]))
    assert events[-1] == ev.PortAuthorized(bssid=other)


# ---------------------------------------------------------------- other events
def test_michael_mic_failure():
    drv, events = bound_driver()
    drv.handle_nl80211(kernel_msg(m.CMD_MICHAEL_MIC_FAILURE, [
        ("MAC", AP), ("KEY_TYPE", m.KEYTYPE_GROUP), ("KEY_IDX", 1)]))
    drv.handle_nl80211(kernel_msg(m.CMD_MICHAEL_MIC_FAILURE, [
        ("MAC", AP), ("KEY_TYPE", m.KEYTYPE_PAIRWISE), ("KEY_IDX", 0)]))
    assert events == [ev.MichaelMicFailure(src=AP, unicast=False, key_index=1),
                      ev.MichaelMicFailure(src=AP, unicast=True, key_index=0)]


def test_regulatory_change():
    drv, events = bound_driver()
    drv.handle_nl80211(kernel_msg(m.CMD_REG_CHANGE, [("REG_ALPHA2", "DE")], ifindex=None))
    assert events == [ev.RegulatoryChanged(alpha2="DE")]
    drv.set_country("FI")
    assert drv.cmd.sent[-1]["cmd"] == m.CMD_REQ_SET_REG
    assert attrs(drv.cmd.sent[-1])["REG_ALPHA2"] == "FI"


# ---------------------------------------------------------------- keys and port
def test_set_key_pairwise_group_igtk():
    drv, events = bound_driver()
    drv.conn.bssid = AP
    drv.set_key(KeyParams(KEY_PAIRWISE, CIPHER_CCMP, 0, b"K" * 16, seq=b"\0" * 6, addr=AP))
    a = attrs(drv.cmd.sent[-1])
    assert drv.cmd.sent[-1]["cmd"] == m.CMD_NEW_KEY
    assert (a["KEY_DATA"], a["KEY_IDX"], a["KEY_CIPHER"], a["KEY_SEQ"], a["MAC"]) == \
        (b"K" * 16, 0, CIPHER_CCMP, b"\0" * 6, AP)
    assert a["KEY_TYPE"] == m.KEYTYPE_PAIRWISE
    drv.set_key(KeyParams(KEY_GROUP, CIPHER_CCMP, 1, b"G" * 16, seq=b"\x05" + b"\0" * 5))
    a = attrs(drv.cmd.sent[-1])
    assert "MAC" not in a and a["KEY_IDX"] == 1 and a["KEY_TYPE"] == m.KEYTYPE_GROUP
    assert a["KEY_SEQ"] == b"\x05" + b"\0" * 5
    assert drv.cmd.cmds() == [m.CMD_NEW_KEY, m.CMD_NEW_KEY]      # no default for rx-only GTK
    drv.set_key(KeyParams(KEY_GROUP, CIPHER_CCMP, 2, b"G" * 16, set_tx=True))
    assert drv.cmd.cmds()[-1] == m.CMD_SET_KEY
    assert attrs(drv.cmd.sent[-1])["KEY_DEFAULT"] is True
    drv.set_key(KeyParams(KEY_IGTK, 0x000FAC06, 4, b"I" * 16, seq=b"\0" * 6, set_tx=True))
    assert drv.cmd.cmds()[-2:] == [m.CMD_NEW_KEY, m.CMD_SET_KEY]
    assert attrs(drv.cmd.sent[-1])["KEY_DEFAULT_MGMT"] is True
    drv.cmd.replies[m.CMD_NEW_KEY] = errno.EINVAL
    with pytest.raises(DriverError):
        drv.set_key(KeyParams(KEY_GROUP, CIPHER_CCMP, 1, b"G" * 16))


def test_clear_keys_and_supp_port():
    drv, events = bound_driver()
    drv.conn.bssid = AP
    drv.clear_keys()
    assert drv.evt.cmds() == [m.CMD_DEL_KEY] * 7
    assert [attrs(s)["KEY_IDX"] for s in drv.evt.sent] == [0, 1, 2, 3, 4, 5, 0]
    assert attrs(drv.evt.sent[-1])["MAC"] == AP
    drv.set_supp_port(True)
    a = attrs(drv.cmd.sent[-1])
    assert drv.cmd.sent[-1]["cmd"] == m.CMD_SET_STATION and a["MAC"] == AP
    assert a["STA_FLAGS2"] == m.sta_flags2(2, 2)
    drv.set_supp_port(False)
    assert attrs(drv.cmd.sent[-1])["STA_FLAGS2"] == m.sta_flags2(2, 0)


def test_signal_poll():
    drv, events = bound_driver()
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp())]))
    drv.cmd.replies[m.CMD_GET_STATION] = [kernel_msg(m.CMD_GET_STATION, [("STA_INFO", {"attrs": [
        ("NL80211_STA_INFO_SIGNAL", -42), ("NL80211_STA_INFO_SIGNAL_AVG", -44),
        ("NL80211_STA_INFO_TX_BITRATE", {"attrs": [("NL80211_RATE_INFO_BITRATE32", 540)]})]})])]
    drv.cmd.replies[m.CMD_GET_SURVEY] = [
        kernel_msg(m.CMD_GET_SURVEY, [("SURVEY_INFO", {"attrs": [
            ("NL80211_SURVEY_INFO_FREQUENCY", 2437), ("NL80211_SURVEY_INFO_NOISE", -90)]})]),
        kernel_msg(m.CMD_GET_SURVEY, [("SURVEY_INFO", {"attrs": [
            ("NL80211_SURVEY_INFO_FREQUENCY", 2412), ("NL80211_SURVEY_INFO_NOISE", -92),
            ("NL80211_SURVEY_INFO_IN_USE", True)]})])]
    drv.cmd.replies[m.CMD_GET_INTERFACE] = [kernel_msg(m.CMD_GET_INTERFACE, [
        ("WIPHY_FREQ", 2412), ("CHANNEL_WIDTH", 1), ("CENTER_FREQ1", 2412)])]
    assert drv.signal_poll() == {"rssi": -42, "avg_rssi": -44, "linkspeed": 54,
                                 "txrate_kbps": 54000, "noise": -92, "frequency": 2412,
                                 "width": "20 MHz", "center_frq1": 2412}
    assert attrs(drv.cmd.sent[0])["MAC"] == AP


def test_pktcnt_poll_reads_the_aps_packet_counters():
    drv, events = bound_driver()
    assert drv.pktcnt_poll() is None                    # not associated: no GET_STATION
    drv.associate(wpa2_params())
    drv.handle_nl80211(kernel_msg(m.CMD_AUTHENTICATE, [("FRAME", auth_frame())]))
    drv.handle_nl80211(kernel_msg(m.CMD_ASSOCIATE, [("FRAME", assoc_resp())]))
    drv.cmd.replies[m.CMD_GET_STATION] = [kernel_msg(m.CMD_GET_STATION, [("STA_INFO", {"attrs": [
        ("NL80211_STA_INFO_SIGNAL", -42), ("NL80211_STA_INFO_RX_PACKETS", 17),
        ("NL80211_STA_INFO_TX_PACKETS", 12), ("NL80211_STA_INFO_TX_FAILED", 3)]})])]
    assert drv.pktcnt_poll() == {"tx_packets": 12, "tx_failed": 3, "rx_packets": 17}
    assert attrs(drv.cmd.sent[-1])["MAC"] == AP
    drv.cmd.replies[m.CMD_GET_STATION] = errno.ENOENT
    assert drv.pktcnt_poll() is None
