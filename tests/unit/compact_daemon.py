"""Helpers for the compact protocol tests: a raw in-process client for the
daemon of harness.Harness, and a wispd process on the fake driver for the
blocking client library and the `wisp` CLI (which cannot share our eloop)."""

import os
import socket
import subprocess
import sys
import time

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_fake_wispd.py")
AP1 = "02:00:00:00:00:01"
AP2 = "02:00:00:00:00:02"


class RawClient:
    """Talks msgpack (or garbage) to a CompactServer running in harness's eloop."""

    def __init__(self, path, harness):
        self.h = harness
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.events = []
        self.next_id = 0
        self.closed = False

    def send(self, obj):
        self.sock.send(obj if isinstance(obj, bytes) else msgpack.packb(obj, use_bin_type=True))

    def recv(self, timeout=2.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(70000)
            except BlockingIOError:
                self.h.loop.run_once(0.005)
                continue
            if not data:
                self.closed = True
                return None
            return msgpack.unpackb(data, raw=False)
        raise AssertionError("nothing received")

    def reply(self, timeout=2.0):
        while True:
            msg = self.recv(timeout)
            if msg is None or msg["type"] in ("reply", "error"):
                return msg
            self.events.append(msg)

    def call(self, op, args=None, **extra):
        self.next_id += 1
        req = {"id": self.next_id, "op": op}
        if args is not None:
            req["args"] = args
        req.update(extra)
        self.send(req)
        return self.reply()

    def close(self):
        self.sock.close()


class WispdProcess:
    """wispd on the fake driver with its compact socket at self.control."""

    def __init__(self, tmp, conf="", world="open:%s:cafe" % AP1, extra=()):
        self.dir = str(tmp)
        self.conf = os.path.join(self.dir, "wispd.conf")
        self.control = os.path.join(self.dir, "control")
        self.ctrl_dir = os.path.join(self.dir, "ctrl")
        with open(self.conf, "w") as f:
            f.write("ctrl_interface=%s\nupdate_config=1\n%s" % (self.ctrl_dir, conf))
        env = dict(os.environ, FAKE_WORLD=world, PYTHONUNBUFFERED="1")
        self.log = open(os.path.join(self.dir, "wispd.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, RUNNER, "-i", "fake0", "-c", self.conf, "-D", "fake",
             "--state-dir=", "--control", self.control] + list(extra),
            env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.control):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("wispd did not start: %s" % self.log_text())
            time.sleep(0.02)

    def log_text(self):
        with open(os.path.join(self.dir, "wispd.log")) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode
