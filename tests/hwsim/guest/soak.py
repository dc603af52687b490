"""`make soak`, guest side: one wispd, one AP, faults in a loop for a set time.

Two mac80211_hwsim radios: hostapd (WPA2-PSK/CCMP, group rekey every 5 s, PTK
rekey 8 s after each association) on wlan0, wispd on wlan1 through nl80211,
started once.  Each cycle:

1. DISCONNECT, RECONNECT (control socket);
2. stay connected through a group and a PTK rekey, then check the data path;
3. restart the AP;
4. unplug wispd's radio (hwsim radio deleted), plug a new one, name it wlan1.

A monitor is attached for the whole run.  Every loss must show as one
CTRL-EVENT-DISCONNECTED and every return as one CTRL-EVENT-CONNECTED, in that
order; wispd's pid must not change.  RSS and open fds are read after the first
cycle (imports and caches settled) and after the last.  Fails on lost or
out-of-order events, a restart, fd growth or RSS growth over --rss-budget-kb.

    soak.py [--seconds 1800] [--rss-budget-kb 1024] [--tracemalloc]

--tracemalloc runs wispd with tracemalloc and prints the allocation sites that
grew between the two measurements (slow: for hunting a growth, not for figures).
The summary goes to stdout and to $WISPD_RESULTS/soak.json.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hwsimlib import log_dir, rss_kb  # noqa: E402
from hwsimlib.datapath import assert_data_path  # noqa: E402
from hwsimlib.hostapd import HostapdAP, ap_config  # noqa: E402
from hwsimlib.radios import HwsimRadios  # noqa: E402
from hwsimlib.station import Station, network  # noqa: E402
from hwsimlib.wpactrl import parse_kv  # noqa: E402

SSID = "wispd-soak"
PASSPHRASE = "correct horse battery"
CONNECTED = "CTRL-EVENT-CONNECTED"
DISCONNECTED = "CTRL-EVENT-DISCONNECTED"

# wispd under tracemalloc; SIGUSR2 writes a snapshot (the eloop leaves signals
# it does not own to their Python handlers).
TRACE_WRAPPER = """
import os, signal, sys, tracemalloc
def dump(*_):
    dump.n += 1
    path = "%s.%d" % (os.environ["WISPD_SOAK_SNAP"], dump.n)
    tracemalloc.take_snapshot().dump(path)
    nl = sys.modules.get("pyroute2.netlink")
    with open(path + ".caches", "w") as f:
        for name in ("cache_hdr", "cache_fmt", "cache_jit"):
            f.write("%s %d\\n" % (name, len(getattr(nl, name, ()))))
dump.n = 0
signal.signal(signal.SIGUSR2, dump)
from wispd.main import main
sys.exit(main(sys.argv[1:]))
"""


def say(text):
    print("soak: %s" % text, flush=True)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class TracedStation(Station):
    def command(self, extra_args=()):
        args = super().command(extra_args)
        python, rest = args[0], args[3:]           # drop "-m wispd"
        return [python, "-X", "tracemalloc=8", "-c", TRACE_WRAPPER] + rest


class Soak:
    def __init__(self, ns):
        self.ns = ns
        self.radios = HwsimRadios(2)
        self.events = []              # (monotonic, text) of every monitor event
        self.lost = []                # what happened without its event
        self.ap_stalls = 0
        self.cycles = 0
        self.snap = os.path.join(log_dir(), "tracemalloc")

    # -- events
    def wait(self, prefix, timeout):
        """The next event starting with prefix; every event read is recorded."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ev = self.sta.wait_event("", timeout=left)
            if ev is None:
                return None
            self.events.append((time.monotonic(), ev))
            if ev.startswith(prefix):
                return ev

    def state(self):
        return parse_kv(self.sta.request("STATUS")).get("wpa_state")

    def lose(self, what):
        """The link goes away (what() does it): DISCONNECTED must follow."""
        assert self.state() == "COMPLETED", self.state()
        what()
        if self.wait(DISCONNECTED, 20) is None:
            self.lost.append("%s: no %s (state %s)" % (what.__name__, DISCONNECTED,
                                                       self.state()))

    def come_back(self, step):
        if self.wait(CONNECTED, 40) is not None:
            return
        if self.state() == "COMPLETED":
            self.lost.append("%s: COMPLETED without %s" % (step, CONNECTED))
            return
        # The hwsim test AP stops answering authentication now and then (both
        # supplicants, docs/benchmarks.md): restart it, count it, go on.
        self.ap_stalls += 1
        say("cycle %d %s: not back within 40 s (%s); restarting the AP"
            % (self.cycles + 1, step, self.state()))
        self.ap.restart()
        if self.wait(CONNECTED, 120) is None:
            raise RuntimeError("no reconnection within 120 s of an AP restart; see %s"
                               % self.sta.log_path)

    # -- the four steps
    def reconnect(self):
        def disconnect():
            assert self.sta.request("DISCONNECT").strip() == "OK"
        self.lose(disconnect)
        assert self.sta.request("RECONNECT").strip() == "OK"
        self.come_back("reconnect")

    def rekey(self):
        for text in ("WPA: Group rekeying completed", "WPA: Key negotiation completed"):
            if self.wait(text, 20) is None:
                raise RuntimeError("cycle %d: no %r" % (self.cycles + 1, text))
        assert_data_path(self.ap.iface, self.sta.iface)

    def ap_restart(self):
        self.lose(self.ap.stop)
        self.ap.start()
        self.come_back("AP restart")

    def replug(self):
        def unplug():
            self.radios.del_radio_of(self.sta.iface)
        self.lose(unplug)
        _, iface = self.radios.add_radio()
        if iface != self.sta.iface:
            # As udev names a re-plugged dongle: before anyone sets it up.
            subprocess.run(["ip", "link", "set", iface, "name", self.sta.iface], check=True)
        self.come_back("replug")

    # -- measurements
    def measure(self):
        pid = self.sta.proc.pid
        if self.ns.tracemalloc:
            os.kill(pid, signal.SIGUSR2)
            time.sleep(3.0)
        return {"rss_kb": rss_kb(pid), "fds": open_fds(pid)}

    def run(self):
        ns = self.ns
        self.radios.load()
        ap_if, sta_if = self.radios.ifaces
        self.ap = HostapdAP(ap_if, ap_config(SSID, passphrase=PASSPHRASE, group_rekey=5,
                                             wpa_ptk_rekey=8), name="hostapd", debug=False)
        self.ap.start()
        cls = TracedStation if ns.tracemalloc else Station
        os.environ["WISPD_SOAK_SNAP"] = self.snap
        self.sta = cls("wispd", sta_if, name="wispd", debug=False)
        # Under tracemalloc the start-up takes minutes in TCG.
        self.sta.start([network(SSID, psk=PASSPHRASE, scan_freq=self.ap.freq)],
                       timeout=240 if ns.tracemalloc else 20)
        if self.wait(CONNECTED, 60) is None:
            raise RuntimeError("wispd did not connect; see %s" % self.sta.log_path)
        pid = self.sta.proc.pid
        t0 = time.monotonic()
        start = None
        while True:
            for step in (self.reconnect, self.rekey, self.ap_restart, self.replug):
                step()
            self.cycles += 1
            if start is None:
                time.sleep(1.0)
                start = self.measure()
                say("after cycle 1: RSS %d kB, %d fds" % (start["rss_kb"], start["fds"]))
            elapsed = time.monotonic() - t0
            if self.cycles % 10 == 0:
                say("%d cycles, %.0f s, RSS %d kB" % (self.cycles, elapsed, rss_kb(pid)))
            if elapsed >= ns.seconds:
                break
        time.sleep(1.0)
        end = self.measure()
        same_pid = self.sta.running and self.sta.proc.pid == pid
        duration = time.monotonic() - t0
        self.sta.mon.pending_events()
        return self.summary(duration, start, end, same_pid)

    def summary(self, duration, start, end, same_pid):
        marks = [e for _, e in self.events if e.startswith((CONNECTED, DISCONNECTED))]
        # The first CONNECTED is the initial connection; from there on they
        # alternate, one pair per loss.
        order_ok = all(m.startswith(CONNECTED if i % 2 == 0 else DISCONNECTED)
                       for i, m in enumerate(marks)) and len(marks) % 2 == 1
        pairs = len(marks) // 2
        growth = end["rss_kb"] - start["rss_kb"]
        result = {
            "duration_s": round(duration), "cycles": self.cycles,
            "rss_kb_start": start["rss_kb"], "rss_kb_end": end["rss_kb"],
            "rss_growth_kb": growth, "rss_budget_kb": self.ns.rss_budget_kb,
            "fds_start": start["fds"], "fds_end": end["fds"],
            "disconnect_connect_pairs": pairs, "expected_pairs": 3 * self.cycles,
            "events_in_order": order_ok, "lost": self.lost, "ap_stalls": self.ap_stalls,
            "same_pid": same_pid,
        }
        failures = []
        if not same_pid:
            failures.append("wispd restarted or died")
        if not order_ok:
            failures.append("CONNECTED/DISCONNECTED out of order")
        if self.lost:
            failures.append("lost events: %s" % "; ".join(self.lost))
        if pairs != 3 * self.cycles:
            failures.append("%d DISCONNECTED/CONNECTED pairs for %d losses"
                            % (pairs, 3 * self.cycles))
        if end["fds"] > start["fds"]:
            failures.append("fds grew %d -> %d" % (start["fds"], end["fds"]))
        if growth > self.ns.rss_budget_kb:
            failures.append("RSS grew %d kB (budget %d kB)" % (growth, self.ns.rss_budget_kb))
        result["failures"] = failures
        return result


def tracemalloc_report(snap, top=15):
    import tracemalloc
    first, last = snap + ".1", snap + ".2"
    if not (os.path.exists(first) and os.path.exists(last)):
        say("tracemalloc: snapshots missing")
        return
    a = tracemalloc.Snapshot.load(first)
    b = tracemalloc.Snapshot.load(last)
    stats = b.compare_to(a, "traceback")
    say("tracemalloc: %+d B in Python objects between the measurements"
        % sum(s.size_diff for s in stats))
    for path in (first, last):
        with open(path + ".caches") as f:
            say("pyroute2 caches at %s: %s" % (os.path.basename(path), f.read().split()))
    for s in stats[:top]:
        print("%+8d B %+5d blocks" % (s.size_diff, s.count_diff))
        for line in s.traceback.format(limit=6):
            print("    " + line)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS",
                                                                          1800)))
    ap.add_argument("--rss-budget-kb", type=int, default=1024)
    ap.add_argument("--tracemalloc", action="store_true")
    ns = ap.parse_args(argv)
    soak = Soak(ns)
    try:
        result = soak.run()
    finally:
        for obj in ("sta", "ap"):
            if hasattr(soak, obj):
                getattr(soak, obj).stop()
    if ns.tracemalloc:
        tracemalloc_report(soak.snap)
    outdir = os.environ.get("WISPD_RESULTS") or os.path.dirname(log_dir())
    with open(os.path.join(outdir, "soak.json"), "w") as f:
        json.dump(result, f, indent=1)
    say("duration %d s, %d cycles (%d losses and returns), RSS %d -> %d kB (%+d, budget "
        "%d), fds %d -> %d, events in order: %s, same pid: %s, AP stalls: %d"
        % (result["duration_s"], result["cycles"], result["disconnect_connect_pairs"],
           result["rss_kb_start"], result["rss_kb_end"], result["rss_growth_kb"],
           result["rss_budget_kb"], result["fds_start"], result["fds_end"],
           result["events_in_order"], result["same_pid"], result["ap_stalls"]))
    for failure in result["failures"]:
        say("FAIL: %s" % failure)
    say("PASS" if not result["failures"] else "FAILED")
    return 0 if not result["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
