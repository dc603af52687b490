"""Roaming scenarios' shared parts (test_roam.py, test_ft.py): which of two APs
the station joined first, a ROAM there and its checks, and hostapd processes
that hold several APs at once (802.11r's R0KH/R1KH messages between them).
"""
from __future__ import annotations

import os
import subprocess

from .datapath import assert_data_path
from .hostapd import _mac


def first_and_other(aps, status: dict):
    """(the AP the station is with, the other one) from its STATUS."""
    first = next((ap for ap in aps if ap.bssid == status.get("bssid")), None)
    if first is None:
        raise AssertionError("connected to %s, none of %s" % (
            status.get("bssid"), [ap.bssid for ap in aps]))
    return first, next(ap for ap in aps if ap is not first)


def disconnections(sta) -> list:
    return [e for e in sta.events_seen() if e.startswith("CTRL-EVENT-DISCONNECTED")]


def roam(sta, target, timeout: float = 30.0) -> dict:
    """ROAM to `target` (a HostapdAP): OK, CTRL-EVENT-CONNECTED with its BSSID,
    the AP authorizes the station and data flows; returns the station's STATUS."""
    assert sta.request("ROAM " + target.bssid).strip() == "OK"
    sta.wait_connected_to(target.bssid, timeout=timeout)
    st = sta.wait_connected(timeout=10)
    assert st["bssid"] == target.bssid, st
    target.wait_sta_authorized(sta.mac, timeout=10)
    assert_data_path(target.iface, sta.iface)
    return st


def iface_mac(iface: str) -> str:
    return _mac(iface)


def start_together(aps, extra_args=()) -> None:
    """Start HostapdAPs made with start=False as ONE hostapd process (one config
    file per radio).  hostapd hands R0KH/R1KH (RRB) messages between the BSSes
    of one process directly, so 802.11r APs without ft_psk_generate_local (FT-SAE,
    FT-802.1X) share PMK-R1s with no bridge or wire between them.  They share one
    log: lines_of() picks an interface's lines from it."""
    first = aps[0]
    paths = []
    for ap in aps:
        paths.append(ap.write_conf())
        try:
            os.unlink(ap._ctrl_path())
        except OSError:
            pass
    args = ["hostapd", "-t"] + (["-d"] if first.debug else []) + list(extra_args) + paths
    with open(first.log_path, "a") as logf:
        logf.write("==== start: %s\n" % " ".join(args))
        logf.flush()
        proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    for ap in aps:
        ap.proc = proc
        ap.log_path = first.log_path
        ap.starts += 1
    for ap in aps:
        ap.wait_enabled()


def log_since(ap, mark: int) -> str:
    with open(ap.log_path, errors="replace") as f:
        f.seek(mark)
        return f.read()


def lines_of(text: str, iface: str) -> str:
    """hostapd's logger lines about stations of one interface
    ("<time>: wlan1: STA 02:..:00 WPA: ...")."""
    tag = " %s: STA " % iface
    return "\n".join(line for line in text.splitlines() if tag in line)
