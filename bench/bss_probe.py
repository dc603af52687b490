#!/usr/bin/env python3
"""Diagnostic, not a bench row: where wispd's RSS per BSS goes (issue 14).

The bench's per-BSS row is an RSS slope; tracemalloc in the unit tests sees
~1.2 kB of Python objects retained per BSS.  This probe runs, in one testbed
boot, two wispds through the bench's per-BSS stages (scale radios up one at a
time, 2 scans a stage, 10 networks as in the bench):

  traced  wispd under tracemalloc (SIGUSR2 dumps a snapshot at every stage):
          what Python objects are retained per BSS, and where allocated;
  malloc  wispd with PYTHONMALLOC=malloc (no pymalloc arenas): whether the
          RSS slope is Python's small-object allocator keeping pages;
  default wispd as the bench runs it (--modes picks two of the three).

It prints per stage RSS (heap / anon / file) and, for the traced one, the
traced total and the allocation sites that grew most; bss_probe.json goes to
the results directory.  --sections runs bench sections (guest_bench.py's)
afterwards in the same boot, with bench.json/bench.md as the bench writes them.

    tests/hwsim/testbed.py script bench/bss_probe.py [--commit REV] [--sections scale]
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import guest_bench as gb  # noqa: E402

WRAPPER = """
import os, signal, sys, tracemalloc
def dump(*_):
    dump.n += 1
    tracemalloc.take_snapshot().dump("%s.%d" % (os.environ["WISPD_PROBE_SNAP"], dump.n))
dump.n = 0
signal.signal(signal.SIGUSR2, dump)
from wispd.main import main
sys.exit(main(sys.argv[1:]))
"""


class ProbeStation(gb.FlashStation):
    def __init__(self, iface, mode, snap):
        super().__init__("wispd", iface, name="probe-%s" % mode, debug=False)
        self.mode = mode
        self.snap = snap
        self.extra_env = {"traced": {"WISPD_PROBE_SNAP": snap},
                          "malloc": {"PYTHONMALLOC": "malloc"}}.get(mode, {})

    def command(self, extra_args=()):
        args = super().command(extra_args)
        if self.mode != "traced":
            return args
        return [args[0], "-X", "tracemalloc=4", "-c", WRAPPER] + args[3:]   # not "-m wispd"


def take_snapshot(sta, n, timeout=120.0):
    path = "%s.%d" % (sta.snap, n)
    os.kill(sta.proc.pid, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    size = -1
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) == size:
            return path
        size = os.path.getsize(path) if os.path.exists(path) else -1
        time.sleep(1.0)
    raise RuntimeError("no tracemalloc snapshot %s" % path)


def traced_total(snap):
    return sum(s.size for s in snap.statistics("filename"))


def top_growth(old, new, n=15):
    out = []
    for st in new.compare_to(old, "lineno")[:n]:
        frame = st.traceback[0]
        out.append({"site": "%s:%d" % (frame.filename.split("/site-packages/")[-1]
                                       .split("/wispd-flash/")[-1], frame.lineno),
                    "size_diff": st.size_diff, "count_diff": st.count_diff})
    return out


def probe(b, modes=("traced", "malloc")):
    """modes: two of traced, malloc, default (as the bench runs it)."""
    nets = b.scale_networks(gb.SCALE_NETS[0])
    snap_base = os.path.join(gb.log_dir(), "probe-tracemalloc")
    stas = {mode: ProbeStation(b.radios.ifaces[1 + i], mode, snap_base)
            for i, mode in enumerate(modes[:2])}
    aps = []
    stages = {m: [] for m in stas}
    snaps = []
    try:
        for mode, sta in stas.items():
            sta.start(nets, timeout=900, extra_args=[
                "--state-dir=%s" % b.fresh_state_dir(),
                "--control=%s" % os.path.join(gb.RUN_DIR, "probe-compact-%s" % mode)])
        for sta in stas.values():
            b.wait_connected_at(sta, timeout=900)
        for k in range(len(gb.SCALE_CHANNELS) + 1):
            if k:
                aps.append(b.start_scale_ap(k - 1))
            for mode, sta in stas.items():
                count = b.scan_until(sta, 1 + k * gb.SCALE_PER_RADIO,
                                     at_least=gb.SCAN_STAGE_SCANS)
                time.sleep(1.0)
                split = gb.smaps_split(sta.proc.pid)
                rec = {"bsses": count, "rss": gb.smaps(sta.proc.pid)[0], **split}
                if mode == "traced":
                    snaps.append(take_snapshot(sta, k + 1))
                stages[mode].append(rec)
                gb.say("probe %s: %d BSSes, RSS %d kB (heap %d, anon %d, file %d)"
                       % (mode, count, rec["rss"], split["heap"], split["anon"], split["file"]))
    finally:
        for sta in stas.values():
            sta.stop()
        for ap in aps:
            ap.stop()
    out = {"stages": stages}
    for mode, st in stages.items():
        xs = [r["bsses"] for r in st[1:]]
        out["%s_slope_kb" % mode] = {key: gb.linear_slope(xs, [r[key] for r in st[1:]])
                                     for key in ("rss", "heap", "anon")}
        gb.say("probe %s: RSS per BSS over the stages with scale BSSes: %s" % (
            mode, ", ".join("%s %.2f kB" % (k, v) for k, v in out["%s_slope_kb" % mode].items()
                            if v is not None)))
    if not snaps:
        return write(out)
    loaded = [tracemalloc.Snapshot.load(p) for p in snaps]
    totals = [traced_total(s) for s in loaded]
    st = stages["traced"]
    out["traced_bytes"] = totals
    out["traced_slope_bytes"] = gb.linear_slope([r["bsses"] for r in st[1:]], totals[1:])
    out["growth_first_stage"] = top_growth(loaded[0], loaded[1])
    out["growth_later_stages"] = top_growth(loaded[1], loaded[-1])
    gb.say("probe traced: Python objects per BSS over the stages with scale BSSes: %.0f B "
           "(traced totals %s)" % (out["traced_slope_bytes"] or 0, totals))
    for what in ("growth_first_stage", "growth_later_stages"):
        gb.say("probe traced: %s" % what)
        for g in out[what]:
            gb.say("   %+8d B %+6d  %s" % (g["size_diff"], g["count_diff"], g["site"]))
    write(out)


def write(out):
    outdir = os.environ.get("WISPD_RESULTS") or os.path.dirname(gb.log_dir())
    with open(os.path.join(outdir, "bss_probe.json"), "w") as f:
        json.dump(out, f, indent=1)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--commit", default=None)
    ap.add_argument("--modes", default="traced,malloc",
                    help="the two wispds: traced, malloc or default")
    ap.add_argument("--sections", default="",
                    help="bench sections to run afterwards in the same boot (e.g. scale)")
    ns = ap.parse_args(argv)
    b = gb.Bench(1, 60, 0, ns.commit)
    sections = [x for x in ns.sections.split(",") if x]
    try:
        b.setup()
        probe(b, [m for m in ns.modes.split(",") if m])
        for name in sections:
            gb.say("section %s" % name)
            getattr(b, "sec_" + name)()
    finally:
        b.teardown()
    if sections:
        # As guest_bench.main writes them (bench/stats.py reads these).
        env = gb.versions()
        env["repetitions"] = 1
        b.notes.append("Run by bench/bss_probe.py after its probe, in the same boot (%s)."
                       % (gb.FLASH.summary if gb.FLASH else "not copied"))
        result = {"env": env, "rows": b.rows, "raw": b.raw, "notes": b.notes,
                  "complete": False, "sections": sections}
        outdir = os.environ.get("WISPD_RESULTS") or os.path.dirname(gb.log_dir())
        with open(os.path.join(outdir, "bench.json"), "w") as f:
            json.dump(result, f, indent=1, default=str)
        with open(os.path.join(outdir, "bench.md"), "w") as f:
            f.write(gb.stats.render_summary(result))
        print("\n" + gb.stats.render_text(b.rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
