"""Typed notifications: what the core tells the world.

The core hands these objects to its subscribers (Daemon.subscribe); it never
writes protocol text.  Each consumer renders what it needs, in one place each:
the wpa_ctrl text lines in control/wpactrl/events.py (byte-identical to
wpa_supplicant's), the compact protocol's event maps in control/compact/events.py
(the fields below, as they are), the hook script from the types it cares about.
Rewording a wpa_ctrl line therefore never changes the fleet protocol.

`name` is the event's name in the compact protocol; `level` is wpa_supplicant's
message level (wpa_ctrl monitors filter on it).  Field names are the compact
protocol's keys.  Plain __slots__ classes, like drivers/events.py: no dataclasses
(their import costs memory on every board).
"""

from wispd.platform.log import DEBUG, INFO, WARNING


class Notification:
    __slots__ = ()
    name = "message"
    level = INFO

    def __init__(self, *args, **fields):
        slots = self.__slots__
        if len(args) > len(slots):
            raise TypeError("%s takes %d fields" % (type(self).__name__, len(slots)))
        for slot, value in zip(slots, args):
            setattr(self, slot, value)
        for slot in slots[len(args):]:
            setattr(self, slot, fields.pop(slot, None))
        if fields:
            raise TypeError("%s: unknown fields %s" % (type(self).__name__, sorted(fields)))

    def fields(self):
        return {n: getattr(self, n) for n in self.__slots__}

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__,
                           ", ".join("%s=%r" % kv for kv in self.fields().items()))

    def __eq__(self, other):
        return type(self) is type(other) and self.fields() == other.fields()


# ------------------------------------------------------------------ scanning
# INFO, as wpa_supplicant 2.10 sends CTRL-EVENT-BSS-ADDED/REMOVED (notify.c:
# wpa_msg_ctrl MSG_INFO): a monitor at the default level sees them, and
# scripts and hostap's tests wait for them.
class BssAdded(Notification):
    __slots__ = ("id", "bssid")
    name = "bss_added"
    level = INFO


class BssRemoved(Notification):
    __slots__ = ("id", "bssid")
    name = "bss_removed"
    level = INFO


class _ScanId:
    """id: the scan id a SCAN use_id=1 got (None otherwise, and then not a field)."""
    __slots__ = ()

    def __init__(self, id=None):
        self.id = id

    def fields(self):
        return {} if self.id is None else {"id": self.id}


class ScanStarted(_ScanId, Notification):
    __slots__ = ("id",)
    name = "scan_started"


class ScanFailed(Notification):
    """The driver aborted the scan; the station retries it (retry=1)."""
    __slots__ = ("ret", "retry")
    name = "scan_failed"


class ScanResults(_ScanId, Notification):
    __slots__ = ("id",)
    name = "scan_results"


class NetworkNotFound(Notification):
    __slots__ = ()
    name = "network_not_found"


# ------------------------------------------------------------------ connecting
class StateChanged(Notification):
    """wpa_state moved (states.State values).  wpa_supplicant does not send this on
    wpa_ctrl, so the text codec renders nothing; compact subscribers at DEBUG get it."""
    __slots__ = ("old", "new")
    name = "state_changed"
    level = DEBUG


class Associating(Notification):
    __slots__ = ("bssid", "ssid", "freq")
    name = "associating"


class Associated(Notification):
    __slots__ = ("bssid",)
    name = "associated"


class AuthRejected(Notification):
    __slots__ = ("bssid", "auth_type", "auth_transaction", "status_code")
    name = "auth_reject"


class AssocRejected(Notification):
    __slots__ = ("bssid", "status_code")
    name = "assoc_reject"


class SaeUnusable(Notification):
    """SAE cannot even start with this BSS (no password, H2E required, ...)."""
    __slots__ = ("bssid", "reason")
    name = "sae_unusable"
    level = WARNING


class SaeFailed(Notification):
    __slots__ = ("bssid", "reason")
    name = "sae_failed"


class KeyNegotiationCompleted(Notification):
    """The 4-way handshake finished (also after a PTK rekey on a live link)."""
    __slots__ = ("bssid", "pairwise_cipher", "group_cipher")
    name = "key_negotiation_completed"


class GroupRekeyed(Notification):
    __slots__ = ("bssid", "group_cipher")
    name = "group_rekey"


class WrongKey(Notification):
    """The 4-way handshake failed in a way that points at the passphrase."""
    __slots__ = ()
    name = "wrong_key"


class Connected(Notification):
    """The link is up and the port authorized; id_str is None when unset."""
    __slots__ = ("bssid", "id", "id_str", "ssid")
    name = "connected"


class SubnetStatusUpdate(Notification):
    __slots__ = ("status",)
    name = "subnet_status_update"


class Disconnected(Notification):
    __slots__ = ("bssid", "reason", "locally_generated")
    name = "disconnected"


class TempDisabled(Notification):
    __slots__ = ("id", "ssid", "auth_failures", "duration", "reason")
    name = "ssid_temp_disabled"


class Reenabled(Notification):
    __slots__ = ("id", "ssid")
    name = "ssid_reenabled"


class TransitionDisable(Notification):
    __slots__ = ("bitmap",)
    name = "transition_disable"


class MichaelMicFailure(Notification):
    __slots__ = ()
    name = "michael_mic_failure"
    level = WARNING


class TkipCountermeasures(Notification):
    __slots__ = ()
    name = "tkip_countermeasures"
    level = WARNING


# ------------------------------------------------------------------ link and radio
class SignalChange(Notification):
    """The connection-quality monitor crossed its threshold (above=0: below it)."""
    __slots__ = ("above", "signal", "noise", "txrate")
    name = "signal_change"


class BeaconLoss(Notification):
    """The kernel missed the AP's beacons (CQM beacon loss)."""
    __slots__ = ()
    name = "beacon_loss"


class RoamDecided(Notification):
    """wispd's own: the link monitor chose to move to another BSS of the network
    (reason: "signal", "command", "btm"); the wpa_ctrl codec renders nothing."""
    __slots__ = ("bssid", "target", "reason")
    name = "roam_decided"
    level = DEBUG


class NeighborReportReceived(Notification):
    """One neighbor of the AP's 802.11k Neighbor Report, answering a request
    made by NEIGHBOR_REP_REQUEST (automatic requests are not published, as in
    wpa_supplicant).  info: the BSSID Information field."""
    __slots__ = ("bssid", "info", "op_class", "channel", "phy_type")
    name = "neighbor_report"


class NeighborReportFailed(Notification):
    """A NEIGHBOR_REP_REQUEST got no (usable) answer in time."""
    __slots__ = ()
    name = "neighbor_report_failed"


class RegdomChange(Notification):
    __slots__ = ("init", "type", "alpha2")
    name = "regdom_change"


# ------------------------------------------------------------------ configuration and process
class NetworkAdded(Notification):
    __slots__ = ("id",)
    name = "network_added"


class NetworkRemoved(Notification):
    __slots__ = ("id",)
    name = "network_removed"


class NetworksApplied(Notification):
    """wispd's own: networks.apply replaced the network list (saved: written to disk)."""
    __slots__ = ("count", "saved")
    name = "networks_applied"


class Terminating(Notification):
    __slots__ = ()
    name = "terminating"


# ------------------------------------------------------------------ 802.1X/EAP (core/eapauth.py)
class EapStarted(Notification):
    __slots__ = ()
    name = "eap_started"


class EapStatus(Notification):
    """wpa_supplicant's EAP status notes (started, accept proposed method, remote
    certificate verification, completion)."""
    __slots__ = ("status", "parameter")
    name = "eap_status"


class EapProposedMethod(Notification):
    """The server proposed a method; nak: we refused it with our list."""
    __slots__ = ("vendor", "method", "nak")
    name = "eap_proposed_method"


class EapMethod(Notification):
    __slots__ = ("vendor", "method", "method_name")
    name = "eap_method"


class EapPeerCert(Notification):
    """One certificate of the server's chain (hash: SHA-256 of its DER form)."""
    __slots__ = ("depth", "subject", "hash")
    name = "eap_peer_cert"


class EapPeerAlt(Notification):
    __slots__ = ("depth", "altsubject")
    name = "eap_peer_alt"


class EapTlsCertError(Notification):
    """The server certificate was refused (reason: wpa_supplicant's tls_fail_reason)."""
    __slots__ = ("reason", "depth", "subject", "err")
    name = "eap_tls_cert_error"
    level = WARNING


class EapNotification(Notification):
    __slots__ = ("text",)
    name = "eap_notification"


class EapSuccess(Notification):
    __slots__ = ()
    name = "eap_success"


class EapRequest(Notification):
    """The EAP run needs something of the user (CTRL-REQ-<field>-<id>); field:
    PASSWORD; text: wpa_supplicant's word for it ("Password")."""
    __slots__ = ("field", "id", "text", "ssid")
    name = "eap_request"


class EapFailure(Notification):
    """reason: wispd's words for why (never a secret); wpa_ctrl does not show it."""
    __slots__ = ("reason",)
    name = "eap_failure"
