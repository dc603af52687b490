"""A raw control-socket client for the access scenarios, run as another user
(`setpriv ... /usr/bin/python3 peer.py SPEC`): the venv's interpreter lives
under /root, which an unprivileged uid cannot enter, so this is stdlib only.

SPEC is JSON: {"text": PATH, "commands": [...], "listen": S} and/or
{"compact": PATH, "send": [HEX, ...], "listen": S}.  It prints JSON with what
the kernel and the daemon answered: the errno name of a refused connect or
send, every datagram/packet received (text as str, compact packets as hex,
decoded by the caller), and whether the daemon hung up.  No client library
on purpose: the checks are on the sockets themselves.
"""
import errno
import json
import os
import select
import socket
import sys
import time


def _err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def _recv_all(sock, until, out, decode, settle=None):
    """Receive into out until `until`; with settle, stop that long after the
    first message (a reply has come, no need to sit out the whole wait)."""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return False
        try:
            data = sock.recv(70000)
        except OSError as e:
            out.append("recv:" + _err(e))
            return True
        if not data:
            return True             # the daemon hung up (SEQPACKET EOF)
        out.append(decode(data))
        if settle is not None:
            until = min(until, time.monotonic() + settle)


def text(path, commands, listen):
    res = {"connect": "ok", "sends": [], "received": []}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # An abstract address: replies need one, and this uid can create no file
    # next to the daemon's socket.
    s.bind("\0wispd-peer-%d" % os.getpid())
    try:
        s.connect(path)
    except OSError as e:
        res["connect"] = _err(e)
        # Not connected: try plain sendto too, the other way in.
        for cmd in commands:
            try:
                s.sendto(cmd.encode(), path)
                res["sends"].append("ok")
            except OSError as e2:
                res["sends"].append(_err(e2))
    else:
        for cmd in commands:
            try:
                s.send(cmd.encode())
                res["sends"].append("ok")
            except OSError as e:
                res["sends"].append(_err(e))
            _recv_all(s, time.monotonic() + 2, res["received"],
                      lambda d: d.decode("utf-8", "replace"), settle=0.2)
    _recv_all(s, time.monotonic() + listen, res["received"],
              lambda d: d.decode("utf-8", "replace"))
    s.close()
    return res


def compact(path, packets, listen):
    res = {"connect": "ok", "sends": [], "received": [], "eof": False}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
    except OSError as e:
        res["connect"] = _err(e)
        return res
    # First what the daemon says on accept (hello, or a refusal and EOF).
    res["eof"] = _recv_all(s, time.monotonic() + 2, res["received"], lambda d: d.hex(), 0.2)
    for hexdata in packets:
        try:
            s.send(bytes.fromhex(hexdata))
            res["sends"].append("ok")
        except OSError as e:
            res["sends"].append(_err(e))
            continue
        if not res["eof"]:
            res["eof"] = _recv_all(s, time.monotonic() + 2, res["received"], lambda d: d.hex(),
                                   0.2)
    if not res["eof"]:
        res["eof"] = _recv_all(s, time.monotonic() + listen, res["received"], lambda d: d.hex())
    s.close()
    return res


def main():
    spec = json.loads(sys.argv[1])
    out = {"uid": os.getuid(), "groups": os.getgroups()}
    if "text" in spec:
        out["text"] = text(spec["text"], spec.get("commands", []), spec.get("listen", 0))
    if "compact" in spec:
        out["compact"] = compact(spec["compact"], spec.get("send", []), spec.get("listen", 0))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
