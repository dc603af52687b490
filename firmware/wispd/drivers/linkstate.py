"""Interface availability shared by the kernel drivers: ifdown, rfkill, removal.

Both nl80211 and wext learn about the link from rtnetlink and about the radio
from /dev/rfkill, and must turn those into the same InterfaceDisabled /
InterfaceEnabled / InterfaceRemoved events.  The interface counts as disabled
while any reason ("ifdown", "rfkill") holds; it is enabled again only when the
last one clears.  A driver mixes this in and provides eloop, ifname, ifindex,
mac, link_up, disabled (a set), rtnl, conn (its connection: associated, bssid,
ssid), emit(event), handle_link(link), _resync(), _reset_link() (the link is
gone: forget the connection and any scan of ours) and _rfkill_name() (the wiphy
name its rfkill switch carries).
"""

import errno
import logging

from wispd.drivers import events as ev
from wispd.drivers.ops import DriverError

log = logging.getLogger("wispd.drivers")

BRING_UP_RETRY = 0.5
ERFKILL = 132    # errno: "Operation not possible due to RF-kill" (not in every errno module)


class LinkStateMixin:
    # Operstate goes through rtnetlink for both drivers.
    def set_operstate(self, up):
        if self.ifindex is not None and self.rtnl is not None:
            self.rtnl.set_operstate(self.ifindex, up)

    def get_capa(self):
        return self.capa

    def get_mac_addr(self):
        if self.mac is None:
            raise DriverError("%s: interface not present" % self.ifname, errno.ENODEV)
        return self.mac

    def get_bssid(self):
        return self.conn.bssid if self.conn.associated else None

    def get_ssid(self):
        return self.conn.ssid if self.conn.associated else None

    def _events_lost(self):
        """A netlink socket overflowed (ENOBUFS): resync once the eloop is free
        again (this runs inside the socket's reader), once for a burst."""
        if not self.eloop.is_timeout_registered(self._resync):
            self.eloop.register_timeout(0, self._resync)

    def _resync(self):
        """Driver-specific: re-read what the lost events would have said."""

    def _resync_link(self):
        """The interface as the kernel has it now, fed through the same path as
        a link event.  True if it is there, ours and usable."""
        try:
            link = self.rtnl.get_link(name=self.ifname)
        except OSError as e:
            log.warning("%s: resync: cannot read the link (%s); again in 1 s", self.ifname, e)
            self.eloop.register_timeout(1.0, self._resync)
            return False
        if link is None:
            if self.ifindex is not None:
                log.info("%s: resync: the interface is gone", self.ifname)
                self._removed()
            return False
        if link.index != self.ifindex:
            log.info("%s: resync: the interface is back as ifindex %d", self.ifname, link.index)
        self.handle_link(link)
        return link.index == self.ifindex and not self.disabled

    def _link_changed(self, link):
        """An RTM_NEWLINK for our own ifindex: new MAC, or up/down."""
        if link.addr and link.addr != self.mac:
            self.mac = link.addr
        if link.up != self.link_up:
            self.link_up = link.up
            if link.up:
                self._enable("ifdown")
            else:
                self._disable("ifdown")

    def _removed(self):
        index = self.ifindex
        self.ifindex = None
        self.link_up = False
        self.disabled.discard("ifdown")
        self._reset_link()
        self.emit(ev.InterfaceRemoved(ifname=self.ifname, ifindex=index))

    def _disable(self, reason):
        first = not self.disabled
        self.disabled.add(reason)
        if first:
            # The core reports the lost link itself (INTERFACE_DISABLED).
            self._reset_link()
            self.emit(ev.InterfaceDisabled(reason=reason))

    def _enable(self, reason):
        if reason not in self.disabled:
            return
        self.disabled.discard(reason)
        if not self.disabled:
            self.emit(ev.InterfaceEnabled(reason=reason))

    def handle_rfkill(self, switch):
        name = self._rfkill_name()
        if name is None or switch.name != name:
            return
        if switch.blocked:
            self._disable("rfkill")
            return
        if self.ifindex is not None and not self.link_up:
            # cfg80211 took the interface down at the block: bring it back up;
            # the RTM_NEWLINK that follows clears "ifdown".
            self.disabled.discard("rfkill")
            self.disabled.add("ifdown")
            self._bring_up_retry(0)
        else:
            self._enable("rfkill")

    def _try_up(self):
        """Set the interface up now; note why not (rfkill, or anything else)."""
        try:
            self.rtnl.set_up(self.ifindex, True)
            self.link_up = True
        except OSError as e:
            if e.errno == ERFKILL:
                self.disabled.add("rfkill")
            else:
                log.warning("%s: cannot bring the interface up: %s", self.ifname, e)
            self.disabled.add("ifdown")

    def _bring_up_retry(self, tries):
        # cfg80211 may still refuse (ERFKILL) for a moment after the unblock.
        if self.ifindex is None or self.link_up or "rfkill" in self.disabled:
            return
        try:
            self.rtnl.set_up(self.ifindex, True)
        except OSError as e:
            if tries < 10:
                self.eloop.register_timeout(BRING_UP_RETRY, self._bring_up_retry, tries + 1)
            else:
                log.warning("%s: cannot bring the interface up: %s", self.ifname, e)
