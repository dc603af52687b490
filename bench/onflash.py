"""Put both supplicants on a local file system in the guest, as on a board's flash.

The testbed guest sees the host's root file system over 9p.  Every file an
interpreter opens at start-up (the stdlib's modules, the venv's packages) is
then a round trip to the host, and a bare `python -c pass` takes 3-4x as long
as it does from a local file system: a start-up or connect time measured that
way measures the share, not a board.  So before timing, the bench copies

- the interpreter: its binary, the libraries in its lib dir (libpython) and
  the standard library (without its test suite, IDLE, tkinter, ensurepip,
  lib2to3 and the build's config dir: nothing a daemon imports),
- wispd's runtime dependencies from the venv (the distributions wispd
  requires, per its metadata) and the wispd package itself, into that
  interpreter's site-packages (as a Buildroot image installs them),
- wpa_supplicant's binary and the shared libraries it links that the
  interpreter does not also use (libc, libm and the loader stay where they
  are for both),

onto a tmpfs, and runs everything from there.  LD_LIBRARY_PATH points each
program at its copied libraries (python's RUNPATH names the host path, which
LD_LIBRARY_PATH overrides).
"""

import os
import re
import shutil
import subprocess
import sys
import time

ROOT = "/run/wispd-flash"
# Not imported by a daemon, and large.
_STDLIB_SKIP = {"test", "site-packages", "idlelib", "tkinter", "turtledemo", "ensurepip",
                "lib2to3", "__phello__"}
# Loaded by both programs from the same place (the share): copying them for
# one only would favour it.
_SHARED_LIBS = ("libc.so", "libm.so", "ld-linux", "linux-vdso")


class Flash:
    """The copied programs: commands and environments to run them with."""

    def __init__(self, python, python_env, wpas, wpas_env, summary, wispd_script):
        self.python = python            # path of the copied interpreter
        self.wispd_script = wispd_script  # the entry-point script it runs wispd by
        self.python_env = python_env    # extra environment variables
        self.wpas = wpas
        self.wpas_env = wpas_env
        self.summary = summary          # one line: what was copied, how big

    def command(self, kind):
        if kind == "wispd":
            # The entry-point script, as an image starts wispd (/usr/bin/wispd):
            # `python -m wispd` would add runpy and importlib.util to every
            # start (~0.16 s of CPU under TCG) that a board never pays.
            return [self.python, self.wispd_script]
        return [self.wpas]

    def env(self, kind):
        return self.python_env if kind == "wispd" else self.wpas_env


def _copy_tree(src, dst, skip_top=()):
    """shutil.copytree keeping mtimes (so the copied .pyc stay valid), without
    the optimised .pyc variants and the named top-level entries."""
    def ignore(path, names):
        out = []
        for n in names:
            if path == src and n in skip_top:
                out.append(n)
            elif n.endswith((".opt-1.pyc", ".opt-2.pyc")) or n.startswith("config-3"):
                out.append(n)
        return out
    shutil.copytree(src, dst, ignore=ignore, symlinks=True, dirs_exist_ok=True)


def _du(path):
    total = 0
    for d, _dirs, files in os.walk(path):
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def _runtime_distributions(name="wispd"):
    """The distributions `name` requires at run time, with theirs, by their
    metadata.  A requirement whose marker does not hold here (another
    platform, an older Python) is not installed, and is left out as such."""
    from importlib import metadata
    seen, todo = [], [name]
    while todo:
        for req in metadata.requires(todo.pop()) or []:
            if "extra ==" in req:
                continue
            dep = re.split(r"[ ;<>=!~\[(]", req.strip(), 1)[0]
            if not dep or dep in seen:
                continue
            try:
                metadata.distribution(dep)
            except metadata.PackageNotFoundError:
                continue
            seen.append(dep)
            todo.append(dep)
    return seen


def _copy_distribution(dist_name, site_dst):
    from importlib import metadata
    dist = metadata.distribution(dist_name)
    base = str(dist.locate_file(""))
    for f in dist.files or ():
        src = os.path.join(base, str(f))
        if not os.path.isfile(src) or ".opt-" in str(f):
            continue
        dst = os.path.join(site_dst, str(f))
        if not os.path.abspath(dst).startswith(site_dst):
            continue        # entry points outside site-packages (bin/)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def _ldd(binary):
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) == 2 and parts[1].strip().startswith("/"):
            libs.append(parts[1].split()[0])
    return libs


def install(venv_python, repo, root=None, mount=True, commit=None):
    """Mount the tmpfs and copy everything; returns a Flash.  commit: copy the
    wispd package as that commit has it (git archive) instead of the working
    tree (several people share one tree: a commit is what can be reproduced)."""
    global ROOT
    ROOT = root or ROOT
    t0 = time.monotonic()
    os.makedirs(ROOT, exist_ok=True)
    if mount and not os.path.ismount(ROOT):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m,mode=0755", "tmpfs", ROOT],
                       check=True)
    real = os.path.realpath(venv_python)
    prefix = os.path.dirname(os.path.dirname(real))
    ver = "python%d.%d" % sys.version_info[:2]
    py_root = os.path.join(ROOT, "python")
    os.makedirs(os.path.join(py_root, "bin"), exist_ok=True)
    py_bin = os.path.join(py_root, "bin", os.path.basename(real))
    shutil.copy2(real, py_bin)
    os.symlink(os.path.basename(real), os.path.join(py_root, "bin", "python3"))
    lib_src = os.path.join(prefix, "lib")
    lib_dst = os.path.join(py_root, "lib")
    os.makedirs(lib_dst, exist_ok=True)
    for n in os.listdir(lib_src):
        p = os.path.join(lib_src, n)
        if n.startswith("lib") and ".so" in n:
            shutil.copy2(p, os.path.join(lib_dst, n), follow_symlinks=False)
    _copy_tree(os.path.join(lib_src, ver), os.path.join(lib_dst, ver), _STDLIB_SKIP)
    site = os.path.join(lib_dst, ver, "site-packages")
    os.makedirs(site, exist_ok=True)
    deps = _runtime_distributions()
    for dep in deps:
        _copy_distribution(dep, site)
    if commit:
        archive = subprocess.run(["git", "-C", repo, "archive", commit, "firmware/wispd"],
                                 stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["tar", "-x", "--strip-components=1", "-C", site], input=archive,
                       check=True)
        wispd_from = "wispd of %s" % subprocess.run(
            ["git", "-C", repo, "rev-parse", "--short", commit], stdout=subprocess.PIPE,
            text=True, check=True).stdout.strip()
    else:
        _copy_tree(os.path.join(repo, "firmware", "wispd"), os.path.join(site, "wispd"))
        wispd_from = "wispd of the working tree"
    # Byte-compiled, as an image ships it (the stdlib's .pyc came with it).
    subprocess.run([py_bin, "-m", "compileall", "-q", site], stdout=subprocess.DEVNULL,
                   env=dict(os.environ, LD_LIBRARY_PATH=lib_dst), check=True)
    # What pip or Buildroot installs as bin/wispd for the [project.scripts]
    # entry point; run by the copied interpreter (a shebang would name it too).
    script = os.path.join(py_root, "bin", "wispd")
    with open(script, "w") as f:
        f.write("import sys\nfrom wispd.main import main\n\n"
                "if __name__ == '__main__':\n    sys.exit(main())\n")
    py_size = _du(py_root)

    wpas_root = os.path.join(ROOT, "wpa_supplicant")
    os.makedirs(os.path.join(wpas_root, "lib"), exist_ok=True)
    src = os.path.realpath(shutil.which("wpa_supplicant") or "/sbin/wpa_supplicant")
    wpas_bin = os.path.join(wpas_root, "wpa_supplicant")
    shutil.copy2(src, wpas_bin)
    copied_libs = []
    for lib in _ldd(src):
        if any(s in os.path.basename(lib) for s in _SHARED_LIBS):
            continue
        shutil.copy2(os.path.realpath(lib), os.path.join(wpas_root, "lib",
                                                         os.path.basename(lib)))
        copied_libs.append(os.path.basename(lib))
    wpas_size = _du(wpas_root)

    flash = Flash(py_bin, {"LD_LIBRARY_PATH": lib_dst},
                  wpas_bin, {"LD_LIBRARY_PATH": os.path.join(wpas_root, "lib")},
                  "tmpfs %s: python %s (stdlib, libpython, %s, %s) %.1f MB; "
                  "wpa_supplicant + %d libs %.1f MB; copied in %.0f s" % (
                      ROOT, os.path.basename(real), "+".join(deps) or "no deps", wispd_from,
                      py_size / 1e6, len(copied_libs), wpas_size / 1e6,
                      time.monotonic() - t0),
                  script)
    check = subprocess.run([py_bin, "-c", "import sys, wispd, importlib.util as u; "
                            "print(sys.prefix, wispd.__file__, u.find_spec('pyroute2').origin)"],
                           stdout=subprocess.PIPE, text=True, check=True,
                           env=dict(os.environ, **flash.python_env), cwd="/").stdout.split()
    for path in check:
        if not path.startswith(ROOT):
            raise RuntimeError("the copied interpreter still uses %s (not on %s)"
                               % (path, ROOT))
    return flash
