"""802.11k neighbor reports (issue 17): hostapd with rrm_neighbor_report=1 and
two neighbors set with SET_NEIGHBOR; the station's NEIGHBOR_REP_REQUEST gets
one RRM-NEIGHBOR-REP-RECEIVED per neighbor, with their channels.  wispd also
asks on its own after connecting, and a roam scan covers the neighbors'
channels first: shown by the kernel's scan events (`iw event -t`), in order,
never by timing."""
import subprocess
import time

import pytest
from hwsimlib.hostapd import ap_config
from hwsimlib.iwevents import IwEvents
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"
SSID = "wispd-nr"
# Two neighbors of the ESS that do not exist on the air: only the report names
# them.  Channels 4 and 9 (operating class 81) are channels no scan of the
# station's cold start asks for on its own (it starts with 1, 6 and 11).
NEIGHBORS = {"02:00:00:00:44:04": 4, "02:00:00:00:44:09": 9}
BSSID_INFO = 0x8F          # reachable, security, key scope, spectrum management, QoS


def txpower(iface, mbm):
    subprocess.run(["iw", "dev", iface, "set", "txpower", "fixed", str(mbm)], check=True)


def _nr_hex(bssid, channel):
    """A Neighbor Report element body: BSSID, BSSID info (LE), class 81, channel, PHY 7."""
    return (bssid.replace(":", "") + BSSID_INFO.to_bytes(4, "little").hex()
            + bytes((81, channel, 7)).hex())


def _ap_with_neighbors(make_ap, iface):
    ap = make_ap(ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=1,
                           rrm_neighbor_report=1), iface=iface)
    txpower(ap.iface, 2000)
    for bssid, channel in NEIGHBORS.items():
        reply = ap.request("SET_NEIGHBOR %s ssid=%s nr=%s" % (bssid, SSID.encode().hex(),
                                                              _nr_hex(bssid, channel)))
        assert reply.strip() == "OK", reply
    return ap


def _received(sta, want, timeout=15):
    """{bssid: {field: value}} of the RRM-NEIGHBOR-REP-RECEIVED events until every
    BSSID of `want` has come (the AP's own report comes too)."""
    got = {}
    deadline = time.monotonic() + timeout
    while not set(want) <= set(got) and time.monotonic() < deadline:
        ev = sta.wait_event(["RRM-NEIGHBOR-REP-RECEIVED", "RRM-NEIGHBOR-REP-REQUEST-FAILED"],
                            timeout=max(0.1, deadline - time.monotonic()))
        assert ev is not None and "FAILED" not in ev, (ev, sta.events_seen())
        fields = dict(kv.split("=", 1) for kv in ev.split()[1:])
        got[fields.pop("bssid")] = fields
    return got


@pytest.mark.radios(2)
def test_neighbor_report_request_reports_each_neighbor(radios, make_ap, make_station,
                                                       supplicant):
    ap = _ap_with_neighbors(make_ap, radios.ifaces[0])
    sta = make_station([network(SSID, psk=PASSPHRASE)], iface=radios.ifaces[1])
    st = sta.wait_connected(timeout=40)
    assert st["bssid"] == ap.bssid
    ap.wait_sta_authorized(sta.mac, timeout=10)
    assert sta.request("NEIGHBOR_REP_REQUEST").strip() == "OK"
    got = _received(sta, list(NEIGHBORS) + [ap.bssid])
    for bssid, channel in NEIGHBORS.items():
        assert got[bssid] == {"info": "0x%x" % BSSID_INFO, "op_class": "81",
                              "chan": str(channel), "phy_type": "7"}, got
    assert got[ap.bssid]["chan"] == "1", got          # hostapd's own report
    # With an SSID the AP has no neighbors of: an empty report is a failure.
    assert sta.request('NEIGHBOR_REP_REQUEST ssid="elsewhere"').strip() == "OK"
    ev = sta.wait_event(["RRM-NEIGHBOR-REP-RECEIVED", "RRM-NEIGHBOR-REP-REQUEST-FAILED"],
                        timeout=15)
    assert ev is not None and ev.startswith("RRM-NEIGHBOR-REP-REQUEST-FAILED"), ev


@pytest.mark.radios(2)
@pytest.mark.supplicants("wispd")      # wpa_supplicant's bgscan/roam scans cover every channel
def test_roam_scan_covers_the_neighbors_channels_first(radios, make_ap, make_station,
                                                       supplicant):
    """wispd asks for the neighbor report by itself after connecting; when the
    signal falls below roam_threshold, its first roam scan asks for the
    network's known channel (1) and the neighbors' (4, 9), not every channel."""
    ap = _ap_with_neighbors(make_ap, radios.ifaces[0])
    sta = make_station([network(SSID, psk=PASSPHRASE)], iface=radios.ifaces[1],
                       global_conf={"roam_threshold": -40})
    sta.wait_connected(timeout=40)
    ap.wait_sta_authorized(sta.mac, timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:       # the automatic request's answer is in
        with open(sta.log_path) as f:
            if any("neighbor report: 3 neighbors" in line for line in f):
                break
        time.sleep(0.2)
    else:
        raise AssertionError("no neighbor report after connecting:\n" + sta.log_tail())
    assert not [e for e in sta.events_seen() if e.startswith("RRM-")]   # kept, not published
    with IwEvents() as ev:
        txpower(ap.iface, 100)                # -49 dBm: below the -40 dBm threshold
        change = sta.wait_event("CTRL-EVENT-SIGNAL-CHANGE", timeout=30)
        assert change is not None and "above=0" in change, sta.events_seen()
        assert sta.wait_event("CTRL-EVENT-SCAN-RESULTS", timeout=60) is not None
    scans = [freqs for kind, freqs in ev.steps(sta.iface) if kind == "scan"]
    assert scans, ev.lines(sta.iface)
    assert sorted(scans[0]) == [2412, 2427, 2452], ev.lines(sta.iface)
    assert sta.status()["bssid"] == ap.bssid
