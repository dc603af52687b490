"""A blocking client for wispd's compact control protocol.

    from wispd.client import Client
    with Client() as c:                      # /run/wispd/control
        print(c.status()["state"])
        c.subscribe(["connected", "disconnected"])
        for event in c.events():             # blocks; yields maps
            print(event["seq"], event["event"], event["data"])

It needs nothing beyond the standard library and msgpack, so a fleet agent can
copy this one file.  The protocol is in docs/control-protocol.md.
"""

import socket
import time
from collections import deque

import msgpack

DEFAULT_PATH = "/run/wispd/control"
PROTOCOL_VERSION = 2
MAX_MESSAGE = 65536


class WispError(Exception):
    """The daemon refused a request: code is stable (see the spec)."""

    def __init__(self, code, message=""):
        super().__init__("%s: %s" % (code, message) if message else code)
        self.code = code
        self.message = message


class Disconnected(WispError):
    """The daemon hung up (or refused the connection: code says why)."""


class Timeout(WispError):
    pass


class Client:
    def __init__(self, path=DEFAULT_PATH, timeout=10.0, iface=None):
        self.path = path
        self.timeout = timeout
        self.iface = iface
        self.pending = deque()      # events and events_dropped that arrived between replies
        self._next_id = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.sock.settimeout(timeout)
            self.sock.connect(path)
            first = self._recv(timeout)
        except BaseException:
            self.sock.close()
            raise
        if first.get("type") != "hello":
            self.close()
            raise WispError("bad_hello", "expected hello, got %r" % (first.get("type"),))
        self.hello = first

    # ------------------------------------------------------------------ plumbing
    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self):
        return self.sock.fileno()

    def _recv(self, timeout):
        if self.sock is None:
            raise Disconnected("closed", "client is closed")
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(MAX_MESSAGE)
        except socket.timeout:
            raise Timeout("timeout", "no message within %.1f s" % timeout)
        except OSError as e:
            raise Disconnected("disconnected", str(e))
        if not data:
            raise Disconnected("disconnected", "the daemon closed the connection")
        msg = msgpack.unpackb(data, raw=False)
        if msg.get("type") == "error":
            # A connection-level refusal (access_denied, too_many_clients, ...).
            raise Disconnected(msg.get("code", "error"), msg.get("message", ""))
        return msg

    def send_raw(self, data):
        """Send bytes as they are (for tests of the daemon's input checks)."""
        self.sock.send(data)

    def request(self, op, args=None, iface=None, timeout=None):
        """Send one request; return its result or raise WispError."""
        self._next_id += 1
        rid = self._next_id
        req = {"v": PROTOCOL_VERSION, "id": rid, "op": op}
        iface = iface or self.iface
        if iface:
            req["iface"] = iface
        if args:
            req["args"] = args
        if self.sock is None:
            raise Disconnected("closed", "client is closed")
        try:
            self.sock.send(msgpack.packb(req, use_bin_type=True))
        except OSError as e:
            raise Disconnected("disconnected", str(e))
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(max(0.001, deadline - time.monotonic()))
            if msg.get("type") == "reply" and msg.get("id") == rid:
                if "error" in msg:
                    err = msg["error"]
                    raise WispError(err.get("code", "error"), err.get("message", ""))
                return msg.get("result")
            if msg.get("type") in ("event", "events_dropped"):
                self.pending.append(msg)

    # ------------------------------------------------------------------ events
    def subscribe(self, events=None, level=None, interfaces=None):
        args = {}
        if events is not None:
            args["events"] = list(events)
        if level is not None:
            args["level"] = level
        if interfaces is not None:
            args["interfaces"] = list(interfaces)
        return self.request("subscribe", args)

    def next_event(self, timeout=None):
        """The next event (or events_dropped) map, or None after timeout."""
        if self.pending:
            return self.pending.popleft()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if left == 0.0:
                return None
            try:
                msg = self._recv(left)
            except Timeout:
                return None
            if msg.get("type") in ("event", "events_dropped"):
                return msg

    def events(self, timeout=None):
        """Iterate over events; stops after `timeout` seconds without one."""
        while True:
            msg = self.next_event(timeout)
            if msg is None:
                return
            yield msg

    def wait_event(self, names, timeout=30.0):
        """The next event whose name is in names (others are skipped)."""
        if isinstance(names, str):
            names = (names,)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("timeout", "no %s within %.0f s" % ("/".join(names), timeout))
            msg = self.next_event(left)
            if msg is not None and msg.get("event") in names:
                return msg

    # ------------------------------------------------------------------ operations
    def status(self, iface=None):
        return self.request("status", iface=iface)

    def scan(self, wait=True, timeout=30.0, progress=None, iface=None):
        """Start a scan; with wait, block until its results and return them.
        A scan already running (busy) is waited for instead of failing.  With
        wait, this connection's subscription becomes the scan events only
        (subscribe again afterwards, or use a second Client for a live feed)."""
        if wait:
            self.subscribe(["scan_started", "scan_results", "scan_failed"])
        try:
            self.request("scan", iface=iface)
        except WispError as e:
            if not (wait and e.code == "busy"):
                raise
        if not wait:
            return None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("timeout", "scan results did not come within %.0f s" % timeout)
            msg = self.next_event(min(left, 0.5))
            if progress is not None:
                progress(msg)
            if msg is not None and msg.get("event") == "scan_results":
                return self.scan_results(iface=iface)

    def scan_results(self, iface=None):
        return self.request("scan_results", iface=iface)

    def networks(self, iface=None):
        return self.request("networks", iface=iface)

    def add_network(self, fields, iface=None):
        """Add a network from a map of field → conf-syntax text; returns its id."""
        nid = self.request("network.add", iface=iface)
        try:
            for field, value in fields.items():
                self.request("network.set", {"id": nid, "field": field, "value": value},
                             iface=iface)
            self.request("network.enable", {"id": nid}, iface=iface)
        except WispError:
            self.request("network.remove", {"id": nid}, iface=iface)
            raise
        return nid

    def remove_network(self, nid, iface=None):
        return self.request("network.remove", {"id": nid}, iface=iface)

    def select_network(self, nid, iface=None):
        return self.request("network.select", {"id": nid}, iface=iface)

    def apply_networks(self, networks, save=True, iface=None):
        return self.request("networks.apply", {"networks": list(networks), "save": save},
                            iface=iface)

    def save(self, iface=None):
        return self.request("save", iface=iface)
