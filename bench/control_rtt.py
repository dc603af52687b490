#!/usr/bin/env python3
"""Benchmark (not a test): `status` round trips on both control protocols.

Starts one wispd on the unit tests' fake driver (no radio needed), with its
wpa_ctrl text socket and its compact socket, attaches 8 subscribers to each
(text ATTACH monitors and compact `subscribe`rs), then times sequential
request/reply round trips over loopback UNIX sockets from this process:

    text STATUS        (the wpa_ctrl datagram socket, wpa_cli's way)
    compact status     (the rich, typed status)
    compact status.text (the same data as text STATUS, typed)
    compact ping / text PING (codec + socket floor)

Prints a table: round trips per second and p50/p99 latency.  Also prints the
daemon's RSS with the compact socket off and on.

    .venv/bin/python bench/control_rtt.py [-n 3000]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUNNER = os.path.join(ROOT, "tests", "unit", "run_fake_wispd.py")
sys.path.insert(0, os.path.join(ROOT, "firmware"))

from wispd.client import Client  # noqa: E402

SUBSCRIBERS = 8


def start_wispd(tmp, control):
    conf = os.path.join(tmp, "wispd.conf")
    ctrl = os.path.join(tmp, "ctrl")
    with open(conf, "w") as f:
        f.write('ctrl_interface=%s\nnetwork={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n' % ctrl)
    env = dict(os.environ, FAKE_WORLD="open:02:00:00:00:00:01:cafe")
    proc = subprocess.Popen([sys.executable, RUNNER, "-i", "fake0", "-c", conf, "-D", "fake",
                             "-q", "--state-dir=", "--control", control], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = os.path.join(ctrl, "fake0")
    deadline = time.monotonic() + 10
    while not (os.path.exists(path) and (not control or os.path.exists(control))):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("wispd did not start")
        time.sleep(0.02)
    return proc, path


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class TextClient:
    def __init__(self, path, tmp, name):
        self.local = os.path.join(tmp, name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.local)
        self.sock.connect(path)
        self.sock.settimeout(5)

    def request(self, cmd):
        self.sock.send(cmd)
        while True:
            data = self.sock.recv(8192)
            if not data.startswith(b"<"):       # an event for a monitor, not our reply
                return data


def timed(fn, n):
    for _ in range(min(200, n // 10)):          # warm-up
        fn()
    lat = []
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    lat.sort()
    return n / total, lat[len(lat) // 2] * 1e6, lat[int(len(lat) * 0.99)] * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3000, help="round trips per row")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wispd-bench-")
    try:
        proc, _ = start_wispd(os.path.join(tmp), "")
        time.sleep(1.0)
        rss_off = rss_kb(proc.pid)
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp)
        os.makedirs(tmp)

        control = os.path.join(tmp, "control")
        proc, path = start_wispd(tmp, control)
        try:
            monitors = [TextClient(path, tmp, "mon%d" % i) for i in range(SUBSCRIBERS)]
            for m in monitors:
                assert m.request(b"ATTACH") == b"OK\n"
            subs = [Client(control) for _ in range(SUBSCRIBERS)]
            for s in subs:
                s.subscribe()
            text = TextClient(path, tmp, "asker")
            comp = Client(control)
            # Wait for the fake link so STATUS has its full content.
            while comp.status()["state"] != "COMPLETED":
                time.sleep(0.05)
            rss_on = rss_kb(proc.pid)
            rows = [
                ("text    STATUS", lambda: text.request(b"STATUS")),
                ("compact status", lambda: comp.request("status")),
                ("compact status.text", lambda: comp.request("status.text")),
                ("text    PING", lambda: text.request(b"PING")),
                ("compact ping", lambda: comp.request("ping")),
            ]
            print("wispd on the fake driver, %d text monitors + %d compact subscribers attached,"
                  " %d round trips per row" % (SUBSCRIBERS, SUBSCRIBERS, a.n))
            print("%-22s %12s %10s %10s" % ("request", "round trips/s", "p50 us", "p99 us"))
            for name, fn in rows:
                rps, p50, p99 = timed(fn, a.n)
                print("%-22s %12.0f %10.0f %10.0f" % (name, rps, p50, p99))
            print("reply sizes: text STATUS %d B, compact status %d B"
                  % (len(text.request(b"STATUS")), len(__import__("msgpack").packb(
                      comp.request("status"), use_bin_type=True))))
            print("daemon RSS: compact socket off %d kB, on (+%d clients) %d kB"
                  % (rss_off, 2 * SUBSCRIBERS + 1, rss_on))
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
