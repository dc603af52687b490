"""Guest side of one power-loss round (host side: run.py, which boots the VM
with the data disk on /data and SIGKILLs qemu while this writes).

1. Check what the previous round's power cut left: /data/wispd.conf must be
   byte for byte one of the versions the host allows (from the progress that
   reached it before the cut), parse with wispd's own parser, and wispd must
   start on it, as at boot (`--provision=auto` first), answer PING and
   LIST_NETWORKS with the file's networks, and join the AP it names. No temp
   file may be left once it has started. The verdict goes to the results share.
2. Then, unless this is the final boot, change the config as fast as it can,
   one numbered version after another, through one of wispd's writers:
   save       SET_NETWORK/ADD_NETWORK/REMOVE_NETWORK + SAVE_CONFIG (wpa_ctrl)
   provision  wispd.provision.run() of a new provisioning file each time: what
              `wispd --provision` and the init script run at boot
   apply      networks.apply on the compact socket (`wisp apply`)
   Each step is logged to the results share (9p: the record is on the host
   before the step goes on, so it outlives the cut): B n (preparing version
   n), S n (write requested), A n (acknowledged), and after the first steps
   T n HEX (the file as written) so the host can predict the bytes of every
   later version, then W (writing; the host may cut now).

Every version carries a marker "pl%07d" % n (in an id_str) and alternates
between two shapes (a second network present or not, or its secret), so
consecutive versions differ in size and content.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "hwsim"))

from hwsimlib import log_dir, tail  # noqa: E402
from hwsimlib.hostapd import HostapdAP, ap_config  # noqa: E402
from hwsimlib.radios import HwsimRadios  # noqa: E402
from hwsimlib.station import supplicant_command  # noqa: E402
from hwsimlib.wpactrl import WpaCtrl  # noqa: E402

from wispd.config import model as wconfig

from wispd.config import wpaconf

DATA = "/data"
CONF = os.path.join(DATA, "wispd.conf")
STATE = os.path.join(DATA, "state")
CTRL_DIR = "/run/wispd-pl"          # the base config's ctrl_interface
COMPACT = "/run/wispd-pl-compact"
PROV_FILE = "/run/wispd-pl-boot/wispd.toml"   # stands in for the boot partition
EXTRA_SSID = "plextra"
EXTRA_PSK = "ab" * 32
WRITE_LIMIT = 120.0                 # s; the host cuts long before this


def marker(n):
    return "pl%07d" % n


class Progress:
    """Records on the results share, one write() each: on the host before we go on."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def __call__(self, tag, n=0, extra=""):
        os.write(self.fd, ("%.6f %s %d %s\n" % (time.monotonic(), tag, n, extra)).encode())


def temp_files():
    """Anything under /data that looks like a writer's temp file."""
    out = []
    for root, _dirs, files in os.walk(DATA):
        out += [os.path.relpath(os.path.join(root, f), DATA) for f in files if ".tmp" in f]
    return sorted(out)


def journal_lines():
    text = subprocess.run(["dmesg"], stdout=subprocess.PIPE, text=True).stdout
    return [line for line in text.splitlines() if "EXT4-fs (vd" in line]


# --------------------------------------------------------------------------- check

def check(spec, verdict):
    problems = verdict["problems"]
    if not os.path.ismount(DATA):
        problems.append("%s is not mounted (the file system did not survive?)" % DATA)
        return None
    verdict["journal"] = journal_lines()
    verdict["temps_before"] = temp_files()
    try:
        with open(CONF, "rb") as f:
            data = f.read()
    except OSError as e:
        problems.append("cannot read %s: %s" % (CONF, e))
        return None
    verdict["found_hex"] = data.hex()
    match = [a for a in spec["allowed"] if bytes.fromhex(a["hex"]) == data]
    if match:
        verdict["found"] = {"label": match[0]["label"], "version": match[0]["version"]}
    else:
        problems.append("%s (%d bytes) is none of the allowed versions %s" % (
            CONF, len(data), ", ".join("%s v%d (%d bytes, first difference at byte %d)" % (
                a["label"], a["version"], len(a["hex"]) // 2, _first_diff(data, a["hex"]))
                for a in spec["allowed"])))
    try:
        cfg = wpaconf.parse(data, CONF, path=CONF)
    except wconfig.ConfigError as e:
        problems.append("wispd's parser rejects it: %s" % e)
        return None
    try:
        with open(os.path.join(STATE, "provisioned.sha256")) as f:
            verdict["provisioned_sha256"] = (f.read().split() or [None])[0]
    except OSError:
        verdict["provisioned_sha256"] = None
    return cfg


def _first_diff(data, allowed_hex):
    other = bytes.fromhex(allowed_hex)
    for i, (a, b) in enumerate(zip(data, other)):
        if a != b:
            return i
    return min(len(data), len(other))


def start_daemon(spec, cfg, verdict):
    """wispd on the checked file, the way a board starts it; returns (proc, ctrl)."""
    problems = verdict["problems"]
    radios = HwsimRadios(2)
    radios.load()
    ap = HostapdAP(radios.ifaces[0], ap_config(spec["ssid"], passphrase=spec["passphrase"],
                                               channel=spec["channel"]), name="hostapd")
    ap.start()
    log_path = os.path.join(log_dir(), "wispd.log")
    args = supplicant_command("wispd") + [
        "-i", radios.ifaces[1], "-c", CONF, "-D", "nl80211", "-t",
        "--state-dir", STATE, "--provision=auto", "--control", COMPACT]
    t0 = time.monotonic()
    with open(log_path, "a") as logf:
        proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    path = os.path.join(CTRL_DIR, radios.ifaces[1])
    deadline = t0 + 30
    while not os.path.exists(path) or not os.path.exists(COMPACT):
        if proc.poll() is not None or time.monotonic() > deadline:
            problems.append("wispd did not start on the file (exit %s); log:\n%s"
                            % (proc.poll(), tail(log_path)))
            return proc, None
        time.sleep(0.05)
    ctrl = WpaCtrl(path, connect_timeout=5)
    if ctrl.request("PING").strip() != "PONG":
        problems.append("PING: no PONG")
    listed = ctrl.request("LIST_NETWORKS").splitlines()[1:]
    got = [line.split("\t")[1] for line in listed]
    want = [n.ssid_bytes.decode() for n in cfg.networks]
    if got != want:
        problems.append("LIST_NETWORKS shows %s, the file has %s" % (got, want))
    while True:
        status = dict(line.split("=", 1) for line in ctrl.request("STATUS").splitlines()
                      if "=" in line)
        if status.get("wpa_state") == "COMPLETED":
            verdict["connected_s"] = round(time.monotonic() - t0, 2)
            if status.get("ssid") != spec["ssid"]:
                problems.append("joined %r, not %r" % (status.get("ssid"), spec["ssid"]))
            break
        if time.monotonic() > t0 + 40:
            problems.append("not connected to %s 40 s after start (state %s)"
                            % (spec["ssid"], status.get("wpa_state")))
            break
        time.sleep(0.1)
    verdict["temps_after"] = temp_files()
    if verdict["temps_after"]:
        problems.append("temp files still there after wispd started: %s"
                        % verdict["temps_after"])
    return proc, ctrl


# --------------------------------------------------------------------------- writers

class SaveConfig:
    """wpa_ctrl edits + SAVE_CONFIG. Network 0 (the AP's) carries the marker;
    odd steps add a second network, even steps remove it."""

    def __init__(self, ctrl):
        self.ctrl = ctrl
        self.extra = None

    def req(self, cmd):
        reply = self.ctrl.request(cmd)
        if reply.startswith("FAIL"):
            raise RuntimeError("%s: %s" % (cmd, reply.strip()))
        return reply.strip()

    def prepare(self, k, n):
        ids = [line.split("\t")[0] for line in self.req("LIST_NETWORKS").splitlines()[1:]]
        if k == 0:                      # start from one network, whatever came before
            for nid in ids[1:]:
                self.req("REMOVE_NETWORK %s" % nid)
        self.req('SET_NETWORK %s id_str "%s"' % (ids[0], marker(n)))
        if k % 2:
            self.extra = self.req("ADD_NETWORK")
            self.req('SET_NETWORK %s ssid "%s"' % (self.extra, EXTRA_SSID))
            self.req("SET_NETWORK %s psk %s" % (self.extra, EXTRA_PSK))
            self.req("SET_NETWORK %s priority 5" % self.extra)
        elif k:
            self.req("REMOVE_NETWORK %s" % self.extra)

    def write(self):
        self.req("SAVE_CONFIG")


class Provision:
    """A new provisioning file each step (merge: the second network is
    replaced in place, its marker and secret change), applied by
    wispd.provision.run like `wispd --provision FILE` does at start."""

    def __init__(self, ctrl):
        from wispd.config import provision
        self.provision = provision
        os.makedirs(os.path.dirname(PROV_FILE), exist_ok=True)

    def prepare(self, k, n):
        body = 'ssid = "%s"\nid_str = "%s"\n' % (EXTRA_SSID, marker(n))
        if k % 2:
            body += 'psk_hex = "%s"\npriority = 5\n' % EXTRA_PSK
        data = ('version = 1\nmode = "merge"\n\n[[network]]\n' + body).encode()
        with open(PROV_FILE, "wb") as f:
            f.write(data)
        return hashlib.sha256(data).hexdigest()     # what provisioned.sha256 will name

    def write(self):
        result, msg = self.provision.run(PROV_FILE, CONF, STATE, keep=True, out=io.StringIO())
        if result != "applied":
            raise RuntimeError("provisioning: %s: %s" % (result, msg))


class Apply:
    """networks.apply on the compact socket: the whole list each time."""

    def __init__(self, ctrl, spec):
        from wispd.client import Client
        self.client = Client(COMPACT, timeout=20)
        self.base = {"ssid": spec["ssid"].encode(), "psk": spec["psk"], "key_mgmt": "WPA-PSK",
                     "scan_freq": spec["freq"]}

    def prepare(self, k, n):
        self.nets = [dict(self.base, id_str='"%s"' % marker(n))]
        if k % 2:
            self.nets.append({"ssid": EXTRA_SSID.encode(), "psk": EXTRA_PSK, "priority": 5})

    def write(self):
        reply = self.client.apply_networks(self.nets, save=True)
        if not reply.get("saved"):
            raise RuntimeError("networks.apply: %r" % (reply,))


def write_loop(spec, writer, progress):
    """Version after version until the power goes (or WRITE_LIMIT: then the
    host never cut, which is its failure to report)."""
    n = spec["start"]
    deadline = time.monotonic() + WRITE_LIMIT
    k = 0
    while time.monotonic() < deadline:
        progress("B", n)
        extra = writer.prepare(k, n) or ""
        progress("S", n, extra)
        writer.write()
        progress("A", n)
        if 1 <= k <= 3:
            with open(CONF, "rb") as f:
                progress("T", n, f.read().hex())
            if k == 3:
                progress("W", n)
        k += 1
        n += 1
    return 3


def main():
    spec_path = sys.argv[1]
    with open(spec_path) as f:
        spec = json.load(f)
    results = os.path.dirname(spec_path)
    verdict = {"round": spec["round"], "kind": spec["kind"], "problems": [],
               "uptime_at_start": float(open("/proc/uptime").read().split()[0])}
    proc = ctrl = None
    cfg = check(spec, verdict)
    if cfg is not None:
        proc, ctrl = start_daemon(spec, cfg, verdict)
    verdict["ok"] = not verdict["problems"]
    verdict["uptime_at_verdict"] = float(open("/proc/uptime").read().split()[0])
    with open(os.path.join(results, "verdict.json"), "w") as f:
        json.dump(verdict, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    print("powerloss: round %d check: %s" % (spec["round"], "ok" if verdict["ok"] else
                                              "FAILED\n  " + "\n  ".join(verdict["problems"])),
          flush=True)
    if not verdict["ok"] or spec["kind"] == "final":
        if ctrl is not None:
            ctrl.request("TERMINATE")
        if proc is not None:
            proc.wait(timeout=20)
        return 0 if verdict["ok"] else 1
    writer = {"save": lambda: SaveConfig(ctrl), "provision": lambda: Provision(ctrl),
              "apply": lambda: Apply(ctrl, spec)}[spec["kind"]]()
    print("powerloss: round %d: %s writes from version %d on" % (
        spec["round"], spec["kind"], spec["start"]), flush=True)
    return write_loop(spec, writer, Progress(os.path.join(results, "progress")))


if __name__ == "__main__":
    sys.exit(main())
