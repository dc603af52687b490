"""A real wispd process (on the fake driver) driven by Debian's real wpa_cli,
and the command line: usage errors, -B/-P, SIGTERM, a broken config file.

wpa_cli comes from the wpasupplicant package.  Without it these tests fail
(they do not skip): wpa_cli compatibility is a promise of wispd.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(HERE, "run_fake_wispd.py")
AP = "02:00:00:00:00:01"
WORLD = "open:%s:cafe" % AP


@pytest.fixture(scope="module")
def wpa_cli():
    path = shutil.which("wpa_cli") or next(
        (p for p in ("/usr/sbin/wpa_cli", "/sbin/wpa_cli", "/usr/bin/wpa_cli")
         if os.access(p, os.X_OK)), None)
    if path is None:
        pytest.fail("wpa_cli not found: install Debian's 'wpasupplicant' package "
                    "(apt-get install wpasupplicant); the wpa_cli compatibility tests need it")
    return path


def wispd_cmd(*args):
    return [sys.executable, RUNNER] + list(args)


def child_env(world=WORLD):
    env = dict(os.environ)
    env["FAKE_WORLD"] = world
    env["PYTHONUNBUFFERED"] = "1"
    return env


def ping(path, timeout=0.2):
    """PING over our own wpa_ctrl client; None if nobody answers."""
    local = "%s.probe%d" % (path, os.getpid())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        try:
            os.unlink(local)
        except OSError:
            pass
        s.bind(local)
        s.settimeout(timeout)
        s.connect(path)
        s.send(b"PING")
        return s.recv(4096).decode()
    except OSError:
        return None
    finally:
        s.close()
        try:
            os.unlink(local)
        except OSError:
            pass


def wait_for(pred, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


class Wispd:
    """A wispd child process on the fake driver."""

    def __init__(self, tmp_path, conf_body="", world=WORLD, extra=()):
        self.dir = str(tmp_path)
        self.ctrl_dir = os.path.join(self.dir, "ctrl")
        self.conf = os.path.join(self.dir, "wispd.conf")
        self.log = os.path.join(self.dir, "wispd.log")
        with open(self.conf, "w") as f:
            f.write("ctrl_interface=%s\n" % self.ctrl_dir + conf_body)
        self.sock = os.path.join(self.ctrl_dir, "fake0")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(
            wispd_cmd("-i", "fake0", "-D", "fake", "-c", self.conf, "--state-dir=", "-dd",
                      *extra),
            stdout=self.logf, stderr=subprocess.STDOUT, env=child_env(world))
        wait_for(lambda: self.proc.poll() is not None or ping(self.sock) == "PONG\n",
                 what="wispd to answer")
        assert self.proc.poll() is None, open(self.log).read()

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


@pytest.fixture
def wispd(tmp_path):
    started = []

    def start(*a, **kw):
        d = Wispd(tmp_path, *a, **kw)
        started.append(d)
        return d
    yield start
    for d in started:
        d.stop()


def cli(wpa_cli, d, *args, timeout=10):
    r = subprocess.run([wpa_cli, "-p", d.ctrl_dir, "-i", "fake0"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout.decode()


# ------------------------------------------------------------------ wpa_cli commands
def test_wpa_cli_ping_status(wpa_cli, wispd):
    d = wispd()
    assert cli(wpa_cli, d, "ping") == "PONG\n"
    status = dict(line.split("=", 1) for line in cli(wpa_cli, d, "status").splitlines())
    assert status["wpa_state"] in ("INACTIVE", "DISCONNECTED", "SCANNING")
    assert re.match(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$", status["address"])


def test_wpa_cli_networks_and_save_config(wpa_cli, wispd):
    d = wispd("update_config=1\n")
    assert cli(wpa_cli, d, "add_network") == "0\n"
    assert cli(wpa_cli, d, "add_network") == "1\n"
    assert cli(wpa_cli, d, "set_network", "1", "ssid", '"x"') == "OK\n"
    assert cli(wpa_cli, d, "set_network", "1", "psk", '"passphrase"') == "OK\n"
    # GET_NETWORK replies carry no newline, and wpa_cli adds none.
    assert cli(wpa_cli, d, "get_network", "1", "ssid") == '"x"'
    assert cli(wpa_cli, d, "get_network", "1", "psk") == "*"
    assert cli(wpa_cli, d, "list_networks") == (
        "network id / ssid / bssid / flags\n"
        "0\t\tany\t[DISABLED]\n"
        "1\tx\tany\t[DISABLED]\n")
    assert cli(wpa_cli, d, "remove_network", "0") == "OK\n"
    assert cli(wpa_cli, d, "save_config") == "OK\n"
    assert oct(os.stat(d.conf).st_mode & 0o777) == oct(0o600)
    with open(d.conf) as f:
        saved = f.read()
    assert "update_config=1\n" in saved
    assert "ctrl_interface=%s\n" % d.ctrl_dir in saved
    block = re.findall(r"network=\{\n(.*?)\n\}", saved, re.S)
    assert len(block) == 1
    lines = [line.strip() for line in block[0].splitlines()]
    assert 'ssid="x"' in lines and 'psk="passphrase"' in lines
    # The saved file is what the running daemon reloads (ids renumbered in
    # file order, as wpa_supplicant does on a re-read).
    assert cli(wpa_cli, d, "reconfigure") == "OK\n"
    assert cli(wpa_cli, d, "list_networks") == (
        "network id / ssid / bssid / flags\n0\tx\tany\t[DISABLED]\n")


def test_wpa_cli_save_config_refused_without_update_config(wpa_cli, wispd):
    d = wispd()
    before = open(d.conf).read()
    cli(wpa_cli, d, "add_network")
    assert cli(wpa_cli, d, "save_config") == "FAIL\n"
    assert open(d.conf).read() == before


def test_wpa_cli_action_events(wpa_cli, wispd, tmp_path):
    record = str(tmp_path / "actions.log")
    script = str(tmp_path / "action.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\necho "$1 $2 WPA_ID=$WPA_ID WPA_ID_STR=$WPA_ID_STR '
                'WPA_CTRL_DIR=$WPA_CTRL_DIR" >> %s\n' % record)
    os.chmod(script, 0o755)
    conf = ('network={\n\tssid="other"\n\tkey_mgmt=NONE\n\tdisabled=1\n}\n'
            'network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n\tid_str="home"\n\tdisabled=1\n}\n')
    d = wispd(conf)
    action = subprocess.Popen([wpa_cli, "-p", d.ctrl_dir, "-i", "fake0", "-a", script],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # Enable the network only once wpa_cli is attached (the -dd log shows it).
        wait_for(lambda: "control: ATTACH" in d.log_text() or action.poll() is not None,
                 what="wpa_cli -a to attach")
        assert action.poll() is None, action.stdout.read()

        def records(n):
            if not os.path.exists(record):
                return None
            with open(record) as f:
                lines = f.read().splitlines()
            return lines if len(lines) >= n else None
        connected = "fake0 CONNECTED WPA_ID=1 WPA_ID_STR=home WPA_CTRL_DIR=%s" % d.ctrl_dir
        assert cli(wpa_cli, d, "enable_network", "1") == "OK\n"
        assert wait_for(lambda: records(1), what="CONNECTED action") == [connected]
        assert cli(wpa_cli, d, "disconnect") == "OK\n"
        lines = wait_for(lambda: records(2), what="DISCONNECTED action")
        assert lines[1].startswith("fake0 DISCONNECTED ")
        assert cli(wpa_cli, d, "reconnect") == "OK\n"
        lines = wait_for(lambda: records(3), what="second CONNECTED action")
        assert lines[2] == connected
        # TERMINATE: the daemon tells its monitors, wpa_cli -a exits on it.
        assert cli(wpa_cli, d, "terminate") == "OK\n"
        assert d.proc.wait(5) == 0
        action.wait(5)
    finally:
        if action.poll() is None:
            action.terminate()
            action.wait(5)
        action.stdout.close()


# ------------------------------------------------------------------ main / CLI
def run_main(*args, timeout=10):
    return subprocess.run(wispd_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, env=child_env())


@pytest.mark.parametrize("args", [
    ("-Z", "-i", "fake0", "-c", "/nonexistent"),      # unknown option
    ("--no-such-option",),
    ("-i",),                                           # missing argument
    ("-i", "fake0", "-D", "fake", "-c"),
    ("-i", "fake0", "-D", "fake"),                     # neither -c nor -C
    (),                                                # no interface at all
])
def test_usage_errors(args):
    r = run_main(*args)
    assert r.returncode != 0
    err = r.stderr.decode()
    assert "usage:" in err and "-i = interface name" in err
    assert r.stdout == b""


def test_help_and_version():
    r = run_main("-h")
    assert r.returncode == 0 and b"usage:" in r.stdout
    r = run_main("-v")
    assert r.returncode == 0 and r.stdout.startswith(b"wispd v")


def test_broken_config_file_is_refused(tmp_path):
    conf = tmp_path / "broken.conf"
    conf.write_text("ctrl_interface=%s\nnetwork={\n\tssid=\"cafe\"\n\tbogus_key=1\n}\n"
                    % (tmp_path / "ctrl"))
    r = run_main("-i", "fake0", "-D", "fake", "-c", str(conf), "--state-dir=")
    assert r.returncode != 0
    err = r.stderr.decode()
    assert re.search(r"%s:4: \S" % re.escape(str(conf)), err), err
    assert not (tmp_path / "ctrl" / "fake0").exists()


def test_missing_config_file_is_refused(tmp_path):
    r = run_main("-i", "fake0", "-D", "fake", "-c", str(tmp_path / "nope.conf"), "--state-dir=")
    assert r.returncode != 0
    assert b"nope.conf" in r.stderr


def test_sigterm_shuts_down_cleanly(wispd, tmp_path):
    pidfile = str(tmp_path / "wispd.pid")
    d = wispd('network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n', extra=("-P", pidfile))
    wait_for(lambda: os.path.exists(pidfile), what="pidfile")
    assert int(open(pidfile).read()) == d.proc.pid
    wait_for(lambda: "CTRL-EVENT-CONNECTED" in d.log_text(), what="connection")
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(5) == 0
    assert not os.path.exists(d.sock)
    assert not os.path.exists(pidfile)
    assert "CTRL-EVENT-TERMINATING" in d.log_text()


def test_sigint_shuts_down_cleanly(wispd):
    d = wispd()
    d.proc.send_signal(signal.SIGINT)
    assert d.proc.wait(5) == 0
    assert not os.path.exists(d.sock)


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_daemonize_writes_pidfile_once_socket_answers(tmp_path):
    ctrl = str(tmp_path / "ctrl")
    conf = tmp_path / "d.conf"
    conf.write_text("ctrl_interface=%s\n" % ctrl)
    pidfile = str(tmp_path / "run" / "wispd.pid")
    os.mkdir(str(tmp_path / "run"))
    sock = os.path.join(ctrl, "fake0")
    try:
        _check_daemonized(ctrl, conf, pidfile, sock)
    finally:
        # A daemon that never wrote its pidfile (the check failed early) must not
        # outlive the test: it would hold sockets for later runs.
        for pid in _pids_with_arg(str(conf)):
            os.kill(pid, signal.SIGKILL)


def _pids_with_arg(arg):
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open("/proc/%s/cmdline" % name, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if arg.encode() in argv:
                pids.append(int(name))
    return pids


def _check_daemonized(ctrl, conf, pidfile, sock):
    r = run_main("-B", "-P", pidfile, "-i", "fake0", "-D", "fake", "-c", str(conf),
                 "--state-dir=")
    assert r.returncode == 0, r.stderr
    # The foreground parent has gone; its stdio was not kept by the daemon
    # (run() would otherwise block until the daemon exits).
    assert r.stdout == b"" and r.stderr == b""
    # The control socket exists as soon as the parent returns.
    assert os.path.exists(sock)
    wait_for(lambda: os.path.exists(pidfile), what="pidfile")
    pid = int(open(pidfile).read())
    # The pidfile appears only when the socket answers.
    assert ping(sock, timeout=2) == "PONG\n"
    assert _alive(pid)
    assert os.getsid(pid) == pid                        # setsid: its own session
    for fd in (0, 1, 2):
        assert os.readlink("/proc/%d/fd/%d" % (pid, fd)) == os.devnull
    assert os.readlink("/proc/%d/cwd" % pid) == "/"
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not _alive(pid), timeout=5, what="daemon exit")
    wait_for(lambda: not os.path.exists(pidfile), timeout=2, what="pidfile removal")
    assert not os.path.exists(sock)


def test_second_instance_on_same_socket_is_refused(wispd, tmp_path):
    d = wispd()
    r = run_main("-i", "fake0", "-D", "fake", "-c", d.conf, "--state-dir=")
    assert r.returncode != 0
    assert b"in use" in r.stderr
    assert ping(d.sock) == "PONG\n"                  # the first one is untouched


def test_stale_socket_from_dead_process_is_taken_over(wispd, tmp_path):
    first = wispd()
    first.proc.kill()                                 # no clean-up: the file stays
    first.proc.wait()
    assert os.path.exists(first.sock)
    second = wispd()
    assert ping(second.sock) == "PONG\n"


def test_sighup_rereads_the_config(wpa_cli, wispd):
    d = wispd()
    assert cli(wpa_cli, d, "list_networks") == "network id / ssid / bssid / flags\n"
    with open(d.conf, "a") as f:
        f.write('network={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n')
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "\tcafe\t" in cli(wpa_cli, d, "list_networks"), what="SIGHUP reload")
    # A broken file on SIGHUP is refused; the daemon keeps running as it was.
    with open(d.conf, "a") as f:
        f.write("nonsense_key=1\n")
    d.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reconfigure failed" in d.log_text(), what="refused reload")
    assert cli(wpa_cli, d, "ping") == "PONG\n"
    assert "\tcafe\t" in cli(wpa_cli, d, "list_networks")
