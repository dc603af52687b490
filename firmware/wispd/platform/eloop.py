"""The event loop: the one place where wispd blocks.

A Python twin of hostap's eloop: sockets watched with select.poll, timeouts in a
heap on the monotonic clock, and signals delivered inside the loop through
signal.set_wakeup_fd.  There are no threads and no periodic ticks: with nothing to
do, run() sleeps in poll() until a socket, a timeout or a signal needs it.

Handlers may register and unregister sockets and timeouts while the loop is
dispatching.  A handler that raises is logged with its traceback and the loop
goes on, because one bad frame or one bad client must never stop the daemon.
"""

import errno
import heapq
import logging
import os
import select
import signal
import time

log = logging.getLogger("wispd.eloop")

ALL = object()
"""Wildcard for cancel_timeout / is_timeout_registered arguments."""

_POLL_READ = select.POLLIN | select.POLLPRI
_POLL_WRITE = select.POLLOUT
_POLL_ERROR = select.POLLERR | select.POLLHUP | select.POLLNVAL


def _fileno(fileobj):
    return fileobj if isinstance(fileobj, int) else fileobj.fileno()


class Timeout:
    """One registered timeout.  Ordered by deadline, then by registration order,
    so that two timeouts due at the same instant run in the order they were set."""

    __slots__ = ("deadline", "seq", "handler", "args", "cancelled")

    def __init__(self, deadline, seq, handler, args):
        self.deadline = deadline
        self.seq = seq
        self.handler = handler
        self.args = args
        self.cancelled = False

    def __lt__(self, other):
        return (self.deadline, self.seq) < (other.deadline, other.seq)

    def matches(self, handler, args):
        if handler is not ALL and handler != self.handler:
            return False
        # No args (or a lone ALL) means every timeout of that handler: callers
        # write cancel_timeout(self._scan_timer) for a timer set with arguments.
        if not args or args == (ALL,):
            return True
        if len(args) != len(self.args):
            return False
        return all(a is ALL or a == b for a, b in zip(args, self.args))


class Eloop:
    def __init__(self, clock=time.monotonic):
        self.now = clock
        self._poll = select.poll()
        # fd -> [fileobj, handler, args] for each kind of watch
        self._readers = {}
        self._writers = {}
        self._excepts = {}
        self._timeouts = []
        self._seq = 0
        self._signals = {}
        self._old_signal_handlers = {}
        self._wakeup_r = None
        self._wakeup_w = None
        self._old_wakeup_fd = None
        self._running = False
        self.terminated = False

    # sockets ---------------------------------------------------------------
    def _update_mask(self, fd):
        mask = 0
        if fd in self._readers:
            mask |= _POLL_READ
        if fd in self._writers:
            mask |= _POLL_WRITE
        if fd in self._excepts:
            mask |= select.POLLPRI
        if mask:
            self._poll.register(fd, mask)
        else:
            try:
                self._poll.unregister(fd)
            except KeyError:
                pass

    def _register(self, table, fileobj, handler, args):
        fd = _fileno(fileobj)
        table[fd] = (fileobj, handler, args)
        self._update_mask(fd)

    def _unregister(self, table, fileobj):
        fd = _fileno(fileobj)
        if table.pop(fd, None) is not None:
            self._update_mask(fd)

    def register_read(self, fileobj, handler, *args):
        self._register(self._readers, fileobj, handler, args)

    def unregister_read(self, fileobj):
        self._unregister(self._readers, fileobj)

    def register_write(self, fileobj, handler, *args):
        self._register(self._writers, fileobj, handler, args)

    def unregister_write(self, fileobj):
        self._unregister(self._writers, fileobj)

    def register_except(self, fileobj, handler, *args):
        self._register(self._excepts, fileobj, handler, args)

    def unregister_except(self, fileobj):
        self._unregister(self._excepts, fileobj)

    def unregister_all(self, fileobj):
        for table in (self._readers, self._writers, self._excepts):
            self._unregister(table, fileobj)

    # timeouts --------------------------------------------------------------
    def register_timeout(self, seconds, handler, *args):
        self._seq += 1
        t = Timeout(self.now() + max(0.0, seconds), self._seq, handler, args)
        heapq.heappush(self._timeouts, t)
        return t

    def _live(self, handler, args):
        return [t for t in self._timeouts if not t.cancelled and t.matches(handler, args)]

    def cancel_timeout(self, handler, *args):
        """Cancel every timeout of handler with these args (ALL matches anything;
        cancel_timeout(handler) or (handler, ALL) cancels all of handler's).
        Returns the count."""
        found = self._live(handler, args)
        for t in found:
            t.cancelled = True
        if found:
            self._timeouts = [t for t in self._timeouts if not t.cancelled]
            heapq.heapify(self._timeouts)
        return len(found)

    def is_timeout_registered(self, handler, *args):
        return bool(self._live(handler, args))

    def remaining(self, handler, *args):
        """Seconds until the first matching timeout, or None."""
        found = self._live(handler, args)
        if not found:
            return None
        return max(0.0, min(t.deadline for t in found) - self.now())

    def deplete_timeout(self, seconds, handler, *args):
        """Bring a registered timeout forward to `seconds` if it is due later.
        Returns 1 if moved, 0 if already sooner, -1 if not registered."""
        left = self.remaining(handler, *args)
        if left is None:
            return -1
        if left <= seconds:
            return 0
        self.cancel_timeout(handler, *args)
        self.register_timeout(seconds, handler, *args)
        return 1

    def replenish_timeout(self, seconds, handler, *args):
        """Push a registered timeout back to `seconds` if it is due sooner."""
        left = self.remaining(handler, *args)
        if left is None:
            return -1
        if left >= seconds:
            return 0
        self.cancel_timeout(handler, *args)
        self.register_timeout(seconds, handler, *args)
        return 1

    # signals ---------------------------------------------------------------
    def register_signal(self, signum, handler):
        if self._wakeup_r is None:
            self._wakeup_r, self._wakeup_w = os.pipe()
            os.set_blocking(self._wakeup_r, False)
            os.set_blocking(self._wakeup_w, False)
            self._old_wakeup_fd = signal.set_wakeup_fd(self._wakeup_w, warn_on_full_buffer=False)
            self.register_read(self._wakeup_r, self._drain_signals)
        self._signals[signum] = handler
        # The Python-level handler does nothing: the wakeup fd carries the
        # signal number into the loop, where it is handled at a safe point.
        self._old_signal_handlers.setdefault(signum, signal.getsignal(signum))
        signal.signal(signum, lambda *_: None)

    def _drain_signals(self, fd):
        try:
            data = os.read(fd, 512)
        except BlockingIOError:
            return
        for signum in data:
            handler = self._signals.get(signum)
            if handler is not None:
                self._call(handler, (signum,))

    def close(self):
        """Give the signals and the wakeup fd back (for tests and clean exit)."""
        for signum, old in self._old_signal_handlers.items():
            try:
                signal.signal(signum, old)
            except (TypeError, ValueError):
                pass
        self._old_signal_handlers.clear()
        self._signals.clear()
        if self._wakeup_r is not None:
            signal.set_wakeup_fd(self._old_wakeup_fd if self._old_wakeup_fd is not None else -1)
            self.unregister_read(self._wakeup_r)
            os.close(self._wakeup_r)
            os.close(self._wakeup_w)
            self._wakeup_r = self._wakeup_w = None

    # running ---------------------------------------------------------------
    def _call(self, handler, args):
        try:
            handler(*args)
        except Exception:
            log.exception("eloop: handler %r failed", handler)

    def terminate(self):
        self.terminated = True

    def _next_wait_ms(self):
        while self._timeouts and self._timeouts[0].cancelled:
            heapq.heappop(self._timeouts)
        if not self._timeouts:
            return None
        delay = self._timeouts[0].deadline - self.now()
        # Round up: waking a hair early would only spin once more.
        return max(0, int(delay * 1000 + 0.999))

    def _run_due_timeouts(self):
        now = self.now()
        while self._timeouts and self._timeouts[0].deadline <= now:
            t = heapq.heappop(self._timeouts)
            if not t.cancelled:
                t.cancelled = True
                self._call(t.handler, t.args)

    def run_once(self, max_wait=None):
        """One poll and dispatch.  max_wait (seconds) bounds the wait for tests."""
        wait = self._next_wait_ms()
        if max_wait is not None:
            cap = int(max_wait * 1000)
            wait = cap if wait is None else min(wait, cap)
        if not self._readers and not self._writers and not self._excepts and wait is None:
            self.terminated = True
            return
        try:
            ready = self._poll.poll(wait)
        except InterruptedError:
            ready = []
        except OSError as e:
            if e.errno != errno.EINTR:
                raise
            ready = []
        # A handler may unregister a later fd of this same batch: look each one
        # up again right before its dispatch so that a closed socket is not
        # handed to its old handler (the seed's "changed" rule).
        for fd, mask in ready:
            if mask & (_POLL_READ | _POLL_ERROR):
                entry = self._readers.get(fd)
                if entry is not None:
                    self._call(entry[1], (entry[0],) + entry[2])
                elif mask & _POLL_ERROR and fd not in self._writers and fd not in self._excepts:
                    # Nobody wants it any more; stop poll() reporting it forever.
                    self._update_mask(fd)
            if mask & (_POLL_WRITE | _POLL_ERROR):
                entry = self._writers.get(fd)
                if entry is not None:
                    self._call(entry[1], (entry[0],) + entry[2])
            if mask & select.POLLPRI:
                entry = self._excepts.get(fd)
                if entry is not None:
                    self._call(entry[1], (entry[0],) + entry[2])
        self._run_due_timeouts()

    def run(self):
        self.terminated = False
        while not self.terminated:
            self.run_once()
