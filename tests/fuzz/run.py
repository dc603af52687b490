#!/usr/bin/env python3
"""The fuzz runner: `make fuzz` (FUZZ_SECONDS per target, default 60).

    python tests/fuzz/run.py [--seconds N] [--replay-only] [TARGET ...]

Each target: the whole corpus is replayed first, then hypothesis runs for N
seconds.  Prints the executions per target; exits 1 on the first property
violation, with the shrunk input (also saved under tests/fuzz/crashes/).

A crash, once fixed in the firmware, becomes a regression input: move the
saved file into corpus/<target>/ as crash-<what-it-was> (a unit test beside
the fix says why), and every run, `make unit` too, replays it from then on.
Seeds (seed-*) are written by make_corpus.py.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fuzzlib  # noqa: E402
from targets import BY_NAME, TARGETS  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 60)),
                    help="hypothesis time per target (default $FUZZ_SECONDS or 60)")
    ap.add_argument("--replay-only", action="store_true", help="only replay the corpus")
    ap.add_argument("targets", nargs="*", metavar="TARGET",
                    help="default: all (%s)" % ", ".join(sorted(BY_NAME)))
    args = ap.parse_args(argv)
    unknown = [n for n in args.targets if n not in BY_NAME]
    if unknown:
        ap.error("unknown target %s" % ", ".join(unknown))
    chosen = [BY_NAME[n] for n in args.targets] or TARGETS
    print("%-13s %7s %10s %8s %8s" % ("target", "corpus", "executions", "seconds", "exec/s"))
    total = 0
    fuzzlib.quiet_logs()
    for target in chosen:
        target.setup()
        start = time.monotonic()
        try:
            replayed = fuzzlib.replay(target)
            execs = 0 if args.replay_only else fuzzlib.fuzz(target, args.seconds)
        except fuzzlib.Failure as f:
            print("%-13s FAILED: %s\n  input: %r\n  saved: %s" % (target.name, f.error, f.value,
                                                                  f.saved))
            return 1
        except AssertionError as e:
            print("%-13s FAILED: %s" % (target.name, e))
            return 1
        finally:
            target.teardown()
        took = time.monotonic() - start
        total += execs
        print("%-13s %7d %10d %8.1f %8.0f" % (target.name, replayed, execs, took,
                                               execs / took if took else 0), flush=True)
    print("all %d targets passed, %d executions" % (len(chosen), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
