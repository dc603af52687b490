"""wispd's entry point: wpa_supplicant's command line, then the eloop.

main() → parse the flags → build the Daemon → add each interface (config, driver,
control socket) → daemonize if asked → write the pidfile → run the eloop →
clean shutdown.  The flags and their meanings are wpa_supplicant 2.10's so that
an init script can swap one for the other.
"""

import gc
import logging
import os
import sys

from wispd import __version__
from wispd.platform import log as wlog

USAGE = """wispd v%s - a lean WiFi supplicant (wpa_supplicant compatible command line)
usage:
  wispd [-BddhKLqqstvW] [-P<pid file>] [-g<global ctrl>] [-G<group>] \\
        -i<ifname> -c<config file> [-C<ctrl>] [-D<driver>] [-p<driver_param>] \\
        [-b<br_ifname>] [-f<debug file>] [-N -i<ifname> -c<conf> [-C<ctrl>] ...]

drivers:
  nl80211 = Linux nl80211/cfg80211
  wext = Linux wireless extensions (generic)
options:
  -b = optional bridge interface name (accepted, not used)
  -B = run daemon in the background
  -c = Configuration file
  -C = ctrl_interface parameter (only used if -c is not)
  -d = increase debugging verbosity (-dd even more)
  -D = driver name (can be multiple drivers: nl80211,wext)
  -f = log output to debug file instead of stdout
  -g = global ctrl_interface
  -G = global ctrl_interface group
  -h = show this help text
  -i = interface name
  -K = include keys (passwords, etc.) in debug output
  -N = start describing new interface
  -p = driver parameters
  -P = PID file
  -q = decrease debugging verbosity (-qq even less)
  -s = log output to syslog instead of stdout
  -t = include timestamp in debug messages
  -v = show version
  --state-dir=DIR = where recent frequencies are remembered (fast reconnect;
                    default /var/lib/wispd, "" turns it off)
  --control=PATH = the compact (msgpack) control socket, for all interfaces
                   (default /run/wispd/control, "" turns it off)
  --hook=PATH = run PATH IFNAME CONNECTED|DISCONNECTED on link changes
                (wpa_cli -a convention; see wispd/hooks.py)
  --provision=PATH|auto = apply a provisioning file (wispd.toml/custom.toml)
                to the first -c config before starting; "auto" searches the
                boot partition (see docs/provisioning.md)
example:
  wispd -Dnl80211 -iwlan0 -c/etc/wpa_supplicant.conf
"""

DEFAULT_STATE_DIR = "/var/lib/wispd"
SHORT = "b:Bc:C:D:de:f:g:G:hi:I:KLo:O:p:P:qstuvWN"
LONG = ["state-dir=", "control=", "hook=", "provision=", "help", "version"]
DEFAULT_CONTROL = "/run/wispd/control"


class UsageError(Exception):
    pass


def getopt_gnu(argv, short, long):
    """getopt.gnu_getopt's behaviour, written out: `getopt` imports `gettext`
    (and with it `locale`), a tenth of wispd's import time under the testbed's
    TCG, for error messages nobody translates.  Short flags cluster (-dd,
    -iwlan0, -c file); a long option takes its value after "=" or as the next
    argument and may be abbreviated to a unique prefix; "--" ends the options;
    other arguments are returned in order.  Returns (opts, args) and raises
    UsageError with getopt's wording."""
    opts, args = [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            args += argv[i:]
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            exact = [o for o in long if o.rstrip("=") == name]
            matches = exact or [o for o in long if o.startswith(name)]
            if not matches:
                raise UsageError("option --%s not recognized" % name)
            if len(matches) > 1:
                raise UsageError("option --%s not a unique prefix" % name)
            full = matches[0]
            if full.endswith("="):
                if not eq:
                    if i >= len(argv):
                        raise UsageError("option --%s requires argument" % full[:-1])
                    value = argv[i]
                    i += 1
                opts.append(("--" + full[:-1], value))
            elif eq:
                raise UsageError("option --%s must not have an argument" % full)
            else:
                opts.append(("--" + full, ""))
            continue
        if not arg.startswith("-") or arg == "-":
            args.append(arg)
            continue
        pos = 1
        while pos < len(arg):
            flag = arg[pos]
            at = short.find(flag)
            if flag == ":" or at < 0:
                raise UsageError("option -%s not recognized" % flag)
            if short[at + 1:at + 2] == ":":
                value = arg[pos + 1:]
                if not value:
                    if i >= len(argv):
                        raise UsageError("option -%s requires argument" % flag)
                    value = argv[i]
                    i += 1
                opts.append(("-" + flag, value))
                break
            opts.append(("-" + flag, ""))
            pos += 1
    return opts, args


class Options:
    def __init__(self):
        self.daemonize = False
        self.pidfile = None
        self.global_ctrl = None
        self.global_group = None
        self.state_dir = DEFAULT_STATE_DIR
        self.control = None         # None: the default path, best effort; "": off
        self.hook = None
        self.provision = None
        self.override_driver = None
        self.override_ctrl = None
        self.interfaces = []
        self.show_help = False
        self.show_version = False


def parse_args(argv):
    from wispd.daemon import IfaceSpec
    opts, rest = getopt_gnu(argv, SHORT, LONG)
    if rest:
        raise UsageError("unexpected argument %r" % rest[0])
    o = Options()
    settings = wlog.settings
    current = IfaceSpec()
    for flag, value in opts:
        if flag == "-N":
            o.interfaces.append(current)
            current = IfaceSpec()
        elif flag == "-i":
            current.ifname = value
        elif flag == "-c":
            current.conf = os.path.abspath(value)
        elif flag == "-C":
            current.ctrl = value
        elif flag == "-D":
            current.drivers = value
        elif flag == "-p":
            current.driver_params = value
        elif flag == "-B":
            o.daemonize = True
        elif flag == "-P":
            o.pidfile = os.path.abspath(value)
        elif flag == "-d":
            settings.level = max(wlog.EXCESSIVE, settings.level - 1)
        elif flag == "-q":
            settings.level = min(wlog.ERROR, settings.level + 1)
        elif flag == "-t":
            settings.timestamps = True
        elif flag == "-f":
            settings.path = os.path.abspath(value)
        elif flag == "-s":
            settings.syslog = True
        elif flag == "-K":
            settings.show_keys = True
        elif flag == "-g":
            o.global_ctrl = value
        elif flag == "-G":
            o.global_group = value
        elif flag == "-o":
            o.override_driver = value
        elif flag == "-O":
            o.override_ctrl = value
        elif flag == "--state-dir":
            o.state_dir = value
        elif flag == "--control":
            o.control = value
        elif flag == "--hook":
            o.hook = value
        elif flag == "--provision":
            o.provision = value
        elif flag in ("-h", "--help"):
            o.show_help = True
        elif flag in ("-v", "--version"):
            o.show_version = True
        # -b, -e, -I, -L, -u, -W: accepted for compatibility, nothing to do.
    o.interfaces.append(current)
    o.interfaces = [spec for spec in o.interfaces if spec.ifname]
    for spec in o.interfaces:
        if o.override_driver:
            spec.drivers = o.override_driver
        if o.override_ctrl:
            spec.ctrl = o.override_ctrl
        if not spec.conf and not spec.ctrl:
            raise UsageError("interface %s needs a configuration file (-c) or a "
                             "ctrl_interface (-C)" % spec.ifname)
    if not o.interfaces and not o.global_ctrl and not (o.show_help or o.show_version):
        raise UsageError("no interface given (-i) and no global control interface (-g)")
    return o


def daemonize():
    """Fork into the background: setsid, stdio to /dev/null.  The parent exits
    only after the child's control sockets exist (they were bound before)."""
    pid = os.fork()
    if pid > 0:
        os._exit(0)
    os.setsid()
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)


def write_pidfile(path):
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(tmp, path)


def open_compact(daemon, o, log):
    """The compact control socket (msgpack is imported only here).  An explicit
    --control that cannot be opened is fatal (False); the default one is best
    effort, so a second daemon or a non-root test run still starts (None)."""
    path = DEFAULT_CONTROL if o.control is None else o.control
    if not path:
        return None
    group = o.global_group
    if group is None and daemon.interfaces:
        group = daemon.interfaces[0].config.ctrl_group
    try:
        from wispd.control.compact.server import CompactServer
        return CompactServer(daemon, path, group)
    except (OSError, ImportError) as e:
        if o.control is None:
            log.warning("compact control socket %s not opened: %s", path, e)
            return None
        sys.stderr.write("wispd: compact control socket %s: %s\n" % (path, e))
        return False


def main(argv=None):
    # No cyclic GC passes while start-up imports ~140 modules and builds the
    # daemon: they would only walk objects that live as long as the process
    # (~4% of the import CPU on the host).  _run() collects once, freezes that
    # heap and turns the GC back on before the eloop runs.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv):
    argv = sys.argv[1:] if argv is None else argv
    try:
        o = parse_args(argv)
    except UsageError as e:
        sys.stderr.write("wispd: %s\n\n%s" % (e, USAGE % __version__))
        return 1
    if o.show_help:
        sys.stdout.write(USAGE % __version__)
        return 0
    if o.show_version:
        sys.stdout.write("wispd v%s\n" % __version__)
        return 0
    wlog.settings.apply()
    log = logging.getLogger("wispd")

    # Claim the interfaces before anything else touches the config, the
    # sockets or the driver: a second daemon must leave the first untouched.
    from wispd.platform import ifacelock
    try:
        locks = ifacelock.claim([spec.ifname for spec in o.interfaces], log=log)
    except ifacelock.InUse as e:
        sys.stderr.write("wispd: %s\n" % e)
        log.error("%s", e)
        return 1

    try:
        return _run(o, log, locks)
    finally:
        for lock in locks:
            lock.release()


def _run(o, log, locks):
    from wispd.platform.eloop import Eloop
    from wispd.daemon import Daemon
    from wispd.drivers.ops import DriverError
    from wispd.config.values import ConfigError

    if o.provision and o.interfaces and o.interfaces[0].conf:
        # A bad file is reported and changes nothing: start on the old config.
        from wispd.config import provision
        provision.run(None if o.provision == "auto" else o.provision,
                      o.interfaces[0].conf, o.state_dir or provision.DEFAULT_STATE_DIR)

    eloop = Eloop()
    daemon = Daemon(eloop, o.global_ctrl, o.global_group, o.state_dir)
    if o.hook:
        from wispd import hooks
        hooks.install(daemon, o.hook)
    try:
        daemon.open_global_control()
        for spec in o.interfaces:
            daemon.add_interface(spec)
    except ConfigError as e:
        sys.stderr.write("wispd: %s\n" % e)
        daemon.shutdown()
        return 1
    except (OSError, DriverError) as e:
        sys.stderr.write("wispd: %s\n" % e)
        daemon.shutdown()
        return 1

    def on_hup():
        try:
            daemon.reconfigure()
        except Exception as e:
            log.error("SIGHUP: %s", e)
        wlog.settings.reopen()

    compact = open_compact(daemon, o, log)
    if compact is False:
        daemon.shutdown()
        return 1
    daemon.install_signals(on_hup)
    if o.daemonize:
        daemonize()
        for lock in locks:
            lock.write_pid()
    if o.pidfile:
        write_pidfile(o.pidfile)
    # Start-up made the objects that live as long as the daemon (modules,
    # config, sockets); its garbage goes now, and the rest is frozen out of the
    # cyclic GC, so that the collections that free decoded netlink messages
    # (wispd.netlink.release_messages) only look at what came since.
    gc.collect()
    gc.freeze()
    gc.enable()
    try:
        eloop.run()
    finally:
        daemon.shutdown()
        if compact is not None:
            compact.close()
        eloop.close()
        if o.pidfile:
            try:
                os.unlink(o.pidfile)
            except OSError:
                pass
    return daemon.exit_code


if __name__ == "__main__":
    sys.exit(main())
