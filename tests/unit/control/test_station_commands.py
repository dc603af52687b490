"""The wpa_ctrl commands that test runners and wpa_cli scripts send besides the
everyday ones (issue 15): FLUSH, NOTE, RELOG, STATUS-DRIVER, SCAN with its
arguments, ABORT_SCAN, SCAN_INTERVAL, GET_CAPABILITY, SELECT_NETWORK any and
freq=, SET with an empty value, STATUS's p2p_device_address and uuid lines,
SIGNAL_POLL's averages and the global socket's redirection, each reply as
wpa_supplicant 2.10 writes it."""

import os
import uuid

import pytest

import fakedriver
from harness import CtrlClient, idle, kv
from wispd.control import scanargs
from wispd.control.wpactrl import reply
from wispd.core.status import uuid_from_mac

OPEN_NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'
AP1 = "02:00:00:00:00:01"


# ------------------------------------------------------------------ STATUS
def test_uuid_is_wpa_supplicants_name_based_uuid():
    """uuid_gen_mac_addr: SHA-1 of a fixed namespace and the address, with the
    version-5 and RFC 4122 variant bits; Python's uuid module sets the same."""
    mac = bytes.fromhex("020000000000")
    import hashlib
    digest = hashlib.sha1(bytes.fromhex("526480f8c99b4be5a65558ed5f5d6084") + mac).digest()
    assert uuid_from_mac(mac) == str(uuid.UUID(bytes=digest[:16], version=5))
    assert uuid_from_mac(mac) != uuid_from_mac(bytes.fromhex("020000000100"))


def test_status_has_p2p_address_and_uuid(h):
    x = h(OPEN_NET)
    st = x.client().request("STATUS")
    keys = [line.split("=", 1)[0] for line in st.splitlines()]
    assert keys[-4:] == ["wpa_state", "p2p_device_address", "address", "uuid"]
    v = kv(st)
    assert v["p2p_device_address"] == v["address"]
    assert v["uuid"] == uuid_from_mac(x.iface.addr)


# ------------------------------------------------------------------ harness commands
def test_note_and_relog(h, caplog):
    c = h().client()
    with caplog.at_level("INFO", logger="wispd"):
        assert c.request("NOTE TEST-START ap_open") == "OK\n"
    assert "NOTE: TEST-START ap_open" in caplog.text
    assert c.request("NOTE") == "OK\n"
    assert c.request("RELOG") == "OK\n"


def test_flush_clears_networks_bss_and_settings(h):
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert c.request("SET sae_pwe 1") == "OK\n"
    assert c.request("BSS " + AP1) != ""
    assert c.request("FLUSH") == "OK\n"
    c.wait_event("CTRL-EVENT-DISCONNECTED")
    assert c.request("LIST_NETWORKS") == "network id / ssid / bssid / flags\n"
    assert c.request("BSS " + AP1) == ""
    assert c.request("GET sae_pwe") == "FAIL\n"      # back to the file: not set
    assert c.request("ADD_NETWORK") == "0\n"         # ids start again at 0


def test_status_driver(h):
    x = h()
    c = x.client()
    idle(x)
    st = kv(c.request("STATUS-DRIVER"))
    assert st["ifname"] == "fake0"
    assert st["addr"] == kv(c.request("STATUS"))["address"]
    assert st["scan_state"] == "SCAN_COMPLETED"
    assert st["associated"] == "0"
    # run-tests.py waits while a scan is in the driver
    assert c.request("SCAN") == "OK\n"
    x.run_until(lambda: x.driver.scanning)
    assert kv(c.request("STATUS-DRIVER"))["scan_state"] == "SCAN_STARTED"


# ------------------------------------------------------------------ scanning
def test_scan_arguments_parse_as_wpa_supplicant_reads_them():
    freqs = (2412, 2417, 2437, 2462, 5180, 5200)
    a = scanargs.parse("TYPE=ONLY freq=2412-2437,5180 passive=1 use_id=1 only_new=1 "
                       "ssid 6361666500 ssid 61", freqs)
    assert a.only and a.passive and a.only_new and a.use_id == 1
    assert a.freqs == [2412, 2417, 2437, 5180]
    assert a.ssids == [b"cafe\0", b"a"]
    a = scanargs.parse("bssid=02:00:00:00:03:00 wildcard_ssid=1", freqs)
    assert a.bssid == bytes.fromhex("020000000300") and a.wildcard_ssid
    assert scanargs.parse("scan_id=3,4").scan_ids == [3, 4]
    assert scanargs.parse("", freqs).freqs is None
    for bad in ("freq=abc", "freq=2500-2400", "freq=2484", "ssid 123", "bssid=02:00",
                "scan_id=x"):
        with pytest.raises(ValueError):
            scanargs.parse(bad, freqs)


def test_scan_with_arguments(h):
    x = h()
    c = x.client()
    idle(x)
    x.iface.capa.freqs = (2412, 2437)
    assert c.request("SCAN TYPE=ONLY freq=2412") == "OK\n"
    idle(x)
    assert c.request("SCAN freq=9999") == "FAIL\n"
    assert c.request("SCAN ssid 12345") == "FAIL\n"


def test_scan_use_id_and_only(h):
    """use_id=1: the reply is the scan's id and its events carry it, as
    "CTRL-EVENT-SCAN-STARTED id=N" / "CTRL-EVENT-SCAN-RESULTS id=N"."""
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    c.request("DISCONNECT")
    idle(x)
    c.events.clear()
    first = c.request("SCAN TYPE=ONLY use_id=1")
    assert first.strip().isdecimal()
    assert c.wait_event("CTRL-EVENT-SCAN-STARTED") == "CTRL-EVENT-SCAN-STARTED id=%s" % first.strip()
    assert c.wait_event("CTRL-EVENT-SCAN-RESULTS") == "CTRL-EVENT-SCAN-RESULTS id=%s" % first.strip()
    idle(x)
    assert x.iface.wpa_state == "DISCONNECTED"          # TYPE=ONLY: no selection
    assert int(c.request("SCAN use_id=1")) == int(first) + 1
    idle(x)
    c.drain()
    c.events.clear()
    assert c.request("SCAN") == "OK\n"
    assert c.wait_event("CTRL-EVENT-SCAN-STARTED") == "CTRL-EVENT-SCAN-STARTED "


def test_bss_expire_age_and_count(h):
    x = h()
    c = x.client()
    assert c.request("BSS_EXPIRE_AGE 20") == "OK\n"
    assert c.request("BSS_EXPIRE_COUNT 3") == "OK\n"
    assert (x.iface.bss.expire_age, x.iface.bss.expire_count) == (20, 3)
    assert c.request("BSS_EXPIRE_AGE 5") == "FAIL\n"     # wpa_supplicant: at least 10
    assert c.request("BSS_EXPIRE_COUNT 0") == "FAIL\n"
    assert c.request("BSS_EXPIRE_AGE x") == "FAIL\n"
    assert c.request("FLUSH") == "OK\n"                  # back to 180 s / 2 scans
    assert (x.iface.bss.expire_age, x.iface.bss.expire_count) == (180, 2)


def test_abort_scan_and_scan_interval(h):
    x = h()
    c = x.client()
    idle(x)
    assert c.request("ABORT_SCAN") == "FAIL\n"          # nothing to abort
    assert c.request("SCAN") == "OK\n"
    x.run_until(lambda: x.driver.scanning)
    assert c.request("ABORT_SCAN") == "OK\n"
    assert c.request("SCAN_INTERVAL 5") == "OK\n"
    assert c.request("SCAN_INTERVAL -1") == "FAIL\n"
    assert c.request("SCAN_INTERVAL x") == "FAIL\n"


# ------------------------------------------------------------------ capabilities
def test_get_capability(h):
    x = h()
    c = x.client()
    x.iface.capa.sae = True
    x.iface.capa.ciphers = frozenset((0x000FAC04, 0x000FAC02))
    x.iface.capa.freqs = (2412, 2417, 5180)
    assert c.request("GET_CAPABILITY pairwise") == "CCMP TKIP NONE"
    assert c.request("GET_CAPABILITY group") == "CCMP TKIP"
    assert c.request("GET_CAPABILITY key_mgmt") == ("NONE WPA-EAP WPA-PSK FT-PSK FT-SAE SAE "
                                                    "WPA-EAP-SHA256 WPA-PSK-SHA256")
    assert c.request("GET_CAPABILITY proto") == "RSN WPA"
    assert c.request("GET_CAPABILITY auth_alg") == "OPEN SAE"
    assert c.request("GET_CAPABILITY auth_alg strict") == "OPEN SAE"
    assert c.request("GET_CAPABILITY modes") == ""
    assert c.request("GET_CAPABILITY channels") == ("Mode[G] Channels: 1 2\n"
                                                    "Mode[A] Channels: 36\n")
    assert c.request("GET_CAPABILITY freq") == ("Mode[G] Channels:\n 2412 = 1\n 2417 = 2\n"
                                                "Mode[A] Channels:\n 5180 = 36\n")
    x.iface.capa.sae = False
    assert c.request("GET_CAPABILITY auth_alg") == "OPEN"
    assert c.request("GET_CAPABILITY nothing") == "FAIL\n"
    assert c.request("GET_CAPABILITY pairwise bogus") == "FAIL\n"


# ------------------------------------------------------------------ networks, settings
def test_select_network_any_and_freq(h):
    x = h(OPEN_NET, [fakedriver.open_bss(AP1, b"cafe")])
    c = x.client()
    c.request("ATTACH")
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert c.request("DISCONNECT") == "OK\n"
    assert c.request("SELECT_NETWORK any") == "OK\n"
    c.wait_event("CTRL-EVENT-CONNECTED")
    idle(x)
    x.driver.scans.clear()
    assert c.request("SELECT_NETWORK 0 freq=2412,2437") == "OK\n"
    x.run_until(lambda: x.driver.scans)
    assert sorted(x.driver.scans[0].freqs) == [2412, 2437]     # only those
    assert c.request("SELECT_NETWORK 0 freq=x") == "FAIL\n"
    assert c.request("SELECT_NETWORK 0 foo=1") == "FAIL\n"


def test_set_with_an_empty_value(h):
    c = h().client()
    assert c.request("SET freq_list 2412") == "OK\n"
    assert c.request("GET freq_list") == "2412"
    assert c.request("SET freq_list ") == "OK\n"         # cleared
    assert c.request("GET freq_list") == "FAIL\n"
    assert c.request("SET freq_list") == "FAIL\n"        # no separator: no value at all
    assert c.request("SET no_such_key ") == "FAIL\n"


def test_signal_poll_averages():
    text = reply.signal_poll({"rssi": -50, "linkspeed": 54, "noise": 9999, "frequency": 2412,
                              "avg_rssi": -51, "avg_beacon_rssi": -49})
    assert text.endswith("FREQUENCY=2412\nAVG_RSSI=-51\nAVG_BEACON_RSSI=-49\n")
    assert "AVG" not in reply.signal_poll({"rssi": -50})


def test_global_socket_redirects_p2p_device_commands(h, tmp_path):
    """wpa_supplicant's global socket runs REMOVE_NETWORK, GET_NETWORK,
    LIST_NETWORKS and GET_CAPABILITY on its first interface without IFNAME=
    (hostap's test runner clears the networks that way)."""
    x = h(OPEN_NET)
    x.daemon.global_ctrl_path = str(tmp_path / "global")
    x.daemon.open_global_control()
    g = CtrlClient(str(tmp_path / "global"), x)
    x.clients.append(g)
    assert g.request("GET_NETWORK 0 ssid") == '"cafe"'
    assert g.request("LIST_NETWORKS").startswith("network id / ssid / bssid / flags\n0\tcafe")
    assert g.request("REMOVE_NETWORK all") == "OK\n"
    assert x.iface.config.networks == []
    assert g.request("STATUS") == "UNKNOWN COMMAND\n"
    assert os.path.exists(str(tmp_path / "global"))
