"""The command table: every control operation, written once.

Each Command has a text name (what wpa_cli sends), an operation name (what the
compact protocol sends), typed arguments, a handler that returns a typed result,
and a formatter that renders that result the way wpa_supplicant 2.10 replies.
The text codec (control.text) and the compact codec both look commands up here,
so an operation can never behave differently depending on how it was asked for.

Handlers get a Context (the daemon and, for per-interface commands, the
Interface) and the parsed arguments.  They return None for plain success ("OK"),
or a value; they raise CommandError for a failure with a stable code.
"""

import logging

from wispd.platform import log as wlog
from wispd.core import notify
from wispd.control.wpactrl import reply
from wispd.control.compact import typed
from wispd.config.fields import ConfigError

log = logging.getLogger("wispd.control")


class CommandError(Exception):
    """code: stable machine name; text: the wpa_ctrl reply ("FAIL", "FAIL-BUSY")."""

    def __init__(self, code, message="", text="FAIL"):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.text = text


class Arg:
    """One argument.  conv turns the text token into a typed value (and checks
    a typed value from the compact protocol); rest=True takes the remainder of
    the line, spaces included (SET_NETWORK values)."""
    __slots__ = ("name", "conv", "optional", "rest")

    def __init__(self, name, conv=str, optional=False, rest=False):
        self.name = name
        self.conv = conv
        self.optional = optional
        self.rest = rest


class Command:
    """name: the text command (None: compact only); text: the wpa_ctrl
    formatter; compact: the typed converter (control.typed) of the same result."""
    __slots__ = ("name", "op", "args", "handler", "text", "scope", "compact")

    def __init__(self, name, op, handler, args=(), text=None, scope="iface", compact=None):
        self.name = name
        self.op = op
        self.handler = handler
        self.args = tuple(args)
        self.text = text or reply.ok
        self.scope = scope          # "iface", "global" or "any"
        self.compact = compact or (typed.ok if text is None else typed.plain)


class Context:
    __slots__ = ("daemon", "iface", "client")

    def __init__(self, daemon, iface=None, client=None):
        self.daemon = daemon
        self.iface = iface
        self.client = client        # the monitor key of the asker (ATTACH, LEVEL)


# --------------------------------------------------------------------- converters
def integer(value):
    """An int from a text token or a compact int.  Not int() itself: that takes
    2.5, True and b"3" as well, and raises OverflowError (which no codec
    expects) for a msgpack float inf: the request got no reply (a fuzz target caught it)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("expected an integer")
    return int(value)


def net_id(value):
    if isinstance(value, bool):
        raise ValueError("network id must be an integer")
    if isinstance(value, int):
        n = value
    else:
        if not value.isdecimal():
            raise ValueError("network id must be a non-negative integer")
        n = int(value)
    if n < 0 or n > 0x7FFFFFFF:
        raise ValueError("network id out of range")
    return n


def net_id_or_all(value):
    return "all" if value == "all" else net_id(value)


def text(value):
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def get_network_or_fail(ctx, nid):
    net = ctx.daemon.config_of(ctx.iface).get_network(nid)
    if net is None:
        raise CommandError("no_such_network", "network id %d not found" % nid)
    return net


def _networks(ctx, nid):
    if nid == "all":
        return list(ctx.daemon.config_of(ctx.iface).networks)
    return [get_network_or_fail(ctx, nid)]


# --------------------------------------------------------------------- handlers
def h_ping(ctx):
    return "PONG"


def h_attach(ctx):
    ctx.daemon.control_attach(ctx)


def h_detach(ctx):
    if not ctx.daemon.control_detach(ctx):
        raise CommandError("not_attached", "not attached")


def h_level(ctx, level):
    ctx.daemon.control_level(ctx, level)


def h_status(ctx):
    return ctx.daemon.status(ctx.iface)


def h_scan(ctx):
    if not ctx.iface.manual_scan():
        raise CommandError("busy", "a scan is already pending", "FAIL-BUSY")


def h_scan_results(ctx):
    return list(ctx.iface.bss)


def _bss_id(bss):
    return bss.id


def _bss_range(table, spec):
    """RANGE=ALL or RANGE=N-M (either end may be left out): the entries with
    N <= id <= M, in id order, as wpa_supplicant's BSS RANGE= lists them."""
    if spec.startswith("ALL"):
        low, high = 0, None
    else:
        first, sep, last = spec.partition("-")
        if not sep:
            return []       # wpa_supplicant: "Wrong BSS range format", an empty reply
        try:
            low = int(first) if first else 0
            high = int(last) if last[:1].isdecimal() else None
        except ValueError:
            raise CommandError("invalid_argument", "bad BSS range")
    return sorted((b for b in table.by_bssid.values()
                   if b.id >= low and (high is None or b.id <= high)), key=_bss_id)


def h_bss(ctx, which):
    table = ctx.iface.bss
    bss = None
    if which.startswith("RANGE="):
        return _bss_range(table, which[6:])
    if which.startswith("ID-"):
        which = which[3:]
    # Only the ordered selectors walk the table (a BSSID or id lookup must not
    # sort every entry: clients ask once per BSS, issue 9).
    if which == "FIRST":
        bss = min(table.by_bssid.values(), key=_bss_id, default=None)
    elif which == "LAST":
        bss = max(table.by_bssid.values(), key=_bss_id, default=None)
    elif which.startswith("NEXT-"):
        try:
            after = int(which[5:])
        except ValueError:
            raise CommandError("invalid_argument", "bad BSS id")
        bss = min((b for b in table.by_bssid.values() if b.id > after), key=_bss_id,
                  default=None)
    elif ":" in which:
        try:
            bssid = bytes.fromhex(which.replace(":", ""))
        except ValueError:
            raise CommandError("invalid_argument", "bad BSSID")
        bss = table.get(bssid)
    elif which.isdecimal():
        # isdecimal, not isdigit, here and wherever a check guards int(): "²" is
        # a digit int() cannot read (`BSS ²` crashed the handler; found by fuzzing).
        bss = table.get_id(int(which))
    else:
        raise CommandError("invalid_argument", "bad BSS selector")
    return bss


def h_list_networks(ctx):
    return ctx.daemon.list_networks(ctx.iface)


def h_add_network(ctx):
    net = ctx.daemon.config_of(ctx.iface).add_network()
    # wpa_supplicant adds new networks disabled so a half-configured one is never used.
    net.set("disabled", "1")
    if ctx.iface is not None:
        ctx.iface.notify(notify.NetworkAdded(net.id))     # as wpa_supplicant 2.10
    return net.id


def h_set_network(ctx, nid, field, value):
    net = get_network_or_fail(ctx, nid)
    try:
        net.set(field, value)
    except ConfigError as e:
        raise CommandError("invalid_value", str(e))
    ctx.daemon.network_changed(ctx.iface, net)


def h_get_network(ctx, nid, field):
    net = get_network_or_fail(ctx, nid)
    try:
        value = net.get_public(field)
    except ConfigError as e:
        raise CommandError("invalid_argument", str(e))
    if value is None:
        raise CommandError("not_set", "%s is not set" % field)
    return value


def h_remove_network(ctx, nid):
    for net in _networks(ctx, nid):
        ctx.daemon.remove_network(ctx.iface, net)


def h_enable_network(ctx, nid):
    for net in _networks(ctx, nid):
        ctx.daemon.enable_network(ctx.iface, net, True)


def h_disable_network(ctx, nid):
    for net in _networks(ctx, nid):
        ctx.daemon.enable_network(ctx.iface, net, False)


def h_select_network(ctx, nid):
    net = None if nid == "all" else get_network_or_fail(ctx, nid)
    ctx.iface.select_network(net)


def h_save_config(ctx):
    ctx.daemon.save_config(ctx.iface)


def h_reconfigure(ctx):
    ctx.daemon.reconfigure(ctx.iface)


def h_disconnect(ctx):
    ctx.iface.disconnect()


def h_reconnect(ctx):
    if not ctx.iface.reconnect():
        raise CommandError("interface_disabled", "the interface is disabled")


def h_reassociate(ctx):
    if not ctx.iface.reconnect(force=True):
        raise CommandError("interface_disabled", "the interface is disabled")


def h_signal_poll(ctx):
    info = ctx.iface.signal_poll()
    if not info:
        raise CommandError("not_connected", "not associated")
    return info


def h_interfaces(ctx):
    return [iface.ifname for iface in ctx.daemon.interfaces]


def h_log_level(ctx, level=None, timestamp=None):
    settings = wlog.settings
    if level is None:
        return {"level": wlog.NAMES[settings.level], "timestamp": int(settings.timestamps)}
    try:
        settings.set_level(wlog.level_from_name(level))
    except ValueError as e:
        raise CommandError("invalid_argument", str(e))
    if timestamp is not None:
        settings.timestamps = timestamp not in ("0", 0, False)
        settings.apply()


def h_get(ctx, key):
    try:
        value = ctx.daemon.config_of(ctx.iface).get_global(key)
    except ConfigError as e:
        raise CommandError("invalid_argument", str(e))
    if value is None:
        raise CommandError("not_set", "%s is not set" % key)
    return value


def h_set(ctx, key, value):
    ctx.daemon.set_global(ctx.iface, key, value)


def h_terminate(ctx):
    ctx.daemon.terminate()


def h_bss_flush(ctx, age="0"):
    try:
        max_age = int(age)
    except ValueError:
        raise CommandError("invalid_argument", "age must be an integer")
    iface = ctx.iface
    iface.bss.flush(max_age, iface.eloop.now(), keep=iface.current_bssid())


# ------------------------------------------------------------ compact-only handlers
def h_hello(ctx):
    server, conn = ctx.client
    return server.hello_message()


def provisioning_result(daemon):
    """The last boot-time provisioning outcome (wispd.config.provision), or None."""
    state_dir = getattr(daemon, "state_dir", None)
    if not state_dir:
        return None
    from wispd.config import provision
    result = provision.last_result(state_dir)
    if result is None:
        return None
    return {k: int(v) if v.isdecimal() and k in ("time", "networks") else v
            for k, v in result.items()}


def h_status_full(ctx):
    """The fleet's status: state, the current link, counters, provisioning."""
    iface = ctx.iface
    now = iface.eloop.now()
    c = iface.counters
    since = c["connected_since"]
    out = {
        "iface": iface.ifname,
        "state": iface.wpa_state,
        "address": iface.addr,
        "link": None,
        "counters": {
            "connects": c["connects"],
            "disconnects": c["disconnects"],
            "failures": dict(c["failures"]),
            "connected_time": c["connected_total"] + (now - since if since is not None else 0.0),
        },
        "provisioning": provisioning_result(ctx.daemon),
    }
    if iface.wpa_state in ("ASSOCIATED", "4WAY_HANDSHAKE", "GROUP_HANDSHAKE", "COMPLETED"):
        net, bss, plan = iface.current_network, iface.current_bss, iface.plan
        link = {"bssid": iface.current_bssid() or b"", "ssid": b"", "freq": 0, "signal": 0,
                "network_id": -1, "id_str": None, "connected_for": now - since if since else 0.0}
        if net is not None:
            link["ssid"] = net.ssid_bytes or b""
            link["network_id"] = net.id
            link["id_str"] = net.id_str
        if bss is not None:
            link["ssid"] = bss.ssid or link["ssid"]
            link["freq"] = bss.freq
            link["signal"] = bss.signal
        fields = dict(plan.status_fields()) if plan is not None else {}
        link["pairwise_cipher"] = fields.get("pairwise_cipher", "NONE")
        link["group_cipher"] = fields.get("group_cipher", "NONE")
        link["akm"] = fields.get("key_mgmt", "NONE")
        link["pmf"] = int(fields.get("pmf", 0))
        out["link"] = link
    return out


def network_list(value):
    """networks.apply's argument: a list of maps of field → value."""
    if not isinstance(value, list):
        raise ValueError("expected a list of network maps")
    for item in value:
        if not isinstance(item, dict) or not all(isinstance(k, str) for k in item):
            raise ValueError("each network must be a map with string keys")
    return value


def flag(value):
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def field_text(field, value):
    """A compact network value → the wpa_supplicant.conf text config.Network.set
    validates: str as written, int, bool, bytes as hex, lists space-joined."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                       for v in value):
        return " ".join(str(v) for v in value)
    raise ValueError("%s: unsupported value type %s" % (field, type(value).__name__))


def h_networks_apply(ctx, networks, save=True):
    """Replace the whole network list: validate every entry first (through
    config.Network.set, the one validator), save, then swap it in; any bad entry
    or a failed save leaves everything as it was."""
    from wispd.config import model as wconfig
    from wispd.config import wpaconf
    iface = ctx.iface
    old = iface.config
    built = []
    for index, item in enumerate(networks):
        net = wconfig.Network(index)
        for field, value in item.items():
            try:
                net.set(field, field_text(field, value))
            except (ConfigError, ValueError) as e:
                raise CommandError("invalid_value", "network %d: %s" % (index, e))
        if "ssid" not in net:
            raise CommandError("invalid_value", "network %d: ssid is missing" % index)
        built.append(net)
    cfg = wconfig.Config(old.path)
    cfg.globals = dict(old.globals)
    cfg.blocks = list(old.blocks)
    cfg.networks = built
    if save:
        if not old.update_config:
            raise CommandError("update_config_disabled", "saving needs update_config=1")
        if not old.path:
            raise CommandError("no_config_file", "no configuration file")
        try:
            wpaconf.save(cfg)
        except (OSError, ConfigError) as e:
            raise CommandError("save_failed", str(e))
    iface.replace_config(cfg)
    iface.notify(notify.NetworksApplied(len(built), bool(save)))
    return {"ids": [n.id for n in built], "saved": bool(save)}


def h_subscribe(ctx, events=None, level=None, interfaces=None):
    server, conn = ctx.client
    for name, value in (("events", events), ("interfaces", interfaces)):
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise CommandError("invalid_argument", "%s: expected a list of strings" % name)
    return server.subscribe(conn, events, level, interfaces)


def h_unsubscribe(ctx):
    server, conn = ctx.client
    server.unsubscribe(conn)


def level_arg(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise ValueError("expected a level 0..5")
    return value


TABLE = [
    Command("PING", "ping", h_ping, text=reply.plain, scope="any"),
    Command("ATTACH", "attach", h_attach, scope="any"),
    Command("DETACH", "detach", h_detach, scope="any"),
    Command("LEVEL", "level", h_level, (Arg("level", integer),), scope="any"),
    Command("STATUS", "status.text", h_status, text=reply.key_values, compact=typed.pairs),
    Command("SCAN", "scan", h_scan),
    Command("SCAN_RESULTS", "scan_results", h_scan_results, text=reply.scan_results,
            compact=typed.scan_results),
    Command("BSS", "bss", h_bss, (Arg("which", text),), text=reply.bss,
            compact=typed.bss),
    Command("BSS_FLUSH", "bss_flush", h_bss_flush, (Arg("age", text, optional=True),)),
    Command("LIST_NETWORKS", "networks", h_list_networks, text=reply.list_networks,
            compact=typed.networks),
    Command("ADD_NETWORK", "network.add", h_add_network, text=reply.plain),
    Command("SET_NETWORK", "network.set", h_set_network,
            (Arg("id", net_id), Arg("field", text), Arg("value", text, rest=True))),
    Command("GET_NETWORK", "network.get", h_get_network,
            (Arg("id", net_id), Arg("field", text)), text=reply.bare),
    Command("REMOVE_NETWORK", "network.remove", h_remove_network, (Arg("id", net_id_or_all),)),
    Command("ENABLE_NETWORK", "network.enable", h_enable_network, (Arg("id", net_id_or_all),)),
    Command("DISABLE_NETWORK", "network.disable", h_disable_network,
            (Arg("id", net_id_or_all),)),
    Command("SELECT_NETWORK", "network.select", h_select_network, (Arg("id", net_id_or_all),)),
    Command("SAVE_CONFIG", "save", h_save_config, scope="any"),
    Command("RECONFIGURE", "reconfigure", h_reconfigure, scope="any"),
    Command("DISCONNECT", "disconnect", h_disconnect),
    Command("RECONNECT", "reconnect", h_reconnect),
    Command("REASSOCIATE", "reassociate", h_reassociate),
    Command("SIGNAL_POLL", "signal_poll", h_signal_poll, text=reply.signal_poll),
    Command("INTERFACES", "interfaces", h_interfaces, text=reply.lines, scope="any"),
    Command("LOG_LEVEL", "log_level", h_log_level,
            (Arg("level", text, optional=True), Arg("timestamp", text, optional=True)),
            text=reply.log_level, scope="any"),
    Command("GET", "config.get", h_get, (Arg("key", text),), text=reply.bare, scope="any"),
    Command("SET", "config.set", h_set, (Arg("key", text), Arg("value", text, rest=True)),
            scope="any"),
    Command("TERMINATE", "terminate", h_terminate, scope="any"),
    # Compact protocol only (no text name): see docs/control-protocol.md.
    Command(None, "hello", h_hello, scope="any", compact=typed.plain),
    Command(None, "status", h_status_full, compact=typed.plain),
    Command(None, "networks.apply", h_networks_apply,
            (Arg("networks", network_list), Arg("save", flag, optional=True)),
            compact=typed.plain),
    Command(None, "subscribe", h_subscribe,
            (Arg("events", optional=True, conv=lambda v: v),
             Arg("level", level_arg, optional=True),
             Arg("interfaces", optional=True, conv=lambda v: v)),
            scope="any", compact=typed.plain),
    Command(None, "unsubscribe", h_unsubscribe, scope="any"),
]

BY_NAME = {c.name: c for c in TABLE if c.name}
BY_OP = {c.op: c for c in TABLE}


def run(command, ctx, args):
    """Call a command with already-converted args; the one place both codecs
    enter, so that failures are logged the same way."""
    if command.scope == "iface" and ctx.iface is None:
        raise CommandError("no_interface", "command needs an interface")
    return command.handler(ctx, *args)
