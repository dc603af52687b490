"""`make hostap-suite`, guest side: hostap's own hwsim tests (tests/hwsim of a
hostap tree, unchanged) against wispd, then against Debian's wpa_supplicant,
both with Debian's hostapd, in this one boot.

    guest.py --hostap DIR [--wlantest DIR] [--supplicants wispd,wpa_supplicant]
             [--keep DIR] TEST...

The test tree is copied into a scratch directory (the guest's tmpfs) and
everything the tests expect next to them is put there instead of the
binaries hostap would build (README "make hostap-suite"):
  wpa_supplicant/wpa_supplicant  a wrapper: wispd or /usr/sbin/wpa_supplicant
  wpa_supplicant/wpa_cli, hostapd/hostapd, hostapd/hostapd_cli  Debian's
  wlantest/wlantest{,_cli}       built from the tree by the host side, if it could
  auth_serv/as.conf, as2.conf    without dump_msk_file (Debian's hostapd has
                                 no CONFIG_RADIUS_TEST and refuses the line)
  auth_serv/eap_user.conf        without the users of EAP methods Debian's
                                 hostapd lacks (VENDOR-TEST, UNAUTH-TLS, TEAP)
  start.sh                       60 s instead of 10 for the supplicants' PING
  shim/sudo                      the guest runs as root; sudo is just exec
Test modules and their assertions are not touched.  The DATA_TEST shim for
hwsim_utils.test_connectivity is datatest.py, loaded by runner.py.

Prints `HOSTAP-RESULT <supplicant> <test> <PASS|FAIL|SKIP>` per test and
supplicant; the failed tests' logs go under --keep (default
$WISPD_RESULTS/hostap/<supplicant>/).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORK = "/tmp/hostap-suite"
# Debian's interpreter: run-tests.py needs python3-pycryptodome (test_ap_psk
# imports Crypto at module level and run-tests imports every module).
SYSTEM_PYTHON = "/usr/bin/python3"
MISSING_EAP = ("VENDOR-TEST", "UNAUTH-TLS", "TEAP")
RESULT_RE = re.compile(r"^(PASS|FAIL|SKIP) (\S+) ")

WRAPPER = """#!/bin/sh
# hostap's start.sh runs this where it expects its wpa_supplicant binary.
if [ "$HOSTAP_SUITE_SUPPLICANT" = wispd ]; then
    # The interpreter is called through a link named wpa_supplicant: stop.sh
    # finds the supplicants with pidof/killall wpa_supplicant.  No state dir
    # (recent frequencies would carry over from test to test) and no compact
    # socket (three daemons would race for /run/wispd/control).
    exec env PYTHONPATH="%(pythonpath)s" "%(work)s/bin/wpa_supplicant" -m wispd \\
        --state-dir= --control= "$@"
fi
exec /usr/sbin/wpa_supplicant "$@"
"""

SUDO = """#!/bin/sh
# The guest runs everything as root already.
exec "$@"
"""


def say(text):
    print("hostap-suite: %s" % text, flush=True)


def venv_site_packages():
    lib = os.path.join(REPO, ".venv", "lib")
    for name in sorted(os.listdir(lib)):
        path = os.path.join(lib, name, "site-packages")
        if os.path.isdir(path):
            return path
    raise SystemExit("no site-packages in %s" % lib)


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def edit(path, change):
    """Rewrite a copied file line by line (change returns the new line or None)."""
    with open(path) as f:
        lines = [change(ln) for ln in f]
    write(path, "".join(ln for ln in lines if ln is not None), os.stat(path).st_mode & 0o777)


def link(target, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink(target, path)


def prepare(hostap, wlantest_dir):
    """The scratch tree: the tests copied, the binaries they expect in place."""
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    shutil.copytree(os.path.join(hostap, "tests", "hwsim"), os.path.join(WORK, "tests", "hwsim"),
                    symlinks=True, ignore=shutil.ignore_patterns("logs", "*.pyc", "__pycache__"))
    shutil.copytree(os.path.join(hostap, "wpaspy"), os.path.join(WORK, "wpaspy"), symlinks=True)
    hwsim = os.path.join(WORK, "tests", "hwsim")
    for name in ("as.conf", "as2.conf"):
        edit(os.path.join(hwsim, "auth_serv", name),
             lambda ln: None if ln.startswith("dump_msk_file=") else ln)
    # The EAP methods Debian's hostapd is built without: a user line naming
    # one makes it refuse the whole file, and the RADIUS server start.sh
    # waits for never comes up.
    edit(os.path.join(hwsim, "auth_serv", "eap_user.conf"),
         lambda ln: "# (not in Debian's hostapd) " + ln
         if any(m in ln.split("#")[0] for m in MISSING_EAP) else ln)
    # start.sh gives each supplicant 10 s to answer PING.  Four Python
    # daemons starting at once in a TCG guest can take longer; the wait
    # loop (not a test) gets 60 s.
    edit(os.path.join(hwsim, "start.sh"),
         lambda ln: ln.replace("for j in `seq 1 10`; do", "for j in `seq 1 60`; do")
         .replace('if [ $j = "10" ]; then', 'if [ $j = "60" ]; then'))
    real_python = os.path.realpath(os.path.join(REPO, ".venv", "bin", "python"))
    link(real_python, os.path.join(WORK, "bin", "wpa_supplicant"))
    pythonpath = "%s:%s" % (os.path.join(REPO, "firmware"), venv_site_packages())
    write(os.path.join(WORK, "wpa_supplicant", "wpa_supplicant"),
          WRAPPER % {"pythonpath": pythonpath, "work": WORK}, 0o755)
    link("/usr/sbin/wpa_cli", os.path.join(WORK, "wpa_supplicant", "wpa_cli"))
    link("/usr/sbin/hostapd", os.path.join(WORK, "hostapd", "hostapd"))
    link("/usr/sbin/hostapd_cli", os.path.join(WORK, "hostapd", "hostapd_cli"))
    if wlantest_dir:
        for name in ("wlantest", "wlantest_cli"):
            src = os.path.join(wlantest_dir, name)
            if os.path.exists(src):
                link(src, os.path.join(WORK, "wlantest", name))
    write(os.path.join(WORK, "shim", "sudo"), SUDO, 0o755)


def run_one(kind, tests, keep_root, per_test_timeout):
    """One supplicant: start.sh, the runner, stop.sh; {test: result}."""
    hwsim = os.path.join(WORK, "tests", "hwsim")
    logdir = os.path.join(WORK, "logs", kind)
    os.makedirs(logdir)
    env = dict(os.environ)
    env.update(LOGDIR=logdir, HOSTAP_SUITE_SUPPLICANT=kind, USER="root",
               PATH=os.path.join(WORK, "shim") + ":" + env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))
    results = {}
    say("%s: start.sh" % kind)
    rc = subprocess.call(["sh", os.path.join(hwsim, "start.sh")], cwd=hwsim, env=env)
    if rc != 0:
        say("%s: start.sh failed (rc=%d)" % (kind, rc))
    else:
        cmd = [SYSTEM_PYTHON, os.path.join(HERE, "runner.py"), hwsim,
               "-q", "--logdir", logdir] + tests
        proc = subprocess.Popen(cmd, cwd=hwsim, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)
        deadline = time.monotonic() + per_test_timeout * max(1, len(tests)) + 120
        with open(os.path.join(logdir, "runner-output.log"), "w") as out:
            for line in proc.stdout:
                out.write(line)
                m = RESULT_RE.match(line)
                if m:
                    results[m.group(2)] = m.group(1)
                    print("HOSTAP-RESULT %s %s %s" % (kind, m.group(2), m.group(1)), flush=True)
                if time.monotonic() > deadline:
                    say("%s: runner over its time, stopped" % kind)
                    proc.kill()
                    break
        proc.wait()
    subprocess.call(["sh", os.path.join(hwsim, "stop.sh")], cwd=hwsim, env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for test in tests:
        if test not in results:
            results[test] = "FAIL"
            print("HOSTAP-RESULT %s %s FAIL" % (kind, test), flush=True)
    keep_logs(kind, logdir, results, os.path.join(keep_root, kind))
    return results


def keep_logs(kind, logdir, results, dest):
    """The logs of the tests that did not pass, and the runner's own."""
    os.makedirs(dest, exist_ok=True)
    # The run's own logs and what start.sh wrote (supplicant and hostapd
    # logs of the last test, the RADIUS server's): small, and the only
    # evidence when start.sh itself fails.
    for name in os.listdir(logdir):
        src = os.path.join(logdir, name)
        if os.path.isfile(src) and "." not in name or name.endswith(".log"):
            shutil.copy(src, dest)
    for test, result in results.items():
        if result == "PASS":
            continue
        tdir = os.path.join(dest, test)
        os.makedirs(tdir, exist_ok=True)
        for entry in os.listdir(logdir):
            if entry.startswith(test + ".") or entry == test:
                src = os.path.join(logdir, entry)
                if os.path.isdir(src):
                    shutil.copytree(src, os.path.join(tdir, entry), dirs_exist_ok=True)
                else:
                    shutil.copy(src, tdir)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hostap", required=True)
    p.add_argument("--wlantest", default="")
    p.add_argument("--supplicants", default="wispd,wpa_supplicant")
    p.add_argument("--keep", default=os.path.join(os.environ.get("WISPD_RESULTS", "/tmp"), "hostap"))
    p.add_argument("--per-test-timeout", type=float, default=90)
    p.add_argument("tests", nargs="+")
    a = p.parse_args()
    start = time.monotonic()
    prepare(os.path.abspath(a.hostap), a.wlantest)
    tests = [t[5:] if t.startswith("test_") else t for t in a.tests]
    all_results = {}
    for kind in a.supplicants.split(","):
        t0 = time.monotonic()
        all_results[kind] = run_one(kind, tests, a.keep, a.per_test_timeout)
        say("%s: %.0f s" % (kind, time.monotonic() - t0))
    with open(os.path.join(a.keep, "results.txt"), "w") as f:
        for kind, res in all_results.items():
            for test in tests:
                f.write("%s %s %s\n" % (kind, test, res[test]))
    say("guest wall time %.0f s" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
