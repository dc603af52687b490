"""The station on virtual time (issue 13 item 7).

An Interface is built as the daemon builds it, on the fake driver, with an
eloop whose clock only moves when tests/unit/clock.py moves it.  An AP stand-in
plays hostapd's side of the 4-way handshake with test_rsn_handshake's
Authenticator: message 1 after the association, message 1 again every second
while no valid message 2 comes (four tries in all), then a deauthentication with
reason 15, as hostapd does when the passphrases differ.

Everything is asserted through what the station shows the world: the
notifications it hands out, wpa_state, what the fake driver was asked to do,
and when (virtual time).  Minutes of station time run in milliseconds.
"""

import hashlib
import os
import time

import pytest

from clock import (FakeClock, HandlerError, RunawayLoop, VirtualEloop, next_deadline, run_for,
                   run_until, settle)
from fakedriver import FAKE_ADDR, FakeDriver
from test_rsn_handshake import AA, SPA, T_SECURE, Authenticator, split_frame
from wispd.core import notify as nt
from wispd.core.station import Interface
from wispd.drivers import events as ev
from wispd.drivers.ops import KEY_GROUP, KEY_PAIRWISE, ScanResult

try:
    from wispd.config.wpaconf import parse
except ImportError:          # before the config split (wpaconf.py) landed
    from wispd.config.model import parse

SSID = b"home"
RIGHT = "correct horse"
WRONG = "battery staple"
CONF = 'network={\n\tssid="home"\n\tpsk="%s"\n\tid_str="house"\n}\n' % RIGHT

REAL_BUDGET = 1.0       # wall-clock seconds (time.monotonic) for one scenario's body


def pmk_of(passphrase, ssid=SSID):
    # The AP's PMK from the standard library, independent of wispd's PBKDF2.
    return hashlib.pbkdf2_hmac("sha1", passphrase.encode(), ssid, 4096, 32)


# ---------------------------------------------------------------- the AP side
class AccessPoint:
    """hostapd's side of WPA2-PSK, driven by the fake driver's events."""

    TURNAROUND = 0.005       # the AP answers a few ms after a frame
    MSG1_RETRY = 1.0         # hostapd's EAPOL-Key retry (simplified: its first is 100 ms)
    MSG1_TRIES = 4           # hostapd: wpa_pairwise_update_count
    REASON_4WAY_TIMEOUT = 15

    def __init__(self, loop, passphrase=RIGHT):
        assert SPA == FAKE_ADDR          # the Authenticator derives the PTK for this address
        self.loop = loop
        self.auth = Authenticator(pmk=pmk_of(passphrase))
        self.driver = None
        self.session = 0             # one per association; stale timers check it
        self.tries = 0
        self.log = []                # (virtual time, what happened)

    def set_passphrase(self, passphrase):
        self.auth.pmk = pmk_of(passphrase)

    def scan_result(self):
        ies = bytes((0, len(SSID))) + SSID + self.auth.rsne
        return ScanResult(AA, 2437, ies=ies, signal=-40, caps=0x0011)

    def note(self, what):
        self.log.append((self.loop.now(), what))

    def _live(self, session):
        return session == self.session and self.driver.connected == AA

    def _later(self, delay, handler):
        self.loop.register_timeout(delay, handler, self.session)

    # the fake driver tells us
    def associated(self):
        self.session += 1
        self.tries = 0
        self.auth.anonce = os.urandom(32)
        self.note("associated")
        self._later(self.TURNAROUND, self._send_msg1)

    def disconnected(self):
        self.session += 1            # whatever was pending is void
        self.note("disconnected")

    def receive(self, frame):
        self.loop.register_timeout(self.TURNAROUND, self._take_frame, self.session, frame)

    # the AP's own timeline
    def _send_msg1(self, session):
        if not self._live(session):
            return
        self.tries += 1
        self.note("msg1 #%d" % self.tries)
        self.driver.deliver_eapol(AA, self.auth.msg1())
        self._later(self.MSG1_RETRY, self._msg1_timeout)

    def _msg1_timeout(self, session):
        if not self._live(session):
            return
        if self.tries < self.MSG1_TRIES:
            self._send_msg1(session)
            return
        self.note("deauth %d" % self.REASON_4WAY_TIMEOUT)
        self.session += 1
        self.driver.drop_link(reason=self.REASON_4WAY_TIMEOUT)

    def _take_frame(self, session, frame):
        if not self._live(session):
            return
        if split_frame(frame)["info"] & T_SECURE:
            self.auth.take_msg4(frame)          # asserts its MIC: a test failure if bad
            self.note("msg4")
            return
        try:
            self.auth.take_msg2(frame)
        except AssertionError as e:
            if "message 2 MIC" not in str(e):
                raise
            self.note("msg2 bad MIC")           # hostapd drops it; its retry timer runs on
            return
        self.note("msg2")
        self.session += 1                       # cancels the msg1 retries
        self.loop.register_timeout(self.TURNAROUND, self._send_msg3, self.session)

    def _send_msg3(self, session):
        if not self._live(session):
            return
        self.note("msg3")
        self.driver.deliver_eapol(AA, self.auth.msg3())


class ApDriver(FakeDriver):
    """The fake driver with the AP listening on the air: it hears our EAPOL."""

    ap = None

    def send_eapol(self, dst, data):
        ok = super().send_eapol(dst, data)
        if self.ap is not None and dst == AA and self.connected == AA:
            self.ap.receive(data)
        return ok


# ---------------------------------------------------------------- the station
class Recorder:
    """notify(): every notification with the virtual time it came at."""

    def __init__(self, loop):
        self.loop = loop
        self.t0 = loop.now()
        self.items = []

    def __call__(self, notification):
        self.items.append((self.loop.now() - self.t0, notification))

    def mark(self):
        return len(self.items)

    def since(self, mark=0, types=None):
        return [(t, n) for t, n in self.items[mark:] if types is None or isinstance(n, types)]

    def names(self, mark=0, types=None):
        return [type(n).__name__ for _, n in self.since(mark, types)]

    def last(self, cls):
        for t, n in reversed(self.items):
            if isinstance(n, cls):
                return t, n
        raise AssertionError("no %s in %r" % (cls.__name__, self.names()))


class Rig:
    def __init__(self, ap_passphrase=RIGHT, conf=CONF):
        self.loop = VirtualEloop()
        self.ap = AccessPoint(self.loop, ap_passphrase)
        FakeDriver.world = [self.ap.scan_result()]
        self.rec = Recorder(self.loop)
        # As Daemon.add_interface / open_driver do it.
        self.iface = Interface(self.loop, "fake0", None, parse(conf, "clocked.conf"), self.rec)
        self.driver = ApDriver(self.loop, "fake0", self._event, {})
        self.driver.ap = self.ap
        self.ap.driver = self.driver
        self.iface.driver = self.driver
        self.iface.start()

    def _event(self, event):
        self.iface.on_driver_event(event)
        if isinstance(event, ev.Associated) and event.bssid == AA:
            self.ap.associated()
        elif isinstance(event, ev.Disconnected):
            self.ap.disconnected()

    def now(self):
        return self.loop.now() - self.rec.t0

    def state(self, want):
        return lambda: self.iface.wpa_state == want


@pytest.fixture(autouse=True)
def fake_world(monkeypatch):
    # Class attributes of FakeDriver: each test starts from a clean world.
    monkeypatch.setattr(FakeDriver, "world", [])
    monkeypatch.setattr(FakeDriver, "fail_init", False)
    monkeypatch.setattr(FakeDriver, "reject_assoc", set())


@pytest.fixture
def budget():
    start = time.monotonic()
    yield
    spent = time.monotonic() - start
    assert spent < REAL_BUDGET, "the scenario took %.3f s of real time" % spent


# What a scenario is asserted on (BssAdded, SubnetStatusUpdate and StateChanged
# are looked at separately or not at all).
MAIN = (nt.ScanStarted, nt.ScanResults, nt.NetworkNotFound, nt.Associating, nt.Associated,
        nt.KeyNegotiationCompleted, nt.Connected, nt.Disconnected, nt.WrongKey, nt.TempDisabled,
        nt.Reenabled)

CONNECT = ["ScanStarted", "ScanResults", "Associating", "Associated",
           "KeyNegotiationCompleted", "Connected"]
WRONG_KEY = ["ScanStarted", "ScanResults", "Associating", "Associated",
             "Disconnected", "WrongKey", "TempDisabled"]


def states(rec, mark=0):
    return [(n.old, n.new) for _, n in rec.since(mark, nt.StateChanged)]


def first(rec, cls, mark=0):
    found = rec.since(mark, cls)
    assert found, "no %s after #%d: %r" % (cls.__name__, mark, rec.names(mark, MAIN))
    return found[0]


# ---------------------------------------------------------------- the clock itself
def test_clock_runs_timeouts_in_order_at_their_deadlines():
    loop = VirtualEloop()
    seen = []
    loop.register_timeout(5, lambda: seen.append(("b", loop.now())))
    loop.register_timeout(2, lambda: seen.append(("a", loop.now())))
    loop.register_timeout(2, lambda: loop.register_timeout(0, lambda: seen.append(("a0", loop.now()))))
    t0 = loop.now()
    run_for(loop, 4.5)
    assert [(k, t - t0) for k, t in seen] == [("a", 2.0), ("a0", 2.0)]
    assert loop.now() - t0 == 4.5                    # the clock ends where it was told
    assert run_until(loop, lambda: len(seen) == 3) == 0.5
    assert next_deadline(loop) is None
    with pytest.raises(AssertionError, match="nothing scheduled"):
        run_until(loop, lambda: False)
    cancelled = loop.register_timeout(1, seen.append, "never")
    loop.cancel_timeout(seen.append)
    assert cancelled.cancelled and next_deadline(loop) is None
    settle(loop)
    assert len(seen) == 3


def test_clock_is_bounded_and_loud():
    loop = VirtualEloop()

    def again():
        loop.register_timeout(0, again)            # a livelock at one instant
    loop.register_timeout(1, again)
    with pytest.raises(RunawayLoop):
        run_for(loop, 2, max_calls=1000)
    loop.cancel_timeout(again)

    def tick():
        loop.register_timeout(0.5, tick)
    tick()
    with pytest.raises(AssertionError, match="within 3.000"):
        run_until(loop, lambda: False, within=3)
    with pytest.raises(RunawayLoop):
        run_until(loop, lambda: False, within=1e9, max_steps=50)
    loop.cancel_timeout(tick)

    loop.register_timeout(0, lambda: 1 / 0)
    with pytest.raises(HandlerError) as err:
        settle(loop)
    assert isinstance(err.value.__cause__, ZeroDivisionError)

    # A plain Eloop on a FakeClock runs the same way (handler errors only logged).
    from wispd.platform.eloop import Eloop
    plain = Eloop(clock=FakeClock(0.0))
    hits = []
    plain.register_timeout(3600, hits.append, 1)
    assert run_until(plain, lambda: hits, within=7200) == 3600.0


# ---------------------------------------------------------------- the station
def test_connect_loss_and_reconnect(budget):
    x = Rig()
    took = run_until(x.loop, x.state("COMPLETED"), within=5)
    assert took < 0.1                                # one scan, one association, four frames
    assert x.rec.names(0, MAIN) == CONNECT
    assert states(x.rec) == [("DISCONNECTED", "SCANNING"), ("SCANNING", "DISCONNECTED"),
                             ("DISCONNECTED", "AUTHENTICATING"), ("AUTHENTICATING", "ASSOCIATED"),
                             ("ASSOCIATED", "4WAY_HANDSHAKE"), ("4WAY_HANDSHAKE", "COMPLETED")]
    _, conn = x.rec.last(nt.Connected)
    assert (conn.bssid, conn.id, conn.id_str, conn.ssid) == (AA, 0, "house", SSID)
    _, keyneg = x.rec.last(nt.KeyNegotiationCompleted)
    assert (keyneg.bssid, keyneg.pairwise_cipher, keyneg.group_cipher) == (AA, "CCMP", "CCMP")
    assert [a.bssid for a in x.driver.associations] == [AA]
    assert [k.kind for k in x.driver.keys] == [KEY_PAIRWISE, KEY_GROUP]
    assert x.driver.keys[0].key == x.ap.auth.tk and x.driver.keys[1].key == x.ap.auth.gtk
    assert x.driver.port_authorized and x.driver.operstate is True

    # A connected station is quiet: no scans, no timeouts firing, for a minute.
    mark = x.rec.mark()
    run_for(x.loop, 60)
    assert [w for _, w in x.ap.log] == ["associated", "msg1 #1", "msg2", "msg3", "msg4"]
    assert x.rec.names(mark) == [] and x.iface.wpa_state == "COMPLETED"
    assert len(x.driver.scans) == 1 and x.driver.deauths == []

    # The AP goes away (deauthentication, reason 3), and is still there to rescan.
    mark = x.rec.mark()
    lost = x.now()
    x.driver.drop_link(reason=3)
    assert x.iface.wpa_state == "DISCONNECTED"
    assert x.rec.names(mark, MAIN) == ["Disconnected"]
    _, disc = x.rec.last(nt.Disconnected)
    assert (disc.bssid, disc.reason, disc.locally_generated) == (AA, 3, False)
    assert not x.driver.operstate

    back = run_until(x.loop, x.state("COMPLETED"), within=5)
    assert back < 1.0
    assert x.rec.names(mark, MAIN) == ["Disconnected"] + CONNECT
    rescan_at, _ = first(x.rec, nt.ScanStarted, mark)
    assert 0 < rescan_at - lost <= 0.2               # the lost AP is looked for at once
    assert len(x.driver.scans) == 2 and [a.bssid for a in x.driver.associations] == [AA, AA]
    assert [k.kind for k in x.driver.keys] == [KEY_PAIRWISE, KEY_GROUP] * 2
    assert x.driver.keys[2].key == x.ap.auth.tk != x.driver.keys[0].key   # a fresh PTK
    _, conn = x.rec.last(nt.Connected)
    assert (conn.bssid, conn.id, conn.id_str) == (AA, 0, "house")
    assert not x.rec.since(0, (nt.TempDisabled, nt.WrongKey, nt.Reenabled))
    run_for(x.loop, 1)
    assert x.ap.log[-1][1] == "msg4"


def test_wrong_key_temp_disables_for_10s_then_retries(budget):
    x = Rig(ap_passphrase=WRONG)
    run_until(x.loop, lambda: x.rec.since(0, nt.TempDisabled), within=30)
    assert x.rec.names(0, MAIN) == WRONG_KEY
    t_fail, temp = x.rec.last(nt.TempDisabled)
    assert (temp.id, temp.ssid, temp.auth_failures, temp.duration, temp.reason) == \
        (0, SSID, 1, 10, "WRONG_KEY")
    _, disc = x.rec.last(nt.Disconnected)
    assert (disc.bssid, disc.reason, disc.locally_generated) == (AA, 15, False)
    assert ("4WAY_HANDSHAKE", "DISCONNECTED") in states(x.rec)
    # The AP tried message 1 four times over about 4 s, each message 2 failing its MIC.
    ap = [w for _, w in x.ap.log]
    assert ap == ["associated"] + ["msg1 #1", "msg2 bad MIC", "msg1 #2", "msg2 bad MIC",
                                   "msg1 #3", "msg2 bad MIC", "msg1 #4", "msg2 bad MIC"] + \
        ["deauth 15", "disconnected"]
    assert 4.0 <= t_fail < 4.1
    assert x.driver.keys == [] and not x.driver.port_authorized

    # Disabled: the station may scan, but not try the network, for 10 s.
    run_for(x.loop, 10 - 0.001)
    assert len(x.driver.associations) == 1
    assert x.iface.wpa_state in ("DISCONNECTED", "SCANNING")
    assert not x.rec.since(0, nt.Reenabled)

    # Meanwhile the AP's passphrase was put right; the station's next try works.
    x.ap.set_passphrase(RIGHT)
    mark = x.rec.mark()
    run_until(x.loop, x.state("COMPLETED"), within=5)
    t_retry, _ = first(x.rec, nt.Associating, mark)
    assert 10.0 <= t_retry - t_fail < 10.1          # right when the 10 s are up
    # Reenabled comes once, when selection finds the disabling over, before Connected.
    names = x.rec.names(mark, MAIN)
    assert [n for n in names if n != "Reenabled"][-len(CONNECT):] == CONNECT
    assert names.count("Reenabled") == 1
    assert names.index("Reenabled") < names.index("Connected")
    _, reen = x.rec.last(nt.Reenabled)
    assert (reen.id, reen.ssid) == (0, SSID)
    _, conn = x.rec.last(nt.Connected)
    assert (conn.bssid, conn.id, conn.id_str) == (AA, 0, "house")
    assert [k.kind for k in x.driver.keys] == [KEY_PAIRWISE, KEY_GROUP]
    assert len(x.driver.associations) == 2

    # Success cleared the failure count: the next wrong key counts as the first.
    x.ap.set_passphrase(WRONG)
    mark = x.rec.mark()
    x.driver.drop_link(reason=3)
    run_until(x.loop, lambda: x.rec.since(mark, nt.TempDisabled), within=30)
    _, temp = x.rec.last(nt.TempDisabled)
    assert (temp.auth_failures, temp.duration) == (1, 10)
    assert x.loop.now() - x.rec.t0 < 20


def test_wrong_key_backoff_10_20_30(budget):
    """The AP never accepts our key: disabled 10, 20, then 30 s, and never tried
    while disabled; each retry comes as soon as the network is usable again."""
    x = Rig(ap_passphrase=WRONG)
    run_until(x.loop, lambda: len(x.rec.since(0, nt.TempDisabled)) == 3, within=120)
    temps = x.rec.since(0, nt.TempDisabled)
    assert [(n.auth_failures, n.duration, n.reason) for _, n in temps] == \
        [(1, 10, "WRONG_KEY"), (2, 20, "WRONG_KEY"), (3, 30, "WRONG_KEY")]
    tries = [t for t, _ in x.rec.since(0, nt.Associating)]
    assert len(tries) == len(x.driver.associations) == 3
    for (t_off, n), t_try in zip(temps, tries[1:]):
        assert n.duration <= t_try - t_off < n.duration + 0.1
    assert x.rec.names(0, (nt.WrongKey,)) == ["WrongKey"] * 3
    assert x.driver.keys == [] and x.driver.deauths == []
    # Three attempts of ~4 s each plus 10 + 20 s of waiting.
    assert 42 <= x.now() < 43
    # While the network is out, the station looks again at most every 10 s.
    mark = x.rec.mark()
    run_for(x.loop, 29)
    assert len(x.driver.associations) == 3
    assert 2 <= len(x.rec.since(mark, nt.ScanStarted)) <= 4


def test_reenabled_is_announced_before_the_retry(budget):
    x = Rig(ap_passphrase=WRONG)
    run_until(x.loop, lambda: x.rec.since(0, nt.TempDisabled), within=30)
    mark = x.rec.mark()
    run_until(x.loop, lambda: x.rec.since(mark, nt.Associating), within=15)
    names = x.rec.names(mark, MAIN)
    assert "Reenabled" in names and names.index("Reenabled") < names.index("Associating")


# ---------------------------------------------------------------- TKIP countermeasures
def test_tkip_countermeasures_deauthenticate_once_and_a_disconnect_wins(budget):
    """Two Michael MIC failures within 60 s: one deauthentication (reason 14),
    no reconnect for 60 s.  A DISCONNECT meanwhile is not undone when the 60 s
    are up (the old reconnect timer overrode it)."""
    x = Rig()
    run_until(x.loop, x.state("COMPLETED"), within=5)
    deauths = len(x.driver.deauths)
    x.iface.on_driver_event(ev.MichaelMicFailure(src=AA, unicast=True, key_index=0))
    run_for(x.loop, 5)
    assert x.iface.wpa_state == "COMPLETED"
    mark = x.rec.mark()
    x.iface.on_driver_event(ev.MichaelMicFailure(src=AA, unicast=True, key_index=0))
    assert x.rec.names(mark, (nt.MichaelMicFailure, nt.TkipCountermeasures, nt.Disconnected)) \
        == ["MichaelMicFailure", "TkipCountermeasures", "Disconnected"]
    _, gone = x.rec.last(nt.Disconnected)
    assert (gone.reason, gone.locally_generated) == (14, True)
    assert [r for _, r in x.driver.deauths[deauths:]] == [14]
    run_for(x.loop, 59)
    assert x.rec.since(mark, nt.Associating) == [] and x.iface.wpa_state == "DISCONNECTED"
    run_until(x.loop, x.state("COMPLETED"), within=3)      # back after the 60 s

    # Again, and this time the user says DISCONNECT during the 60 s.
    run_for(x.loop, 61)
    x.iface.on_driver_event(ev.MichaelMicFailure(src=AA, unicast=False, key_index=1))
    x.iface.on_driver_event(ev.MichaelMicFailure(src=AA, unicast=False, key_index=1))
    mark = x.rec.mark()
    run_for(x.loop, 10)
    x.iface.disconnect()
    run_for(x.loop, 120)
    assert x.rec.since(mark, nt.Associating) == []
    assert x.iface.wpa_state == "DISCONNECTED"


# ---------------------------------------------------------------- connection quality
def test_cqm_is_armed_at_completed_and_only_crossings_are_published(budget):
    """set_cqm after COMPLETED (it was never called before); the kernel's first
    report says where the signal stands and is not an event; a fall below the
    threshold is published and starts a scan for a better BSS."""
    x = Rig()
    run_until(x.loop, x.state("COMPLETED"), within=5)
    assert x.driver.cqm == [(-70, 4)]
    scans = len(x.driver.scans)
    mark = x.rec.mark()
    x.iface.on_driver_event(ev.SignalChange(rssi=-40, low=False))
    assert x.rec.since(mark, nt.SignalChange) == []
    x.iface.on_driver_event(ev.SignalChange(rssi=-75, low=True))
    x.iface.on_driver_event(ev.SignalChange(rssi=-60, low=False))
    got = [(n.above, n.signal) for _, n in x.rec.since(mark, nt.SignalChange)]
    assert got == [(0, -75), (1, -60)]
    run_for(x.loop, 1)
    assert len(x.driver.scans) > scans and x.iface.wpa_state == "COMPLETED"
