"""Which clients of a UNIX datagram socket have not read what we sent them.

Why this exists: a wpa_ctrl client connect()s its socket to ours, and the
kernel does not apply net.unix.max_dgram_qlen to a receiver connected to the
sender.  So a monitor that stops reading keeps taking our datagrams until our
own send buffer (SO_SNDBUF, ~208 kB) is full, and from then on every send on
the socket fails: replies to everyone and events to the monitors that do read.
Send errors cannot tell the stuck monitor from the others, and the kernel
offers no per-receiver count on our side, but sock_diag (NETLINK_SOCK_DIAG)
lists every UNIX socket with its peer and whether its receive queue holds
anything (UNIX_DIAG_RQLEN: for a datagram socket, the length of the first
queued datagram).  control.text asks only when its send queue is filling up.
"""

import os
import socket
import struct

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
UDIAG_SHOW_NAME, UDIAG_SHOW_PEER, UDIAG_SHOW_RQLEN = 0x1, 0x4, 0x10
UNIX_DIAG_NAME, UNIX_DIAG_PEER, UNIX_DIAG_RQLEN = 0, 2, 4

_NLMSGHDR = struct.Struct("=IHHII")
_REQ = struct.Struct("=BBHIII8x")         # family, protocol, pad, states, ino, show, cookie
_MSG = struct.Struct("=BBBxI8x")          # family, type, state, ino, cookie
_ATTR = struct.Struct("=HH")


def socket_inode(sock):
    return os.fstat(sock.fileno()).st_ino


def unread_peers(inode):
    """Names (bytes, as bound; abstract ones start with NUL) of the datagram
    sockets connected to socket `inode` that have unread data."""
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    try:
        req = _REQ.pack(socket.AF_UNIX, 0, 0, 0xFFFFFFFF, 0,
                        UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN)
        nl.send(_NLMSGHDR.pack(_NLMSGHDR.size + len(req), SOCK_DIAG_BY_FAMILY,
                               NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + req)
        out = set()
        while True:
            data = nl.recv(65536)
            off = 0
            while off + _NLMSGHDR.size <= len(data):
                length, kind = _NLMSGHDR.unpack_from(data, off)[:2]
                if length < _NLMSGHDR.size or kind in (NLMSG_DONE, NLMSG_ERROR):
                    return out
                name = _parse(data[off + _NLMSGHDR.size:off + length], inode)
                if name is not None:
                    out.add(name)
                off += (length + 3) & ~3
    finally:
        nl.close()


def _parse(msg, inode):
    _, kind, _, _ = _MSG.unpack_from(msg)
    if kind != socket.SOCK_DGRAM:
        return None
    name, peer, rqueue = None, None, 0
    off = _MSG.size
    while off + _ATTR.size <= len(msg):
        alen, atype = _ATTR.unpack_from(msg, off)
        if alen < _ATTR.size:
            break
        value = msg[off + _ATTR.size:off + alen]
        if atype == UNIX_DIAG_NAME:
            name = bytes(value)
            if name[:1] != b"\0":
                name = name.split(b"\0", 1)[0]     # a path comes with its NUL
        elif atype == UNIX_DIAG_PEER:
            peer = struct.unpack("=I", value[:4])[0]
        elif atype == UNIX_DIAG_RQLEN:
            rqueue = struct.unpack("=I", value[:4])[0]
        off += (alen + 3) & ~3
    if peer == inode and rqueue and name is not None:
        return name
    return None
