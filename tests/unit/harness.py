"""In-process wispd on the fake driver, plus a wpa_ctrl client, for unit tests."""

import os
import socket
import time

import fakedriver
from wispd.daemon import Daemon, IfaceSpec
from wispd.platform.eloop import Eloop


class CtrlClient:
    """A minimal wpa_ctrl client: a bound datagram socket talking to the daemon."""

    def __init__(self, path, harness):
        self.harness = harness
        self.local = "%s.client%d" % (path, id(self))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.local)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.events = []

    def request(self, cmd, timeout=2.0):
        if isinstance(cmd, str):
            cmd = cmd.encode()
        self.sock.send(cmd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.harness.loop.run_once(0.01)
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                continue
            text = data.decode("utf-8", "replace")
            if text.startswith("<"):
                self.events.append(text)
                continue
            return text
        raise AssertionError("no reply to %r" % cmd)

    def drain(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            self.events.append(data.decode("utf-8", "replace"))

    def wait_event(self, prefix, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.drain()
            for i, e in enumerate(self.events):
                if e.split(">", 1)[-1].startswith(prefix):
                    del self.events[:i + 1]
                    return e.split(">", 1)[1]
            self.harness.loop.run_once(0.01)
        raise AssertionError("no event %s; got %r" % (prefix, self.events))

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.local)
        except OSError:
            pass


class Harness:
    def __init__(self, tmp_path, conf_text, world=(), ifname="fake0"):
        fakedriver.FakeDriver.world = list(world)
        fakedriver.FakeDriver.reject_assoc = set()
        self.tmp = tmp_path
        self.ctrl_dir = str(tmp_path / "ctrl")
        self.conf = str(tmp_path / "wispd.conf")
        with open(self.conf, "w") as f:
            f.write("ctrl_interface=%s\n" % self.ctrl_dir + conf_text)
        self.loop = Eloop()
        self.daemon = Daemon(self.loop, state_dir=None)
        self.iface = self.daemon.add_interface(IfaceSpec(ifname, self.conf, "fake"))
        self.driver = self.iface.driver
        self.clients = []

    def client(self):
        c = CtrlClient(os.path.join(self.ctrl_dir, self.iface.ifname), self)
        self.clients.append(c)
        return c

    def run_until(self, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            self.loop.run_once(0.01)
        raise AssertionError("condition not reached; state=%s" % self.iface.wpa_state)

    def close(self):
        for c in self.clients:
            c.close()
        self.daemon.shutdown()
        self.loop.close()


def kv(text):
    """A key=value reply (STATUS, SIGNAL_POLL, ...) as a dict."""
    return dict(line.split("=", 1) for line in text.splitlines())


def idle(x):
    """Wait for the start-up scan (and anything it triggers) to finish."""
    x.run_until(lambda: not x.iface.scan_pending() and not x.driver.scanning)
