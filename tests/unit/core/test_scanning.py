"""The scan scheduler on its own: a fake clock (a float we advance), plans in,
decisions out.  No eloop, no driver, no sleeping."""

import pytest

from wispd.config.model import Network
from wispd.core import scanning
from wispd.core.scanning import RESCAN_CAP, ScanRequest, ScanScheduler


def net(ssid, net_id=0, scan_freq=None, hidden=False):
    n = Network(net_id)
    n.set("ssid", '"%s"' % ssid)
    n.set("key_mgmt", "NONE")
    if scan_freq:
        n.set("scan_freq", " ".join(str(f) for f in scan_freq))
    if hidden:
        n.set("scan_ssid", "1")
    return n


HOME = net("home")


class Clock:
    def __init__(self, now=1000.0):
        self.now = now


def search(sched, clock, request, rounds, usable=(HOME,), recent=(2437,), max_ssids=4,
           disabled_until=()):
    """Play the station's part for `rounds` scans that all find nothing:
    wait the request's delay, start the scan, finish it, ask what next.
    Returns [(delay before the scan, plan)]."""
    out = []
    for _ in range(rounds):
        clock.now += request.delay
        plan = sched.plan(request, list(usable), list(recent), max_ssids)
        out.append((request.delay, plan))
        sched.scan_done(plan)
        request = sched.nothing_found(plan, clock.now, disabled_until, bool(usable))
    return out


def kinds(steps):
    return ["fast" if p.fast else "full" for _, p in steps]


def test_start_up_fast_scan_then_an_immediate_full_scan():
    s, clock = ScanScheduler(), Clock()
    req = s.start()
    assert (req.delay, req.freqs, req.manual) == (0, None, False)
    plan = s.plan(req, [HOME], [2437, 5180], 4)
    assert plan.freqs == [2437, 5180] and plan.fast and not plan.manual
    assert plan.ssids == [b""]
    s.scan_done(plan)
    assert s.need_full_scan          # a fast scan proves nothing
    nxt = s.nothing_found(plan, clock.now)
    assert (nxt.delay, nxt.freqs) == (0, [])
    full = s.plan(nxt, [HOME], [2437, 5180], 4)
    assert full.freqs == [] and not full.fast
    s.scan_done(full)
    assert not s.need_full_scan
    # From there on the pacing runs; the first step was spent on the full scan.
    nxt = s.nothing_found(full, clock.now)
    assert (nxt.delay, nxt.freqs) == (1, None)


def test_start_up_sequence():
    s, clock = ScanScheduler(), Clock()
    steps = search(s, clock, s.start(), 9)
    assert kinds(steps) == ["fast", "full", "full", "fast", "fast", "full", "fast", "fast", "full"]
    assert [d for d, _ in steps] == [0, 0, 1, 2, 3, 5, 5, 10, 10]


def test_without_recent_frequencies_every_scan_is_full():
    s, clock = ScanScheduler(), Clock()
    steps = search(s, clock, s.start(), 4, recent=())
    assert kinds(steps) == ["full"] * 4
    assert all(p.freqs == [] for _, p in steps)


def test_after_a_loss_the_recent_channel_first_and_every_third_rescan_full():
    s, clock = ScanScheduler(), Clock()
    search(s, clock, s.start(), 3)
    s.rescan_count = 5
    req = s.link_lost()
    assert req.delay == 0.1 and req.freqs is None
    assert (s.rescan_count, s.need_full_scan) == (0, False)
    steps = search(s, clock, req, 10)
    assert kinds(steps) == ["fast", "fast", "full"] * 3 + ["fast"]
    assert [p.freqs for _, p in steps[:3]] == [[2437], [2437], []]
    assert [d for d, _ in steps] == [0.1, 0.1, 1, 2, 3, 5, 5, 10, 10, 10]


def test_pacing_sequence_and_cap():
    s, clock = ScanScheduler(), Clock()
    start = clock.now
    steps = search(s, clock, s.start(), 12, recent=())
    delays = [d for d, _ in steps][1:]
    assert delays == [0.1, 1, 2, 3, 5, 5, 10, 10, 10, 10, 10]
    assert max(delays) == RESCAN_CAP
    assert clock.now - start == pytest.approx(sum(delays))


def test_rescan_delay_never_exceeds_the_cap():
    for count in range(50):
        assert scanning.rescan_delay(count, 0.0) <= RESCAN_CAP
    assert scanning.rescan_delay(0, 0.0, [300.0], has_usable=False) == RESCAN_CAP


def test_temp_disabled_network_reenable_shortens_the_delay():
    now = 500.0
    # Deep in the pacing (10 s): the network is back in 3.5 s, try right then.
    assert scanning.rescan_delay(9, now, [now + 3.5]) == pytest.approx(3.51)
    # The pacing is sooner: keep it.
    assert scanning.rescan_delay(0, now, [now + 3.5]) == 0.1
    # Nothing else usable: no point scanning before it comes back.
    assert scanning.rescan_delay(0, now, [now + 3.5], has_usable=False) == pytest.approx(3.51)
    # The soonest of several counts; those already back do not.
    assert scanning.rescan_delay(9, now, [now + 8, now - 1, now + 2, 0.0]) == pytest.approx(2.01)
    assert scanning.rescan_delay(9, now, [now - 1, 0.0]) == 10


def test_nothing_found_uses_the_reenable_time_and_counts():
    s, clock = ScanScheduler(), Clock()
    s.need_full_scan = False
    s.rescan_count = 6
    req = s.nothing_found(None, clock.now, [clock.now + 4.0], has_usable=False)
    assert req.delay == pytest.approx(4.01) and req.freqs is None
    assert s.rescan_count == 7


def test_scan_freq_union_only_when_every_usable_network_has_scan_freq():
    s = ScanScheduler()
    a = net("a", 0, scan_freq=[2412, 2437])
    b = net("b", 1, scan_freq=[2437, 5180])
    c = net("c", 2)
    assert s.plan(ScanRequest(0, []), [a, b], [], 4).freqs == [2412, 2437, 5180]
    assert s.plan(ScanRequest(0, []), [a, b, c], [], 4).freqs == []
    assert s.plan(ScanRequest(0, []), [], [], 4).freqs == []
    # A fast scan keeps the recent channels first, then the union.
    fast = s.plan(ScanRequest(0), [a, b], [5180, 2462], 4)
    assert fast.freqs == [5180, 2462, 2412, 2437] and fast.fast


def test_manual_scans_ignore_recent_frequencies():
    s = ScanScheduler()
    req = s.manual()
    assert (req.delay, req.freqs, req.manual) == (0, None, True)
    plan = s.plan(req, [HOME], [2437], 4)
    assert plan.freqs == [] and plan.manual and not plan.fast
    s.scan_done(plan)
    assert not s.need_full_scan
    # but scan_freq still limits them
    a = net("a", 0, scan_freq=[2412])
    assert s.plan(req, [a], [2437], 4).freqs == [2412]


def test_hidden_ssids_within_max_scan_ssids_minus_one():
    s = ScanScheduler()
    nets = [net("h%d" % i, i, hidden=True) for i in range(5)] + [net("open", 9)]
    assert s.plan(ScanRequest(0), nets, [], 4).ssids == [b"", b"h0", b"h1", b"h2"]
    assert s.plan(ScanRequest(0), nets, [], 2).ssids == [b"", b"h0"]
    assert s.plan(ScanRequest(0), nets, [], 1).ssids == [b""]
    assert s.plan(ScanRequest(0), nets, [], 0).ssids == [b""]
    assert s.plan(ScanRequest(0), [net("h", 0, hidden=True)] * 3, [], 4).ssids == [b"", b"h"]


def test_resets():
    s = ScanScheduler()
    s.rescan_count, s.need_full_scan = 4, True
    assert s.restart().delay == 0
    assert (s.rescan_count, s.need_full_scan) == (0, True)
    s.rescan_count = 4
    s.candidate_found()
    assert s.rescan_count == 0
    s.rescan_count, s.need_full_scan = 4, False
    assert s.start().delay == 0
    assert (s.rescan_count, s.need_full_scan) == (0, True)
    s.rescan_count = 4
    assert s.soon().delay == 0.1 and s.rescan_count == 4


def test_retries():
    s = ScanScheduler()
    fast = s.plan(s.start(), [net("a", 0, scan_freq=[2412])], [2437], 4)
    busy = s.scan_busy(fast)
    assert busy.delay == 1.0 and busy.fast and busy.freqs == [2437, 2412]
    again = s.plan(busy, [net("a", 0, scan_freq=[2412])], [5180], 4)
    assert again.freqs == [2437, 2412] and again.fast
    assert again.freqs is not busy.freqs       # plan() never changes the request
    manual = s.plan(s.manual(), [HOME], [], 4)
    failed = s.scan_failed(manual)
    assert (failed.delay, failed.freqs, failed.manual) == (5.0, None, True)
    aborted = s.scan_aborted(manual)
    assert (aborted.delay, aborted.freqs, aborted.manual) == (1.0, None, False)


def test_the_fast_choice_is_made_when_the_scan_starts():
    s = ScanScheduler()
    s.need_full_scan = False
    req = s.nothing_found(None, 0.0)       # rescan_count becomes 1: recent channels
    s.rescan_count = 2                     # (a later rescan): the full one
    assert s.plan(req, [HOME], [2437], 4).freqs == []


def test_module_imports_nothing_below_core():
    import ast
    with open(scanning.__file__) as f:
        tree = ast.parse(f.read())
    names = [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    names += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert names == ["wispd.core"]
