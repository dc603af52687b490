"""Atomic SAVE_CONFIG: temp file beside the target, fsync, 0600, rename, dir fsync."""

import os
import stat

import pytest

from wispd.config.wpaconf import ConfigError, load, parse, save
from wispd.platform import durable

OLD = "update_config=1\n\nnetwork={\n\tssid=\"old\"\n\tpsk=\"oldpassphrase\"\n}\n"


def _new_config(path):
    c = load(str(path))
    c.networks[0].set("ssid", '"new"')
    c.add_network().set("ssid", "ff00")
    return c


def _dir_entries(path):
    return sorted(os.listdir(str(path.parent)))


def test_save_writes_file_with_mode_0600(tmp_path):
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    os.chmod(str(p), 0o644)
    old_umask = os.umask(0)
    try:
        c = _new_config(p)
        save(c)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(str(p)).st_mode) == 0o600
    assert load(str(p)) == c
    assert p.read_text() == ("update_config=1\n\nnetwork={\n\tssid=\"new\"\n"
                             "\tpsk=\"oldpassphrase\"\n}\n\nnetwork={\n\tssid=ff00\n}\n")
    assert _dir_entries(p) == ["wpa.conf"]


def test_save_to_other_path_and_new_file(tmp_path):
    c = parse(OLD, "mem")
    with pytest.raises(ConfigError) as e:
        save(c)
    assert str(e.value) == "no configuration file path to save to"
    target = tmp_path / "fresh.conf"
    save(c, str(target))
    assert c.path == str(target)
    assert target.read_text() == OLD
    assert stat.S_IMODE(os.stat(str(target)).st_mode) == 0o600


def test_fsync_order(tmp_path, monkeypatch):
    """The file is fsynced before the rename, the directory after it."""
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    c = _new_config(p)
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(a, b):
        events.append("replace")
        assert stat.S_IMODE(os.stat(a).st_mode) == 0o600
        assert os.path.dirname(a) == os.path.dirname(b)
        real_replace(a, b)

    monkeypatch.setattr(durable.os, "fsync", fsync)
    monkeypatch.setattr(durable.os, "replace", replace)
    save(c)
    assert events == ["fsync-file", "replace", "fsync-dir"]


@pytest.mark.parametrize("victim", ["write", "fsync", "replace", "fchmod", "close"])
def test_failure_before_rename_keeps_old_file_and_removes_temp(tmp_path, monkeypatch, victim):
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    c = _new_config(p)
    real = getattr(os, victim)
    calls = []

    def broken(*args):
        calls.append(args)
        if victim == "close" and len(calls) > 1:
            return real(*args)      # let the cleanup close succeed
        if victim == "write":
            # write half, then fail: a torn temp file must never become the config
            real(args[0], bytes(args[1][:10]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(durable.os, victim, broken)
    with pytest.raises(ConfigError) as e:
        save(c)
    monkeypatch.undo()
    assert str(e.value) == "%s: cannot save: No space left on device" % p
    assert calls
    assert p.read_text() == OLD
    assert _dir_entries(p) == ["wpa.conf"]


def test_interrupt_before_rename_removes_temp(tmp_path, monkeypatch):
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    c = _new_config(p)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(durable.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(c)
    monkeypatch.undo()
    assert p.read_text() == OLD
    assert _dir_entries(p) == ["wpa.conf"]


def test_directory_fsync_failure_is_reported(tmp_path, monkeypatch):
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    c = _new_config(p)
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(durable.os, "fsync", fsync)
    with pytest.raises(ConfigError) as e:
        save(c)
    assert "saved, but syncing the directory failed" in str(e.value)
    monkeypatch.undo()
    assert load(str(p)) == c         # the new file is complete
    assert _dir_entries(p) == ["wpa.conf"]


def test_stale_temp_from_crashed_run_is_replaced(tmp_path):
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    stale = tmp_path / os.path.basename(durable.temp_path(str(p)))
    stale.write_text("garbage")
    c = _new_config(p)
    save(c)
    assert load(str(p)) == c
    assert _dir_entries(p) == ["wpa.conf"]


def test_unwritable_directory(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    p = d / "wpa.conf"
    p.write_text(OLD)
    c = load(str(p))
    os.chmod(str(d), 0o500)
    try:
        if os.access(str(d), os.W_OK):       # root ignores the mode; use a missing dir
            c.path = str(tmp_path / "missing" / "wpa.conf")
        with pytest.raises(ConfigError) as e:
            save(c)
        assert "cannot save" in str(e.value)
    finally:
        os.chmod(str(d), 0o700)
    assert p.read_text() == OLD


# --- temp files left by a power cut ------------------------------------------------------

def _dead_pid():
    """A pid that no process has right now (a child that has exited and been reaped)."""
    import subprocess
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_temp_name_carries_pid_and_boot(tmp_path):
    name = os.path.basename(durable.temp_path(str(tmp_path / "wpa.conf")))
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot = f.read().strip().replace("-", "")[:8]
    assert name == ".wpa.conf.tmp%d-%s" % (os.getpid(), boot)


def test_remove_stale_temps_keeps_only_a_live_writers_temp(tmp_path):
    p = tmp_path / "wpa.conf"
    p.write_text(OLD)
    boot = durable.temp_path(str(p)).rsplit("-", 1)[1]
    other_boot = "0" * 8 if boot != "0" * 8 else "1" * 8
    live_other = os.getppid()                 # alive, and not us
    names = {
        "earlier_boot": ".wpa.conf.tmp%d-%s" % (live_other, other_boot),  # power cut
        "dead_writer": ".wpa.conf.tmp%d-%s" % (_dead_pid(), boot),        # kill -9
        "ours": ".wpa.conf.tmp%d-%s" % (os.getpid(), boot),
        "old_format": ".wpa.conf.tmp%d" % live_other,                      # before boot tags
        "live_writer": ".wpa.conf.tmp%d-%s" % (live_other, boot),
        "other_file": ".other.conf.tmp1-%s" % other_boot,
    }
    for name in names.values():
        (tmp_path / name).write_text("update_config=1\nnetwork={\n\tssid=\"half")
    removed = durable.remove_stale_temps(str(p))
    assert sorted(removed) == sorted(names[k] for k in ("earlier_boot", "dead_writer", "ours",
                                                         "old_format"))
    assert _dir_entries(p) == sorted([names["live_writer"], names["other_file"], "wpa.conf"])
    assert p.read_text() == OLD
    assert durable.remove_stale_temps(str(p)) == []
    assert durable.remove_stale_temps(str(tmp_path / "missing" / "wpa.conf")) == []


def test_daemon_start_removes_stale_config_temp(tmp_path):
    from harness import Harness
    stale = tmp_path / ".wispd.conf.tmp1-00000000"
    stale.write_text("network={\n\tssid=\"cut")
    h = Harness(tmp_path, "update_config=1\n")
    try:
        assert not stale.exists()
        c = h.client()
        assert c.request("SAVE_CONFIG") == "OK\n"
        assert sorted(os.listdir(str(tmp_path))) == ["ctrl", "wispd.conf"]
    finally:
        h.close()
