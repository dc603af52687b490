"""rfkill: watch /dev/rfkill for a radio being blocked or unblocked.

Reading /dev/rfkill first returns one ADD event per existing switch, then an event
for every change.  cfg80211 names a wiphy's switch after the wiphy ("phy1"), so a
driver that knows its wiphy name knows which switch is its own.  When the radio
is blocked cfg80211 takes the interface down; it stays down after the unblock,
so the driver brings it up again.
"""

import logging
import os
import struct

log = logging.getLogger("wispd.rfkill")

RFKILL_TYPE_ALL = 0
RFKILL_TYPE_WLAN = 1
RFKILL_OP_ADD = 0
RFKILL_OP_DEL = 1
RFKILL_OP_CHANGE = 2
RFKILL_OP_CHANGE_ALL = 3

# struct rfkill_event: u32 idx, u8 type, u8 op, u8 soft, u8 hard (newer kernels
# append more bytes; they are ignored).
_EVENT = struct.Struct("=IBBBB")


class RfkillSwitch:
    __slots__ = ("idx", "type", "name", "soft", "hard")

    def __init__(self, idx, type_, name, soft, hard):
        self.idx = idx
        self.type = type_
        self.name = name
        self.soft = soft
        self.hard = hard

    @property
    def blocked(self):
        return bool(self.soft or self.hard)

    def __repr__(self):
        return "RfkillSwitch(%d, %r, soft=%d, hard=%d)" % (self.idx, self.name, self.soft,
                                                          self.hard)


def switch_name(idx, sysfs="/sys/class/rfkill"):
    try:
        with open("%s/rfkill%d/name" % (sysfs, idx)) as f:
            return f.read().strip()
    except OSError:
        return None


class RfkillMonitor:
    """Keeps the state of every WLAN switch; on_change(switch) on each change of
    its blocked state (and for each switch seen at start).  Without /dev/rfkill
    it stays empty and quiet."""

    def __init__(self, eloop, on_change, path="/dev/rfkill", name_of=switch_name):
        self.eloop = eloop
        self.on_change = on_change
        self.name_of = name_of
        self.switches = {}
        self.fd = None
        try:
            self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            log.info("rfkill: %s unavailable (%s); radio blocking is not watched", path, e)
            return
        self.read()    # the initial ADD events, synchronously: state is known now
        eloop.register_read(self.fd, self.read)

    def close(self):
        if self.fd is not None:
            self.eloop.unregister_read(self.fd)
            os.close(self.fd)
            self.fd = None

    def blocked(self, name):
        """Whether the switch with this name is blocked (False if unknown)."""
        return any(s.blocked for s in self.switches.values() if s.name == name)

    def read(self, *_):
        while True:
            try:
                data = os.read(self.fd, 64)
            except (BlockingIOError, InterruptedError):
                return
            if len(data) < _EVENT.size:
                return
            self.feed(data)

    def feed(self, data):
        idx, type_, op, soft, hard = _EVENT.unpack_from(data)
        if type_ not in (RFKILL_TYPE_WLAN, RFKILL_TYPE_ALL):
            return
        if op == RFKILL_OP_DEL:
            self.switches.pop(idx, None)
            return
        if op not in (RFKILL_OP_ADD, RFKILL_OP_CHANGE):
            return
        sw = self.switches.get(idx)
        if sw is None:
            sw = RfkillSwitch(idx, type_, self.name_of(idx), soft, hard)
            self.switches[idx] = sw
            was = None
        else:
            was = sw.blocked
            sw.soft, sw.hard = soft, hard
        if was != sw.blocked:
            log.debug("rfkill: %r", sw)
            self.on_change(sw)
