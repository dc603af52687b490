"""The wpa_ctrl text protocol: datagrams into a daemon's control socket, through
the eloop, TextControl.handle, the wpactrl codec and the one command table.

An input is a short list of datagrams: corpus lines (what wpa_cli and scripts
send) mutated, commands from the table with hostile arguments, raw bytes.

Properties, for every datagram: a reply comes back; an unknown command or
garbage gets an error reply; no exception reaches a catch-all (the eloop's or
the codec's); replies keep their layout; a failed command leaves the
configuration as it was; the saved file changes only by a SAVE_CONFIG that
said OK, and what it saved loads back as the running configuration.  After
the list the daemon still answers PING.
"""

import codecs
import os
import socket
import time

from hypothesis import strategies as st

from daemon_fuzz import DaemonTarget
from fuzzlib import Target, mutated
from wispd.config import model as wconfig
from wispd.config import wpaconf
from wispd.control import commands
from wispd.config.fields import GLOBAL_FIELDS, NETWORK_FIELDS

ERROR_REPLIES = ("FAIL", "UNKNOWN COMMAND")
# Reply layouts: columns of a table (after its header line), or "=" in each line.
LAYOUTS = {"SCAN_RESULTS": 5, "LIST_NETWORKS": 4, "STATUS": "=", "BSS": "=",
           "SIGNAL_POLL": "="}
_NAMES = sorted(commands.BY_NAME)
_TOKENS = ("0", "1", "2", "all", "-1", "00", "4294967296", "99999999999999999999", "ID-0",
           "FIRST", "LAST", "NEXT-0", "NEXT-x", "02:00:00:00:00:01", "zz:zz", "", " ",
           '"cafe"', '"correct horse"', '"a"#b"', 'P"\\x00"', "636166", "NULL", "WPA-PSK SAE",
           "DEBUG", "EXCESSIVE", "9", "\u0663", "\u00b2", "\t", "\n", "\\", "IFNAME=fake0",
           "IFNAME=nope") + tuple(NETWORK_FIELDS) + tuple(GLOBAL_FIELDS) + ("eap", "bogus")
_token = st.sampled_from(_TOKENS) | st.text(max_size=12)
_command = st.tuples(st.sampled_from(_NAMES).flatmap(
    lambda n: st.sampled_from((n, n.lower()))), st.lists(_token, max_size=4),
    st.sampled_from(("", "IFNAME=fake0 ", "IFNAME=wlan9 ", "\n"))).map(
    lambda t: (t[2] + " ".join([t[0]] + t[1]) if t[2] != "\n" else " ".join([t[0]] + t[1]) + "\n"
               ).encode("utf-8", "surrogatepass"))


def escape_line(data):
    """A datagram as one corpus line (backslash escapes for the odd bytes)."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out).encode()


class ControlTextTarget(DaemonTarget, Target):
    name = "control_text"

    def decode(self, data, filename):
        # One request per line; backslash escapes for what a line cannot hold.
        return [codecs.escape_decode(line)[0] for line in data.split(b"\n") if line]

    def encode(self, value):
        return b"\n".join(escape_line(d) for d in value) + b"\n"

    def strategy(self):
        lines = [d for _, v in self.corpus() for d in v]
        datagram = mutated(lines) | _command | st.binary(max_size=64)
        return st.lists(datagram, min_size=1, max_size=6)

    def check(self, datagrams):
        fd = self.fd
        h = fd.start()
        try:
            client = Client(h)
            for data in datagrams:
                self.one(fd, client, data)
            assert client.request(b"PING") == "PONG\n", "no PONG after %r" % (datagrams,)
            fd.assert_no_crash(datagrams)
            client.close()
        finally:
            fd.stop()

    def one(self, fd, client, data):
        before_cfg, before_file = fd.config_text(), fd.file_bytes()
        reply = client.request(data)
        fd.assert_no_crash(data)
        line = data.decode("utf-8", "replace").rstrip("\n")
        if line.startswith("IFNAME="):
            line = line[7:].partition(" ")[2]
        name = line.partition(" ")[0].upper()
        failed = reply.startswith(ERROR_REPLIES)
        if name not in commands.BY_NAME:
            assert failed, "garbage %r got %r" % (data, reply)
        if failed:
            assert fd.config_text() == before_cfg, "failed %r changed the config" % data
        elif name in LAYOUTS:
            # Tables keep their columns and key=value replies their lines, whatever
            # the SSIDs hold (a tab or newline in one must come out escaped).
            rows = reply.split("\n")[:-1]
            fields = LAYOUTS[name]
            for row in rows[1:] if isinstance(fields, int) else rows:
                assert (row.count("\t") == fields - 1 if isinstance(fields, int)
                        else "=" in row), "%s reply broken: %r" % (name, reply)
        after_file = fd.file_bytes()
        if after_file != before_file:
            assert name == "SAVE_CONFIG" and reply == "OK\n", "%r changed the file" % data
            try:
                saved = wpaconf.parse(after_file, "saved.conf")
            except wconfig.ConfigError as e:
                raise AssertionError("SAVE_CONFIG wrote a file that does not load: %s\n%s"
                                     % (e, after_file.decode("utf-8", "replace")))
            assert wpaconf.dump(saved) == fd.config_text(), "saved file != running config"


class Client:
    """A wpa_ctrl client that waits for the reply to each request (not events)."""

    def __init__(self, h):
        self.h = h
        self.path = str(h.tmp / "client")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.sock.bind(self.path)
        self.sock.connect(h.daemon.controls[h.iface].path)
        self.sock.setblocking(False)

    def request(self, data, timeout=1.0):
        self.sock.send(data)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.h.loop.run_once(0.005)
            while True:
                try:
                    got = self.sock.recv(65536)
                except BlockingIOError:
                    break
                text = got.decode("utf-8", "replace")
                if not text.startswith("<"):       # events of an ATTACHed client
                    return text
        raise AssertionError("no reply to %r" % (data,))

    def close(self):
        self.sock.close()
