"""A 32-bit (i386) Debian root for running wispd under a 32-bit Python.

Why: the wext ioctl structures (iwreq, iw_point, iw_event) have different
layouts on 32-bit and 64-bit ABIs.  Unit fixtures only prove that wispd packs
both layouts the way it believes they look; running wispd from an i386 Python
against the testbed's amd64 kernel makes the kernel's compat ioctl path judge
the 32-bit layout for real.

Host side (`testbed.py setup` calls ensure()): debootstrap a bookworm i386
minbase with python3 into the testbed cache, once.  Guest side (the hwsim test
calls enter_prefix()): bind-mount /proc, /sys, /dev, /run and the repository
into that root and return the command prefix that runs an i386 python3 there.
pyroute2 is pure Python, so the root uses the venv's copy through PYTHONPATH.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
INCLUDE = "python3-minimal,libpython3.11-stdlib"


def cache_dir() -> str:
    return os.environ.get("WISPD_TESTBED_CACHE") or "/var/cache/wispd-testbed"


def root_dir() -> str:
    return os.path.join(cache_dir(), "i386-root")


def _complete() -> str:
    return os.path.join(root_dir(), ".complete")


def ready() -> bool:
    return os.path.exists(_complete())


def _log(msg: str) -> None:
    sys.stderr.write("i386root: %s\n" % msg)
    sys.stderr.flush()


def ensure(timeout: float = 1800) -> str:
    """Create the i386 root if it is not cached yet; returns its path."""
    root = root_dir()
    if ready():
        return root
    if shutil.which("debootstrap") is None:
        _log("installing debootstrap")
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "debootstrap"],
                       check=True, timeout=900,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if os.path.exists(root):
        shutil.rmtree(root)           # a half-made root from an interrupted run
    os.makedirs(root)
    _log("debootstrap %s i386 into %s (one-time, a few minutes)" % (SUITE, root))
    subprocess.run(["debootstrap", "--arch=i386", "--variant=minbase",
                    "--include=" + INCLUDE, SUITE, root, MIRROR],
                   check=True, timeout=timeout, stdout=subprocess.DEVNULL)
    out = subprocess.run(["chroot", root, "/usr/bin/python3", "-c",
                          "import struct, sys; print(struct.calcsize('P'), sys.version_info[:2])"],
                         check=True, stdout=subprocess.PIPE, text=True, timeout=120).stdout
    if not out.startswith("4 "):
        raise RuntimeError("i386 root python is not 32-bit: %r" % out)
    with open(_complete(), "w") as f:
        f.write(out)
    _log("ready: %s" % out.strip())
    return root


def _site_packages(venv_python: str) -> str:
    return subprocess.run([venv_python, "-c", "import pyroute2, os; "
                           "print(os.path.dirname(os.path.dirname(pyroute2.__file__)))"],
                          check=True, stdout=subprocess.PIPE, text=True).stdout.strip()


def enter_prefix(repo: str, venv_python: str) -> list:
    """Guest side: mount what the root needs and return the argv prefix that
    runs the i386 python3 with wispd importable (append '-m', 'wispd', ...)."""
    root = root_dir()
    if not ready():
        raise RuntimeError("no i386 root at %s: run `testbed.py setup` on the host" % root)
    site = _site_packages(venv_python)
    for path in ("/proc", "/sys", "/dev", "/run", repo, site):
        target = root + path
        if os.path.ismount(target):
            continue
        os.makedirs(target, exist_ok=True)
        subprocess.run(["mount", "--bind", path, target], check=True)
    pythonpath = os.path.join(repo, "firmware") + ":" + site
    return ["chroot", root, "/usr/bin/env", "PYTHONPATH=" + pythonpath,
            "/usr/bin/python3"]


if __name__ == "__main__":
    print(ensure())
