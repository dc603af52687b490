"""A station: a supplicant process (Debian's wpa_supplicant, the baseline, or
wispd) on one radio, driven through its wpa_ctrl socket and the real wpa_cli."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time

from . import RUN_DIR, log_dir, repo_root, tail
from .wpactrl import CtrlError, WpaCtrl, parse_kv

SUPPLICANT_KINDS = ("wpa_supplicant", "wispd")

# Network keys whose values wpa_supplicant.conf wants in double quotes.
_QUOTED = {"ssid", "psk", "sae_password", "identity", "password", "id_str",
           "anonymous_identity", "bgscan"}


def _conf_value(key: str, value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes):
        # Raw octets (an SSID with NUL, newline, non-UTF-8): the conf file's
        # unquoted hex form, which both supplicants read.
        return value.hex()
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    value = str(value)
    if key in _QUOTED and not value.startswith('"'):
        if key == "psk" and re.fullmatch(r"[0-9a-fA-F]{64}", value):
            return value
        return '"%s"' % value
    return value


def network(ssid, **kw) -> dict:
    """A network block as a dict; `network("x", psk="...", scan_freq=2412)`;
    a bytes ssid is written in hex.
    Open network: key_mgmt defaults to NONE when no psk/sae_password is given."""
    n = {"ssid": ssid}
    if "psk" not in kw and "sae_password" not in kw and "key_mgmt" not in kw:
        n["key_mgmt"] = "NONE"
    n.update(kw)
    return n


def supplicant_command(kind: str) -> list:
    if kind == "wpa_supplicant":
        return ["wpa_supplicant"]
    if kind == "wispd":
        return [os.path.join(repo_root(), ".venv", "bin", "python"), "-m", "wispd"]
    raise ValueError("unknown supplicant kind %r (known: %s)" % (kind, ", ".join(SUPPLICANT_KINDS)))


class Station:
    def __init__(self, kind: str, iface: str, driver: str = "nl80211", name: str = None,
                 logdir: str = None, debug: bool = True):
        self.kind = kind
        self.iface = iface
        self.driver = driver
        self.name = name or "%s-%s" % (kind, iface)
        self.dir = os.path.join(RUN_DIR, self.name)
        self.ctrl_dir = os.path.join(self.dir, "ctrl")
        self.conf_path = os.path.join(self.dir, "supplicant.conf")
        self.logdir = logdir or log_dir()
        self.log_path = os.path.join(self.logdir, self.name + ".log")
        self.debug = debug
        self.proc = None
        self.ctrl = None
        self.mon = None
        self.started_at = None

    # -- config
    def write_conf(self, networks=(), global_conf: dict = None) -> str:
        os.makedirs(self.ctrl_dir, exist_ok=True)
        lines = ["ctrl_interface=%s" % self.ctrl_dir, "update_config=0"]
        for k, v in (global_conf or {}).items():
            lines.append("%s=%s" % (k, v))
        for net in networks:
            lines.append("network={")
            lines += ["\t%s=%s" % (k, _conf_value(k, v)) for k, v in net.items()]
            lines.append("}")
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return self.conf_path

    def command(self, extra_args=()) -> list:
        args = supplicant_command(self.kind) + [
            "-i", self.iface, "-c", self.conf_path, "-D", self.driver, "-C", self.ctrl_dir, "-t"]
        if self.debug:
            args.append("-d")
        return args + list(extra_args)

    # -- life cycle
    def start(self, networks=(), global_conf: dict = None, extra_args=(),
              timeout: float = 20.0, clean: bool = True) -> "Station":
        """clean=False keeps a control socket an earlier run left behind (the
        stale-socket scenarios want the supplicant to deal with it)."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("%s already running" % self.name)
        self.write_conf(networks, global_conf)
        if clean:
            try:
                os.unlink(self._ctrl_path())
            except OSError:
                pass
        args = self.command(extra_args)
        logf = open(self.log_path, "a")
        logf.write("==== start: %s\n" % " ".join(args))
        logf.flush()
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        logf.close()
        self._wait_ctrl(timeout)
        return self

    def _ctrl_path(self) -> str:
        return os.path.join(self.ctrl_dir, self.iface)

    def _wait_ctrl(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s at start; log:\n%s"
                                   % (self.kind, self.proc.returncode, tail(self.log_path)))
            if os.path.exists(self._ctrl_path()):
                try:
                    self.ctrl = WpaCtrl(self._ctrl_path(), connect_timeout=2)
                    self.mon = WpaCtrl(self._ctrl_path(), connect_timeout=2)
                    self.mon.attach()
                    return
                except CtrlError:
                    self._close_ctrl()
            if time.monotonic() > deadline:
                raise RuntimeError("%s control socket %s not up within %.0f s; log:\n%s"
                                   % (self.kind, self._ctrl_path(), timeout, tail(self.log_path)))
            time.sleep(0.05)

    def _close_ctrl(self) -> None:
        for c in (self.ctrl, self.mon):
            if c is not None:
                c.close()
        self.ctrl = self.mon = None

    def stop(self, timeout: float = 10.0) -> int:
        """Ask it to TERMINATE, then SIGTERM, then SIGKILL. Returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None and self.ctrl is not None:
            try:
                self.ctrl.request("TERMINATE", timeout=3)
            except (CtrlError, OSError):
                pass
        self._close_ctrl()
        for sig, wait in ((None, timeout / 2), (signal.SIGTERM, timeout / 2),
                          (signal.SIGKILL, 5)):
            if sig is not None and self.proc.poll() is None:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        rc = self.proc.returncode
        self.proc = None
        return rc

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def mac(self) -> str:
        with open("/sys/class/net/%s/address" % self.iface) as f:
            return f.read().strip()

    # -- control
    def request(self, cmd: str, timeout: float = 10.0) -> str:
        if self.ctrl is None:
            raise RuntimeError("%s is not running" % self.name)
        return self.ctrl.request(cmd, timeout)

    def wpa_cli(self, *args, check: bool = True, timeout: float = 15) -> str:
        """Run the real wpa_cli against this station; returns its stdout."""
        r = subprocess.run(["wpa_cli", "-p", self.ctrl_dir, "-i", self.iface]
                           + [str(a) for a in args], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("wpa_cli %s failed (%d): %s"
                               % (" ".join(map(str, args)), r.returncode, r.stdout))
        return r.stdout.strip()

    def status(self) -> dict:
        """STATUS through wpa_cli (so every check also exercises the real client)."""
        return parse_kv(self.wpa_cli("status"))

    def wait_event(self, prefixes, timeout: float = 15.0):
        if self.mon is None:
            raise RuntimeError("%s is not running" % self.name)
        return self.mon.wait_event(prefixes, timeout)

    def events_seen(self) -> list:
        return list(self.mon.seen) if self.mon else []

    def wait_state(self, state: str = "COMPLETED", timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise AssertionError("%s died (rc %s) waiting for %s; log:\n%s" % (
                    self.kind, None if self.proc is None else self.proc.returncode,
                    state, tail(self.log_path)))
            st = parse_kv(self.request("STATUS"))
            if st.get("wpa_state") == state:
                return st
            if time.monotonic() > deadline:
                raise AssertionError("%s on %s: wpa_state %s, not %s after %.0f s"
                                     % (self.kind, self.iface, st.get("wpa_state"), state,
                                        timeout))
            self.mon.poll(0.3)

    def wait_connected(self, timeout: float = 30.0) -> dict:
        """Until wpa_state=COMPLETED (CTRL-EVENT-CONNECTED); returns STATUS."""
        return self.wait_state("COMPLETED", timeout)

    def wait_connected_to(self, bssid: str, timeout: float = 30.0) -> str:
        """Until a CTRL-EVENT-CONNECTED names `bssid` (a roam's); returns it.
        Connections to other BSSes on the way are skipped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.wait_event("CTRL-EVENT-CONNECTED",
                                 timeout=max(0.1, deadline - time.monotonic()))
            if ev is not None and bssid in ev:
                return ev
        raise AssertionError("no CTRL-EVENT-CONNECTED to %s; events: %s"
                             % (bssid, self.events_seen()))

    def log_tail(self, n: int = 60) -> str:
        return tail(self.log_path, n)
