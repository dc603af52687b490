"""wpa_supplicant.conf parsing, writing and round trips."""

import logging

import pytest

from wispd.config import model
from wispd.config.model import Config, ConfigError
from wispd.config.wpaconf import dump, load, parse

SAMPLE = """\
# A file as a Raspberry Pi image ships it
ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev
update_config=1
country=DE
p2p_disabled=1
eapol_version=1

network={
\tssid="home"
\tpsk="correct horse"
\tkey_mgmt=WPA-PSK SAE
\tpriority=5
\tid_str="house"
\tieee80211w=1
}

network={
    ssid=636166c3a9   # UTF-8 "cafe" with accent, hex as wpa_supplicant writes it
    psk=0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef
    scan_ssid=1
    bssid=02:00:00:00:01:00
    scan_freq=2412 2437  2462
    freq_list=5180 5200
    disabled=1
    eap=PEAP
    identity="bob"
}
"""


def test_sample_model():
    c = parse(SAMPLE, "wpa.conf")
    assert list(c.globals) == ["ctrl_interface", "update_config", "country",
                               "p2p_disabled", "eapol_version"]
    assert c.ctrl_dir == "/var/run/wpa_supplicant"
    assert c.ctrl_group == "netdev"
    assert c.update_config is True
    assert c.country == "DE"
    assert c.ap_scan == 1
    assert c.get_global("p2p_disabled") == "1"
    a, b = c.networks
    assert (a.id, b.id) == (0, 1)
    assert a.ssid_bytes == b"home"
    assert a.get("ssid") == '"home"'
    assert a.passphrase == "correct horse" and a.psk_bytes is None
    assert a.key_mgmt == {"WPA-PSK", "SAE"}
    assert a.priority == 5 and a.disabled == 0 and a.scan_ssid is False
    assert a.id_str == "house"
    assert a.ieee80211w == 1
    assert a.bssid is None
    assert b.ssid_bytes == "café".encode()
    assert b.psk_bytes == bytes.fromhex("0123456789abcdef" * 4)
    assert b.get("psk") == "0123456789abcdef" * 4  # hex normalised to lower case
    assert b.passphrase is None
    assert b.scan_ssid is True
    assert b.bssid == b"\x02\x00\x00\x00\x01\x00"
    assert b.scan_freq == [2412, 2437, 2462]
    assert b.get("scan_freq") == "2412 2437 2462"
    assert b.freq_list == [5180, 5200]
    assert b.disabled == 1
    assert b.ieee80211w is None
    assert b.get("eap") == "PEAP" and b.get("identity") == '"bob"'


def test_defaults_match_hostap():
    net = parse("network={\n ssid=\"x\"\n}\n").networks[0]
    assert net.key_mgmt == {"WPA-PSK", "WPA-EAP"}
    assert net.proto == {"WPA", "RSN"}
    assert net.pairwise == {"CCMP", "TKIP"}
    # hostap 2.10 config_ssid.h: DEFAULT_GROUP = CCMP | TKIP (no WEP).
    assert net.group == {"CCMP", "TKIP"}
    assert net.priority == 0 and net.disabled == 0 and net.scan_ssid is False
    assert net.scan_freq == [] and net.freq_list == []
    assert net.id_str is None and net.sae_password is None


def test_dump_layout():
    c = parse(SAMPLE, "wpa.conf")
    text = dump(c)
    assert text.startswith("ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev\n"
                           "update_config=1\ncountry=DE\np2p_disabled=1\neapol_version=1\n"
                           "\nnetwork={\n\tssid=\"home\"\n")
    assert "\tssid=636166c3a9\n\tscan_ssid=1\n\tbssid=02:00:00:00:01:00\n" in text
    # unsupported fields follow the supported ones, unchanged
    assert "\tdisabled=1\n\teap=PEAP\n\tidentity=\"bob\"\n}\n" in text
    assert text.endswith("}\n")


def test_round_trip_sample():
    c = parse(SAMPLE, "wpa.conf")
    again = parse(dump(c), "dumped")
    assert again == c
    assert dump(again) == dump(c)


@pytest.mark.parametrize("field,value,stored", [
    ("ssid", '"home"', '"home"'),
    ("ssid", "686f6d65", '"home"'),                 # printable hex is written quoted
    ("ssid", 'P"a\\tb\\x00\\"c"', "610962002263"),    # escapes, control bytes -> hex
    ("ssid", 'P"\\\\"', '"\\"'),
    ("ssid", '"with # hash"', '"with # hash"'),
    ("ssid", '"with "quote"', '"with "quote"'),
    ("ssid", '"a"#b"', "61222362"),              # quoted, a"#b would not read back
    ("ssid", "ff" * 32, "ff" * 32),
    ("ssid", '""', '""'),
    ("psk", '"passphrase"', '"passphrase"'),
    ("psk", "AB" * 32, "ab" * 32),
    ("sae_password", '"any length is fine"', '"any length is fine"'),
    ("key_mgmt", "SAE\tWPA-PSK", "WPA-PSK SAE"),
    ("key_mgmt", "NONE", "NONE"),
    ("key_mgmt", "WPA-PSK-SHA256 OWE", "WPA-PSK-SHA256 OWE"),
    ("proto", "WPA2", "RSN"),
    ("proto", "RSN WPA", "WPA RSN"),
    ("pairwise", "TKIP CCMP", "CCMP TKIP"),
    ("group", "CCMP TKIP WEP104 WEP40", "CCMP TKIP"),  # WEP filtered, as hostap does
    ("bssid", "AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
    ("priority", "-3", "-3"),
    ("priority", "0x10", "16"),
    ("disabled", "2", "2"),
    ("scan_ssid", "1", "1"),
    ("ieee80211w", "2", "2"),
    ("id_str", '"office"', '"office"'),
    ("scan_freq", "2412  5180", "2412 5180"),
    ("freq_list", "2412", "2412"),
])
def test_field_round_trip(field, value, stored):
    c = Config()
    net = c.add_network()
    net.set(field, value)
    assert net.get(field) == stored
    again = parse(dump(c), "t")
    assert again == c
    assert again.networks[0].get(field) == stored


def test_escaped_ssid_bytes():
    net = Config().add_network()
    net.set("ssid", 'P"a\\tb\\x00\\"c\\101\\e"')
    assert net.ssid_bytes == b'a\tb\x00"cA\x1b'


def test_unsupported_keys_kept_and_logged_once(caplog):
    model._warned.clear()
    text = ("fast_reauth=1\nbgscan=\"simple:30:-45:300\"\np2p_disabled=1\n"
            "\nnetwork={\n\tssid=\"corp\"\n\tkey_mgmt=WPA-EAP\n\tbgscan=\"simple\"\n\teap=PEAP\n"
            "\tpassword=\"s3cret\"\n\tphase2=\"auth=MSCHAPV2\"\n}\n"
            "\nnetwork={\n\tssid=\"corp2\"\n\teap=TTLS\n}\n")
    with caplog.at_level(logging.WARNING, logger="wispd.config"):
        c = parse(text, "corp.conf")
        parse(text, "corp.conf")
    msgs = [r.getMessage() for r in caplog.records]
    assert not any("'eap'" in m or "'password'" in m for m in msgs)   # real fields (issue 16)
    assert sum("'fast_reauth'" in m for m in msgs) == 1
    assert c.get_global("bgscan") == '"simple:30:-45:300"'
    assert c.networks[0].get("phase2") == '"auth=MSCHAPV2"'
    assert dump(c) == text
    assert parse(dump(c)) == c


def test_cred_and_blob_blocks_preserved():
    text = ("update_config=1\n\ncred={\n\trealm=\"example.com\"\n\tusername=\"u\"\n}\n"
            "\nnetwork={\n\tssid=\"a\"\n}\n\nblob-base64-cert={\nSGVsbG8=\n}\n")
    c = parse(text, "t")
    assert dump(c) == text
    assert parse(dump(c)) == c


def test_blob_before_cred_reads_back_equal():
    # Found by fuzzing (tests/fuzz/corpus/config/crash-block-order.conf): dump()
    # writes creds first, so the parse keeps them first as well.
    c = parse("blob-base64-b={\nQQ==\n}\ncred={\n\trealm=\"x\"\n}\n", "t")
    assert [header for header, _ in c.blocks] == ["cred={", "blob-base64-b={"]
    assert parse(dump(c)) == c


def test_comments_and_whitespace_like_wpa_supplicant():
    text = ("   # indented comment\n\n\t\r\nupdate_config=1   # trailing comment\n"
            "network={\n   ssid=\"a#b\"#comment\n  priority=3\t\n}   \n")
    c = parse(text, "t")
    assert c.get_global("update_config") == "1"
    assert c.networks[0].ssid_bytes == b"a#b"
    assert c.networks[0].priority == 3


def test_crlf_file():
    c = parse("update_config=1\r\nnetwork={\r\n\tssid=\"a\"\r\n}\r\n", "t")
    assert c.update_config and c.networks[0].ssid_bytes == b"a"


def test_duplicate_key_last_wins_like_wpa_supplicant():
    c = parse("ap_scan=1\nap_scan=2\nnetwork={\n\tssid=\"a\"\n\tssid=\"b\"\n}\n", "t")
    assert c.ap_scan == 2
    assert c.networks[0].ssid_bytes == b"b"


def test_network_without_ssid_is_accepted_like_wpa_supplicant():
    # wpa_supplicant writes ADD_NETWORK'd blocks with no ssid back to the file.
    c = parse("network={\n\tpriority=1\n}\n", "t")
    assert c.networks[0].ssid_bytes is None
    assert parse(dump(c)) == c


def test_ctrl_interface_forms():
    c = parse("ctrl_interface=/run/wpa\nctrl_interface_group=wheel\n", "t")
    assert c.ctrl_dir == "/run/wpa" and c.ctrl_group == "wheel"
    c = parse("ctrl_interface=DIR=/run/x\n", "t")
    assert c.ctrl_dir == "/run/x" and c.ctrl_group is None
    c = parse("ctrl_interface=DIR=/run/x GROUP=0\nctrl_interface_group=wheel\n", "t")
    assert c.ctrl_group == "0"  # GROUP= wins
    assert Config().ctrl_dir is None


def test_global_accessors():
    c = parse("ap_scan=2\nautoscan=exponential:3:300\nsae_pwe=2\ncountry=us\n", "t")
    assert c.ap_scan == 2 and c.autoscan == "exponential:3:300" and c.sae_pwe == 2
    assert c.country == "US"
    assert c.update_config is False


def test_load_reads_file(tmp_path):
    p = tmp_path / "wpa.conf"
    p.write_text(SAMPLE)
    c = load(str(p))
    assert c.path == str(p)
    assert len(c.networks) == 2


def test_load_missing_file(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(str(tmp_path / "nope.conf"))
    assert str(e.value).startswith(str(tmp_path / "nope.conf") + ": cannot read")


ERRORS = [
    ("bogus_key=1\n", 1, "unknown global key 'bogus_key'"),
    ("update_config=1\nctrl_interface = /run\n", 2,
     "unknown global key 'ctrl_interface ' (no spaces around '=')"),
    ("\n\njust words\n", 3, "missing '=' in 'just words'"),
    ("}\n", 1, "'}' without an open network block"),
    ("network={\n\tssid=\"a\"\n", 1, "network block is not terminated (missing '}')"),
    ("network={\n\tssid=\"a\"\nnetwork={\n}\n", 3,
     "'network={' inside a network block (missing '}' for the block opened at line 1?)"),
    ("network={\n\tssid\n}\n", 2, "missing '=' in 'ssid'"),
    ("network={\n\tfoo=1\n}\n", 2, "unknown network field 'foo'"),
    ("network={\n\tssid=\"abc\n}\n", 2, "invalid quotation in ssid value (no closing '\"')"),
    ("network={\n\tssid=\"" + "a" * 33 + "\"\n}\n", 2, "too long ssid (len=33 max_len=32)"),
    ("network={\n\tssid=abc\n}\n", 2,
     "invalid ssid 'abc': expected \"text\", P\"escaped\" or an even number of hex digits"),
    ("network={\n\tpsk=\"short\"\n}\n", 2, "invalid passphrase length 5 (expected: 8..63)"),
    ("network={\n\tpsk=\"" + "a" * 64 + "\"\n}\n", 2,
     "invalid passphrase length 64 (expected: 8..63)"),
    ("network={\n\tpsk=abcd\n}\n", 2, "invalid psk: expected \"passphrase\" or 64 hex digits"),
    ("network={\n\tkey_mgmt=WPA-PSK FOO\n}\n", 2, "invalid key_mgmt 'FOO'"),
    ("network={\n\tkey_mgmt=\n}\n", 2, "no key_mgmt values configured"),
    ("network={\n\tproto=WPA3\n}\n", 2, "invalid proto 'WPA3'"),
    ("network={\n\tpairwise=WEP40\n}\n", 2, "not allowed pairwise cipher 'WEP40'"),
    ("network={\n\tgroup=WEP40\n}\n", 2, "no group values configured"),
    ("network={\n\tbssid=00:11:22:33:44\n}\n", 2, "invalid bssid '00:11:22:33:44'"),
    ("network={\n\tpriority=high\n}\n", 2, 'invalid number "high" for priority'),
    ("network={\n\tscan_ssid=2\n}\n", 2, "too large scan_ssid (value=2 max_value=1)"),
    ("network={\n\tdisabled=-1\n}\n", 2, "too small disabled (value=-1 min_value=0)"),
    ("network={\n\tieee80211w=3\n}\n", 2, "too large ieee80211w (value=3 max_value=2)"),
    ("network={\n\tscan_freq=2412 abc\n}\n", 2, "invalid scan_freq frequency 'abc'"),
    ("update_config=yes\n", 1, 'invalid number "yes" for update_config'),
    ("ap_scan=3\n", 1, "too large ap_scan (value=3 max_value=2)"),
    ("country=USA\n", 1, "invalid country 'USA' (expected two letters, e.g. US, or 00)"),
    ("autoscan=sometimes\n", 1,
     "invalid autoscan 'sometimes' (exponential:BASE:LIMIT or periodic:INTERVAL)"),
    ("ctrl_interface=\n", 1, "empty ctrl_interface"),
    ("ctrl_interface=DIR=/run GROUP=\n", 1, "empty GROUP= in ctrl_interface"),
    ("sae_pwe=4\n", 1, "too large sae_pwe (value=4 max_value=3)"),
    ("cred={\n\trealm=\"x\"\n", 1, "cred block is not terminated (missing '}')"),
]


@pytest.mark.parametrize("text,line,msg", ERRORS)
def test_errors_have_file_and_line(text, line, msg):
    with pytest.raises(ConfigError) as e:
        parse(text, "/etc/wpa.conf")
    assert str(e.value) == "/etc/wpa.conf:%d: %s" % (line, msg)


def test_non_utf8_is_a_clear_error():
    with pytest.raises(ConfigError) as e:
        parse(b"update_config=1\nnetwork={\n\tssid=\"caf\xe9\"\n}\n", "bad.conf")
    assert str(e.value) == ("bad.conf:3: not valid UTF-8 (byte 0xe9); write non-ASCII "
                            "SSIDs as hex")


def test_non_utf8_file_via_load(tmp_path):
    p = tmp_path / "w.conf"
    p.write_bytes(b"\xff\n")
    with pytest.raises(ConfigError) as e:
        load(str(p))
    assert str(e.value).startswith(str(p) + ":1: not valid UTF-8")
