"""The shipped shell pieces on the host: the respawn supervisor restarts a
killed child within seconds and stops it on SIGTERM; the hook dispatches to
hooks.d with the wpa_cli -a arguments."""
from __future__ import annotations

import os
import signal
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPERVISE = os.path.join(REPO, "overlays/rootfs/usr/libexec/wispd/wispd-supervise")
HOOK = os.path.join(REPO, "overlays/rootfs/etc/wispd/hook.sh")


def wait_for(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    return cond()


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose.
    with open("/proc/%d/stat" % pid) as f:
        return f.read().split(") ")[1][0] != "Z"


def test_supervisor_respawns_and_stops(tmp_path):
    pidfile = str(tmp_path / "child.pid")
    child = tmp_path / "child.sh"
    # Like wispd -P: the child writes its own pidfile, then runs until TERM.
    child.write_text("#!/bin/sh\necho $$ > %s\ntrap 'echo stopped >> %s; exit 0' TERM\n"
                     "while :; do sleep 0.1; done\n" % (pidfile, tmp_path / "log"))
    child.chmod(0o755)
    sup = subprocess.Popen(["sh", SUPERVISE, pidfile, str(child)],
                           stderr=subprocess.PIPE, text=True)
    try:
        first = wait_for(lambda: read_pid(pidfile))
        assert first and alive(first)
        t0 = time.monotonic()
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: (read_pid(pidfile) or first) != first and read_pid(pidfile))
        assert second and second != first and alive(second)
        assert time.monotonic() - t0 < 5.0          # back within seconds
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(10) == 0
        assert not alive(second)
        assert (tmp_path / "log").read_text() == "stopped\n"    # clean stop, not a kill
        assert not os.path.exists(pidfile)
    finally:
        if sup.poll() is None:
            sup.kill()
    assert "exited (status 137); restarting in 1s" in sup.stderr.read()


def test_supervisor_usage():
    r = subprocess.run(["sh", SUPERVISE], stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2 and "usage" in r.stderr


def test_hook_runs_hooks_d_without_dhcp(tmp_path):
    # The hook reads /etc/default/wispd and /etc/wispd/hooks.d: run a copy
    # with those paths pointed into tmp_path.
    hooks_d = tmp_path / "hooks.d"
    hooks_d.mkdir()
    (hooks_d / "10-log").write_text("#!/bin/sh\necho \"$1 $2 $WPA_ID_STR\" >> %s\n"
                                    % (tmp_path / "out"))
    (hooks_d / "10-log").chmod(0o755)
    (hooks_d / "README").write_text("not executable: skipped\n")
    defaults = tmp_path / "default"
    defaults.write_text('DHCP="none"\n')
    text = open(HOOK).read().replace("/etc/default/wispd", str(defaults)).replace(
        "/etc/wispd/hooks.d", str(hooks_d))
    hook = tmp_path / "hook.sh"
    hook.write_text(text)
    env = dict(os.environ, WPA_ID_STR="home")
    for event in ("CONNECTED", "DISCONNECTED"):
        assert subprocess.run(["sh", str(hook), "wlan0", event], env=env).returncode == 0
    assert (tmp_path / "out").read_text() == "wlan0 CONNECTED home\nwlan0 DISCONNECTED home\n"
    assert subprocess.run(["sh", str(hook), "wlan0", "BOGUS"],
                          stderr=subprocess.DEVNULL).returncode == 2
