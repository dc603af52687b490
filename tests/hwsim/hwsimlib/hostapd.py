"""hostapd as the real access point: config dict in, a running AP out, with
its control socket for status, stations and events."""
from __future__ import annotations

import os
import signal
import subprocess
import time

from . import RUN_DIR, log_dir, tail
from .wpactrl import CtrlError, WpaCtrl, parse_kv

CHANNEL_FREQ_24 = {ch: 2407 + 5 * ch for ch in range(1, 14)}


def freq_of(channel: int, hw_mode: str = "g") -> int:
    if hw_mode == "a":
        return 5000 + 5 * channel
    return 2484 if channel == 14 else CHANNEL_FREQ_24[channel]


def ap_config(ssid: str, security: str = "wpa2", passphrase: str = "correct horse battery",
              channel: int = 1, hw_mode: str = "g", hidden: bool = False, pmf: int = None,
              group_rekey: int = None, country: str = None, **extra) -> dict:
    """A hostapd BSS config as a dict (keys are hostapd.conf keys).

    security: "open", "wpa2" (WPA2-PSK/CCMP), "sae" (WPA3-SAE, PMF required),
    "transition" (WPA2-PSK + SAE, PMF optional). pmf: ieee80211w 0/1/2.
    """
    c = {"ssid": ssid, "hw_mode": hw_mode, "channel": channel}
    if security == "open":
        pass
    elif security == "wpa2":
        c.update(wpa=2, wpa_key_mgmt="WPA-PSK", rsn_pairwise="CCMP", wpa_passphrase=passphrase)
    elif security == "sae":
        c.update(wpa=2, wpa_key_mgmt="SAE", rsn_pairwise="CCMP", wpa_passphrase=passphrase,
                 ieee80211w=2)
    elif security == "transition":
        c.update(wpa=2, wpa_key_mgmt="WPA-PSK SAE", rsn_pairwise="CCMP",
                 wpa_passphrase=passphrase, ieee80211w=1)
    else:
        raise ValueError("unknown security %r" % security)
    if pmf is not None:
        c["ieee80211w"] = pmf
    if hidden:
        c["ignore_broadcast_ssid"] = 1
    if group_rekey is not None:
        c["wpa_group_rekey"] = group_rekey
    if country or hw_mode == "a":
        c["country_code"] = country or "DE"
        c["ieee80211d"] = 1
    c.update(extra)
    return c


class HostapdAP:
    """One hostapd process on `iface`; `bsses` are extra BSS dicts (each may
    carry 'bss' = its interface name and 'bssid')."""

    def __init__(self, iface: str, conf: dict, bsses=(), name: str = None,
                 logdir: str = None, debug: bool = True, extra_args=()):
        self.iface = iface
        self.extra_args = list(extra_args)    # e.g. ["-K"]: keys in the log
        self.conf = dict(conf)
        self.bsses = [dict(b) for b in bsses]
        self.name = name or "hostapd-%s" % iface
        self.dir = os.path.join(RUN_DIR, self.name)
        self.ctrl_dir = os.path.join(self.dir, "ctrl")
        self.conf_path = os.path.join(self.dir, "hostapd.conf")
        self.logdir = logdir or log_dir()
        self.log_path = os.path.join(self.logdir, self.name + ".log")
        self.debug = debug
        self.proc = None
        self.ctrl = None          # request socket
        self.mon = None           # attached event socket
        self.starts = 0

    # -- config
    def ifaces(self) -> list:
        return [self.iface] + [b.get("bss", "%s_%d" % (self.iface, i + 1))
                               for i, b in enumerate(self.bsses)]

    def write_conf(self) -> str:
        os.makedirs(self.ctrl_dir, exist_ok=True)
        lines = ["interface=%s" % self.iface, "driver=nl80211",
                 "ctrl_interface=%s" % self.ctrl_dir, "logger_stdout=-1",
                 "logger_stdout_level=0" if self.debug else "logger_stdout_level=2"]
        lines += ["%s=%s" % (k, v) for k, v in self.conf.items()]
        base_mac = _mac(self.iface)
        for i, b in enumerate(self.bsses):
            b = dict(b)
            lines.append("")
            lines.append("bss=%s" % b.pop("bss", "%s_%d" % (self.iface, i + 1)))
            lines.append("ctrl_interface=%s" % self.ctrl_dir)   # per BSS in hostapd
            # hostapd needs distinct BSSIDs; derive them from the radio's
            # address in the locally administered space.
            if "bssid" not in b:
                octets = [int(x, 16) for x in base_mac.split(":")]
                octets[0] |= 0x02
                octets[5] = (octets[5] + i + 1) & 0xFF
                b["bssid"] = ":".join("%02x" % o for o in octets)
            lines += ["%s=%s" % (k, v) for k, v in b.items()]
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return self.conf_path

    # -- life cycle
    def start(self, timeout: float = 20.0) -> "HostapdAP":
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("%s already running" % self.name)
        self.write_conf()
        for i in self.ifaces():
            try:
                os.unlink(os.path.join(self.ctrl_dir, i))
            except OSError:
                pass
        args = ["hostapd", "-t"] + (["-d"] if self.debug else []) + self.extra_args + [self.conf_path]
        logf = open(self.log_path, "a")
        logf.write("==== start %d: %s\n" % (self.starts, " ".join(args)))
        logf.flush()
        self.proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        logf.close()
        self.starts += 1
        self.wait_enabled(timeout)
        return self

    def _ctrl_path(self, iface: str = None) -> str:
        return os.path.join(self.ctrl_dir, iface or self.iface)

    def wait_enabled(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("hostapd exited with %s before AP-ENABLED; log:\n%s"
                                   % (self.proc.returncode, tail(self.log_path)))
            if os.path.exists(self._ctrl_path()):
                try:
                    if self.ctrl is None:
                        self.ctrl = WpaCtrl(self._ctrl_path(), connect_timeout=2)
                    if self.mon is None:
                        self.mon = WpaCtrl(self._ctrl_path(), connect_timeout=2)
                        self.mon.attach()
                    if self.status().get("state") == "ENABLED":
                        return
                except CtrlError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError("hostapd on %s not ENABLED within %.0f s; log:\n%s"
                                   % (self.iface, timeout, tail(self.log_path)))
            time.sleep(0.1)

    def _close_ctrl(self) -> None:
        for c in (self.ctrl, self.mon):
            if c is not None:
                c.close()
        self.ctrl = self.mon = None

    def stop(self, timeout: float = 10.0) -> None:
        """Clean stop: hostapd deauthenticates its stations and tears down."""
        self._close_ctrl()
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, timeout: float = 20.0) -> "HostapdAP":
        self.stop()
        return self.start(timeout)

    def vanish(self) -> None:
        """The AP disappears without a goodbye: SIGKILL (no deauth), radio down."""
        self._close_ctrl()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        for i in self.ifaces():
            subprocess.run(["ip", "link", "set", i, "down"], stderr=subprocess.DEVNULL)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- control interface
    def request(self, cmd: str, timeout: float = 10.0, iface: str = None) -> str:
        """A control request to the first BSS, or to BSS `iface`."""
        if self.ctrl is None:
            raise RuntimeError("%s is not running" % self.name)
        if iface is None or iface == self.iface:
            return self.ctrl.request(cmd, timeout)
        with WpaCtrl(self._ctrl_path(iface), connect_timeout=2) as c:
            return c.request(cmd, timeout)

    def status(self) -> dict:
        return parse_kv(self.request("STATUS"))

    @property
    def bssid(self) -> str:
        return _mac(self.iface)

    @property
    def freq(self) -> int:
        return freq_of(int(self.conf.get("channel", 1)), self.conf.get("hw_mode", "g"))

    def all_sta(self, iface: str = None) -> dict:
        """mac -> STA info dict (includes 'flags' like [AUTH][ASSOC][AUTHORIZED]),
        for the first BSS or BSS `iface`."""
        out = {}
        reply = self.request("STA-FIRST", iface=iface)
        while reply and not reply.startswith("FAIL"):
            lines = reply.splitlines()
            mac = lines[0].strip()
            if not mac:
                break
            out[mac] = parse_kv("\n".join(lines[1:]))
            reply = self.request("STA-NEXT " + mac, iface=iface)
        return out

    def wait_sta_authorized(self, mac: str, timeout: float = 10.0, iface: str = None) -> dict:
        """The station sets COMPLETED when it sends 4-way message 4; the AP
        authorizes it only once that arrives, so poll rather than expect."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.all_sta(iface).get(mac)
            if info is not None and "[AUTHORIZED]" in info.get("flags", ""):
                return info
            if time.monotonic() > deadline:
                raise AssertionError("AP %s: station %s not AUTHORIZED after %.0f s: %s"
                                     % (iface or self.iface, mac, timeout, info))
            time.sleep(0.1)

    def wait_event(self, prefixes, timeout: float = 15.0):
        if self.mon is None:
            raise RuntimeError("%s is not running" % self.name)
        return self.mon.wait_event(prefixes, timeout)

    def events(self, timeout: float = 0.0) -> list:
        return self.mon.pending_events(timeout) if self.mon else []

    def cli(self, *args, iface: str = None, check: bool = True, timeout: float = 15) -> str:
        """Run the real hostapd_cli against this AP."""
        r = subprocess.run(["hostapd_cli", "-p", self.ctrl_dir, "-i", iface or self.iface]
                           + [str(a) for a in args], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("hostapd_cli %s failed: %s" % (" ".join(map(str, args)), r.stdout))
        return r.stdout.strip()

    def log_tail(self, n: int = 60) -> str:
        return tail(self.log_path, n)


def _mac(iface: str) -> str:
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()
