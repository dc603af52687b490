"""EAPOL transport: an AF_PACKET socket bound to EtherType 0x888e on one interface.

SOCK_DGRAM packet sockets hand over the payload after the Ethernet header and the
sender's address, which is all the handshake code needs.  With CONTROL_PORT set on
the association, mac80211 passes EAPOL frames up and out even while the port is
closed.  Message 1 of the 4-way handshake can beat the associate event; the core
keeps such early frames until it is ready (Station.on_eapol).
"""

import logging
import socket

log = logging.getLogger("wispd.l2")

ETH_P_PAE = 0x888E
PACKET_OUTGOING = 4


class L2Packet:
    """L2Packet(eloop, ifname, on_receive): on_receive(src, data) for each frame
    received (src: 6-byte MAC).  send(dst, data) transmits one."""

    def __init__(self, eloop, ifname, on_receive, ethertype=ETH_P_PAE):
        self.eloop = eloop
        self.ifname = ifname
        self.on_receive = on_receive
        self.ethertype = ethertype
        self.sock = socket.socket(socket.AF_PACKET,
                                  socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
                                  socket.htons(ethertype))
        try:
            self.sock.bind((ifname, ethertype))
        except OSError:
            self.sock.close()
            raise
        eloop.register_read(self.sock, self._readable)

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        if self.sock is not None:
            self.eloop.unregister_read(self.sock)
            self.sock.close()
            self.sock = None

    def send(self, dst, data):
        """Send one EAPOL frame to dst (6-byte MAC).  Returns True if it went out."""
        try:
            self.sock.sendto(data, (self.ifname, self.ethertype, 0, 0, bytes(dst)))
            return True
        except OSError as e:
            log.warning("l2: send to %s failed: %s", bytes(dst).hex(":"), e)
            return False

    def _readable(self, *_):
        while self.sock is not None:
            try:
                data, addr = self.sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                log.warning("l2: receive failed: %s", e)
                return
            # addr: (ifname, proto, pkttype, hatype, src address)
            if len(addr) >= 5 and addr[2] != PACKET_OUTGOING:
                self.on_receive(bytes(addr[4][:6]), data)
