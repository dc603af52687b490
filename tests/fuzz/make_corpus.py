#!/usr/bin/env python3
"""Write the seed corpus (tests/fuzz/corpus/<target>/) from the project's own
code and unit-test fixtures: real IE runs, the frames of a real 4-way
handshake, wext streams in both layouts, configs and provisioning files like
the documented ones, wpa_cli and compact sessions.

Seeds are named seed-*; regression inputs (crash-*) are kept by hand and never
touched here.  Run again after changing a seed; the output is deterministic.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import msgpack  # noqa: E402

import fuzzlib  # noqa: E402
import fakedriver  # noqa: E402
import test_provision  # noqa: E402
import test_wext_scan  # noqa: E402
from fuzz_eapol import SETTINGS, corpus_frames  # noqa: E402
from wispd.drivers.wext import abi as w
from wispd.core.elements import element
from wispd.rsn.ie import build_rsn_ie  # noqa: E402
from wispd.rsn.defs import AKM_PSK, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_TKIP

RATES = element(1, bytes.fromhex("82848b960c121824"))
EXT_RATES = element(50, bytes.fromhex("3048606c"))
DS = element(3, b"\x06")
TIM = element(5, bytes.fromhex("00010000"))
COUNTRY = element(7, b"DE \x01\x0d\x14")
HT_CAP = element(45, bytes(26))
HT_OP = element(61, bytes(22))
VHT_CAP = element(191, bytes(12))
HE_CAP = element(255, b"\x23" + bytes(20))
WMM = element(221, bytes.fromhex("0050f2020101000003a4000027a4000042435e0062322f00"))
WPS = element(221, bytes.fromhex("0050f204104a0001101044000102"))
WPA1 = element(221, bytes.fromhex("0050f20101000050f20201000050f20201000050f202"))
RSNX_H2E = element(244, b"\x20")


def ssid(name):
    return element(0, name)


def ies_seeds():
    psk = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_PSK])
    tkip_group = build_rsn_ie(CIPHER_TKIP, [CIPHER_CCMP], [AKM_PSK], 0x000C)
    transition = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_PSK, AKM_SAE], 0x0080)
    sae_only = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_SAE], 0x00C0,
                            group_mgmt=CIPHER_BIP_CMAC_128)
    h2e_rates = element(1, bytes.fromhex("82848b96") + bytes((0x80 | 123,)))
    return {
        "seed-fake-open.bin": fakedriver.open_bss("02:00:00:00:00:01", b"cafe").ies,
        "seed-fake-wpa2.bin": fakedriver.wpa2_bss("02:00:00:00:00:02", b"home").ies,
        "seed-beacon-wpa2.bin": ssid(b"home") + RATES + DS + TIM + COUNTRY + psk + EXT_RATES
        + HT_CAP + HT_OP + WMM,
        "seed-beacon-transition.bin": ssid(b"wpa3") + RATES + DS + transition + HT_CAP + VHT_CAP
        + HE_CAP + RSNX_H2E + WMM,
        "seed-beacon-sae-h2e.bin": ssid(b"h2e") + h2e_rates + DS + sae_only + RSNX_H2E,
        "seed-beacon-wpa1-wps.bin": ssid(b"old") + RATES + DS + WPA1 + WPS + tkip_group,
        "seed-beacon-hidden.bin": ssid(b"") + RATES + DS + psk,
        "seed-beacon-hidden-nul.bin": ssid(bytes(6)) + RATES + DS + psk,
        "seed-probe-odd-ssid.bin": ssid(b"a\tb\nc\"\\\xff\x00") + RATES + psk,
        "seed-duplicated.bin": ssid(b"one") + ssid(b"two") + psk + transition + RATES + RATES,
        "seed-truncated.bin": (ssid(b"cut") + RATES + psk)[:-5],
    }


def wext_seeds():
    out = {"seed-cfg80211-64.bin": test_wext_scan.STREAM64,
           "seed-cfg80211-32.bin": test_wext_scan.STREAM32}
    for bits, abi in (("64", w.ABI64), ("32", w.ABI32)):
        two = b"".join([
            abi.event(w.SIOCGIWAP, w.sockaddr(bytes.fromhex("020000000001"))),
            abi.point_event(w.SIOCGIWESSID, b"", 1),
            abi.event(w.SIOCGIWFREQ, w.freq_struct(2462)),
            abi.point_event(w.SIOCGIWENCODE, b"", w.IW_ENCODE_DISABLED),
            abi.event(w.IWEVQUAL, bytes((40, 0xC4, 0xA1, 0x0F))),
            abi.event(w.SIOCGIWAP, w.sockaddr(bytes.fromhex("020000000002"))),
            abi.point_event(w.SIOCGIWESSID, b"cafe", 1),
            abi.event(w.SIOCGIWFREQ, struct.pack("=ihBB", 36, 0, 0, 0)),
            abi.event(w.SIOCGIWMODE, struct.pack("=I", w.IW_MODE_ADHOC)),
            abi.point_event(w.IWEVCUSTOM, b"bcn_int=200"),
            abi.point_event(w.IWEVCUSTOM, b"rsn_ie=30140100000fac040100000fac040100000fac020000"),
        ])
        events = b"".join([
            abi.event(w.SIOCGIWAP, w.sockaddr(bytes.fromhex("020000000001"))),
            abi.point_event(w.SIOCGIWSCAN, b""),
            abi.point_event(w.IWEVASSOCREQIE, ssid(b"home") + RATES),
            abi.point_event(w.IWEVASSOCRESPIE, RATES),
            abi.point_event(w.IWEVMICHAELMICFAILURE, struct.pack("=I", 9) + w.sockaddr(
                bytes.fromhex("020000000001")) + bytes(8)),
            abi.point_event(w.IWEVCUSTOM, b"MLME-MICHAELMICFAILURE.indication"),
        ])
        out["seed-two-bss-%s.bin" % bits] = two
        out["seed-wireless-events-%s.bin" % bits] = events
    return out


CONFIGS = {
    "seed-open.conf": 'ctrl_interface=/var/run/wpa_supplicant\nupdate_config=1\n\n'
                      'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n',
    "seed-home.conf": '# written by hand\nctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev\n'
                      'country=DE\nap_scan=1\nautoscan=exponential:3:300\n\nnetwork={\n'
                      '\tssid="home" # my AP\n\tscan_ssid=1\n\tpsk="correct horse battery"\n'
                      '\tkey_mgmt=WPA-PSK\n\tpriority=10\n\tid_str="home"\n}\n\nnetwork={\n'
                      '\tssid=6f6666696365\n\tbssid=02:00:00:00:01:00\n'
                      '\tpsk=' + "0123456789abcdef" * 4 + '\n\tproto=RSN\n\tpairwise=CCMP\n'
                      '\tgroup=CCMP TKIP\n\tscan_freq=2412 5180\n}\n',
    "seed-wpa3.conf": 'update_config=1\nsae_pwe=2\npmf=1\n\nnetwork={\n\tssid=P"wpa3\\x00\\"q\\""\n'
                      '\tkey_mgmt=SAE WPA-PSK\n\tsae_password="any length password"\n'
                      '\tpsk="transition passphrase"\n\tieee80211w=1\n\tfreq_list=2412 2437\n'
                      '\tdisabled=1\n}\n',
    "seed-blocks.conf": 'ctrl_interface=/run/wpa\neapol_version=2\n\n'
                        'cred={\n\trealm="example.com"\n\tusername="user"\n}\n\n'
                        'network={\n\tssid="corp"\n\tkey_mgmt=WPA-EAP\n'
                        '\teap=PEAP\n\tidentity="user@example.com"\n\tpassword="secret"\n}\n\n'
                        'blob-base64-cert={\nQUJDRA==\n}\n',
    "seed-odd-layout.conf": '\n  # indented comment\n\t\r\nupdate_config=1\r\nnetwork={\n'
                            'ssid="a#b" # comment after a quoted #\n  key_mgmt=NONE\t\n}\n',
}


PROVISION = {
    "seed-documented.toml": test_provision.GOOD,
    "seed-replace.toml": b'version = 1\nmode = "replace"\n\n[[network]]\n'
                         b'ssid = "caf\xc3\xa9 \\"q\\""\npsk = "p\xc3\xa4ss"\n',
    "seed-country-only.toml": b"version = 1\ncountry = \"us\"\n",
    "custom-seed-imager.toml": b'config_version = 1\n\n[system]\nhostname = "pi"\n\n[wlan]\n'
                               b'ssid = "home"\npassword = "' + b"ab" * 32 + b'"\n'
                               b'password_encrypted = true\nhidden = false\ncountry = "GB"\n',
    "custom-seed-open.toml": b'[wlan]\nssid = "cafe"\n',
}

CONTROL_TEXT = {
    "seed-add-network.txt": ['ADD_NETWORK', 'SET_NETWORK 2 ssid "new"',
                             'SET_NETWORK 2 psk "correct horse"', 'SET_NETWORK 2 key_mgmt WPA-PSK',
                             'ENABLE_NETWORK 2', 'SELECT_NETWORK 2', 'SAVE_CONFIG'],
    "seed-queries.txt": ['PING', 'STATUS', 'SCAN', 'SCAN_RESULTS', 'BSS FIRST', 'BSS ID-0',
                         'BSS 02:00:00:00:00:01', 'BSS 02:00:00:00:00:03', 'SELECT_NETWORK 0',
                         'STATUS', 'SCAN_RESULTS', 'LIST_NETWORKS', 'GET_NETWORK 0 ssid',
                         'GET_NETWORK 1 psk', 'GET update_config', 'INTERFACES', 'SIGNAL_POLL'],
    "seed-edit.txt": ['SET_NETWORK 1 ssid 686f6d65', 'SET_NETWORK 1 priority 5',
                      'DISABLE_NETWORK all', 'REMOVE_NETWORK 0', 'SET country DE',
                      'SAVE_CONFIG', 'RECONFIGURE', 'LIST_NETWORKS'],
    "seed-monitor.txt": ['ATTACH', 'LEVEL 2', 'LOG_LEVEL', 'LOG_LEVEL DEBUG 1', 'LOG_LEVEL INFO 0',
                         'DETACH', 'BSS_FLUSH 10', 'DISCONNECT', 'RECONNECT', 'REASSOCIATE'],
    "seed-ifname.txt": ['IFNAME=fake0 PING', 'IFNAME=fake0 STATUS', 'IFNAME=wlan9 PING',
                        'ping', 'NOT_A_COMMAND', 'SET_NETWORK 0 ssid', 'SET_NETWORK x ssid "a"'],
}

COMPACT = {
    "seed-session.msgpack": [
        {"id": 1, "op": "hello"}, {"id": 2, "op": "ping"}, {"id": 3, "op": "status"},
        {"id": 4, "op": "networks"}, {"id": 5, "op": "network.add"},
        {"id": 6, "op": "network.set", "args": {"id": 2, "field": "ssid", "value": '"new"'}},
        {"id": 7, "op": "network.get", "args": {"id": 2, "field": "ssid"}},
        {"id": 8, "op": "save"}, {"id": 9, "op": "bss", "args": {"which": "FIRST"}},
        {"id": 10, "op": "scan_results", "iface": "fake0", "v": 1}],
    "seed-apply.msgpack": [
        {"id": 1, "op": "networks.apply", "args": {"networks": [
            {"ssid": "home", "psk": '"correct horse"', "priority": 3},
            {"ssid": b"\xff\x00raw", "key_mgmt": "NONE", "scan_ssid": True},
            {"ssid": "list", "key_mgmt": ["WPA-PSK", "SAE"], "psk": '"a passphrase"'}]}},
        {"id": 2, "op": "networks.apply", "args": {"networks": [], "save": False}}],
    "seed-events.msgpack": [
        {"id": 1, "op": "subscribe", "args": {"events": ["scan_results"], "level": 2,
                                              "interfaces": ["fake0"]}},
        {"id": 2, "op": "scan"}, {"id": 3, "op": "unsubscribe"}, {"id": 4, "op": "attach"},
        {"id": 5, "op": "level", "args": {"level": 1}}, {"id": 6, "op": "detach"},
        {"id": 7, "op": "log_level"}, {"id": 8, "op": "config.get", "args": {"key": "country"}}],
    "seed-errors.msgpack": [
        {"op": "ping"}, {"id": 1, "op": "nope"}, {"id": 2, "op": "ping", "v": 2},
        {"id": 3, "op": "network.get", "args": {"id": "x"}}, [1, 2, 3],
        {"id": 4, "op": "status", "iface": "wlan9"}],
}


def write(target, name, data):
    d = os.path.join(fuzzlib.CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for name, data in ies_seeds().items():
        write("ies", name, data)
    for name, data in wext_seeds().items():
        write("wext", name, data)
    for name, text in CONFIGS.items():
        write("config", name, text.encode())
    for name, data in PROVISION.items():
        write("provision", name, data)
    for setting in sorted(SETTINGS):
        for msg, frame in corpus_frames(setting).items():
            write("eapol", "%s-seed-%s.frame" % (setting, msg), frame)
    for name, lines in CONTROL_TEXT.items():
        write("control_text", name, ("\n".join(lines) + "\n").encode())
    for name, reqs in COMPACT.items():
        write("compact", name, b"".join(msgpack.packb(r, use_bin_type=True) for r in reqs))
    write("compact", "seed-truncated.bin", msgpack.packb({"id": 1, "op": "status"})[:-3])


if __name__ == "__main__":
    main()
