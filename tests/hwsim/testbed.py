#!/usr/bin/env python3
"""The hwsim testbed: real cfg80211/mac80211 + mac80211_hwsim radios inside a qemu VM.

This machine's own kernel has no wireless stack, so the hwsim suite runs inside
a small VM with Debian's stock kernel (see docs in tests/hwsim/README.md):

    testbed.py setup                 install packages, cache kernel + initramfs
    testbed.py run [-- PYTEST ARGS]  boot once, run pytest on tests/hwsim inside
    testbed.py shell                 boot with radios + a WPA2 AP, interactive shell
    testbed.py script PATH [ARGS]    boot, run a guest script, return its exit code

The guest sees the host's root file system read-only (9p) under a tmpfs
overlay, so host paths (repo, venv) are unchanged inside. A second, writable 9p
share, a fresh directory under tests/hwsim/out/, brings results back: the exit
code, JUnit XML, logs and the console log. Every step has a deadline; a hung or
panicked guest is killed and the tail of its console log printed.

A run can also get a data partition: `--data-disk IMAGE` attaches a raw ext4
image (make_data_disk() makes one) as a virtio-blk disk that the guest mounts on
/data. For power-loss tests, boot(power_cut=...) lets the host SIGKILL qemu at
a moment it chooses (see tests/powerloss/).

Importable too: `run_script(path, args)` / `run_pytest(args)` return exit codes.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GUEST_DIR = os.path.join(HERE, "guest")
OUT_ROOT = os.path.join(HERE, "out")

# Debian package -> a file it provides (checked with dpkg-query on the package).
# wireless-regdb: without regulatory.db the kernel stays on the world domain, where
# country= does nothing and a 5 GHz AP cannot start. openssl: test_eap.py makes its
# CA and certificates at test time (hwsimlib/certs.py).
PACKAGES = [
    "qemu-system-x86", "busybox-static", "kmod", "cpio", "hostapd", "wpasupplicant",
    "iw", "wireless-tools", "dosfstools", "mtools", "rfkill", "e2fsprogs", "wireless-regdb",
    "openssl",
]

# The initramfs loads these with insmod in this order (each needs the ones before).
BOOT_MODULES = [
    "virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
    "virtio_pci", "netfs", "fscache", "9pnet", "9pnet_virtio", "9p", "overlay",
]

DEFAULT_TIMEOUT = 15 * 60      # whole run, seconds
BOOT_TIMEOUT = 180             # kernel start -> guest stage 2 marker
MARK_UP = "WISPD-TESTBED: guest up"
MARK_EXIT = "WISPD-TESTBED: exit rc="
DATA_MOUNT = "/data"           # where the guest mounts the data disk
DATA_SERIAL = "wispd-data"     # the data disk's virtio serial: init2.sh finds it by this


class TestbedError(Exception):
    """The testbed itself could not do its job (not a test failure)."""


def log(msg: str) -> None:
    sys.stderr.write("testbed: %s\n" % msg)
    sys.stderr.flush()


def cache_dir() -> str:
    return os.environ.get("WISPD_TESTBED_CACHE") or "/var/cache/wispd-testbed"


def venv_python() -> str:
    return os.path.join(REPO, ".venv", "bin", "python")


# --------------------------------------------------------------------------- setup

def _dpkg_installed(pkg: str) -> bool:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.returncode == 0 and r.stdout.strip().endswith("installed") \
        and "not-installed" not in r.stdout


def ensure_packages(timeout: float = 900) -> None:
    missing = [p for p in PACKAGES if not _dpkg_installed(p)]
    if not missing:
        return
    log("installing missing packages: %s" % " ".join(missing))
    if os.geteuid() != 0:
        raise TestbedError("packages missing (%s) and not root: install them with "
                           "apt-get install %s" % (" ".join(missing), " ".join(missing)))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env, timeout=timeout)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + missing,
                   check=True, env=env, timeout=timeout)


def kernel_version(timeout: float = 120) -> str:
    """Name of Debian's current amd64 kernel, e.g. 6.1.0-56-amd64."""
    def ask():
        r = subprocess.run(["apt-cache", "depends", "linux-image-amd64"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
        return r.stdout, re.search(r"Depends:\s*linux-image-(\S+-amd64)\b", r.stdout)

    out, m = ask()
    if not m:
        # A fresh machine may have no package lists yet.
        log("apt-cache knows no linux-image-amd64; running apt-get update")
        subprocess.run(["apt-get", "update"], check=True, timeout=timeout)
        out, m = ask()
    if not m:
        raise TestbedError("cannot find the kernel version in `apt-cache depends "
                           "linux-image-amd64`:\n%s" % out)
    return m.group(1)


def kernel_paths(ver: str) -> dict:
    root = os.path.join(cache_dir(), "linux-" + ver)
    return {
        "root": root,
        "vmlinuz": os.path.join(root, "boot", "vmlinuz-" + ver),
        "modules": os.path.join(root, "lib", "modules"),
        "initramfs": os.path.join(cache_dir(), "initramfs-%s.cpio.gz" % ver),
    }


def fetch_kernel(ver: str, timeout: float = 900) -> dict:
    paths = kernel_paths(ver)
    stamp = os.path.join(paths["root"], ".complete")
    if os.path.exists(stamp):
        return paths
    pkg = "linux-image-" + ver
    dl = os.path.join(cache_dir(), "download")
    os.makedirs(dl, exist_ok=True)
    debs = [f for f in os.listdir(dl) if f.startswith(pkg + "_") and f.endswith(".deb")]
    if not debs:
        log("downloading %s (apt-get download)" % pkg)
        r = subprocess.run(["apt-get", "download", pkg], cwd=dl, timeout=timeout)
        if r.returncode != 0:
            log("apt-get download failed; running apt-get update and retrying")
            subprocess.run(["apt-get", "update"], check=True, timeout=timeout)
            subprocess.run(["apt-get", "download", pkg], cwd=dl, check=True, timeout=timeout)
        debs = [f for f in os.listdir(dl) if f.startswith(pkg + "_") and f.endswith(".deb")]
    if not debs:
        raise TestbedError("apt-get download %s produced no .deb in %s" % (pkg, dl))
    shutil.rmtree(paths["root"], ignore_errors=True)
    log("unpacking %s" % debs[0])
    subprocess.run(["dpkg", "-x", os.path.join(dl, sorted(debs)[-1]), paths["root"]],
                   check=True, timeout=timeout)
    subprocess.run(["depmod", "-b", paths["root"], ver], check=True, timeout=timeout)
    if not os.path.exists(paths["vmlinuz"]):
        raise TestbedError("kernel image missing after unpacking: %s" % paths["vmlinuz"])
    with open(stamp, "w") as f:
        f.write(ver + "\n")
    return paths


class _Cpio:
    """Writes a 'newc' cpio archive; lets us add /dev/console without root mknod."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name: str, mode: int, data: bytes = b"", rdev=(0, 0)) -> None:
        nameb = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(nameb), 0]
        self.ino += 1
        self.buf.write(b"070701" + b"".join(b"%08x" % v for v in fields) + nameb)
        self.buf.write(b"\0" * (-self.buf.tell() % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-self.buf.tell() % 4))

    def dir(self, name: str) -> None:
        self._entry(name, 0o040755)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, 0o100000 | mode, data)

    def chardev(self, name: str, major: int, minor: int) -> None:
        self._entry(name, 0o020600, rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def _find_modules(moddir: str) -> dict:
    found = {}
    for dirpath, _dirs, files in os.walk(moddir):
        for f in files:
            if f.endswith(".ko"):
                found[f[:-3].replace("-", "_")] = os.path.join(dirpath, f)
    return found


def build_initramfs(ver: str, paths: dict) -> str:
    """Busybox + the 9p/overlay modules + our stage-1 init; cached by content hash."""
    with open(os.path.join(GUEST_DIR, "init1.sh"), "rb") as f:
        init = f.read()
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        raise TestbedError("%s missing (package busybox-static)" % busybox)
    moddir = os.path.join(paths["modules"], ver)
    mods = _find_modules(moddir)
    builtin = set()
    bpath = os.path.join(moddir, "modules.builtin")
    if os.path.exists(bpath):
        with open(bpath) as f:
            builtin = {os.path.basename(l.strip())[:-3].replace("-", "_") for l in f}
    order = []
    for m in BOOT_MODULES:
        if m in mods:
            order.append(m)
        elif m not in builtin:
            raise TestbedError("kernel %s lacks module %s" % (ver, m))
    h = hashlib.sha256(init)
    with open(busybox, "rb") as f:
        bb = f.read()
    h.update(bb)
    h.update(" ".join(order).encode())
    stamp = paths["initramfs"] + ".hash"
    if os.path.exists(paths["initramfs"]) and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() == h.hexdigest():
                return paths["initramfs"]
    log("building initramfs %s" % paths["initramfs"])
    c = _Cpio()
    for d in ("bin", "dev", "proc", "sys", "newroot", "lower", "upper", "modules"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3)
    c.file("bin/busybox", bb, 0o755)
    c.file("init", init, 0o755)
    for m in order:
        with open(mods[m], "rb") as f:
            c.file("modules/%s.ko" % m, f.read())
    c.file("modules/order", ("\n".join(order) + "\n").encode())
    tmp = "%s.%d.tmp" % (paths["initramfs"], os.getpid())
    with gzip.open(tmp, "wb", compresslevel=6) as f:
        f.write(c.finish())
    os.replace(tmp, paths["initramfs"])
    with open(stamp, "w") as f:
        f.write(h.hexdigest() + "\n")
    return paths["initramfs"]


def setup(install: bool = True) -> dict:
    """Make sure packages, kernel and initramfs exist; return the kernel paths."""
    if install:
        ensure_packages()
    else:
        missing = [p for p in PACKAGES if not _dpkg_installed(p)]
        if missing:
            raise TestbedError("missing packages: %s (run: testbed.py setup)" % " ".join(missing))
    cur = os.path.join(cache_dir(), "current")
    ver = None
    if os.path.exists(cur):
        with open(cur) as f:
            ver = f.read().strip() or None
        if ver and not os.path.exists(os.path.join(kernel_paths(ver)["root"], ".complete")):
            ver = None
    if ver is None:
        if not install:
            raise TestbedError("no cached kernel in %s (run: testbed.py setup)" % cache_dir())
        os.makedirs(cache_dir(), exist_ok=True)
        ver = kernel_version()
        fetch_kernel(ver)
        with open(cur, "w") as f:
            f.write(ver + "\n")
    paths = kernel_paths(ver)
    paths["version"] = ver
    build_initramfs(ver, paths)
    if install:
        # An i386 root for the 32-bit wext ABI scenario (cached; see i386root.py).
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import i386root
        i386root.ensure()
    return paths


# --------------------------------------------------------------------------- boot

def _new_outdir(mode: str) -> str:
    os.makedirs(OUT_ROOT, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = os.path.join(OUT_ROOT, "%s-%s" % (stamp, mode))
    out, n = base, 1
    while os.path.exists(out):
        n += 1
        out = "%s-%d" % (base, n)
    os.makedirs(out)
    latest = os.path.join(OUT_ROOT, "latest")
    try:
        if os.path.islink(latest):
            os.unlink(latest)
        os.symlink(os.path.basename(out), latest)
    except OSError:
        pass
    return out


def _check_path(p: str) -> None:
    if re.search(r"\s", p):
        raise TestbedError("path with white space not supported by the testbed: %r" % p)


def make_data_disk(path: str, size_mb: int = 32, files: dict = None) -> str:
    """A sparse raw image with an ext4 file system (journal on, as on a device's
    data partition), made without root: mkfs.ext4 -d copies `files` ({relative
    path: bytes}) in, owned by root, mode 0600."""
    import tempfile
    mkfs = shutil.which("mkfs.ext4") or "/usr/sbin/mkfs.ext4"
    if not os.path.exists(mkfs):
        raise TestbedError("mkfs.ext4 not found (package e2fsprogs)")
    with open(path, "wb") as f:
        f.truncate(size_mb << 20)
    with tempfile.TemporaryDirectory() as root:
        for rel, data in (files or {}).items():
            dst = os.path.join(root, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
            os.chmod(dst, 0o600)
        subprocess.run([mkfs, "-q", "-F", "-L", DATA_SERIAL, "-d", root, path], check=True,
                       timeout=120)
    return path


def qemu_command(paths: dict, outdir: str, drives=(), memory: int = 1024,
                 smp: int = 2, data_disk: str = None) -> list:
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        raise TestbedError("qemu-system-x86_64 not found (package qemu-system-x86; "
                           "run: testbed.py setup)")
    for key in ("vmlinuz", "initramfs"):
        if not os.path.exists(paths[key]):
            raise TestbedError("%s missing: %s (run: testbed.py setup)" % (key, paths[key]))
    for p in (REPO, outdir, paths["modules"]):
        _check_path(p)
    append = " ".join([
        "console=ttyS0", "panic=-1", "oops=panic", "quiet", "loglevel=4",
        "wispd.init=" + os.path.join(GUEST_DIR, "init2.sh"),
        "wispd.results=" + outdir,
        "wispd.modules=" + paths["modules"],
    ] + (["wispd.data=" + DATA_MOUNT] if data_disk else []))
    cmd = [qemu, "-accel", "tcg", "-smp", str(smp), "-m", "%dM" % memory,
           "-nographic", "-no-reboot", "-nic", "none",
           "-kernel", paths["vmlinuz"], "-initrd", paths["initramfs"], "-append", append,
           "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,"
                      "readonly=on,multidevs=remap",
           "-virtfs", "local,path=%s,mount_tag=results,security_model=none,"
                      "multidevs=remap" % outdir]
    for d in drives:
        _check_path(os.path.abspath(d))
        cmd += ["-drive", "file=%s,format=raw,if=virtio" % os.path.abspath(d)]
    if data_disk:
        _check_path(os.path.abspath(data_disk))
        # cache=unsafe: a write the guest saw complete has been handed to the
        # host kernel, so it survives a SIGKILL of qemu (the host stays up) in
        # every cache mode; what dies with qemu is the guest's page cache and the
        # requests it had not issued. That is what reached the disk and what did
        # not. The guest still sees a write-back cache and sends its flushes, as
        # on an SD card; `unsafe` only skips the host fdatasync behind each one,
        # which guards against a host crash we do not simulate, and would make
        # every guest fsync cost a sync of the host's disk.
        cmd += ["-drive", "file=%s,format=raw,if=none,id=data,cache=unsafe"
                % os.path.abspath(data_disk),
                "-device", "virtio-blk-pci,drive=data,serial=%s" % DATA_SERIAL]
    return cmd


def _write_job(outdir: str, body: str, guest_timeout: float) -> None:
    """The guest's stage 2 init runs job.sh from the results share."""
    env = ["export %s=%s" % (k, shlex.quote(v)) for k, v in sorted(os.environ.items())
           if k.startswith("WISPD_") and k != "WISPD_TESTBED_CACHE"]
    with open(os.path.join(outdir, "job.sh"), "w") as f:
        f.write("# written by tests/hwsim/testbed.py\n")
        f.write("export WISPD_REPO=%s WISPD_RESULTS=%s WISPD_HWSIM_LOGDIR=%s\n"
                % (REPO, outdir, os.path.join(outdir, "logs")))
        f.write("export WISPD_GUEST_TIMEOUT=%d\n" % int(guest_timeout))
        f.write("\n".join(env) + "\n")
        f.write("cd %s\n" % shlex.quote(REPO))
        f.write(body + "\n")


def _tail(path: str, n: int = 80) -> str:
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no console log)"
    return "\n".join(lines[-n:])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _vm_slot(deadline: float):
    """TCG VMs on a small machine slow each other down until hostapd's 100 ms
    EAPOL timeouts fire; take one of nproc//2 machine-wide slots (flock)
    before booting, first come first served through a ticket directory.
    $WISPD_TESTBED_SLOTS overrides the count."""
    import fcntl
    slots = int(os.environ.get("WISPD_TESTBED_SLOTS") or max(1, (os.cpu_count() or 2) // 2))
    qdir = os.path.join(cache_dir(), "vm-queue")
    os.makedirs(qdir, exist_ok=True)
    ticket = "%020d-%d" % (time.time_ns(), os.getpid())
    open(os.path.join(qdir, ticket), "w").close()
    said = False
    try:
        while True:
            ahead = 0
            for t in sorted(os.listdir(qdir)):
                if t >= ticket:
                    break
                pid = t.rsplit("-", 1)[-1]
                if pid.isdigit() and _pid_alive(int(pid)):
                    ahead += 1
                else:
                    try:
                        os.unlink(os.path.join(qdir, t))    # its owner is gone
                    except OSError:
                        pass
            for i in range(slots if ahead < slots else 0):
                f = open(os.path.join(cache_dir(), "vm-slot-%d.lock" % i), "a+")
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    f.close()
                    continue
                f.seek(0)
                f.truncate()
                f.write("%d\n" % os.getpid())
                f.flush()
                return f
            if time.monotonic() > deadline:
                raise TestbedError("no free VM slot (other testbed VMs running) before the "
                                   "deadline; see %s/vm-slot-*.lock" % cache_dir())
            if not said:
                log("waiting for a free VM slot (%d slot(s), %d run(s) queued ahead)"
                    % (slots, ahead))
                said = True
            time.sleep(0.5)
    finally:
        try:
            os.unlink(os.path.join(qdir, ticket))
        except OSError:
            pass


@contextlib.contextmanager
def vm_slot(wait: float = 1800):
    """Hold a VM slot across several boots (a multi-boot run such as the power
    loss rounds): other runs then queue behind the whole batch, not between its
    boots. Pass slot_held=True to boot() inside."""
    slot = _vm_slot(time.monotonic() + wait)
    try:
        yield
    finally:
        slot.close()


def _byte_compile() -> None:
    """Compile the project's modules on the host first.  The guest's root is a
    read-only share under a tmpfs overlay, so without this every boot compiles
    them again under TCG, and the first daemon start of a boot is many times
    slower than the rest (fresh clones in CI have no .pyc at all)."""
    dirs = [os.path.join(REPO, d) for d in ("firmware", "tests/hwsim", "bench")]
    subprocess.run([venv_python(), "-m", "compileall", "-q"] + [d for d in dirs
                                                               if os.path.isdir(d)],
                   stdout=subprocess.DEVNULL, check=False, timeout=300)


def boot(job: str, mode: str, timeout: float = DEFAULT_TIMEOUT, drives=(),
         interactive: bool = False, echo: bool = True, memory: int = 1024,
         install: bool = True, data_disk: str = None, power_cut=None,
         outdir: str = None, slot_held: bool = False):
    """Boot the VM, run `job` (shell text) in the guest, return its exit code.

    data_disk: a raw ext4 image, mounted on /data in the guest.
    power_cut: called while the guest runs, after it is up; it returns how many
    seconds until it wants to be asked again, or True to have qemu SIGKILLed
    right away (power loss). boot() then returns None instead of an exit code.
    outdir: results directory (default: a new one under tests/hwsim/out/).
    slot_held: the caller holds a VM slot already (vm_slot()).

    Raises TestbedError when the guest never reports an exit code: boot failure,
    panic, hang past `timeout` (the VM is killed; the console log tail is printed).
    """
    try:
        paths = setup(install=install)
    except subprocess.CalledProcessError as e:
        raise TestbedError("setup failed: %s" % e)
    if outdir is None:
        outdir = _new_outdir(mode)
    os.makedirs(os.path.join(outdir, "logs"), exist_ok=True)
    _byte_compile()
    # The guest gives up well before the host kills it, so it can still
    # report where it hung and write its exit code (its clock lags under load).
    _write_job(outdir, job, max(30, int(timeout * 0.85) - 15))
    cmd = qemu_command(paths, outdir, drives, memory=memory, data_disk=data_disk)
    console = os.path.join(outdir, "console.log")
    with open(os.path.join(outdir, "qemu-cmd.txt"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
    # Humans in a shell do not hold a slot; waiting does not eat the run's timeout.
    wait = float(os.environ.get("WISPD_TESTBED_SLOT_WAIT") or max(timeout, 1800))
    slot = None if interactive or slot_held else _vm_slot(time.monotonic() + wait)
    log("booting kernel %s; results in %s" % (paths["version"], outdir))
    start = time.monotonic()
    try:
        if interactive:
            status = _boot_interactive(cmd, console, timeout)
        else:
            status = _boot_captured(cmd, console, timeout, echo, power_cut)
    finally:
        if slot is not None:
            slot.close()
    elapsed = time.monotonic() - start
    if status == POWER_CUT:
        log("power cut: qemu SIGKILLed after %.1f s wall time (results: %s)"
            % (elapsed, outdir))
        return None
    rc_file = os.path.join(outdir, "rc")
    rc = None
    if os.path.exists(rc_file):
        with open(rc_file) as f:
            txt = f.read().strip()
        if txt.lstrip("-").isdigit():
            rc = int(txt)
    if rc is None:
        sys.stdout.flush()
        sys.stderr.write("\n==== testbed: guest console (last lines of %s) ====\n%s\n"
                         "==== end of console ====\n" % (console, _tail(console)))
        raise TestbedError("guest did not finish (%s) after %.0f s; console log kept at %s"
                           % (status, elapsed, console))
    if rc == 124 and mode != "shell":
        sys.stdout.flush()
        sys.stderr.write("\n==== testbed: guest job TIMED OUT; console (last lines of %s) ====\n"
                         "%s\n==== end of console ====\n" % (console, _tail(console)))
    log("guest exit code %d after %.1f s wall time (results: %s)" % (rc, elapsed, outdir))
    return rc


POWER_CUT = "power cut"


def _boot_captured(cmd: list, console: str, timeout: float, echo: bool,
                   power_cut=None) -> str:
    """Run qemu with its serial console piped to us; kill it at the deadline,
    or when power_cut (see boot()) says so."""
    deadline = time.monotonic() + timeout
    boot_deadline = time.monotonic() + BOOT_TIMEOUT
    up = False
    status = "qemu exited"
    with open(console, "wb") as logf:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        fd = proc.stdout.fileno()
        partial = b""
        try:
            while True:
                now = time.monotonic()
                if now > deadline:
                    status = "timeout after %.0f s" % timeout
                    break
                if not up and now > boot_deadline:
                    status = "guest did not come up within %d s" % BOOT_TIMEOUT
                    break
                wait = 1.0
                if power_cut is not None and up:
                    due = power_cut()
                    if due is True:
                        proc.kill()             # SIGKILL: no flush, no shutdown
                        status = POWER_CUT
                        _drain(fd, logf)
                        break
                    wait = max(0.0, min(wait, due))
                r, _, _ = select.select([fd], [], [], wait)
                if not r:
                    continue
                data = os.read(fd, 65536)
                if not data:
                    break
                logf.write(data)
                logf.flush()
                if echo:
                    sys.stdout.buffer.write(data)
                    sys.stdout.flush()
                if not up:
                    partial = (partial + data)[-4096:]
                    if MARK_UP.encode() in partial:
                        up = True
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    return status


def _drain(fd: int, logf) -> None:
    """After a power cut: keep what qemu had written to the console already."""
    while True:
        r, _, _ = select.select([fd], [], [], 5.0)
        data = os.read(fd, 65536) if r else b""
        if not data:
            return
        logf.write(data)


def _boot_interactive(cmd: list, console: str, timeout: float) -> str:
    """qemu owns the terminal (Ctrl-A X quits); console also logged via -serial chardev."""
    log("interactive shell: type `exit` (powers the VM off) or Ctrl-A X to leave")
    icmd = [c for c in cmd if c != "-nographic"]
    icmd += ["-display", "none", "-chardev",
             "stdio,id=con0,mux=on,signal=off,logfile=%s" % console,
             "-serial", "chardev:con0", "-mon", "chardev=con0,mode=readline"]
    proc = subprocess.Popen(icmd)
    try:
        proc.wait(timeout=timeout)
        return "qemu exited"
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "timeout after %.0f s" % timeout
    finally:
        subprocess.run(["stty", "sane"], stderr=subprocess.DEVNULL)


# --------------------------------------------------------------------------- modes

def _guest_timeout_prefix() -> str:
    # coreutils timeout, so a hung job still lets the guest report and power off
    # SIGINT first: pytest then prints where it was stuck before exiting.
    return 'timeout -s INT -k 15 "$WISPD_GUEST_TIMEOUT"'


def guest_command(argv) -> str:
    """Job text for boot(): run argv in the guest under the guest-side timeout."""
    return "%s %s" % (_guest_timeout_prefix(), " ".join(shlex.quote(a) for a in argv))


def run_pytest(pytest_args=(), timeout: float = DEFAULT_TIMEOUT, drives=(),
               echo: bool = True, data_disk: str = None) -> int:
    py = venv_python()
    if not os.path.exists(py):
        raise TestbedError("%s missing: create the venv first (make venv)" % py)
    # Explicit test paths replace the default "tests/hwsim".
    explicit = any(not a.startswith("-") and os.path.exists(
        os.path.join(REPO, a.split("::")[0])) for a in pytest_args)
    args = ([] if explicit else ["tests/hwsim"]) + ["-p", "no:cacheprovider", "-o", "timeout=180", "--color=no",
            "--junitxml=$WISPD_RESULTS/junit.xml", "-o", "junit_family=xunit2"]
    argtxt = " ".join(a if a.startswith("--junitxml") else shlex.quote(a) for a in args)
    argtxt += "".join(" " + shlex.quote(a) for a in pytest_args)
    job = "%s %s -m pytest %s" % (_guest_timeout_prefix(), shlex.quote(py), argtxt)
    return boot(job, "pytest", timeout=timeout, drives=drives, echo=echo, data_disk=data_disk)


def run_script(path: str, args=(), timeout: float = DEFAULT_TIMEOUT, drives=(),
               echo: bool = True, data_disk: str = None) -> int:
    """Boot and run a guest script (shell, python or any executable) from the host
    file system. Its stdout streams to our stdout; returns its exit code."""
    path = os.path.abspath(path)
    if not os.path.exists(path):
        raise TestbedError("script not found: %s" % path)
    _check_path(path)
    if path.endswith(".py"):
        runner = [venv_python(), path]
    elif os.access(path, os.X_OK):
        runner = [path]
    else:
        runner = ["sh", path]
    return boot(guest_command(runner + list(args)), "script", timeout=timeout, drives=drives,
                echo=echo, data_disk=data_disk)


def run_shell(timeout: float = 4 * 3600, drives=(), data_disk: str = None) -> int:
    job = "%s %s" % (shlex.quote(venv_python()),
                     shlex.quote(os.path.join(GUEST_DIR, "shell_setup.py")))
    job += ("\nsetsid -c bash --rcfile /run/wispd-hwsim/shellrc -i"
            " </dev/ttyS0 >/dev/ttyS0 2>&1")
    if not sys.stdin.isatty():
        raise TestbedError("shell mode needs a terminal")
    return boot(job, "shell", timeout=timeout, drives=drives, interactive=True,
                data_disk=data_disk)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    def common(parser, suppress):
        parser.add_argument(
            "--timeout", type=float,
            default=argparse.SUPPRESS if suppress else float(
                os.environ.get("WISPD_TESTBED_TIMEOUT", DEFAULT_TIMEOUT)),
            help="overall deadline in seconds (default %d or $WISPD_TESTBED_TIMEOUT)"
                 % DEFAULT_TIMEOUT)
        parser.add_argument("--drive", action="append",
                            default=argparse.SUPPRESS if suppress else [],
                            help="extra raw disk image for the guest (virtio, /dev/vdX)")
        parser.add_argument("--data-disk", default=argparse.SUPPRESS if suppress else None,
                            metavar="IMAGE",
                            help="raw ext4 image the guest mounts on %s (a data partition)"
                                 % DATA_MOUNT)
        return parser

    ap = common(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]), False)
    sub = ap.add_subparsers(dest="mode", required=True)
    common(sub.add_parser("setup", help="install packages, cache kernel and initramfs"), True)
    common(sub.add_parser("run", help="run the hwsim pytest suite in one boot"), True)
    common(sub.add_parser("shell", help="interactive shell with radios and a WPA2 AP up"), True)
    sp = common(sub.add_parser("script", help="run a guest script"), True)
    sp.add_argument("path")
    sp.add_argument("args", nargs=argparse.REMAINDER)
    ns = ap.parse_args(argv)
    try:
        if ns.mode == "setup":
            p = setup()
            log("ready: kernel %s, initramfs %s" % (p["version"], p["initramfs"]))
            return 0
        if ns.mode == "run":
            return run_pytest(extra, timeout=ns.timeout, drives=ns.drive,
                              data_disk=ns.data_disk)
        if ns.mode == "shell":
            return run_shell(drives=ns.drive, data_disk=ns.data_disk)
        if ns.mode == "script":
            return run_script(ns.path, list(ns.args) + extra, timeout=ns.timeout,
                              drives=ns.drive, data_disk=ns.data_disk)
    except TestbedError as e:
        log("ERROR: %s" % e)
        return 2
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        log("ERROR: testbed step failed: %s" % e)
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
