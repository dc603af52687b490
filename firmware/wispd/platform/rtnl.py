"""rtnetlink for the drivers: link events, up/down, operstate and link mode.

pyroute2's own ifinfmsg imports its plugin machinery and pyroute2.config (which
imports multiprocessing): +1.2 MB RSS for a handful of attributes.  This module
defines the small ifinfmsg wispd needs on pyroute2's nlmsg base class instead.

RFC 2863 operstate, as wpa_supplicant does it: at start the link mode is set to
"dormant" (IFLA_LINKMODE=1), so that the kernel reports the link DORMANT until the
supplicant says IF_OPER_UP once the keys are in; DHCP clients wait for that.
"""

import logging
import os
import socket
import struct

from wispd.platform.nlattrs import Attrs
from wispd.platform.netlink import (
    NETLINK_ROUTE, NLM_F_ACK, NLM_F_DUMP, NetlinkSocket, pyroute2_netlink)

log = logging.getLogger("wispd.rtnl")

RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_SETLINK = 19
RTMGRP_LINK = 1

IFF_UP = 0x1
IFF_RUNNING = 0x40
IFF_LOWER_UP = 0x10000

IF_OPER_DORMANT = 5
IF_OPER_UP = 6
IF_LINK_MODE_DEFAULT = 0
IF_LINK_MODE_DORMANT = 1

_nl = pyroute2_netlink()


class ifinfmsg(_nl.nlmsg):
    """struct ifinfomsg with the link attributes wispd reads or sets."""

    prefix = "IFLA_"
    fields = (("family", "B"), ("__align", "x"), ("ifi_type", "H"),
              ("index", "i"), ("flags", "I"), ("change", "I"))
    nla_map = ((1, "IFLA_ADDRESS", "cdata"),
               (3, "IFLA_IFNAME", "asciiz"),
               (4, "IFLA_MTU", "uint32"),
               (11, "IFLA_WIRELESS", "cdata"),
               (16, "IFLA_OPERSTATE", "uint8"),
               (17, "IFLA_LINKMODE", "uint8"))


class Link:
    """What an RTM_NEWLINK/RTM_DELLINK says about one interface."""

    __slots__ = ("event", "index", "name", "flags", "addr", "operstate", "wireless")

    def __init__(self, event, index, name, flags, addr, operstate, wireless):
        self.event = event            # RTM_NEWLINK or RTM_DELLINK
        self.index = index
        self.name = name
        self.flags = flags
        self.addr = addr
        self.operstate = operstate
        self.wireless = wireless      # IFLA_WIRELESS payload (wext events) or None

    @property
    def up(self):
        return bool(self.flags & IFF_UP)

    def __repr__(self):
        return "Link(%s, %r, index=%d, flags=%#x)" % (
            "NEW" if self.event == RTM_NEWLINK else "DEL", self.name, self.index, self.flags)


# struct ifinfomsg after the netlink header: family, pad, type, index, flags, change.
_IFINFO = struct.Struct("=BxHiII")
IFLA_ADDRESS, IFLA_IFNAME, IFLA_WIRELESS, IFLA_OPERSTATE = 1, 3, 11, 16


def _decode(mtype, raw):
    """A link message read straight from its bytes (platform/nlattrs.py).
    Every interface's events arrive here, not only ours (a multi-BSS AP on the
    same machine makes 16 netdevs); pyroute2's decode of each left objects that
    refer to themselves for the cyclic GC: ~100 kB of garbage per 16 netdevs
    in the bench's per-BSS stages (issue 14, bench/bss_probe.py)."""
    if mtype not in (RTM_NEWLINK, RTM_DELLINK) or len(raw) < 32:
        return None
    _family, _type, index, flags, _change = _IFINFO.unpack_from(raw, 16)
    a = Attrs(raw, 32)
    addr = a.raw(IFLA_ADDRESS)
    return Link(mtype, index, a.string(IFLA_IFNAME), flags, bytes(addr) if addr else None,
                a.int(IFLA_OPERSTATE, "u8"), a.raw(IFLA_WIRELESS))


class Rtnl:
    """rtnetlink in the eloop.  on_link(Link) sees every link event;
    on_overrun() runs when link events were lost (ENOBUFS).

    Two sockets, as wpa_supplicant has: `events` joins the link group, `sock`
    carries our requests.  A storm of link events (somebody creating hundreds
    of interfaces) fills the event socket's buffer; on a shared socket the
    kernel would drop the answers to our requests too."""

    def __init__(self, eloop, on_link=None, groups=RTMGRP_LINK, on_overrun=None):
        self.sock = NetlinkSocket(NETLINK_ROUTE, _decode)
        self.sock.attach(eloop)
        self.events = None
        if groups:
            self.events = NetlinkSocket(NETLINK_ROUTE, _decode, groups=groups)
            self.events.on_notify = on_link
            self.events.on_overrun = on_overrun
            self.events.attach(eloop)

    def close(self):
        self.sock.close()
        if self.events is not None:
            self.events.close()

    def _msg(self, index, flags=0, change=0, attrs=()):
        msg = ifinfmsg()
        msg["family"] = socket.AF_UNSPEC
        msg["index"] = index
        msg["flags"] = flags
        msg["change"] = change
        msg["attrs"] = list(attrs)
        return msg

    def get_link(self, name=None, index=0):
        """The Link for a name or index, or None if there is no such interface."""
        attrs = [("IFLA_IFNAME", name)] if name else []
        try:
            parts = self.sock.request(self._msg(index, attrs=attrs), RTM_GETLINK, NLM_F_ACK)
        except OSError as e:
            if e.errno in (19, 22):   # ENODEV, EINVAL (no such name)
                return None
            raise
        return parts[0] if parts else None

    def dump_links(self):
        return self.sock.request(self._msg(0), RTM_GETLINK, NLM_F_DUMP)

    def set_up(self, index, up=True):
        """IFF_UP on or off; raises OSError (ERFKILL when the radio is blocked)."""
        self.sock.request(self._msg(index, IFF_UP if up else 0, IFF_UP), RTM_SETLINK)

    def set_linkmode(self, index, dormant, callback=None):
        mode = IF_LINK_MODE_DORMANT if dormant else IF_LINK_MODE_DEFAULT
        self.sock.send(self._msg(index, attrs=[("IFLA_LINKMODE", mode)]), RTM_SETLINK,
                       NLM_F_ACK, callback or _log_error("linkmode"))

    def set_operstate(self, index, up, callback=None):
        state = IF_OPER_UP if up else IF_OPER_DORMANT
        self.sock.send(self._msg(index, attrs=[("IFLA_OPERSTATE", state)]), RTM_SETLINK,
                       NLM_F_ACK, callback or _log_error("operstate"))


def _log_error(what):
    def done(error, parts, req):
        if error:
            log.warning("rtnetlink %s: %s", what, os.strerror(error))
    return done
