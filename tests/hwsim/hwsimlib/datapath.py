"""Data path check with raw layer-2 frames (EtherType 0x88b5, local
experimental), no IP anywhere. Frames only get through an RSN link when both
ends hold the same pairwise (unicast) or group (broadcast) keys."""
from __future__ import annotations

import os
import select
import socket
import struct
import time

ETH_P_TEST = 0x88B5
BROADCAST = "ff:ff:ff:ff:ff:ff"
PACKET_OUTGOING = 4


def mac_of(iface: str) -> str:
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def _mac_bytes(mac: str) -> bytes:
    return bytes(int(x, 16) for x in mac.split(":"))


def _l2_socket(iface: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_TEST))
    s.bind((iface, ETH_P_TEST))
    return s


def send_and_count(tx_iface: str, rx_iface: str, dst: str = None, count: int = 5,
                   timeout: float = 5.0) -> int:
    """Send `count` frames from tx_iface to `dst` (default: rx_iface's MAC) and
    return how many distinct ones arrived on rx_iface within `timeout`."""
    if dst is None:
        dst = mac_of(rx_iface)
    token = os.urandom(8)
    rx = _l2_socket(rx_iface)
    tx = _l2_socket(tx_iface)
    try:
        head = _mac_bytes(dst) + _mac_bytes(mac_of(tx_iface)) + struct.pack("!H", ETH_P_TEST)
        got = set()
        deadline = time.monotonic() + timeout
        for i in range(count):
            frame = head + b"wispd-hwsim" + token + struct.pack("!I", i)
            tx.send(frame + b"\0" * max(0, 60 - len(frame)))
        while len(got) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            r, _, _ = select.select([rx], [], [], remaining)
            if not r:
                break
            data, addr = rx.recvfrom(2048)
            if addr[2] == PACKET_OUTGOING:
                continue
            body = data[14:]
            if body.startswith(b"wispd-hwsim" + token):
                (seq,) = struct.unpack_from("!I", body, 11 + len(token))
                got.add(seq)
        return len(got)
    finally:
        rx.close()
        tx.close()


def data_path_counts(ap_iface: str, sta_iface: str, count: int = 5,
                     timeout: float = 5.0, broadcast: bool = True) -> dict:
    counts = {
        "sta->ap unicast": send_and_count(sta_iface, ap_iface, count=count, timeout=timeout),
        "ap->sta unicast": send_and_count(ap_iface, sta_iface, count=count, timeout=timeout),
    }
    if broadcast:
        counts["ap->sta broadcast"] = send_and_count(ap_iface, sta_iface, dst=BROADCAST,
                                                     count=count, timeout=timeout)
    return counts


def assert_data_path(ap_iface: str, sta_iface: str, count: int = 5,
                     timeout: float = 5.0, broadcast: bool = True) -> dict:
    """All directions must deliver every frame.

    broadcast=False checks the pairwise key only.  Tests with a short
    group_rekey need that right after connecting: when hostapd's rekey timer
    fires while a station is between message 3 and message 4, hostapd skips
    that station (it is not yet in PTKINITDONE) and switches to a GTK the
    station never got, until the next rekey.  That is hostapd's race, seen
    with either supplicant; such tests check broadcast after a rekey the
    station took part in."""
    counts = data_path_counts(ap_iface, sta_iface, count, timeout, broadcast)
    bad = {k: v for k, v in counts.items() if v != count}
    assert not bad, "data path %s -> %s: expected %d frames each way, got %s" % (
        ap_iface, sta_iface, count, counts)
    return counts


def assert_no_data_path(ap_iface: str, sta_iface: str, count: int = 3,
                        timeout: float = 2.0) -> dict:
    """Nothing gets through (e.g. the station never got its keys)."""
    counts = data_path_counts(ap_iface, sta_iface, count, timeout)
    assert not any(counts.values()), "frames got through without keys: %s" % counts
    return counts
