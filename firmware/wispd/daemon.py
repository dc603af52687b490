"""The daemon: interfaces, their configuration files and control sockets.

This is wpa_supplicant's struct wpa_global: it owns the eloop, one Interface
per `-i` (each with its own config file and control socket), the optional global
control socket, and the operations that touch configuration and therefore need
care: RECONFIGURE, SAVE_CONFIG and network edits.
"""

import logging
import os
import signal

from wispd.config import model as wconfig
from wispd.config import wpaconf
from wispd.config.fields import parse_ctrl_interface
from wispd.platform import durable
from wispd.platform import log as wlog
from wispd.control import commands
from wispd.control.wpactrl import events as wpactrl_events
from wispd.core import notify as nt
from wispd.control.wpactrl.server import TextControl, make_ctrl_dir
from wispd.drivers.ops import DriverInitError, driver_class
from wispd.config.values import ConfigError
from wispd.core.station import Interface

log = logging.getLogger("wispd")

DEFAULT_CTRL_DIR = "/var/run/wpa_supplicant"


class IfaceSpec:
    """What the command line said about one interface (-i/-c/-D/-C/-p)."""
    __slots__ = ("ifname", "conf", "drivers", "ctrl", "driver_params")

    def __init__(self, ifname=None, conf=None, drivers="nl80211", ctrl=None, driver_params=""):
        self.ifname = ifname
        self.conf = conf
        self.drivers = drivers
        self.ctrl = ctrl
        self.driver_params = driver_params


def parse_driver_params(text):
    out = {}
    for item in (text or "").split():
        key, _, value = item.partition("=")
        out[key] = value
    return out


class Daemon:
    def __init__(self, eloop, global_ctrl=None, global_group=None, state_dir=None):
        self.eloop = eloop
        self.interfaces = []
        self.specs = {}
        self.controls = {}
        self.global_ctrl_path = global_ctrl
        self.global_group = global_group
        self.global_control = None
        self.state_dir = state_dir
        self.exit_code = 0
        self.subscribers = []

    # ------------------------------------------------------------------ set-up
    def load_config(self, spec):
        if spec.conf is None:
            cfg = wconfig.Config()
        else:
            cfg = wpaconf.load(spec.conf)
        if spec.ctrl:
            cfg_ctrl = spec.ctrl
        else:
            cfg_ctrl = None
        return cfg, cfg_ctrl

    def open_driver(self, spec, iface):
        """-D a,b: the first driver that initializes wins; say why others lost."""
        params = parse_driver_params(spec.driver_params)
        reasons = []
        for name in spec.drivers.split(","):
            name = name.strip()
            try:
                cls = driver_class(name)
                driver = cls(self.eloop, spec.ifname, iface.on_driver_event, params)
                iface.driver = driver
                iface.start()
                if reasons:
                    log.info("%s: using driver %s (%s)", spec.ifname, name, "; ".join(reasons))
                return driver
            except DriverInitError as e:
                log.info("%s: driver %s skipped: %s", spec.ifname, name, e)
                reasons.append("%s skipped: %s" % (name, e))
                try:
                    iface.driver.deinit()
                except Exception:
                    pass
        raise DriverInitError("%s: no usable driver (%s)" % (spec.ifname, "; ".join(reasons)))

    def add_interface(self, spec):
        if spec.conf is not None:
            # Before anything of ours can write it: a save cut short by a power
            # loss leaves its temp file (with the secrets) beside the config.
            durable.remove_stale_temps(spec.conf)
        cfg, ctrl_override = self.load_config(spec)
        store = None
        if self.state_dir:
            from wispd.config.recent import RecentFrequencies
            store = RecentFrequencies(os.path.join(self.state_dir, "recent-%s" % spec.ifname))
        iface = Interface(self.eloop, spec.ifname, None, cfg, None, state_store=store)
        iface.notify = lambda notification, iface=iface: self.publish(iface, notification)
        ctrl_dir = ctrl_override or cfg.ctrl_dir
        group = cfg.ctrl_group
        if ctrl_override and ctrl_override.startswith("DIR="):
            ctrl_dir, group = parse_ctrl_interface(ctrl_override)
        control = None
        if ctrl_dir:
            make_ctrl_dir(ctrl_dir, group)
            control = TextControl(self, os.path.join(ctrl_dir, spec.ifname), group, iface)
        try:
            self.open_driver(spec, iface)
        except Exception:
            if control is not None:
                control.close()
            raise
        self.interfaces.append(iface)
        self.specs[iface] = spec
        self.controls[iface] = control
        return iface

    def open_global_control(self):
        if self.global_ctrl_path:
            path = self.global_ctrl_path
            if path.startswith("DIR="):
                ctrl_dir, group = parse_ctrl_interface(path)
                make_ctrl_dir(ctrl_dir, group or self.global_group)
                path = os.path.join(ctrl_dir, "global")
            self.global_control = TextControl(self, path, self.global_group, None)

    def get_interface(self, name):
        for iface in self.interfaces:
            if iface.ifname == name:
                return iface
        return None

    # ------------------------------------------------------------------ events
    def subscribe(self, callback):
        """callback(iface, notification) for every core.notify object, after the
        log and the wpa_ctrl monitors have had it (the hook, the compact socket)."""
        self.subscribers.append(callback)

    def unsubscribe(self, callback):
        if callback in self.subscribers:
            self.subscribers.remove(callback)

    def publish(self, iface, notification):
        text = wpactrl_events.render(notification)
        if text is not None:
            level = notification.level
            log.log(wlog.py_level(level), "%s: %s", iface.ifname, text)
            for control in (self.controls.get(iface), self.global_control):
                if control is not None:
                    control.event(iface.ifname, level, text)
        for callback in list(self.subscribers):
            callback(iface, notification)

    def _control_of(self, ctx):
        control, addr = ctx.client
        return control, addr

    def control_attach(self, ctx):
        control, addr = self._control_of(ctx)
        control.attach(addr)

    def control_detach(self, ctx):
        control, addr = self._control_of(ctx)
        return control.detach(addr)

    def control_level(self, ctx, level):
        control, addr = self._control_of(ctx)
        control.set_level(addr, level)

    # ------------------------------------------------------------------ commands
    def config_of(self, iface):
        if iface is not None:
            return iface.config
        if self.interfaces:
            return self.interfaces[0].config
        raise commands.CommandError("no_interface", "no interface")

    def status(self, iface):
        return iface.status()

    def list_networks(self, iface):
        out = []
        for net in iface.config.networks:
            flags = []
            if iface.current_network is net and iface.wpa_state not in ("DISCONNECTED", "SCANNING",
                                                                       "INACTIVE"):
                flags.append("CURRENT")
            if net.disabled:
                flags.append("DISABLED")
            if iface.nstate(net).disabled_until > self.eloop.now():
                flags.append("TEMP-DISABLED")
            out.append({"id": net.id, "ssid": net.ssid_bytes, "bssid": net.bssid, "flags": flags})
        return out

    def network_changed(self, iface, net):
        # A disabled network (as ADD_NETWORK makes it) cannot be selected: no
        # scan for its SET_NETWORKs, or one full-band scan started by the first
        # of them would hold up the short scan of the SELECT_NETWORK that follows
        # (wpa_supplicant does not scan for SET_NETWORK; hostap
        # test_ap_pmf_required_sta_no_pmf waits 2 s for the result).
        if not net.disabled:
            iface.networks_changed()

    def remove_network(self, iface, net):
        iface.config.remove_network(net.id)
        iface.network_removed(net)
        iface.notify(nt.NetworkRemoved(net.id))      # as wpa_supplicant 2.10

    def enable_network(self, iface, net, enable):
        net.set("disabled", "0" if enable else "1")
        if enable:
            iface.clear_temp_disabled(net)
            iface.networks_changed()
        else:
            iface.network_disabled(net)

    def save_config(self, iface):
        cfg = self.config_of(iface)
        if not cfg.update_config:
            raise commands.CommandError("update_config_disabled",
                                        "SAVE_CONFIG needs update_config=1")
        if not cfg.path:
            raise commands.CommandError("no_config_file", "no configuration file")
        try:
            wpaconf.save(cfg)
        except (OSError, ConfigError) as e:
            log.error("SAVE_CONFIG: %s", e)
            raise commands.CommandError("save_failed", str(e))

    def set_global(self, iface, key, value):
        cfg = self.config_of(iface)
        try:
            cfg.set_global(key, value)
        except ConfigError as e:
            raise commands.CommandError("invalid_value", str(e))
        if key == "country" and iface is not None:
            try:
                iface.driver.set_country(cfg.country)
            except Exception as e:
                log.warning("country %s: %s", value, e)

    def reconfigure(self, iface=None):
        """RECONFIGURE / SIGHUP: read the files again.  A broken file is refused
        and the running configuration stays as it was."""
        targets = [iface] if iface is not None else list(self.interfaces)
        for it in targets:
            spec = self.specs[it]
            if not spec.conf:
                continue
            try:
                cfg = wpaconf.load(spec.conf)
            except (OSError, ConfigError) as e:
                log.error("%s: reconfigure failed, keeping the running config: %s", it.ifname, e)
                raise commands.CommandError("config_error", str(e))
            it.replace_config(cfg)

    def terminate(self):
        self.eloop.terminate()

    # ------------------------------------------------------------------ shutdown
    def shutdown(self):
        for iface in list(self.interfaces):
            iface.notify(nt.Terminating())
            try:
                iface.stop()
            except Exception:
                log.exception("%s: error while stopping", iface.ifname)
        for control in self.controls.values():
            if control is not None:
                control.close()
        if self.global_control is not None:
            self.global_control.close()
        self.controls.clear()

    def install_signals(self, on_hup):
        self.eloop.register_signal(signal.SIGTERM, lambda s: self.terminate())
        self.eloop.register_signal(signal.SIGINT, lambda s: self.terminate())
        self.eloop.register_signal(signal.SIGHUP, lambda s: on_hup())
