#!/usr/bin/env python3
"""`make bench`, guest side: wispd against wpa_supplicant in one testbed boot.

Runs inside the hwsim VM (tests/hwsim/testbed.py script bench/guest_bench.py).
Seven mac80211_hwsim radios: wlan0 is the WPA2-PSK AP (channel 1), wlan1 runs
wispd, wlan2 runs wpa_supplicant (Debian's, the baseline), wlan3..wlan6 carry
the scale APs (16 open BSSes each, multi-BSS hostapd, only up in the scale
section).  Both supplicants run without -d (debug logging costs CPU in TCG).

Every figure is taken for both supplicants in this boot, repeated, and kept
as raw samples; bench/stats.py turns them into median [min-max] and ratios.
Results: $WISPD_RESULTS/bench.json and bench.md (the testbed's results share),
and the table on stdout.

    guest_bench.py [--reps N] [--only cold,warm,reconnect,startup,memory,idle,roam,scale,soak]
                   [--commit HEAD]
                   [--idle-seconds 60] [--soak-cycles 200]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "hwsim"))
sys.path.insert(0, HERE)

from hwsimlib import RUN_DIR, log_dir  # noqa: E402
from hwsimlib.hostapd import HostapdAP, ap_config  # noqa: E402
from hwsimlib.radios import HwsimRadios, kill_strays  # noqa: E402
from hwsimlib.station import Station, network, supplicant_command  # noqa: E402
from hwsimlib.wpactrl import parse_kv  # noqa: E402

import onflash  # noqa: E402
import roam_bench  # noqa: E402
import stats  # noqa: E402

SSID = "bench-ap"
PASSPHRASE = "correct horse battery"
AP_CHANNEL = 1
AP_FREQ = 2412
SCALE_CHANNELS = (6, 11, 3, 9)
SCALE_PER_RADIO = 16
SCALE_NETS = (10, 100, 500)
SCAN_STAGE_SCANS = 2        # scans before each per-BSS memory reading
KINDS = ("wispd", "wpa_supplicant")
SECTIONS = ("startup", "cold", "warm", "reconnect", "memory", "idle", "roam", "scale", "soak")
VENV_PY = supplicant_command("wispd")[0]
# The interpreter every timed program runs on: the copy on the guest's tmpfs
# once setup() made it (bench/onflash.py), the venv's before.
PY = VENV_PY
FLASH = None
# What `python -m wispd` imports before it opens anything (start-up breakdown).
IMPORTS = ("import wispd.main, wispd.daemon, wispd.platform.eloop, wispd.drivers.nl80211.driver, "
           "wispd.rsn.handshake, wispd.config.recent, wispd.control.compact.server")
# Timed inside the interpreter, so that its own start is not counted.
IMPORTS_TIMED = ("import time, sys; t0 = time.perf_counter(); c0 = time.process_time(); "
                 + IMPORTS + "; print(time.perf_counter() - t0, time.process_time() - c0, "
                 "len(sys.modules))")
# The share of those imports that pyroute2's message classes cost: with what
# wispd imports anyway loaded first (the stdlib modules any daemon of its kind
# needs), the CPU of `logging` and of pyroute2.netlink (through wispd's shim,
# which is what imports them: pyroute2.netlink imports logging, typing,
# threading and traceback itself).  What taking pyroute2 off the start path
# would save, measured (docs/benchmarks.md, issue 14).
PYROUTE2_TIMED = (
    "import time; import socket, select, struct, os, errno, re, types, gc, fcntl, signal, "
    "selectors, collections, functools, heapq\n"
    "def rss():\n"
    "    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])\n"
    "r0 = rss(); c0 = time.process_time()\n"
    "import wispd.platform.netlink as n; n.pyroute2_netlink()\n"
    "print(time.process_time() - c0, rss() - r0)")


def flash_env(kind):
    env = dict(os.environ)
    if FLASH is not None:
        env.update(FLASH.env(kind))
    return env


class FlashStation(Station):
    """A Station that runs the supplicant from the tmpfs copy (onflash.py)."""

    extra_env = {}

    def command(self, extra_args=()):
        args = super().command(extra_args)
        if FLASH is None:
            return args
        return FLASH.command(self.kind) + args[len(supplicant_command(self.kind)):]

    def start(self, *args, **kwargs):
        # Station.start() starts the process with our environment.
        saved = dict(os.environ)
        os.environ.update(flash_env(self.kind))
        os.environ.update(self.extra_env)
        try:
            return super().start(*args, **kwargs)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def import_profile(log_path):
    """(seconds, modules) from the `-X importtime` lines of the last start in
    a station's log: the sum of the top-level imports' cumulative times, and
    how many modules were imported."""
    with open(log_path, errors="replace") as f:
        text = f.read()
    text = text[text.rfind("==== start:"):]
    total_us = 0
    count = 0
    for line in text.splitlines():
        parts = line[len("import time:"):].split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        count += 1
        # " name" at the top level, two more spaces a level down
        if not parts[2].startswith("   "):
            total_us += int(parts[1])
    return total_us / 1e6, count


def say(text):
    print("bench: %s" % text, flush=True)


# ---------------------------------------------------------------- /proc readers

def smaps(pid):
    """(RSS kB, PSS kB) from /proc/PID/smaps_rollup."""
    rss = pss = None
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def smaps_split(pid):
    """RSS kB by kind of mapping, from /proc/PID/smaps: the brk heap (glibc
    malloc), anonymous mappings (pymalloc's arenas, big mallocs) and files
    (code, .pyc, libraries), and the number of files mapped (a lazy import of
    an extension module maps one more)."""
    out = {"heap": 0, "anon": 0, "file": 0}
    files = set()
    kind = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split(None, 6)
            if len(head) >= 5 and "-" in head[0] and not head[0].endswith(":"):
                path = head[5].strip() if len(head) > 5 else ""
                kind = "heap" if path == "[heap]" else "file" if path.startswith("/") else "anon"
                if kind == "file":
                    files.add(path)
            elif line.startswith("Rss:") and kind:
                out[kind] += int(line.split()[1])
    out["files"] = len(files)
    return out


def linear_slope(xs, ys):
    """Least-squares slope of y over x."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / float(n), sum(ys) / float(n)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else None


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3); utime/stime are fields 14/15
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def wakeups(pid):
    """voluntary + nonvoluntary context switches of all threads."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def children_cpu():
    """utime+stime of the waited-for children so far."""
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ---------------------------------------------------------------- the bench

class Bench:
    def __init__(self, reps, idle_seconds, soak_cycles, commit=None):
        self.commit = commit
        self.reps = reps
        self.idle_seconds = idle_seconds
        self.soak_cycles = soak_cycles
        self.rows = []
        self.notes = []
        self.raw = {}
        self.radios = None
        self.ap = None
        self.bare = None
        self.stations = {}
        self.mem = {k: {"rss": [], "pss": []} for k in KINDS + ("bare",)}
        # exec -> COMPLETED: CPU seconds and RSS read when the event arrives
        self.at_completed = {mode: {k: {"cpu": [], "rss": []} for k in KINDS}
                             for mode in ("cold", "warm")}
        self.state_root = os.path.join(RUN_DIR, "bench-state")
        self.seq = 0

    def row(self, section, name, unit, wispd, wpas, budget="", ratio=None):
        r = {"section": section, "name": name, "unit": unit, "wispd": wispd,
             "wpa_supplicant": wpas, "budget": budget}
        if ratio is not None:
            r["ratio"] = ratio
        self.rows.append(r)
        w = stats.summarize(wispd)
        b = stats.summarize(wpas)
        say("%-10s %-46s wispd %s  wpa_supplicant %s" % (
            section, name, stats.fmt_side(w), stats.fmt_side(b)))

    # -- set-up
    def setup(self):
        global FLASH, PY
        kill_strays()
        # Byte-compile once (into the guest's overlay), as an installed image
        # would ship it; otherwise every start recompiles the sources.
        subprocess.run([PY, "-m", "compileall", "-q", os.path.join(REPO, "firmware")],
                       stdout=subprocess.DEVNULL)
        share = self.bare_start(PY, {})
        FLASH = onflash.install(VENV_PY, REPO, commit=self.commit)
        PY = FLASH.python
        say("copied to a local file system, and run from there: " + FLASH.summary)
        local = self.bare_start(PY, FLASH.env("wispd"))
        self.raw["bare_start_share_s"], self.raw["bare_start_local_s"] = share, local
        say("bare `python -c pass`: %.3f s from %s (local), %.3f s from the 9p share "
            "(medians of %d)" % (stats.median(local), PY, stats.median(share), len(local)))
        self.radios = HwsimRadios(3 + len(SCALE_CHANNELS))
        self.radios.load()
        self.ap = HostapdAP(self.radios.ifaces[0],
                            ap_config(SSID, passphrase=PASSPHRASE, channel=AP_CHANNEL),
                            name="bench-ap", debug=False)
        self.ap.start()
        # The bare interpreter, alive through the whole run so that its PSS
        # shares pages the same way the daemons' do.
        self.bare = subprocess.Popen([PY, "-c", "import time; time.sleep(100000)"],
                                     env=flash_env("wispd"))
        say("radios %s; AP %s on %s" % (self.radios.ifaces, SSID, self.ap.iface))

    @staticmethod
    def bare_start(python, env, n=5):
        out = []
        for _ in range(n):
            t0 = time.monotonic()
            subprocess.run([python, "-c", "pass"], check=True, env=dict(os.environ, **env))
            out.append(time.monotonic() - t0)
        return out

    def teardown(self):
        for s in list(self.stations.values()):
            s.stop()
        if self.bare is not None:
            self.bare.kill()
            self.bare.wait()
        if self.ap is not None:
            self.ap.stop()
        kill_strays()

    def station(self, kind):
        iface = self.radios.ifaces[1 if kind == "wispd" else 2]
        return FlashStation(kind, iface, name="bench-%s" % kind, debug=False)

    def fresh_state_dir(self, remembered=None):
        self.seq += 1
        d = os.path.join(self.state_root, "s%d" % self.seq)
        os.makedirs(d)
        if remembered:
            with open(os.path.join(d, "recent-%s" % self.radios.ifaces[1]), "w") as f:
                f.write("%s %d\n" % (SSID.encode().hex(), remembered))
        return d

    def extra_args(self, kind, state_dir=None):
        if kind != "wispd":
            return []
        return ["--state-dir=%s" % (state_dir or ""),
                "--control=%s" % os.path.join(RUN_DIR, "bench-compact")]

    def start(self, kind, networks, state_dir=None, global_conf=None):
        sta = self.station(kind)
        self.stations[kind] = sta
        sta.start(networks, global_conf=global_conf,
                  extra_args=self.extra_args(kind, state_dir), timeout=120)
        return sta

    def stop(self, kind):
        sta = self.stations.pop(kind, None)
        if sta is not None:
            sta.stop()
        time.sleep(0.3)

    # How many connects were COMPLETED before the bench's monitor attached
    # (their time is an upper bound: when STATUS said so), by supplicant.
    completed_before_attach = {}

    @classmethod
    def wait_connected_at(cls, sta, timeout=180.0):
        """monotonic time of CTRL-EVENT-CONNECTED.  Station.start() returns with
        the monitor attached, so a later event is never missed; one STATUS right
        away catches a connect that was over before that (then the time is an
        upper bound, and counted in completed_before_attach).  The STATUS poll
        below is only a safety net: without the first check, an event before
        the attach was read up to one wait_event timeout late."""
        if parse_kv(sta.request("STATUS")).get("wpa_state") == "COMPLETED":
            now = time.monotonic()
            # Take the event off the monitor if it came after the attach (a
            # later wait must not find it); if it did not, count the upper bound.
            if sta.wait_event("CTRL-EVENT-CONNECTED", timeout=0.05) is None:
                n = cls.completed_before_attach.get(sta.kind, 0)
                cls.completed_before_attach[sta.kind] = n + 1
            return now
        deadline = time.monotonic() + timeout
        while True:
            ev = sta.wait_event("CTRL-EVENT-CONNECTED", timeout=0.5)
            now = time.monotonic()
            if ev is not None:
                return now
            if not sta.running:
                raise RuntimeError("%s died; log:\n%s" % (sta.kind, sta.log_tail()))
            if parse_kv(sta.request("STATUS")).get("wpa_state") == "COMPLETED":
                return time.monotonic()
            if now > deadline:
                raise RuntimeError("%s not connected within %.0f s; log:\n%s"
                                   % (sta.kind, timeout, sta.log_tail()))

    def sample_memory(self, kind, sta):
        time.sleep(1.0)         # let the handshake's garbage settle
        rss, pss = smaps(sta.proc.pid)
        self.mem[kind]["rss"].append(rss)
        self.mem[kind]["pss"].append(pss)
        brss, bpss = smaps(self.bare.pid)
        self.mem["bare"]["rss"].append(brss)
        self.mem["bare"]["pss"].append(bpss)

    def connect_time(self, kind, networks, state_dir=None, memory=False, mode=None):
        """exec -> COMPLETED in seconds; with a mode ("cold", "warm") also the
        process's CPU seconds (utime+stime) and RSS read right then."""
        sta = self.start(kind, networks, state_dir)
        t = self.wait_connected_at(sta) - sta.started_at
        if mode is not None:
            at = self.at_completed[mode][kind]
            at["cpu"].append(cpu_seconds(sta.proc.pid))
            at["rss"].append(smaps(sta.proc.pid)[0])
        if memory:
            self.sample_memory(kind, sta)
        self.stop(kind)
        return t

    # -- sections
    def sec_startup(self):
        bare, imports, starts = [], [], {k: [] for k in KINDS}
        imports_cpu, imports_mods, bare_cpu, pyroute2_cpu, pyroute2_rss = [], [], [], [], []
        env = flash_env("wispd")
        for _ in range(max(3, self.reps)):
            t0 = time.monotonic()
            c0 = children_cpu()
            subprocess.run([PY, "-c", "pass"], check=True, env=env)
            bare.append(time.monotonic() - t0)
            bare_cpu.append(children_cpu() - c0)
            out = subprocess.run([PY, "-c", IMPORTS_TIMED], check=True, env=env,
                                 stdout=subprocess.PIPE, text=True).stdout.split()
            imports.append(float(out[0]))
            imports_cpu.append(float(out[1]))
            imports_mods.append(int(out[2]))
            out = subprocess.run([PY, "-c", PYROUTE2_TIMED], check=True, env=env,
                                 stdout=subprocess.PIPE, text=True).stdout.split()
            pyroute2_cpu.append(float(out[0]))
            pyroute2_rss.append(int(out[1]))
            for kind in KINDS:
                starts[kind].append(self._time_to_ping(kind))
        # The imports of a real start, up to COMPLETED (cold), as
        # `python -X importtime` reports them.
        path_s, path_mods = [], []
        nets = [network(SSID, psk=PASSPHRASE)]
        FlashStation.extra_env = {"PYTHONPROFILEIMPORTTIME": "1"}
        try:
            for _ in range(max(3, self.reps)):
                sta = self.start("wispd", nets, self.fresh_state_dir())
                self.wait_connected_at(sta)
                self.stop("wispd")
                secs, mods = import_profile(sta.log_path)
                path_s.append(secs)
                path_mods.append(mods)
        finally:
            FlashStation.extra_env = {}
        self.raw["startup_bare_s"] = bare
        self.row("startup", "exec -> PING answered", "s", starts["wispd"],
                 starts["wpa_supplicant"])
        self.row("startup", "  / bare `python -c pass`", "x",
                 [t / stats.median(bare) for t in starts["wispd"]],
                 [t / stats.median(bare) for t in starts["wpa_supplicant"]])
        self.row("startup", "bare `python -c pass`", "s", bare, None)
        self.row("startup", "  its CPU seconds (the floor of wispd's CPU rows)", "s", bare_cpu,
                 None)
        self.row("startup", "wispd's imports only (no driver, no socket), in-process", "s",
                 imports, None)
        self.row("startup", "  CPU seconds of those imports", "s", imports_cpu, None)
        bare_mods = subprocess.run([PY, "-c", "import sys; print(len(sys.modules))"], env=env,
                                   stdout=subprocess.PIPE, text=True).stdout.strip()
        self.row("startup", "  modules loaded by them (bare interpreter: %s)" % bare_mods, "n",
                 imports_mods, None)
        self.row("startup", "  of their CPU: logging + pyroute2.netlink (nl80211 messages)", "s",
                 pyroute2_cpu, None)
        self.row("startup", "  the RSS those two add", "kB", pyroute2_rss, None)
        self.row("startup", "imports on the way to COMPLETED (-X importtime)", "s", path_s,
                 None)
        self.row("startup", "  modules imported by COMPLETED", "n", path_mods, None)

    def _time_to_ping(self, kind):
        sta = self.station(kind)
        sta.write_conf([network(SSID, psk=PASSPHRASE)])
        path = os.path.join(sta.ctrl_dir, sta.iface)
        try:
            os.unlink(path)
        except OSError:
            pass
        local = os.path.join(RUN_DIR, "bench-ping")
        try:
            os.unlink(local)
        except OSError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(local)
        s.settimeout(0.2)
        log = open(sta.log_path, "a")
        t0 = time.monotonic()
        proc = subprocess.Popen(sta.command(self.extra_args(kind, "")), stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=flash_env(kind))
        log.close()
        took = None
        try:
            while time.monotonic() - t0 < 30:
                if proc.poll() is not None:
                    raise RuntimeError("%s exited at start: %s" % (kind, sta.log_tail()))
                try:
                    s.sendto(b"PING", path)
                    if s.recv(4096).startswith(b"PONG"):
                        took = time.monotonic() - t0
                        break
                except OSError:
                    time.sleep(0.002)
            s.sendto(b"TERMINATE", path)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            s.close()
            os.unlink(local)
        if took is None:
            raise RuntimeError("%s: no PONG within 30 s" % kind)
        time.sleep(0.3)
        return took

    def sec_cold(self):
        nets = [network(SSID, psk=PASSPHRASE)]
        t = {k: [] for k in KINDS}
        for _ in range(self.reps):
            for kind in KINDS:
                t[kind].append(self.connect_time(kind, nets, self.fresh_state_dir(), memory=True,
                                                 mode="cold"))
        self.raw["cold"] = t
        self.row("connect", "cold: start -> COMPLETED, full scan", "s", t["wispd"],
                 t["wpa_supplicant"], "<= 0.8x")
        self.cpu_rows("cold")

    def sec_warm(self):
        nets = [network(SSID, psk=PASSPHRASE)]
        pinned = [network(SSID, psk=PASSPHRASE, scan_freq=AP_FREQ)]
        w, p = [], []
        for _ in range(self.reps):
            w.append(self.connect_time("wispd", nets, self.fresh_state_dir(AP_FREQ),
                                       memory=True, mode="warm"))
            p.append(self.connect_time("wpa_supplicant", pinned, memory=True, mode="warm"))
        self.raw["warm"] = {"wispd": w, "wpa_supplicant_scan_freq": p}
        self.row("connect", "warm: wispd remembered freq vs wpa_s scan_freq", "s", w, p,
                 "<= 1.2x")
        self.cpu_rows("warm")
        cold_b = self.raw.get("cold", {}).get("wpa_supplicant")
        cold_w = self.raw.get("cold", {}).get("wispd")
        if cold_b:
            self.row("connect", "warm: wispd remembered vs wpa_s no scan_freq", "s", w,
                     cold_b, "<= 0.25x")
        if cold_w:
            self.row("connect", "warm/cold of wispd itself", "x", None, None,
                     ratio=stats.median(w) / stats.median(cold_w))

    def cpu_rows(self, mode):
        at = self.at_completed[mode]
        self.row("cpu", "%s: CPU seconds exec -> COMPLETED" % mode, "s", at["wispd"]["cpu"],
                 at["wpa_supplicant"]["cpu"], "<= 2.5x")
        self.row("cpu", "%s: RSS at COMPLETED" % mode, "kB", at["wispd"]["rss"],
                 at["wpa_supplicant"]["rss"])

    def sec_reconnect(self):
        nets = [network(SSID, psk=PASSPHRASE)]
        t = {k: [] for k in KINDS}
        for kind in KINDS:
            sta = self.start(kind, nets, self.fresh_state_dir())
            self.wait_connected_at(sta)
            for _ in range(self.reps):
                self.ap.stop()
                if sta.wait_event("CTRL-EVENT-DISCONNECTED", timeout=20) is None:
                    raise RuntimeError("%s saw no DISCONNECTED after the AP stopped" % kind)
                time.sleep(2.0)
                self.ap_started = time.monotonic()
                self.ap.start()
                t1 = self.wait_connected_at(sta)
                # t0: hostapd's own AP-ENABLED line (wall clock, -t), not when
                # our 0.1 s poll of its STATUS noticed it.
                wall1 = time.time() - (time.monotonic() - t1)
                t0 = ap_enabled_at(self.ap)
                t[kind].append(wall1 - t0 if t0 is not None else t1 - self.ap_started)
                time.sleep(0.5)
            self.stop(kind)
        self.raw["reconnect"] = t
        self.row("connect", "reconnect: AP beaconing again -> COMPLETED", "s", t["wispd"],
                 t["wpa_supplicant"], "<= 1.0x")

    def sec_memory(self):
        m = self.mem
        if not m["wispd"]["rss"]:
            # Nothing sampled yet (--only memory): one connected start each.
            nets = [network(SSID, psk=PASSPHRASE)]
            for kind in KINDS:
                self.connect_time(kind, nets, self.fresh_state_dir(), memory=True, mode="cold")
            self.cpu_rows("cold")
        bare_rss = stats.median(m["bare"]["rss"])
        bare_pss = stats.median(m["bare"]["pss"])
        self.raw["memory"] = m
        self.row("memory", "RSS connected idle", "kB", m["wispd"]["rss"],
                 m["wpa_supplicant"]["rss"])
        self.row("memory", "PSS connected idle", "kB", m["wispd"]["pss"],
                 m["wpa_supplicant"]["pss"])
        self.row("memory", "bare interpreter: RSS (wispd col.), PSS (wpa_s col.)", "kB",
                 m["bare"]["rss"], m["bare"]["pss"], ratio=False)
        self.row("memory", "RSS / bare interpreter RSS", "x",
                 [v / float(bare_rss) for v in m["wispd"]["rss"]],
                 [v / float(bare_rss) for v in m["wpa_supplicant"]["rss"]],
                 "wispd <= 1.7x")
        self.row("memory", "PSS / bare interpreter PSS", "x",
                 [v / float(bare_pss) for v in m["wispd"]["pss"]],
                 [v / float(bare_pss) for v in m["wpa_supplicant"]["pss"]])

    def sec_idle(self):
        nets = [network(SSID, psk=PASSPHRASE)]
        stas = {k: self.start(k, nets, self.fresh_state_dir()) for k in KINDS}
        for sta in stas.values():
            self.wait_connected_at(sta)
        time.sleep(3.0)      # let post-connect work finish
        for sta in stas.values():
            sta.mon.pending_events()
        before = {k: (cpu_seconds(s.proc.pid), wakeups(s.proc.pid)) for k, s in stas.items()}
        time.sleep(self.idle_seconds)
        after = {k: (cpu_seconds(s.proc.pid), wakeups(s.proc.pid)) for k, s in stas.items()}
        events = {k: len(s.mon.pending_events()) for k, s in stas.items()}
        for k in KINDS:
            self.stop(k)
        cpu = {k: after[k][0] - before[k][0] for k in KINDS}
        wk = {k: after[k][1] - before[k][1] for k in KINDS}
        self.raw["idle"] = {"cpu_s": cpu, "wakeups": wk, "events": events,
                            "seconds": self.idle_seconds}
        self.row("idle", "CPU seconds over %d s connected" % self.idle_seconds, "s",
                 cpu["wispd"], cpu["wpa_supplicant"])
        self.row("idle", "wake-ups (ctx switches) over %d s" % self.idle_seconds, "n",
                 wk["wispd"], wk["wpa_supplicant"], "no periodic wake-ups")
        self.row("idle", "monitor events seen while idle", "n", events["wispd"],
                 events["wpa_supplicant"])

    # scale --------------------------------------------------------------
    def scale_networks(self, n):
        nets = [network(SSID, psk=PASSPHRASE)]
        for i in range(n - 1):
            # The first 64 name the (open) scale BSSes but want a PSK: every
            # one is looked at by selection, none is joined.
            name = ("scale-%02d" % i) if i < 64 else ("absent-%03d" % i)
            nets.append(network(name, psk="password%03d" % i))
        return nets

    def start_scale_ap(self, k):
        """Scale radio k's 16 open BSSes (one multi-BSS hostapd)."""
        iface = self.radios.ifaces[3 + k]
        first = k * SCALE_PER_RADIO
        extra = [{"ssid": "scale-%02d" % (first + j)} for j in range(1, SCALE_PER_RADIO)]
        ap = HostapdAP(iface, ap_config("scale-%02d" % first, security="open",
                                        channel=SCALE_CHANNELS[k]), bsses=extra,
                       name="scale-%d" % k, debug=False)
        ap.start(timeout=90)
        return ap

    def scan_until(self, sta, want, tries=6, at_least=1):
        count = 0
        for attempt in range(max(tries, at_least)):
            if count >= want and attempt >= at_least:
                break
            for _ in range(20):
                if sta.request("SCAN").startswith("OK"):
                    break
                time.sleep(0.5)
            sta.wait_event("CTRL-EVENT-SCAN-RESULTS", timeout=60)
            count = len(self.scan_lines(sta))
        return count

    @staticmethod
    def scan_lines(sta):
        return [l for l in sta.request("SCAN_RESULTS").splitlines()[1:] if l.strip()]

    @staticmethod
    def timed(sta, cmd, n):
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            sta.request(cmd)
            out.append(time.perf_counter() - t0)
        return out

    def collect_bsses(self, sta):
        """Every BSS through the control socket: ScanResults + BSS latencies."""
        from wispd.drivers.ops import ScanResult
        results, lat = [], []
        for line in self.scan_lines(sta):
            bssid = line.split("\t")[0]
            t0 = time.perf_counter()
            kv = parse_kv(sta.request("BSS " + bssid))
            lat.append(time.perf_counter() - t0)
            if "ie" not in kv:
                continue
            caps = kv.get("capabilities", "0")
            results.append(ScanResult(bytes.fromhex(bssid.replace(":", "")),
                                      int(kv.get("freq", 0)), bytes.fromhex(kv["ie"]),
                                      signal=int(kv.get("level", 0)),
                                      caps=int(caps, 16) if caps.startswith("0x") else int(caps)))
        return results, lat

    @staticmethod
    def time_selection(conf_path, results, passes=15):
        """selection.select on the daemon's config file and its BSS table as
        the control socket reports it (IEs included), in this process."""
        from wispd.config import wpaconf
        from wispd.core import selection
        from wispd.core.bss import BssTable
        cfg = wpaconf.load(conf_path)
        table = BssTable()
        table.update(results, [], time.monotonic())
        for b in table:
            b.elements          # parsed at scan time in the daemon too
        out = []
        cand = None
        for _ in range(passes):
            t0 = time.perf_counter()
            cand = selection.select(cfg.networks, table, lambda n: not n.disabled, set(), None)
            out.append(time.perf_counter() - t0)
        return out, cand

    def sec_scale(self):
        want = 1 + len(SCALE_CHANNELS) * SCALE_PER_RADIO
        res = {k: {} for k in KINDS}
        per_bss = {}
        aps = []
        try:
            n = SCALE_NETS[0]
            # Per-BSS memory: the same daemons before and after the scale APs.
            stas = {k: self.start(k, self.scale_networks(n), self.fresh_state_dir())
                    for k in KINDS}
            for sta in stas.values():
                self.wait_connected_at(sta)
            # Per-BSS memory in stages: the scale radios come up one at a
            # time (16 BSSes each) and every stage, the first included, gets
            # the same SCAN_STAGE_SCANS scans before its RSS is read.  The
            # per-BSS figure is the slope over the stages with scale BSSes
            # (17..65): the step from the 1-BSS stage also holds what a
            # daemon pays once, on its first scans with many BSSes (see
            # docs/benchmarks.md, "Memory per BSS").
            stages = {k: [] for k in KINDS}
            for k in range(len(SCALE_CHANNELS) + 1):
                if k:
                    aps.append(self.start_scale_ap(k - 1))
                for kind, sta in stas.items():
                    count = self.scan_until(sta, 1 + k * SCALE_PER_RADIO,
                                            at_least=SCAN_STAGE_SCANS)
                    time.sleep(1.0)
                    split = smaps_split(sta.proc.pid)
                    stages[kind].append({"bsses": count, "rss": smaps(sta.proc.pid)[0],
                                         **split})
                    say("per-BSS stage %s: %d BSSes, RSS %d kB (heap %d, anon %d, file %d, "
                        "%d files)" % (kind, count, stages[kind][-1]["rss"], split["heap"],
                                       split["anon"], split["file"], split["files"]))
            for kind in KINDS:
                self._scale_measure(kind, stas[kind], n, want, res)
                st = stages[kind]
                if st[-1]["bsses"] > st[0]["bsses"]:
                    per_bss[kind] = {
                        "first": (st[-1]["rss"] - st[0]["rss"])
                        / float(st[-1]["bsses"] - st[0]["bsses"]),
                        "slope": linear_slope([x["bsses"] for x in st[1:]],
                                              [x["rss"] for x in st[1:]])}
                self.stop(kind)
            self.raw["scale_stages"] = stages
            for n in SCALE_NETS[1:]:
                for kind in KINDS:
                    sta = self.start(kind, self.scale_networks(n), self.fresh_state_dir())
                    self.wait_connected_at(sta)
                    self._scale_measure(kind, sta, n, want, res)
                    self.stop(kind)
        finally:
            for ap in aps:
                ap.stop()
        self.raw["scale"] = {"results": res, "per_bss_kb": per_bss}
        for n in SCALE_NETS:
            self.row("scale", "%d nets: BSSes seen" % n, "n", res["wispd"][n]["bsses"],
                     res["wpa_supplicant"][n]["bsses"], ">= %d" % want)
        for n in SCALE_NETS:
            self.row("scale", "%d nets: selection pass (in-process)" % n, "ms",
                     [v * 1e3 for v in res["wispd"][n]["select"]], None, "linear")
        for n in SCALE_NETS:
            self.row("scale", "%d nets: SCAN_RESULTS latency" % n, "ms",
                     [v * 1e3 for v in res["wispd"][n]["scan_results"]],
                     [v * 1e3 for v in res["wpa_supplicant"][n]["scan_results"]])
        for n in SCALE_NETS:
            self.row("scale", "%d nets: BSS <bssid> latency" % n, "ms",
                     [v * 1e3 for v in res["wispd"][n]["bss"]],
                     [v * 1e3 for v in res["wpa_supplicant"][n]["bss"]])
        for n in SCALE_NETS:
            self.row("scale", "%d nets: RSS connected, %d BSSes" % (n, want), "kB",
                     res["wispd"][n]["rss"], res["wpa_supplicant"][n]["rss"])
        lo, hi = SCALE_NETS[0], SCALE_NETS[-1]
        per_net = {k: (res[k][hi]["rss"] - res[k][lo]["rss"]) / float(hi - lo) for k in KINDS}
        self.row("scale", "memory per network (%d->%d)" % (lo, hi), "kB", per_net["wispd"],
                 per_net["wpa_supplicant"])
        pb = {k: per_bss.get(k) or {} for k in KINDS}
        self.row("scale", "memory per BSS (slope 17 -> %d BSSes, 16 a step)" % want, "kB",
                 pb["wispd"].get("slope"), pb["wpa_supplicant"].get("slope"), "<= 2.5 kB")
        self.row("scale", "  1 -> %d BSSes (with first-scan costs; the old row)" % want, "kB",
                 pb["wispd"].get("first"), pb["wpa_supplicant"].get("first"))
        xs = list(SCALE_NETS)
        sel = [stats.median(res["wispd"][n]["select"]) for n in xs]
        srl = {k: [stats.median(res[k][n]["scan_results"]) for n in xs] for k in KINDS}
        self.row("scale", "growth exponent selection 10->500 (1=linear)", "",
                 stats.growth_exponent(xs, sel), None, "< 1.5")
        self.row("scale", "growth exponent SCAN_RESULTS 10->500", "",
                 stats.growth_exponent(xs, srl["wispd"]),
                 stats.growth_exponent(xs, srl["wpa_supplicant"]), "< 1.5", ratio=False)

    def _scale_measure(self, kind, sta, n, want, res):
        count = self.scan_until(sta, want)
        time.sleep(1.0)
        r = {"bsses": count, "rss": smaps(sta.proc.pid)[0]}
        r["scan_results"] = self.timed(sta, "SCAN_RESULTS", 15)
        results, lat = self.collect_bsses(sta)
        r["bss"] = lat
        if kind == "wispd":
            sel, cand = self.time_selection(sta.conf_path, results)
            r["select"] = sel
            r["selected"] = None if cand is None else cand.network.ssid_bytes.decode()
        res[kind][n] = r
        say("scale %s n=%d: %d BSSes, RSS %d kB" % (kind, n, count, r["rss"]))

    # roam (bench/roam_bench.py: two APs on radios 3 and 4) ---------------
    def sec_roam(self):
        roam_bench.run(self, KINDS)

    # soak ---------------------------------------------------------------
    def sec_soak(self):
        nets = [network(SSID, psk=PASSPHRASE, scan_freq=AP_FREQ)]
        stas = {}
        for k in KINDS:
            stas[k] = self.start(k, nets, self.fresh_state_dir(AP_FREQ))
            self.wait_connected_at(stas[k])
        time.sleep(1.0)
        start = {k: (smaps(s.proc.pid)[0], open_fds(s.proc.pid)) for k, s in stas.items()}
        lost = {k: 0 for k in KINDS}        # happened (STATUS says so) but no event
        failed = {k: 0 for k in KINDS}      # RECONNECT not COMPLETED within 30 s
        cycles = {k: 0 for k in KINDS}
        stuck = {}                          # kind -> cycle where it did not recover
        ap_restarts = 0
        # One supplicant at a time: two stations authenticating with one AP at
        # the same instant is a different test (and in TCG it makes
        # authentications time out); this one is about growth and lost events.
        for cycle in range(self.soak_cycles):
            for k, s in stas.items():
                if k in stuck:
                    continue
                s.request("DISCONNECT")
                if s.wait_event("CTRL-EVENT-DISCONNECTED", timeout=15) is None:
                    lost[k] += 1
                s.request("RECONNECT")
                if s.wait_event("CTRL-EVENT-CONNECTED", timeout=30) is None:
                    if parse_kv(s.request("STATUS")).get("wpa_state") == "COMPLETED":
                        lost[k] += 1
                    else:
                        # Seen with both supplicants at the same cycle (~42): the AP
                        # stops answering authentication.  Restart it, let every
                        # station come back, and go on (counted).
                        failed[k] += 1
                        ap_restarts += 1
                        say("soak: %s not COMPLETED in cycle %d; restarting the AP"
                            % (k, cycle + 1))
                        self.ap.restart()
                        for k2, s2 in stas.items():
                            if k2 in stuck:
                                continue
                            try:
                                self.wait_connected_at(s2, timeout=120)
                            except RuntimeError:
                                stuck[k2] = cycle + 1
                                say("soak: %s did not reconnect in cycle %d; its soak ends"
                                    % (k2, cycle + 1))
                        for s2 in stas.values():
                            s2.mon.pending_events()
                        if k in stuck:
                            continue
                cycles[k] += 1
            if len(stuck) == len(stas):
                break
            if (cycle + 1) % 50 == 0:
                say("soak: %d cycles" % (cycle + 1))
        time.sleep(1.0)
        end = {k: (smaps(s.proc.pid)[0], open_fds(s.proc.pid)) for k, s in stas.items()}
        for k in KINDS:
            self.stop(k)
        self.raw["soak"] = {"cycles": cycles, "start": start, "end": end, "lost": lost,
                            "failed": failed, "stuck_at_cycle": stuck,
                            "ap_restarts": ap_restarts}
        if stuck:
            self.notes.append("soak: %s" % ", ".join(
                "%s did not reconnect within 120 s of an AP restart in cycle %d; see its "
                "log" % (k, c) for k, c in stuck.items()))
        self.row("soak", "cycles completed (of %d)" % self.soak_cycles, "n", cycles["wispd"],
                 cycles["wpa_supplicant"], "%d" % self.soak_cycles)
        self.row("soak", "RSS growth over those cycles", "kB",
                 end["wispd"][0] - start["wispd"][0],
                 end["wpa_supplicant"][0] - start["wpa_supplicant"][0], "< 1024 kB")
        self.row("soak", "open fds at start", "n", start["wispd"][1], start["wpa_supplicant"][1])
        self.row("soak", "open fds at end", "n", end["wispd"][1], end["wpa_supplicant"][1],
                 "no growth")
        self.row("soak", "lost events", "n", lost["wispd"], lost["wpa_supplicant"], "0")
        self.row("soak", "reconnects not COMPLETED within 30 s", "n", failed["wispd"],
                 failed["wpa_supplicant"])
        self.row("soak", "AP restarts needed (AP stopped answering)", "n", ap_restarts, None,
                 ratio=False)


def ap_enabled_at(ap):
    """Wall-clock time of the last "AP-ENABLED" in hostapd's log (-t stamps)."""
    last = None
    try:
        with open(ap.log_path, errors="replace") as f:
            for line in f:
                if "AP-ENABLED" in line:
                    stamp = line.split(":", 1)[0]
                    try:
                        last = float(stamp)
                    except ValueError:
                        pass
    except OSError:
        pass
    return last


def versions():
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=120)
            for line in r.stdout.splitlines():
                if line.strip():
                    return line.strip()
        except (OSError, subprocess.SubprocessError) as e:
            return str(e)
        return "?"
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": "guest: qemu TCG, %d vCPU (%s); host: %s" % (
            os.cpu_count() or 0, model, os.environ.get("WISPD_BENCH_HOST", "?")),
        "kernel": platform.release(),
        "python": first_line([VENV_PY, "-VV"]),
        "hostapd": first_line(["hostapd", "-v"]),
        "wpa_supplicant": first_line(["wpa_supplicant", "-v"]),
        "wispd": first_line([VENV_PY, "-m", "wispd", "-v"]),
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default=",".join(SECTIONS))
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--soak-cycles", type=int, default=200)
    ap.add_argument("--commit", default=None,
                    help="measure the wispd package of this commit (e.g. HEAD), not the "
                         "working tree")
    ns = ap.parse_args(argv)
    wanted = [s for s in ns.only.split(",") if s]
    for s in wanted:
        if s not in SECTIONS:
            ap.error("unknown section %s (known: %s)" % (s, ", ".join(SECTIONS)))
    t_start = time.monotonic()
    env = versions()
    env["repetitions"] = ns.reps
    b = Bench(ns.reps, ns.idle_seconds, ns.soak_cycles, ns.commit)
    complete = True
    try:
        b.setup()
        for s in SECTIONS:
            if s not in wanted:
                continue
            t0 = time.monotonic()
            say("section %s" % s)
            try:
                getattr(b, "sec_" + s)()
            except Exception as e:          # keep going: report what was measured
                import traceback
                traceback.print_exc()
                complete = False
                b.notes.append("section %s failed: %s" % (s, str(e).splitlines()[0]))
                for kind in KINDS:
                    b.stop(kind)
            b.raw.setdefault("section_s", {})[s] = round(time.monotonic() - t0, 1)
    finally:
        b.teardown()
    env["wall_time_s"] = round(time.monotonic() - t_start, 1)
    b.notes += [
        "Both supplicants and the bare interpreter run from a tmpfs in the guest (bench/"
        "onflash.py: %s)." % (FLASH.summary if FLASH else "not copied: set-up failed"),
        "CPU seconds: utime+stime of the supplicant's process from /proc/PID/stat when "
        "CTRL-EVENT-CONNECTED reaches the bench; RSS at COMPLETED read at the same moment.",
        "Both supplicants run without -d; wispd with --state-dir (empty for cold) and its "
        "compact socket on; memory is sampled 1 s after COMPLETED in each cold/warm start.",
        "Bare interpreter: the venv python running `import time; time.sleep()`, alive "
        "during the whole run (so PSS shares pages the same way); start-up bare is `-c pass`.",
        "Wake-ups: voluntary+nonvoluntary context switches (/proc/PID/task/*/status).",
        "Connects already COMPLETED when the bench's monitor attached (their time is when "
        "STATUS said so, an upper bound): %s." % (", ".join(
            "%s %d" % kv for kv in sorted(Bench.completed_before_attach.items())) or "none"),
        "Selection: wispd.selection.select timed in the bench process on the daemon's "
        "config file and the BSS table read back through BSS <bssid> (IEs included).",
    ]
    result = {"env": env, "rows": b.rows, "raw": b.raw, "notes": b.notes,
              "complete": complete and wanted == list(SECTIONS), "sections": wanted}
    outdir = os.environ.get("WISPD_RESULTS") or os.path.dirname(log_dir())
    with open(os.path.join(outdir, "bench.json"), "w") as f:
        json.dump(result, f, indent=1, default=str)
    with open(os.path.join(outdir, "bench.md"), "w") as f:
        f.write(stats.render_summary(result))
    print("\n" + stats.render_text(b.rows), flush=True)
    say("results: %s/bench.json, bench.md" % outdir)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
