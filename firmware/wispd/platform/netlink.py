"""A small non-blocking netlink socket, and pyroute2's message classes without pyroute2.

Why the shim: `import pyroute2.netlink` runs `pyroute2/__init__.py` first, and that
imports nearly everything pyroute2 has (sockets, asyncio, NDB...): ~24 MB of RSS on
a board that has little.  pyroute2's message classes themselves (nlmsg, nla,
genlmsg) only need `pyroute2.common` and `pyroute2.netlink.exceptions`.  So
`pyroute2_netlink()` puts an empty package object named `pyroute2` (with the real
`__path__`) into sys.modules and then imports the submodule: Python finds the real
files, the package `__init__` never runs.  If the real package was imported already
(a test, an interactive session), it is used as is.  tests/unit/test_netlink_shim.py
fails loudly if a pyroute2 upgrade makes the message classes import more.

The socket side is ours: pyroute2's sockets pull in asyncio (+11 MB).
`NetlinkSocket` sends requests with a sequence number each and dispatches answers
(ACK, error, reply, dump parts) to a per-request callback; everything else
(multicast notifications) goes to `on_notify`.  `request()` waits for one answer
synchronously, for the few start-up queries that need it.

A socket that joins multicast groups can overflow (ENOBUFS): the kernel drops
whatever does not fit, notifications and answers alike.  The socket then reads
on to the end of what was queued, fails every request whose answer can no
longer come (see `_answers_lost`) and calls `on_overrun()`, so that its owner
asks the kernel for the state instead of believing the events it has seen.
"""

import errno as _errno
import gc
import logging
import os
import select
import socket
import struct
import sys
import time
import types

from wispd.platform.nlattrs import Attrs, GenlMessage

log = logging.getLogger("wispd.netlink")

NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_CAPPED = 0x100          # in NLMSG_ERROR: the request is not echoed whole
NLM_F_ACK_TLVS = 0x200        # in NLMSG_ERROR: extended ACK attributes follow

SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_DROP_MEMBERSHIP = 2
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10
NLMSGERR_ATTR_MSG = 1

NETLINK_ROUTE = 0
NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3

_HDR = struct.Struct("=IHHII")

_SHIM_MARK = "__wispd_shim__"


def pyroute2_netlink():
    """Return the `pyroute2.netlink` module, imported without pyroute2's package
    __init__ (see the module docstring)."""
    mod = sys.modules.get("pyroute2.netlink")
    if mod is not None:
        return mod
    if "pyroute2" not in sys.modules:
        # Found by hand, as the import system would (the first sys.path entry
        # that holds the package; .pyc alone is how a Buildroot image with
        # BR2_PACKAGE_PYTHON3_PYC_ONLY ships it): `importlib.machinery` is a
        # module more on the start path (~35 ms of CPU under the testbed's
        # TCG) for one lookup.
        init = next((f for f in (os.path.join(p or ".", "pyroute2", "__init__" + ext)
                                 for p in sys.path for ext in (".py", ".pyc"))
                     if os.path.isfile(f)), None)
        if init is None:
            raise ImportError("pyroute2 is not installed")
        pkg = types.ModuleType("pyroute2")
        pkg.__path__ = [os.path.dirname(init)]
        pkg.__file__ = init
        pkg.__package__ = "pyroute2"
        setattr(pkg, _SHIM_MARK, True)
        sys.modules["pyroute2"] = pkg
    import pyroute2.netlink as mod  # noqa: E402  (after the shim, on purpose)
    return mod


def release_messages():
    """Free decoded pyroute2 messages now.  pyroute2's messages and attributes
    refer to themselves (`chain = [self]`), so dropping them frees nothing until
    the cyclic GC runs (nl80211's own reader, msgs.Message, makes no cycles and
    needs none of this); a dump decoded while collections happen gets promoted to
    the oldest generation, which is collected rarely.  Over a soak that was
    megabytes of RSS (19.6 -> 27 MB in 45 cycles of reconnect, rekey, AP
    restart and re-plug).  Called after converting a dump; cheap, because
    main() froze the start-up heap (gc.freeze)."""
    gc.collect()


class NetlinkError(OSError):
    """The kernel refused a request: errno plus the extended-ACK text if any."""

    def __init__(self, code, message=""):
        text = os.strerror(code) + (": " + message if message else "")
        super().__init__(code, text)


class _Request:
    __slots__ = ("callback", "dump", "parts", "done", "error", "ext_msg", "interrupted")

    def __init__(self, callback, dump):
        self.callback = callback
        self.dump = dump
        self.parts = []
        self.done = False
        self.error = 0
        self.ext_msg = ""
        self.interrupted = False


def _ext_ack_message(data, offset, length, flags):
    """The NLMSGERR_ATTR_MSG string of an extended ACK, or ''."""
    if not flags & NLM_F_ACK_TLVS:
        return ""
    pos = offset + 16 + 4
    if flags & NLM_F_CAPPED:
        pos += 16
    else:
        pos += struct.unpack_from("=I", data, offset + 20)[0]
    end = offset + length
    while pos + 4 <= end:
        alen, atype = struct.unpack_from("=HH", data, pos)
        if alen < 4:
            break
        if atype & 0x3FFF == NLMSGERR_ATTR_MSG:
            return bytes(data[pos + 4:pos + alen]).rstrip(b"\0").decode("utf-8", "replace")
        pos += (alen + 3) & ~3
    return ""


class NetlinkSocket:
    """One non-blocking netlink socket.  `decode(msg_type, raw)` turns one netlink
    message (bytes) into an object (a pyroute2 message); None drops it."""

    def __init__(self, protocol, decode, groups=0, rcvbuf=1 << 20, eloop=None):
        self.sock = socket.socket(socket.AF_NETLINK,
                                  socket.SOCK_RAW | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC,
                                  protocol)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        except OSError:
            pass
        for opt in (NETLINK_EXT_ACK, NETLINK_CAP_ACK):
            try:
                self.sock.setsockopt(SOL_NETLINK, opt, 1)
            except OSError:
                pass
        self.sock.bind((0, groups))
        self.port = self.sock.getsockname()[0]
        self.decode = decode
        self.eloop = eloop
        # Any start value works (answers are matched per socket); the wall clock
        # only spreads them across restarts, so a jump of it changes nothing.
        self.seq = int(time.time()) & 0xFFFFFF
        self.pending = {}
        self.on_notify = None
        self.on_overrun = None
        self.overruns = 0
        self._holding = False
        self._held = []

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        if self.eloop is not None:
            self.eloop.unregister_read(self.sock)
            self.eloop.cancel_timeout(self._flush_held)
        self.sock.close()
        self.pending.clear()

    def add_membership(self, group):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)

    def attach(self, eloop):
        """Watch the socket in the eloop: answers and notifications get dispatched."""
        self.eloop = eloop
        eloop.register_read(self.sock, self.on_readable)

    # sending ---------------------------------------------------------------
    def send(self, msg, msg_type, flags=0, callback=None):
        """Encode and send a pyroute2 message.  callback(error, parts, req) runs
        when the kernel answered: error 0 on success, else a positive errno.
        Returns the sequence number."""
        self.seq = (self.seq + 1) & 0xFFFFFFFF or 1
        msg["header"]["type"] = msg_type
        msg["header"]["flags"] = flags | NLM_F_REQUEST
        msg["header"]["sequence_number"] = self.seq
        msg["header"]["pid"] = self.port
        msg.encode()
        self.pending[self.seq] = _Request(callback, bool(flags & NLM_F_DUMP))
        try:
            self.sock.send(msg.data)
        except OSError:
            del self.pending[self.seq]
            raise
        return self.seq

    def request(self, msg, msg_type, flags=NLM_F_ACK, timeout=3.0):
        """Send and wait for the answer.  Returns the reply messages (the parts of
        a dump); raises NetlinkError.  Notifications that arrive meanwhile are
        held and delivered from the eloop afterwards, so no handler runs inside
        another one."""
        seq = self.send(msg, msg_type, flags)
        req = self.pending[seq]
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        self._holding = True
        try:
            while not req.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.pending.pop(seq, None)
                    raise NetlinkError(_errno.ETIMEDOUT, "no answer from the kernel")
                if poller.poll(int(left * 1000) + 1):
                    self._read_all()
        finally:
            self._holding = False
            if self._held:
                if self.eloop is not None:
                    self.eloop.register_timeout(0, self._flush_held)
                else:
                    self._flush_held()
        if req.error:
            raise NetlinkError(req.error, req.ext_msg)
        return req.parts

    # receiving -------------------------------------------------------------
    def on_readable(self, *_):
        self._flush_held()
        self._read_all()

    def _flush_held(self):
        held, self._held = self._held, []
        for msg in held:
            self._notify(msg)

    def _notify(self, msg):
        if self.on_notify is not None:
            self.on_notify(msg)

    def _read_all(self):
        overrun = False
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                if e.errno == _errno.ENOBUFS:
                    # What was queued before the overflow still follows: read on.
                    overrun = True
                    continue
                raise
            if not data:
                break
            self.feed(data)
        if overrun:
            self.overruns += 1
            log.warning("netlink: receive buffer overrun (ENOBUFS) on protocol %d port %d, "
                        "events lost (overrun %d); resyncing", self.sock.proto, self.port,
                        self.overruns)
            self._answers_lost()
            if self.on_overrun is not None:
                self.on_overrun()

    def _answers_lost(self):
        """The kernel answers generic netlink and rtnetlink requests while they
        are sent, so once the queue is read to its end an unanswered request
        was dropped in the overflow: fail it (ENOBUFS) rather than wait forever.
        A dump sends its later parts only as we read, so dumps stay."""
        for seq, req in list(self.pending.items()):
            if not req.dump:
                req.error = _errno.ENOBUFS
                self._finish(seq, req)

    def feed(self, data):
        """Dispatch every netlink message in one datagram (public for tests)."""
        offset = 0
        end = len(data)
        while offset + 16 <= end:
            length, mtype, flags, seq, _pid = _HDR.unpack_from(data, offset)
            if length < 16 or offset + length > end:
                break
            self._dispatch(data, offset, length, mtype, flags, seq)
            offset += (length + 3) & ~3

    def _dispatch(self, data, offset, length, mtype, flags, seq):
        req = self.pending.get(seq) if seq else None
        if mtype == NLMSG_ERROR:
            if req is None:
                return
            code = -struct.unpack_from("=i", data, offset + 16)[0]
            req.error = code
            if code:
                req.ext_msg = _ext_ack_message(data, offset, length, flags)
            self._finish(seq, req)
            return
        if mtype == NLMSG_DONE:
            if req is None:
                return
            if length >= 20:
                req.error = -struct.unpack_from("=i", data, offset + 16)[0]
            if flags & NLM_F_DUMP_INTR:
                req.interrupted = True
            self._finish(seq, req)
            return
        if mtype in (NLMSG_NOOP, NLMSG_OVERRUN):
            return
        msg = self.decode(mtype, data[offset:offset + length])
        if msg is None:
            return
        if req is not None:
            if flags & NLM_F_DUMP_INTR:
                req.interrupted = True
            req.parts.append(msg)
            return
        if self._holding:
            self._held.append(msg)
        else:
            self._notify(msg)

    def _finish(self, seq, req):
        del self.pending[seq]
        req.done = True
        if req.callback is not None:
            req.callback(req.error, req.parts, req)


# generic netlink ---------------------------------------------------------------
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2


def genl_resolve(sock, family_name):
    """Ask the generic netlink controller for a family: (id, {group name: id}).
    The request is pyroute2's ctrlmsg; the answer (which also lists every
    operation of the family: ~100 nested attributes for nl80211) is read with
    nlattrs, only the id and the multicast groups."""
    nl = pyroute2_netlink()
    msg = nl.ctrlmsg()
    msg["cmd"] = CTRL_CMD_GETFAMILY
    msg["version"] = 1
    msg["attrs"] = [("CTRL_ATTR_FAMILY_NAME", family_name)]
    parts = sock.request(msg, GENL_ID_CTRL, NLM_F_ACK)
    for reply in parts:
        if reply.string(CTRL_ATTR_FAMILY_NAME) != family_name:
            continue
        groups = {}
        for grp in reply.list(CTRL_ATTR_MCAST_GROUPS):
            grp = Attrs(grp)
            groups[grp.string(CTRL_ATTR_MCAST_GRP_NAME)] = grp.u32(CTRL_ATTR_MCAST_GRP_ID)
        return reply.int(CTRL_ATTR_FAMILY_ID, "u16"), groups
    raise NetlinkError(_errno.ENOENT, "generic netlink family %s" % family_name)


def genl_decoder(family_id, parse):
    """A decode() for NetlinkSocket: the family's messages through parse(raw)
    (nl80211's reader, drivers/nl80211/msgs.decode), the controller's as
    nlattrs.GenlMessage."""

    def decode(mtype, raw):
        if mtype == family_id:
            return parse(raw)
        if mtype == GENL_ID_CTRL:
            return GenlMessage(raw)
        return None
    return decode
