"""Command handlers for the daemon itself and the asker's own connection: PING,
INTERFACES, LOG_LEVEL, TERMINATE, NOTE, RELOG; ATTACH, DETACH, LEVEL; and the compact
protocol's hello, subscribe and unsubscribe.

ctx.client is the asker as its codec's server knows it: (server, key).  The
wpa_ctrl monitors are the daemon's to route (Daemon.control_*); the compact
subscriptions belong to the compact server."""

import logging

from wispd.control.errors import CommandError
from wispd.platform import log as wlog


def h_ping(ctx):
    return "PONG"


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


def h_terminate(ctx):
    ctx.daemon.terminate()


def h_attach(ctx):
    ctx.daemon.control_attach(ctx)


def h_detach(ctx):
    if not ctx.daemon.control_detach(ctx):
        raise CommandError("not_attached", "not attached")


def h_level(ctx, level):
    ctx.daemon.control_level(ctx, level)


def h_hello(ctx):
    server, conn = ctx.client
    return server.hello_message()


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


def h_note(ctx, text=""):
    """NOTE <text>: a line in the log (test runners mark where a test starts)."""
    logging.getLogger("wispd").info("NOTE: %s", text)


def h_relog(ctx):
    """RELOG: reopen the log file (it was moved away, as logrotate does)."""
    wlog.settings.reopen()
