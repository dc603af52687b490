"""The compact control protocol: msgpack packets over the SOCK_SEQPACKET socket
into CompactServer.handle, the compact codec and the one command table.

An input is a short list of packets: corpus requests mutated, arbitrary bytes,
and msgpack structures built here (wrong types, huge ints, nested maps, unknown
ops, missing ids, hostile arguments for every op).

Properties, for every packet: exactly one reply; an error carries a stable code
(docs/control-protocol.md), never internal_error; no exception reaches a
catch-all; a failed request leaves the configuration as it was; the saved file
changes only through an op that succeeded and then loads back as the running
configuration.  After the list a new client still gets its hello and a PONG.
"""

import io

import msgpack
from hypothesis import strategies as st

from compact_daemon import RawClient
from daemon_fuzz import DaemonTarget
from fuzzlib import Target, mutated
from wispd.config import model as wconfig
from wispd.config import wpaconf
from wispd.control import commands
from wispd.control.compact import codec as ccodec
from wispd.control.compact import server as compact

STABLE_CODES = frozenset(ccodec.ERROR_CODES) - {"internal_error"} | {
    "no_such_network", "invalid_value", "not_set", "busy", "not_connected", "not_attached",
    "interface_disabled", "update_config_disabled", "no_config_file", "save_failed",
    "config_error", "no_interface", "no_scan", "not_supported", "roam_failed",
    "neighbor_report_failed"}
WRITERS = ("save", "networks.apply")

_scalar = (st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1)
           | st.sampled_from((0, 1, -1, 2**31, 2**63 - 1, 2**64 - 1, -2**63))
           | st.floats() | st.text(max_size=12) | st.binary(max_size=12)
           | st.sampled_from(("0", "all", "ssid", "psk", '"cafe"', '"correct horse"', "FIRST",
                              "DEBUG", "fake0", "WPA-PSK", "NONE")))
_value = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_network = st.dictionaries(st.sampled_from(("ssid", "psk", "key_mgmt", "priority", "bssid",
                                            "scan_ssid", "disabled", "id_str", "bogus")),
                           _value, max_size=5)


def _args_for(command):
    names = [a.name for a in command.args]
    if command.op == "networks.apply":
        values = {"networks": st.lists(_network, max_size=3) | _value, "save": _value}
    else:
        values = {n: _value for n in names}
    keys = st.sampled_from(names + ["bogus"]) if names else st.just("bogus")
    return st.dictionaries(keys, _value, max_size=3) | st.fixed_dictionaries(
        {}, optional={n: values[n] for n in names})


_ops = sorted(commands.BY_OP)
_request = st.sampled_from(_ops).flatmap(lambda op: st.fixed_dictionaries(
    {"op": st.just(op) | _value},
    optional={"id": st.integers(0, 2**32) | _value, "args": _args_for(commands.BY_OP[op]) | _value,
              "iface": st.sampled_from(("fake0", "wlan9")) | _value, "v": st.just(1) | _value,
              "extra": _value}))
_packet = _request.map(lambda r: msgpack.packb(r, use_bin_type=True)) \
    | _value.map(lambda v: msgpack.packb(v, use_bin_type=True))


class CompactTarget(DaemonTarget, Target):
    name = "compact"

    def decode(self, data, filename):
        if filename.endswith(".bin"):
            return [data]
        # *.msgpack: a run of requests, sent one packet each.
        return [msgpack.packb(obj, use_bin_type=True)
                for obj in msgpack.Unpacker(io.BytesIO(data), raw=False)]

    def encode(self, value):
        return value[0] if len(value) == 1 else None

    def strategy(self):
        seeds = [p for _, v in self.corpus() for p in v]
        return st.lists(mutated(seeds) | _packet | st.binary(max_size=40), min_size=1,
                        max_size=6)

    def check(self, packets):
        fd = self.fd
        h = fd.start()
        srv = compact.CompactServer(h.daemon, str(fd.tmp / "control"))
        try:
            client = Client(srv.path, h)
            for packet in packets:
                if client.closed:
                    client = Client(srv.path, h)
                self.one(fd, client, packet)
            client.close()
            client = Client(srv.path, h)
            client.send(msgpack.packb({"id": 1, "op": "ping"}))
            assert client.reply()["result"] == "PONG"
            client.close()
            fd.assert_no_crash(packets)
        finally:
            srv.close()
            fd.stop()

    def one(self, fd, client, packet):
        before_cfg, before_file = fd.config_text(), fd.file_bytes()
        client.send(packet)
        msg = client.reply()
        fd.assert_no_crash(packet)
        if packet == b"":
            # recv() returns b"" for an empty packet and for a hang-up alike on
            # SOCK_SEQPACKET: the server takes it as the client leaving.
            assert msg is None and client.closed
            return
        assert msg is not None, "no reply to %r" % packet
        try:
            req = msgpack.unpackb(packet, raw=False)
        except Exception:
            req = None
        if msg["type"] == "error":
            # Hung up on after MAX_BAD bad requests in a row: the one reply-less case.
            assert msg["code"] == "too_many_errors", msg
            assert client.recv() is None
            error = msg
        else:
            assert msg["type"] == "reply", msg
            error = msg.get("error")
            if isinstance(req, dict) and isinstance(req.get("id"), int) \
                    and not isinstance(req.get("id"), bool):
                assert msg["id"] == req["id"], (msg, req)
        if error is not None:
            assert error["code"] in STABLE_CODES, "unstable error %r for %r" % (error, req)
            assert fd.config_text() == before_cfg, "failed %r changed the config" % (req,)
        if fd.file_bytes() != before_file:
            assert error is None and isinstance(req, dict) and req.get("op") in WRITERS, \
                "%r changed the file" % (req,)
            try:
                saved = wpaconf.parse(fd.file_bytes(), "saved.conf")
            except wconfig.ConfigError as e:
                raise AssertionError("%r wrote a file that does not load: %s" % (req, e))
            assert wpaconf.dump(saved) == fd.config_text(), "saved file != running config"


class Client(RawClient):
    """The unit tests' raw client, hello taken."""

    def __init__(self, path, h):
        super().__init__(path, h)
        hello = self.recv()
        assert hello is not None and hello["type"] == "hello", hello
