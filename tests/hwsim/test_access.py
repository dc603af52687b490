"""Access and secrets (issue 10, part 4).

Access: a uid outside the control group can neither command nor listen on
either control socket; a member of the group (supplementary or primary) can.
The peers are raw sockets in another process run through setpriv, not the
client libraries, so what is checked is what the kernel and the daemon allow.

Secrets: after a WPA2-PSK connection with a PTK and a group rekey at -dd, no
passphrase, PSK/PMK, KCK, KEK, TK or GTK shows in the log, a control reply,
an event, a compact result or a world-readable file; with -K the keys are in
the log, as wpa_supplicant's -K promises.  hostapd runs with -K: its log is
where the test learns each handshake's keys.
"""
import json
import os
import re
import stat
import subprocess
import time
from hashlib import pbkdf2_hmac

import msgpack
import pytest

from hwsimlib.hostapd import ap_config
from hwsimlib.station import network
from hwsimlib.wpactrl import WpaCtrl
from wispd.client import Client

GROUP = 4242            # a numeric gid, as both supplicants accept; nobody's gid is not it
NOBODY = 65534
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hwsimlib", "peer.py")
SSID = "wispd-secret"
PASSPHRASE = "correct horse battery"


def as_user(spec, groups=(), gid=NOBODY):
    """Run hwsimlib/peer.py as uid 65534 with exactly `groups` as supplementary
    groups (none: --clear-groups) and `gid` as primary group."""
    cmd = ["setpriv", "--reuid", str(NOBODY), "--regid", str(gid)]
    cmd += ["--groups", ",".join(map(str, groups))] if groups else ["--clear-groups"]
    r = subprocess.run(cmd + ["/usr/bin/python3", PEER, json.dumps(spec)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["uid"] == NOBODY and sorted(out["groups"]) == sorted(groups), out
    return out


def assert_group_only(path, want_mode):
    st = os.stat(path)
    assert st.st_gid == GROUP, "%s: gid %d" % (path, st.st_gid)
    assert stat.S_IMODE(st.st_mode) == want_mode, "%s: mode %o" % (path, stat.S_IMODE(st.st_mode))


# A network on one channel that is not there: start-up scans stay short.
ABSENT = network("wispd-absent", scan_freq=2412)


def test_text_socket_refuses_users_outside_the_group(make_station, supplicant):
    sta = make_station([ABSENT], global_conf={"ctrl_interface_group": GROUP})
    ctrl = os.path.join(sta.ctrl_dir, sta.iface)
    # wpa_supplicant's model, which wispd follows: the directory and the socket
    # belong to the group, and nobody else may enter or write.
    assert_group_only(sta.ctrl_dir, 0o750)
    assert_group_only(ctrl, 0o770)
    spec = {"text": ctrl, "commands": ["PING", "ATTACH", "SCAN"], "listen": 1.5}

    outsider = as_user(spec)["text"]
    assert outsider["connect"] == "EACCES", outsider
    assert outsider["sends"] == ["EACCES"] * 3, outsider
    assert outsider["received"] == [], outsider

    member = as_user(spec, groups=[GROUP])["text"]
    assert member["connect"] == "ok", member
    got = member["received"]
    # Once attached, events and replies share the socket: an event of the
    # station's own rescans may come before the reply to SCAN (seen once), so
    # replies and events are told apart the way wpa_ctrl clients do ("<").
    replies = [m for m in got if not m.startswith("<")]
    assert replies[:2] == ["PONG\n", "OK\n"] and len(replies) == 3, got
    # Scan events reach it (its own SCAN's, or the start-up scan's when that
    # one was still running: FAIL-BUSY): it is a full monitor.
    assert replies[2] in ("OK\n", "FAIL-BUSY\n"), got
    assert any(m.startswith("<3>CTRL-EVENT-SCAN-") for m in got), got


@pytest.mark.supplicants("wispd")       # the compact socket is wispd's own
def test_compact_socket_refuses_users_outside_the_group(make_station, supplicant):
    sta = make_station(start=False)
    control = os.path.join(sta.dir, "compact", "control")
    sta.start([ABSENT], global_conf={"ctrl_interface_group": GROUP},
              extra_args=["--control", control])
    assert_group_only(control, 0o660)
    ping = msgpack.packb({"id": 1, "op": "ping"}).hex()
    sub = msgpack.packb({"id": 2, "op": "subscribe"}).hex()
    scan = msgpack.packb({"id": 3, "op": "scan"}).hex()
    spec = {"compact": control, "send": [ping, sub, scan], "listen": 1.5}

    outsider = as_user(spec)["compact"]
    assert outsider["connect"] == "EACCES" and outsider["received"] == [], outsider

    for member in (as_user(spec, groups=[GROUP])["compact"],    # supplementary group
                   as_user(spec, gid=GROUP)["compact"]):         # primary group
        msgs = [msgpack.unpackb(bytes.fromhex(h), raw=False) for h in member["received"]]
        assert member["connect"] == "ok" and not member["eof"], member
        assert msgs[0]["type"] == "hello", msgs
        replies = {m["id"]: m for m in msgs if m["type"] == "reply"}
        assert replies[1]["result"] == "PONG" and replies[2]["result"] == {"seq": 0}, msgs
        assert replies[3].get("result") is True or replies[3]["error"]["code"] == "busy", msgs
        assert any(m.get("event") in ("scan_started", "scan_results") for m in msgs), msgs

    # The file mode is the first wall; the accept-time SO_PEERCRED/SO_PEERGROUPS
    # check is the second, for a socket someone opened up by mistake.
    os.chmod(control, 0o666)
    outsider = as_user(spec)["compact"]
    msgs = [msgpack.unpackb(bytes.fromhex(h), raw=False) for h in outsider["received"]]
    assert outsider["connect"] == "ok", outsider
    assert [m["type"] for m in msgs] == ["error"] and msgs[0]["code"] == "access_denied", msgs
    assert outsider["eof"], outsider
    with open(sta.log_path) as f:
        assert re.search(r"compact: refused pid \d+ uid %d gid %d" % (NOBODY, NOBODY), f.read())


# ---------------------------------------------------------------------- secrets

_HOSTAPD_KEY = re.compile(r"WPA: (PMK|PTK|KCK|KEK|TK) - hexdump\(len=\d+\): ((?:[0-9a-f]{2} ?)+)")
_KEY_DATA = re.compile(r"Plaintext EAPOL-Key Key Data - hexdump\(len=\d+\): ((?:[0-9a-f]{2} ?)+)")


def hostapd_keys(log_text):
    """Every PMK/PTK/KCK/KEK/TK hostapd -K printed, and the GTKs from the key
    data it encrypted (GTK KDE: dd len 00-0f-ac 01, key id, 0, GTK)."""
    keys = {}
    for name, hexdump in _HOSTAPD_KEY.findall(log_text):
        keys.setdefault(name, set()).add(bytes.fromhex(hexdump.replace(" ", "")))
    for hexdump in _KEY_DATA.findall(log_text):
        data = bytes.fromhex(hexdump.replace(" ", ""))
        i = 0                       # elements: message 3 has the RSN IE first
        while i + 2 <= len(data):
            length = data[i + 1]
            if data[i] == 0xdd and data[i + 2:i + 6] == b"\x00\x0f\xac\x01":
                keys.setdefault("GTK", set()).add(data[i + 8:i + 2 + length])
            i += 2 + length
    return keys


def forms(secret):
    """The ways a secret could be written down: raw, hex in either case,
    with or without hostap's spaces, and colon-separated."""
    if isinstance(secret, str):
        return [secret.encode()]
    h = secret.hex()
    spaced = " ".join(h[i:i + 2] for i in range(0, len(h), 2))
    return [secret] + [x.encode() for x in (h, h.upper(), spaced, spaced.upper(),
                                            spaced.replace(" ", ":"))]


def leaks(haystack, secrets):
    """Names of the secrets found in haystack (bytes)."""
    return sorted({name for name, value in secrets for f in forms(value) if f in haystack})


def world_readable_files(*roots):
    for root in roots:
        for d, _, files in os.walk(root):
            for name in files:
                path = os.path.join(d, name)
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode) and st.st_mode & stat.S_IROTH:
                    yield path


def _since_last_start(path):
    with open(path, "rb") as f:
        return f.read().rsplit(b"==== start", 1)[-1]


# wispd only.  Run against Debian's wpa_supplicant 2.10 as a reference, this
# fails: at -dd it prints the decrypted key data of message 3 ("WPA: IE KeyData
# - hexdump": the GTK) without -K, and SAVE_CONFIG leaves the file 0644.
@pytest.mark.supplicants("wispd")
def test_secrets_never_shown_at_dd_and_shown_with_K(make_ap, make_station, supplicant):
    ap = make_ap(ap_config(SSID, passphrase=PASSPHRASE, channel=1, wpa_ptk_rekey=6,
                           group_rekey=4), extra_args=["-K"])
    sta = make_station(start=False)
    control = os.path.join(sta.dir, "compact", "control")
    state = os.path.join(sta.dir, "state")
    pidfile = os.path.join(sta.dir, "pid")
    # With the Station's own -d: -dd.
    extra = ["-d", "-P", pidfile, "--control", control, "--state-dir", state]
    net = network(SSID, psk=PASSPHRASE, scan_freq=ap.freq)
    sta.start([net], global_conf={"update_config": 1}, extra_args=extra)
    compact_seen = []
    client = Client(control, timeout=20)
    client.subscribe(level=0)
    low = WpaCtrl(os.path.join(sta.ctrl_dir, sta.iface))     # debug-level events too
    low.attach()
    low.request("LEVEL 0")

    sta.wait_connected(timeout=40)
    ap.wait_sta_authorized(sta.mac)
    # A group rekey, and a PTK rekey after the connection's handshake, in
    # whatever order they come.
    # The LEVEL 0 monitor is read all along: left unread it would be a stuck
    # monitor (detached by wispd; wpa_supplicant reopens its socket instead,
    # which cut off Station's monitor when this test ran against it).
    counts = {"WPA: Group rekeying completed": 0, "WPA: Key negotiation completed": 0}
    low_events = []
    deadline = time.monotonic() + 30
    while counts["WPA: Group rekeying completed"] < 1 or \
            counts["WPA: Key negotiation completed"] < 2:
        assert time.monotonic() < deadline, (counts, sta.events_seen())
        low_events += low.pending_events(0)
        ev = sta.wait_event(list(counts), timeout=0.5)
        if ev is not None:
            counts[next(p for p in counts if ev.startswith(p))] += 1

    replies = [sta.request(cmd) for cmd in (
        "STATUS", "STATUS-VERBOSE", "LIST_NETWORKS", "GET_NETWORK 0 psk", "GET_NETWORK 0 ssid",
        "GET_NETWORK 0 key_mgmt", "SCAN_RESULTS", "BSS %s" % ap.bssid, "SIGNAL_POLL", "PMKSA",
        "MIB", "GET update_config")]
    assert replies[3] == "*", replies[3]      # wpa_supplicant's answer for a set key
    assert sta.request("SAVE_CONFIG").startswith("OK")
    assert client.request("network.get", {"id": 0, "field": "psk"}) == "*"
    compact_seen += [client.status(), client.networks(), client.scan_results(),
                     client.request("status.text")]
    compact_seen += list(client.pending)
    while True:
        ev = client.next_event(0.2)
        if ev is None:
            break
        compact_seen.append(ev)
    client.close()
    # The file holds the passphrase: owner only.
    assert stat.S_IMODE(os.stat(sta.conf_path).st_mode) == 0o600
    events = sta.events_seen() + low_events + low.pending_events(0.5)
    low.close()

    with open(ap.log_path) as f:
        keys = hostapd_keys(f.read())
    # Two of each prove the rekeys happened and are covered.
    assert len(keys.get("TK", ())) >= 2 and len(keys.get("GTK", ())) >= 2, keys
    psk = pbkdf2_hmac("sha1", PASSPHRASE.encode(), SSID.encode(), 4096, 32)
    assert psk in keys["PMK"]
    secrets = [("passphrase", PASSPHRASE), ("psk", psk)]
    secrets += [(name, k) for name, values in keys.items() for k in values if name != "PMK"]

    with open(sta.log_path, "rb") as f:
        assert not leaks(f.read(), secrets), "in the -dd log"
    assert not leaks("\n".join(replies).encode(), secrets), replies
    assert not leaks("\n".join(events).encode(), secrets), events
    packed = b"".join(msgpack.packb(m) for m in compact_seen)
    assert not leaks(packed + repr(compact_seen).encode(), secrets), compact_seen
    exposed = {}
    roots = [sta.dir, "/run/wispd", state]
    for path in world_readable_files(*roots):
        with open(path, "rb") as f:
            found = leaks(f.read(), secrets)
        if found:
            exposed[path] = found
    assert not exposed, exposed

    # -K: now the keys are in the log (hex), like wpa_supplicant's.
    sta.stop()
    ap_offset = os.path.getsize(ap.log_path)
    sta.start([net], global_conf={"update_config": 1}, extra_args=extra + ["-K"])
    sta.wait_connected(timeout=40)
    ap.wait_sta_authorized(sta.mac)
    time.sleep(0.5)
    with open(ap.log_path) as f:
        f.seek(ap_offset)
        keys = hostapd_keys(f.read())       # this connection's (and maybe a rekey's)
    shown = leaks(_since_last_start(sta.log_path),
                  [(name, k) for name, values in keys.items() for k in values if name != "PTK"])
    assert shown == ["GTK", "KCK", "KEK", "PMK", "TK"], (shown, sorted(keys))
