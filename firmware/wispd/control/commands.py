"""The command table: every control operation, written once.

Each Command has a text name (what wpa_cli sends), an operation name (what the
compact protocol sends), typed arguments, a handler that returns a typed result,
and a formatter that renders that result the way wpa_supplicant 2.10 replies.
The wpa_ctrl codec (control.wpactrl) and the compact codec (control.compact)
both look commands up here, so an operation can never behave differently
depending on how it was asked for.

Handlers get a Context (the daemon and, for per-interface commands, the
Interface) and the parsed arguments.  They return None for plain success ("OK"),
or a value; they raise CommandError for a failure with a stable code.  They
live in the ops_* modules, one a concern: the daemon and the asker's
connection, the link, scanning, the network list, the configuration.
"""

from wispd.control.args import (Arg, as_given, flag, integer, level_arg, net_id,
                                net_id_all_or_any, net_id_or_all, network_list, text)
from wispd.control.compact import typed
from wispd.control.errors import CommandError
from wispd.control.ops_config import h_get, h_reconfigure, h_save_config, h_set
from wispd.control.ops_daemon import (h_attach, h_detach, h_hello, h_interfaces, h_level,
                                      h_log_level, h_note, h_ping, h_relog, h_subscribe,
                                      h_terminate, h_unsubscribe)
from wispd.control.ops_iface import h_flush, h_get_capability, h_status_driver
from wispd.control.ops_link import (h_disconnect, h_neighbor_rep_request, h_reassociate,
                                    h_reconnect, h_roam, h_pktcnt_poll, h_signal_poll, h_status,
                                    h_status_full)
from wispd.control.ops_eap import h_ctrl_rsp
from wispd.control.ops_network import (h_add_network, h_disable_network, h_enable_network,
                                       h_get_network, h_list_networks, h_networks_apply,
                                       h_remove_network, h_select_network, h_set_network)
from wispd.control.ops_scan import (h_abort_scan, h_bss, h_bss_expire_age, h_bss_expire_count,
                                    h_bss_flush, h_scan, h_scan_interval, h_scan_results)
from wispd.control.wpactrl import reply


class Command:
    """name: the text command (None: compact only); text: the wpa_ctrl
    formatter; compact: the typed converter (control.compact.typed) of the same result."""
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


TABLE = [
    Command("PING", "ping", h_ping, text=reply.plain, scope="any"),
    Command("ATTACH", "attach", h_attach, scope="any"),
    Command("DETACH", "detach", h_detach, scope="any"),
    Command("LEVEL", "level", h_level, (Arg("level", integer),), scope="any"),
    Command("STATUS", "status.text", h_status, text=reply.key_values, compact=typed.pairs),
    Command("SCAN", "scan", h_scan, (Arg("params", text, optional=True, rest=True),),
            text=reply.ok_or_plain, compact=typed.ok),
    Command("ABORT_SCAN", "abort_scan", h_abort_scan),
    Command("SCAN_INTERVAL", "scan_interval", h_scan_interval, (Arg("seconds", integer),)),
    Command("SCAN_RESULTS", "scan_results", h_scan_results, text=reply.scan_results,
            compact=typed.scan_results),
    Command("BSS", "bss", h_bss, (Arg("which", text),), text=reply.bss,
            compact=typed.bss),
    Command("BSS_FLUSH", "bss_flush", h_bss_flush, (Arg("age", text, optional=True),)),
    Command("BSS_EXPIRE_AGE", "bss_expire_age", h_bss_expire_age, (Arg("seconds", integer),)),
    Command("BSS_EXPIRE_COUNT", "bss_expire_count", h_bss_expire_count,
            (Arg("count", integer),)),
    Command("LIST_NETWORKS", "networks", h_list_networks, text=reply.list_networks,
            compact=typed.networks),
    Command("ADD_NETWORK", "network.add", h_add_network, text=reply.plain),
    Command("SET_NETWORK", "network.set", h_set_network,
            (Arg("id", net_id), Arg("field", text), Arg("value", text, rest=True))),
    # CTRL-RSP-PASSWORD-<id>:<password> (the codec splits the name off; 802.1X)
    Command("CTRL-RSP", "eap.response", h_ctrl_rsp, (Arg("response", text, rest=True),)),
    Command("GET_NETWORK", "network.get", h_get_network,
            (Arg("id", net_id), Arg("field", text)), text=reply.bare),
    Command("REMOVE_NETWORK", "network.remove", h_remove_network, (Arg("id", net_id_or_all),)),
    Command("ENABLE_NETWORK", "network.enable", h_enable_network, (Arg("id", net_id_or_all),)),
    Command("DISABLE_NETWORK", "network.disable", h_disable_network,
            (Arg("id", net_id_or_all),)),
    Command("SELECT_NETWORK", "network.select", h_select_network,
            (Arg("id", net_id_all_or_any), Arg("params", text, optional=True, rest=True))),
    Command("SAVE_CONFIG", "save", h_save_config, scope="any"),
    Command("RECONFIGURE", "reconfigure", h_reconfigure, scope="any"),
    Command("DISCONNECT", "disconnect", h_disconnect),
    Command("RECONNECT", "reconnect", h_reconnect),
    Command("REASSOCIATE", "reassociate", h_reassociate),
    Command("ROAM", "roam", h_roam, (Arg("bssid", text),)),
    Command("NEIGHBOR_REP_REQUEST", "neighbor_report", h_neighbor_rep_request,
            (Arg("params", text, optional=True, rest=True),)),
    Command("SIGNAL_POLL", "signal_poll", h_signal_poll, text=reply.signal_poll),
    Command("PKTCNT_POLL", "pktcnt_poll", h_pktcnt_poll, text=reply.pktcnt_poll),
    Command("INTERFACES", "interfaces", h_interfaces, text=reply.lines, scope="any"),
    Command("LOG_LEVEL", "log_level", h_log_level,
            (Arg("level", text, optional=True), Arg("timestamp", text, optional=True)),
            text=reply.log_level, scope="any"),
    Command("GET", "config.get", h_get, (Arg("key", text),), text=reply.bare, scope="any"),
    Command("SET", "config.set", h_set,
            (Arg("key", text), Arg("value", text, optional=True, rest=True)), scope="any"),
    Command("TERMINATE", "terminate", h_terminate, scope="any"),
    Command("NOTE", "note", h_note, (Arg("text", text, optional=True, rest=True),), scope="any"),
    Command("RELOG", "relog", h_relog, scope="any"),
    Command("FLUSH", "flush", h_flush),
    Command("STATUS-DRIVER", "status.driver", h_status_driver, text=reply.key_values,
            compact=typed.pairs),
    Command("GET_CAPABILITY", "capability", h_get_capability, (Arg("field", text, rest=True),),
            text=reply.bare),
    # Compact protocol only (no text name): see docs/control-protocol.md.
    Command(None, "hello", h_hello, scope="any", compact=typed.plain),
    Command(None, "status", h_status_full, compact=typed.plain),
    Command(None, "networks.apply", h_networks_apply,
            (Arg("networks", network_list), Arg("save", flag, optional=True)),
            compact=typed.plain),
    Command(None, "subscribe", h_subscribe,
            (Arg("events", optional=True, conv=as_given),
             Arg("level", level_arg, optional=True),
             Arg("interfaces", optional=True, conv=as_given)),
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
