"""A tiny client for the wpa_ctrl protocol (hostapd's and wpa_supplicant's
control socket; wispd serves the same): UNIX datagram, text request/reply,
and unsolicited "<level>EVENT ..." messages once ATTACHed."""
from __future__ import annotations

import itertools
import os
import select
import socket
import time

from . import RUN_DIR

_counter = itertools.count()


class CtrlError(Exception):
    pass


class WpaCtrl:
    def __init__(self, path: str, connect_timeout: float = 10.0):
        self.path = path
        os.makedirs(RUN_DIR, exist_ok=True)
        self.local = os.path.join(RUN_DIR, "ctrl-%d-%d" % (os.getpid(), next(_counter)))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.local)
        self.events = []          # unsolicited messages not yet consumed
        self.attached = False
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError as e:
                if time.monotonic() > deadline:
                    self.close()
                    raise CtrlError("cannot connect to %s: %s" % (path, e))
                time.sleep(0.1)

    def close(self) -> None:
        if self.sock is not None:
            if self.attached:
                try:
                    self.sock.send(b"DETACH")
                except OSError:
                    pass
            self.sock.close()
            self.sock = None
        try:
            os.unlink(self.local)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv(self, timeout: float):
        r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        if not r:
            return None
        return self.sock.recv(65536).decode("utf-8", "replace")

    def request(self, cmd: str, timeout: float = 10.0) -> str:
        """Send a command, return its reply (events that arrive meanwhile are queued)."""
        self.sock.send(cmd.encode())
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline - time.monotonic())
            if msg is None:
                raise CtrlError("no reply to %r from %s within %.0f s" % (cmd, self.path, timeout))
            if msg.startswith("<") and self.attached and ">" in msg[:4]:
                self.events.append(msg)
                continue
            return msg

    def attach(self) -> None:
        reply = self.request("ATTACH")
        if not reply.startswith("OK"):
            raise CtrlError("ATTACH to %s failed: %r" % (self.path, reply))
        self.attached = True

    def pending_events(self, timeout: float = 0.0) -> list:
        """Drain what is queued now (waiting up to timeout for the first)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline - time.monotonic() if not self.events else 0)
            if msg is None:
                break
            self.events.append(msg)
        out, self.events = self.events, []
        return out

    def poll(self, timeout: float) -> bool:
        """Wait up to timeout for one message and queue it (nothing consumed)."""
        msg = self._recv(timeout)
        if msg is None:
            return False
        self.events.append(msg)
        return True

    def wait_event(self, prefixes, timeout: float = 15.0):
        """Return the first event (without its <level>) whose text starts with one
        of `prefixes`, or None on timeout. Other events stay in `self.seen`."""
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        deadline = time.monotonic() + timeout
        while True:
            while self.events:
                ev = _strip_level(self.events.pop(0))
                self.seen.append(ev)
                for p in prefixes:
                    if ev.startswith(p):
                        return ev
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            msg = self._recv(remaining)
            if msg is None:
                return None
            self.events.append(msg)

    @property
    def seen(self) -> list:
        if not hasattr(self, "_seen"):
            self._seen = []
        return self._seen


def _strip_level(msg: str) -> str:
    if msg.startswith("<"):
        end = msg.find(">")
        if 0 < end <= 3:
            return msg[end + 1:]
    return msg


def parse_kv(text: str) -> dict:
    """key=value lines (STATUS, STA ...) -> dict."""
    out = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out
