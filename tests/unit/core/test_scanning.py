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
    return ["cached" if p.cached else "fast" if p.fast else "full" for _, p in steps]


def test_start_up_cache_recent_then_everything_when_channels_are_unknown():
    s, clock = ScanScheduler(), Clock()
    req = s.start()
    assert (req.delay, req.freqs, req.manual, req.step) == (0, None, False, 0)
    cache = s.plan(req, [HOME], [2437, 5180], 4)
    assert cache.cached and cache.fast and cache.max_age == scanning.CACHE_FRESH
    s.scan_done(cache)
    nxt = s.nothing_found(cache, clock.now)
    assert (nxt.delay, nxt.step) == (0, 1) and s.rescan_count == 0
    plan = s.plan(nxt, [HOME], [2437, 5180], 4)
    assert plan.freqs == [2437, 5180] and plan.fast and not plan.cached
    assert plan.ssids == [b""]
    s.scan_done(plan)
    assert s.need_full_scan          # a fast scan proves nothing
    nxt = s.nothing_found(plan, clock.now)
    full = s.plan(nxt, [HOME], [2437, 5180], 4)
    assert full.freqs == [] and not full.fast and full.last
    s.scan_done(full)
    assert not s.need_full_scan
    # From there on the pacing runs from its first step.
    nxt = s.nothing_found(full, clock.now)
    assert (nxt.delay, nxt.freqs, nxt.step) == (0.1, None, None)


def test_start_up_sequence():
    s, clock = ScanScheduler(), Clock()
    steps = search(s, clock, s.start(), 10)
    assert kinds(steps) == ["cached", "fast", "full", "fast", "full", "fast", "fast", "full",
                            "fast", "fast"]
    assert [d for d, _ in steps] == [0, 0, 0, 0.1, 1, 2, 3, 5, 5, 10]


def test_without_recent_frequencies_every_scan_is_full():
    s, clock = ScanScheduler(), Clock()
    steps = search(s, clock, s.start(), 4, recent=())
    assert kinds(steps) == ["cached"] + ["full"] * 3
    assert all(p.freqs == [] for _, p in steps)


def test_after_a_loss_the_recent_channel_first_and_every_third_rescan_full():
    s, clock = ScanScheduler(), Clock()
    search(s, clock, s.start(), 3)
    s.rescan_count = 5
    req = s.link_lost()
    assert req.delay == 0.1 and req.freqs is None
    assert (s.rescan_count, s.need_full_scan) == (0, False)
    window = scanning.LOSS_FAST_SCANS
    steps = search(s, clock, req, window + 10)
    # First the window: only the lost AP's channel, every LOSS_PACE seconds (no
    # multi-second full scan while the AP is most likely coming back) ...
    assert kinds(steps[:window]) == ["fast"] * window
    assert all(p.freqs == [2437] for _, p in steps[:window])
    assert [d for d, _ in steps[:window]] == [0.1] + [scanning.LOSS_PACE] * (window - 1)
    # ... then the pacing from its first step, every third rescan full.
    steps = steps[window:]
    assert kinds(steps) == ["fast", "fast", "full"] * 3 + ["fast"]
    assert [d for d, _ in steps] == [scanning.LOSS_PACE, 0.1, 1, 2, 3, 5, 5, 10, 10, 10]


def test_the_window_after_a_loss_outlasts_a_failed_attempt_on_a_stale_entry():
    s, clock = ScanScheduler(), Clock()
    req = s.link_lost()
    search(s, clock, req, 1)
    s.candidate_found()             # the lost AP's entry, still in the kernel's cache
    steps = search(s, clock, s.soon(), 4)
    assert kinds(steps) == ["fast"] * 4
    assert [d for d, _ in steps] == [scanning.SOON] + [scanning.LOSS_PACE] * 3


def test_the_window_after_a_loss_ends_with_a_new_search():
    s, clock = ScanScheduler(), Clock()
    search(s, clock, s.link_lost(), 3)
    assert s.loss_scans
    s.restart()
    assert s.loss_scans == 0
    steps = search(s, clock, s.link_lost(), 2, recent=())
    # Without a recent channel there is nothing to watch: full scans, paced.
    assert kinds(steps) == ["full", "full"]


def test_pacing_sequence_and_cap():
    s, clock = ScanScheduler(), Clock()
    start = clock.now
    steps = search(s, clock, s.start(), 13, recent=())
    delays = [d for d, _ in steps][2:]
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
    s.need_full_scan = False
    fast = s.plan(s.nothing_found(None, 0.0), [net("a", 0, scan_freq=[2412])], [2437], 4)
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


# ------------------------------------------------------------------ the cold-start plan
SUPPORTED = (2412, 2417, 2422, 2427, 2432, 2437, 2442, 2447, 2452, 2457, 2462, 2467, 2472,
             5180, 5200, 5220, 5240, 5260, 5280, 5300, 5320, 5500, 5745, 5765, 5785, 5805, 5825)


def net_p(ssid, net_id, priority=0, freq_list=None):
    n = net(ssid, net_id)
    n.set("priority", str(priority))
    if freq_list:
        n.set("freq_list", " ".join(str(f) for f in freq_list))
    return n


def cold_search(sched, usable, recent=(), supported=SUPPORTED, partial=True):
    """Every step of a cold start that finds nothing: [plan]."""
    plans = []
    req = sched.start()
    while req.step is not None:
        plan = sched.plan(req, list(usable), list(recent), 4, supported, partial, now=100.0)
        plans.append(plan)
        sched.scan_done(plan)
        req = sched.nothing_found(plan, 100.0)
    return plans


def test_cold_start_order_cache_recent_common_24_common_5_rest():
    plans = cold_search(ScanScheduler(), [HOME], recent=[5500, 2437])
    assert plans[0].cached
    assert [p.freqs for p in plans[1:]] == [
        [5500, 2437], [2412, 2462], [5180, 5200, 5220, 5240, 5745, 5765, 5785, 5805],
        [2417, 2422, 2427, 2432, 2442, 2447, 2452, 2457, 2467, 2472,
         5260, 5280, 5300, 5320, 5825]]
    assert [p.fast for p in plans] == [True] * 4 + [False]
    assert [p.last for p in plans] == [False] * 4 + [True]
    # Every channel exactly once.
    scanned = [f for p in plans for f in p.freqs]
    assert sorted(scanned) == sorted(SUPPORTED)


def test_cold_start_skips_channels_the_radio_cannot_use():
    supported = (2412, 2437, 2462, 2467, 5180, 5200)      # no UNII-3, say
    plans = cold_search(ScanScheduler(), [HOME], recent=[5745], supported=supported)
    assert [p.freqs for p in plans[1:]] == [[2412, 2437, 2462], [5180, 5200], [2467]]


def test_cold_start_on_wext_degrades_to_recent_then_everything():
    plans = cold_search(ScanScheduler(), [HOME], recent=[2437], partial=False)
    assert [p.cached for p in plans] == [True, False, False]
    assert [p.freqs for p in plans[1:]] == [[2437], []]


def test_cold_start_with_scan_freq_on_every_network_is_one_scan_of_those():
    a = net("a", 0, scan_freq=[2412, 5180])
    plans = cold_search(ScanScheduler(), [a], recent=[2437])
    assert [p.freqs for p in plans[1:]] == [[2412, 5180]]


def test_cold_start_with_freq_list_on_every_network_scans_only_those():
    a = net_p("a", 0, freq_list=[2462, 5180])
    b = net_p("b", 1, freq_list=[2412])
    plans = cold_search(ScanScheduler(), [a, b])
    assert [p.freqs for p in plans[1:]] == [[2412, 2462], [5180]]
    plans = cold_search(ScanScheduler(), [a, b, HOME])     # one without: everything
    assert len(plans) == 4 and len(plans[-1].freqs) > 10


def test_cold_start_keeps_hidden_ssids_in_every_step():
    hidden = net("h", 0, hidden=True)
    plans = cold_search(ScanScheduler(), [hidden])
    assert all(p.ssids == [b"", b"h"] for p in plans[1:])


def test_later_steps_ignore_kernel_cache_from_before_the_search():
    s = ScanScheduler()
    req = s.start()
    s.plan(req, [HOME], [], 4, SUPPORTED, now=50.0)
    plan = s.plan(scanning.ScanRequest(0, step=1), [HOME], [], 4, SUPPORTED, now=53.0)
    assert plan.max_age == pytest.approx(3.0 + scanning.CACHE_FRESH)


class FakeBss:
    def __init__(self, bssid=b"\x02\0\0\0\0\x01"):
        self.bssid = bssid


class FakeCand:
    def __init__(self, network, bssid=b"\x02\0\0\0\0\x01"):
        self.network = network
        self.bss = FakeBss(bssid)


def step_plan(s, step, usable):
    req = s.start() if step == 0 else scanning.ScanRequest(0, step=step)
    return s.plan(req, usable, [], 4, SUPPORTED, now=0.0)


def test_keep_looking_stops_at_the_highest_priority():
    low, high = net_p("low", 0, 1), net_p("high", 1, 5)
    s = ScanScheduler()
    step_plan(s, 0, [low, high])
    plan = step_plan(s, 1, [low, high])                  # 2.4 GHz common
    assert s.keep_looking(plan, FakeCand(high), [low, high]) is None
    assert s.steps is None                                # the search is over


def test_keep_looking_goes_on_while_a_higher_priority_could_show_up():
    low, high = net_p("low", 0, 1), net_p("high", 1, 5)
    s = ScanScheduler()
    step_plan(s, 0, [low, high])
    plan = step_plan(s, 1, [low, high])
    nxt = s.keep_looking(plan, FakeCand(low), [low, high])
    assert (nxt.delay, nxt.step) == (0, 2)
    # ... unless that network is not available now (temporarily disabled)
    assert s.keep_looking(plan, FakeCand(low), [low, high], lambda n: n is low) is None


def test_keep_looking_knows_freq_list_and_ignored_bsses():
    low = net_p("low", 0, 1)
    high = net_p("high", 1, 5, freq_list=[2412])          # scanned in step 1 already
    s = ScanScheduler()
    step_plan(s, 0, [low, high])
    plan = step_plan(s, 1, [low, high])
    assert plan.freqs == [2412, 2437, 2462]
    assert s.keep_looking(plan, FakeCand(low), [low, high]) is None
    s = ScanScheduler()
    step_plan(s, 0, [low])
    plan = step_plan(s, 1, [low])
    bad = b"\x02\0\0\0\0\x09"
    nxt = s.keep_looking(plan, FakeCand(low, bad), [low], ignored={bad})
    assert nxt.step == 2       # a BSS that failed lately: look for another first


def test_keep_looking_outside_a_search_or_at_its_end_connects():
    low, high = net_p("low", 0, 1), net_p("high", 1, 5)
    s = ScanScheduler()
    manual = s.plan(s.manual(), [low, high], [], 4)
    assert s.keep_looking(manual, FakeCand(low), [low, high]) is None
    plans = cold_search(s, [low, high])
    assert s.keep_looking(plans[-1], FakeCand(low), [low, high]) is None


def test_a_refused_step_is_skipped_and_a_busy_one_retried():
    s = ScanScheduler()
    step_plan(s, 0, [HOME])
    plan = step_plan(s, 2, [HOME])
    failed = s.scan_failed(plan)
    assert (failed.delay, failed.step) == (0, 3)
    busy = s.scan_busy(plan)
    assert (busy.delay, busy.step) == (scanning.BUSY_RETRY, 2)
    again = s.plan(busy, [HOME], [], 4, SUPPORTED)
    assert again.freqs == plan.freqs
    last = step_plan(s, 4, [HOME])
    assert last.last
    failed = s.scan_failed(last)
    assert (failed.delay, failed.freqs, failed.step) == (scanning.FAILED_RETRY, [], None)


def test_manual_scan_options():
    s = ScanScheduler()
    a = net("a", 0, scan_freq=[2412])
    hidden = net("h", 1, hidden=True)
    plan = s.plan(s.manual([2437, 2462], only=True, flush=True, scan_id=7), [a], [], 4)
    # Frequencies given by the user are not widened by scan_freq.
    assert plan.freqs == [2437, 2462] and plan.only and plan.flush and plan.scan_id == 7
    assert s.plan(s.manual(passive=True), [hidden], [], 4).ssids == []
    assert s.plan(s.manual(ssids=[b"x", b"y"]), [hidden], [], 4).ssids == [b"x", b"y"]
    assert s.plan(s.manual(), [hidden], [], 4).ssids == [b"", b"h"]
    busy = s.scan_busy(s.plan(s.manual([2412], passive=True, scan_id=3), [a], [], 4))
    assert (busy.freqs, busy.passive, busy.scan_id, busy.manual) == ([2412], True, 3, True)


def test_common_channels_are_the_usual_ones():
    assert scanning.COMMON_24 == (2412, 2437, 2462)
    assert [(f - 5000) // 5 for f in scanning.COMMON_5] == [36, 40, 44, 48, 149, 153, 157, 161]


def test_internal_scans_with_channels_keep_scan_freq_user_ones_do_not():
    s = ScanScheduler()
    a = net("a", 0, scan_freq=[2412])
    # A roam scan on the network's known channels (core/linkmonitor.py).
    assert s.plan(ScanRequest(0, [2437], manual=True), [a], [], 4).freqs == [2437, 2412]
    # SCAN freq=2437: exactly that.
    plan = s.plan(s.manual([2437]), [a], [], 4)
    assert plan.freqs == [2437] and plan.exact
    assert s.scan_busy(plan).exact
