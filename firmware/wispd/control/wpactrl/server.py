"""The wpa_ctrl text protocol: UNIX datagram sockets that wpa_cli can drive.

One socket per interface at <ctrl_dir>/<ifname>, plus an optional global one
(-g).  A request is one datagram of text; the reply goes back to the sender's
address.  ATTACHed clients become monitors and receive events as
"<level>TEXT".  This module has the sockets, the monitors and what keeps a
monitor that stops reading from choking the rest; the bytes are the codec's
(control/wpactrl/codec.py), and what a command does is in control.commands,
which the compact protocol shares.
"""

import errno
import fcntl
import grp
import logging
import os
import socket
import stat
import struct
import termios
from collections import deque

from wispd.control import commands
from wispd.control.wpactrl import codec
from wispd.platform import unixdiag

log = logging.getLogger("wispd.control")

MONITOR_MAX_ERRORS = 10
# Monitors that stop reading (see control/unixdiag.py for why send errors do
# not find them).  When more than THROTTLE bytes of our events wait in
# receivers' queues, new events wait here instead (at most PENDING_MAX, the
# oldest dropped beyond), so the rest of the send buffer stays free for
# replies.  Every CHECK_INTERVAL the kernel is asked who has unread data:
# nobody got anything new meanwhile, so a monitor that reads has emptied its
# queue, and one found unread STUCK_CHECKS times in a row is detached.
THROTTLE = 64 * 1024
PENDING_MAX = 1024
CHECK_INTERVAL = 0.2
STUCK_CHECKS = 3
DEFAULT_MONITOR_LEVEL = 3   # MSG_INFO


def resolve_group(group):
    if group is None or group == "":
        return None
    if str(group).isdecimal():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise OSError("unknown group %r" % group)


# A probe that gets one of these knows nobody is bound there any more.
STALE_ERRNOS = (errno.ECONNREFUSED, errno.ENOENT)


def socket_in_use(path, kind=socket.SOCK_DGRAM):
    """Probe a socket file left behind: is a live daemon there?  Only "connection
    refused" proves a file stale (its owner died, e.g. by kill -9); a full queue
    or a permission error means somebody is, or may be, alive: hands off."""
    probe = socket.socket(socket.AF_UNIX, kind)
    probe.setblocking(False)    # a live daemon with a full queue must not block us
    try:
        probe.connect(path)
        return True
    except (BlockingIOError, InterruptedError):
        return True
    except OSError as e:
        if e.errno in STALE_ERRNOS:
            return False
        raise OSError(e.errno, "%s: cannot tell whether it is in use: %s"
                      % (path, e.strerror)) from None
    finally:
        probe.close()


def remove_stale(path, kind, holder):
    """A socket file at path: refuse if someone lives there, else unlink it
    (a kill -9 leaves the file behind)."""
    if not os.path.lexists(path):
        return
    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        raise OSError(errno.EEXIST, "%s exists and is not a socket" % path)
    if socket_in_use(path, kind):
        raise OSError(errno.EADDRINUSE, "%s is in use by %s" % (path, holder))
    log.info("removing stale control socket %s", path)
    os.unlink(path)


def bind_private(sock, path):
    """Bind with the file created 0600 whatever the umask; the caller opens it
    up to the group afterwards.  No moment where someone outside the group can
    connect (a connected datagram socket keeps sending after a later chmod)."""
    old = os.umask(0o177)
    try:
        sock.bind(path)
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(old)


def bind_control_socket(path, group, mode=0o770):
    """Bind a datagram socket at path, taking over a stale file only when
    nobody answers on it."""
    remove_stale(path, socket.SOCK_DGRAM,
                 "another process (another supplicant on this interface?)")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setblocking(False)
    bind_private(sock, path)
    try:
        gid = resolve_group(group)
        if gid is not None:
            os.chown(path, -1, gid)
        os.chmod(path, mode)
    except OSError:
        sock.close()
        os.unlink(path)
        raise
    return sock


def make_ctrl_dir(path, group):
    """wpa_supplicant's ctrl_interface directory: created 0770; with a group it
    is handed to that group and made 0750 even when it already existed, so the
    group can reach the sockets and nobody else can."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o770, exist_ok=True)
    gid = resolve_group(group)
    if gid is not None:
        os.chown(path, -1, gid)
        os.chmod(path, 0o750)


class Monitor:
    __slots__ = ("addr", "level", "errors", "unread")

    def __init__(self, addr):
        self.addr = addr
        self.level = DEFAULT_MONITOR_LEVEL
        self.errors = 0
        self.unread = 0         # stuck checks in a row that found its queue not empty


# The per-interface commands that wpa_supplicant's global socket runs on its
# first interface when no IFNAME= is given (ctrl_iface.c
# wpas_global_ctrl_iface_redir_p2p: the P2P device's commands, which are also
# how test runners clear the networks between tests).
GLOBAL_REDIRECT = frozenset(("LIST_NETWORKS", "GET_CAPABILITY", "GET_NETWORK", "REMOVE_NETWORK"))


class TextControl:
    """A wpa_ctrl socket.  iface is None for the global socket."""

    def __init__(self, daemon, path, group, iface=None):
        self.daemon = daemon
        self.path = path
        self.iface = iface
        self.monitors = {}
        self.sock = bind_control_socket(path, group)
        self.inode = unixdiag.socket_inode(self.sock)
        self.sndbuf = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        self.pending = deque()      # (level, datagram) held back by the throttle
        self.held = 0               # bytes detached stuck monitors still hold of ours
        self.lost = 0
        daemon.eloop.register_read(self.sock, self._readable)

    def close(self):
        self.daemon.eloop.cancel_timeout(self._throttled)
        self.daemon.eloop.unregister_read(self.sock)
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    # ------------------------------------------------------------------ requests
    def _readable(self, sock):
        for _ in range(32):       # a bounded batch, so one chatty client can't starve others
            try:
                data, addr = sock.recvfrom(codec.MAX_REQUEST + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                log.warning("control: receive failed: %s", e)
                return
            reply = self.handle(data, addr)
            if reply is not None and addr:
                self._send(addr, reply)

    def handle(self, data, addr):
        """One request datagram → the reply datagram."""
        try:
            request = codec.decode(data)
        except codec.RequestError as e:
            if e.why:
                log.warning("control: %s", e.why)
            return e.reply
        iface = self.iface
        if request.ifname is not None:
            iface = self.daemon.get_interface(request.ifname)
            if iface is None:
                return codec.NO_IFNAME_MATCH
        command = request.command
        if iface is None and command is not None and command.scope == "iface" \
                and command.name in GLOBAL_REDIRECT and self.daemon.interfaces:
            iface = self.daemon.interfaces[0]
        # The global socket names no interface: a per-interface command needs
        # IFNAME=, even when the daemon has only one (wpa_supplicant's global
        # socket answers so; docs/control-protocol.md, "Which interface").
        if command is None or (command.scope == "iface" and iface is None):
            log.debug("control: unknown command %r", request.name[:64])
            return codec.UNKNOWN_COMMAND
        ctx = commands.Context(self.daemon, iface, (self, addr))
        if command.name not in ("PING",):
            log.debug("control: %s", request.loggable())
        try:
            result = commands.run(command, ctx, request.arguments())
        except codec.ParseError as e:
            log.debug("control: %s: %s", command.name, e)
            return codec.FAIL
        except commands.CommandError as e:
            log.debug("control: %s failed: %s", command.name, e.message)
            return codec.error_reply(e)
        except Exception:
            log.exception("control: %s crashed", command.name)
            return codec.FAIL
        return codec.reply(command, result)

    # ------------------------------------------------------------------ monitors
    def attach(self, addr):
        self.monitors[addr] = Monitor(addr)

    def detach(self, addr):
        return self.monitors.pop(addr, None) is not None

    def set_level(self, addr, level):
        mon = self.monitors.get(addr)
        if mon is None:
            raise commands.CommandError("not_attached", "LEVEL needs ATTACH first")
        mon.level = level

    def event(self, ifname, level, text):
        """An event line of interface `ifname` for the monitors (a global
        socket says which interface it is about)."""
        if not self.monitors:
            return
        data = codec.event(level, text, ifname if self.iface is None else None)
        if self.pending or self._outq() > self.held + THROTTLE:
            if len(self.pending) >= PENDING_MAX:
                self.pending.popleft()
                self.lost += 1
            self.pending.append((level, data))
            if not self.daemon.eloop.is_timeout_registered(self._throttled):
                self.daemon.eloop.register_timeout(CHECK_INTERVAL, self._throttled)
            return
        self._broadcast(level, data)

    def _broadcast(self, level, data):
        for mon in list(self.monitors.values()):
            if level < mon.level:
                continue
            if self._send(mon.addr, data):
                mon.errors = 0
                continue
            mon.errors += 1
            if mon.errors > MONITOR_MAX_ERRORS:
                log.info("control: detaching monitor %r after %d errors", mon.addr, mon.errors)
                self.monitors.pop(mon.addr, None)

    def _outq(self):
        raw = fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        return struct.unpack("i", raw)[0]

    def _throttled(self):
        """The throttle's timer: detach who does not read, send what waits."""
        outq = self._outq()
        self.held = min(self.held, outq)     # a stuck one died or read after all
        if outq > self.held + THROTTLE:
            self._detach_stuck(outq)
        while self.pending and self._outq() <= self.held + THROTTLE:
            self._broadcast(*self.pending.popleft())
        if self.pending:
            self.daemon.eloop.register_timeout(CHECK_INTERVAL, self._throttled)
        elif self.lost:
            log.warning("control: %d events were dropped while monitors did not read",
                        self.lost)
            self.lost = 0

    def _detach_stuck(self, outq):
        try:
            unread = unixdiag.unread_peers(self.inode)
        except OSError as e:
            # No sock_diag (CONFIG_UNIX_DIAG): guessing would detach readers,
            # so events wait and, past PENDING_MAX, are dropped (and counted).
            log.debug("control: cannot tell which monitor does not read: %s", e)
            return
        detached = False
        for mon in list(self.monitors.values()):
            key = os.fsencode(mon.addr) if isinstance(mon.addr, str) else bytes(mon.addr)
            mon.unread = mon.unread + 1 if key in unread else 0
            if mon.unread >= STUCK_CHECKS:
                log.info("control: detaching monitor %r: it does not read its events "
                         "(%d kB of ours wait in receive queues)", mon.addr, outq // 1024)
                self.monitors.pop(mon.addr, None)
                detached = True
        if detached:
            # What is still queued now is theirs (the others had time to read):
            # dead weight until they read or exit, so the throttle counts from
            # there, and the buffer grows to keep room for replies.
            self.held = outq
            want = self.held + 2 * THROTTLE
            if want > self.sndbuf:
                for opt in (getattr(socket, "SO_SNDBUFFORCE", 32), socket.SO_SNDBUF):
                    try:
                        self.sock.setsockopt(socket.SOL_SOCKET, opt, want)
                        break
                    except OSError:
                        continue
                self.sndbuf = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)

    def _send(self, addr, data):
        try:
            self.sock.sendto(data, addr)
            return True
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.EPERM, errno.EACCES):
                # The client is gone for good: no point counting to ten.
                if self.monitors.pop(addr, None) is not None:
                    log.info("control: monitor %r is gone (%s), detached", addr, e.strerror)
            else:
                log.debug("control: send to %r failed: %s", addr, e)
            return False
