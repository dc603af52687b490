"""Memory budget (issue 9): what an idle daemon does not load.

A running wispd (fake driver, compact socket on, as shipped) is inspected from
outside through /proc/PID/maps: msgpack's C extension is mapped only once a
compact client has connected, and OpenSSL (hashlib/hmac) never is."""
import os
import subprocess
import sys
import time

from wispd.client import Client

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_fake_wispd.py")


def mapped(pid):
    with open("/proc/%d/maps" % pid) as f:
        return {line.split()[-1] for line in f if "/" in line}


def start(tmp_path):
    conf = tmp_path / "wispd.conf"
    ctrl = tmp_path / "ctrl"
    control = str(tmp_path / "compact")
    conf.write_text('ctrl_interface=%s\nnetwork={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n' % ctrl)
    env = dict(os.environ, FAKE_WORLD="open:02:00:00:00:00:01:cafe")
    proc = subprocess.Popen([sys.executable, RUNNER, "-i", "fake0", "-c", str(conf), "-D",
                             "fake", "-q", "--state-dir=", "--control", control], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not (os.path.exists(str(ctrl / "fake0")) and os.path.exists(control)):
        assert proc.poll() is None, "wispd exited with %s" % proc.returncode
        assert time.monotonic() < deadline, "wispd did not start"
        time.sleep(0.02)
    return proc, control


def test_msgpack_loads_on_the_first_compact_client_and_openssl_never(tmp_path):
    proc, control = start(tmp_path)
    try:
        libs = mapped(proc.pid)
        assert not [p for p in libs if "msgpack" in p], "idle daemon mapped msgpack"
        assert not [p for p in libs if "libcrypto" in p or "libssl" in p]
        time.sleep(0.2)            # bound, maybe not yet listening
        with Client(control, timeout=10) as c:
            assert c.hello["type"] == "hello"
            assert isinstance(c.status(), dict)
        assert [p for p in mapped(proc.pid) if "msgpack" in p], \
            "msgpack should be loaded once a client talked to the socket"
    finally:
        proc.terminate()
        proc.wait(10)


def test_sae_code_loads_only_for_an_sae_network():
    """The daemon's start path (nl80211, compact socket, a WPA2-PSK connect)
    imports no SAE module: ECC and hash-to-element are for SAE networks only."""
    code = ("import sys, wispd.main, wispd.daemon, wispd.platform.eloop, "
            "wispd.drivers.nl80211.driver, wispd.rsn.handshake, wispd.config.recent, "
            "wispd.control.compact.server, wispd.core.station, wispd.core.connection; "
            "print(sorted(m for m in sys.modules if m.startswith(('wispd.rsn.sae', "
            "'wispd.rsn.ecc', 'wispd.core.saeauth', 'wispd.rsn.pmksa'))))")
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                       check=True)
    assert r.stdout.strip() == "[]"


# What the start path (nl80211, both control sockets, a WPA2-PSK connect) must
# not import (issue 14): getopt brings gettext and locale (main parses its
# flags itself); hashlib/hmac/ssl load OpenSSL (rsn/kdf uses the interpreter's
# own _sha1/_sha256/_md5); asyncio, dataclasses, argparse, subprocess, json and
# multiprocessing are large and not needed; pyroute2's nl80211/generic/iproute
# modules bring its sockets (the shim in platform/netlink.py keeps to its
# message base classes); importlib (the shim finds pyroute2 itself) and runpy
# (an image starts the entry-point script, not `python -m`) cost a module
# each under TCG.  logging, re, enum and typing are still on the path:
# pyroute2.netlink imports logging and typing itself (docs/benchmarks.md).
START_PATH_NEVER = ("getopt", "gettext", "locale", "argparse", "optparse", "hashlib", "_hashlib",
                    "hmac", "ssl", "asyncio", "dataclasses", "subprocess", "json",
                    "multiprocessing", "msgpack", "pyroute2.netlink.nl80211",
                    "pyroute2.netlink.generic", "pyroute2.iproute", "pyroute2.config",
                    "importlib", "importlib.machinery", "importlib.util", "runpy",
                    # features a WPA2-PSK connect does not use: loaded on first use
                    "wispd.rsn.ft", "wispd.core.ftauth", "wispd.rsn.wnm", "wispd.core.btm",
                    "wispd.core.countermeasures", "wispd.rsn.sae", "wispd.core.saeauth")


def test_start_path_leaves_out_what_it_does_not_need():
    code = ("import sys, wispd.main, wispd.daemon, wispd.platform.eloop, "
            "wispd.drivers.nl80211.driver, wispd.rsn.handshake, wispd.config.recent, "
            "wispd.control.compact.server, wispd.core.station, wispd.core.connection, "
            "wispd.core.status, wispd.platform.rtnl, wispd.platform.rfkill, wispd.platform.l2, "
            "wispd.platform.ifacelock, wispd.control.wpactrl.server; "
            "print(' '.join(sorted(sys.modules)))")
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                       check=True)
    loaded = set(r.stdout.split())
    assert "wispd.drivers.nl80211.driver" in loaded
    assert sorted(loaded.intersection(START_PATH_NEVER)) == []
