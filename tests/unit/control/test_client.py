"""wispd.client against a real wispd process (fake driver): hello, typed calls,
errors as exceptions, the event iterator, scan that waits, apply, reconnect."""

import os
import socket
import subprocess
import sys

import pytest

from compact_daemon import AP1, WispdProcess
from wispd import client

OPEN_NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'


@pytest.fixture
def wispd(tmp_path):
    procs = []

    def start(conf=OPEN_NET, **kw):
        p = WispdProcess(tmp_path, conf, **kw)
        procs.append(p)
        return p
    yield start
    for p in procs:
        p.stop()


def test_client_only_needs_msgpack():
    code = ("import sys; import wispd.client as c; "
            "print(sorted(m for m in sys.modules if m.startswith('wispd')))")
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    assert out.strip() == "['wispd', 'wispd.client']"


def test_hello_status_and_events(wispd):
    d = wispd()
    with client.Client(d.control, timeout=5) as c:
        assert c.hello["proto"] == 2 and c.hello["interfaces"] == ["fake0"]
        c.subscribe(["connected", "disconnected"])
        st = c.status()
        if st["state"] != "COMPLETED":
            ev = c.wait_event("connected", timeout=10)
            assert ev["data"]["bssid"] == bytes.fromhex(AP1.replace(":", ""))
        st = c.status()
        assert st["state"] == "COMPLETED" and st["link"]["ssid"] == b"cafe"
        assert c.request("ping") == "PONG"


def test_errors_raise_with_codes(wispd):
    d = wispd()
    with client.Client(d.control, timeout=5) as c:
        with pytest.raises(client.WispError) as e:
            c.request("network.get", {"id": 42, "field": "ssid"})
        assert e.value.code == "no_such_network"
        with pytest.raises(client.WispError) as e:
            c.request("no.such.op")
        assert e.value.code == "unknown_op"
        with pytest.raises(client.WispError) as e:
            c.request("status", iface="wlan9")
        assert e.value.code == "no_such_interface"


def test_scan_waits_for_results(wispd):
    d = wispd(world="open:%s:cafe,wpa2:02:00:00:00:00:02:home" % AP1)
    with client.Client(d.control, timeout=5) as c:
        seen = []
        res = c.scan(wait=True, timeout=10, progress=seen.append)
        assert {r["ssid"] for r in res} == {b"cafe", b"home"}
        assert any(m and m["event"] == "scan_results" for m in seen)


def test_add_select_remove_apply_save(wispd):
    d = wispd(conf="")
    with client.Client(d.control, timeout=5) as c:
        nid = c.add_network({"ssid": '"cafe"', "key_mgmt": "NONE"})
        assert nid == 0
        with pytest.raises(client.WispError) as e:
            c.add_network({"ssid": '"x"', "key_mgmt": "BOGUS"})
        assert e.value.code == "invalid_value"
        assert [n["id"] for n in c.networks()] == [0]      # the half-made one is gone
        c.subscribe(["connected"])
        c.select_network(0)
        c.wait_event("connected", timeout=10)
        c.save()
        assert 'ssid="cafe"' in open(d.conf).read()
        r = c.apply_networks([{"ssid": b"a", "psk": '"12345678"'}, {"ssid": b"b",
                                                                 "key_mgmt": "NONE"}])
        assert r == {"ids": [0, 1], "saved": True}
        assert [n["ssid"] for n in c.networks()] == [b"a", b"b"]
        c.remove_network(1)
        assert [n["ssid"] for n in c.networks()] == [b"a"]


def test_event_iterator_times_out_and_yields_in_order(wispd):
    d = wispd()
    with client.Client(d.control, timeout=5) as c:
        c.subscribe(["connected"])
        if c.status()["state"] != "COMPLETED":
            c.wait_event("connected", timeout=10)
        c.pending.clear()
        # seq is per connection: a new subscription carries on from where it is.
        start = c.subscribe()["seq"]
        c.request("disconnect")
        c.request("reconnect")
        got = list(c.events(timeout=1.5))
        seqs = [m["seq"] for m in got]
        assert seqs == list(range(start + 1, start + 1 + len(seqs)))
        names = [m["event"] for m in got]
        assert "disconnected" in names and names.index("connected") > names.index("disconnected")


def test_refusals_and_hangups_are_disconnected(wispd, tmp_path):
    with pytest.raises(OSError):
        client.Client(str(tmp_path / "nobody"), timeout=1)
    d = wispd()
    c = client.Client(d.control, timeout=5)
    d.stop()
    with pytest.raises(client.Disconnected):
        c.request("ping")
    c.close()
    # A connection-level error message becomes Disconnected with its code.
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    import msgpack
    b.send(msgpack.packb({"type": "error", "code": "access_denied", "message": "no"}))
    c = client.Client.__new__(client.Client)
    c.sock, c.pending = a, []
    with pytest.raises(client.Disconnected) as e:
        c._recv(1)
    assert e.value.code == "access_denied"
    a.close()
    b.close()


def test_daemon_terminate_sends_terminating_event(wispd):
    d = wispd()
    with client.Client(d.control, timeout=5) as c:
        c.subscribe(["terminating"])
        c.request("terminate")
        ev = c.next_event(5)
        assert ev["event"] == "terminating"
    assert d.proc.wait(5) == 0
    assert not os.path.exists(d.control)


def test_example_fleet_agent_applies_follows_and_survives_restart(tmp_path):
    """docs/examples/fleet_agent.py: applies the file, reports the link,
    reapplies on change, and comes back after the daemon restarts."""
    import json
    import time
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    agent_py = os.path.join(root, "docs", "examples", "fleet_agent.py")
    nets = tmp_path / "networks.toml"
    nets.write_text('[[network]]\nssid = "cafe"\nkey_mgmt = "NONE"\n')
    d = WispdProcess(tmp_path, "")
    agent = subprocess.Popen([sys.executable, agent_py, "--socket", d.control,
                              "--networks", str(nets)], stdout=subprocess.PIPE, text=True)
    lines = []

    def until(pred, what):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = agent.stdout.readline()
            if not line:
                break
            lines.append(json.loads(line))
            if pred(lines[-1]):
                return lines[-1]
        raise AssertionError("agent never reported %s: %s" % (what, lines[-5:]))
    try:
        until(lambda m: m["why"].startswith("applied 1 networks"), "apply")
        m = until(lambda m: m["view"].get("state") == "COMPLETED", "connected")
        assert m["view"]["link"]["ssid"] == "cafe"
        assert 'ssid="cafe"' in open(d.conf).read()
        d.stop()
        until(lambda m: "daemon went away" in m["why"], "the restart")
        d = WispdProcess(tmp_path, open(d.conf).read().split("update_config=1\n", 1)[1])
        until(lambda m: m["why"] == "resync", "resync")
        time.sleep(0.05)
        nets.write_text('[[network]]\nssid = "cafe"\nkey_mgmt = "NONE"\n\n'
                        '[[network]]\nssid = "home"\npsk = "12345678"\n')
        os.utime(str(nets), (time.time() + 5, time.time() + 5))
        until(lambda m: m["why"].startswith("applied 2 networks"), "re-apply")
        assert 'ssid="home"' in open(d.conf).read()
    finally:
        agent.terminate()
        agent.wait(5)
        d.stop()
