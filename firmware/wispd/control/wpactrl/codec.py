"""The wpa_ctrl text codec: bytes to a command and its arguments, and a result,
a failure or an event back to bytes, as wpa_supplicant 2.10 has them.

Pure: no socket, no daemon, no state.  Which interface a request is about and
whether the command may run there is the server's to decide
(control/wpactrl/server.py); how each result reads is the command table's
formatter (control/wpactrl/reply.py).
"""

from wispd.config.values import SECRET_FIELDS
from wispd.control import commands

MAX_REQUEST = 8192
# wpa_ctrl clients read into a 4096-byte buffer.  Replies are written to fit
# (reply.TEXT_ROOM leaves out whole lines and entries); this cap is the last
# word for anything else, events included.
MAX_REPLY = 4096

FAIL = b"FAIL\n"
UNKNOWN_COMMAND = b"UNKNOWN COMMAND\n"
NO_IFNAME_MATCH = b"FAIL-NO-IFNAME-MATCH\n"


class RequestError(Exception):
    """A datagram that is no request: `reply` is what the asker gets, `why`
    what the log says (None: nothing worth a warning)."""

    def __init__(self, reply, why=None):
        super().__init__(why or reply)
        self.reply = reply
        self.why = why


class ParseError(Exception):
    """The arguments after a known command do not parse."""


class Request:
    """One request line: `ifname` from an IFNAME= prefix (None without one),
    `command` from the table (None for a name it does not have), `name` as
    sent, `line` without the prefix, `rest` the text after the name."""
    __slots__ = ("ifname", "command", "name", "line", "rest")

    def __init__(self, ifname, command, name, line, rest):
        self.ifname = ifname
        self.command = command
        self.name = name
        self.line = line
        self.rest = rest

    def arguments(self):
        """The command's converted arguments; ParseError if they do not fit."""
        return split_args(self.command, self.rest)

    def loggable(self):
        """The line for the log: never a secret (SET_NETWORK psk and the
        other key fields are [REMOVED])."""
        if self.command is not None and self.command.name == "SET_NETWORK":
            parts = self.line.split(" ", 3)
            if len(parts) == 4 and parts[2] in SECRET_FIELDS:
                return " ".join(parts[:3]) + " [REMOVED]"
        if self.command is not None and self.command.name == "CTRL-RSP":
            return self.line.partition(":")[0] + ":[REMOVED]"
        return self.line


def decode(data):
    """A request datagram → a Request; RequestError for what is not one."""
    if len(data) > MAX_REQUEST:
        raise RequestError(FAIL, "request of %d bytes refused (max %d)"
                           % (len(data), MAX_REQUEST))
    try:
        line = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(FAIL, "request is not UTF-8")
    line = line.rstrip("\n")
    if not line.strip():
        raise RequestError(UNKNOWN_COMMAND)
    ifname = None
    if line.startswith("IFNAME="):
        ifname, _, line = line[7:].partition(" ")
    name, _, rest = line.partition(" ")
    if name.upper().startswith("CTRL-RSP-"):
        # CTRL-RSP-<field>-<id>:<value>: the value may hold spaces.
        name, rest = "CTRL-RSP", line[len("CTRL-RSP-"):]
    return Request(ifname, commands.BY_NAME.get(name.upper()), name, line, rest)


def split_args(command, rest):
    """Turn the text after the command name into converted args."""
    values = []
    sep = ""
    for arg in command.args:
        rest = rest.lstrip(" ")
        if not rest:
            # "SET freq_list " (the separator, then nothing) gives the last
            # argument as empty text; "SET freq_list" leaves it out.
            if arg.rest and arg.optional and sep:
                values.append(arg.conv(""))
                break
            if arg.optional:
                break
            raise ParseError("missing argument '%s'" % arg.name)
        if arg.rest:
            token, rest = rest, ""
        else:
            token, sep, rest = rest.partition(" ")
        try:
            values.append(arg.conv(token))
        except (ValueError, TypeError) as e:
            raise ParseError("%s: %s" % (arg.name, e))
    if rest.strip():
        raise ParseError("too many arguments")
    return values


def _datagram(text):
    return text.encode("utf-8", "replace")[:MAX_REPLY]


def reply(command, result):
    """A command's result as its reply datagram (the command's formatter)."""
    return _datagram(command.text(result))


def error_reply(error):
    """A CommandError as its reply: "FAIL", "FAIL-BUSY", ..."""
    return _datagram(error.text + "\n")


def event(level, text, ifname=None):
    """An event line as monitors get it: "<level>", on a global socket
    "IFNAME=<name> ", then the line from wpactrl.events."""
    if ifname is not None:
        text = "IFNAME=%s %s" % (ifname, text)
    return _datagram("<%d>%s" % (level, text))
