"""The connect/disconnect hook (wpa_cli -a convention) and `wispd --provision`."""
from __future__ import annotations

import os
import time

from wispd.config import wpaconf
from wispd.config.model import Config, Network
from wispd import hooks
from wispd.core import notify as nt
from wispd import main as wmain
from wispd.platform.eloop import Eloop

AP1 = bytes.fromhex("020000000001")
APAA = bytes.fromhex("0200000000aa")


class FakeIface:
    def __init__(self, ifname, net):
        self.ifname = ifname
        self.current_network = net
        self.config = Config()


class FakeDaemon:
    def __init__(self, eloop):
        self.eloop = eloop
        self.specs = {}
        self.subscribers = []

    def subscribe(self, callback):
        self.subscribers.append(callback)


def make_net(net_id, ssid, id_str=None):
    n = Network(net_id)
    n.set("ssid", '"%s"' % ssid)
    if id_str:
        n.set("id_str", '"%s"' % id_str)
    return n


def run_until(loop, cond, timeout=5.0):
    deadline = time.monotonic() + timeout

    def check():
        if cond() or time.monotonic() > deadline:
            loop.terminate()
        else:
            loop.register_timeout(0.05, check)
    loop.register_timeout(0, check)
    loop.run()
    return cond()


def test_hook_runs_like_wpa_cli_action(tmp_path):
    log = tmp_path / "hook.log"
    script = tmp_path / "hook.sh"
    script.write_text("#!/bin/sh\necho \"$1 $2 id=$WPA_ID id_str=$WPA_ID_STR "
                      "dir=$WPA_CTRL_DIR ssid=$WISPD_SSID bssid=$WISPD_BSSID\" >> %s\n" % log)
    script.chmod(0o755)
    loop = Eloop()
    daemon = FakeDaemon(loop)
    runner = hooks.install(daemon, str(script))
    assert daemon.subscribers == [runner]
    net = make_net(3, "home", "house")
    iface = FakeIface("wlan7", net)
    iface.config.set_global("ctrl_interface", "DIR=/run/wpa GROUP=netdev")
    # A disconnect before any connect (failed attempt) runs nothing.
    runner(iface, nt.Disconnected(AP1, 3, False))
    runner(iface, nt.Connected(APAA, 3, "house", b"home"))
    # The same network again (reassociation): no second CONNECTED.
    runner(iface, nt.Connected(APAA, 3, "house", b"home"))
    assert run_until(loop, lambda: not runner.children)
    runner(iface, nt.Disconnected(APAA, 3, False))
    assert run_until(loop, lambda: not runner.children)
    lines = log.read_text().splitlines()
    assert lines == [
        "wlan7 CONNECTED id=3 id_str=house dir=/run/wpa ssid=home bssid=02:00:00:00:00:aa",
        "wlan7 DISCONNECTED id=3 id_str=house dir=/run/wpa ssid=home bssid=02:00:00:00:00:aa",
    ]
    loop.close()


def test_hook_failures_are_logged_not_fatal(tmp_path, caplog):
    loop = Eloop()
    runner = hooks.HookRunner(loop, str(tmp_path / "missing.sh"))
    iface = FakeIface("wlan0", make_net(0, "x"))
    runner(iface, nt.Connected(AP1, 0, None, b"x"))
    assert "cannot run" in caplog.text and not runner.children
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\nexit 3\n")
    bad.chmod(0o755)
    runner = hooks.HookRunner(loop, str(bad))
    runner(iface, nt.Connected(AP1, 0, None, b"x"))
    assert run_until(loop, lambda: not runner.children)
    assert "exited with 3" in caplog.text
    loop.close()


def test_main_parses_hook_and_provision():
    o = wmain.parse_args(["-iwlan0", "-c/x.conf", "--hook=/etc/wispd/hook.sh",
                          "--provision=auto"])
    assert o.hook == "/etc/wispd/hook.sh" and o.provision == "auto"


def test_main_provision_applies_before_start_and_bad_file_keeps_config(tmp_path):
    conf = tmp_path / "wispd.conf"
    conf.write_text("ctrl_interface=%s\nupdate_config=1\n" % (tmp_path / "ctrl"))
    toml = tmp_path / "wispd.toml"
    toml.write_text('version = 1\n[[network]]\nssid = "new"\npsk = "12345678"\n')
    state = tmp_path / "state"
    # -i names an interface that does not exist: main fails after provisioning.
    rc = wmain.main(["-inonexist0", "-c", str(conf), "--provision", str(toml),
                     "--state-dir", str(state), "--control="])
    assert rc == 1
    assert [n.ssid_bytes for n in wpaconf.load(str(conf)).networks] == [b"new"]
    assert not toml.exists()
    before = conf.read_bytes()
    toml.write_text('version = 1\n[[network]]\nssid = "new"\npsk = "1234')
    wmain.main(["-inonexist0", "-c", str(conf), "--provision", str(toml),
                "--state-dir", str(state), "--control="])
    assert conf.read_bytes() == before and toml.exists()
    from wispd.config import provision
    assert provision.last_result(str(state))["result"] == "error"
    assert os.stat(conf).st_mode & 0o777 == 0o600
