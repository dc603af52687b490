"""Process faults (issue 10, part 3): a second wispd on the same interface, the
files a kill -9 leaves behind, and monitors that stop reading.

wispd only: wpa_supplicant has no interface claim (a second one with other
control paths starts and fights the first), and on a send error it reopens its
control socket, which drops the monitors that do read too.
"""
import os
import re
import select
import statistics
import subprocess
import time

import pytest

from hwsimlib import rss_kb
from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.station import network, supplicant_command
from hwsimlib.wpactrl import WpaCtrl
from wispd.client import Client, Disconnected

PASSPHRASE = "correct horse battery"
LOCK_DIR = "/run/wispd"


def connected_station(make_ap, make_station, ssid, **station_kw):
    ap = make_ap(ap_config(ssid, passphrase=PASSPHRASE, channel=1))
    sta = make_station(start=False, **station_kw)
    paths = {"control": os.path.join(sta.dir, "compact", "control"),
             "pid": os.path.join(sta.dir, "pid"), "state": os.path.join(sta.dir, "state")}
    extra = ["--control", paths["control"], "-P", paths["pid"], "--state-dir", paths["state"]]
    net = network(ssid, psk=PASSPHRASE, scan_freq=ap.freq)
    sta.start([net], extra_args=extra)
    sta.wait_connected(timeout=40)
    ap.wait_sta_authorized(sta.mac)
    return ap, sta, net, extra, paths


def read(path):
    with open(path) as f:
        return f.read()


def inode(path):
    st = os.lstat(path)
    return st.st_ino, st.st_mtime_ns


def log_since(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


@pytest.mark.supplicants("wispd")
def test_second_instance_refused_first_untouched(make_ap, make_station, supplicant):
    ap, sta, net, extra, paths = connected_station(make_ap, make_station, "wispd-second")
    ctrl = os.path.join(sta.ctrl_dir, sta.iface)
    pid = sta.proc.pid
    assert read(paths["pid"]) == "%d\n" % pid
    assert read(os.path.join(LOCK_DIR, sta.iface + ".lock")) == "%d\n" % pid
    before = {p: inode(p) for p in (ctrl, paths["control"], paths["pid"])}
    sta.mon.pending_events(0.5)

    # Same paths (an init script started twice), then other paths for
    # everything (another config meant for the same radio).
    other = os.path.join(sta.dir, "other")
    os.makedirs(other, exist_ok=True)
    other_conf = os.path.join(other, "supplicant.conf")
    with open(sta.conf_path) as f, open(other_conf, "w") as g:
        g.write(f.read().replace(sta.ctrl_dir, os.path.join(other, "ctrl")))
    other_paths = [os.path.join(other, "ctrl", sta.iface), os.path.join(other, "control"),
                   os.path.join(other, "pid")]
    commands = {
        "same paths": sta.command(extra),
        "other paths": supplicant_command("wispd") + [
            "-i", sta.iface, "-c", other_conf, "-D", "nl80211", "-C", os.path.join(other, "ctrl"),
            "-t", "-d", "--control", other_paths[1], "-P", other_paths[2],
            "--state-dir", os.path.join(other, "state")],
    }
    for what, argv in commands.items():
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert r.returncode != 0, (what, r.stdout, r.stderr)
        # One clear line: the interface, the holder's pid, "in use".
        assert re.search(r"^wispd: %s is in use by pid %d " % (sta.iface, pid), r.stderr, re.M), \
            (what, r.stderr)
        assert r.stderr.count("\n") == 1, (what, r.stderr)

    # The first one never noticed: no scan, no disconnection, same files.
    assert sta.mon.pending_events(1.0) == []
    assert {p: inode(p) for p in before} == before
    assert read(paths["pid"]) == "%d\n" % pid
    assert not any(os.path.exists(p) for p in other_paths), other_paths
    assert sta.request("PING") == "PONG\n"
    with WpaCtrl(ctrl) as fresh:                 # a new client, not only the old connection
        assert fresh.request("STATUS").count("wpa_state=COMPLETED") == 1
    with Client(paths["control"], timeout=10) as c:
        assert c.request("ping") == "PONG" and c.status()["state"] == "COMPLETED"
    assert ap.all_sta()[sta.mac]
    assert_data_path(ap.iface, sta.iface)


def wait_not_associated(iface, timeout):
    deadline = time.monotonic() + timeout
    while True:
        link = subprocess.run(["iw", "dev", iface, "link"], capture_output=True, text=True,
                              timeout=10).stdout
        if "Not connected" in link:
            return
        assert time.monotonic() < deadline, link
        time.sleep(0.2)


@pytest.mark.supplicants("wispd")
def test_kill9_leftovers_are_recovered(make_ap, make_station, supplicant):
    ap, sta, net, extra, paths = connected_station(make_ap, make_station, "wispd-kill9")
    ctrl = os.path.join(sta.ctrl_dir, sta.iface)
    lock = os.path.join(LOCK_DIR, sta.iface + ".lock")
    ap.events()
    sta.proc.kill()
    sta.proc.wait(10)
    old_pid = sta.proc.pid
    sta.stop()
    # What a kill -9 leaves: both socket files, the pidfile, the lock file.
    for p in (ctrl, paths["control"], paths["pid"], lock):
        assert os.path.exists(p), p
    assert read(paths["pid"]) == "%d\n" % old_pid
    # SOCKET_OWNER: the association died with the process.
    wait_not_associated(sta.iface, 5)
    assert ap.wait_event("AP-STA-DISCONNECTED", timeout=10), "AP still sees the station"

    offset = os.path.getsize(sta.log_path)
    sta.start([net], extra_args=extra, clean=False)
    sta.wait_connected(timeout=40)
    ap.wait_sta_authorized(sta.mac)
    new_pid = sta.proc.pid
    assert read(paths["pid"]) == "%d\n" % new_pid and read(lock) == "%d\n" % new_pid
    log = log_since(sta.log_path, offset)
    assert "removing stale control socket %s" % ctrl in log, log[-3000:]
    assert "removing stale control socket %s" % paths["control"] in log, log[-3000:]
    assert sta.request("PING") == "PONG\n"
    with Client(paths["control"], timeout=10) as c:
        assert c.request("ping") == "PONG"
    assert_data_path(ap.iface, sta.iface)


class Flood:
    """ADD_NETWORK/REMOVE_NETWORK pairs: two INFO events each, no radio work,
    so the control path is all that is measured.  Readers are drained as we go."""

    def __init__(self, sta, text_reader, compact_reader):
        self.cmd = WpaCtrl(os.path.join(sta.ctrl_dir, sta.iface))
        self.text_reader = text_reader
        self.compact_reader = compact_reader
        self.expected = []            # (ADDED|REMOVED, id) in the order caused
        self.text_got = []
        self.compact_got = []
        self.ping = []

    def drain(self):
        self.text_got += self.text_reader.pending_events(0)
        while True:
            ev = self.compact_reader.next_event(0.001)     # 0 would not even look
            if ev is None:
                return
            self.compact_got.append(ev)

    def run(self, pairs, until=None, limit=60.0, batch=8):
        """Requests go out `batch` at a time before their replies are read, so
        the flood is not paced by one round trip per event (TCG is slow)."""
        start = time.monotonic()
        done = 0
        while done < pairs or (until is not None and not until()):
            assert time.monotonic() - start < limit, "flood did not end within %.0f s" % limit
            ids = [int(r) for r in self._batch(["ADD_NETWORK"] * batch)]
            assert self._batch(["REMOVE_NETWORK %d" % nid for nid in ids]) == ["OK\n"] * batch
            self.expected += [("ADDED", nid) for nid in ids]
            self.expected += [("REMOVED", nid) for nid in ids]
            t = time.monotonic()
            assert self.cmd.request("PING", timeout=5) == "PONG\n"
            self.ping.append(time.monotonic() - t)
            self.drain()            # a reader reads: every turn, as a real one would
            done += batch
        self.drain()

    def _batch(self, requests):
        for r in requests:
            self.cmd.sock.send(r.encode())
        replies = []
        for _ in requests:      # cmd never ATTACHes: all it receives are replies, in order
            ready, _, _ = select.select([self.cmd.sock], [], [], 5)
            assert ready, "no reply within 5 s"
            replies.append(self.cmd.sock.recv(4096).decode())
        return replies

    def text_network_events(self):
        return [tuple(m.groups()[:1]) + (int(m.group(2)),) for m in
                (re.match(r"<3>CTRL-EVENT-NETWORK-(ADDED|REMOVED) (\d+)$", e)
                 for e in self.text_got) if m]


@pytest.mark.supplicants("wispd")
def test_monitors_that_stop_reading_are_detached(make_ap, make_station, supplicant):
    ap, sta, net, extra, paths = connected_station(make_ap, make_station, "wispd-monitors")
    ctrl = os.path.join(sta.ctrl_dir, sta.iface)
    pid = sta.proc.pid
    stuck_text = [WpaCtrl(ctrl) for _ in range(4)]
    for m in stuck_text:
        m.attach()
    stuck_compact = [Client(paths["control"], timeout=10) for _ in range(2)]
    for c in stuck_compact:
        c.subscribe()
    reader = WpaCtrl(ctrl)
    reader.attach()
    compact_reader = Client(paths["control"], timeout=10)
    compact_reader.subscribe()
    flood = Flood(sta, reader, compact_reader)
    offset = os.path.getsize(sta.log_path)
    rss0 = rss_kb(pid)

    def log():
        return log_since(sta.log_path, offset)

    # Phase 1: a real disconnect and reconnect, then the flood, until wispd
    # has given up on every stuck monitor.
    assert flood.cmd.request("DISCONNECT") == "OK\n"
    flood.run(20)
    assert flood.cmd.request("RECONNECT") == "OK\n"
    flood.run(200, until=lambda: log().count("disconnecting it") >= 2)
    rss1 = rss_kb(pid)
    deadline = time.monotonic() + 30
    while not any(e.startswith("<3>CTRL-EVENT-CONNECTED") for e in flood.text_got):
        assert time.monotonic() < deadline, "no reconnection"
        reader.poll(0.5)
        flood.drain()
    # Phase 2: the same flood again with nobody stuck: memory has settled.
    flood.run(96)
    rss2 = rss_kb(pid)
    print("RSS %d -> %d -> %d kB; PING median %.1f ms, max %.1f ms over %d"
          % (rss0, rss1, rss2, 1000 * statistics.median(flood.ping), 1000 * max(flood.ping),
             len(flood.ping)))

    text = log()
    detached = re.findall(r"control: detaching monitor '(.*)': it does not read its events", text)
    # The Station's own monitor is not read during the flood either: also stuck.
    assert sorted(detached) == sorted([m.local for m in stuck_text] + [sta.mon.local]), detached
    assert len(re.findall(r"compact: .* read nothing for \d+ s while \d+ events were dropped, "
                          r"disconnecting it", text)) == len(stuck_compact)
    # The monitor that reads saw every event, in order, around the link events.
    assert flood.text_network_events() == flood.expected
    names = [e.split(" ")[0] for e in flood.text_got]
    assert names.index("<3>CTRL-EVENT-DISCONNECTED") < names.index("<3>CTRL-EVENT-CONNECTED")
    got = flood.compact_got
    assert [m["type"] for m in got if m["type"] != "event"] == [], "dropped for a reader"
    assert [m["seq"] for m in got] == list(range(got[0]["seq"], got[0]["seq"] + len(got)))
    assert [(m["event"].split("_")[1].upper(), m["data"]["id"]) for m in got
            if m["event"].startswith("network_")] == flood.expected
    # Never blocked: every PING came back quickly, even while the stuck ones filled up.
    assert max(flood.ping) < 1.0 and statistics.median(flood.ping) < 0.1, flood.ping
    assert rss1 - rss0 < 4096 and rss2 - rss1 < 1024, (rss0, rss1, rss2)

    # A stuck text monitor holds what its queue took, then nothing more.
    for m in stuck_text:
        held = m.pending_events(0.2)
        assert 0 < len(held) < 100, len(held)
    nid = int(flood.cmd.request("ADD_NETWORK"))
    assert reader.wait_event("CTRL-EVENT-NETWORK-ADDED %d" % nid, timeout=5)
    for m in stuck_text:
        assert m.pending_events(0.5) == []
    # A stuck compact subscriber gets what was queued, then the hang-up.
    for c in stuck_compact:
        with pytest.raises(Disconnected):
            for _ in range(100000):
                c.next_event(5)
    assert sta.request("STATUS").count("wpa_state=COMPLETED") == 1
    for c in [reader, flood.cmd] + stuck_text:
        c.close()
    for c in [compact_reader] + stuck_compact:
        c.close()
