"""The core on the fake driver: scanning, selection, connect, loss, backoff."""

import pytest

import fakedriver
from wispd.core import netstate
from wispd.core import states

OPEN_NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'


def test_connects_to_open_network(h):
    x = h(OPEN_NET, [fakedriver.open_bss("02:00:00:00:00:01", b"cafe")])
    c = x.client()
    c.request("ATTACH")
    ev = c.wait_event("CTRL-EVENT-CONNECTED")
    assert ev == "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:00:01 completed [id=0 id_str=]"
    assert x.iface.wpa_state == states.COMPLETED
    assert x.driver.port_authorized and x.driver.operstate is True
    status = dict(line.split("=", 1) for line in c.request("STATUS").splitlines())
    assert status["wpa_state"] == "COMPLETED"
    assert status["ssid"] == "cafe"
    assert status["bssid"] == "02:00:00:00:00:01"
    assert status["key_mgmt"] == "NONE"
    assert status["address"] == "02:00:00:00:02:00"


def test_priority_then_signal(h):
    conf = ('network={\n\tssid="low"\n\tkey_mgmt=NONE\n\tpriority=1\n}\n'
            'network={\n\tssid="high"\n\tkey_mgmt=NONE\n\tpriority=5\n}\n')
    world = [fakedriver.open_bss("02:00:00:00:00:01", b"low", signal=-30),
             fakedriver.open_bss("02:00:00:00:00:02", b"high", signal=-80),
             fakedriver.open_bss("02:00:00:00:00:03", b"high", signal=-60)]
    x = h(conf, world)
    x.run_until(lambda: x.iface.wpa_state == states.COMPLETED)
    assert x.driver.associations[-1].bssid == bytes.fromhex("020000000003")


def test_bssid_pinning(h):
    conf = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n\tbssid=02:00:00:00:00:02\n}\n'
    world = [fakedriver.open_bss("02:00:00:00:00:01", b"cafe", signal=-30),
             fakedriver.open_bss("02:00:00:00:00:02", b"cafe", signal=-80)]
    x = h(conf, world)
    x.run_until(lambda: x.iface.wpa_state == states.COMPLETED)
    assert x.driver.associations[-1].bssid == bytes.fromhex("020000000002")


def test_hidden_ssid_is_probed_by_name(h):
    conf = 'network={\n\tssid="secret"\n\tkey_mgmt=NONE\n\tscan_ssid=1\n}\n'
    x = h(conf, [])
    x.run_until(lambda: x.driver.scans)
    assert b"secret" in x.driver.scans[0].ssids and b"" in x.driver.scans[0].ssids


def test_reconnects_after_loss(h):
    x = h(OPEN_NET, [fakedriver.open_bss("02:00:00:00:00:01", b"cafe")])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    x.driver.drop_link(reason=7)
    assert c.wait_event("CTRL-EVENT-DISCONNECTED") == \
        "CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:00:01 reason=7"
    c.wait_event("CTRL-EVENT-CONNECTED")


def test_network_not_found_then_backoff(h):
    x = h(OPEN_NET, [])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-NETWORK-NOT-FOUND")
    c.wait_event("CTRL-EVENT-NETWORK-NOT-FOUND")
    # The AP appears: the next rescan finds it without help.
    fakedriver.FakeDriver.world.append(fakedriver.open_bss("02:00:00:00:00:09", b"cafe"))
    c.wait_event("CTRL-EVENT-CONNECTED", timeout=8)


def test_repeated_assoc_failure_temp_disables(h):
    x = h(OPEN_NET, [fakedriver.open_bss("02:00:00:00:00:01", b"cafe")])
    fakedriver.FakeDriver.reject_assoc = {bytes.fromhex("020000000001")}
    c = x.client()
    c.request("ATTACH")
    ev = c.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED", timeout=10)
    assert ev == 'CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="cafe" auth_failures=1 duration=10 reason=CONN_FAILED'
    assert "[TEMP-DISABLED]" in c.request("LIST_NETWORKS")


def test_temp_disable_schedule():
    assert [netstate.temp_disable_duration(n) for n in (1, 2, 3, 4, 6, 11, 51, 500)] == \
        [10, 20, 30, 60, 90, 120, 300, 300]


def test_disconnect_and_reconnect_commands(h):
    x = h(OPEN_NET, [fakedriver.open_bss("02:00:00:00:00:01", b"cafe")])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert c.request("DISCONNECT") == "OK\n"
    ev = c.wait_event("CTRL-EVENT-DISCONNECTED")
    assert ev.endswith("reason=3 locally_generated=1")
    assert x.iface.wpa_state == states.DISCONNECTED
    x.loop.run_once(0.2)
    assert x.iface.wpa_state == states.DISCONNECTED   # stays down until asked
    assert c.request("RECONNECT") == "OK\n"
    c.wait_event("CTRL-EVENT-CONNECTED")


def test_rfkill_disables_and_reenables(h):
    from wispd.drivers import events as ev
    x = h(OPEN_NET, [fakedriver.open_bss("02:00:00:00:00:01", b"cafe")])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    x.driver.connected = None
    x.driver.on_event(ev.InterfaceDisabled(reason="rfkill"))
    assert x.iface.wpa_state == states.INTERFACE_DISABLED
    assert c.request("SCAN") == "FAIL-BUSY\n"
    x.driver.on_event(ev.InterfaceEnabled(reason="rfkill"))
    c.wait_event("CTRL-EVENT-CONNECTED")
