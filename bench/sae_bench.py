"""SAE compute time on this machine: the commit (password element + commit
scalar/element) and the confirm (peer commit check, shared secret, keys,
confirm value), for groups 19 and 20, hunting-and-pecking and H2E.

    python bench/sae_bench.py [--rounds N]

Also prints an estimate for a Pi Zero class CPU (ARM11 1 GHz, single core).
The factor is a rough one: CPython big-integer code on an ARM1176 runs about
25-35x slower than on a current x86-64 core (pyperformance-style ratios for
integer-heavy code); we use 30 and say so.  Measure on the board for real
numbers: the script is self-contained.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "firmware"))

from wispd.rsn import ecc, sae  # noqa: E402

PI_ZERO_FACTOR = 30.0
STA = bytes.fromhex("020000000100")
AP = bytes.fromhex("020000000000")
PW = "correct horse battery"
SSID = b"bench"


def _ms(fn, rounds):
    best = None
    total = 0.0
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        d = (time.perf_counter() - t) * 1000
        total += d
        best = d if best is None or d < best else best
    return total / rounds, best


def bench(group, h2e, rounds):
    curve = ecc.curve_for_group(group)
    pt_cache = {}
    # the AP side, prepared once
    ap = sae.SaeSupplicant(AP, STA, PW, ssid=SSID, groups=(group,), h2e=h2e)
    ap_commit = ap.start()[0]

    state = {}

    def commit():
        m = sae.SaeSupplicant(STA, AP, PW, ssid=SSID, groups=(group,), h2e=h2e,
                              pt_cache=pt_cache)
        state["acts"] = m.start()
        state["m"] = m

    def confirm():
        state["m"].receive(1, ap_commit.status, ap_commit.body)

    if h2e:
        # PT is derived once per (SSID, password) and cached; measure it apart.
        pt_ms = _ms(lambda: sae.derive_pt(curve, SSID, PW), rounds)
    else:
        pt_ms = None
    commit()  # warm the PT cache
    c_avg, c_best = _ms(commit, rounds)
    f_avg, f_best = 0.0, None
    times = []
    for _ in range(rounds):
        commit()
        t = time.perf_counter()
        confirm()
        times.append((time.perf_counter() - t) * 1000)
    f_avg, f_best = sum(times) / len(times), min(times)
    return pt_ms, (c_avg, c_best), (f_avg, f_best)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    print("CPython %s on %s" % (sys.version.split()[0], os.uname().machine))
    print("load average: %.1f (times grow with load; 'best' is the least disturbed run)"
          % os.getloadavg()[0])
    print("%-6s %-5s %10s %20s %20s %16s" % ("group", "pwe", "PT ms", "commit ms avg/best",
                                             "confirm ms avg/best", "Pi Zero est. ms"))
    for group in (19, 20):
        for h2e in (False, True):
            pt_ms, (c_avg, c_best), (f_avg, f_best) = bench(group, h2e, args.rounds)
            print("%-6d %-5s %10s %13.1f/%6.1f %13.1f/%6.1f %16.0f" % (
                group, "h2e" if h2e else "hnp", "%.1f" % pt_ms[1] if pt_ms else "-",
                c_avg, c_best, f_avg, f_best, (c_best + f_best) * PI_ZERO_FACTOR))
    print("Pi Zero estimate = (best commit + best confirm) x %.0f; PT (H2E) is computed "
          "once per network and cached." % PI_ZERO_FACTOR)


if __name__ == "__main__":
    main()
