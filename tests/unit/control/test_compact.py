"""The compact control protocol in-process: codec, typed results, every error
path, limits, access control (a real unprivileged client), events with seq
numbers and queue overflow with events_dropped, networks.apply atomicity."""

import logging
import os
import shutil
import socket
import tempfile

import msgpack
import pytest

import fakedriver
from compact_daemon import AP1, AP2, RawClient
from harness import Harness
from wispd.daemon import IfaceSpec
from wispd.platform import log as wlog
from wispd.core import states
from wispd.control import commands, ops_network
from wispd.control.compact import codec as ccodec
from wispd.control.compact import server as compact
from wispd.core import notify as nt

OPEN_NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'


@pytest.fixture
def env(tmp_path):
    made = []

    def make(conf=OPEN_NET, world=(fakedriver.open_bss(AP1, b"cafe"),), group=None,
             path=None, update=True):
        h = Harness(tmp_path, ("update_config=1\n" if update else "") + conf, world)
        srv = compact.CompactServer(h.daemon, path or str(tmp_path / "control"), group)
        made.append((h, srv))
        h.srv = srv

        def client():
            c = RawClient(srv.path, h)
            hello = c.recv()
            assert hello["type"] == "hello"
            c.hello = hello
            return c
        h.compact_client = client
        return h
    yield make
    for h, srv in made:
        srv.close()
        h.close()


def connected(h):
    h.run_until(lambda: h.iface.wpa_state == states.COMPLETED)


# ------------------------------------------------------------------ hello, socket
def test_hello_lists_every_op_and_socket_mode(env):
    h = env()
    c = h.compact_client()
    assert c.hello["proto"] == ccodec.PROTOCOL_VERSION
    assert set(c.hello["ops"]) == set(commands.BY_OP)
    assert c.hello["interfaces"] == ["fake0"]
    assert c.hello["limits"]["max_message"] == 65536
    assert os.stat(h.srv.path).st_mode & 0o777 == 0o660
    assert c.call("hello")["result"]["proto"] == 2


def test_every_text_command_has_a_compact_op():
    ops = [c.op for c in commands.TABLE]
    assert len(ops) == len(set(ops))
    assert all(c.op in commands.BY_OP for c in commands.TABLE if c.name)
    assert "status" in commands.BY_OP and commands.BY_NAME["STATUS"].op == "status.text"
    for op in ("networks.apply", "subscribe", "config.get", "config.set"):
        assert op in commands.BY_OP


def test_stale_socket_taken_over_live_one_refused(env, tmp_path):
    path = str(tmp_path / "stale")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    s.close()                                   # a file nobody listens on
    h = env(path=path)
    c = h.compact_client()
    assert c.call("ping")["result"] == "PONG"
    with pytest.raises(OSError):
        compact.bind_seqpacket(path, None)      # our live server answers there


# ------------------------------------------------------------------ typed results
def test_status_is_typed_with_link_and_counters(env):
    h = env()
    c = h.compact_client()
    connected(h)
    st = c.call("status")["result"]
    assert st["state"] == "COMPLETED" and st["iface"] == "fake0"
    assert st["address"] == fakedriver.FAKE_ADDR
    link = st["link"]
    assert link["bssid"] == bytes.fromhex(AP1.replace(":", "")) and link["ssid"] == b"cafe"
    assert link["freq"] == 2412 and link["signal"] == -50 and link["network_id"] == 0
    assert link["akm"] == "NONE" and link["pairwise_cipher"] == "NONE"
    assert st["counters"]["connects"] == 1 and st["counters"]["failures"] == {}
    assert st["counters"]["connected_time"] >= 0
    assert "provisioning" in st
    # The wpa_supplicant-style status is there too, as a map.
    text = c.call("status.text")["result"]
    assert text["wpa_state"] == "COMPLETED" and text["bssid"] == AP1


def test_status_counts_failures_and_disconnects(env):
    h = env()
    c = h.compact_client()
    connected(h)
    h.driver.drop_link(reason=7)
    h.run_until(lambda: h.iface.wpa_state != states.COMPLETED)
    st = c.call("status")["result"]
    assert st["counters"]["disconnects"] == 1
    h.iface.health.count("CONN_FAILED")
    assert c.call("status")["result"]["counters"]["failures"] == {"CONN_FAILED": 1}


def test_scan_results_and_bss_are_typed(env):
    world = (fakedriver.open_bss(AP1, b"cafe"), fakedriver.wpa2_bss(AP2, b"\xffraw", signal=-70))
    h = env(world=world)
    c = h.compact_client()
    connected(h)
    res = c.call("scan_results")["result"]
    by = {r["bssid"]: r for r in res}
    two = by[bytes.fromhex(AP2.replace(":", ""))]
    assert two["ssid"] == b"\xffraw" and two["signal"] == -70 and two["freq"] == 2412
    assert "WPA2-PSK-CCMP" in two["flags"] and "ies" not in two
    one = c.call("bss", {"which": AP2})["result"]
    assert isinstance(one["ies"], bytes) and one["ies"].startswith(b"\x00\x04\xffraw")
    assert c.call("bss", {"which": "99"})["result"] is None


def test_networks_and_ok_results(env):
    h = env()
    c = h.compact_client()
    connected(h)
    nets = c.call("networks")["result"]
    assert nets == [{"id": 0, "ssid": b"cafe", "bssid": None, "flags": ["CURRENT"]}]
    nid = c.call("network.add")["result"]
    assert nid == 1
    assert c.call("network.set", {"id": nid, "field": "ssid", "value": '"other"'})["result"] is True
    assert c.call("network.get", {"id": nid, "field": "ssid"})["result"] == '"other"'
    assert c.call("config.get", {"key": "update_config"})["result"] == "1"
    assert c.call("config.set", {"key": "country", "value": "DE"})["result"] is True
    assert c.call("log_level")["result"]["level"] in wlog.NAMES
    assert c.call("interfaces")["result"] == ["fake0"]
    assert c.call("signal_poll")["result"]["rssi"] == -50
    # scan: true as in protocol version 1 (docs/control-protocol.md), not the text
    # codec's "nothing to print"; busy while that scan is pending.
    assert c.call("scan")["result"] is True
    assert c.call("scan")["error"]["code"] == "busy"


def test_secrets_go_in_and_never_come_out(env, caplog):
    h = env()
    c = h.compact_client()
    caplog.set_level(logging.DEBUG)
    nid = c.call("network.add")["result"]
    assert c.call("network.set", {"id": nid, "field": "psk",
                                  "value": '"hunter2hunter2"'})["result"] is True
    assert c.call("network.get", {"id": nid, "field": "psk"})["result"] == "*"
    c.call("networks.apply", {"networks": [{"ssid": b"x", "psk": '"sekrit-passphrase"'}]})
    assert c.call("network.get", {"id": 0, "field": "psk"})["result"] == "*"
    everything = repr(c.call("status")) + repr(c.call("networks")) + caplog.text
    assert "hunter2" not in everything and "sekrit" not in everything


# ------------------------------------------------------------------ networks.apply
def test_networks_apply_replaces_and_saves(env):
    h = env()
    c = h.compact_client()
    connected(h)
    r = c.call("networks.apply", {"networks": [
        {"ssid": b"cafe", "key_mgmt": "NONE"},
        {"ssid": '"home"', "psk": '"correct horse"', "key_mgmt": ["WPA-PSK", "SAE"],
         "scan_freq": [2412, 2437], "ieee80211w": 1, "priority": 5}]})["result"]
    assert r == {"ids": [0, 1], "saved": True}
    text = open(h.conf).read()
    assert 'psk="correct horse"' in text and "priority=5" in text
    assert "key_mgmt=WPA-PSK SAE" in text and "scan_freq=2412 2437" in text
    assert [n.id for n in h.iface.config.networks] == [0, 1]
    # The current network is unchanged in content: the link stays.
    assert h.iface.wpa_state == states.COMPLETED


@pytest.mark.parametrize("bad", [
    [{"ssid": b"ok"}, {"ssid": b"x", "key_mgmt": "NOPE"}],
    [{"ssid": b"ok"}, {"key_mgmt": "NONE"}],                 # no ssid
    [{"ssid": b"ok"}, {"ssid": b"x", "no_such_field": "1"}],
    [{"ssid": b"ok"}, {"ssid": b"x", "psk": '"short"'}],
    [{"ssid": b"ok"}, {"ssid": b"x", "priority": 1.5}],
    [{"ssid": b"ok"}, "not a map"],
])
def test_networks_apply_changes_nothing_when_one_entry_is_bad(env, bad):
    h = env()
    c = h.compact_client()
    connected(h)
    before_file = open(h.conf).read()
    before = h.iface.config
    r = c.call("networks.apply", {"networks": bad})
    assert r["error"]["code"] in ("invalid_value", "invalid_argument"), r
    assert h.iface.config is before and len(before.networks) == 1
    assert open(h.conf).read() == before_file
    assert h.iface.wpa_state == states.COMPLETED


def test_networks_apply_needs_update_config_to_save(env):
    h = env(update=False)
    c = h.compact_client()
    before = h.iface.config
    r = c.call("networks.apply", {"networks": [{"ssid": b"x", "key_mgmt": "NONE"}]})
    assert r["error"]["code"] == "update_config_disabled"
    assert h.iface.config is before
    r = c.call("networks.apply", {"networks": [{"ssid": b"x", "key_mgmt": "NONE"}],
                                  "save": False})
    assert r["result"] == {"ids": [0], "saved": False}
    assert h.iface.config.networks[0].ssid_bytes == b"x"


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("packet,code", [
    (b"\xc1\xc1", "bad_message"),
    (msgpack.packb([1, 2, 3]), "bad_request"),
    (msgpack.packb({"op": "ping"}), "bad_request"),                      # no id
    (msgpack.packb({"id": "x", "op": "ping"}), "bad_request"),
    (msgpack.packb({"id": 1, "op": "nope"}), "unknown_op"),
    (msgpack.packb({"id": 1, "op": 7}), "unknown_op"),
    (msgpack.packb({"id": 1, "op": "ping", "v": 3}), "unknown_version"),
    (msgpack.packb({"id": 1, "op": "ping", "args": [1]}), "bad_request"),
    (msgpack.packb({"id": 1, "op": "ping", "iface": 5}), "bad_request"),
    (msgpack.packb({"id": 1, "op": "status", "iface": "wlan9"}), "no_such_interface"),
    (msgpack.packb({"id": 1, "op": "network.get", "args": {"id": True, "field": "ssid"}}),
     "invalid_argument"),
    (msgpack.packb({"id": 1, "op": "network.get", "args": {"id": 0, "field": 3}}),
     "invalid_argument"),
    (msgpack.packb({"id": 1, "op": "network.get", "args": {"id": 0}}), "invalid_argument"),
    (msgpack.packb({"id": 1, "op": "ping", "args": {"extra": 1}}), "invalid_argument"),
    (msgpack.packb({"id": 1, "op": "network.get", "args": {"id": 9, "field": "ssid"}}),
     "no_such_network"),
    (b"\x81\xa2id", "bad_message"),                                      # truncated map
])
def test_bad_input_gets_a_typed_error(env, packet, code):
    h = env()
    c = h.compact_client()
    c.send(packet)
    r = c.reply()
    assert r["type"] == "reply" and r["error"]["code"] == code, r
    assert isinstance(r["error"]["message"], str)
    assert c.call("ping")["result"] == "PONG"          # still served



# ------------------------------------------------------------------ which interface
def test_one_radio_needs_no_iface(env):
    h = env()
    c = h.compact_client()
    assert c.call("status")["result"]["iface"] == "fake0"
    assert c.call("status", iface="fake0")["result"]["iface"] == "fake0"


def test_two_radios_need_iface_and_are_never_guessed(env):
    """With two radios a per-interface op without iface is refused with
    no_interface (the text global socket answers UNKNOWN COMMAND without
    IFNAME=, test_control.test_global_socket_with_two_radios); it is no bad
    message, so asking again and again does not hang up."""
    h = env()
    second = h.daemon.add_interface(IfaceSpec("fake1", h.conf, "fake"))
    c = h.compact_client()
    assert c.hello["interfaces"] == ["fake0", "fake1"]
    for _ in range(compact.MAX_BAD + 1):
        r = c.call("network.add")
        assert r["error"]["code"] == "no_interface", r
        assert "fake0, fake1" in r["error"]["message"]
    assert [n.id for n in second.config.networks] == [0]   # nothing was added anywhere
    assert c.call("status", iface="fake1")["result"]["iface"] == "fake1"
    assert c.call("network.add", iface="fake1")["result"] == 1
    # Operations that are not per-interface need no iface.
    assert c.call("interfaces")["result"] == ["fake0", "fake1"]
    assert c.call("ping")["result"] == "PONG"

def test_oversized_message(env):
    h = env()
    c = h.compact_client()
    c.send(msgpack.packb({"id": 1, "op": "ping", "pad": b"x" * 70000}))
    r = c.reply()
    assert r["error"]["code"] == "too_large"
    assert c.call("ping")["result"] == "PONG"


def test_garbage_sender_is_disconnected_others_unaffected(env):
    h = env()
    good = h.compact_client()
    good.call("subscribe")
    bad = h.compact_client()
    for i in range(compact.MAX_BAD - 1):
        bad.send(b"\xc1junk")
        assert bad.reply()["error"]["code"] in ("bad_message",)
    bad.send(b"\xc1junk")
    r = bad.reply()
    assert r["type"] == "error" and r["code"] == "too_many_errors"
    assert bad.recv() is None and bad.closed          # hung up
    assert good.call("ping")["result"] == "PONG"
    connected(h)                                       # the link is undisturbed
    # A good request in between resets the count.
    c = h.compact_client()
    for _ in range(3):
        for _ in range(compact.MAX_BAD - 1):
            c.send(b"\xc1")
            c.reply()
        assert c.call("ping")["result"] == "PONG"


def test_max_clients(env, monkeypatch, caplog):
    monkeypatch.setattr(compact, "MAX_CLIENTS", 3)
    h = env()
    clients = [h.compact_client() for _ in range(3)]
    extra = RawClient(h.srv.path, h)
    r = extra.recv()
    assert r == {"type": "error", "code": "too_many_clients", "message": "too many clients"}
    assert extra.recv() is None
    assert "already 3 clients" in caplog.text
    clients[0].close()
    h.loop.run_once(0.05)
    assert h.compact_client().call("ping")["result"] == "PONG"


# ------------------------------------------------------------------ access control
def _run_as(uid, groups, path, h):
    """Fork a child that drops to uid (and these supplementary groups) and
    connects; returns (the first message it got, as repr, or an error)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            os.setgroups(groups)
            os.setgid(uid)
            os.setuid(uid)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(5)
            s.connect(path)
            msg = msgpack.unpackb(s.recv(65536), raw=False)
            os.write(wfd, repr((msg.get("type"), msg.get("code"))).encode())
        except BaseException as e:
            os.write(wfd, repr(("exception", str(e))).encode())
        finally:
            os._exit(0)
    os.close(wfd)
    while True:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        h.loop.run_once(0.01)
    out = os.read(rfd, 4096).decode()
    os.close(rfd)
    return out


@pytest.fixture
def open_dir():
    # A directory the unprivileged uid can reach (pytest's tmp is 0700).
    d = tempfile.mkdtemp(prefix="wispd-compact-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_unprivileged_uid_is_refused_and_logged(env, open_dir, caplog):
    assert os.geteuid() == 0, "the access test runs as root (it forks an unprivileged child)"
    h = env(path=os.path.join(open_dir, "control"), group=4242)
    # Open the file mode wide on purpose: the daemon's own check must refuse.
    os.chmod(h.srv.path, 0o666)
    out = _run_as(65534, [], h.srv.path, h)
    assert out == "('error', 'access_denied')", out
    assert "refused pid" in caplog.text and "uid 65534" in caplog.text
    assert not h.srv.conns


def test_control_group_member_is_let_in_via_supplementary_groups(env, open_dir):
    h = env(path=os.path.join(open_dir, "control"), group=4242)
    os.chmod(h.srv.path, 0o666)
    # Primary gid 65534; 4242 only as a supplementary group (SO_PEERGROUPS).
    out = _run_as(65534, [4242], h.srv.path, h)
    assert out == "('hello', None)", out


def test_root_allowed_and_rules():
    srv = compact.CompactServer.__new__(compact.CompactServer)
    srv.gid = 100
    assert srv.allowed(0, 0, ())
    assert srv.allowed(os.geteuid(), 1, ())
    assert srv.allowed(1000, 100, ())
    assert srv.allowed(1000, 1000, (5, 100))
    assert not srv.allowed(1000, 1000, (5, 6))
    srv.gid = None
    assert not srv.allowed(1000, 1000, (100,))


# ------------------------------------------------------------------ events
def test_events_typed_in_order_with_seq(env):
    h = env()
    c = h.compact_client()
    assert c.call("subscribe")["result"] == {"seq": 0}
    connected(h)
    h.driver.drop_link(reason=4)
    h.run_until(lambda: h.iface.wpa_state == states.COMPLETED)
    c.call("ping")
    names = [e["event"] for e in c.events]
    assert [e["seq"] for e in c.events] == list(range(1, len(c.events) + 1))
    assert names.index("connected") < names.index("disconnected") < len(names) - 1
    assert names.count("connected") == 2
    disc = c.events[names.index("disconnected")]
    assert disc["data"]["reason"] == 4 and disc["data"]["bssid"] == bytes.fromhex("020000000001")
    assert disc["raw"].startswith("CTRL-EVENT-DISCONNECTED") and disc["iface"] == "fake0"
    ts = [e["ts"] for e in c.events]
    assert ts == sorted(ts)


def test_subscription_filters(env):
    h = env()
    only = h.compact_client()
    only.call("subscribe", {"events": ["connected"]})
    debug = h.compact_client()
    debug.call("subscribe", {"level": wlog.DEBUG})
    other_if = h.compact_client()
    other_if.call("subscribe", {"interfaces": ["wlan7"]})
    none = h.compact_client()
    connected(h)
    for c in (only, debug, other_if, none):
        c.call("ping")
    assert [e["event"] for e in only.events] == ["connected"]
    assert only.events[0]["seq"] == 1          # seq counts what this client gets
    assert "bss_added" in [e["event"] for e in debug.events]
    assert other_if.events == [] and none.events == []
    assert debug.call("unsubscribe")["result"] is True
    seen = len(debug.events)
    h.iface.notify(nt.ScanStarted())
    debug.call("ping")
    assert len(debug.events) == seen
    r = debug.call("subscribe", {"level": 9})
    assert r["error"]["code"] == "invalid_argument"
    r = debug.call("subscribe", {"events": "connected"})
    assert r["error"]["code"] == "invalid_argument"


def test_attach_and_level_work_over_compact(env):
    h = env()
    c = h.compact_client()
    assert c.call("level", {"level": 2})["error"]["code"] == "not_attached"
    assert c.call("attach")["result"] is True
    assert c.call("level", {"level": 2})["result"] is True
    connected(h)
    c.call("ping")
    assert "bss_added" in [e["event"] for e in c.events]
    assert c.call("detach")["result"] is True
    assert c.call("detach")["error"]["code"] == "not_attached"


def test_level_takes_only_an_integer(env):
    # Caught by the compact fuzz target (tests/fuzz/corpus/compact/crash-level-inf.bin): int(inf)
    # raised OverflowError past the codec and the request got no reply.
    h = env()
    c = h.compact_client()
    c.call("attach")
    for bad in (float("inf"), 2.5, True, b"3"):     # four: the fifth bad one hangs up
        r = c.call("level", {"level": bad})
        assert r.get("error", {}).get("code") == "invalid_argument", (bad, r)
    assert c.call("level", {"level": 1})["result"] is True
    assert c.call("ping")["result"] == "PONG"


def test_slow_subscriber_gets_events_dropped_and_others_are_served(env):
    h = env()
    connected(h)                  # so that only our events flow
    slow = h.compact_client()
    slow.call("subscribe")
    fast = h.compact_client()
    n = 3000
    for i in range(n):
        h.iface.notify(nt.NetworkAdded(i))
    assert slow.sock.fileno() >= 0
    assert len(h.srv.conns) == 2
    st = h.srv.conns[next(k for k, v in h.srv.conns.items() if v.sub is not None)]
    assert st.events_queued <= compact.QUEUE_MAX
    # The slow one never read: another client is still answered at once.
    assert fast.call("ping")["result"] == "PONG"
    got, dropped = [], []
    while True:
        try:
            msg = slow.recv(0.3)
        except AssertionError:
            break
        (dropped if msg["type"] == "events_dropped" else got).append(msg)
    assert len(dropped) == 1, dropped
    assert dropped[0]["count"] > 0
    assert len(got) + dropped[0]["count"] == n
    seqs = [m["seq"] for m in got]
    assert seqs == sorted(seqs) and seqs[0] == 1
    # The gap in seq is exactly the dropped events, and it ends at last_seq.
    gap_end = dropped[0]["last_seq"]
    missing = sorted(set(range(1, n + 1)) - set(seqs))
    assert len(missing) == dropped[0]["count"] and missing[-1] == gap_end
    assert missing == list(range(missing[0], gap_end + 1))
    # After resync, events flow normally again with the next seq.
    h.iface.notify(nt.Terminating())
    msg = slow.recv()
    assert msg["event"] == "terminating" and msg["seq"] == n + 1


def _drain(h, c):
    """Take what the socket holds, let the daemon refill it, a few rounds."""
    got = []
    for _ in range(4):
        while True:
            try:
                data = c.sock.recv(70000)
            except BlockingIOError:
                break
            if not data:
                c.closed = True
                return got
            got.append(msgpack.unpackb(data, raw=False))
        h.loop.run_once(0)
    return got


def test_stuck_subscriber_is_disconnected_a_slow_one_is_not(env, monkeypatch):
    h = env()
    connected(h)
    clock = [1000.0]
    monkeypatch.setattr(h.loop, "now", lambda: clock[0])
    stuck = h.compact_client()
    stuck.call("subscribe")
    slow = h.compact_client()
    slow.call("subscribe")
    n = 3000
    slow_got = []
    for i in range(n):
        clock[0] += 0.01                   # a flood of ~30 s
        h.iface.notify(nt.NetworkAdded(i))
        if i % 400 == 399:                 # reads now and then, far less than it is sent
            slow_got += _drain(h, slow)
    # Count and time both passed for the stuck one: gone; the slow one stays.
    assert len(h.srv.conns) == 1
    assert slow_got and not slow.closed
    # The stuck one finds what was queued for it, then the hang-up.
    got = _drain(h, stuck)
    assert stuck.closed and 0 < len(got) <= n
    h.iface.notify(nt.Terminating())
    last = [m for m in _drain(h, slow) if m["type"] == "event"][-1]
    assert last["event"] == "terminating" and last["seq"] == n + 1


def test_burst_without_reading_is_not_a_stall(env, monkeypatch):
    # Count alone is not enough: a client busy for a moment while thousands of
    # events go by only loses events (events_dropped), not its connection.
    h = env()
    connected(h)
    c = h.compact_client()
    c.call("subscribe")
    for i in range(3000):
        h.iface.notify(nt.NetworkAdded(i))
    assert len(h.srv.conns) == 1


def test_client_not_reading_replies_is_not_read_either(env, monkeypatch):
    monkeypatch.setattr(compact, "REPLY_SLACK", 4)
    h = env()
    c = h.compact_client()
    for i in range(400):
        try:
            c.send({"id": i, "op": "ping"})
        except BlockingIOError:
            break
        h.loop.run_once(0)
    conn = next(iter(h.srv.conns.values()))
    # The queue stays bounded; reading resumes once the client catches up.
    assert len(conn.queue) <= compact.REPLY_SLACK + 1
    n = 0
    while True:
        try:
            msg = c.recv(0.3)
        except AssertionError:
            break
        assert msg["result"] == "PONG"
        n += 1
    assert n == i + 1         # every request sent was answered, none lost


# ------------------------------------------------------------------ pure parts
def test_convert_args():
    cmd = commands.BY_OP["log_level"]
    assert ccodec.convert_args(cmd, {}) == []
    assert ccodec.convert_args(cmd, {"timestamp": "1"}) == [None, "1"]
    with pytest.raises(ValueError):
        ccodec.convert_args(commands.BY_OP["network.get"], {"id": -1, "field": "ssid"})
    assert ops_network.field_text("x", [1, "a"]) == "1 a"
    assert ops_network.field_text("x", True) == "1"
    assert ops_network.field_text("ssid", b"\x01\x02") == "0102"
    with pytest.raises(ValueError):
        ops_network.field_text("x", {"a": 1})



def test_codec_decodes_and_encodes_without_a_socket():
    req = ccodec.decode(msgpack.packb({"id": 4, "op": "network.get", "iface": "wlan0",
                                       "args": {"id": 0, "field": "ssid"}}))
    assert (req.id, req.version, req.op, req.ifname) == (4, ccodec.PROTOCOL_VERSION,
                                                         "network.get", "wlan0")
    assert req.command is commands.BY_OP["network.get"]
    assert ccodec.convert_args(req.command, req.args) == [0, "ssid"]
    for packet, rid, code in ((b"\xc1", None, "bad_message"),
                              (msgpack.packb({"id": 2, "op": "nope"}), 2, "unknown_op"),
                              (msgpack.packb({"id": 2, "op": "ping", "v": 9}), 2,
                               "unknown_version")):
        with pytest.raises(ccodec.RequestError) as e:
            ccodec.decode(packet)
        assert (e.value.rid, e.value.code) == (rid, code)
    enc = ccodec.Encoder()
    ping = commands.BY_OP["ping"]
    assert msgpack.unpackb(enc.reply(ccodec.result(4, ping, "PONG"))) == {
        "type": "reply", "id": 4, "result": "PONG"}
    too_big = enc.reply(ccodec.result(5, ping, "x" * ccodec.MAX_MESSAGE))
    assert msgpack.unpackb(too_big)["error"]["code"] == "too_large"
    assert ccodec.event(1, 2.5, "wlan0", ccodec.EventBody(nt.ScanStarted())) == {
        "type": "event", "seq": 1, "ts": 2.5, "iface": "wlan0", "level": 3,
        "event": "scan_started", "data": {}, "raw": "CTRL-EVENT-SCAN-STARTED "}

def test_every_compact_only_op_is_covered():
    """A compact-only op in TABLE needs a test in this file."""
    src = open(__file__).read()
    missing = [c.op for c in commands.TABLE if c.name is None and '"%s"' % c.op not in src]
    assert missing == []


def test_status_reports_the_provisioning_result(env, tmp_path):
    from wispd.config import provision
    h = env()
    c = h.compact_client()
    assert c.call("status")["result"]["provisioning"] is None
    state = tmp_path / "state"
    provision.record_result(str(state), "applied", source="/boot/wispd.toml", networks=2)
    h.daemon.state_dir = str(state)
    p = c.call("status")["result"]["provisioning"]
    assert p["result"] == "applied" and p["networks"] == 2 and isinstance(p["time"], int)
    assert p["source"] == "/boot/wispd.toml"


def test_msgpack_is_only_imported_with_the_compact_socket():
    import subprocess
    import sys
    code = ("import sys; import wispd.main, wispd.daemon, wispd.control.commands, "
            "wispd.control.wpactrl.server; print('msgpack' in sys.modules); "
            "import wispd.control.compact.server; print('msgpack' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]      # even the module defers it to CompactServer()


def test_event_fields_travel_typed_not_parsed_from_text(env):
    """Version 2: an id_str of digits stays a string, an SSID with a quote and a
    NUL arrives as its octets, and `raw` is still the wpa_ctrl line."""
    h = env()
    c = h.compact_client()
    c.call("subscribe")
    ssid = b'a"b\x00c'
    h.iface.notify(nt.Connected(b"\x02\0\0\0\0\x01", 3, "42", ssid))
    h.iface.notify(nt.Associating(b"\x02\0\0\0\0\x01", ssid, 2437))
    h.iface.notify(nt.RegdomChange("CORE", "COUNTRY", "00"))
    c.call("ping")
    got = {e["event"]: e for e in c.events}
    conn = got["connected"]["data"]
    assert conn == {"bssid": b"\x02\0\0\0\0\x01", "id": 3, "id_str": "42", "ssid": ssid}
    assert got["connected"]["raw"] == ("CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:01 "
                                       "completed [id=3 id_str=42]")
    assert got["associating"]["data"]["ssid"] == ssid
    assert got["regdom_change"]["data"]["alpha2"] == "00"     # was the int 0 in version 1


def test_every_command_error_code_is_documented():
    """Programs branch on these codes: each one a handler can raise is in
    docs/control-protocol.md (and so in the compact fuzz target's stable list).
    The long fuzz run found abort_scan's no_scan missing from both."""
    import glob
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    raised = set()
    for path in glob.glob(os.path.join(root, "firmware", "wispd", "**", "*.py"),
                          recursive=True):
        with open(path, encoding="utf-8") as f:
            raised |= set(re.findall(r'CommandError\(\s*"([a-z_]+)"', f.read()))
    with open(os.path.join(root, "docs", "control-protocol.md"), encoding="utf-8") as f:
        doc = f.read()
    section = doc[doc.index("Errors of an operation itself"):]
    section = section[:section.index("\n\n")]
    # the protocol's own codes (the table above that paragraph) count too
    from wispd.control.compact import codec as ccodec
    documented = set(re.findall(r"`([a-z_]+)`", section)) | set(ccodec.ERROR_CODES)
    assert "no_such_network" in raised and "no_scan" in raised
    assert sorted(raised - documented) == []
