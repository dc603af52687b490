#!/usr/bin/env python3
"""Where wispd's CPU goes from exec to COMPLETED (testbed guest script).

    .venv/bin/python tests/hwsim/testbed.py script bench/profile_connect.py [--warm] [--top 40]
        [--commit HEAD]

As `make bench` does, the interpreter and wispd run from a tmpfs copy
(onflash.py).  wispd runs under cProfile against a WPA2-PSK hostapd, cold
(empty --state-dir) or --warm (the AP's frequency remembered); once it is
COMPLETED it is told to TERMINATE, cProfile writes its file, and the functions
are printed by own time and by cumulative time.  The profile is written to the
results share (connect.prof) for `python -m pstats`.
"""
import argparse
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import guest_bench as gb  # noqa: E402
from hwsimlib import RUN_DIR  # noqa: E402
from hwsimlib.station import network  # noqa: E402


class ProfiledStation(gb.FlashStation):
    prof = None

    def command(self, extra_args=()):
        args = super().command(extra_args)
        # [python, -m, wispd, ...] -> [python, -m, cProfile, -o, prof, -m, wispd, ...]
        return args[:1] + ["-m", "cProfile", "-o", self.prof] + args[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warm", action="store_true")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--commit", default="HEAD",
                    help="the wispd package of this commit (\"\" for the working tree)")
    ns = ap.parse_args()
    b = gb.Bench(1, 0, 0, ns.commit or None)
    out = os.environ.get("WISPD_RESULTS") or RUN_DIR
    prof = os.path.join(out, "connect.prof")
    try:
        b.setup()
        sta = ProfiledStation("wispd", b.radios.ifaces[1], name="profile-wispd", debug=False)
        sta.prof = prof
        state = b.fresh_state_dir(gb.AP_FREQ if ns.warm else None)
        t0 = time.monotonic()
        sta.start([network(gb.SSID, psk=gb.PASSPHRASE)], extra_args=b.extra_args("wispd", state),
                  timeout=120)
        b.wait_connected_at(sta)
        cpu = gb.cpu_seconds(sta.proc.pid)
        print("profile: COMPLETED after %.2f s, %.2f CPU seconds (profiler on)" % (
            time.monotonic() - t0, cpu), flush=True)
        sta.stop()
    finally:
        b.teardown()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(ns.top)
    stats.sort_stats("cumulative").print_stats(ns.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
