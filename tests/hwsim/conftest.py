"""Fixtures for the hwsim suite. This runs INSIDE the testbed VM (see
tests/hwsim/README.md): `python tests/hwsim/testbed.py run`.

Every scenario that takes the `supplicant` fixture runs once per configured
supplicant kind. The list comes from one place: `--supplicant KIND` (repeatable)
or else $WISPD_HWSIM_SUPPLICANTS (comma/space separated), default below.
"""
from __future__ import annotations

import os
import re

import pytest

from hwsimlib import log_dir
from hwsimlib.hostapd import HostapdAP
from hwsimlib.radios import HwsimRadios
from hwsimlib.station import SUPPLICANT_KINDS, Station

# out/ holds run results (maybe someone's scratch tests), guest/ the VM's init.
collect_ignore = ["out", "guest"]

DEFAULT_SUPPLICANTS = "wpa_supplicant,wispd"
DEFAULT_RADIOS = 2


def pytest_addoption(parser):
    parser.addoption("--supplicant", action="append", default=None,
                     choices=SUPPLICANT_KINDS,
                     help="supplicant kind to run scenarios against (repeatable); "
                          "default: $WISPD_HWSIM_SUPPLICANTS or %s" % DEFAULT_SUPPLICANTS)


def pytest_configure(config):
    config.addinivalue_line("markers", "radios(n): number of mac80211_hwsim radios (default 2)")
    config.addinivalue_line("markers", "supplicants(*kinds): only these supplicant kinds "
                                       "implement what the scenario tests")
    if not os.path.isdir("/lib/modules/" + os.uname().release):
        # Not a skip: on a host without the VM this suite cannot mean anything.
        raise pytest.UsageError(
            "tests/hwsim runs inside the testbed VM: python tests/hwsim/testbed.py run")


def supplicant_kinds(config) -> list:
    kinds = config.getoption("--supplicant")
    if not kinds:
        env = os.environ.get("WISPD_HWSIM_SUPPLICANTS") or DEFAULT_SUPPLICANTS
        kinds = [k for k in re.split(r"[,\s]+", env) if k]
    for k in kinds:
        if k not in SUPPLICANT_KINDS:
            raise pytest.UsageError("unknown supplicant %r (known: %s)"
                                    % (k, ", ".join(SUPPLICANT_KINDS)))
    return kinds


def pytest_generate_tests(metafunc):
    if "supplicant" in metafunc.fixturenames:
        kinds = supplicant_kinds(metafunc.config)
        # @pytest.mark.supplicants("wpa_supplicant") scopes a scenario to the kinds
        # that implement the feature yet (not a skip: the scenario is not generated).
        m = metafunc.definition.get_closest_marker("supplicants")
        if m:
            kinds = [k for k in kinds if k in m.args]
        metafunc.parametrize("supplicant", kinds)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
    if rep.failed:
        # Written at once: if the run is later killed (hang, timeout) the
        # details survive in the results share, not only in pytest's summary.
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
        d = os.path.join(log_dir(), name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "failure-%s.txt" % rep.when), "w") as f:
            f.write("%s\n\n%s\n" % (item.nodeid, rep.longreprtext))


def _failed(request) -> bool:
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture(scope="session")
def _hwsim_session():
    r = HwsimRadios(DEFAULT_RADIOS)
    yield r
    r.unload()


@pytest.fixture
def test_logdir(request) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    d = os.path.join(log_dir(), name)
    os.makedirs(d, exist_ok=True)
    return d


@pytest.fixture
def radios(request, _hwsim_session, test_logdir):
    """Fresh mac80211_hwsim radios for this test (module reloaded, rfkill
    unblocked). `radios.ifaces` = ['wlan0', 'wlan1', ...]. Use
    @pytest.mark.radios(3) for more."""
    m = request.node.get_closest_marker("radios")
    count = m.args[0] if m else DEFAULT_RADIOS
    _hwsim_session.reset(count)
    yield _hwsim_session
    if _failed(request):
        os.system("dmesg | tail -n 40 > %s/dmesg-tail.log" % test_logdir)


@pytest.fixture
def make_ap(request, radios, test_logdir):
    """make_ap(conf_dict, iface=None, bsses=(), start=True) -> HostapdAP.
    Defaults to the first radio. All APs are stopped after the test."""
    aps = []

    def factory(conf, iface=None, bsses=(), start=True, **kw):
        ap = HostapdAP(iface or radios.ifaces[0], conf, bsses=bsses,
                       name="hostapd%d-%s" % (len(aps), iface or radios.ifaces[0]),
                       logdir=test_logdir, **kw)
        aps.append(ap)
        if start:
            ap.start()
        return ap

    yield factory
    for ap in aps:
        if _failed(request):
            print("\n---- %s log (tail) ----\n%s" % (ap.name, ap.log_tail()))
        ap.stop()


@pytest.fixture
def make_station(request, radios, supplicant, test_logdir):
    """make_station(networks, iface=None, driver='nl80211', start=True, **kw) ->
    Station running the parametrized `supplicant` kind. Defaults to the second
    radio. All stations are stopped after the test."""
    stas = []

    def factory(networks=(), iface=None, driver="nl80211", start=True, global_conf=None,
                extra_args=(), **kw):
        iface = iface or radios.ifaces[1]
        sta = Station(supplicant, iface, driver=driver,
                      name="%s%d-%s" % (supplicant, len(stas), iface), logdir=test_logdir, **kw)
        stas.append(sta)
        if start:
            sta.start(networks, global_conf=global_conf, extra_args=extra_args)
        return sta

    yield factory
    for sta in stas:
        if _failed(request):
            print("\n---- %s events: %s" % (sta.name, sta.events_seen()))
            print("---- %s log (tail) ----\n%s" % (sta.name, sta.log_tail()))
        rc = sta.stop()
        print("%s stopped, exit code %s" % (sta.name, rc))
