"""Logging with wpa_supplicant's levels and flags.

hostap numbers its levels EXCESSIVE=0 … ERROR=5 and prints everything at or
above the current level; -d lowers it by one, -q raises it.  Those numbers are
also what the control interface's LEVEL/LOG_LEVEL commands and the `<N>` event
prefix speak, so they are the source of truth here and Python logging levels
are derived from them.
"""

import logging
import sys
import time

EXCESSIVE, MSGDUMP, DEBUG, INFO, WARNING, ERROR = range(6)
NAMES = ("EXCESSIVE", "MSGDUMP", "DEBUG", "INFO", "WARNING", "ERROR")
_PY_LEVEL = {EXCESSIVE: 5, MSGDUMP: 7, DEBUG: logging.DEBUG, INFO: logging.INFO,
             WARNING: logging.WARNING, ERROR: logging.ERROR}


def level_from_name(text):
    text = text.strip().upper()
    if text.isdecimal() and int(text) < len(NAMES):
        return int(text)
    try:
        return NAMES.index(text)
    except ValueError:
        raise ValueError("unknown log level %r" % text)


def py_level(level):
    return _PY_LEVEL[max(EXCESSIVE, min(ERROR, level))]


class _Formatter(logging.Formatter):
    def __init__(self, timestamps):
        super().__init__()
        self.timestamps = timestamps

    def format(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if self.timestamps:
            # Wall time on purpose: -t stamps are read against other logs
            # (wpa_supplicant's -t is wall time too).  Nothing is timed by it.
            now = time.time()
            return "%d.%06d: %s" % (int(now), int((now % 1) * 1e6), text)
        return text


class LogSettings:
    """The process-wide log set-up that main() builds from -d/-q/-t/-f/-s/-K."""

    def __init__(self):
        self.level = INFO
        self.timestamps = False
        self.show_keys = False
        self.path = None
        self.syslog = False
        self.handler = None

    def apply(self):
        root = logging.getLogger("wispd")
        if self.handler is not None:
            root.removeHandler(self.handler)
            self.handler.close()
        if self.syslog:
            from logging.handlers import SysLogHandler
            handler = SysLogHandler(address="/dev/log")
        elif self.path:
            handler = logging.FileHandler(self.path)
        else:
            handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(_Formatter(self.timestamps))
        root.addHandler(handler)
        root.setLevel(py_level(self.level))
        root.propagate = False
        self.handler = handler

    def set_level(self, level):
        self.level = level
        logging.getLogger("wispd").setLevel(py_level(level))

    def reopen(self):
        """SIGHUP: reopen the log file (after logrotate moved it away)."""
        if self.path:
            self.apply()

    def key(self, data):
        """How a secret appears in logs: hidden unless -K."""
        if self.show_keys:
            return data.hex() if isinstance(data, (bytes, bytearray)) else str(data)
        return "[REMOVED]"


settings = LogSettings()
