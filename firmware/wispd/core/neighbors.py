"""802.11k neighbor reports of the current connection.

After each connection (the first one and each roam) to an AP that says it
answers neighbor report requests (RM Enabled Capabilities, rsn/rrm.py), the
station asks it once for its neighbors of the network.  Their channels are
what a roam scan asks for first, with the channels the table has seen the
network on (core/linkmonitor.py known_freqs): an AP of the network that the
station has never seen is found by the first roam scan, not after a full one.

NEIGHBOR_REP_REQUEST [ssid=<ssid>] asks again on demand.  As in wpa_supplicant
2.10 its answer is published (RRM-NEIGHBOR-REP-RECEIVED per neighbor), or its
failure (RRM-NEIGHBOR-REP-REQUEST-FAILED) when the AP stays silent for
RESPONSE_TIMEOUT or answers with a malformed frame; the automatic request's
answer is kept quietly.  One request at a time, like wpa_supplicant.

The neighbors belong to the connection they were asked on: a new connection
(a roam included) forgets them and asks its own AP.
"""

import logging

from wispd.core import notify as nt
from wispd.core import states as S
from wispd.core.bss import mac_txt
from wispd.drivers.ops import DriverError
from wispd.rsn import rrm

log = logging.getLogger("wispd.station")

RESPONSE_TIMEOUT = 1.0      # s: wpa_supplicant's RRM_NEIGHBOR_REPORT_TIMEOUT


class NeighborReports:
    def __init__(self, iface):
        self.iface = iface
        self.eloop = iface.eloop
        self.conn = None            # the connection the neighbors are of
        self.neighbors = []         # [rrm.Neighbor] of the last answer
        self.token = 0              # the last dialog token sent
        self.pending = None         # (token, published) of the request in flight

    # ------------------------------------------------------------------ life of a link
    def connected(self, conn):
        """A connection completed: forget the old AP's neighbors, ask the new one."""
        self.stop()
        self.conn = conn
        if self.supported(conn):
            # With the network's SSID: the neighbors of this network only.
            network = conn.network
            ssid = network.ssid_bytes or (conn.current_bss.ssid if conn.current_bss else None)
            self.request(ssid, publish=False)

    def stop(self):
        self.eloop.cancel_timeout(self._timeout)
        if self.pending is not None and self.pending[1]:
            self.iface.notify(nt.NeighborReportFailed())
        self.pending = None
        self.conn = None
        self.neighbors = []

    def supported(self, conn):
        bss = conn.current_bss if conn is not None else None
        return bss is not None and rrm.offers_neighbor_report(bss.ies, bss.caps)

    def freqs(self):
        """The neighbors' channels (MHz) of the current connection, as listed."""
        if self.conn is None or self.conn is not self.iface.connection:
            return []
        out = []
        for n in self.neighbors:
            f = n.freq()
            if f is not None and f not in out:
                out.append(f)
        return out

    # ------------------------------------------------------------------ request
    def request(self, ssid=None, publish=True):
        """Ask the current AP (ssid: the SSID element; None: none, the AP answers
        for its own SSID, as wpa_supplicant's command without ssid=).
        None when sent, else why not (the command answers FAIL)."""
        iface = self.iface
        conn = iface.connection
        if iface.wpa_state != S.COMPLETED or conn is None or conn is not self.conn:
            return "not connected"
        if not self.supported(conn):
            return "the AP does not offer neighbor reports"
        if self.pending is not None:
            return "a neighbor report request is in progress"
        self.token = self.token % 255 + 1          # 1..255
        try:
            body = rrm.neighbor_report_request(self.token, ssid)
        except rrm.RrmError as e:
            return str(e)
        bss = conn.current_bss
        try:
            iface.driver.send_action(conn.current_bssid(), bss.freq if bss else 0, body)
        except DriverError as e:
            return "not sent: %s" % e
        log.debug("%s: neighbor report request %d to %s", iface.ifname, self.token,
                  mac_txt(conn.current_bssid()))
        self.pending = (self.token, publish)
        self.eloop.register_timeout(RESPONSE_TIMEOUT, self._timeout)
        return None

    def _timeout(self):
        pending, self.pending = self.pending, None
        if pending is None:
            return
        log.info("%s: no neighbor report in %.0f s", self.iface.ifname, RESPONSE_TIMEOUT)
        if pending[1]:
            self.iface.notify(nt.NeighborReportFailed())

    # ------------------------------------------------------------------ response
    def action_frame(self, event):
        """A Radio Measurement Neighbor Report Response from the kernel."""
        iface = self.iface
        conn = iface.connection
        if conn is None or conn is not self.conn or event.src != conn.current_bssid():
            log.debug("%s: neighbor report from %s outside our link, dropped", iface.ifname,
                      mac_txt(event.src or b"\0" * 6))
            return
        data = event.data or b""
        if self.pending is None or len(data) < 3 or data[2] != self.pending[0]:
            log.debug("%s: unexpected neighbor report (token %s), dropped", iface.ifname,
                      data[2] if len(data) >= 3 else None)
            return
        self.eloop.cancel_timeout(self._timeout)
        _, publish = self.pending
        self.pending = None
        try:
            _, neighbors = rrm.parse_neighbor_report_response(data)
        except rrm.RrmError as e:
            log.info("%s: malformed neighbor report dropped: %s", iface.ifname, e)
            if publish:
                iface.notify(nt.NeighborReportFailed())
            return
        self.neighbors = neighbors
        if publish and not neighbors:       # wpa_supplicant: an empty report is a failure
            iface.notify(nt.NeighborReportFailed())
        log.info("%s: neighbor report: %d neighbors on %s MHz", iface.ifname, len(neighbors),
                 self.freqs() or "no known channel")
        if publish:
            for n in neighbors:
                iface.notify(nt.NeighborReportReceived(n.bssid, n.info, n.op_class, n.channel,
                                                       n.phy_type))
