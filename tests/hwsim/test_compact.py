"""The compact control protocol end to end: the client library and the `wisp`
CLI drive wispd through scan → networks.apply → connected → AP restart →
reconnected, and the event stream shows every step in order, with no gap in
the sequence numbers."""
import json
import os
import subprocess
import time

import pytest

from hwsimlib import repo_root
from hwsimlib.hostapd import ap_config
from wispd.client import Client

PASSPHRASE = "correct horse battery"
SSID = "wispd-compact"


def wisp(control, *args, timeout=90):
    """The real CLI, as a script would run it: (exit code, stdout, stderr)."""
    r = subprocess.run([os.path.join(repo_root(), ".venv", "bin", "python"), "-m", "wispd.cli",
                        "--socket", control, "--timeout", "60"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


class Recorder:
    """Keeps every message of the subscription, in arrival order."""

    def __init__(self, client):
        self.c = client
        self.seen = []

    def wait(self, name, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.c.next_event(deadline - time.monotonic())
            if msg is None:
                break
            self.seen.append(msg)
            if msg.get("event") == name:
                return msg
        raise AssertionError("no %s within %.0f s; events: %s"
                             % (name, timeout, [m.get("event") or m for m in self.seen]))

    def names(self):
        return [m.get("event", m["type"]) for m in self.seen]


@pytest.mark.supplicants("wispd")
def test_compact_scan_apply_connect_ap_restart(make_ap, make_station, supplicant):
    ap = make_ap(ap_config(SSID, security="wpa2", passphrase=PASSPHRASE, channel=1))
    sta = make_station(start=False)
    control = os.path.join(sta.dir, "compact", "control")
    # No networks at start: everything comes through the compact socket.
    sta.start([], global_conf={"update_config": 1}, extra_args=["--control", control])
    assert oct(os.stat(control).st_mode & 0o777) == "0o660"

    c = Client(control, timeout=20)
    assert c.hello["interfaces"] == [sta.iface]
    rec = Recorder(c)
    assert c.subscribe()["seq"] == 0

    # 1. wisp scan: waits for the results, JSON for scripts.
    found = []
    for _ in range(3):
        rc, out, err = wisp(control, "--json", "scan")
        assert rc == 0, err
        found = [b for b in json.loads(out) if b["ssid"] == SSID]
        if found:
            break
    assert found, "AP not in scan results: %s" % out
    assert found[0]["freq"] == ap.freq and "WPA2-PSK-CCMP" in found[0]["flags"]
    rc, out, err = wisp(control, "scan")
    assert rc == 0 and SSID in out and ap.bssid in out, (out, err)

    # 2. wisp apply: the whole network list from a TOML file, saved.
    toml = os.path.join(sta.dir, "networks.toml")
    with open(toml, "w") as f:
        f.write('[[network]]\nssid = "%s"\npsk = "%s"\nscan_freq = [%d]\n'
                % (SSID, PASSPHRASE, ap.freq))
    rc, out, err = wisp(control, "apply", toml)
    assert rc == 0 and "applied 1 networks, saved" in out, (out, err)
    with open(sta.conf_path) as f:
        saved = f.read()
    assert 'ssid="%s"' % SSID in saved and 'psk="%s"' % PASSPHRASE in saved

    # 3. connected, seen by the library and by `wisp status`.
    ev = rec.wait("connected", 40)
    assert ev["data"]["bssid"] == bytes.fromhex(ap.bssid.replace(":", ""))
    ap.wait_sta_authorized(sta.mac, timeout=10)
    st = c.status()
    assert st["state"] == "COMPLETED"
    assert st["link"]["ssid"] == SSID.encode() and st["link"]["freq"] == ap.freq
    assert st["link"]["akm"] == "WPA2-PSK" and st["link"]["pairwise_cipher"] == "CCMP"
    rc, out, err = wisp(control, "--json", "status")
    assert rc == 0 and json.loads(out)["link"]["ssid"] == SSID, (out, err)
    rc, out, err = wisp(control, "networks")
    assert rc == 0 and SSID in out and "CURRENT" in out, out

    # 4. The AP goes away and comes back: wispd reconnects by itself.
    ap.stop()
    rec.wait("disconnected", 20)
    ap.start()
    rec.wait("connected", 60)
    ap.wait_sta_authorized(sta.mac, timeout=10)
    st = c.status()
    assert st["state"] == "COMPLETED"
    assert st["counters"]["connects"] == 2 and st["counters"]["disconnects"] >= 1
    c.request("ping")
    rec.seen.extend(c.pending)

    # 5. The stream: every step in order, seq without gaps, nothing dropped.
    names = rec.names()
    assert "events_dropped" not in names, names
    seqs = [m["seq"] for m in rec.seen]
    assert seqs == list(range(1, len(seqs) + 1)), seqs
    ts = [m["ts"] for m in rec.seen]
    assert ts == sorted(ts)

    def after(name, start):
        assert name in names[start:], "%s missing after #%d: %s" % (name, start, names)
        return names.index(name, start)
    i = after("scan_started", 0)
    i = after("scan_results", i)
    i = after("networks_applied", i)
    i = after("associating", i)
    i = after("associated", i)
    i = after("connected", i)
    i = after("disconnected", i)
    i = after("associating", i)
    i = after("connected", i)
    c.close()
