"""One daemon per interface (wispd/ifacelock.py): the claim, its refusal, and
what a killed holder leaves (nothing that blocks the next start)."""
import os
import signal
import time

import pytest

from wispd.platform import ifacelock
from wispd import main as wmain


def hold_in_child(directory, ifname):
    """A child process that takes the lock and sleeps: (pid, read end)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            ifacelock.InterfaceLock(ifname, directory).acquire()
            os.write(w, b"x")
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(w)
    assert os.read(r, 1) == b"x"
    os.close(r)
    return pid


def test_second_claim_is_refused_with_the_holders_pid(tmp_path):
    pid = hold_in_child(str(tmp_path), "wlan9")
    try:
        with pytest.raises(ifacelock.InUse) as e:
            ifacelock.InterfaceLock("wlan9", str(tmp_path)).acquire()
        assert e.value.pid == pid
        assert str(e.value).startswith("wlan9 is in use by pid %d (lock %s/wlan9.lock held)"
                                       % (pid, tmp_path))
        # The refused claim did not clobber the holder's pid.
        assert (tmp_path / "wlan9.lock").read_text() == "%d\n" % pid
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    # kill -9 leaves the file; the kernel dropped the flock with the process.
    lock = ifacelock.InterfaceLock("wlan9", str(tmp_path))
    lock.acquire()
    assert (tmp_path / "wlan9.lock").read_text() == "%d\n" % os.getpid()
    lock.release()


def test_claim_is_all_or_nothing(tmp_path):
    pid = hold_in_child(str(tmp_path), "wlan1")
    try:
        with pytest.raises(ifacelock.InUse):
            ifacelock.claim(["wlan0", "wlan1"], str(tmp_path), only_existing=False)
        # wlan0 was let go again when wlan1 was refused.
        held = ifacelock.claim(["wlan0"], str(tmp_path), only_existing=False)
        assert [lk.ifname for lk in held] == ["wlan0"]
        held[0].release()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_unusable_dir_and_names_without_an_interface_are_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert ifacelock.claim(["wlan0"], str(blocker / "sub"), only_existing=False) == []
    assert ifacelock.claim(["no-such-if0"], str(tmp_path)) == []
    assert not (tmp_path / "no-such-if0.lock").exists()


def test_main_refuses_before_touching_anything(tmp_path, monkeypatch, capsys):
    ifname = sorted(os.listdir("/sys/class/net"))[0]     # a real interface: "lo"
    monkeypatch.setattr(ifacelock, "DEFAULT_DIR", str(tmp_path / "run"))
    pid = hold_in_child(str(tmp_path / "run"), ifname)
    ctrl = tmp_path / "ctrl"
    conf = tmp_path / "wispd.conf"
    conf.write_text("ctrl_interface=%s\n" % ctrl)
    try:
        rc = wmain.main(["-i", ifname, "-c", str(conf), "-D", "nl80211", "--state-dir",
                         str(tmp_path / "state"), "--control", str(tmp_path / "control"),
                         "-P", str(tmp_path / "pid")])
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    err = capsys.readouterr().err
    assert rc == 1
    assert err == "wispd: %s is in use by pid %d (lock %s held); not starting a second " \
                  "supplicant on it\n" % (ifname, pid, tmp_path / "run" / (ifname + ".lock"))
    # Nothing created: no control directory, socket, pidfile or state.
    assert sorted(os.listdir(tmp_path)) == ["run", "wispd.conf"]
