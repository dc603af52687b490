#!/usr/bin/env python3
"""Pure helpers for `make bench`: statistics over repetitions, ratios, the table.

No I/O besides `main` (host side: find the newest bench run in the testbed's
results and print its table).  The guest script (bench/guest_bench.py) fills a
results dict of rows; each row compares one figure of wispd with
wpa_supplicant's from the same boot:

    {"section": "connect", "name": "cold connect (full scan)", "unit": "s",
     "wispd": [samples...], "wpa_supplicant": [samples...], "budget": "<= 1.0x"}

A side may also be a single number, or None when there is no counterpart.
"""
from __future__ import annotations

import json
import os
import sys


def median(values):
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    n = len(vals)
    mid = n // 2
    if n % 2 or vals[mid - 1] == vals[mid]:
        return vals[mid]
    return (vals[mid - 1] + vals[mid]) / 2.0


def spread(values):
    """(min, max) of the samples, or None."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return (min(vals), max(vals))


def summarize(side):
    """A side (list of samples, one number, or None) -> dict(median, min, max, n)."""
    if side is None:
        return None
    if isinstance(side, (int, float)):
        side = [side]
    m = median(side)
    if m is None:
        return None
    lo, hi = spread(side)
    return {"median": m, "min": lo, "max": hi, "n": len([v for v in side if v is not None])}


def ratio(a, b):
    """a / b, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_num(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, int) and not isinstance(v, bool):
        return "%d" % v
    a = abs(v)
    if a == 0:
        txt = "0"
    elif a >= 100:
        txt = "%.0f" % v
    elif a >= 10:
        txt = "%.1f" % v
    elif a >= 0.1:
        txt = "%.2f" % v
    elif a >= 0.001:
        txt = "%.4f" % v
    else:
        txt = "%.2e" % v
    return txt


def fmt_side(s):
    """'median [min-max]' (no range for a single sample)."""
    if s is None:
        return "-"
    if s["n"] <= 1 or s["min"] == s["max"]:
        return fmt_num(s["median"])
    return "%s [%s-%s]" % (fmt_num(s["median"]), fmt_num(s["min"]), fmt_num(s["max"]))


def table_rows(rows):
    """Rows -> list of string cells, header first."""
    out = [["section", "figure", "unit", "wispd median [min-max]",
            "wpa_supplicant median [min-max]", "ratio", "budget"]]
    for r in rows:
        w = summarize(r.get("wispd"))
        b = summarize(r.get("wpa_supplicant"))
        rat = r.get("ratio")          # False: the two columns are not comparable
        if rat is None and w is not None and b is not None:
            rat = ratio(w["median"], b["median"])
        if rat is False:
            rat = None
        out.append([r.get("section", ""), r["name"], r.get("unit", ""), fmt_side(w),
                    fmt_side(b), "-" if rat is None else "%.2fx" % rat, r.get("budget", "")])
    return out


def render_text(rows):
    cells = table_rows(rows)
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("  ".join(x.ljust(widths[i]) for i, x in enumerate(c)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(rows):
    cells = table_rows(rows)
    esc = [[x.replace("|", "\\|") for x in c] for c in cells]
    lines = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(esc[0])]
    lines += ["| " + " | ".join(c) + " |" for c in esc[1:]]
    return "\n".join(lines)


def render_summary(result):
    """The Markdown summary: environment, then the table, then notes."""
    env = result.get("env", {})
    out = ["# wispd benchmark vs wpa_supplicant", ""]
    for k in ("date", "machine", "kernel", "python", "hostapd", "wpa_supplicant",
              "wispd", "repetitions", "wall_time_s"):
        if k in env:
            out.append("- %s: %s" % (k, env[k]))
    out += ["", render_markdown(result.get("rows", [])), ""]
    notes = result.get("notes") or []
    if notes:
        out.append("Notes:")
        out += ["- %s" % n for n in notes]
        out.append("")
    return "\n".join(out)


def growth_exponent(xs, ys):
    """Least-squares slope of log(y) over log(x): ~1 linear, ~2 quadratic."""
    import math
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys)
           if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    if den == 0:
        return None
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den


def find_latest(out_root, since=0.0):
    """Newest bench.json in a results dir under out_root (written after `since`)."""
    best = None
    try:
        names = os.listdir(out_root)
    except OSError:
        return None
    for name in names:
        path = os.path.join(out_root, name, "bench.json")
        if name != "latest" and os.path.exists(path):
            mt = os.path.getmtime(path)
            if mt >= since and (best is None or mt > best[0]):
                best = (mt, path)
    return best[1] if best else None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    here = os.path.dirname(os.path.abspath(__file__))
    out_root = os.path.join(os.path.dirname(here), "tests", "hwsim", "out")
    since = 0.0
    if argv[:1] == ["--since"]:
        since, argv = float(argv[1]), argv[2:]
    path = argv[0] if argv else find_latest(out_root, since)
    if not path or not os.path.exists(path):
        sys.stderr.write("bench: no bench.json found under %s\n" % out_root)
        return 1
    with open(path) as f:
        result = json.load(f)
    sys.stdout.write(render_summary(result) + "\n")
    sys.stdout.write("\n" + render_text(result.get("rows", [])) + "\n")
    sys.stdout.write("\n(results: %s)\n" % os.path.dirname(path))
    return 0 if result.get("complete") else 1


if __name__ == "__main__":
    sys.exit(main())
