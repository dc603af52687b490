"""A simulated board boot inside the testbed VM: BusyBox init as PID 1 of a new
PID + mount namespace, root = overlayfs of (test layer : overlays/rootfs : the
guest's /) with a persistent upper dir playing the flash, and a FAT boot
partition image (mkfs.vfat + mtools) attached through a loop device and
mounted on /boot by the board's fstab. The init scripts alone bring wispd up.

"Reboot" = stop the namespace (SIGTERM to its init runs rcK, then it is
killed) and boot again on the same upper dir, so /etc/wispd/wispd.conf and
/var/lib/wispd survive, as on a real device. Network interfaces are shared
with the VM (no network namespace), so hostapd runs outside as usual.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

from . import repo_root

BUSYBOX = "/bin/busybox"
BASE = "/run/wispd-boot"
HELD_REPO = "/var/lib/testbed-repo"      # where a checkout under /tmp is held for the board

INITTAB = """\
# Buildroot's default inittab, trimmed to what a namespace can do.
::sysinit:/bin/mount -t proc proc /proc
::sysinit:/bin/mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
::sysinit:/bin/mount -t tmpfs -o mode=1777 tmpfs /tmp
::sysinit:/bin/mkdir -p /run/lock/subsys
::sysinit:/bin/mount -a
::sysinit:/etc/init.d/rcS
::shutdown:/etc/init.d/rcK
::shutdown:/bin/umount /boot
"""

RCS = """\
#!/bin/sh
# Buildroot-style rcS: start every /etc/init.d/S??* in order.
cat /proc/uptime > /var/lib/boottest/init-start
for i in /etc/init.d/S??*; do
    [ -x "$i" ] || continue
    "$i" start
done
"""

RCK = """\
#!/bin/sh
for i in $(ls -r /etc/init.d/S??*); do
    [ -x "$i" ] || continue
    "$i" stop
done
"""

# hooks.d entry: proves the hook ran, with its environment, and when.
TEST_HOOK = """\
#!/bin/sh
echo "$(cut -d' ' -f1 /proc/uptime) $1 $2 id=$WPA_ID ssid=$WISPD_SSID bssid=$WISPD_BSSID" \
    >> /var/lib/boottest/hook.log
"""


def sh(cmd, check=True, timeout=60, **kw):
    return subprocess.run(cmd, check=check, timeout=timeout, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, **kw)


def uptime() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


class Board:
    def __init__(self, iface: str, logdir: str, defaults: dict = None):
        self.iface = iface
        self.logdir = logdir
        self.base = BASE
        shutil.rmtree(self.base, ignore_errors=True)
        self.persist = os.path.join(self.base, "persist")       # the flash
        self.layer = os.path.join(self.base, "layer")           # board/test files
        self.root = os.path.join(self.base, "root")
        self.image = os.path.join(self.base, "boot.img")
        for d in (self.persist + "/data", self.persist + "/work", self.layer, self.root):
            os.makedirs(d)
        self.defaults = dict(defaults or {})
        self.loop = None
        self.proc = None
        self.init_pid = None
        self.boots = 0
        self.console = None
        sh(["modprobe", "-a", "loop", "vfat", "nls_cp437", "nls_iso8859_1"], check=False)

    # ------------------------------------------------------------ boot partition
    def make_boot_image(self, files: dict) -> None:
        """A fresh 8 MiB FAT image holding `files` (name -> bytes)."""
        if os.path.exists(self.image):
            os.unlink(self.image)
        sh(["mkfs.vfat", "-C", "-n", "BOOT", self.image, "8192"])
        for name, data in files.items():
            self.put_boot_file(name, data)

    def put_boot_file(self, name: str, data: bytes) -> None:
        src = os.path.join(self.base, "upload-" + name)
        with open(src, "wb") as f:
            f.write(data)
        sh(["mcopy", "-o", "-i", self.image, src, "::" + name])
        os.unlink(src)

    def del_boot_file(self, name: str) -> None:
        sh(["mdel", "-i", self.image, "::" + name])

    def boot_files(self) -> list:
        """Names on the boot partition (read from the image: the board is down
        or has synced, which is the point)."""
        out = sh(["mdir", "-b", "-i", self.image, "::"], check=False).stdout
        return sorted(os.path.basename(l.strip()).lower() for l in out.splitlines()
                      if l.strip())

    # ------------------------------------------------------------ root fs
    def _write(self, rel: str, text: str, mode: int = 0o644) -> None:
        path = os.path.join(self.layer, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)

    def _symlink(self, rel: str, target: str) -> None:
        path = os.path.join(self.layer, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)

    def _build_layer(self) -> None:
        """The board's own files above the project overlay: Buildroot's init
        bits, BusyBox as sh/start-stop-daemon/udhcpc (as on a Buildroot image;
        /bin and /sbin are symlinks into /usr on the Debian root below), the
        fstab with the boot partition, and /etc/default/wispd = the shipped one
        plus the testbed's paths."""
        inittab = INITTAB
        repo = repo_root()
        if repo.startswith("/tmp/"):
            # The board mounts its own /tmp; a checkout under /tmp (a CI clone)
            # is bound back over it from where _mount_root put it.
            inittab = inittab.replace(
                "::sysinit:/bin/mkdir -p /run/lock/subsys\n",
                "::sysinit:/bin/mkdir -p /run/lock/subsys %s\n"
                "::sysinit:/bin/mount --bind %s %s\n" % (repo, HELD_REPO, repo))
            os.makedirs(os.path.join(self.layer, HELD_REPO.lstrip("/")), exist_ok=True)
        self._write("etc/inittab", inittab)
        self._write("etc/init.d/rcS", RCS, 0o755)
        self._write("etc/init.d/rcK", RCK, 0o755)
        self._write("etc/fstab", "%s /boot vfat rw,noatime 0 0\n" % self.loop)
        for applet, where in (("sh", "usr/bin"), ("start-stop-daemon", "usr/sbin"),
                              ("udhcpc", "usr/sbin"), ("logger", "usr/bin")):
            self._symlink("%s/%s" % (where, applet), BUSYBOX)
        shipped = os.path.join(repo_root(), "overlays/rootfs/etc/default/wispd")
        with open(shipped) as f:
            text = f.read()
        text += "\n# --- testbed board ---\n" + "".join(
            '%s="%s"\n' % kv for kv in sorted(self.defaults.items()))
        self._write("etc/default/wispd", text)
        self._write("etc/wispd/hooks.d/90-boottest", TEST_HOOK, 0o755)
        os.makedirs(os.path.join(self.layer, "var/lib/boottest"), exist_ok=True)
        os.makedirs(os.path.join(self.layer, "boot"), exist_ok=True)

    def _mount_root(self) -> None:
        # A copy, as Buildroot copies overlays into its target: the checkout is
        # below "/" and overlayfs refuses layers nested in one another.
        overlay = os.path.join(self.base, "overlay")
        shutil.rmtree(overlay, ignore_errors=True)
        shutil.copytree(os.path.join(repo_root(), "overlays", "rootfs"), overlay, symlinks=True)
        sh(["mount", "-t", "overlay", "overlay", "-o",
            "lowerdir=%s:%s:/,upperdir=%s/data,workdir=%s/work"
            % (self.layer, overlay, self.persist, self.persist), self.root])
        for src in ("/dev", "/sys"):
            sh(["mount", "--rbind", src, self.root + src])
        if repo_root().startswith("/tmp/"):
            sh(["mount", "--rbind", repo_root(), self.root + HELD_REPO])

    def _umount_root(self) -> None:
        sh(["umount", "-R", self.root], check=False)

    # ------------------------------------------------------------ power
    def power_on(self) -> float:
        """Boot; returns the guest uptime at which init was started."""
        assert self.proc is None, "already running"
        self.boots += 1
        self.loop = sh(["losetup", "-f", "--show", self.image]).stdout.strip()
        shutil.rmtree(self.layer, ignore_errors=True)
        self._build_layer()
        self._mount_root()
        self.console = open(os.path.join(self.logdir, "boot%d-console.log" % self.boots), "wb")
        start = uptime()
        # --kill-child: if unshare dies, init (and so the namespace) dies too.
        self.proc = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--mount", "--propagation", "private",
             "--kill-child", "chroot", self.root, BUSYBOX, "init"],
            stdin=subprocess.DEVNULL, stdout=self.console, stderr=subprocess.STDOUT,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "dumb"})
        deadline = time.monotonic() + 10
        while self.init_pid is None and time.monotonic() < deadline:
            try:
                with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                    kids = f.read().split()
                if kids:
                    self.init_pid = int(kids[0])
            except OSError:
                pass
            time.sleep(0.05)
        assert self.init_pid, "namespace init did not start"
        return start

    def power_off(self, timeout: float = 20.0) -> None:
        """SIGTERM to init: BusyBox runs the ::shutdown entries (rcK stops wispd,
        /boot is unmounted), then the namespace is gone."""
        if self.proc is None:
            return
        try:
            os.kill(self.init_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.init_pid = None
        self.console.close()
        self._umount_root()
        for _ in range(50):
            if sh(["losetup", "-d", self.loop], check=False).returncode == 0:
                break
            time.sleep(0.1)
        self.loop = None

    # ------------------------------------------------------------ inside
    def run(self, cmd: str, check: bool = True, timeout: float = 60, input: bytes = None):
        """A shell command inside the running board (its mount + pid ns)."""
        argv = ["nsenter", "-t", str(self.init_pid), "-m", "-p", "-r", "-w",
                BUSYBOX, "sh", "-c", "PATH=/usr/sbin:/usr/bin:/sbin:/bin; " + cmd]
        if input is not None:
            p = subprocess.run(argv, input=input, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout)
            r = subprocess.CompletedProcess(argv, p.returncode,
                                            p.stdout.decode("utf-8", "replace"))
        else:
            r = sh(argv, check=False, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("board command %r failed (%d): %s" % (cmd, r.returncode,
                                                                       r.stdout))
        return r.stdout

    def path(self, rel: str) -> str:
        """A file of the board's persistent root, read from outside."""
        for top in (os.path.join(self.persist, "data"), self.layer):
            p = os.path.join(top, rel.lstrip("/"))
            if os.path.lexists(p):
                return p
        return os.path.join(self.persist, "data", rel.lstrip("/"))

    def read(self, rel: str) -> str:
        with open(self.path(rel), errors="replace") as f:
            return f.read()

    def wait_file(self, rel: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.path(rel)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.read(rel)

    def status(self) -> dict:
        out = self.run("wpa_cli -p /var/run/wpa_supplicant -i %s status" % self.iface,
                       check=False, timeout=10)
        st = {}
        for line in out.splitlines():
            k, eq, v = line.partition("=")
            if eq:
                st[k] = v
        return st

    def wispd_pid(self):
        try:
            return int(self.run("cat /var/run/wispd.pid", check=False).strip())
        except ValueError:
            return None

    def wait_completed(self, timeout: float = 60.0, not_pid=None) -> dict:
        deadline = time.monotonic() + timeout
        st = {}
        while time.monotonic() < deadline:
            st = self.status()
            if st.get("wpa_state") == "COMPLETED" and (
                    not_pid is None or self.wispd_pid() not in (None, not_pid)):
                return st
            time.sleep(0.2)
        raise AssertionError("board %d: no COMPLETED within %.0f s; last status %r\n"
                             "console:\n%s\nwispd log tail:\n%s"
                             % (self.boots, timeout, st, self.console_text(),
                                self.tail("/var/log/wispd.log") + "\noutput:\n" +
                                self.tail("/var/log/wispd.out")))

    def console_text(self) -> str:
        try:
            with open(os.path.join(self.logdir, "boot%d-console.log" % self.boots), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def tail(self, rel: str, n: int = 40) -> str:
        try:
            return "\n".join(self.read(rel).splitlines()[-n:])
        except OSError:
            return "(no %s)" % rel

    def save_logs(self) -> None:
        for rel in ("/var/log/wispd.log", "/var/log/wispd.out", "/var/lib/boottest/hook.log"):
            try:
                shutil.copy(self.path(rel), os.path.join(self.logdir, os.path.basename(rel)))
            except OSError:
                pass

    def close(self) -> None:
        self.power_off()
        self.save_logs()
        sh(["umount", "-R", self.root], check=False)
