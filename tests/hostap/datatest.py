"""The DATA_TEST shim: hwsim_utils.test_connectivity for any supplicant.

hostap's connectivity check asks the station for DATA_TEST_CONFIG /
DATA_TEST_TX and waits for its DATA-TEST-RX event.  wpa_supplicant has these
only in CONFIG_TESTING_OPTIONS builds, which Debian's is not, so the baseline
would fail every such test for a reason that has nothing to do with the link.
This shim answers those commands on the harness side for every WpaSupplicant
object, with a raw packet socket on the station's interface, and puts the
event where wait_event() looks.  Both supplicants get the same shim, so the
comparison stays fair, and wispd needs no test-only command.  Frames are
wpa_supplicant's (ctrl_iface.c wpas_ctrl_iface_data_test_tx/_rx): EtherType
IPv4, a 20-byte IP header with protocol 1 and the asked TOS, payload bytes
0, 1, 2, ...; received frames that are not exactly that are ignored.

The AP side is Debian's hostapd, which has the real commands.
"""
import collections
import socket
import struct
import threading
import time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
PACKET_LEN = 1500
IP_LEN = PACKET_LEN - 14         # wpa_supplicant's HWSIM_IP_LEN
EVENT = "DATA-TEST-RX"


def mac_bytes(text):
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(text)
    return bytes(int(p, 16) for p in parts)


def mac_text(b):
    return ":".join("%02x" % x for x in b)


def ip_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def test_frame(dst, src, tos, ip_len=IP_LEN):
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, tos, ip_len, 0, 0, 64, 1, 0,
                                bytes([192, 168, 1, 1]), bytes([192, 168, 1, 2])))
    struct.pack_into("!H", hdr, 10, ip_checksum(bytes(hdr)))
    payload = bytes(i & 0xFF for i in range(ip_len - 20))
    return dst + src + struct.pack("!H", ETH_P_IP) + bytes(hdr) + payload


def rx_event(frame):
    """The event line for a received frame, or None if it is not a test frame."""
    if len(frame) < 14 + 20 or len(frame) > PACKET_LEN:
        return None
    ip = frame[14:34]
    if ip[0] != 0x45:
        return None
    ip_len = struct.unpack("!H", ip[2:4])[0]
    if ip_len > IP_LEN or ip_len < 20:
        return None
    payload = frame[34:34 + ip_len - 20]
    if len(payload) != ip_len - 20 or any(b != (i & 0xFF) for i, b in enumerate(payload)):
        return None
    extra = "" if ip_len == IP_LEN else " len=%d" % ip_len
    return "<3>%s %s %s%s" % (EVENT, mac_text(frame[0:6]), mac_text(frame[6:12]), extra)


class Tap:
    """One station's DATA_TEST state: the socket, a reader thread, the events."""

    def __init__(self, ifname):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.sock.bind((ifname, ETH_P_IP))
        self.sock.settimeout(0.2)
        self.events = collections.deque()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                frame, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            ev = rx_event(frame)
            if ev is not None:
                self.events.append(ev)

    def send(self, frame):
        self.sock.send(frame)

    def close(self):
        self.running = False
        self.thread.join(1)
        self.sock.close()


def handle(taps, key, ifname, cmd):
    """A DATA_TEST_* command → its reply text (None: not ours)."""
    if cmd.startswith("DATA_TEST_CONFIG "):
        words = cmd.split()
        enable = words[1] != "0"
        tap = taps.get(key)
        if not enable:
            if tap is not None:
                tap.close()
                del taps[key]
            return "OK\n"
        if tap is None:
            for w in words[2:]:
                if w.startswith("ifname="):
                    ifname = w[7:]
            try:
                taps[key] = Tap(ifname)
            except OSError:
                return "FAIL\n"
        return "OK\n"
    if cmd.startswith("DATA_TEST_TX "):
        tap = taps.get(key)
        if tap is None:
            return "FAIL\n"
        words = cmd.split()
        try:
            dst, src, tos = mac_bytes(words[1]), mac_bytes(words[2]), int(words[3], 0)
            ip_len = IP_LEN
            for w in words[4:]:
                if w.startswith("len="):
                    ip_len = int(w[4:])
            if not 0 <= tos <= 255 or not 20 <= ip_len <= IP_LEN:
                return "FAIL\n"
            tap.send(test_frame(dst, src, tos, ip_len))
        except (ValueError, IndexError, OSError):
            return "FAIL\n"
        return "OK\n"
    return None


def install(cls):
    """Wrap cls (wpasupplicant.WpaSupplicant): request, wait_event, dump_monitor."""
    taps = {}
    orig_request, orig_wait, orig_dump = cls.request, cls.wait_event, cls.dump_monitor

    def request(self, cmd, timeout=10):
        if cmd.startswith("DATA_TEST_"):
            reply = handle(taps, id(self), self.ifname, cmd)
            if reply is not None:
                return reply
        return orig_request(self, cmd, timeout=timeout)

    def wait_event(self, events, timeout=10):
        tap = taps.get(id(self))
        if tap is None or not any(EVENT in e for e in events):
            return orig_wait(self, events, timeout)
        deadline = time.monotonic() + timeout
        while True:
            while tap.events:
                ev = tap.events.popleft()
                if any(e in ev for e in events):
                    return ev
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ev = orig_wait(self, events, min(0.1, remaining))
            if ev is not None:
                return ev

    def dump_monitor(self, *args, **kw):
        tap = taps.get(id(self))
        if tap is not None:
            tap.events.clear()
        return orig_dump(self, *args, **kw)

    cls.request = request
    cls.wait_event = wait_event
    cls.dump_monitor = dump_monitor
