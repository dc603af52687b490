"""The compact codec: a msgpack request packet to an operation and its
arguments, and replies, errors, events and the hello back to packets.

Pure: no socket, no daemon, no state but the packer's buffer.  Which interface
a request is about, who may connect, queues and subscriptions are the server's
(control/compact/server.py); docs/control-protocol.md is the specification.
msgpack is imported on first use (the daemon pays for it only once a client
connects, issue 9), so importing this module costs nothing.
"""

from wispd import __version__
from wispd.control import commands
from wispd.control.wpactrl import events as wpactrl_events

# 2: events carry the core's typed fields as they are (docs/control-protocol.md,
# "Changes in version 2").  Requests did not change, so a version-1 client's
# requests are still served; only its events look different.
PROTOCOL_VERSION = 2
ACCEPTED_VERSIONS = (1, 2)
MAX_MESSAGE = 65536       # bytes, both directions

# Errors whose code is part of the protocol (docs/control-protocol.md).
ERROR_CODES = ("bad_message", "bad_request", "unknown_version", "unknown_op",
               "invalid_argument", "no_such_interface", "no_interface", "too_large",
               "access_denied", "too_many_clients", "too_many_errors", "internal_error")


def _msgpack():
    import msgpack
    return msgpack


class RequestError(Exception):
    """A packet that is no request this daemon can serve: the error reply to
    `rid` (None when the packet had no usable id)."""

    def __init__(self, rid, code, message):
        super().__init__("%s: %s" % (code, message))
        self.rid = rid
        self.code = code
        self.message = message


class Request:
    """A decoded request: `command` from the table, `ifname` as given (None
    when absent) and `args` the map as sent (see convert_args)."""
    __slots__ = ("id", "version", "op", "command", "ifname", "args")

    def __init__(self, rid, version, op, command, ifname, args):
        self.id = rid
        self.version = version
        self.op = op
        self.command = command
        self.ifname = ifname
        self.args = args


def decode(data):
    """A request packet → a Request; RequestError for anything else, in the
    order the specification's table lists the checks."""
    try:
        req = _msgpack().unpackb(data, raw=False)
    except Exception as e:
        raise RequestError(None, "bad_message", "not a msgpack message: %s" % type(e).__name__)
    if not isinstance(req, dict):
        raise RequestError(None, "bad_request", "a request is a map")
    rid = req.get("id")
    if not isinstance(rid, int) or isinstance(rid, bool):
        raise RequestError(None, "bad_request", "a request needs an integer id")
    version = req.get("v", PROTOCOL_VERSION)
    if version not in ACCEPTED_VERSIONS:
        raise RequestError(rid, "unknown_version", "protocol versions %s only"
                           % " and ".join(map(str, ACCEPTED_VERSIONS)))
    op = req.get("op")
    command = commands.BY_OP.get(op) if isinstance(op, str) else None
    if command is None:
        raise RequestError(rid, "unknown_op", "unknown operation %r" % (op,))
    ifname = req.get("iface")
    args = req.get("args", {})
    if (ifname is not None and not isinstance(ifname, str)) or not isinstance(args, dict):
        raise RequestError(rid, "bad_request", "iface is a string and args a map")
    return Request(rid, version, op, command, ifname, args)


def convert_args(command, args):
    """The args map → the handler's positional values, through each Arg.conv."""
    known = {a.name for a in command.args}
    for key in args:
        if key not in known:
            raise ValueError("unknown argument %r" % (key,))
    values = []
    present = 0
    for arg in command.args:
        if arg.name not in args:
            if not arg.optional:
                raise ValueError("missing argument %r" % arg.name)
            values.append(None)
            continue
        try:
            values.append(arg.conv(args[arg.name]))
        except (ValueError, TypeError, AttributeError) as e:
            raise ValueError("%s: %s" % (arg.name, e))
        present = len(values)
    # Handlers take positional args with defaults: trailing absent ones keep them,
    # an absent one before a given one is None.
    return values[:present]


# ------------------------------------------------------------------ the maps
def hello(interfaces, max_clients, queue):
    return {"type": "hello", "proto": PROTOCOL_VERSION, "daemon": "wispd " + __version__,
            "ops": sorted(commands.BY_OP), "interfaces": list(interfaces),
            "limits": {"max_message": MAX_MESSAGE, "max_clients": max_clients,
                       "queue": queue}}


def result(rid, command, value):
    """A command's result, typed by the command's compact converter."""
    return {"type": "reply", "id": rid, "result": command.compact(value)}


def error(rid, code, message):
    return {"type": "reply", "id": rid, "error": {"code": code, "message": message}}


def goodbye(code, message):
    """The connection-level error the daemon sends before it hangs up."""
    return {"type": "error", "code": code, "message": message}


class EventBody:
    """What every subscriber gets of one notification, worked out once: its
    name, level, typed fields and the wpa_ctrl line (None if it has none)."""
    __slots__ = ("name", "level", "data", "raw")

    def __init__(self, notification):
        self.name = notification.name
        self.level = notification.level
        self.data = notification.fields()
        self.raw = wpactrl_events.render(notification)


def event(seq, ts, ifname, body):
    return {"type": "event", "seq": seq, "ts": ts, "iface": ifname, "level": body.level,
            "event": body.name, "data": body.data, "raw": body.raw}


def events_dropped(count, last_seq):
    return {"type": "events_dropped", "count": count, "last_seq": last_seq}


class Encoder:
    """Maps → packets.  The msgpack Packer (and its 256 kB buffer) is made on
    the first message, not by every idle daemon."""

    def __init__(self):
        self._packer = None

    def pack(self, message):
        if self._packer is None:
            self._packer = _msgpack().Packer(use_bin_type=True)
        return self._packer.pack(message)

    def reply(self, message):
        """A reply's packet; one over MAX_MESSAGE becomes a too_large error."""
        packet = self.pack(message)
        if len(packet) > MAX_MESSAGE:
            packet = self.pack(error(message.get("id"), "too_large",
                                     "reply of %d bytes" % len(packet)))
        return packet
