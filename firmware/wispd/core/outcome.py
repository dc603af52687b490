"""What the end of a connection attempt, or of the link, means for the interface.

core/connection.py runs one attempt and ends it in one Result (iwd's
connect_cb); this module is the station's answer to it: COMPLETED with its
notifications and the remembered channel, or a failure counted against the
network (netstate.NetworkHealth) and the search resumed, or a lost link (a
wrong key among the reasons) and the lost AP's channel scanned first.  Split
off core/station.py, which routes events and control operations; these are
policy, and read best together.  Functions of the station (`iface`), which
owns the state they change.
"""

import logging

from wispd.core import notify as nt
from wispd.core import states as S
from wispd.drivers.ops import DriverError

log = logging.getLogger("wispd.station")


def attempt_ended(iface, result):
    """The Connection's one result: connected, the link lost during the
    attempt, or a failure (a failed roam also ends the old link)."""
    iface.finish_connect_work()
    prev = iface.connection.prev_bssid if iface.connection is not None else None
    if result.ok:
        completed(iface)
    elif result.lost is not None:
        link_lost(iface, result.lost, result.wrong_key)
    else:
        if prev is not None:
            iface.link.roam_failed(prev, result.bssid)
        attempt_failed(iface, result)


def attempt_failed(iface, result):
    """The attempt failed before the link was up: count it, look again soon."""
    network = iface.current_network
    iface.reset_link()
    iface.health.attempt_failed(network, result.bssid, result.reason)
    if result.wrong_key and network is not None:
        iface.health.auth_failed(network, result.reason)
    if iface.wpa_state != S.INTERFACE_DISABLED:
        iface.states.move(S.DISCONNECTED)
    iface.search.soon()


def link_lost(iface, lost, wrong_key):
    """The link went down: during the attempt (its Result) or after."""
    network = iface.current_network
    iface.notify(nt.Disconnected(lost.bssid, lost.reason or 0, bool(lost.locally_generated)))
    iface.reset_link()
    iface.counters["disconnects"] += 1
    iface.states.move(S.DISCONNECTED)
    if wrong_key and network is not None:
        iface.notify(nt.WrongKey())
        iface.health.count("WRONG_KEY")
        iface.health.auth_failed(network, "WRONG_KEY")
    if not iface.disconnected_by_user:
        # The AP we lost is probably still on its channel: scan that first.
        iface.search.after_loss()


def completed(iface):
    """The port is open: say so, remember the channel, start watching the link."""
    conn = iface.connection
    network = conn.network
    try:
        iface.driver.set_supp_port(True)
    except DriverError as e:
        log.warning("%s: could not authorize the port: %s", iface.ifname, e)
    iface.states.move(S.COMPLETED)
    try:
        iface.driver.set_operstate(True)
    except DriverError:
        pass
    iface.counters["connects"] += 1
    iface.health.connected(network)
    iface.notify(nt.Connected(conn.current_bssid(), network.id, network.id_str or None,
                              network.ssid_bytes or b""))
    iface.notify(nt.SubnetStatusUpdate(0))
    if iface.state_store is not None and conn.current_bss is not None:
        # A wildcard-SSID network (no ssid, a bssid=) joined the BSS's SSID.
        iface.state_store.remember(network.ssid_bytes or conn.current_bss.ssid,
                                   conn.current_bss.freq)
    iface.link.connected(conn)
    iface.neighbors.connected(conn)
