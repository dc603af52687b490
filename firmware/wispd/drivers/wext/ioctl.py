"""The wireless-extensions ioctls of one interface.

Every request goes through one AF_INET datagram socket as a 32-byte `struct
iwreq` in the running interpreter's layout (abi.py says why that is the layout
to use); requests that point at a buffer carry a wispd.drivers.wext.abi.Buffer's
address.  Failures raise DriverError, DriverBusy for EBUSY, with the errno.
"""

import errno
import fcntl
import logging
import os
import socket

from wispd.drivers.ops import DriverBusy, DriverError
from wispd.drivers.wext import abi as w

log = logging.getLogger("wispd.wext")

ZERO_MAC = b"\0" * 6


class WextIoctl:
    def __init__(self, ifname, abi, sock=None):
        self.ifname = ifname
        self.abi = abi
        self.sock = sock or socket.socket(socket.AF_INET,
                                          socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.we_version = 22         # the driver's WE version, once SIOCGIWRANGE said it

    def close(self):
        self.sock.close()

    def call(self, request, req):
        """One ioctl on the iwreq bytearray (changed in place, and returned)."""
        try:
            fcntl.ioctl(self.sock.fileno(), request, req, True)
        except OSError as e:
            cls = DriverBusy if e.errno == errno.EBUSY else DriverError
            raise cls("%s: ioctl %#x: %s" % (self.ifname, request, os.strerror(e.errno)),
                      e.errno)
        return req

    def get(self, request):
        """A "get" ioctl whose answer fits the iwreq itself."""
        return self.call(request, self.abi.iwreq(self.ifname))

    def point(self, request, data_or_size, flags=0):
        """An ioctl whose argument is an iw_point: data to send, or the size of
        the buffer to receive into.  Returns (bytes, length, flags)."""
        buf = w.Buffer(data_or_size)
        size = len(buf) if isinstance(data_or_size, int) else len(bytes(data_or_size))
        req = self.call(request, self.abi.iwreq_point(self.ifname, buf.address, size, flags))
        _addr, length, rflags = self.abi.point_of(req)
        return buf.bytes(min(length, len(buf))), length, rflags

    def name(self):
        """SIOCGIWNAME: the wireless protocol name ("IEEE 802.11").  Any
        wireless-extensions interface answers it; others fail."""
        req = self.get(w.SIOCGIWNAME)
        return bytes(req[w.IFNAMSIZ:]).split(b"\0", 1)[0].decode("ascii", "replace")

    def set_auth(self, index, value):
        """SIOCSIWAUTH.  Drivers differ in which parameters they take (and the
        association fails visibly if one mattered): a refusal is only logged."""
        try:
            self.call(w.SIOCSIWAUTH, self.abi.iwreq_param(self.ifname, value, flags=index))
        except DriverError as e:
            log.debug("%s: SIOCSIWAUTH %d=%#x: %s", self.ifname, index, value, e)

    def set_essid(self, ssid):
        ssid = bytes(ssid)
        data, length = ssid, len(ssid)
        if self.we_version < 21 and ssid:
            data, length = ssid + b"\0", length + 1   # before WE-21 the NUL counted
        buf = w.Buffer(data)
        self.call(w.SIOCSIWESSID,
                  self.abi.iwreq_point(self.ifname, buf.address, length, 1 if ssid else 0))

    def set_genie(self, ie):
        buf = w.Buffer(ie)
        self.call(w.SIOCSIWGENIE, self.abi.iwreq_point(self.ifname, buf.address, len(ie)))

    def set_ap(self, bssid):
        """SIOCSIWAP; None (all zeros) lets the driver pick the BSS."""
        self.call(w.SIOCSIWAP, self.abi.iwreq_addr(self.ifname, bssid or ZERO_MAC))

    def get_ap(self):
        """SIOCGIWAP: the BSSID the kernel says we are associated with, or None."""
        mac = w.sockaddr_mac(self.get(w.SIOCGIWAP)[w.IFNAMSIZ:])
        return None if mac == ZERO_MAC else mac

    def set_freq(self, mhz):
        self.call(w.SIOCSIWFREQ, self.abi.iwreq_freq(self.ifname, mhz))

    def mode(self):
        return int.from_bytes(self.get(w.SIOCGIWMODE)[16:20], "little")

    def set_mode(self, mode):
        self.call(w.SIOCSIWMODE, self.abi.iwreq_mode(self.ifname, mode))

    def mlme(self, command, reason, bssid):
        """SIOCSIWMLME: deauthenticate or disassociate."""
        buf = w.Buffer(w.mlme(command, reason, bssid))
        self.call(w.SIOCSIWMLME, self.abi.iwreq_point(self.ifname, buf.address, len(buf)))
