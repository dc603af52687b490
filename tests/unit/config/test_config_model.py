"""Network/global set and get as SET_NETWORK, GET_NETWORK, SET and GET use them."""

import pytest

from wispd.config.model import Config, ConfigError, Network
from wispd.config.wpaconf import dump, parse


def test_network_ids_like_wpa_supplicant():
    c = parse("network={\n\tssid=\"a\"\n}\nnetwork={\n\tssid=\"b\"\n}\n", "t")
    assert [n.id for n in c.networks] == [0, 1]
    n2 = c.add_network()
    assert n2.id == 2
    assert c.remove_network(1) is True
    assert c.remove_network(1) is False
    assert c.add_network().id == 3          # max + 1, not the hole
    assert c.get_network(3) is not None and c.get_network(1) is None
    assert c.next_network_id() == 4
    assert Config().add_network().id == 0


@pytest.mark.parametrize("field,value,msg", [
    ("ssid", '"' + "x" * 33 + '"', "too long ssid (len=33 max_len=32)"),
    ("ssid", "abc", "invalid ssid 'abc': expected \"text\", P\"escaped\" or an even "
                    "number of hex digits"),
    ("ssid", "zz", "invalid ssid 'zz': expected \"text\", P\"escaped\" or an even "
                   "number of hex digits"),
    ("ssid", '"abc', "invalid ssid: unterminated quoted string"),
    ("ssid", 'P"abc', "invalid ssid: unterminated P\"\" string"),
    ("psk", '"1234567"', "invalid passphrase length 7 (expected: 8..63)"),
    ("psk", '"tab\there!"', "invalid passphrase character (printable ASCII only)"),
    ("psk", '"caf\u00e9 au lait"', "invalid passphrase character (printable ASCII only)"),
    ("psk", "g" * 64, "invalid psk: expected \"passphrase\" or 64 hex digits"),
    ("psk", "a" * 63, "invalid psk: expected \"passphrase\" or 64 hex digits"),
    ("psk", '"unterminated', "invalid psk: unterminated quoted passphrase"),
    ("key_mgmt", "WPA-PSK wpa-psk", "invalid key_mgmt 'wpa-psk'"),
    ("pairwise", "CCMP BIP", "invalid pairwise 'BIP'"),
    ("pairwise", "", "no pairwise values configured"),
    ("group", "NONE", "not allowed group cipher 'NONE'"),
    ("bssid", "aa-bb-cc-dd-ee-ff", "invalid bssid 'aa-bb-cc-dd-ee-ff'"),
    ("priority", "1.5", 'invalid number "1.5" for priority'),
    ("priority", "", 'invalid number "" for priority'),
    ("scan_ssid", "-1", "too small scan_ssid (value=-1 min_value=0)"),
    ("ieee80211w", "x", 'invalid number "x" for ieee80211w'),
    ("freq_list", "2412 0", "invalid freq_list frequency '0'"),
    ("scan_freq", "\u00b2", "invalid scan_freq frequency '\u00b2'"),   # not a ValueError
    ("nonsense", "1", "unknown network field 'nonsense'"),
    ("auth_alg", "OPEN\nx", "invalid auth_alg value with newline"),
    # Values the written file would not give back (the control fuzz target: SAVE_CONFIG
    # wrote `psk="ab"#cdefgh"`, which then failed to load).
    ("psk", '"ab"#cdefgh"', "invalid psk value: it would not read back from the file "
                            "(a '#' outside quotes, or blanks at the end)"),
    ("auth_alg", "OPEN #x", "invalid auth_alg value: it would not read back from the file "
                       "(a '#' outside quotes, or blanks at the end)"),
    ("auth_alg", "OPEN ", "invalid auth_alg value: it would not read back from the file "
                     "(a '#' outside quotes, or blanks at the end)"),
])
def test_set_network_validation(field, value, msg):
    net = Config().add_network()
    net.set("ssid", '"keep"')
    with pytest.raises(ConfigError) as e:
        net.set(field, value)
    assert str(e.value) == msg
    assert net.get("ssid") == '"keep"'          # a refused SET changes nothing
    assert field == "ssid" or field == "nonsense" or net.get(field) is None


def test_psk_boundaries():
    net = Network(0)
    net.set("psk", '"' + "a" * 8 + '"')
    net.set("psk", '"' + "~" * 63 + '"')
    net.set("psk", '" spaces are fine "')
    assert net.passphrase == " spaces are fine "
    net.set("psk", "0" * 64)
    assert net.passphrase is None and net.psk_bytes == bytes(32)


def test_ssid_boundaries():
    net = Network(0)
    net.set("ssid", '"' + "x" * 32 + '"')
    net.set("ssid", "00" * 32)
    assert net.ssid_bytes == bytes(32)
    with pytest.raises(ConfigError):
        net.set("ssid", "00" * 33)


def test_get_public_masks_secrets():
    net = Network(0)
    net.set("ssid", '"home"')
    net.set("psk", '"passphrase"')
    net.set("sae_password", '"sae secret"')
    net.set("password", '"eap secret"')
    net.set("wep_key0", '"abcde"')
    for f in ("psk", "sae_password", "password", "wep_key0"):
        assert net.get_public(f) == "*"
        assert net.get(f) != "*"
    assert net.get_public("ssid") == '"home"'
    assert net.get_public("priority") is None          # unset: GET_NETWORK fails
    assert net.get_public("wep_key1") is None
    assert "passphrase" not in repr(net)
    with pytest.raises(ConfigError):
        net.get_public("nope")


def test_get_returns_canonical_text():
    net = Network(0)
    net.set("ssid", "686f6d65")
    assert net.get("ssid") == '"home"'
    net.set("key_mgmt", "SAE WPA-PSK")
    assert net.get("key_mgmt") == "WPA-PSK SAE"
    net.set("bssid", "any")
    assert net.get("bssid") is None and net.bssid is None
    net.set("bssid", "02:00:00:00:00:01")
    net.set("bssid", "")
    assert "bssid" not in net
    net.set("scan_freq", "")
    assert net.get("scan_freq") is None
    net.set("id_str", "NULL")
    assert net.get("id_str") is None


def test_set_then_dump_then_parse_every_supported_field():
    c = Config()
    net = c.add_network()
    values = {
        "ssid": '"wispd"', "scan_ssid": "1", "bssid": "02:00:00:00:00:01",
        "psk": '"12345678"', "sae_password": '"sae"', "proto": "RSN",
        "key_mgmt": "WPA-PSK WPA-PSK-SHA256 SAE", "pairwise": "CCMP",
        "group": "CCMP", "scan_freq": "2412", "freq_list": "2412 2437",
        "priority": "7", "disabled": "1", "id_str": '"lab"', "ieee80211w": "2",
    }
    for k, v in values.items():
        net.set(k, v)
    again = parse(dump(c), "t").networks[0]
    assert again == net
    for k, v in values.items():
        assert again.get(k) == v
    assert again.key_mgmt == {"WPA-PSK", "WPA-PSK-SHA256", "SAE"}
    assert again.proto == {"RSN"} and again.pairwise == {"CCMP"} and again.group == {"CCMP"}
    assert again.sae_password == b"sae"


def test_globals_set_get():
    c = Config()
    c.set_global("update_config", "1")
    c.set_global("ctrl_interface", "DIR=/run/wispd GROUP=netdev")
    c.set_global("p2p_disabled", "1")          # known, unsupported: stored verbatim
    c.set_global("wmm_ac_be_aifs", "3")        # an AP-mode family, also kept
    assert c.get_global("update_config") == "1" and c.update_config
    assert c.get_global("country") is None
    assert c.ctrl_dir == "/run/wispd" and c.ctrl_group == "netdev"
    with pytest.raises(ConfigError) as e:
        c.set_global("bogus", "1")
    assert str(e.value) == "unknown global key 'bogus'"
    with pytest.raises(ConfigError):
        c.get_global("bogus")
    with pytest.raises(ConfigError) as e:
        c.set_global("update_config", "2")
    assert str(e.value) == "too large update_config (value=2 max_value=1)"
    assert c.update_config                      # unchanged after a refused SET
    with pytest.raises(ConfigError):
        c.set_global("ctrl_interface_group", "a\nb")
    c.unset_global("p2p_disabled")
    assert list(c.globals) == ["update_config", "ctrl_interface", "wmm_ac_be_aifs"]


def test_config_equality_ignores_ids_but_not_content():
    a = parse("network={\n\tssid=\"a\"\n}\n", "t")
    b = Config()
    n = b.add_network()
    n.id = 5
    n.set("ssid", '"a"')
    assert a == b
    n.set("priority", "1")
    assert a != b
    assert n.copy(9).id == 9 and n.copy(9) == n
