"""The eloop: timeout ordering, cancel with wildcards, deplete/replenish,
in-loop signals, re-entrant dispatch, raising handlers and idle sleeping."""

import logging
import os
import signal
import socket
import threading
import time

import pytest

from wispd.platform import eloop as eloop_mod
from wispd.platform.eloop import ALL, Eloop


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def loop():
    lp = Eloop()
    yield lp
    lp.close()


@pytest.fixture
def pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


class CountingPoll:
    """Wraps select.poll to count how often the loop wakes up from poll()."""

    def __init__(self, real):
        self.real = real
        self.calls = []

    def poll(self, timeout=None):
        self.calls.append(timeout)
        return self.real.poll(timeout)

    def register(self, *a):
        return self.real.register(*a)

    def unregister(self, *a):
        return self.real.unregister(*a)


# ------------------------------------------------------------------ timeouts
def test_timeouts_run_by_deadline_then_registration_order():
    clock = FakeClock()
    lp = Eloop(clock=clock)
    order = []
    lp.register_timeout(0.3, order.append, "c")
    lp.register_timeout(0.1, order.append, "a1")
    lp.register_timeout(0.2, order.append, "b")
    lp.register_timeout(0.1, order.append, "a2")
    lp.register_timeout(0.1, order.append, "a3")
    lp.register_timeout(-5, order.append, "now")      # negative delay: due at once
    clock.t += 0.15
    lp.run_once(0)
    assert order == ["now", "a1", "a2", "a3"]
    clock.t += 1
    lp.run_once(0)
    assert order == ["now", "a1", "a2", "a3", "b", "c"]
    lp.close()


def test_timeouts_run_in_real_time(loop):
    order = []
    loop.register_timeout(0.05, order.append, 2)
    loop.register_timeout(0.0, order.append, 1)
    t0 = time.monotonic()
    loop.run()            # nothing else registered: run() ends when the heap is empty
    assert order == [1, 2]
    assert time.monotonic() - t0 >= 0.045


def test_cancel_exact_args(loop):
    calls = []

    def h(*args):
        calls.append(args)
    loop.register_timeout(0, h, 1, "x")
    loop.register_timeout(0, h, 1, "y")
    loop.register_timeout(0, h, 2, "x")
    loop.register_timeout(0, h)
    assert loop.cancel_timeout(h, 1, "x") == 1
    assert loop.cancel_timeout(h, 1, "x") == 0
    assert loop.cancel_timeout(h, 1) == 0            # arity must match too
    assert loop.cancel_timeout(h, 2, "y") == 0
    loop.run_once(0)
    assert sorted(calls) == [(), (1, "y"), (2, "x")]


def test_cancel_by_handler_alone_cancels_all_of_its_timeouts(loop):
    """cancel_timeout(handler) / is_timeout_registered(handler) cover a timer
    that was set with arguments (station's _scan_timer(freqs, manual))."""
    def h(*args):
        pass

    def other():
        pass
    loop.register_timeout(10, h, None, True)
    loop.register_timeout(10, h)
    loop.register_timeout(10, other)
    assert loop.is_timeout_registered(h)
    assert loop.cancel_timeout(h) == 2
    assert not loop.is_timeout_registered(h)
    assert loop.is_timeout_registered(other)


def test_cancel_with_wildcards(loop):
    def h(*a):
        pass

    def other(*a):
        pass
    for a in [(1, "x"), (1, "y"), (2, "x"), (3,)]:
        loop.register_timeout(10, h, *a)
    loop.register_timeout(10, other, 1, "x")
    loop.register_timeout(10, other)
    assert loop.cancel_timeout(h, 1, ALL) == 2
    assert loop.is_timeout_registered(h, 2, "x")
    assert loop.cancel_timeout(ALL, ALL, "x") == 2          # h(2,x) and other(1,x)
    assert loop.is_timeout_registered(h, 3)
    assert loop.cancel_timeout(h, ALL) == 1                  # all of h's that remain
    assert not loop.is_timeout_registered(h, ALL)
    assert loop.is_timeout_registered(other)
    assert loop.cancel_timeout(ALL) == 1
    assert not loop.is_timeout_registered(ALL)


def test_is_timeout_registered_and_fired_once(loop):
    calls = []

    def h(x):
        calls.append(x)
    assert not loop.is_timeout_registered(h, 1)
    loop.register_timeout(0, h, 1)
    assert loop.is_timeout_registered(h, 1)
    assert loop.is_timeout_registered(h, ALL)
    assert not loop.is_timeout_registered(h, 2)
    loop.run_once(0)
    assert calls == [1]
    assert not loop.is_timeout_registered(h, 1)
    loop.run_once(0)
    assert calls == [1]


def test_deplete_and_replenish():
    clock = FakeClock()
    lp = Eloop(clock=clock)
    calls = []

    def h(x):
        calls.append(x)
    assert lp.deplete_timeout(1, h, 1) == -1
    assert lp.replenish_timeout(1, h, 1) == -1
    lp.register_timeout(10, h, 1)
    assert lp.deplete_timeout(20, h, 1) == 0          # already sooner
    assert lp.remaining(h, 1) == pytest.approx(10)
    assert lp.deplete_timeout(2, h, 1) == 1
    assert lp.remaining(h, 1) == pytest.approx(2)
    assert lp.replenish_timeout(1, h, 1) == 0         # already later
    assert lp.replenish_timeout(5, h, 1) == 1
    assert lp.remaining(h, 1) == pytest.approx(5)
    assert lp.cancel_timeout(h, ALL) == 1             # moved, not duplicated
    lp.register_timeout(10, h, 2)
    lp.deplete_timeout(1, h, 2)
    clock.t += 1.5
    lp.run_once(0)
    assert calls == [2]
    lp.close()


# ------------------------------------------------------------------ signals
def test_signal_delivered_in_loop(loop):
    got = []
    loop.register_signal(signal.SIGUSR1, got.append)
    os.kill(os.getpid(), signal.SIGUSR1)
    # The Python-level handler only wakes the loop: nothing runs outside it.
    assert got == []
    deadline = time.monotonic() + 2
    while not got and time.monotonic() < deadline:
        loop.run_once(0.5)
    assert got == [signal.SIGUSR1]
    loop.close()
    assert signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL


def test_signal_wakes_idle_poll(loop):
    """A signal arriving while the loop sleeps wakes it at once."""
    got = []
    loop.register_signal(signal.SIGUSR2, got.append)
    old = signal.signal(signal.SIGALRM, lambda *a: os.kill(os.getpid(), signal.SIGUSR2))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        t0 = time.monotonic()
        loop.run_once(5)
        elapsed = time.monotonic() - t0
        if not got:          # the alarm's own wakeup may come first; one more round
            loop.run_once(1)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert got == [signal.SIGUSR2]
    assert elapsed < 2


def test_signal_handler_may_terminate_run(loop):
    loop.register_signal(signal.SIGUSR1, lambda s: loop.terminate())
    loop.register_timeout(0, os.kill, os.getpid(), signal.SIGUSR1)
    loop.register_timeout(5, pytest.fail, "run() did not stop on the signal")
    t0 = time.monotonic()
    loop.run()
    assert loop.terminated
    assert time.monotonic() - t0 < 2


# ------------------------------------------------------------------ re-entrancy
def test_handler_unregisters_another_ready_fd(loop):
    a1, b1 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a2, b2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    calls = []
    try:
        def first(sock, other):
            calls.append(sock)
            sock.recv(100)
            # Whichever fires first removes and closes the other, which is
            # also ready in this very batch.
            loop.unregister_read(other)
            other.close()

        loop.register_read(b1, first, b2)
        loop.register_read(b2, first, b1)
        a1.send(b"x")
        a2.send(b"y")
        loop.run_once(1)
        assert len(calls) == 1
        survivor = calls[0]
        assert survivor.fileno() != -1
        # The survivor still works afterwards; nothing fires for the closed one.
        (a1 if survivor is b1 else a2).send(b"z")
        loop.run_once(1)
        assert calls == [survivor, survivor]
    finally:
        for s in (a1, b1, a2, b2):
            s.close()


def test_handler_registers_sockets_and_timeouts_during_dispatch(loop, pair):
    a, b = pair
    c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    events = []
    try:
        def on_d(sock):
            events.append(("d", sock.recv(100)))

        def on_b(sock):
            events.append(("b", sock.recv(100)))
            loop.register_read(d, on_d)
            loop.register_timeout(0, events.append, ("t", None))
            loop.unregister_read(b)

        loop.register_read(b, on_b)
        a.send(b"1")
        c.send(b"2")          # d already readable before it is registered
        loop.run_once(1)
        assert events[0] == ("b", b"1")
        # The new timeout (due now) runs in the same round; d on the next poll.
        assert ("t", None) in events
        loop.run_once(1)
        assert ("d", b"2") in events
        a.send(b"3")          # b was unregistered by its own handler
        loop.run_once(0.05)
        assert ("b", b"3") not in events
    finally:
        c.close()
        d.close()


def test_timeout_handler_registers_timeouts(loop):
    order = []

    def h(n):
        order.append(n)
        if n < 3:
            loop.register_timeout(0, h, n + 1)
    loop.register_timeout(0, h, 1)
    loop.run()
    assert order == [1, 2, 3]


def test_timeout_cancelling_a_later_due_timeout(loop):
    calls = []

    def victim():
        calls.append("victim")

    def killer():
        calls.append("killer")
        assert loop.cancel_timeout(victim) == 1
    loop.register_timeout(0, killer)
    loop.register_timeout(0, victim)
    loop.run_once(0)
    assert calls == ["killer"]


def test_writer_and_unregister_all(loop, pair):
    a, b = pair
    calls = []
    loop.register_write(a, lambda s: calls.append("w"))
    loop.register_read(a, lambda s: calls.append("r"))
    loop.run_once(0.5)
    assert calls == ["w"]
    loop.unregister_all(a)
    loop.register_timeout(0.05, calls.append, "t")
    loop.run_once(1)
    assert calls == ["w", "t"]


# ------------------------------------------------------------------ errors
def test_raising_handler_is_logged_and_loop_goes_on(loop, pair, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("wispd"), "propagate", True)
    caplog.set_level(logging.ERROR, logger="wispd.eloop")
    a, b = pair
    calls = []

    def boom(*args):
        raise RuntimeError("kaboom")

    def reader(sock):
        sock.recv(100)
        calls.append("read")
        raise ValueError("bad frame")
    loop.register_timeout(0, boom)
    loop.register_timeout(0, calls.append, "after")
    loop.register_read(b, reader)
    a.send(b"x")
    loop.run_once(1)
    assert calls == ["read", "after"]
    msgs = [r for r in caplog.records if r.name == "wispd.eloop"]
    assert len(msgs) == 2
    assert all(r.exc_info is not None for r in msgs)
    texts = caplog.text
    assert "kaboom" in texts and "bad frame" in texts and "Traceback" in texts
    # Still alive: the reader keeps being served.
    a.send(b"y")
    loop.run_once(1)
    assert calls == ["read", "after", "read"]


def test_raising_signal_handler_is_logged(loop, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("wispd"), "propagate", True)
    caplog.set_level(logging.ERROR, logger="wispd.eloop")
    got = []

    def bad(signum):
        got.append(signum)
        raise RuntimeError("signal handler broke")
    loop.register_signal(signal.SIGUSR1, bad)
    os.kill(os.getpid(), signal.SIGUSR1)
    loop.run_once(1)
    assert got == [signal.SIGUSR1]
    assert "signal handler broke" in caplog.text
    os.kill(os.getpid(), signal.SIGUSR1)
    loop.run_once(1)
    assert got == [signal.SIGUSR1, signal.SIGUSR1]


# ------------------------------------------------------------------ idle
def test_idle_loop_sleeps_in_poll_until_readable(loop, pair):
    a, b = pair
    counter = CountingPoll(loop._poll)
    loop._poll = counter
    got = []
    loop.register_read(b, lambda s: got.append(s.recv(100)))
    timer = threading.Timer(0.3, a.send, (b"wake",))
    timer.start()
    try:
        t0 = time.monotonic()
        loop.run_once()             # no timeouts, no max_wait: blocks in poll
        elapsed = time.monotonic() - t0
    finally:
        timer.cancel()
        timer.join()
    assert got == [b"wake"]
    assert elapsed >= 0.25
    # One poll, with an infinite wait: no periodic tick woke it.
    assert counter.calls == [None]


def test_idle_loop_with_far_timeout_polls_once(loop, pair):
    a, b = pair
    counter = CountingPoll(loop._poll)
    loop._poll = counter
    fired = []
    loop.register_read(b, lambda s: s.recv(100))
    loop.register_timeout(0.2, fired.append, 1)
    loop.register_timeout(0.2, loop.terminate)
    t0 = time.monotonic()
    loop.run()
    assert fired == [1]
    assert time.monotonic() - t0 >= 0.19
    # The whole wait was one (or, with rounding, two) poll() calls, not a busy loop.
    assert 1 <= len(counter.calls) <= 2
    assert counter.calls[0] is not None and counter.calls[0] >= 190


def test_run_ends_when_nothing_is_left(loop):
    loop.run()
    assert loop.terminated


def test_all_is_a_unique_sentinel():
    assert eloop_mod.ALL is ALL
    assert ALL != None   # noqa: E711
