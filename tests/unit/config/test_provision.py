"""Provisioning file: every validation error names file and place; nothing
changes on an error; merge/replace rules; derived PSK; hash no-op; deletion."""
from __future__ import annotations

import os

import pytest

from wispd.config import provision, provisionfile, wpaconf
from wispd.config.provisionfile import ProvisionError
from wispd.platform import durable
from wispd.rsn.kdf import passphrase_to_psk

GOOD = b"""\
version = 1
country = "de"
mode = "merge"

[control]
group = "netdev"

[[network]]
ssid = "home"
psk = "correct horse battery"
priority = 10
id_str = "home"

[[network]]
ssid = "office"
psk_hex = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
bssid = "02:00:00:00:01:00"
hidden = true

[[network]]
ssid = "wpa3"
sae_password = "a long sae secret"

[[network]]
ssid = "transition"
psk = "transition pass"
key_mgmt = ["WPA-PSK", "SAE"]

[[network]]
ssid = "cafe"
"""


def err(data, name="wispd.toml"):
    with pytest.raises(ProvisionError) as e:
        provisionfile.parse(data if isinstance(data, bytes) else data.encode(), name)
    return str(e.value)


def net_toml(body):
    return "version = 1\n[[network]]\nssid = \"first\"\n\n[[network]]\n" + body


# --------------------------------------------------------------------------- parsing

def test_good_file_parses_every_field():
    p = provisionfile.parse(GOOD, "/boot/wispd.toml")
    assert p.mode == "merge" and p.country == "DE" and p.control_group == "netdev"
    assert p.keep_file is False
    home, office, wpa3, trans, cafe = p.networks
    assert home.ssid_bytes == b"home" and home.passphrase == "correct horse battery"
    assert home.priority == 10 and home.id_str == "home" and home.key_mgmt == {"WPA-PSK"}
    assert office.psk_bytes == bytes.fromhex("0123456789abcdef" * 4)
    assert office.bssid == bytes.fromhex("020000000100") and office.scan_ssid
    assert wpa3.key_mgmt == {"SAE"} and wpa3.sae_password == b"a long sae secret"
    assert trans.key_mgmt == {"WPA-PSK", "SAE"}
    assert cafe.key_mgmt == {"NONE"} and "psk" not in cafe
    assert len(p.sha256) == 64


@pytest.mark.parametrize("body,expected", [
    # passphrase length (shared validator's message, our place)
    ('ssid = "a"\npsk = "short"\n', "wispd.toml: network[2].psk: invalid passphrase length 5"),
    ('ssid = "a"\npsk = "%s"\n' % ("x" * 64), "network[2].psk: invalid passphrase length 64"),
    ('ssid = "a"\npsk = "caf\u00e9 na\u00efve"\n', "network[2].psk: invalid passphrase character"),
    # non-hex hex, wrong length hex
    ('ssid = "a"\npsk_hex = "%s"\n' % ("zz" * 32), "network[2].psk_hex: invalid psk"),
    ('ssid = "a"\npsk_hex = "abcd"\n', "network[2].psk_hex: invalid psk"),
    ('ssid = "a"\npsk_hex = "\\"12345678\\""\n', "network[2].psk_hex: must be 64 hex digits"),
    ('ssid = "a"\npsk = "12345678"\npsk_hex = "%s"\n' % ("ab" * 32),
     "network[2].psk_hex: give either psk or psk_hex"),
    # bad types
    ('ssid = 5\n', "network[2].ssid: must be a string, not an integer"),
    ('ssid = "a"\npriority = "high"\n', "network[2].priority: must be an integer, not a string"),
    ('ssid = "a"\npriority = true\n', "network[2].priority: must be an integer, not true or false"),
    ('ssid = "a"\nhidden = 1\n', "network[2].hidden: must be true or false, not an integer"),
    ('ssid = "a"\npsk = 12345678\n', "network[2].psk: must be a string, not an integer"),
    ('ssid = "a"\nkey_mgmt = 3\n', "network[2].key_mgmt: must be a string or an array"),
    ('ssid = "a"\nkey_mgmt = []\n', "network[2].key_mgmt: must be a string or a non-empty"),
    ('ssid = "a"\nkey_mgmt = ["WPA-PSK", 1]\n', "network[2].key_mgmt: must be a string or a"),
    ('ssid = "a"\nbssid = 1.5\n', "network[2].bssid: must be a string, not a number"),
    # unknown keys
    ('ssid = "a"\npassword = "12345678"\n', "network[2].password: is the EAP password"),
    # field values
    ('ssid = "%s"\n' % ("s" * 33), "network[2].ssid: too long ssid (len=33 max_len=32)"),
    ('ssid = ""\n', "network[2].ssid: must not be empty"),
    ('priority = 1\n', "network[2].ssid: missing"),
    ('ssid = "a"\nbssid = "02:00:00:00:01"\n', "network[2].bssid: invalid bssid"),
    ('ssid = "a"\nkey_mgmt = "WPA-PKS"\n', "network[2].key_mgmt: invalid key_mgmt 'WPA-PKS'"),
    ('ssid = "a"\nid_str = ""\n', None),
    # secrets vs AKM
    ('ssid = "a"\nkey_mgmt = "WPA-PSK"\n', "network[2].psk: missing (key_mgmt WPA-PSK needs"),
    ('ssid = "a"\nkey_mgmt = "SAE"\npsk_hex = "%s"\n' % ("ab" * 32),
     "network[2].sae_password: missing (SAE needs a password"),
    ('ssid = "a"\nkey_mgmt = "NONE"\npsk = "12345678"\n', "network[2].key_mgmt: NONE (open"),
    ('ssid = "a"\nkey_mgmt = "WPA-PSK"\npsk = "12345678"\nsae_password = "x"\n',
     "network[2].sae_password: set, but key_mgmt has no SAE"),
    ('ssid = "a"\nkey_mgmt = "WPA-EAP"\npsk = "12345678"\n',
     "network[2].psk: set, but key_mgmt WPA-EAP uses no PSK"),
    ('ssid = "a"\nsae_password = ""\n', "network[2].sae_password: must not be empty"),
    # the provisioning fuzz target: a passphrase the written config would cut at the '#'
    ('ssid = "a"\npsk = "ab\\"#cdefgh"\n', "network[2].psk: invalid psk value: it would not "
                                           "read back"),
    # duplicate SSIDs
    ('ssid = "first"\n', 'network[2].ssid: duplicate SSID "first" (also network[1])'),
])
def test_network_errors_name_file_and_place(body, expected):
    if expected is None:       # an empty id_str is a valid (empty) string
        provisionfile.parse(net_toml(body).encode())
        return
    assert expected in err(net_toml(body)), err(net_toml(body))


def test_control_group_is_checked_before_apply():
    # The provisioning fuzz target: a '#' in the group passed parse() and failed in apply().
    assert err('version = 1\n[control]\ngroup = "net#dev"\n').startswith(
        "wispd.toml: control.group: invalid ctrl_interface value")


@pytest.mark.parametrize("text,expected", [
    ('country = "DE"\n[[network]]\nssid = "a"\n', "wispd.toml: version: missing"),
    ('version = 2\n', "wispd.toml: version: unsupported version 2"),
    ('version = "1"\n', "wispd.toml: version: must be an integer, not a string"),
    ('version = 1\ncountry = "DEU"\n', "wispd.toml: country: invalid country 'DEU'"),
    ('version = 1\ncountry = 49\n', "wispd.toml: country: must be a string"),
    ('version = 1\nmode = "append"\n', "wispd.toml: mode: must be \"merge\" or \"replace\""),
    ('version = 1\nkeep_file = "yes"\n', "wispd.toml: keep_file: must be true or false"),
    ('version = 1\nnetworks = []\n', "wispd.toml: networks: unknown key (known: version,"),
    ('version = 1\ncontrol = "netdev"\n', "wispd.toml: control: must be a table"),
    ('version = 1\n[control]\ngroup = "net dev"\n', "wispd.toml: control.group: must be a group"),
    ('version = 1\n[control]\ndir = "/run"\n', "wispd.toml: control.dir: unknown key"),
    ('version = 1\nnetwork = "x"\n', "wispd.toml: network: must be an array"),
    ('version = 1\nnetwork = [1]\n', "wispd.toml: network[1]: must be a table"),
    ('version = 1\nmode = "replace"\ncountry = "DE"\n', "network: mode = \"replace\" with no"),
    ('version = 1\n', "wispd.toml: nothing to apply"),
])
def test_top_level_errors(text, expected):
    assert expected in err(text), err(text)


def test_syntax_errors_carry_the_line():
    # A truncated file: the string of the last line is cut off.
    cut = GOOD[:GOOD.index(b"correct horse") + 7]
    msg = err(cut)
    assert msg.startswith("wispd.toml: TOML syntax error:") and "line 10 is the last" in msg \
        and "truncated" in msg, msg
    msg = err('version = 1\n[[network]]\nssid "a"\n')
    assert "TOML syntax error" in msg and "line 3" in msg, msg
    msg = err('version = 1\nversion = 1\n')
    assert "TOML syntax error" in msg and "line 2" in msg, msg


def test_empty_and_non_utf8_files():
    assert err(b"") == "wispd.toml: file is empty"
    assert err(b"  \n\n") == "wispd.toml: file is empty"
    assert err(b'version = 1\n[[network]]\nssid = "caf\xe9"\n') == \
        "wispd.toml: line 3: not valid UTF-8"


def test_load_unreadable(tmp_path):
    with pytest.raises(ProvisionError, match=r"^wispd.toml: cannot read: "):
        provisionfile.load(str(tmp_path / "wispd.toml"))


def test_quote_in_passphrase_is_kept_whole(tmp_path):
    p = provisionfile.parse(b'version = 1\n[[network]]\nssid = "q"\nkey_mgmt = "SAE"\n'
                        b'psk = "with \\" quote"\n')
    assert p.networks[0].passphrase == 'with " quote'
    conf = str(tmp_path / "c.conf")
    provision.apply(p, conf)
    assert wpaconf.load(conf).networks[0].passphrase == 'with " quote'


def test_non_ascii_and_quote_ssids_round_trip():
    p = provisionfile.parse('version = 1\n[[network]]\nssid = "Caf\u00e9 \\"x\\""\n'
                        'psk = "12345678"\n'.encode())
    assert p.networks[0].ssid_bytes == 'Caf\u00e9 "x"'.encode()


# --------------------------------------------------------------------------- custom.toml

CUSTOM = b"""\
config_version = 1

[system]
hostname = "pi"

[user]
name = "pi"
password = "$5$abc"
password_encrypted = true

[wlan]
ssid = "homenet"
password = "%s"
password_encrypted = %s
hidden = true
country = "GB"
"""


def test_custom_toml_plain_password():
    p = provisionfile.parse(CUSTOM % (b"plain passphrase", b"false"), "/boot/custom.toml")
    (net,) = p.networks
    assert p.kind == "custom.toml" and p.country == "GB"
    assert net.ssid_bytes == b"homenet" and net.passphrase == "plain passphrase"
    assert net.scan_ssid and net.key_mgmt == {"WPA-PSK"}


def test_custom_toml_encrypted_password_is_the_psk():
    psk = passphrase_to_psk("plain passphrase", b"homenet").hex()
    p = provisionfile.parse(CUSTOM % (psk.encode(), b"true"), "custom.toml")
    assert p.networks[0].psk_bytes == bytes.fromhex(psk)


@pytest.mark.parametrize("wlan,expected", [
    ('ssid = "a"\npassword = "abcd"\npassword_encrypted = true\n',
     "custom.toml: wlan.password: invalid psk"),
    ('ssid = "a"\npassword = "short"\n', "custom.toml: wlan.password: invalid passphrase length"),
    ('ssid = "a"\npassword_encrypted = true\n', "custom.toml: wlan.password: missing"),
    ('password = "12345678"\n', "custom.toml: wlan.ssid: missing"),
    ('ssid = "a"\nhidden = "no"\n', "custom.toml: wlan.hidden: must be true or false"),
    ('ssid = "a"\nchannel = 6\n', "custom.toml: wlan.channel: unknown key"),
    ('ssid = "a"\ncountry = "XYZ"\n', "custom.toml: wlan.country: invalid country"),
])
def test_custom_toml_errors(wlan, expected):
    assert expected in err("[wlan]\n" + wlan, "custom.toml")


def test_custom_toml_without_wlan():
    assert err('[system]\nhostname = "x"\n', "custom.toml") == "custom.toml: no [wlan] table"


def test_custom_toml_open_network():
    p = provisionfile.parse(b'[wlan]\nssid = "open"\n', "custom.toml")
    assert p.networks[0].key_mgmt == {"NONE"}


# --------------------------------------------------------------------------- merge / replace

EXISTING = """\
ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=wheel
update_config=1
country=US

network={
\tssid="home"
\tpsk="old home password"
\tpriority=1
}

network={
\tssid="keepme"
\tkey_mgmt=NONE
}
"""


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return str(path)


def test_merge_replaces_same_ssid_in_place_keeps_others_appends_new(tmp_path):
    conf = write(tmp_path / "wispd.conf", EXISTING)
    cfg = provision.apply(provisionfile.parse(GOOD), conf)
    again = wpaconf.load(conf)
    assert again == cfg
    ssids = [n.ssid_bytes for n in again.networks]
    assert ssids == [b"home", b"keepme", b"office", b"wpa3", b"transition", b"cafe"]
    home = again.networks[0]
    # Whole network replaced (old priority gone), passphrase stored derived.
    assert home.priority == 10 and home.passphrase is None
    assert home.psk_bytes == passphrase_to_psk("correct horse battery", b"home")
    assert again.networks[1].key_mgmt == {"NONE"}
    assert again.country == "DE" and again.update_config
    assert again.ctrl_interface == "DIR=/var/run/wpa_supplicant GROUP=netdev"
    assert os.stat(conf).st_mode & 0o777 == 0o600


def test_psk_derived_only_where_the_akm_allows(tmp_path):
    conf = str(tmp_path / "wispd.conf")
    cfg = provision.apply(provisionfile.parse(GOOD), conf)
    by = {n.ssid_bytes: n for n in cfg.networks}
    # SAE needs the password itself: a WPA-PSK+SAE network keeps the passphrase.
    assert by[b"transition"].passphrase == "transition pass"
    assert by[b"wpa3"].sae_password == b"a long sae secret"
    assert by[b"office"].psk_bytes == bytes.fromhex("0123456789abcdef" * 4)
    text = open(conf).read()
    assert "correct horse battery" not in text and "transition pass" in text


def test_replace_drops_existing_networks_keeps_globals(tmp_path):
    conf = write(tmp_path / "wispd.conf", EXISTING)
    data = GOOD.replace(b'mode = "merge"', b'mode = "replace"').replace(
        b'[control]\ngroup = "netdev"\n', b"")
    provision.apply(provisionfile.parse(data), conf)
    cfg = wpaconf.load(conf)
    assert [n.ssid_bytes for n in cfg.networks] == [b"home", b"office", b"wpa3",
                                                     b"transition", b"cafe"]
    assert cfg.ctrl_interface == "DIR=/var/run/wpa_supplicant GROUP=wheel"
    assert cfg.country == "DE" and cfg.update_config


def test_control_group_on_plain_ctrl_interface(tmp_path):
    conf = write(tmp_path / "wispd.conf", "ctrl_interface=/run/w\nctrl_interface_group=0\n")
    provision.apply(provisionfile.parse(b'version = 1\n[control]\ngroup = "netdev"\n'), conf)
    cfg = wpaconf.load(conf)
    assert cfg.ctrl_interface == "DIR=/run/w GROUP=netdev"
    assert cfg.get_global("ctrl_interface_group") is None and cfg.ctrl_group == "netdev"


def test_new_config_gets_defaults(tmp_path):
    conf = str(tmp_path / "etc" / "wispd" / "wispd.conf")
    provision.apply(provisionfile.parse(b'version = 1\n[[network]]\nssid = "o"\n'), conf)
    cfg = wpaconf.load(conf)
    assert cfg.ctrl_dir == "/var/run/wpa_supplicant" and cfg.update_config
    assert os.stat(os.path.dirname(conf)).st_mode & 0o777 == 0o700


def test_broken_existing_config_is_not_overwritten(tmp_path):
    conf = write(tmp_path / "wispd.conf", "network={\nssid=\"x\"\n")
    with pytest.raises(ProvisionError, match="existing config is broken"):
        provision.apply(provisionfile.parse(GOOD), conf)
    assert open(conf).read() == "network={\nssid=\"x\"\n"


# --------------------------------------------------------------------------- run()

class Board:
    """A fake boot partition + rootfs under tmp_path."""

    def __init__(self, tmp_path):
        self.boot = tmp_path / "boot"
        self.boot.mkdir()
        self.conf = str(tmp_path / "etc" / "wispd.conf")
        self.state = str(tmp_path / "state")
        self.search = (str(self.boot / "firmware" / "wispd.toml"), str(self.boot / "wispd.toml"))
        self.custom = (str(self.boot / "custom.toml"),)

    def run(self, explicit=None, keep=False):
        import io
        out = io.StringIO()
        result, msg = provision.run(explicit, self.conf, self.state, self.search, self.custom,
                                    keep=keep, out=out)
        assert msg in out.getvalue() or result == "none"
        return result, msg


def test_run_applies_records_deletes_then_is_a_noop(tmp_path):
    b = Board(tmp_path)
    path = write(b.boot / "wispd.toml", GOOD)
    result, msg = b.run()
    assert result == "applied" and "removed" in msg
    assert not os.path.exists(path)
    last = provision.last_result(b.state)
    assert last["result"] == "applied" and last["networks"] == "5"
    assert last["source"] == path and len(last["sha256"]) == 64
    before = open(b.conf).read()
    mtime = os.stat(b.conf).st_mtime_ns
    # The same file again (e.g. restored from a backup): nothing changes.
    write(path, GOOD)
    result, msg = b.run()
    assert result == "unchanged" and "already applied" in msg
    assert open(b.conf).read() == before and os.stat(b.conf).st_mtime_ns == mtime
    assert not os.path.exists(path)
    # No file at all: nothing to do, and the success stays on record.
    assert b.run()[0] == "none"
    assert provision.last_result(b.state)["result"] == "unchanged"


def test_run_records_the_hash_only_after_the_config_is_durable(tmp_path, monkeypatch):
    """A power cut must never leave "applied" on record with the config before it:
    the next boot would then skip the file. The config's rename and directory fsync
    come first; every record is written the same atomic way."""
    import stat
    b = Board(tmp_path)
    write(b.boot / "wispd.toml", GOOD)
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        st = os.fstat(fd)
        events.append(("fsync-dir" if stat.S_ISDIR(st.st_mode) else "fsync-file", st.st_ino))
        real_fsync(fd)

    def replace(a, b_):
        events.append(("replace", os.path.basename(b_)))
        real_replace(a, b_)

    monkeypatch.setattr(durable.os, "fsync", fsync)
    monkeypatch.setattr(durable.os, "replace", replace)
    assert b.run(keep=True)[0] == "applied"
    monkeypatch.undo()
    conf_dir = os.stat(os.path.dirname(b.conf)).st_ino
    state_dir = os.stat(b.state).st_ino
    kinds = [e[0] if e[0] != "fsync-dir" else (e[0], e[1]) for e in events]
    assert kinds == ["fsync-file", "replace", ("fsync-dir", conf_dir),
                     "fsync-file", "replace", ("fsync-dir", state_dir),
                     "fsync-file", "replace", ("fsync-dir", state_dir)]
    assert [e[1] for e in events if e[0] == "replace"] == [
        "wispd.conf", provision.HASH_FILE, provision.RESULT_FILE]


def test_run_removes_temps_a_power_cut_left(tmp_path):
    b = Board(tmp_path)
    write(b.boot / "wispd.toml", GOOD)
    assert b.run(keep=True)[0] == "applied"
    conf_before = open(b.conf).read()
    stale = [os.path.join(os.path.dirname(b.conf), ".wispd.conf.tmp77-00000000"),
             os.path.join(b.state, ".%s.tmp78-00000000" % provision.HASH_FILE),
             os.path.join(b.state, ".%s.tmp79-00000000" % provision.RESULT_FILE)]
    for path in stale:
        write(path, "half a fi")
    # Nothing new to apply: the temps go anyway, the records stay.
    assert b.run(keep=True)[0] == "unchanged"
    assert [p for p in stale if os.path.exists(p)] == []
    assert open(b.conf).read() == conf_before
    assert sorted(os.listdir(b.state)) == [provision.RESULT_FILE, provision.HASH_FILE]


def test_keep_file_setting_keeps_it_and_stays_a_noop(tmp_path):
    b = Board(tmp_path)
    path = write(b.boot / "wispd.toml", GOOD.replace(b'mode = "merge"', b'keep_file = true'))
    assert b.run()[0] == "applied" and os.path.exists(path)
    assert b.run()[0] == "unchanged" and os.path.exists(path)


def test_keep_flag(tmp_path):
    b = Board(tmp_path)
    path = write(b.boot / "wispd.toml", GOOD)
    assert b.run(keep=True)[0] == "applied" and os.path.exists(path)


def test_invalid_or_truncated_file_changes_nothing_and_is_recorded(tmp_path):
    b = Board(tmp_path)
    write(b.boot / "wispd.toml", GOOD)
    b.run()
    before = open(b.conf, "rb").read()
    path = write(b.boot / "wispd.toml", GOOD[:len(GOOD) // 2])
    result, msg = b.run()
    assert result == "error" and "TOML syntax error" in msg
    assert open(b.conf, "rb").read() == before
    assert os.path.exists(path)                     # kept, so the user can see and fix it
    last = provision.last_result(b.state)
    assert last["result"] == "error" and "syntax error" in last["message"]
    # A semantically bad file: same.
    write(path, net_toml('ssid = "a"\npsk = "short"\n'))
    assert b.run()[0] == "error"
    assert "network[2].psk" in provision.last_result(b.state)["message"]
    assert open(b.conf, "rb").read() == before
    # The user removes it: the error is cleared.
    os.unlink(path)
    assert b.run()[0] == "none"
    assert provision.last_result(b.state)["result"] == "none"


def test_unreadable_explicit_file(tmp_path):
    b = Board(tmp_path)
    result, msg = b.run(explicit=str(tmp_path / "nope.toml"))
    assert result == "error" and msg.startswith("nope.toml: cannot read:")
    assert not os.path.exists(b.conf)


def test_search_order(tmp_path):
    b = Board(tmp_path)
    (b.boot / "firmware").mkdir()
    write(b.boot / "custom.toml", b'[wlan]\nssid = "c"\n')
    write(b.boot / "wispd.toml", b'version = 1\n[[network]]\nssid = "boot"\n')
    write(b.boot / "firmware" / "wispd.toml", b'version = 1\n[[network]]\nssid = "fw"\n')
    explicit = write(tmp_path / "x.toml", b'version = 1\n[[network]]\nssid = "explicit"\n')
    order = []
    for _ in range(4):
        b.run(explicit=explicit if not order else None)
        order.append(wpaconf.load(b.conf).networks[-1].ssid_bytes)
    assert order == [b"explicit", b"fw", b"boot", b"c"]
    assert not os.listdir(b.boot / "firmware") and os.listdir(b.boot) == ["firmware"]


def test_custom_toml_run(tmp_path):
    b = Board(tmp_path)
    os.makedirs(os.path.dirname(b.conf))
    write(b.conf, EXISTING)
    write(b.boot / "custom.toml", CUSTOM % (b"plain passphrase", b"false"))
    assert b.run()[0] == "applied"
    cfg = wpaconf.load(b.conf)
    assert [n.ssid_bytes for n in cfg.networks] == [b"home", b"keepme", b"homenet"]
    assert cfg.networks[2].psk_bytes == passphrase_to_psk("plain passphrase", b"homenet")
    assert cfg.country == "GB"


def test_last_result_never_ran(tmp_path):
    assert provision.last_result(str(tmp_path)) is None
    assert provision.last_result(None) is None
    assert provision.last_result("") is None


def test_cli(tmp_path, capsys):
    bad = write(tmp_path / "bad.toml", net_toml('ssid = "a"\npsk = "short"\n'))
    assert provision.main(["--check", bad]) == 1
    assert "bad.toml: network[2].psk" in capsys.readouterr().err
    good = write(tmp_path / "wispd.toml", GOOD)
    assert provision.main(["--check", good]) == 0
    conf, state = str(tmp_path / "c.conf"), str(tmp_path / "st")
    assert provision.main(["--provision", good, "--config", conf, "--state-dir", state]) == 0
    assert not os.path.exists(good) and os.path.exists(conf)
    capsys.readouterr()
    assert provision.main(["--status", "--state-dir", state]) == 0
    assert "result=applied" in capsys.readouterr().out
    assert provision.main(["--provision", bad, "--config", conf, "--state-dir", state]) == 1
    assert provision.main(["--bogus"]) == 2
    assert provision.main(["extra"]) == 2
