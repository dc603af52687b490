"""`make bench`, section "roam" (issue 17): from the roam decision, or from the
AP's BSS Transition Management request, to the data path on the new AP.

Two APs of one ESS on the bench's spare radios (wlan3 on channel 6, wlan4 on
channel 11; the scale section uses them later and starts its own hostapd), a
supplicant on its usual radio (wlan1 wispd, wlan2 wpa_supplicant), one at a
time.  Four figures per supplicant, each the median of `reps` roams:

- `ROAM <bssid>` on the control socket, WPA2-PSK (a full 4-way on the new AP);
- the same with FT-PSK (FT over the air: FT authentication and reassociation);
- `BSS_TM_REQ` on the current AP's control socket (the command hostapd_cli
  sends; pref=1, disassociation imminent, one candidate: the other AP, as
  tests/hwsim/test_btm.py does), WPA2-PSK;
- the same with FT-PSK.

The data path is measured at layer 2, no IP anywhere: a thread of this process
sends a raw frame (EtherType 0x88b5) from the station's interface to the target
AP's address every INTERVAL seconds, each frame carrying its send time
(time.monotonic()); packet sockets on both AP interfaces receive.  The figure
is the arrival time of the first frame that was sent after the trigger and
arrived on the target AP's interface, minus the trigger time, one clock.
Frames sent before the association is authorized are dropped by mac80211 (the
port is closed), so the resolution is INTERVAL plus this process's scheduling.
"""
from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time

from hwsimlib.hostapd import HostapdAP, ap_config
from hwsimlib.station import network
from hwsimlib.wpactrl import parse_kv

ETH_P = 0x88B5
PACKET_OUTGOING = 4
MAGIC = b"wispd-roam"
INTERVAL = 0.003            # seconds between two probe frames
SSID = "bench-roam"
PASSPHRASE = "correct horse battery"
CHANNELS = (6, 11)          # the two APs, on the bench's radios 3 and 4
BTM_DISASSOC_TIMER = 100    # TBTTs, as test_btm.py; hostapd disassociates after it
# A BTM sample waits this long after the station left the target AP and after
# its last scan, for two reasons.  hostapd keeps a BTM request's disassociation
# timer (100 TBTTs of 102.4 ms = 10.2 s) for a station that has left; one that
# comes back earlier gets disassociated.  And wpa_supplicant 2.10 answers a BTM
# request without scanning when it holds results it deems recent (its own
# younger than 10 s, or the kernel's, which an association with that AP keeps
# fresh); wispd scans the candidate's channel every time.  Stale results for
# both make the samples alike: both scan before they move.
BTM_SPACING = 12.0
DATA_TIMEOUT = 30.0
MODES = ("psk", "ft")
TRIGGERS = ("roam", "btm")
LABEL = {
    ("roam", "psk"): "ROAM <bssid> -> first data frame on the new AP, WPA2-PSK (4-way)",
    ("roam", "ft"): "ROAM <bssid> -> first data frame on the new AP, FT-PSK over the air",
    ("btm", "psk"): "BSS_TM_REQ -> first data frame on the new AP, WPA2-PSK (4-way)",
    ("btm", "ft"): "BSS_TM_REQ -> first data frame on the new AP, FT-PSK over the air",
}


# ---------------------------------------------------------------- frames (pure)

def mac_bytes(mac: str) -> bytes:
    return bytes(int(x, 16) for x in mac.split(":"))


def probe_frame(dst: bytes, src: bytes, token: bytes, seq: int, sent_at: float) -> bytes:
    """An Ethernet frame for the probe: header, MAGIC, token, sequence number and
    the monotonic send time, padded to the 60-byte minimum."""
    frame = (dst + src + struct.pack("!H", ETH_P) + MAGIC + token
             + struct.pack("!Id", seq, sent_at))
    return frame + b"\0" * max(0, 60 - len(frame))


def parse_probe(data: bytes, token: bytes):
    """(seq, sent_at) of one of our probe frames, or None for anything else."""
    body = data[14:]
    head = MAGIC + token
    if len(data) < 14 or struct.unpack_from("!H", data, 12)[0] != ETH_P:
        return None
    if not body.startswith(head) or len(body) < len(head) + 12:
        return None
    return struct.unpack_from("!Id", body, len(head))


def first_after(arrivals, after: float):
    """The first (arrived_at, sent_at) whose frame was sent at or after `after`,
    in arrival order, or None.  Frames sent before the trigger may still be in
    flight when it happens; they say nothing about the new link."""
    for arrived, sent in arrivals:
        if sent >= after:
            return arrived, sent
    return None


# ---------------------------------------------------------------- the probe

class L2Probe:
    """Sends probe frames from `sta_iface` every INTERVAL and watches the AP
    interfaces for them; one thread, started and stopped by the caller."""

    def __init__(self, sta_iface: str, ap_ifaces):
        self.token = os.urandom(6)
        self.src = mac_bytes(_mac(sta_iface))
        self.tx = _l2_socket(sta_iface)
        self.rx = {_l2_socket(i): i for i in ap_ifaces}
        self.dst = b"\xff" * 6
        # (interface, trigger time) in one attribute, so that the thread never
        # pairs a new trigger time with the previous target's interface.
        self.target = (None, None)
        self.hit = None
        self.sent = 0
        self.send_errors = 0
        self.got = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="l2probe", daemon=True)
        self.thread.start()

    def watch(self, iface: str, dst_mac: str, after: float) -> None:
        """From now on send to dst_mac, and report the first frame sent at or
        after `after` that arrives on `iface`."""
        self.target = (None, None)
        self.got.clear()
        self.hit = None
        self.dst = mac_bytes(dst_mac)
        self.target = (iface, after)

    def wait(self, timeout: float):
        """(arrived_at, sent_at) of the first frame, or None."""
        self.got.wait(timeout)
        return self.hit

    def close(self) -> None:
        self.stopping = True
        self.thread.join(5)
        for s in [self.tx] + list(self.rx):
            s.close()

    def _run(self) -> None:
        seq = 0
        next_send = time.monotonic()
        socks = list(self.rx)
        while not self.stopping:
            now = time.monotonic()
            if now >= next_send:
                seq += 1
                try:
                    self.tx.send(probe_frame(self.dst, self.src, self.token, seq, now))
                    self.sent += 1
                except OSError:
                    # ENETDOWN/ENOBUFS while the station changes APs: the frame
                    # is lost, the next one follows INTERVAL later.
                    self.send_errors += 1
                next_send += INTERVAL
                if next_send < now:
                    next_send = now + INTERVAL
            ready, _, _ = select.select(socks, [], [], max(0.0, next_send - time.monotonic()))
            for s in ready:
                data, addr = s.recvfrom(2048)
                arrived = time.monotonic()
                iface, after = self.target
                if addr[2] == PACKET_OUTGOING or self.rx[s] != iface:
                    continue
                p = parse_probe(data, self.token)
                if p is None or after is None or self.hit is not None:
                    continue
                hit = first_after([(arrived, p[1])], after)
                if hit is not None:
                    self.hit = hit
                    self.got.set()


def _l2_socket(iface: str) -> socket.socket:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
    s.bind((iface, ETH_P))
    return s


def _mac(iface: str) -> str:
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


# ---------------------------------------------------------------- the section

def ap_conf(mode: str, channel: int, index: int) -> dict:
    extra = dict(bss_transition=1, rrm_neighbor_report=1)
    if mode == "ft":
        extra.update(mobility_domain="a1b2", ft_over_ds=0, ft_psk_generate_local=1,
                     nas_identifier="nas%d.bench.test" % index,
                     r1_key_holder="0200000001%02x" % index, pmk_r1_push=0,
                     reassociation_deadline=1000)
    conf = ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=channel, **extra)
    if mode == "ft":
        conf["wpa_key_mgmt"] = "FT-PSK"
    return conf


def btm_request(sta_mac: str, target: HostapdAP) -> str:
    """hostapd's BSS_TM_REQ as test_btm.py sends it: one candidate, preferred
    (pref=1, candidate preference 255), disassociation imminent.  Neighbor:
    BSSID, BSSID information 143, operating class 81, channel, PHY type 7."""
    channel = int(target.conf["channel"])
    return ("BSS_TM_REQ %s pref=1 disassoc_imminent=1 disassoc_timer=%d "
            "neighbor=%s,143,81,%d,7,0301ff" % (sta_mac, BTM_DISASSOC_TIMER, target.bssid,
                                               channel))


class RoamSection:
    def __init__(self, bench, kinds):
        self.b = bench
        self.kinds = kinds
        self.reps = max(3, bench.reps)
        self.data = {(t, m): {k: [] for k in kinds} for t in TRIGGERS for m in MODES}
        self.event = {(t, m): {k: [] for k in kinds} for t in TRIGGERS for m in MODES}
        self.problems = []
        self.left_at = {}               # AP interface -> when the station left it
        self.macs = {}
        self.handshakes = {}
        self.scanned_at = None

    def run(self) -> None:
        ifaces = self.b.radios.ifaces[3:3 + len(CHANNELS)]
        for mode in MODES:
            aps = [HostapdAP(iface, ap_conf(mode, ch, i + 1), name="bench-roam-%d" % (i + 1),
                             debug=False) for i, (iface, ch) in enumerate(zip(ifaces, CHANNELS))]
            marks = {}
            try:
                for ap in aps:
                    marks[ap.log_path] = _size(ap.log_path)
                    ap.start()
                self.left_at = {}
                for kind in self.kinds:
                    self.supplicant(kind, mode, aps)
            finally:
                for ap in aps:
                    ap.stop()
            self.check_handshakes(mode, marks)
        self.rows()

    def check_handshakes(self, mode, marks) -> None:
        """hostapd (without -d) logs "pairwise key handshake completed" for every
        4-way: an FT roam has none, a WPA2-PSK roam one.  Counted per station
        over both APs' logs once they are stopped (their output is flushed)."""
        text = ""
        for path, mark in marks.items():
            with open(path, errors="replace") as f:
                f.seek(mark)
                text += f.read()
        for kind, mac in self.macs.items():
            n = sum(1 for line in text.splitlines()
                    if mac in line and "pairwise key handshake completed" in line)
            roams = len(TRIGGERS) * self.reps
            want = 1 + (roams if mode == "psk" else 0)      # the first connection's
            self.handshakes["%s/%s" % (kind, mode)] = n
            if n != want:
                self.problems.append("%s %s: hostapd logged %d 4-way handshakes for %d "
                                     "roams, expected %d" % (kind, mode, n, roams, want))

    def supplicant(self, kind, mode, aps) -> None:
        net = dict(psk=PASSPHRASE, scan_freq=[ap.freq for ap in aps])
        if mode == "ft":
            net["key_mgmt"] = "FT-PSK"
        sta = self.b.start(kind, [network(SSID, **net)], self.b.fresh_state_dir())
        probe = None
        try:
            self.b.wait_connected_at(sta, timeout=120)
            self.scanned_at = time.monotonic()
            self.macs[kind] = sta.mac
            probe = L2Probe(sta.iface, [ap.iface for ap in aps])
            for trigger in TRIGGERS:
                for _ in range(self.reps):
                    took, ev = self.sample(kind, mode, trigger, sta, aps, probe)
                    self.data[(trigger, mode)][kind].append(took)
                    self.event[(trigger, mode)][kind].append(ev)
                    print("bench: roam %s %s %s: data path %s s, CONNECTED %s s" % (
                        kind, trigger, mode, _s(took), _s(ev)), flush=True)
            discs = [e for e in sta.events_seen() if e.startswith("CTRL-EVENT-DISCONNECTED")]
            if discs:
                self.problems.append("%s %s: %d CTRL-EVENT-DISCONNECTED during the roams (%s)"
                                     % (kind, mode, len(discs), discs[0]))
        finally:
            if probe is not None:
                probe.close()
            self.b.stop(kind)

    @staticmethod
    def drain(sta) -> None:
        """Drop queued events before a trigger, keeping them in the station's
        `seen` list (the DISCONNECTED check reads it)."""
        for msg in sta.mon.pending_events():
            sta.mon.seen.append(msg.split(">", 1)[1] if msg.startswith("<") else msg)

    def current(self, sta, aps):
        st = parse_kv(sta.request("STATUS"))
        if st.get("wpa_state") != "COMPLETED":
            return None, st
        return next((ap for ap in aps if ap.bssid == st.get("bssid")), None), st

    def ensure_known(self, sta, target) -> None:
        """The target in the station's BSS table, as a scan would leave it:
        both supplicants get the same preparation (a scan only when missing)."""
        if "bssid=" in sta.request("BSS " + target.bssid):
            return
        self.drain(sta)
        sta.request("SCAN")
        sta.wait_event("CTRL-EVENT-SCAN-RESULTS", timeout=20)
        self.scanned_at = time.monotonic()

    def sample(self, kind, mode, trigger, sta, aps, probe):
        """One roam: (trigger -> first data frame on the target, trigger ->
        CTRL-EVENT-CONNECTED naming the target), seconds, None when missed."""
        src, st = self.current(sta, aps)
        if src is None:
            sta.wait_connected(timeout=60)
            src, st = self.current(sta, aps)
            if src is None:
                raise RuntimeError("%s not connected to a roam AP: %s" % (kind, st))
        dst = next(ap for ap in aps if ap is not src)
        self.ensure_known(sta, dst)
        if trigger == "btm":
            wait = max(self.left_at.get(dst.iface, -1e9),
                       self.scanned_at or -1e9) + BTM_SPACING - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            src.events()
        time.sleep(1.0)                  # the last roam's follow-ups settle
        self.drain(sta)
        t0 = time.monotonic()
        probe.watch(dst.iface, dst.bssid, t0)
        self.left_at[src.iface] = t0
        if trigger == "roam":
            reply = sta.request("ROAM " + dst.bssid).strip()
        else:
            self.scanned_at = t0
            reply = src.request(btm_request(sta.mac, dst)).strip()
        if reply != "OK":
            self.problems.append("%s %s %s: %r answered %r" % (kind, trigger, mode,
                                                               trigger, reply))
            return None, None
        ev_at = None
        deadline = t0 + DATA_TIMEOUT
        while ev_at is None and time.monotonic() < deadline:
            ev = sta.wait_event("CTRL-EVENT-CONNECTED", timeout=deadline - time.monotonic())
            if ev is not None and dst.bssid in ev:
                ev_at = time.monotonic()
        hit = probe.wait(max(0.0, deadline - time.monotonic()))
        if hit is None:
            self.problems.append("%s %s %s: no data frame on %s within %.0f s (CONNECTED %s)"
                                 % (kind, trigger, mode, dst.bssid, DATA_TIMEOUT,
                                    "seen" if ev_at else "not seen"))
        st = parse_kv(sta.request("STATUS"))
        want = "FT-PSK" if mode == "ft" else "WPA2-PSK"
        if st.get("bssid") == dst.bssid and st.get("key_mgmt") != want:
            self.problems.append("%s %s %s: key_mgmt %s after the roam, not %s"
                                 % (kind, trigger, mode, st.get("key_mgmt"), want))
        return (None if hit is None else hit[0] - t0), (None if ev_at is None else ev_at - t0)

    def rows(self) -> None:
        b = self.b
        w, p = self.kinds
        b.raw["roam"] = {"data_s": {"%s/%s" % k: v for k, v in self.data.items()},
                         "connected_event_s": {"%s/%s" % k: v for k, v in self.event.items()},
                         "interval_s": INTERVAL, "problems": self.problems,
                         "hostapd_4way_handshakes": self.handshakes}
        for trigger in TRIGGERS:
            for mode in MODES:
                d = self.data[(trigger, mode)]
                b.row("roam", LABEL[(trigger, mode)], "ms", _ms(d[w]), _ms(d[p]))
        for trigger in TRIGGERS:
            for mode in MODES:
                e = self.event[(trigger, mode)]
                b.row("roam", "  %s %s: -> CTRL-EVENT-CONNECTED (new BSSID)" % (
                    "ROAM" if trigger == "roam" else "BSS_TM_REQ", mode.upper()), "ms",
                      _ms(e[w]), _ms(e[p]))
        b.notes.append(
            "Roam: two APs of one ESS (%s, channels %s), one supplicant at a time; data path = "
            "first raw 0x88b5 frame sent by the station after the trigger (one every %.0f ms "
            "from a packet socket) that arrives on the new AP's interface, one monotonic clock "
            "in the bench process. BTM: BSS_TM_REQ on the current AP's control socket, pref=1, "
            "disassoc_imminent=1, disassoc_timer=%d, one candidate (preference 255), each at "
            "least %.0f s after the station's last scan and after it left the target, so both "
            "supplicants scan before moving (wpa_supplicant skips the scan when its results "
            "are recent). The target is in the "
            "station's BSS table before each trigger (a SCAN first only when missing). "
            "4-way handshakes counted in hostapd's log: %s."
            % (SSID, "/".join(map(str, CHANNELS)), INTERVAL * 1e3, BTM_DISASSOC_TIMER,
               BTM_SPACING, ", ".join("%s %d" % kv for kv in sorted(self.handshakes.items()))))
        for problem in self.problems:
            b.notes.append("roam: " + problem)


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _ms(values):
    return [None if v is None else v * 1e3 for v in values]


def _s(v):
    return "-" if v is None else "%.3f" % v


def run(bench, kinds) -> None:
    RoamSection(bench, kinds).run()
