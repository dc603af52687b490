"""One daemon per interface: a flock()ed file per interface under the run dir.

A second wispd on an interface that one already runs would fight the first
over scans, associations and keys, and a careless exit could unlink the first
one's sockets.  So before it touches anything (provisioning, config, sockets,
the driver), main() claims each interface here and refuses to start when
another process holds the claim.

Why a lock file with flock() and not the control sockets' liveness probe:
the claim must not depend on control paths (a second daemon may be given
another -C or --control), the kernel drops an flock when its holder dies,
even by kill -9, so a lock file left behind is never stale, and /run/wispd is
root's, so no unprivileged user can squat the name (an abstract socket could
be bound by anyone first).  The file carries the holder's pid, only so the
refusal can name it.  Names are per network namespace but /run usually is not;
two namespaces with the same interface name need their own /run.
"""

import errno
import fcntl
import os

DEFAULT_DIR = "/run/wispd"


class InUse(Exception):
    """Another process holds the interface."""

    def __init__(self, ifname, path, pid):
        self.ifname = ifname
        self.path = path
        self.pid = pid
        who = "pid %d" % pid if pid else "another process"
        super().__init__("%s is in use by %s (lock %s held); not starting a second "
                         "supplicant on it" % (ifname, who, path))


class InterfaceLock:
    __slots__ = ("ifname", "path", "fd")

    def __init__(self, ifname, directory=DEFAULT_DIR):
        self.ifname = ifname
        self.path = os.path.join(directory, "%s.lock" % ifname)
        self.fd = None

    def acquire(self):
        """Take the claim or raise InUse; OSError when the dir is unusable."""
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o755, exist_ok=True)
        # O_CREAT without O_TRUNC: the holder's pid must survive our open.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = _read_pid(fd)
            os.close(fd)
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise InUse(self.ifname, self.path, holder) from None
            raise
        self.fd = fd
        self.write_pid()

    def write_pid(self):
        """Also after daemonize(): the fork changed our pid, the lock stays."""
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, b"%d\n" % os.getpid(), 0)

    def release(self):
        # The file stays: unlinking it would let a third daemon lock a new
        # inode while a second one still waits on the old one.
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _read_pid(fd):
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdecimal() else None
    except OSError:
        return None


def claim(ifnames, directory=None, log=None, only_existing=True):
    """Lock every interface or none; InUse propagates.  A run dir we cannot
    use (not root, read-only /run) is not fatal: the daemon runs unlocked with
    a warning, as it does without its default compact socket.  A name with no
    kernel interface behind it is not locked (only_existing): no driver can
    touch it, so there is nothing to protect, and the unit tests' fake driver
    runs many daemons on "fake0" at once."""
    directory = directory or DEFAULT_DIR
    held = []
    try:
        for name in ifnames:
            if only_existing and not os.path.exists("/sys/class/net/%s" % name):
                continue
            lock = InterfaceLock(name, directory)
            try:
                lock.acquire()
            except OSError as e:
                if log is not None:
                    log.warning("%s: interface lock %s not taken: %s", name, lock.path, e)
                continue
            held.append(lock)
    except BaseException:
        for lock in held:
            lock.release()
        raise
    return held
