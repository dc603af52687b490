"""Event hook: run a script when an interface connects or disconnects.

The calling convention is `wpa_cli -a`'s, so an existing action script works
unchanged: `HOOK IFNAME CONNECTED|DISCONNECTED` with WPA_ID, WPA_ID_STR and
WPA_CTRL_DIR in the environment, plus WISPD_SSID and WISPD_BSSID. Like wpa_cli,
CONNECTED runs when the link comes up or moves to another network, and
DISCONNECTED only after a CONNECTED (a failed attempt is no disconnect).

It lives inside the daemon (a Daemon subscriber, to typed notifications) rather than in a second
process watching the control socket: that would be another interpreter's
worth of RAM for two events. The script is started with posix_spawn (no
subprocess/threading imports), never waited for in line; finished children
are reaped from an eloop timeout.
"""

import logging
import os

from wispd.core import notify as nt
from wispd.core.bss import mac_txt

log = logging.getLogger("wispd")

REAP_INTERVAL = 0.5


class HookRunner:
    def __init__(self, eloop, path, ctrl_dir_of=None):
        self.eloop = eloop
        self.path = path
        self.ctrl_dir_of = ctrl_dir_of or (lambda iface: "")
        self.connected = {}         # ifname -> network id of the last CONNECTED
        self.children = {}          # pid -> description

    def __call__(self, iface, notification):
        kind = type(notification)
        if kind is nt.Connected:
            net = iface.current_network
            net_id = net.id if net is not None else -1
            if self.connected.get(iface.ifname) != net_id:
                self.connected[iface.ifname] = net_id
                self.run(iface, "CONNECTED", net, notification.bssid)
        elif kind is nt.Disconnected:
            if self.connected.pop(iface.ifname, None) is not None:
                self.run(iface, "DISCONNECTED", iface.current_network, notification.bssid)

    def environment(self, iface, net, bssid):
        env = dict(os.environ)
        env["WPA_ID"] = str(net.id) if net is not None else ""
        env["WPA_ID_STR"] = (net.id_str or "") if net is not None else ""
        env["WPA_CTRL_DIR"] = self.ctrl_dir_of(iface) or ""
        ssid = net.ssid_bytes if net is not None else None
        env["WISPD_SSID"] = ssid.decode("utf-8", "replace") if ssid else ""
        env["WISPD_BSSID"] = mac_txt(bssid) if bssid else ""
        return env

    def run(self, iface, event, net, bssid):
        argv = [self.path, iface.ifname, event]
        try:
            pid = os.posix_spawn(self.path, argv, self.environment(iface, net, bssid))
        except OSError as e:
            log.error("%s: hook %s %s: cannot run: %s", iface.ifname, self.path, event,
                      e.strerror or e)
            return
        log.debug("%s: hook %s %s started (pid %d)", iface.ifname, self.path, event, pid)
        self.children[pid] = "%s %s %s" % (self.path, iface.ifname, event)
        if not self.eloop.is_timeout_registered(self.reap):
            self.eloop.register_timeout(REAP_INTERVAL, self.reap)

    def reap(self):
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                what = self.children.pop(pid)
                code = os.waitstatus_to_exitcode(status) if hasattr(
                    os, "waitstatus_to_exitcode") else status >> 8
                if code:
                    log.warning("hook %s exited with %d", what, code)
        if self.children:
            self.eloop.register_timeout(REAP_INTERVAL, self.reap)


def install(daemon, path):
    """Attach a hook script to a Daemon's notifications."""
    from wispd.config.fields import parse_ctrl_interface

    def ctrl_dir_of(iface):
        spec = daemon.specs.get(iface)
        if spec is not None and spec.ctrl:
            if spec.ctrl.startswith("DIR="):
                return parse_ctrl_interface(spec.ctrl)[0]
            return spec.ctrl
        return iface.config.ctrl_dir

    runner = HookRunner(daemon.eloop, path, ctrl_dir_of)
    daemon.subscribe(runner)
    return runner
