#!/usr/bin/env python3
"""`make hostap-suite HOSTAP=DIR [TESTS="a b"]`: hostap's own hwsim tests against
wispd and against Debian's wpa_supplicant 2.10, in one testbed boot.

    tests/hostap/run.py --hostap DIR [--tests "a b"] [--timeout S]

DIR is a hostap tree at the 2.10 release (cff80b4f7) with tests/hwsim and
wpaspy.  Without --tests the list in tests/hostap/tests.txt runs.  Host side:
Debian packages the suite needs that the testbed does not install
(python3-pycryptodome for test_ap_psk's import, as Cryptodome: runner.py
aliases it, libpcap-dev to build
wlantest), wlantest built from DIR into build/hostap/ (outside DIR), then one
boot of tests/hostap/guest.py.  Prints the guest's HOSTAP-RESULT lines as they
come, then a summary: per supplicant the passed/failed/skipped counts, the
tests wpa_supplicant passes and wispd does not, and the wall time.  Logs of
tests that did not pass stay in the run's tests/hwsim/out/<run>/hostap/.
Exit code 0 when the guest ran to the end, whatever the results.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(REPO, "build", "hostap")
PACKAGES = {"python3-pycryptodome": "/usr/lib/python3/dist-packages/Cryptodome",
            "libpcap-dev": "/usr/include/pcap.h"}


def say(text):
    print("hostap-suite: %s" % text, flush=True)


def read_list(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


def ensure_packages():
    missing = [p for p, f in PACKAGES.items() if not os.path.exists(f)]
    if not missing:
        return
    say("installing %s" % " ".join(missing))
    if os.geteuid() != 0:
        raise SystemExit("hostap-suite: needs these Debian packages: %s" % " ".join(missing))
    subprocess.check_call(["apt-get", "install", "-y", "--no-install-recommends"] + missing)


def build_wlantest(hostap):
    """wlantest from the tree (Debian has no package): some tests read its
    counters.  Built in a copy under build/hostap/, the tree stays as it was.
    Returns the directory with the binaries, or "" if the build failed (the
    tests that need it then fail for both supplicants)."""
    out = os.path.join(BUILD, "wlantest")
    stamp = os.path.join(BUILD, "source")
    if os.path.exists(os.path.join(out, "wlantest")) and os.path.exists(stamp) \
            and open(stamp).read() == os.path.abspath(hostap):
        return out
    shutil.rmtree(BUILD, ignore_errors=True)
    os.makedirs(BUILD)
    for sub in ("src", "wlantest"):
        shutil.copytree(os.path.join(hostap, sub), os.path.join(BUILD, sub), symlinks=True)
    say("building wlantest")
    with open(os.path.join(BUILD, "build.log"), "w") as log:
        rc = subprocess.call(["make", "-j%d" % (os.cpu_count() or 1)], cwd=out,
                             stdout=log, stderr=subprocess.STDOUT)
    if rc != 0:
        say("wlantest did not build (see %s/build.log); tests that need it will fail"
            % BUILD)
        return ""
    with open(stamp, "w") as f:
        f.write(os.path.abspath(hostap))
    return out


def summary(results, tests, wall):
    lines = []
    for kind in ("wispd", "wpa_supplicant"):
        res = results.get(kind, {})
        counts = {r: sum(1 for t in tests if res.get(t) == r) for r in ("PASS", "FAIL", "SKIP")}
        lines.append("%s: %d passed, %d failed, %d skipped of %d"
                     % (kind, counts["PASS"], counts["FAIL"], counts["SKIP"], len(tests)))
    base = [t for t in tests if results.get("wpa_supplicant", {}).get(t) == "PASS"]
    both = [t for t in base if results.get("wispd", {}).get(t) == "PASS"]
    lines.append("wispd passes %d of the %d that wpa_supplicant passes%s"
                 % (len(both), len(base),
                    " (%.0f%%)" % (100.0 * len(both) / len(base)) if base else ""))
    lost = [t for t in base if t not in both]
    if lost:
        lines.append("wpa_supplicant passes, wispd does not: %s" % " ".join(lost))
    extra = [t for t in tests if results.get("wispd", {}).get(t) == "PASS" and t not in base]
    if extra:
        lines.append("wispd passes, wpa_supplicant does not: %s" % " ".join(extra))
    lines.append("wall time %.0f s" % wall)
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hostap", required=True, help="hostap tree (tests/hwsim, wpaspy)")
    p.add_argument("--tests", default="", help="space-separated test names (default: tests.txt)")
    p.add_argument("--timeout", type=float, default=0, help="testbed deadline, seconds")
    p.add_argument("--supplicants", default="wispd,wpa_supplicant",
                   help="which runs, in order (a subset while developing)")
    a = p.parse_args()
    hostap = os.path.abspath(a.hostap)
    if not os.path.exists(os.path.join(hostap, "tests", "hwsim", "run-tests.py")):
        raise SystemExit("hostap-suite: %s has no tests/hwsim/run-tests.py" % hostap)
    tests = a.tests.split() or read_list(os.path.join(HERE, "tests.txt"))
    tests = [t[5:] if t.startswith("test_") else t for t in tests]
    start = time.monotonic()
    ensure_packages()
    wlantest = build_wlantest(hostap)
    timeout = a.timeout or 600 + 2 * 60 * len(tests)
    cmd = [sys.executable, os.path.join(REPO, "tests", "hwsim", "testbed.py"),
           "--timeout", str(int(timeout)), "script", os.path.join(HERE, "guest.py"),
           "--hostap", hostap, "--wlantest", wlantest, "--supplicants", a.supplicants] + tests
    results = {}
    outdir = boot_to_exit = None
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, bufsize=1)
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        words = line.split()
        if len(words) == 4 and words[0] == "HOSTAP-RESULT":
            results.setdefault(words[1], {})[words[2]] = words[3]
        elif "; results in " in line:
            outdir = line.rsplit("; results in ", 1)[1].strip()
        elif "guest exit code" in line and " s wall time" in line:
            boot_to_exit = line.split(" after ", 1)[1].split(" s wall time", 1)[0]
    rc = proc.wait()
    for line in summary(results, tests, time.monotonic() - start):
        print(line)
    if boot_to_exit:
        print("boot to power-off %s s (the wall time above includes the wait for the VM)"
              % boot_to_exit)
    if outdir:
        print("logs of the tests that did not pass: %s/hostap/" % outdir)
    return 0 if rc == 0 else rc


if __name__ == "__main__":
    sys.exit(main())
