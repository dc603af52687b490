"""The `wisp` CLI against a wispd process on the fake driver: every command,
--json, TOML apply, exit codes."""

import json
import os
import subprocess
import sys

import pytest

from compact_daemon import AP1, WispdProcess
from wispd import cli

OPEN_NET = 'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'
WORLD = "open:%s:cafe,wpa2:02:00:00:00:00:02:home" % AP1


@pytest.fixture
def d(tmp_path):
    p = WispdProcess(tmp_path, OPEN_NET, world=WORLD)
    yield p
    p.stop()


def wisp(d, capsys, *args):
    rc = cli.main(["--socket", d.control, "--timeout", "10"] + list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def wait_connected(d, capsys):
    rc, out, err = wisp(d, capsys, "events", "--only", "connected", "--duration", "0.1")
    for _ in range(100):
        rc, out, _ = wisp(d, capsys, "--json", "status")
        if json.loads(out)["state"] == "COMPLETED":
            return json.loads(out)
    raise AssertionError("not connected")


def test_status_human_and_json(d, capsys):
    st = wait_connected(d, capsys)
    assert st["link"]["ssid"] == "cafe" and st["link"]["bssid"] == AP1.replace(":", "") or \
        st["link"]["bssid"] == "020000000001"
    rc, out, _ = wisp(d, capsys, "status")
    assert rc == 0
    assert "state      COMPLETED" in out and "ssid       cafe" in out
    assert "bssid      %s" % AP1 in out and "connects   1" in out


def test_scan_table_and_json(d, capsys):
    rc, out, err = wisp(d, capsys, "scan")
    assert rc == 0, err
    assert "scanning" in err and "2 found" in err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["BSSID", "FREQ", "DBM"]
    assert any("cafe" in line and AP1 in line and "█" in line for line in lines)
    assert any("home" in line and "WPA2-PSK-CCMP" in line for line in lines)
    rc, out, _ = wisp(d, capsys, "--json", "scan")
    assert rc == 0
    assert {b["ssid"] for b in json.loads(out)} == {"cafe", "home"}


def test_networks_add_select_remove_save(d, capsys, tmp_path):
    rc, out, _ = wisp(d, capsys, "add", "home", "--psk", "correct horse", "--priority", "2")
    assert rc == 0 and out.strip() == "1"
    rc, out, _ = wisp(d, capsys, "--json", "networks")
    nets = json.loads(out)
    assert [(n["id"], n["ssid"]) for n in nets] == [(0, "cafe"), (1, "home")]
    rc, out, _ = wisp(d, capsys, "networks")
    assert "home" in out and "any" in out
    assert wisp(d, capsys, "select", "0")[0] == 0
    assert wisp(d, capsys, "save")[0] == 0
    text = open(d.conf).read()
    assert 'psk="correct horse"' in text and "priority=2" in text
    assert wisp(d, capsys, "remove", "1")[0] == 0
    rc, out, err = wisp(d, capsys, "--json", "remove", "1")
    assert rc == cli.EXIT_REFUSED and "no_such_network" in err
    assert json.loads(out)["error"]["code"] == "no_such_network"


def test_apply_toml(d, capsys, tmp_path):
    f = tmp_path / "nets.toml"
    f.write_text('[[network]]\nssid = "cafe"\nkey_mgmt = "NONE"\n\n'
                 '[[network]]\nssid = "home"\npsk = "correct horse"\npriority = 3\n'
                 'scan_freq = [2412, 2437]\n')
    rc, out, err = wisp(d, capsys, "apply", str(f))
    assert rc == 0, err
    assert out.strip() == "applied 2 networks, saved"
    text = open(d.conf).read()
    assert 'psk="correct horse"' in text and "scan_freq=2412 2437" in text
    bad = tmp_path / "bad.toml"
    bad.write_text('[[network]]\nssid = "x"\nkey_mgmt = "NOPE"\n')
    rc, out, err = wisp(d, capsys, "apply", str(bad))
    assert rc == cli.EXIT_REFUSED and "invalid_value" in err
    assert open(d.conf).read() == text                # nothing changed
    broken = tmp_path / "broken.toml"
    broken.write_text("[[network\n")
    assert wisp(d, capsys, "apply", str(broken))[0] == cli.EXIT_USAGE


def test_events_lines_and_json(d, capsys):
    import select
    import signal
    wait_connected(d, capsys)
    procs = [subprocess.Popen([sys.executable, "-m", "wispd.cli", "--socket", d.control]
                              + extra + ["events"], stdout=subprocess.PIPE, text=True)
             for extra in ([], ["--json"])]
    # Scan until both have printed something (they subscribe once started).
    waiting = set(p.stdout for p in procs)
    for _ in range(40):
        assert wisp(d, capsys, "scan")[0] == 0
        ready, _, _ = select.select(list(waiting), [], [], 0.3)
        waiting -= set(ready)
        if not waiting:
            break
    # Both are subscribed now: this scan's results reach both before wisp returns.
    assert wisp(d, capsys, "scan")[0] == 0
    outs = []
    for p in procs:
        lines = []
        while not lines or "scan_results" not in lines[-1]:
            lines.append(p.stdout.readline())
        p.send_signal(signal.SIGINT)
        lines.append(p.communicate(10)[0])
        outs.append("".join(lines))
    out, out2 = outs
    assert [p.returncode for p in procs] == [0, 0]
    lines = out.splitlines()
    assert any(" fake0 scan_results" in line for line in lines), out
    first = lines[0].split()
    assert first[0] == "1" and first[2] == "fake0"
    evs = [json.loads(line) for line in out2.splitlines()]
    assert [e["seq"] for e in evs] == list(range(1, len(evs) + 1))
    assert "scan_results" in [e["event"] for e in evs]


def test_exit_codes(tmp_path, capsys):
    assert cli.main(["--socket", str(tmp_path / "none"), "status"]) == cli.EXIT_UNREACHABLE
    assert "cannot reach wispd" in capsys.readouterr().err
    assert cli.main([]) == cli.EXIT_USAGE
    assert cli.main(["frobnicate"]) == cli.EXIT_USAGE
    assert cli.main(["remove", "x"]) == cli.EXIT_USAGE
    assert cli.bars(-50) == "▂▄▆█" and cli.bars(-90) == "    "


def test_console_script_entry_point():
    import configparser
    import wispd
    root = os.path.dirname(os.path.dirname(os.path.dirname(wispd.__file__)))
    with open(os.path.join(root, "pyproject.toml")) as f:
        assert 'wisp = "wispd.cli:main"' in f.read()
