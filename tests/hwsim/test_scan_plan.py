"""The cold-start scan plan on real radios (issue 14; docs/scan-plan.md), and
5 GHz with country= set.  The plan is shown by the ORDER of the kernel's scan
events (`iw event -t`), never by timing."""
import os
import subprocess
import time

import pytest

from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.iwevents import IwEvents
from hwsimlib.station import network

PASSPHRASE = "correct horse battery"


def _is_5ghz(freq):
    return 4900 <= freq < 5925


def _before_connect(steps):
    assert ("connected", []) in steps, steps
    return steps[:steps.index(("connected", []))]


def _state_dir(test_logdir):
    d = os.path.join(test_logdir, "state")      # nothing remembered: a cold start
    os.makedirs(d, exist_ok=True)
    return ["--state-dir", d]


def _reg_country():
    out = subprocess.run(["iw", "reg", "get"], capture_output=True, text=True,
                         timeout=10).stdout
    for line in out.splitlines():
        if line.startswith("country "):
            return line.split()[1].rstrip(":"), out
    return None, out


def _set_world():
    subprocess.run(["iw", "reg", "set", "00"], check=False, timeout=10)
    deadline = time.monotonic() + 10
    while _reg_country()[0] != "00" and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def world_regdomain():
    """Start from the world regulatory domain and leave it there (the domain
    is global: every radio, every later test)."""
    _set_world()
    yield
    _set_world()


@pytest.mark.supplicants("wispd")      # wpa_supplicant scans every channel at once
def test_ap_on_channel_11_is_joined_before_5ghz_is_scanned(make_ap, make_station,
                                                           test_logdir):
    ap = make_ap(ap_config("wispd-plan", security="wpa2", passphrase=PASSPHRASE, channel=11))
    with IwEvents() as ev:
        sta = make_station([network("wispd-plan", psk=PASSPHRASE)],
                           extra_args=_state_dir(test_logdir))
        st = sta.wait_connected(timeout=60)
    assert st["bssid"] == ap.bssid and st["freq"] == "2462"
    steps = _before_connect(ev.steps(sta.iface))
    scans = [freqs for kind, freqs in steps if kind == "scan"]
    # The radio is fresh (nothing cached, nothing remembered): the first scan
    # is the common 2.4 GHz channels, and it is the one that finds the AP.
    assert scans == [[2412, 2437, 2462]], ev.lines(sta.iface)
    assert not any(_is_5ghz(f) for freqs in scans for f in freqs)
    assert_data_path(ap.iface, sta.iface)


@pytest.mark.supplicants("wispd")
def test_fresh_kernel_cache_connects_without_a_scan(make_ap, make_station, radios,
                                                    test_logdir):
    ap = make_ap(ap_config("wispd-cache", security="open", channel=6))
    sta_iface = radios.ifaces[1]
    # A first start with no network reads the interpreter and wispd from the
    # share into the guest's page cache: the second start (the one under test)
    # then reads the kernel's cache well within CACHE_FRESH of the scan below.
    warm = make_station([], extra_args=_state_dir(test_logdir))
    warm.stop()
    # Another program scanned a moment ago: cfg80211 holds the AP.
    subprocess.run(["ip", "link", "set", sta_iface, "up"], check=True, timeout=10)
    out = subprocess.run(["iw", "dev", sta_iface, "scan", "freq", str(ap.freq)],
                         capture_output=True, text=True, timeout=30).stdout
    assert ap.bssid in out, out
    scanned_at = time.time()
    with IwEvents() as ev:
        sta = make_station([network("wispd-cache")], extra_args=_state_dir(test_logdir))
        st = sta.wait_connected(timeout=60)
    assert st["bssid"] == ap.bssid
    steps = _before_connect(ev.steps(sta.iface))
    cache_lines = [line for line in open(sta.log_path) if "in the kernel's cache" in line]
    assert cache_lines, sta.log_tail()
    read_at = float(cache_lines[-1].split(":", 1)[0])
    assert [kind for kind, _ in steps if kind in ("started", "scan")] == [], (
        "cache read %.1f s after the scan: %s\n%s" % (read_at - scanned_at, cache_lines[-1],
                                                        ev.lines(sta.iface)))


@pytest.mark.supplicants("wispd")
def test_stale_kernel_cache_is_not_taken(make_ap, make_station, radios, test_logdir):
    """An entry older than the plan's freshness limit: the AP is looked for by
    a scan (it is still there), the cached entry alone is not trusted."""
    ap = make_ap(ap_config("wispd-stale", security="open", channel=1))
    sta_iface = radios.ifaces[1]
    subprocess.run(["ip", "link", "set", sta_iface, "up"], check=True, timeout=10)
    subprocess.run(["iw", "dev", sta_iface, "scan", "freq", str(ap.freq)],
                   capture_output=True, timeout=30)
    time.sleep(6)           # past CACHE_FRESH (5 s): setup, not a measurement
    with IwEvents() as ev:
        sta = make_station([network("wispd-stale")], extra_args=_state_dir(test_logdir))
        sta.wait_connected(timeout=60)
    scans = [f for kind, f in _before_connect(ev.steps(sta.iface)) if kind == "scan"]
    assert scans == [[2412, 2437, 2462]], ev.lines(sta.iface)


def test_5ghz_with_country_de(make_ap, make_station, supplicant, world_regdomain,
                              test_logdir):
    # The supplicant's country= sets the regulatory domain: from the world
    # domain (5 GHz passive only, where no AP could start on channel 36) to DE.
    assert _reg_country()[0] == "00"
    extra = _state_dir(test_logdir) if supplicant == "wispd" else ()
    sta = make_station([network("wispd-5g", psk=PASSPHRASE)], global_conf={"country": "DE"},
                       extra_args=extra)
    deadline = time.monotonic() + 15
    while _reg_country()[0] != "DE":
        assert time.monotonic() < deadline, "regulatory domain not DE: %s" % _reg_country()[1]
        time.sleep(0.2)
    ap = make_ap(ap_config("wispd-5g", security="wpa2", passphrase=PASSPHRASE, channel=36,
                           hw_mode="a", country="DE"))
    st = sta.wait_connected(timeout=90)
    assert st["bssid"] == ap.bssid and st["freq"] == "5180"
    ap.wait_sta_authorized(sta.mac, timeout=10)
    assert_data_path(ap.iface, sta.iface)


def test_hidden_ssid_without_scan_freq(make_ap, make_station, supplicant, test_logdir):
    ap = make_ap(ap_config("wispd-hidden-plan", security="wpa2", passphrase=PASSPHRASE,
                           channel=6, hidden=True))
    extra = _state_dir(test_logdir) if supplicant == "wispd" else ()
    sta = make_station([network("wispd-hidden-plan", psk=PASSPHRASE, scan_ssid=1)],
                       extra_args=extra)
    st = sta.wait_connected(timeout=60)
    assert st["bssid"] == ap.bssid and st["ssid"] == "wispd-hidden-plan"
    ap.wait_sta_authorized(sta.mac, timeout=10)
    assert_data_path(ap.iface, sta.iface)


@pytest.mark.supplicants("wispd")
def test_remembered_frequency_first_then_fresh_cache(make_ap, make_station, test_logdir):
    """A restart: the AP's entry in the kernel's cache is fresh (beacons kept it
    up to date while connected), so the second start connects without a scan;
    once that entry is older than CACHE_FRESH, the remembered frequency is the
    first (and only) scan."""
    ap = make_ap(ap_config("wispd-recent", security="wpa2", passphrase=PASSPHRASE, channel=1))
    nets = [network("wispd-recent", psk=PASSPHRASE)]
    state = _state_dir(test_logdir)
    sta = make_station(nets, extra_args=state)
    sta.wait_connected(timeout=60)
    sta.stop()
    with IwEvents() as ev:
        sta.start(nets, extra_args=state)
        sta.wait_connected(timeout=60)
    steps = _before_connect(ev.steps(sta.iface))
    cache_lines = [line for line in open(sta.log_path) if "in the kernel's cache" in line]
    assert [k for k, _ in steps if k in ("started", "scan")] == [], (cache_lines,
                                                                     ev.lines(sta.iface))
    sta.stop()
    time.sleep(6)           # past CACHE_FRESH (5 s): setup, not a measurement
    with IwEvents() as ev:
        sta.start(nets, extra_args=state)
        sta.wait_connected(timeout=60)
    scans = [f for kind, f in _before_connect(ev.steps(sta.iface)) if kind == "scan"]
    assert scans == [[ap.freq]], ev.lines(sta.iface)
