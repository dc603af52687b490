"""Virtual time for core tests: an eloop on a clock that moves only when told.

    loop = VirtualEloop()                 # an Eloop on a FakeClock (or Eloop(clock=FakeClock()))
    ...build the station on `loop`...
    run_until(loop, lambda: iface.wpa_state == "COMPLETED")
    run_for(loop, 10.0)                   # ten virtual seconds, at once

The drivers never sleep and never call poll() to wait: they run every timeout
that is due and, when none is, move the clock straight to the next deadline.
Time therefore passes only as far as the code under test asks it to, and a
station schedule of minutes runs in milliseconds.  Every run is bounded (in
virtual seconds, in steps and in handler calls), so a bug that keeps
rescheduling itself fails the test instead of hanging it.

The real Eloop logs a handler's exception and goes on (a daemon must); a
VirtualEloop makes it the test's failure by default (HandlerError), since an
assertion inside an AP or driver stand-in would otherwise only be logged.

Only the Eloop's own API is used: run_once(max_wait=0) to dispatch (it polls
without waiting when a test does register a socket) and _next_wait_ms(), which
also drops cancelled timeouts from the top of the heap, before the next
deadline is read off that heap.
"""

from wispd.platform.eloop import Eloop

START = 1000.0
"""Where a FakeClock starts: not 0, so that 'never' (0.0) stays in the past."""


class FakeClock:
    """A monotonic clock for Eloop(clock=...): a float that moves when told."""

    def __init__(self, start=START):
        self.t = float(start)

    def __call__(self):
        return self.t

    def advance(self, seconds):
        if seconds < 0:
            raise ValueError("a monotonic clock does not go back (%r)" % seconds)
        self.t += seconds

    def advance_to(self, t):
        self.advance(t - self.t)


class HandlerError(AssertionError):
    """A handler dispatched by a VirtualEloop raised (the cause is chained)."""


class RunawayLoop(AssertionError):
    """More handler calls than the run allowed: something reschedules forever."""


class VirtualEloop(Eloop):
    """An Eloop on a FakeClock.  Counts its handler calls (a run's bound) and,
    with strict=True, lets a handler's exception out instead of logging it."""

    def __init__(self, clock=None, strict=True):
        self.clock = clock if clock is not None else FakeClock()
        super().__init__(clock=self.clock)
        self.strict = strict
        self.calls = 0
        self.call_limit = None

    def _call(self, handler, args):
        self.calls += 1
        if self.call_limit is not None and self.calls > self.call_limit:
            raise RunawayLoop("more than %d handler calls in one run (last: %r)"
                              % (self.call_limit, handler))
        if not self.strict:
            return super()._call(handler, args)
        try:
            handler(*args)
        except Exception as e:
            raise HandlerError("eloop handler %r raised %s: %s"
                               % (handler, type(e).__name__, e)) from e


def next_deadline(loop):
    """The clock reading at which the next live timeout is due, or None."""
    if loop._next_wait_ms() is None:     # also pops cancelled timeouts off the top
        return None
    return loop._timeouts[0].deadline


def _dispatch(loop):
    # run_once(0) never waits: it polls (only when a test registered a socket)
    # and runs every due timeout, the ones those handlers add for "now" too.
    # With no socket and no timeout it only sets `terminated`, which we ignore.
    loop.run_once(max_wait=0)
    loop.terminated = False


def _fake_clock(loop):
    clock = loop.now
    if not isinstance(clock, FakeClock):
        raise TypeError("the eloop must run on a FakeClock (Eloop(clock=FakeClock()))")
    return clock


def _run(loop, stop, limit, max_steps, max_calls):
    """Dispatch, then jump to the next deadline, until stop() or `limit`.
    Returns True if stop() held, False when nothing more is due by `limit`."""
    clock = _fake_clock(loop)
    start = clock()
    counting = isinstance(loop, VirtualEloop)
    if counting:
        old_limit, loop.call_limit = loop.call_limit, loop.calls + max_calls
    try:
        for _ in range(max_steps):
            _dispatch(loop)
            if stop():
                return True
            when = next_deadline(loop)
            if when is None or when > limit:
                return False
            clock.advance_to(max(when, clock()))
        raise RunawayLoop("no end after %d steps (%.3f virtual s)" % (max_steps, clock() - start))
    finally:
        if counting:
            loop.call_limit = old_limit


def run_until(loop, pred, within=120.0, max_steps=20000, max_calls=100000):
    """Run `loop` until pred() is true; return the virtual seconds it took.
    Fails (AssertionError) if it does not hold within `within` virtual seconds,
    or if the loop runs out of things to do before that."""
    start = loop.now()
    if pred():
        return 0.0
    if _run(loop, pred, start + within, max_steps, max_calls):
        return loop.now() - start
    nxt = next_deadline(loop)
    raise AssertionError("condition not reached within %.3f virtual s (%s)"
                         % (within, "nothing scheduled" if nxt is None else
                            "next timeout at +%.3f s" % (nxt - start)))


def run_for(loop, seconds, max_steps=20000, max_calls=100000):
    """Let `seconds` of virtual time pass: every timeout due by then runs, in
    order, each at its own deadline; the clock ends exactly `seconds` later."""
    end = loop.now() + seconds
    _run(loop, lambda: False, end, max_steps, max_calls)
    _fake_clock(loop).advance_to(max(end, loop.now()))


def settle(loop, max_steps=20000, max_calls=100000):
    """Run what is due now (and what that schedules for now); no time passes."""
    _run(loop, lambda: False, loop.now(), max_steps, max_calls)
