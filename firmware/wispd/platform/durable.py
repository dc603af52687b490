"""Durable file writes: a file replaced so that a power cut at any point leaves
the old file or the new one, whole, and clean-up of the temp files that an
interrupted write leaves behind.

Used for every file wispd keeps across boots (the config, the provisioning
records, the recent-frequency store); it knows nothing of what they hold.
"""

import logging
import os

log = logging.getLogger("wispd.durable")


def fsync_dir(directory):
    """Make a rename or unlink in `directory` durable (a power cut after this
    cannot bring the old name back)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirSyncError(OSError):
    """write_atomic: the new file is complete and in place, but the directory
    fsync failed, so a power cut could still bring the old name back."""


_boot_tag = None


def _this_boot():
    """8 hex digits naming this boot (the kernel's random boot_id). Temp file
    names carry it: pids repeat from boot to boot on a device with a fixed
    start-up order, so a pid alone cannot tell a live writer from a power cut."""
    global _boot_tag
    if _boot_tag is None:
        try:
            with open("/proc/sys/kernel/random/boot_id") as f:
                _boot_tag = f.read().strip().replace("-", "")[:8] or "0"
        except OSError:
            _boot_tag = "0"
    return _boot_tag


def temp_path(path):
    """Where write_atomic stages `path`: hidden, beside it (same file system, so
    the rename is atomic), named by our pid and this boot."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, ".%s.tmp%d-%s" % (name, os.getpid(), _this_boot()))


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                 # exists, owned by someone else
    return True


def remove_stale_temps(path):
    """Delete the temp files an interrupted write_atomic left beside `path`; a
    power cut (or kill -9) between creating and renaming one leaves it behind
    for good, holding a copy of the secrets. Stale: written in an earlier boot,
    or by a process of this boot that is gone (or by us). A live process's temp
    is another writer at work and stays. Called by each owner of a file when it
    starts (the daemon for its config, provisioning, the recent-frequency
    store); returns the names removed."""
    directory, name = os.path.split(os.path.abspath(path))
    prefix = ".%s.tmp" % name
    try:
        entries = [e for e in os.listdir(directory) if e.startswith(prefix)]
    except OSError:
        return []
    removed = []
    for entry in entries:
        pid, _, boot = entry[len(prefix):].partition("-")
        if (boot == _this_boot() and pid.isdecimal() and int(pid) != os.getpid()
                and _pid_alive(int(pid))):
            continue
        try:
            os.unlink(os.path.join(directory, entry))
            removed.append(entry)
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("cannot remove stale temp file %s: %s", entry, e.strerror or e)
    if removed:
        log.warning("%s: removed %s left by an interrupted save (power loss or kill)",
                    path, ", ".join(removed))
        try:
            fsync_dir(directory)
        except OSError:
            pass                    # harmless: at worst the next start removes them again
    return removed


def write_atomic(path, data, mode=0o600):
    """Replace the file with `data` so that a power cut at any point leaves the
    old file or the new one, whole: temp file beside it, fsync, rename over the
    target, fsync the directory. The rename must come after the file's fsync (a
    file system may commit the rename first, leaving an empty or torn file under
    the name), and only the directory fsync makes the rename itself stick.

    Raises OSError; before the rename the old file is untouched and the temp
    file is gone. DirSyncError: the new file is in place but the directory
    fsync failed."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = temp_path(path)
    fd = -1
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        except FileExistsError:
            # Left over by an earlier process with our pid that died mid-save.
            os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        # The file may hold secrets: `mode` regardless of umask, before any byte lands.
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        fsync_dir(directory)
    except OSError as e:
        raise DirSyncError(e.errno, e.strerror) from None
