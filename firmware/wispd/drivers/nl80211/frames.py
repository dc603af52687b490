"""Management frames wispd handles in userspace while connected: Action frames.

NL80211_CMD_REGISTER_FRAME asks the kernel to hand this socket the Action
frames that start with a given match (category, action); they come back as
NL80211_CMD_FRAME events, and CMD_FRAME sends one.  The registration is made
on the driver's event socket, so the frames arrive where the other events do,
and it lasts as long as that socket and the interface (made again on every
bind).  Today (issue 17): 802.11v BSS Transition Management Requests and
802.11k Neighbor Report Responses (the answer to the request core/neighbors.py
sends with send()).
mac80211 protects robust Action frames (WNM is one) itself once PMF is on.
"""

import logging
import struct

from wispd.drivers import events as ev
from wispd.drivers.nl80211 import msgs as m

log = logging.getLogger("wispd.nl80211")

FRAME_TYPE_ACTION = 0x00D0          # management, subtype 13
# (category, action) prefixes: WNM BSS Transition Management Request, Radio
# Measurement Neighbor Report Response.
MATCHES = (b"\x0a\x07", b"\x05\x05")
HEADER_LEN = 24


def action_header(da, sa, bssid):
    """An Action frame's 802.11 header (the kernel fills duration and sequence)."""
    return struct.pack("<HH", FRAME_TYPE_ACTION, 0) + bytes(da) + bytes(sa) + bytes(bssid) \
        + b"\0\0"


def parse_action(frame):
    """(sa, bssid, body from the category on) of an Action frame, or None."""
    if len(frame) < HEADER_LEN + 2:
        return None
    fc = struct.unpack_from("<H", frame, 0)[0]
    if fc & 0x00FC != FRAME_TYPE_ACTION:
        return None
    return bytes(frame[10:16]), bytes(frame[16:22]), bytes(frame[HEADER_LEN:])


class ActionFrames:
    def __init__(self, driver):
        self.driver = driver

    def register(self):
        """Ask for the frames of MATCHES (after every bind: a new interface has none)."""
        for match in MATCHES:
            self.driver.post(m.CMD_REGISTER_FRAME, [("FRAME_TYPE", FRAME_TYPE_ACTION),
                                                    ("FRAME_MATCH", match)], self._registered)

    def _registered(self, error):
        if error:
            log.info("%s: no Action frame registration (errno %d): no 802.11v/k",
                     self.driver.ifname, error)

    def on_frame(self, msg, a):
        parsed = parse_action(a.get("FRAME") or b"")
        if parsed is None:
            return
        sa, bssid, body = parsed
        self.driver.emit(ev.ActionFrame(src=sa, bssid=bssid, freq=a.get("WIPHY_FREQ"),
                                        data=body))

    def send(self, dst, freq, body):
        """One Action frame to dst (our BSS) on freq; errors are logged."""
        driver = self.driver
        frame = action_header(dst, driver.mac, dst) + bytes(body)
        attrs = [("FRAME", frame)]
        if freq:
            attrs.insert(0, ("WIPHY_FREQ", freq))
        driver.post(m.CMD_FRAME, attrs, self._sent)

    def _sent(self, error):
        if error:
            log.warning("%s: Action frame not sent (errno %d)", self.driver.ifname, error)
