"""The compact control protocol: msgpack maps over a UNIX SOCK_SEQPACKET socket.

One socket for the whole daemon (default /run/wispd/control); requests name the
interface they are about.  The operations are control.commands.TABLE's, looked
up by `op`, their typed results converted by each Command's `compact`
converter; docs/control-protocol.md is the specification and the source of
truth.  The packets are the codec's (control/compact/codec.py); this module has
the socket, the clients and their subscriptions.  It is only imported when the
socket is enabled, and msgpack (about 1 MB of RSS we don't pay otherwise) only
on the first client connection.

Every connection is checked on accept (SO_PEERCRED, SO_PEERGROUPS): root, the
daemon's own uid, or a member of the control group.  Each client has its own
bounded send queue, so a slow or stuck subscriber only ever loses its own
events (and is told how many with one `events_dropped`), never delays another
client or the link.
"""

import errno
import logging
import os
import socket
import struct
from collections import deque

from wispd.control import commands
from wispd.control.compact import codec
from wispd.control.wpactrl.server import bind_private, remove_stale, resolve_group

log = logging.getLogger("wispd.control")

DEFAULT_PATH = "/run/wispd/control"
MAX_CLIENTS = 16
QUEUE_MAX = 256           # events waiting in one client's queue; more are dropped
REPLY_SLACK = 64          # replies waiting beyond that: the client is not reading at all
# A subscriber whose socket took nothing while STALL_LIMIT events were dropped
# for it and for STALL_SECONDS is stuck, not slow: disconnected (see on_event).
STALL_LIMIT = QUEUE_MAX
STALL_SECONDS = 5.0
MAX_BAD = 5               # garbage messages in a row before we hang up
READ_BATCH = 16           # messages from one client per loop turn (fairness)
DEFAULT_EVENT_LEVEL = 3   # MSG_INFO, as for wpa_ctrl monitors
SO_PEERGROUPS = getattr(socket, "SO_PEERGROUPS", 59)
_CRED = struct.Struct("3i")


class Subscription:
    __slots__ = ("events", "level", "interfaces")

    def __init__(self, events=None, level=None, interfaces=None):
        self.events = frozenset(events) if events else None
        self.level = DEFAULT_EVENT_LEVEL if level is None else level
        self.interfaces = frozenset(interfaces) if interfaces else None

    def wants(self, ifname, level, name):
        if level < self.level:
            return False
        if self.interfaces is not None and ifname not in self.interfaces:
            return False
        return self.events is None or name in self.events


class Conn:
    __slots__ = ("sock", "pid", "uid", "gid", "queue", "events_queued", "seq", "dropped",
                 "dropped_last", "stalled", "stalled_since", "sub", "bad", "reading", "writing")

    def __init__(self, sock, pid, uid, gid):
        self.sock = sock
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.queue = deque()        # (packet, is_event)
        self.events_queued = 0
        self.seq = 0                # last event sequence number given out
        self.dropped = 0            # events dropped since the last events_dropped
        self.dropped_last = 0       # seq of the last one of them
        self.stalled = 0            # events dropped since the socket last took a packet
        self.stalled_since = 0.0    # when the first of them was dropped
        self.sub = None
        self.bad = 0
        self.reading = True
        self.writing = False

    def __repr__(self):
        return "client(pid=%d uid=%d)" % (self.pid, self.uid)


def peer_credentials(sock):
    """(pid, uid, gid, supplementary gids) of the process at the other end."""
    pid, uid, gid = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                 _CRED.size))
    groups = ()
    for size in (4 * 64, 4 * 65536):
        try:
            raw = sock.getsockopt(socket.SOL_SOCKET, SO_PEERGROUPS, size)
        except OSError as e:
            if e.errno == errno.ERANGE:
                continue
            log.debug("compact: SO_PEERGROUPS: %s", e)
            break
        groups = struct.unpack("%dI" % (len(raw) // 4), raw[:len(raw) // 4 * 4])
        break
    return pid, uid, gid, groups


def bind_seqpacket(path, gid):
    """Listen at path (0660, group gid), taking over a stale file only when no
    daemon answers on it."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o755, exist_ok=True)
    remove_stale(path, socket.SOCK_SEQPACKET, "another daemon")
    # Bind under a temporary name and rename once listening: a client that sees
    # the path can connect at once (no ECONNREFUSED window between bind and
    # listen).  No moment where the file is more open than 0660.
    tmp = "%s.%d.tmp" % (path, os.getpid())
    if os.path.lexists(tmp):
        os.unlink(tmp)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.setblocking(False)
    bind_private(sock, tmp)
    try:
        if gid is not None:
            os.chown(tmp, -1, gid)
        os.chmod(tmp, 0o660)
        sock.listen(8)
        os.rename(tmp, path)
    except OSError:
        sock.close()
        os.unlink(tmp)
        raise
    return sock


class CompactServer:
    def __init__(self, daemon, path=DEFAULT_PATH, group=None):
        # msgpack (~0.6 MB RSS, and its packer's 256 kB buffer) is loaded when
        # the first client connects, not by every idle daemon (issue 9).
        self.encoder = codec.Encoder()
        self.daemon = daemon
        self.eloop = daemon.eloop
        self.path = path
        self.gid = resolve_group(group)
        self.conns = {}
        self.sock = bind_seqpacket(path, self.gid)
        self.eloop.register_read(self.sock, self._accept)
        daemon.subscribe(self.on_notification)

    def close(self):
        self.daemon.unsubscribe(self.on_notification)
        for conn in list(self.conns.values()):
            self._flush(conn)
            self._drop(conn, None)
        self.eloop.unregister_read(self.sock)
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def hello_message(self):
        return codec.hello([i.ifname for i in self.daemon.interfaces], MAX_CLIENTS, QUEUE_MAX)

    # ------------------------------------------------------------------ accept
    def allowed(self, uid, gid, groups):
        if uid == 0 or uid == os.geteuid():
            return True
        return self.gid is not None and (gid == self.gid or self.gid in groups)

    def _accept(self, sock):
        try:
            client, _ = sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            log.warning("compact: accept failed: %s", e)
            return
        client.setblocking(False)
        try:
            pid, uid, gid, groups = peer_credentials(client)
        except OSError as e:
            log.warning("compact: no peer credentials (%s), refused", e)
            client.close()
            return
        if not self.allowed(uid, gid, groups):
            log.warning("compact: refused pid %d uid %d gid %d: not root, not the daemon's "
                        "uid and not in the control group", pid, uid, gid)
            self._goodbye(client, "access_denied", "not allowed to use this socket")
            return
        if len(self.conns) >= MAX_CLIENTS:
            log.warning("compact: refused pid %d uid %d: already %d clients", pid, uid,
                        len(self.conns))
            self._goodbye(client, "too_many_clients", "too many clients")
            return
        conn = Conn(client, pid, uid, gid)
        self.conns[client.fileno()] = conn
        log.debug("compact: %r connected", conn)
        self.eloop.register_read(client, self._readable, conn)
        self._queue(conn, self.encoder.pack(self.hello_message()), False)

    def _goodbye(self, sock, code, message):
        try:
            sock.send(self.encoder.pack(codec.goodbye(code, message)))
        except OSError:
            pass
        sock.close()

    def _drop(self, conn, why):
        if conn.sock.fileno() < 0:
            return
        if why:
            log.info("compact: %r disconnected: %s", conn, why)
        self.conns.pop(conn.sock.fileno(), None)
        self.eloop.unregister_read(conn.sock)
        if conn.writing:
            self.eloop.unregister_write(conn.sock)
        conn.sock.close()
        conn.queue.clear()

    # ------------------------------------------------------------------ requests
    def _readable(self, sock, conn):
        for _ in range(READ_BATCH):
            try:
                data, _, flags, _ = sock.recvmsg(codec.MAX_MESSAGE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self._drop(conn, str(e))
                return
            if not data and not flags & socket.MSG_TRUNC:
                self._drop(conn, None)
                return
            if flags & socket.MSG_TRUNC:
                self._bad(conn, None, "too_large", "message larger than %d bytes"
                          % codec.MAX_MESSAGE)
            else:
                self.handle(conn, data)
            if conn.sock.fileno() not in self.conns or not conn.reading:
                return

    def _bad(self, conn, rid, code, message):
        conn.bad += 1
        if conn.bad >= MAX_BAD:
            log.warning("compact: %r sent %d bad messages in a row, disconnecting", conn, conn.bad)
            self._reply(conn, codec.goodbye("too_many_errors", "too many bad messages"))
            self._flush(conn)
            self._drop(conn, "too many bad messages")
            return
        self._error(conn, rid, code, message)

    def _error(self, conn, rid, code, message):
        self._reply(conn, codec.error(rid, code, message))

    def handle(self, conn, data):
        """One request packet → one reply (or an error) on conn's queue."""
        try:
            req = codec.decode(data)
        except codec.RequestError as e:
            self._bad(conn, e.rid, e.code, e.message)
            return
        rid, command = req.id, req.command
        iface = None
        if req.ifname is not None:
            iface = self.daemon.get_interface(req.ifname)
            if iface is None:
                self._error(conn, rid, "no_such_interface", "no interface %s" % req.ifname)
                return
        elif command.scope == "iface":
            iface = self._sole_interface(conn, req)
            if iface is None:
                return
        try:
            values = codec.convert_args(command, req.args)
        except ValueError as e:
            self._bad(conn, rid, "invalid_argument", str(e))
            return
        conn.bad = 0
        log.debug("compact: %r %s%s", conn, req.op, " on %s" % iface.ifname if iface else "")
        ctx = commands.Context(self.daemon, iface, (self, conn))
        try:
            message = codec.result(rid, command, commands.run(command, ctx, values))
        except commands.CommandError as e:
            self._error(conn, rid, e.code, e.message)
            return
        except Exception:
            log.exception("compact: %s crashed", req.op)
            self._error(conn, rid, "internal_error", "%s failed" % req.op)
            return
        if conn.sock.fileno() not in self.conns:
            return
        self._reply(conn, message)

    def _sole_interface(self, conn, req):
        """A per-interface op that names no interface is about the daemon's
        only one (the usual board has one radio); with several, guessing could
        reconfigure the wrong radio, so the client is asked to say which
        (docs/control-protocol.md, "Which interface").  Like an unknown
        interface, this is no bad message."""
        interfaces = self.daemon.interfaces
        if len(interfaces) == 1:
            return interfaces[0]
        self._error(conn, req.id, "no_interface", "%s needs iface: the daemon has %s" % (
            req.op, "%d interfaces (%s)" % (len(interfaces), ", ".join(
                i.ifname for i in interfaces)) if interfaces else "no interface"))
        return None

    def _reply(self, conn, message):
        self._queue(conn, self.encoder.reply(message), False)
        if len(conn.queue) - conn.events_queued > REPLY_SLACK and conn.reading:
            # Asking without ever reading: stop listening until it catches up.
            conn.reading = False
            self.eloop.unregister_read(conn.sock)

    # ------------------------------------------------------------------ events
    def subscribe(self, conn, events=None, level=None, interfaces=None):
        conn.sub = Subscription(events, level, interfaces)
        return {"seq": conn.seq}

    def unsubscribe(self, conn):
        conn.sub = None

    # ATTACH / DETACH / LEVEL over the compact socket (Daemon.control_* call these).
    def attach(self, conn):
        self.subscribe(conn)

    def detach(self, conn):
        was = conn.sub is not None
        conn.sub = None
        return was

    def set_level(self, conn, level):
        if conn.sub is None:
            raise commands.CommandError("not_attached", "subscribe first")
        conn.sub.level = level

    def on_notification(self, iface, notification):
        """A Daemon subscriber: one event, its fields as they are, to every
        matching subscriber; `raw` is the wpa_ctrl line (None if it has none)."""
        subs = [c for c in self.conns.values() if c.sub is not None]
        if not subs:
            return
        body = codec.EventBody(notification)
        now = self.eloop.now()
        for conn in subs:
            if not conn.sub.wants(iface.ifname, body.level, body.name):
                continue
            conn.seq += 1
            if conn.dropped or conn.events_queued >= QUEUE_MAX:
                self._note_dropped(conn)
                if conn.events_queued >= QUEUE_MAX:
                    conn.dropped += 1
                    conn.dropped_last = conn.seq
                    if not conn.stalled:
                        conn.stalled_since = now
                    conn.stalled += 1
                    if conn.stalled > STALL_LIMIT and now - conn.stalled_since >= STALL_SECONDS:
                        # A slow reader drains some and starts over at zero;
                        # this one took nothing while a flood went by: it holds
                        # a queue and a client slot for nobody (wpa_supplicant
                        # detaches a monitor after repeated send failures).
                        log.warning("compact: %r read nothing for %.0f s while %d events were "
                                    "dropped, disconnecting it", conn, now - conn.stalled_since,
                                    conn.stalled)
                        self._drop(conn, None)
                    continue
            self._queue(conn, self.encoder.pack(codec.event(conn.seq, now, iface.ifname, body)),
                        True)

    def _note_dropped(self, conn):
        """Once there is room again: one events_dropped saying how many, placed
        where the gap in seq is."""
        if conn.dropped and conn.events_queued < QUEUE_MAX:
            packet = self.encoder.pack(codec.events_dropped(conn.dropped, conn.dropped_last))
            conn.dropped = 0
            self._queue(conn, packet, True)

    # ------------------------------------------------------------------ sending
    def _queue(self, conn, packet, is_event):
        conn.queue.append((packet, is_event))
        if is_event:
            conn.events_queued += 1
        if not conn.writing:
            self._flush(conn)

    def _flush(self, conn):
        while conn.queue:
            packet, is_event = conn.queue[0]
            try:
                conn.sock.send(packet)
            except (BlockingIOError, InterruptedError):
                if not conn.writing:
                    conn.writing = True
                    self.eloop.register_write(conn.sock, self._writable, conn)
                return False
            except OSError as e:
                self._drop(conn, "send failed: %s" % e)
                return False
            conn.queue.popleft()
            conn.stalled = 0
            if is_event:
                conn.events_queued -= 1
        if conn.writing:
            conn.writing = False
            self.eloop.unregister_write(conn.sock)
        return True

    def _writable(self, sock, conn):
        if self._flush(conn):
            self._note_dropped(conn)
        if conn.sock.fileno() in self.conns and not conn.reading \
                and len(conn.queue) - conn.events_queued <= REPLY_SLACK // 2:
            conn.reading = True
            self.eloop.register_read(conn.sock, self._readable, conn)

