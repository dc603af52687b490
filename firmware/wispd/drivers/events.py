"""Typed events that drivers hand to the core.

Every driver (nl80211, wext, the unit tests' fake) turns its kernel messages into
these, so the core never sees a netlink attribute or an ioctl buffer.  They are
plain classes with __slots__ rather than dataclasses: `import dataclasses` pulls in
`inspect`, which costs memory on every board for no gain at run time.
"""


class Event:
    __slots__ = ()

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields.pop(name, None))
        if fields:
            raise TypeError("%s: unknown fields %s" % (type(self).__name__, sorted(fields)))

    def __repr__(self):
        body = ", ".join("%s=%r" % (n, getattr(self, n)) for n in self.__slots__)
        return "%s(%s)" % (type(self).__name__, body)

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self.__slots__)


class ScanStarted(Event):
    __slots__ = ()


class ScanDone(Event):
    """Results are ready; fetch them with Driver.get_scan_results()."""
    __slots__ = ("freqs",)


class ScanAborted(Event):
    __slots__ = ()


class AuthFailed(Event):
    """Authentication was refused or timed out (status is an IEEE 802.11 status code)."""
    __slots__ = ("bssid", "status", "timed_out", "data")


class Authenticated(Event):
    """An authentication frame arrived (for SAE the core continues the exchange)."""
    __slots__ = ("bssid", "auth_type", "status", "data")


class Associated(Event):
    """The link is up at layer 2.  req_ies/resp_ies are the association IEs."""
    __slots__ = ("bssid", "freq", "req_ies", "resp_ies", "authorized")


class AssocRejected(Event):
    __slots__ = ("bssid", "status", "timed_out")


class Disconnected(Event):
    """Deauthenticated or disassociated, by the AP or locally."""
    __slots__ = ("bssid", "reason", "locally_generated", "kind")


class Roamed(Event):
    """A full-MAC driver moved to another BSS on its own."""
    __slots__ = ("bssid", "freq", "req_ies", "resp_ies", "authorized")


class PortAuthorized(Event):
    """A full-MAC driver finished the 4-way handshake itself."""
    __slots__ = ("bssid",)


class EapolReceived(Event):
    __slots__ = ("src", "data")


class MichaelMicFailure(Event):
    __slots__ = ("src", "unicast", "key_index")


class ActionFrame(Event):
    """An Action frame the driver registered for (data: from the category octet on)."""
    __slots__ = ("src", "bssid", "freq", "data")


class BeaconLoss(Event):
    __slots__ = ()


class SignalChange(Event):
    """A connection-quality monitor crossed its threshold (CQM)."""
    __slots__ = ("rssi", "low")


class InterfaceAdded(Event):
    __slots__ = ("ifname", "ifindex", "addr")


class InterfaceRemoved(Event):
    __slots__ = ("ifname", "ifindex")


class InterfaceEnabled(Event):
    """The radio was unblocked or the link was brought back up."""
    __slots__ = ("reason",)


class InterfaceDisabled(Event):
    """rfkill blocked the radio, or somebody took the interface down."""
    __slots__ = ("reason",)


class RegulatoryChanged(Event):
    __slots__ = ("alpha2",)
