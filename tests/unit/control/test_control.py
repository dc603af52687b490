"""Every wpa_ctrl text command against the fake driver, reply formats as
wpa_supplicant 2.10 writes them, bad input, monitors and the socket file."""

import errno
import logging
import os
import re
import socket
import stat

import pytest

import fakedriver
from harness import Harness, idle, kv
from wispd.daemon import IfaceSpec
from wispd.config import wpaconf
from wispd.platform import log as wlog
from wispd.core import states
from wispd.control import commands
from wispd.control.wpactrl import codec as tcodec
from wispd.control.wpactrl import events as wpactrl_events
from wispd.control.wpactrl import server as ctext
from wispd.platform.eloop import ALL
from wispd.platform.log import DEBUG

OPEN_NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'
AP1 = "02:00:00:00:00:01"
AP2 = "02:00:00:00:00:02"
from wispd.core import notify as nt

# One notification of each level, and the line wpa_ctrl monitors get for it.


class _DebugLine(nt.Notification):
    """A wpa_ctrl line at DEBUG (level 2): wispd sends none that wpa_supplicant
    does not send higher, so the level filter is checked with this one
    (registered in the renderer by test_attach_detach_level_filtering)."""
    __slots__ = ()
    level = DEBUG


DEBUG_EV, DEBUG_TXT = _DebugLine(), "CTRL-EVENT-TEST-DEBUG-LINE"
INFO_EV, INFO_TXT = nt.ScanStarted(), "CTRL-EVENT-SCAN-STARTED "
WARNING_EV, WARNING_TXT = nt.MichaelMicFailure(), "WPA: Michael MIC failure detected"


def connected(x, c):
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert x.iface.wpa_state == states.COMPLETED


# ------------------------------------------------------------------ basic
def test_ping(h):
    c = h().client()
    assert c.request("PING") == "PONG\n"


def test_status_disconnected_and_connected(h):
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    first = c.request("STATUS")
    keys = [line.split("=", 1)[0] for line in first.splitlines()]
    assert keys[-4:] == ["wpa_state", "p2p_device_address", "address", "uuid"]
    connected(x, c)
    reply = c.request("STATUS")
    keys = [line.split("=", 1)[0] for line in reply.splitlines()]
    # wpa_supplicant 2.10's order.
    assert keys == ["bssid", "freq", "ssid", "id", "mode", "pairwise_cipher", "group_cipher",
                    "key_mgmt", "wpa_state", "p2p_device_address", "address", "uuid"]
    st = kv(reply)
    assert st["bssid"] == AP1 and st["freq"] == "2412" and st["ssid"] == "cafe"
    assert st["id"] == "0" and st["mode"] == "station" and st["wpa_state"] == "COMPLETED"


def test_status_shows_id_str(h):
    conf = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n\tid_str="home"\n}\n'
    x = h(conf, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    connected(x, c)
    st = c.request("STATUS")
    assert "\nid=0\nid_str=home\nmode=station\n" in st


# ------------------------------------------------------------------ scanning
def test_scan_ok_then_busy_while_pending(h):
    x = h("", [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    idle(x)
    c.request("ATTACH")
    assert c.request("SCAN") == "OK\n"
    x.run_until(lambda: x.driver.scanning)
    assert c.request("SCAN") == "FAIL-BUSY\n"
    c.wait_event("CTRL-EVENT-SCAN-RESULTS")
    idle(x)
    assert c.request("SCAN") == "OK\n"


def test_scan_results_format_and_flags(h):
    world = [fakedriver.wpa2_bss(AP1, b"secure", freq=2437, signal=-40),
             fakedriver.open_bss(AP2, b"open", freq=5180, signal=-70)]
    x = h("", world)
    c = x.client()
    idle(x)
    reply = c.request("SCAN_RESULTS")
    lines = reply.split("\n")
    assert lines[0] == "bssid / frequency / signal level / flags / ssid"
    assert reply.endswith("\n")
    body = sorted(lines[1:-1])
    assert body == ["02:00:00:00:00:01\t2437\t-40\t[WPA2-PSK-CCMP][ESS]\tsecure",
                    "02:00:00:00:00:02\t5180\t-70\t[ESS]\topen"]


def test_scan_results_empty(h):
    x = h("", [])
    c = x.client()
    idle(x)
    assert c.request("SCAN_RESULTS") == "bssid / frequency / signal level / flags / ssid\n"


def test_ssid_escaping(h):
    odd = b'a\x00b\nc\td"e\\f\xffg'
    x = h("", [fakedriver.open_bss(AP1, odd)])
    c = x.client()
    idle(x)
    line = c.request("SCAN_RESULTS").splitlines()[1]
    assert line.split("\t")[4] == 'a\\x00b\\nc\\td\\"e\\\\f\\xffg'
    assert kv(c.request("BSS " + AP1))["ssid"] == 'a\\x00b\\nc\\td\\"e\\\\f\\xffg'


def test_bss_selectors(h):
    world = [fakedriver.wpa2_bss(AP1, b"one", signal=-40),
             fakedriver.open_bss(AP2, b"two", signal=-60)]
    x = h("", world)
    c = x.client()
    idle(x)
    ids = sorted(b.id for b in x.iface.bss)
    assert len(ids) == 2
    first = kv(c.request("BSS FIRST"))
    assert list(first)[:4] == ["id", "bssid", "freq", "beacon_int"]
    assert first["id"] == str(ids[0])
    for key in ("capabilities", "qual", "noise", "level", "tsf", "age", "ie", "flags", "ssid"):
        assert key in first
    last = kv(c.request("BSS LAST"))
    assert last["id"] == str(ids[1])
    assert kv(c.request("BSS %d" % ids[0])) == first
    assert kv(c.request("BSS ID-%d" % ids[1]))["id"] == str(ids[1])
    assert kv(c.request("BSS NEXT-%d" % ids[0]))["id"] == str(ids[1])
    assert c.request("BSS NEXT-%d" % ids[1]) == ""          # no further entry
    by_bssid = kv(c.request("BSS " + AP1))
    assert by_bssid["bssid"] == AP1 and by_bssid["ssid"] == "one"
    assert by_bssid["flags"] == "[WPA2-PSK-CCMP][ESS]"
    assert by_bssid["level"] == "-40" and by_bssid["capabilities"] == "0x0011"
    assert c.request("BSS 02:00:00:00:00:09") == ""
    assert c.request("BSS 999") == ""
    assert c.request("BSS nonsense") == "FAIL\n"
    assert c.request("BSS NEXT-x") == "FAIL\n"
    assert c.request("BSS zz:zz:zz:zz:zz:zz") == "FAIL\n"


def test_unicode_digits_are_refused_not_crashed_on(h, caplog):
    # Found by fuzzing: "²" passes str.isdigit() but not int(); the handler
    # raised and only the codec's catch-all answered.
    x = h(OPEN_NET)
    c = x.client()
    for request in ("BSS \u00b2", "SET_NETWORK 0 scan_freq \u00b2", "SET autoscan periodic:\u00b2",
                    "LOG_LEVEL \u00b2"):
        assert c.request(request) == "FAIL\n", request
    assert not [r for r in caplog.records if r.exc_info]


def _big_bss(bssid, ssid, vendor_elements=4):
    """A hostile AP's BSS: kilobytes of 255-byte vendor elements, in the probe
    response and the beacon, so that one BSS entry overflows a text reply."""
    ies = bytes((0, len(ssid))) + ssid + (b"\xdd\xff" + b"\x00\x11\x22" + bytes(252)) * vendor_elements
    return fakedriver.ScanResult(bytes.fromhex(bssid.replace(":", "")), 2412, ies=ies,
                                 beacon_ies=ies, signal=-50, caps=0x0001)


def test_bss_range(h):
    world = [fakedriver.wpa2_bss(AP1, b"one"), fakedriver.open_bss(AP2, b"t\two"),
             fakedriver.open_bss("02:00:00:00:00:03", b"three")]
    x = h("", world)
    c = x.client()
    idle(x)
    ids = sorted(b.id for b in x.iface.bss)
    single = [c.request("BSS ID-%d" % i) for i in ids]
    # Entries back to back, no delimiter (wpa_supplicant's default mask has none).
    assert c.request("BSS RANGE=ALL") == "".join(single)
    assert c.request("BSS RANGE=%d-%d" % (ids[1], ids[2])) == "".join(single[1:])
    assert c.request("BSS RANGE=-%d" % ids[0]) == single[0]
    assert c.request("BSS RANGE=%d-" % ids[1]) == "".join(single[1:])
    assert c.request("BSS RANGE=nonsense") == ""
    assert kv(single[1])["ssid"] == "t\\two"
    assert "beacon_ie" not in kv(single[0])    # known from a probe response only


def test_oversized_bss_entries_are_left_out_whole(h):
    """Regression (issue 10): a BSS whose ie=/beacon_ie= lines pass the 4 KB
    reply was cut mid-line; wpa_supplicant sends an empty reply instead, and a
    RANGE stops before it."""
    world = [fakedriver.open_bss(AP1, b"small"), _big_bss(AP2, b"big")]
    x = h("", world)
    c = x.client()
    idle(x)
    small, big = sorted(x.iface.bss, key=lambda b: b.bssid)
    assert c.request("BSS " + AP2) == ""
    assert c.request("BSS ID-%d" % big.id) == ""
    assert kv(c.request("BSS " + AP1))["ssid"] == "small"
    # A RANGE ends at the first entry that does not fit, as wpa_supplicant's.
    before_big = c.request("BSS ID-%d" % small.id) if small.id < big.id else ""
    assert c.request("BSS RANGE=ALL") == before_big
    # The compact protocol has no 4 KB limit: the IEs come whole.
    assert commands.run(commands.BY_NAME["BSS"], commands.Context(x.daemon, x.iface),
                        [AP2]).ies == big.ies


def test_scan_results_keep_whole_lines(h):
    """Regression (issue 10): 32-byte SSIDs of control bytes print as 128
    characters each; a reply over 4 KB used to end in half a line."""
    odd = bytes(range(1, 33))
    world = [fakedriver.open_bss("02:00:00:00:01:%02x" % i, odd) for i in range(40)]
    x = h("", world)
    c = x.client()
    idle(x)
    reply = c.request("SCAN_RESULTS")
    assert len(reply) <= 4095 and reply.endswith("\n")
    lines = reply.splitlines()
    assert 1 < len(lines) < 41
    for line in lines[1:]:
        assert line.split("\t")[4] == "".join(
            {9: "\\t", 10: "\\n", 13: "\\r", 27: "\\e"}.get(b, "\\x%02x" % b) if b < 32 else chr(b)
            for b in odd)


def test_bss_flush(h):
    x = h("", [fakedriver.open_bss(AP1, b"one")])
    c = x.client()
    idle(x)
    assert len(x.iface.bss) == 1
    assert c.request("BSS_FLUSH 0") == "OK\n"
    assert len(x.iface.bss) == 0
    assert c.request("BSS_FLUSH x") == "FAIL\n"


# ------------------------------------------------------------------ networks
def test_list_networks(h):
    conf = OPEN_NET + 'network={\n\tssid="other"\n\tkey_mgmt=NONE\n\tdisabled=1\n' \
        '\tbssid=02:00:00:00:00:05\n}\n'
    x = h(conf, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    connected(x, c)
    assert c.request("LIST_NETWORKS") == (
        "network id / ssid / bssid / flags\n"
        "0\tcafe\tany\t[CURRENT]\n"
        "1\tother\t02:00:00:00:00:05\t[DISABLED]\n")


def test_set_network_scans_only_for_an_enabled_network(h):
    # ADD_NETWORK + SET_NETWORK of a new (disabled) network start no scan that
    # would hold up the SELECT_NETWORK's own (hostap test_ap_pmf_required_sta_no_pmf).
    x = h('network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n\tdisabled=1\n}\n', [])
    c = x.client()
    idle(x)
    assert x.iface.wpa_state == states.INACTIVE
    n = len(x.driver.scans)
    assert c.request("ADD_NETWORK") == "1\n"
    assert c.request('SET_NETWORK 1 ssid "new"') == "OK\n"
    assert c.request("SET_NETWORK 0 priority 2") == "OK\n"
    for _ in range(30):
        x.loop.run_once(0.01)
    assert len(x.driver.scans) == n and not x.iface.scan_pending()
    assert x.iface.wpa_state == states.INACTIVE
    assert c.request("SET_NETWORK 0 disabled 0") == "OK\n"       # enabled: pick again
    x.run_until(lambda: len(x.driver.scans) > n)


def test_add_set_get_remove_network(h):
    x = h("", [])
    c = x.client()
    idle(x)
    assert c.request("ADD_NETWORK") == "0\n"
    assert c.request("ADD_NETWORK") == "1\n"
    assert c.request("LIST_NETWORKS") == ("network id / ssid / bssid / flags\n"
                                          "0\t\tany\t[DISABLED]\n1\t\tany\t[DISABLED]\n")
    assert c.request('SET_NETWORK 0 ssid "my net"') == "OK\n"
    assert c.request("GET_NETWORK 0 ssid") == '"my net"'
    assert c.request('SET_NETWORK 0 psk "passphrase"') == "OK\n"
    assert c.request("GET_NETWORK 0 psk") == "*"
    assert x.iface.config.get_network(0).passphrase == "passphrase"
    assert c.request("SET_NETWORK 0 priority 5") == "OK\n"
    assert c.request("GET_NETWORK 0 priority") == "5"
    assert c.request('SET_NETWORK 0 psk "short"') == "FAIL\n"        # < 8 characters
    assert c.request("SET_NETWORK 0 nosuchfield 1") == "FAIL\n"
    assert c.request("GET_NETWORK 0 bssid") == "FAIL\n"               # not set
    assert c.request("GET_NETWORK 5 ssid") == "FAIL\n"
    assert c.request('SET_NETWORK 5 ssid "x"') == "FAIL\n"
    assert c.request("REMOVE_NETWORK 1") == "OK\n"
    assert c.request("REMOVE_NETWORK 1") == "FAIL\n"
    assert [n.id for n in x.iface.config.networks] == [0]
    assert c.request("ADD_NETWORK") == "1\n"
    assert c.request("REMOVE_NETWORK all") == "OK\n"
    assert x.iface.config.networks == []
    assert c.request("LIST_NETWORKS") == "network id / ssid / bssid / flags\n"


def test_enable_disable_network_and_all(h):
    conf = OPEN_NET + 'network={\n\tssid="b"\n\tkey_mgmt=NONE\n}\n'
    x = h(conf, [])
    c = x.client()
    nets = x.iface.config.networks
    assert c.request("DISABLE_NETWORK 1") == "OK\n"
    assert [n.disabled for n in nets] == [0, 1]
    assert c.request("DISABLE_NETWORK all") == "OK\n"
    assert [n.disabled for n in nets] == [1, 1]
    assert "[DISABLED]" in c.request("LIST_NETWORKS").splitlines()[1]
    assert c.request("ENABLE_NETWORK 0") == "OK\n"
    assert [n.disabled for n in nets] == [0, 1]
    assert c.request("ENABLE_NETWORK all") == "OK\n"
    assert [n.disabled for n in nets] == [0, 0]
    assert c.request("ENABLE_NETWORK 9") == "FAIL\n"
    assert c.request("DISABLE_NETWORK 9") == "FAIL\n"


def test_enable_network_connects(h):
    conf = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n\tdisabled=1\n}\n'
    x = h(conf, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    idle(x)
    assert x.iface.wpa_state != states.COMPLETED
    c.request("ATTACH")
    assert c.request("ENABLE_NETWORK 0") == "OK\n"
    c.wait_event("CTRL-EVENT-CONNECTED")


def test_select_network(h):
    conf = ('network={\n\tssid="one"\n\tkey_mgmt=NONE\n}\n'
            'network={\n\tssid="two"\n\tkey_mgmt=NONE\n}\n')
    world = [fakedriver.open_bss(AP1, b"one", signal=-30),
             fakedriver.open_bss(AP2, b"two", signal=-80)]
    x = h(conf, world)
    c = x.client()
    connected(x, c)
    assert x.iface.current_network.id == 0
    assert c.request("SELECT_NETWORK 1") == "OK\n"
    assert [n.disabled for n in x.iface.config.networks] == [1, 0]
    ev = c.wait_event("CTRL-EVENT-CONNECTED")
    assert "Connection to %s completed [id=1" % AP2 in ev
    assert c.request("SELECT_NETWORK all") == "OK\n"
    assert [n.disabled for n in x.iface.config.networks] == [0, 0]
    assert c.request("SELECT_NETWORK 7") == "FAIL\n"


# ------------------------------------------------------------------ config file
def test_save_config_refused_without_update_config(h, tmp_path):
    x = h(OPEN_NET, [])
    c = x.client()
    before = open(x.conf).read()
    c.request("ADD_NETWORK")
    assert c.request("SAVE_CONFIG") == "FAIL\n"
    assert open(x.conf).read() == before


def test_save_config_writes_0600_and_reparses(h):
    x = h("update_config=1\n" + OPEN_NET, [])
    c = x.client()
    os.chmod(x.conf, 0o644)
    assert c.request("ADD_NETWORK") == "1\n"
    assert c.request('SET_NETWORK 1 ssid "new one"') == "OK\n"
    assert c.request('SET_NETWORK 1 psk "passphrase"') == "OK\n"
    assert c.request("SET_NETWORK 1 priority 3") == "OK\n"
    assert c.request("SAVE_CONFIG") == "OK\n"
    assert stat.S_IMODE(os.stat(x.conf).st_mode) == 0o600
    saved = wpaconf.load(x.conf)
    running = x.iface.config
    assert [n.items() and list(n.items()) for n in saved.networks] == \
        [list(n.items()) for n in running.networks]
    assert saved.get_network(1).passphrase == "passphrase"
    assert saved.update_config
    assert not [f for f in os.listdir(os.path.dirname(x.conf)) if ".tmp" in f]


def test_reconfigure_reads_file_and_refuses_broken_one(h):
    x = h(OPEN_NET, [])
    c = x.client()
    with open(x.conf, "a") as f:
        f.write('network={\n\tssid="second"\n\tkey_mgmt=NONE\n}\n')
    assert c.request("RECONFIGURE") == "OK\n"
    assert [n.ssid_bytes for n in x.iface.config.networks] == [b"cafe", b"second"]
    running = x.iface.config
    snapshot = [list(n.items()) for n in running.networks]
    with open(x.conf, "a") as f:
        f.write("network={\n\tssid=\"broken\n}\n")
    assert c.request("RECONFIGURE") == "FAIL\n"
    assert x.iface.config is running
    assert [list(n.items()) for n in x.iface.config.networks] == snapshot
    assert c.request("PING") == "PONG\n"


# ------------------------------------------------------------------ link control
def test_disconnect_reconnect_reassociate(h):
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    connected(x, c)
    assert c.request("DISCONNECT") == "OK\n"
    ev = c.wait_event("CTRL-EVENT-DISCONNECTED")
    assert ev == "CTRL-EVENT-DISCONNECTED bssid=%s reason=3 locally_generated=1" % AP1
    assert x.iface.wpa_state == states.DISCONNECTED
    n_assoc = len(x.driver.associations)
    # Stays down until told otherwise.
    for _ in range(20):
        x.loop.run_once(0.01)
    assert x.iface.wpa_state == states.DISCONNECTED
    assert len(x.driver.associations) == n_assoc
    assert c.request("RECONNECT") == "OK\n"
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert c.request("RECONNECT") == "OK\n"               # already connected: no-op
    assert c.request("REASSOCIATE") == "OK\n"
    c.wait_event("CTRL-EVENT-DISCONNECTED")
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert len(x.driver.associations) == n_assoc + 2


def test_signal_poll(h):
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    idle(x)
    if x.iface.wpa_state != states.COMPLETED:
        connected(x, c)
    assert c.request("SIGNAL_POLL") == ("RSSI=-50\nLINKSPEED=54\nNOISE=9999\nFREQUENCY=2412\n"
                                        "WIDTH=20 MHz (no HT)\nCENTER_FRQ1=2412\n")
    c.request("DISCONNECT")
    x.run_until(lambda: x.iface.wpa_state == states.DISCONNECTED)
    assert c.request("SIGNAL_POLL") == "FAIL\n"


def test_pktcnt_poll(h):
    # wpa_supplicant's reply: TXGOOD/TXBAD/RXGOOD of the current AP (nl80211 STA info).
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    idle(x)
    if x.iface.wpa_state != states.COMPLETED:
        connected(x, c)
    x.driver.packet_counts = {"tx_packets": 12, "tx_failed": 0, "rx_packets": 17}
    assert c.request("PKTCNT_POLL") == "TXGOOD=12\nTXBAD=0\nRXGOOD=17\n"
    c.request("DISCONNECT")
    x.run_until(lambda: x.iface.wpa_state == states.DISCONNECTED)
    assert c.request("PKTCNT_POLL") == "FAIL\n"


# ------------------------------------------------------------------ globals
def test_interfaces(h):
    c = h().client()
    assert c.request("INTERFACES") == "fake0\n"


def test_log_level(h):
    c = h().client()
    saved = (wlog.settings.level, wlog.settings.timestamps)
    try:
        reply = c.request("LOG_LEVEL")
        lines = reply.splitlines()
        assert lines[0].startswith("Current level: ")
        assert lines[0][len("Current level: "):] in wlog.NAMES
        assert lines[1] in ("Timestamp: 0", "Timestamp: 1")
        assert c.request("LOG_LEVEL DEBUG") == "OK\n"
        assert c.request("LOG_LEVEL").splitlines()[0] == "Current level: DEBUG"
        assert c.request("LOG_LEVEL WARNING") == "OK\n"
        assert c.request("LOG_LEVEL").splitlines()[0] == "Current level: WARNING"
        assert c.request("LOG_LEVEL NOPE") == "FAIL\n"
        assert c.request("LOG_LEVEL").splitlines()[0] == "Current level: WARNING"
    finally:
        wlog.settings.set_level(saved[0])
        wlog.settings.timestamps = saved[1]


def test_get_set_globals(h):
    x = h("update_config=1\ncountry=DE\n", [])
    c = x.client()
    assert c.request("GET country") == "DE"
    assert c.request("GET update_config") == "1"
    assert c.request("SET country US") == "OK\n"
    assert c.request("GET country") == "US"
    assert x.driver.country == "US"
    assert c.request("SET ap_scan 1") == "OK\n"
    assert c.request("GET ap_scan") == "1"
    assert c.request("GET autoscan") == "FAIL\n"                  # known, not set
    assert c.request("GET no_such_key") == "FAIL\n"
    assert c.request("SET no_such_key 1") == "FAIL\n"
    assert c.request("SET country") == "FAIL\n"
    assert c.request("GET") == "FAIL\n"


def test_terminate(h):
    x = h()
    c = x.client()
    assert not x.loop.terminated
    assert c.request("TERMINATE") == "OK\n"
    assert x.loop.terminated


# ------------------------------------------------------------------ monitors
def test_attach_detach_level_filtering(h, monkeypatch):
    monkeypatch.setitem(wpactrl_events._RENDER, _DebugLine, lambda e: DEBUG_TXT)
    x = h()
    c = x.client()
    other = x.client()
    idle(x)
    assert c.request("LEVEL 2") == "FAIL\n"          # not attached yet
    assert c.request("DETACH") == "FAIL\n"
    assert c.request("ATTACH") == "OK\n"
    c.drain()
    c.events.clear()
    x.iface.notify(DEBUG_EV)
    x.iface.notify(INFO_EV)
    x.iface.notify(WARNING_EV)
    c.drain()
    assert c.events == ["<3>" + INFO_TXT, "<4>" + WARNING_TXT]   # default level: INFO
    c.events.clear()
    assert c.request("LEVEL 4") == "OK\n"
    x.iface.notify(INFO_EV)
    x.iface.notify(WARNING_EV)
    c.drain()
    assert c.events == ["<4>" + WARNING_TXT]
    c.events.clear()
    assert c.request("LEVEL 2") == "OK\n"
    x.iface.notify(DEBUG_EV)
    c.drain()
    assert c.events == ["<2>" + DEBUG_TXT]
    c.events.clear()
    assert c.request("LEVEL x") == "FAIL\n"
    assert c.request("DETACH") == "OK\n"
    x.iface.notify(WARNING_EV)
    c.drain()
    other.drain()
    assert c.events == [] and other.events == []     # the other never attached
    assert c.request("DETACH") == "FAIL\n"


def test_monitor_whose_socket_is_gone_is_detached(h):
    x = h()
    c = x.client()
    keep = x.client()
    assert c.request("ATTACH") == "OK\n"
    assert keep.request("ATTACH") == "OK\n"
    control = x.daemon.controls[x.iface]
    assert len(control.monitors) == 2
    os.unlink(c.local)
    x.iface.notify(INFO_EV)
    assert list(control.monitors) == [keep.sock.getsockname()]
    keep.drain()
    assert "<3>" + INFO_TXT in keep.events
    assert keep.request("PING") == "PONG\n"


def test_monitor_that_keeps_failing_is_detached(h, monkeypatch):
    x = h()
    c = x.client()
    c.request("ATTACH")
    control = x.daemon.controls[x.iface]

    def full(addr, data):
        return False            # e.g. the client's receive buffer is full
    monkeypatch.setattr(control, "_send", full)
    for i in range(ctext.MONITOR_MAX_ERRORS):
        x.iface.notify(nt.NetworkAdded(i))
    assert len(control.monitors) == 1
    x.iface.notify(nt.NetworkAdded(-1))
    assert control.monitors == {}


def test_stuck_monitor_real_socket_detached_reader_gets_everything(h, caplog):
    # Real sockets, no patching.  A wpa_ctrl client is connected to the daemon's
    # socket, so the kernel's max_dgram_qlen does not limit what waits for it:
    # the stuck one alone could fill the daemon's send buffer and fail every
    # send (replies and the reader's events too) if nothing caught it.
    caplog.set_level(logging.INFO, logger="wispd.control")   # the detach is logged at INFO
    x = h()
    stuck = x.client()
    reader = x.client()
    assert stuck.request("ATTACH") == "OK\n" and reader.request("ATTACH") == "OK\n"
    reader.drain()
    reader.events = []
    control = x.daemon.controls[x.iface]
    n = 3000
    for i in range(n):
        x.iface.notify(nt.NetworkAdded(i))
        reader.drain()
        if i % 50 == 49:          # let the throttle's timer run now and then
            x.loop.run_once(ctext.CHECK_INTERVAL)
            reader.drain()
        assert control._outq() < control.sndbuf // 2      # room for replies, always
    x.run_until(lambda: not control.pending and (reader.drain() or True))
    reader.drain()
    # (the fake driver's own scan events come in between when the loop runs)
    got = [e for e in reader.events if e.startswith("<3>CTRL-EVENT-NETWORK-ADDED ")]
    assert got == ["<3>CTRL-EVENT-NETWORK-ADDED %d" % i for i in range(n)]
    assert list(control.monitors) == [reader.sock.getsockname()]
    assert re.search(r"detaching monitor .*: it does not read its events", caplog.text)
    stuck.drain()
    assert 0 < len(stuck.events) < n
    assert reader.request("PING") == "PONG\n"


# ------------------------------------------------------------------ the socket file
def test_socket_mode(h):
    x = h()
    path = os.path.join(x.ctrl_dir, "fake0")
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o770
    x.close()
    assert not os.path.exists(path)
    x.close = lambda: None


def test_stale_socket_is_taken_over(h, tmp_path):
    ctrl = tmp_path / "ctrl"
    ctrl.mkdir()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(ctrl / "fake0"))
    dead.close()                  # the file stays, as after a crash
    assert os.path.exists(str(ctrl / "fake0"))
    x = h()
    assert x.client().request("PING") == "PONG\n"


def test_live_socket_is_refused(tmp_path):
    ctrl = tmp_path / "ctrl"
    ctrl.mkdir()
    live = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    live.bind(str(ctrl / "fake0"))
    try:
        with pytest.raises(OSError) as info:
            Harness(tmp_path, "", [])
        assert info.value.errno == errno.EADDRINUSE
        assert os.path.exists(str(ctrl / "fake0"))      # not stolen
    finally:
        live.close()


def test_non_socket_file_is_refused(tmp_path):
    ctrl = tmp_path / "ctrl"
    ctrl.mkdir()
    (ctrl / "fake0").write_text("not a socket")
    with pytest.raises(OSError):
        Harness(tmp_path, "", [])
    assert (ctrl / "fake0").read_text() == "not a socket"


# ------------------------------------------------------------------ bad input
BAD_INPUTS = [
    (b"X" * 8193, "FAIL\n"),
    (b"SET_NETWORK 0 ssid " + b"a" * 9000, "FAIL\n"),
    (b"", "UNKNOWN COMMAND\n"),
    (b"   ", "UNKNOWN COMMAND\n"),
    (b"\xff\xfe PING", "FAIL\n"),
    (b"PING\xc3", "FAIL\n"),
    (b"NO_SUCH_COMMAND", "UNKNOWN COMMAND\n"),
    (b"NO_SUCH_COMMAND with args", "UNKNOWN COMMAND\n"),
    (b"PING extra", "FAIL\n"),
    (b"REMOVE_NETWORK", "FAIL\n"),
    (b"REMOVE_NETWORK 0 1", "FAIL\n"),
    (b"REMOVE_NETWORK -1", "FAIL\n"),
    (b"REMOVE_NETWORK abc", "FAIL\n"),
    (b"REMOVE_NETWORK 99999999999999999999", "FAIL\n"),
    (b"REMOVE_NETWORK 42", "FAIL\n"),
    (b"ENABLE_NETWORK", "FAIL\n"),
    (b"SELECT_NETWORK x", "FAIL\n"),
    (b"SET_NETWORK", "FAIL\n"),
    (b"SET_NETWORK 0", "FAIL\n"),
    (b"SET_NETWORK 0 ssid", "FAIL\n"),
    (b"GET_NETWORK 0", "FAIL\n"),
    (b"GET_NETWORK 0 ssid extra", "FAIL\n"),
    (b"GET_NETWORK 4294967296 ssid", "FAIL\n"),
    (b"LEVEL", "FAIL\n"),
    (b"BSS", "FAIL\n"),
    (b"STATUS extra", "FAIL\n"),
    (b"IFNAME=nope PING", "FAIL-NO-IFNAME-MATCH\n"),
    (b"\x00\x00\x00", "UNKNOWN COMMAND\n"),
]


def test_bad_input_gets_one_line_error_and_ping_still_answers(h):
    x = h(OPEN_NET, [])
    c = x.client()
    for data, expected in BAD_INPUTS:
        assert c.request(data) == expected, data[:40]
        assert c.request("PING") == "PONG\n", data[:40]
    assert x.iface.config.get_network(0).ssid_bytes == b"cafe"


def test_max_size_request_is_accepted(h):
    c = h().client()
    data = b"PING" + b" " * (tcodec.MAX_REQUEST - 4)
    assert len(data) == tcodec.MAX_REQUEST
    assert c.request(data) == "PONG\n"


def test_crashing_handler_replies_fail(h, monkeypatch):
    x = h()
    c = x.client()

    def boom(ctx):
        raise RuntimeError("bug")
    monkeypatch.setattr(commands.BY_NAME["INTERFACES"], "handler", boom)
    assert c.request("INTERFACES") == "FAIL\n"
    assert c.request("PING") == "PONG\n"


def test_ifname_prefix_and_case(h):
    c = h().client()
    assert c.request("IFNAME=fake0 PING") == "PONG\n"
    assert c.request("ping") == "PONG\n"


def test_every_command_in_the_table_is_covered():
    """Keeps the suite honest: a new command in TABLE needs a test that sends it,
    here, in test_station_commands.py (what test runners use) or with the
    feature's own tests (ROAM: core/test_roaming.py)."""
    src = ""
    unit = os.path.dirname(os.path.dirname(__file__))
    for folder, _, files in os.walk(unit):
        for name in files:
            if name.startswith("test_") and name.endswith(".py"):
                with open(os.path.join(folder, name)) as f:
                    src += f.read()
    # name None: compact-only operations, covered in test_compact.py.
    missing = [cmd.name for cmd in commands.TABLE if cmd.name and '"%s' % cmd.name not in src]
    assert missing == []


def test_reply_is_capped(h):
    x = h()
    c = x.client()
    for i in range(120):
        x.iface.config.add_network().set("ssid", '"%s"' % ("n%03d" % i * 7)[:32])
    reply = c.request("LIST_NETWORKS")
    assert len(reply.encode()) <= tcodec.MAX_REPLY


def test_disconnect_cancels_a_scheduled_rescan(h):
    """Regression: DISCONNECT must cancel the scan timer (a ScanRequest argument) set by
    the not-found backoff (eloop cancel by handler alone used to miss it)."""
    x = h(OPEN_NET, [])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-NETWORK-NOT-FOUND")
    assert x.loop.is_timeout_registered(x.iface.scanner._timer, ALL)
    assert c.request("DISCONNECT") == "OK\n"
    assert not x.loop.is_timeout_registered(x.iface.scanner._timer, ALL)
    assert not x.iface.scan_pending()
    n = len(x.driver.scans)
    for _ in range(15):                  # past the first backoff step (0.1 s)
        x.loop.run_once(0.01)
    assert len(x.driver.scans) == n


def test_global_control_socket(h, tmp_path):
    x = h()
    x.daemon.global_ctrl_path = str(tmp_path / "global")
    x.daemon.open_global_control()
    from harness import CtrlClient
    g = CtrlClient(str(tmp_path / "global"), x)
    x.clients.append(g)
    assert g.request("PING") == "PONG\n"
    assert g.request("INTERFACES") == "fake0\n"
    assert g.request("STATUS") == "UNKNOWN COMMAND\n"      # needs an interface
    assert "wpa_state=" in g.request("IFNAME=fake0 STATUS")
    assert g.request("IFNAME=wlan9 STATUS") == "FAIL-NO-IFNAME-MATCH\n"
    assert g.request("ATTACH") == "OK\n"
    g.drain()
    g.events.clear()
    x.iface.notify(INFO_EV)
    g.drain()
    assert g.events == ["<3>IFNAME=fake0 " + INFO_TXT]



# ------------------------------------------------------------------ the codec alone
def test_codec_decodes_a_request_without_a_socket():
    req = tcodec.decode(b'IFNAME=wlan0 set_network 0 psk "correct horse"\n')
    assert (req.ifname, req.command, req.name) == ("wlan0", commands.BY_NAME["SET_NETWORK"],
                                                   "set_network")
    assert req.arguments() == [0, "psk", '"correct horse"']
    assert req.loggable() == "set_network 0 psk [REMOVED]"
    assert tcodec.decode(b"NOPE 1").command is None
    for data, reply in ((b"\xff", tcodec.FAIL), (b" \n", tcodec.UNKNOWN_COMMAND),
                        (b"P" * (tcodec.MAX_REQUEST + 1), tcodec.FAIL)):
        with pytest.raises(tcodec.RequestError) as e:
            tcodec.decode(data)
        assert e.value.reply == reply
    with pytest.raises(tcodec.ParseError):
        tcodec.decode(b"GET_NETWORK 0").arguments()


def test_codec_renders_replies_and_events():
    assert tcodec.reply(commands.BY_NAME["PING"], "PONG") == b"PONG\n"
    assert tcodec.error_reply(commands.CommandError("busy", "x", "FAIL-BUSY")) == b"FAIL-BUSY\n"
    assert tcodec.event(3, INFO_TXT) == b"<3>" + INFO_TXT.encode()
    assert tcodec.event(2, DEBUG_TXT, "wlan0") == b"<2>IFNAME=wlan0 " + DEBUG_TXT.encode()
    assert len(tcodec.event(3, "x" * 5000)) == tcodec.MAX_REPLY


def test_global_socket_with_two_radios(h, tmp_path):
    """Without IFNAME= the global socket runs no per-interface command, one radio
    or two (wpa_supplicant's answer); the compact socket asks for iface only when
    there are two (test_compact.test_two_radios_need_iface_and_are_never_guessed)."""
    x = h()
    other = x.daemon.add_interface(IfaceSpec("fake1", x.conf, "fake"))
    x.daemon.global_ctrl_path = str(tmp_path / "global")
    x.daemon.open_global_control()
    from harness import CtrlClient
    g = CtrlClient(str(tmp_path / "global"), x)
    x.clients.append(g)
    assert g.request("INTERFACES") == "fake0\nfake1\n"
    for command in ("STATUS", "ADD_NETWORK", "SCAN"):
        assert g.request(command) == "UNKNOWN COMMAND\n"
    assert x.iface.config.networks == [] and other.config.networks == []
    assert "wpa_state=" in g.request("IFNAME=fake1 STATUS")
    assert g.request("IFNAME=fake1 ADD_NETWORK") == "0\n"
    assert x.iface.config.networks == [] and len(other.config.networks) == 1
    own = CtrlClient(os.path.join(x.ctrl_dir, "fake1"), x)
    x.clients.append(own)
    assert own.request("GET_NETWORK 0 disabled") == "1"

def test_shutdown_deauthenticates_and_removes_socket(h):
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    connected(x, c)
    path = os.path.join(x.ctrl_dir, "fake0")
    c.events.clear()
    x.daemon.shutdown()
    c.drain()
    assert "<3>CTRL-EVENT-TERMINATING" in c.events
    assert x.driver.deauths == [(bytes.fromhex(AP1.replace(":", "")), 3)]
    assert x.driver.operstate is False
    assert not x.loop.is_timeout_registered(x.iface.scanner._timer, ALL)
    assert not os.path.exists(path)
    x.daemon.shutdown = lambda: None        # the fixture closes it again
