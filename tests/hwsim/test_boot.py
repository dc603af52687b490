"""Boot test: BusyBox init (PID 1 of its namespace) + the project's rootfs
overlay + a FAT boot partition holding wispd.toml. The init scripts alone
provision, start and connect wispd; then crash recovery, a truncated file on
a second boot, and custom.toml on a third. See hwsimlib/bootsim.py."""
from __future__ import annotations

import json
import os
import time

import pytest

from hwsimlib.bootsim import Board, uptime
from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config

SSID = "wispd-boot"
PASSPHRASE = "boot time secret"

WISPD_TOML = b"""\
version = 1
country = "DE"
mode = "replace"

[[network]]
ssid = "wispd-boot"
psk = "boot time secret"
priority = 5
id_str = "factory"

[[network]]
ssid = "elsewhere"
sae_password = "not here at all"
"""

# What a half-written copy would have done: replace the network with a wrong key.
NEXT_TOML = WISPD_TOML.replace(b"boot time secret", b"a different secret")

BOARD_DEFAULTS = {
    "WISPD": "%s/.venv/bin/wispd",
    "PYTHON": "%s/.venv/bin/python",
    "WISPD_ARGS": "-dd -t -f /var/log/wispd.log",
    "OUTPUT_LOG": "/var/log/wispd.out",
}


def board_defaults(iface):
    repo = os.environ.get("WISPD_REPO") or os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    d = {k: (v % repo if "%s" in v else v) for k, v in BOARD_DEFAULTS.items()}
    d["INTERFACE"] = iface
    return d


def provision_status(board):
    out = board.run("$PYTHON -m wispd.config.provision --status --state-dir /var/lib/wispd"
                    .replace("$PYTHON", board.defaults["PYTHON"]))
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


def daemon_provisioning(board):
    """What the running wispd's compact control status says about provisioning."""
    code = ("import json; from wispd.client import Client; c = Client(); "
            "print(json.dumps(c.status()['provisioning']))")
    out = board.run("%s -c \"%s\"" % (board.defaults["PYTHON"], code))
    return json.loads(out.strip().splitlines()[-1])


# Three boots and a respawn under TCG: well past the suite's per-test default.
@pytest.mark.timeout(900)
def test_boot_provision_respawn_and_reboots(radios, make_ap, test_logdir):
    sta_iface = radios.ifaces[1]
    ap = make_ap(ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=1))
    board = Board(sta_iface, test_logdir, board_defaults(sta_iface))
    try:
        board.make_boot_image({"wispd.toml": WISPD_TOML, "config.txt": b"arm_64bit=1\n"})

        # ---- first boot: provision from the FAT partition, start, connect
        t0 = board.power_on()
        st = board.wait_completed(90)
        t_completed = uptime() - t0
        assert st["ssid"] == SSID and st["bssid"] == ap.bssid
        ap.wait_sta_authorized(radios.mac(sta_iface), timeout=10)
        assert_data_path(ap.iface, sta_iface)
        init_start = float(board.read("/var/lib/boottest/init-start").split()[0])
        hook = board.wait_file("/var/lib/boottest/hook.log").splitlines()
        assert hook and " %s CONNECTED id=0 ssid=%s bssid=%s" % (sta_iface, SSID, ap.bssid) \
            in hook[0], hook
        t_hook = float(hook[0].split()[0]) - init_start
        print("BOOT TIMING: init start -> COMPLETED seen %.2f s (poll), -> CONNECTED hook "
              "%.2f s" % (t_completed, t_hook))
        with open(os.path.join(test_logdir, "boot-timing.txt"), "w") as f:
            f.write("init_to_completed_poll=%.2f\ninit_to_connected_hook=%.2f\n"
                    % (t_completed, t_hook))
        # The default hook started BusyBox udhcpc for the interface.
        assert board.run("kill -0 $(cat /var/run/udhcpc.%s.pid)" % sta_iface) == ""

        conf = board.read("/etc/wispd/wispd.conf")
        assert 'id_str="factory"' in conf and PASSPHRASE not in conf   # PSK stored derived
        assert 'sae_password="not here at all"' in conf
        assert os.stat(board.path("/etc/wispd/wispd.conf")).st_mode & 0o777 == 0o600
        assert provision_status(board)["result"] == "applied"
        assert daemon_provisioning(board)["result"] == "applied"

        # The file is gone from the boot partition (the rest untouched) ...
        board.run("sync")
        assert board.run("ls /boot").split() == ["config.txt"]
        # ... and the same file put back is a no-op.
        before = os.stat(board.path("/etc/wispd/wispd.conf")).st_mtime_ns
        board.run("cat > /boot/wispd.toml && sync", input=WISPD_TOML)
        board.run("%s -m wispd.config.provision --config /etc/wispd/wispd.conf --state-dir "
                  "/var/lib/wispd" % board.defaults["PYTHON"])
        assert provision_status(board)["result"] == "unchanged"
        assert os.stat(board.path("/etc/wispd/wispd.conf")).st_mtime_ns == before
        assert "wispd.toml" not in board.run("ls /boot").split()

        # ---- kill -9: the supervisor brings wispd back, and it reconnects
        old = board.wispd_pid()
        t_kill = time.monotonic()
        board.run("kill -9 %d" % old)
        st = board.wait_completed(60, not_pid=old)
        print("RESPAWN: kill -9 -> COMPLETED again in %.2f s" % (time.monotonic() - t_kill))
        assert st["ssid"] == SSID
        ap.wait_sta_authorized(radios.mac(sta_iface), timeout=10)
        assert_data_path(ap.iface, sta_iface)

        # ---- second boot with a truncated provisioning file: old config, connected
        board.power_off()
        assert "wispd.toml" not in board.boot_files()
        conf_before = board.read("/etc/wispd/wispd.conf")
        board.put_boot_file("wispd.toml", NEXT_TOML[:len(NEXT_TOML) * 2 // 3])
        board.power_on()
        st = board.wait_completed(90)
        assert st["ssid"] == SSID
        assert_data_path(ap.iface, sta_iface)
        assert board.read("/etc/wispd/wispd.conf") == conf_before
        res = provision_status(board)
        assert res["result"] == "error" and "wispd.toml: TOML syntax error" in res["message"], res
        assert "wispd-provision: ERROR: wispd.toml" in board.console_text()
        prov = daemon_provisioning(board)
        assert prov["result"] == "error" and "TOML syntax error" in prov["message"], prov
        assert "wispd.toml" in board.run("ls /boot").split()     # kept for the user to fix

        # ---- third boot: a Raspberry Pi OS custom.toml for another network
        board.power_off()
        board.del_boot_file("wispd.toml")
        ap.stop()
        ap2 = make_ap(ap_config("wispd-pi", security="wpa2", passphrase="raspberry pie",
                                channel=6))
        board.put_boot_file("custom.toml", b"""\
config_version = 1
[system]
hostname = "wispd-pi"
[wlan]
ssid = "wispd-pi"
password = "raspberry pie"
password_encrypted = false
hidden = false
country = "GB"
""")
        board.power_on()
        st = board.wait_completed(90)
        assert st["ssid"] == "wispd-pi" and st["bssid"] == ap2.bssid
        ap2.wait_sta_authorized(radios.mac(sta_iface), timeout=10)
        assert_data_path(ap2.iface, sta_iface)
        assert provision_status(board)["result"] == "applied"
        conf = board.read("/etc/wispd/wispd.conf")
        assert 'ssid="wispd-pi"' in conf and "country=GB" in conf and 'ssid="wispd-boot"' in conf
        board.power_off()
        assert board.boot_files() == ["config.txt"]
    finally:
        board.close()
