"""Guest-side helpers for the hwsim suite: radios, hostapd, stations, data path.

These run inside the testbed VM (as root, with mac80211_hwsim available); see
tests/hwsim/README.md. Nothing here is imported by wispd itself.
"""
import os

# Per-run scratch space for config files and control sockets. Not /tmp: that
# is fine inside the guest, but /run keeps the names short for AF_UNIX paths.
RUN_DIR = "/run/wispd-hwsim"


def log_dir() -> str:
    """Where fixtures keep logs; the runner points this at the results share."""
    d = os.environ.get("WISPD_HWSIM_LOGDIR") or os.path.join(RUN_DIR, "logs")
    os.makedirs(d, exist_ok=True)
    return d


def repo_root() -> str:
    return os.environ.get("WISPD_REPO") or os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tail(path: str, n: int = 60) -> str:
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    return "\n".join(lines[-n:])


def rss_kb(pid: int) -> int:
    """VmRSS of a process in kB (the soak and the stuck-monitor scenario watch it)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)
