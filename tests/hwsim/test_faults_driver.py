"""Faults below the supplicant: the radio is unplugged and plugged back, netlink
events are lost in a storm (ENOBUFS), the wall clock jumps.  Issue 10, part 3.

Each scenario runs the real supplicant against the real kernel and hostapd;
the fault is real too (hwsim radio deletion, a real overflow of the
supplicant's netlink sockets, `date -s` on the guest's clock).
"""
import os
import signal
import struct
import subprocess
import time

import pytest

from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.radios import GenlSocket, _attr, wireless_interfaces
from hwsimlib.station import network
from hwsimlib.wpactrl import parse_kv

PASSPHRASE = "correct horse battery"
# A name like the ones udev gives: the kernel's own "wlanN" would be reused
# for a new radio by chance, this one only because we (udev) rename it.
STA_NAME = "wlsta0"


def sh(*args, check=True):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), r.stdout))
    return r.stdout


def rename(old, new):
    """What udev does for a (re-)plugged dongle: name it before anyone sets it up."""
    sh("ip", "link", "set", old, "name", new)


def log_text(sta):
    with open(sta.log_path, errors="replace") as f:
        return f.read()


# ---------------------------------------------------------------- hot-unplug

def test_radio_unplug_replug_without_restart(make_ap, make_station, radios):
    ap = make_ap(ap_config("wispd-plug", passphrase=PASSPHRASE))
    rename(radios.ifaces[1], STA_NAME)
    sta = make_station([network("wispd-plug", psk=PASSPHRASE, scan_freq=ap.freq)],
                       iface=STA_NAME)
    sta.wait_connected(timeout=45)
    pid = sta.proc.pid
    old_mac = sta.mac
    old_index = wireless_interfaces()[STA_NAME]["ifindex"]

    phy = radios.del_radio_of(STA_NAME)
    assert STA_NAME not in wireless_interfaces()
    assert sta.wait_event("CTRL-EVENT-DISCONNECTED", timeout=15), sta.events_seen()
    sta.wait_state("INTERFACE_DISABLED", timeout=15)
    # Still running and answering while the radio is gone.
    assert sta.request("PING").strip() == "PONG"
    assert sta.status()["wpa_state"] == "INTERFACE_DISABLED"

    _, iface = radios.add_radio()
    if iface != STA_NAME:
        rename(iface, STA_NAME)
    new = wireless_interfaces()[STA_NAME]
    assert new["ifindex"] != old_index and new["phy"] != phy and new["mac"] != old_mac
    st = sta.wait_connected(timeout=40)
    assert sta.proc.pid == pid and sta.running
    assert st["address"] == new["mac"], st
    ap.wait_sta_authorized(new["mac"])
    assert_data_path(ap.iface, STA_NAME)


# ---------------------------------------------------------------- ENOBUFS

NL80211_CMD_SET_WIPHY = 2
NL80211_ATTR_WIPHY = 1
NL80211_ATTR_WIPHY_NAME = 2


def wiphy_rename_storm(phy, count):
    """Rename another radio's wiphy `count` times, then back: cfg80211 sends a
    NEW_WIPHY with the wiphy's description (some kB) to nl80211's "config"
    group each time.  Real events for every nl80211 listener, none about the
    supplicant's own interface, and no netdev churn to slow the AP down."""
    with open("/sys/class/ieee80211/%s/index" % phy) as f:
        wiphy = _attr(NL80211_ATTR_WIPHY, struct.pack("=I", int(f.read())))
    g = GenlSocket()
    try:
        fam = g.family_id("nl80211")
        for name in ["storm%d" % i for i in range(count)] + [phy]:
            err, _ = g.request(fam, NL80211_CMD_SET_WIPHY,
                               wiphy + _attr(NL80211_ATTR_WIPHY_NAME, name.encode() + b"\0"))
            assert err == 0, "renaming %s to %s: %s" % (phy, name, os.strerror(-err))
    finally:
        g.close()


@pytest.mark.radios(3)
@pytest.mark.supplicants("wispd")   # wpa_supplicant only logs a failed nl_recvmsgs
def test_netlink_overflow_resyncs(make_ap, make_station, radios):
    ap = make_ap(ap_config("wispd-storm", passphrase=PASSPHRASE))
    sta = make_station([network("wispd-storm", psk=PASSPHRASE, scan_freq=ap.freq)])
    sta.wait_connected(timeout=30)
    ap.wait_sta_authorized(sta.mac)
    sta.mon.pending_events()
    os.kill(sta.proc.pid, signal.SIGSTOP)
    try:
        # First fill its buffers, then change the state: the kernel drops the
        # deauthentication event because there is no room left for it.
        wiphy_rename_storm(radios.phy(radios.ifaces[2]), 400)
        ap.cli("deauthenticate", sta.mac)
        deadline = time.monotonic() + 10
        while "Not connected" not in sh("iw", "dev", sta.iface, "link"):
            assert time.monotonic() < deadline, "the AP's deauthentication did not land"
            time.sleep(0.2)
    finally:
        os.kill(sta.proc.pid, signal.SIGCONT)
    ev = sta.wait_event("CTRL-EVENT-DISCONNECTED", timeout=20)
    assert ev is not None, sta.events_seen()
    sta.wait_connected(timeout=40)
    ap.wait_sta_authorized(sta.mac)
    assert_data_path(ap.iface, sta.iface)
    text = log_text(sta)
    # The overflow really happened on the nl80211 event socket (protocol 16),
    # and the loss was found by asking the kernel, not from an event.
    assert "receive buffer overrun (ENOBUFS) on protocol 16" in text, sta.log_tail(80)
    assert "resync: no longer associated with %s" % ap.bssid in text, sta.log_tail(80)


# ---------------------------------------------------------------- wall clock

class WallClock:
    """Moves the guest's wall clock and puts it back where it would have been."""

    def __init__(self):
        self.wall0 = time.time()
        self.mono0 = time.monotonic()

    def now(self):
        return self.wall0 + (time.monotonic() - self.mono0)

    def jump(self, seconds):
        sh("date", "-s", "@%d" % int(self.now() + seconds))

    def restore(self):
        sh("date", "-s", "@%d" % int(self.now()))


def collect(sta, seconds, until, jumps, clock):
    """Every event, with its monotonic arrival time, for at most `seconds` or
    until one starts with `until`; `jumps` are (at seconds, by seconds)
    wall-clock moves done on the way."""
    out = []
    t0 = time.monotonic()
    todo = sorted(jumps)
    while True:
        now = time.monotonic()
        if todo and now - t0 >= todo[0][0]:
            clock.jump(todo.pop(0)[1])
            continue
        left = t0 + seconds - now
        if left <= 0:
            return out
        wait = min(left, todo[0][0] - (now - t0)) if todo else left
        ev = sta.wait_event("", timeout=max(0.01, wait))
        if ev is not None:
            out.append((time.monotonic(), ev))
            if ev.startswith(until) and not todo:
                return out


@pytest.mark.radios(3)
def test_wall_clock_jumps(make_ap, make_station, radios, supplicant):
    ap = make_ap(ap_config("wispd-clock", passphrase=PASSPHRASE))
    good = make_station([network("wispd-clock", psk=PASSPHRASE, scan_freq=ap.freq)],
                        iface=radios.ifaces[2])
    good.wait_connected(timeout=30)
    # The wrong key gets the network disabled for 10 s; the network that is
    # nowhere keeps the supplicant rescanning on its own schedule meanwhile.
    bad = make_station([network("wispd-clock", psk="not the passphrase", scan_freq=ap.freq),
                        network("wispd-nowhere", psk=PASSPHRASE, scan_freq=ap.freq)],
                       # two wispd at once: the compact socket is the first one's
                       extra_args=["--control", ""] if supplicant == "wispd" else [])
    ev = bad.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED", timeout=40)
    assert ev is not None and "duration=10" in ev, bad.events_seen()
    disabled_at = time.monotonic()
    good.mon.pending_events()
    clock = WallClock()
    try:
        # Forward three hours, then back to three hours before the real time.
        events = collect(bad, 16, ("Trying to associate", "SME: Trying to authenticate"),
                         jumps=((1.0, 3 * 3600), (3.0, -3 * 3600)), clock=clock)
    finally:
        clock.restore()
    assert abs(time.time() - clock.now()) < 2
    tries = [t - disabled_at for t, e in events
             if e.startswith(("Trying to associate", "SME: Trying to authenticate"))]
    # Neither early (a forward jump expiring it at once) nor late (a backward
    # jump holding it for hours): ten seconds plus a one-channel scan.
    assert tries and 9.5 <= tries[0] <= 15.0, (tries, events)
    scans = [t for t, e in events if e.startswith("CTRL-EVENT-SCAN-STARTED")]
    gaps = [b - a for a, b in zip([disabled_at] + scans, scans)]
    assert scans and max(gaps) <= 12.0, (gaps, events)
    # The connected station noticed nothing, and its keys still work.
    assert not [e for e in good.mon.pending_events() if "DISCONNECTED" in e]
    assert parse_kv(good.request("STATUS"))["wpa_state"] == "COMPLETED"
    assert_data_path(ap.iface, good.iface)
