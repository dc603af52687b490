#!/usr/bin/env python3
"""Power loss while wispd writes its config: kill the whole VM, boot again, check.

The page cache survives a kill -9 of wispd, so a real power cut means killing
qemu itself. Each round boots the testbed VM with one ext4 data disk (the
device's data partition, /data) that carries wispd.conf from round to round:

  boot → guest.py checks the file the previous cut left (byte for byte the old
  or the new version, parses, wispd starts on it and joins the AP, no temp file
  left) → it rewrites the config as fast as it can through one of wispd's
  writers (SAVE_CONFIG, boot-time provisioning, networks.apply), logging each
  step to the results share → after a seeded delay the host SIGKILLs qemu in
  the middle of a write.

A last boot only checks. Every kill point comes from --seed, so a failure
reproduces (as far as TCG timing allows). Prints the figures at the end;
exit 0 only if every check passed and kills landed mid-write.

    python tests/powerloss/run.py [--seed N] [--plan save,provision,...]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "hwsim"))

import testbed  # noqa: E402

SSID = "plnet"
PASSPHRASE = "correct horse battery"
CHANNEL, FREQ = 1, 2412
PSK = hashlib.pbkdf2_hmac("sha1", PASSPHRASE.encode(), SSID.encode(), 4096, 32).hex()
BASE_CONF = ("ctrl_interface=/run/wispd-pl\nupdate_config=1\n\nnetwork={\n\tssid=\"%s\"\n"
             "\tpsk=%s\n\tkey_mgmt=WPA-PSK\n\tscan_freq=%d\n}\n" % (SSID, PSK, FREQ)).encode()
# 3 rounds of SAVE_CONFIG, 3 of provisioning (2 boot-time apply, 1 networks.apply),
# interleaved so each starts from a file another writer left.
PLAN = ("save", "provision", "apply", "save", "provision", "save")
GROUPS = {"save": "save", "provision": "provisioning", "apply": "provisioning"}
ROUND_TIMEOUT = 150         # s per boot; a round takes ~25 s under TCG
SETTLE = (0.2, 1.0)         # s of writing before the cut is aimed (some dozen versions)


def marker(n):
    return "pl%07d" % n     # guest.py puts it in every version


class Record:
    __slots__ = ("t", "tag", "n", "extra")

    def __init__(self, line):
        parts = line.split(" ", 3)
        self.t, self.tag, self.n = float(parts[0]), parts[1], int(parts[2])
        self.extra = parts[3] if len(parts) > 3 else ""


def parse_records(data):
    """Complete lines only: a record cut in half never reached its step."""
    lines = data.decode("ascii", "replace").split("\n")[:-1]
    return [Record(line) for line in lines if line]


def read_records(path):
    try:
        with open(path, "rb") as f:
            return parse_records(f.read())
    except FileNotFoundError:
        return []


def substitute(data, old_n, new_n):
    """Version old_n's bytes with its marker replaced by new_n's (as text, or as
    hex where the writer stores id_str hex-encoded)."""
    for enc in (lambda m: m.encode(), lambda m: m.encode().hex().encode()):
        a, b = enc(marker(old_n)), enc(marker(new_n))
        if data.count(a) == 1:
            return data.replace(a, b)
    raise ValueError("marker %s not found once in version %d" % (marker(old_n), old_n))


class Versions:
    """The exact bytes of every version a round wrote, from the files the guest
    read back after its first steps (T records): versions alternate between two
    shapes and differ only by the marker within a shape. The third sample
    proves the prediction before anything relies on it."""

    def __init__(self, start, records):
        self.start = start
        samples = sorted((r.n, bytes.fromhex(r.extra)) for r in records if r.tag == "T")
        if len(samples) < 3:
            raise ValueError("only %d of 3 sample versions recorded" % len(samples))
        self.shapes = {(n - start) % 2: (n, data) for n, data in samples[:2]}
        n3, data3 = samples[2]
        if self(n3) != data3:
            raise ValueError("version %d is not what versions %d/%d predict"
                             % (n3, samples[0][0], samples[1][0]))

    def __call__(self, n):
        if n - self.start < 1:
            raise ValueError("version %d precedes the samples" % n)
        tn, data = self.shapes[(n - self.start) % 2]
        return substitute(data, tn, n)


def outcome(start, records):
    """Where the cut landed and which file versions it may leave:
    (phase, n, allowed [(label, version, bytes)])."""
    steps = [r for r in records if r.tag in ("B", "S", "A")]
    if not steps or not any(r.tag == "W" for r in records):
        raise ValueError("cut before the guest was writing (%d records)" % len(records))
    versions = Versions(start, records)
    last = steps[-1]
    if last.tag == "S":         # the write was requested, no answer yet: either
        return "write", last.n, [("old", last.n - 1, versions(last.n - 1)),
                                 ("new", last.n, versions(last.n))]
    if last.tag == "B":         # preparing the next version: the last one stands
        return "prepare", last.n, [("settled", last.n - 1, versions(last.n - 1))]
    return "idle", last.n, [("settled", last.n, versions(last.n))]


def step_times(records):
    """Median guest time of a write (S→A) and of a whole cycle (S→S), in s."""
    s = [r.t for r in records if r.tag == "S"]
    a = {r.n: r.t for r in records if r.tag == "A"}
    writes = [a[r.n] - r.t for r in records if r.tag == "S" and r.n in a]
    cycles = [y - x for x, y in zip(s, s[1:])]
    return (statistics.median(writes) if writes else None,
            statistics.median(cycles) if cycles else None)


class PowerCut:
    """boot()'s power_cut: follows the guest's progress file on the results
    share; `settle` s after the guest starts writing (W), at the next write
    request (an S record that is the newest line, so the write is under way)
    it waits `fraction` of a write cycle and has qemu killed.

    With `in_write`, the cut must land inside a write: the host sees an S
    record some milliseconds late (9p, its own polling, a loaded CI machine),
    and a fast write can be over before the aimed moment. So at the moment
    it re-reads the file, and if the write has ended it aims again at the
    next S with no delay, up to MISSES times, cutting only while S is the
    newest record."""

    POLL = 0.001
    MISSES = 40

    def __init__(self, path, settle, fraction, in_write=False):
        self.path = path
        self.settle = settle
        self.fraction = fraction
        self.in_write = in_write
        self.missed = 0
        self.fd = None
        self.offset = 0
        self.pending = b""
        self.records = []
        self.armed_at = self.target = self.cut_at = self.s_seen = None
        self.cycle = None

    def _read(self):
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return []
        data = os.pread(self.fd, 1 << 20, self.offset)
        self.offset += len(data)
        self.pending += data
        cut = self.pending.rfind(b"\n") + 1
        new = parse_records(self.pending[:cut])
        self.pending = self.pending[cut:]
        self.records += new
        return new

    def __call__(self):
        now = time.monotonic()
        new = self._read()
        if self.armed_at is None:
            if not any(r.tag == "W" for r in new):
                return 0.05
            self.armed_at = now
        if self.target is None:
            if now < self.armed_at + self.settle:
                return min(self.armed_at + self.settle - now, 0.05)
            if not new or new[-1].tag != "S":
                return self.POLL
            self.s_seen = now
            self.cycle = step_times(self.records)[1]
            self.target = now + self.fraction * self.cycle
        if now >= self.target:
            if self.in_write and self.missed < self.MISSES:
                self._read()
                if not self.records or self.records[-1].tag != "S":
                    self.missed += 1            # that write ended: take the next one
                    self.target = None
                    self.fraction = 0.0
                    return self.POLL
            self.cut_at = now
            os.close(self.fd)
            return True
        return min(self.target - now, self.POLL)


def kill_plan(plan, rng):
    """(settle, fraction, in_write) per round: fractions of the write cycle
    stratified within each group (save / provisioning), so each group's cuts
    spread over the whole cycle, early in a write to well after it. The round
    with the earliest aim in each group must land inside a write (PowerCut),
    so every group has a mid-write cut whatever the host's timing."""
    fractions, in_write = {}, set()
    for group in sorted(set(GROUPS[k] for k in plan)):     # sorted: str hashes vary per run
        idx = [i for i, k in enumerate(plan) if GROUPS[k] == group]
        strata = [(j + rng.random()) / len(idx) for j in range(len(idx))]
        rng.shuffle(strata)
        fractions.update(zip(idx, strata))
        in_write.add(min(idx, key=fractions.get))
    return [(round(rng.uniform(*SETTLE), 3), round(fractions[i], 3), i in in_write)
            for i in range(len(plan))]


def console_lines(outdir, prefix="powerloss:"):
    try:
        with open(os.path.join(outdir, "console.log"), "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line[line.index(prefix):].rstrip() for line in text.splitlines() if prefix in line]


def fsck(image):
    e2fsck = shutil.which("e2fsck") or "/usr/sbin/e2fsck"
    r = subprocess.run([e2fsck, "-fn", image], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    return r.returncode, r.stdout


class Failure(Exception):
    pass


def run(plan, seed, out_root):
    t_start = time.monotonic()
    rng = random.Random(seed)
    cuts = kill_plan(plan, rng)
    run_dir = os.path.join(out_root, time.strftime("%Y%m%d-%H%M%S") + "-powerloss")
    os.makedirs(run_dir)
    image = testbed.make_data_disk(os.path.join(run_dir, "data.img"), 32,
                                   {"wispd.conf": BASE_CONF})
    print("powerloss: seed %d, %d rounds (%s) + a final check; results in %s"
          % (seed, len(plan), ",".join(plan), run_dir), flush=True)
    allowed = [("base", 0, BASE_CONF)]
    start = 1
    sha_version = {}            # provisioning file digest → the version it made
    rows = []
    testbed.setup(install=False)
    t_wait = time.monotonic()
    with testbed.vm_slot():
        waited = time.monotonic() - t_wait
        for i, kind in enumerate(list(plan) + ["final"]):
            row = {"round": i + 1, "kind": kind, "allowed": [a[0] for a in allowed]}
            rows.append(row)
            outdir = os.path.join(run_dir, "round-%02d-%s" % (i + 1, kind))
            os.makedirs(outdir)
            spec = {"round": i + 1, "kind": kind, "start": start, "ssid": SSID,
                    "passphrase": PASSPHRASE, "psk": PSK, "channel": CHANNEL, "freq": FREQ,
                    "allowed": [{"label": l, "version": v, "hex": d.hex()}
                                for l, v, d in allowed]}
            with open(os.path.join(outdir, "spec.json"), "w") as f:
                json.dump(spec, f, indent=1)
            cut = None
            if kind != "final":
                row["settle"], row["fraction"], row["in_write"] = cuts[i]
                cut = PowerCut(os.path.join(outdir, "progress"), *cuts[i])
            job = testbed.guest_command([testbed.venv_python(), os.path.join(HERE, "guest.py"),
                                         os.path.join(outdir, "spec.json")])
            t0 = time.monotonic()
            rc = testbed.boot(job, "powerloss", timeout=ROUND_TIMEOUT, echo=False,
                              install=False, data_disk=image, power_cut=cut, outdir=outdir,
                              slot_held=True)
            row["wall_s"] = round(time.monotonic() - t0, 1)
            for line in console_lines(outdir):
                print("  " + line, flush=True)
            verdict = _verdict(outdir, row)
            _check_found(verdict, allowed, sha_version, row)
            if kind == "final":
                if rc != 0:
                    raise Failure("final boot: guest exit code %s" % rc)
                break
            if rc is not None:
                raise Failure("round %d: the guest stopped (exit %s) before the power cut; "
                              "console: %s" % (i + 1, rc, os.path.join(outdir, "console.log")))
            records = read_records(os.path.join(outdir, "progress"))
            try:
                phase, n, allowed = outcome(start, records)
            except ValueError as e:
                raise Failure("round %d: %s" % (i + 1, e))
            write_s, cycle_s = step_times(records)
            row.update(phase=phase, op=n, ops=n - start + 1, write_ms=_ms(write_s),
                       cycle_ms=_ms(cycle_s), cut_after_s_ms=_ms(cut.cut_at - cut.s_seen),
                       missed=cut.missed)
            sha_version.update((r.extra, r.n) for r in records if r.tag == "S" and r.extra)
            start = max(r.n for r in records) + 1
        code, text = fsck(image)
        rows[-1]["fsck"] = code
        if code != 0:
            raise Failure("e2fsck -fn on the data disk after the final boot: exit %d\n%s"
                          % (code, text))
    return run_dir, rows, time.monotonic() - t_start - waited, waited


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def _verdict(outdir, row):
    try:
        with open(os.path.join(outdir, "verdict.json")) as f:
            verdict = json.load(f)
    except (OSError, ValueError) as e:
        raise Failure("round %d: no verdict from the guest's check (%s); console log: %s"
                      % (row["round"], e, os.path.join(outdir, "console.log")))
    row["temps_found"] = verdict.get("temps_before", [])
    row["journal_replayed"] = any("recovery complete" in line
                                  for line in verdict.get("journal", []))
    row["connected_s"] = verdict.get("connected_s")
    if not verdict["ok"]:
        raise Failure("round %d check failed:\n  %s" % (row["round"],
                                                        "\n  ".join(verdict["problems"])))
    return verdict


def _check_found(verdict, allowed, sha_version, row):
    """The guest compared bytes already; compare again here, and check that a
    recorded provisioning digest never names a newer config than the one found."""
    data = bytes.fromhex(verdict["found_hex"])
    hits = [(label, v) for label, v, d in allowed if d == data]
    if not hits:
        raise Failure("round %d: the guest accepted a file that is no allowed version"
                      % row["round"])
    row["found"], row["found_version"] = hits[0]
    applied = sha_version.get(verdict.get("provisioned_sha256"))
    if applied is not None and applied > row["found_version"]:
        raise Failure("round %d: provisioned.sha256 records version %d applied, the config "
                      "is version %d: that file would never be applied again"
                      % (row["round"], applied, row["found_version"]))


def report(rows, wall, waited, seed):
    print("\npowerloss: %d power cuts, seed %d, %.0f s (and %.0f s waiting for the VM slot)"
          % (len(rows) - 1, seed, wall, waited))
    print("  %-5s %-9s %-7s %-8s %5s %8s %8s %9s %13s %5s  %s" % (
        "round", "writer", "settle", "aim", "ops", "write", "cycle", "cut after",
        "landed", "temps", "next boot found"))
    for prev, row in zip(rows, rows[1:]):
        print("  %-5d %-9s %5.2f s %6.0f %% %5d %5.1f ms %5.1f ms %6.1f ms %13s %5d  %s v%d%s%s" % (
            prev["round"], prev["kind"], prev["settle"], prev["fraction"] * 100, prev["ops"],
            prev["write_ms"] or 0, prev["cycle_ms"] or 0, prev["cut_after_s_ms"],
            "%s v%d" % (prev["phase"], prev["op"]), len(row["temps_found"]),
            row["found"], row["found_version"],
            ", journal replayed" if row["journal_replayed"] else "",
            _in_write_note(prev)))
    cut_rows = rows[:-1]
    mid = [r for r in cut_rows if r["phase"] == "write"]
    found = [r["found"] for r in rows[1:]]
    print("  mid-write cuts: %d of %d; after them the file was the old version %d times, "
          "the new %d; settled cuts found their version %d of %d times"
          % (len(mid), len(cut_rows), found.count("old"), found.count("new"),
             found.count("settled"), len(cut_rows) - len(mid)))
    print("  temp files left by the cuts: %d (all removed when wispd started); journal "
          "replayed after %d cuts; e2fsck after the last boot: %s; boots took %s s"
          % (sum(len(r["temps_found"]) for r in rows), sum(r["journal_replayed"] for r in rows),
             "clean" if rows[-1].get("fsck") == 0 else rows[-1].get("fsck"),
             "/".join("%.0f" % r["wall_s"] for r in rows)))


def _in_write_note(row):
    if not row.get("in_write"):
        return ""
    return "; aimed in a write (%d ended before the cut)" % row.get("missed", 0)


def assert_coverage(rows):
    """The cuts must have hit writes in flight, in both groups of writers."""
    cut_rows = rows[:-1]
    problems = []
    for group in sorted(set(GROUPS[r["kind"]] for r in cut_rows)):
        if not any(r["phase"] == "write" for r in cut_rows if GROUPS[r["kind"]] == group):
            problems.append("no cut landed during a %s write" % group)
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=int(os.environ.get("WISPD_POWERLOSS_SEED", 1)),
                    help="chooses the kill points (default 1 or $WISPD_POWERLOSS_SEED)")
    ap.add_argument("--plan", default=",".join(PLAN),
                    help="writers, one round each (save, provision, apply); default %s"
                         % ",".join(PLAN))
    ns = ap.parse_args(argv)
    plan = ns.plan.split(",")
    unknown = [k for k in plan if k not in GROUPS]
    if unknown:
        ap.error("unknown writer(s): %s" % ", ".join(unknown))
    try:
        run_dir, rows, wall, waited = run(plan, ns.seed, testbed.OUT_ROOT)
    except Failure as e:
        print("powerloss: FAILED (seed %d): %s" % (ns.seed, e), flush=True)
        return 1
    except testbed.TestbedError as e:
        print("powerloss: testbed error: %s" % e, flush=True)
        return 2
    report(rows, wall, waited, ns.seed)
    problems = assert_coverage(rows)
    with open(os.path.join(run_dir, "summary.json"), "w") as f:
        json.dump({"seed": ns.seed, "wall_s": round(wall, 1), "slot_wait_s": round(waited, 1),
                   "rounds": rows,
                   "problems": problems}, f, indent=1)
    if problems:
        print("powerloss: FAILED: %s" % "; ".join(problems))
        return 1
    print("powerloss: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
