"""The short fuzz run of `make unit`: every target's corpus replayed (the
regression inputs of every crash found so far), then a few seconds of
hypothesis per target (FUZZ_SHORT_SECONDS, default 2) with fixed seeds.  `make fuzz` is the long
run of the same targets (tests/fuzz/run.py)."""

import os

import pytest

import fuzzlib
import targets
from targets import TARGETS

SHORT_SECONDS = float(os.environ.get("FUZZ_SHORT_SECONDS", "2"))
# Fixed inputs in `make test` (see fuzzlib.fuzz); `make fuzz` draws new ones.
SHORT_SEED = 20261126


@pytest.fixture
def target(request):
    restore = fuzzlib.quiet_logs()
    t = request.param
    t.setup()
    yield t
    t.teardown()
    restore()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name, indirect=True)
def test_corpus_replays(target):
    assert fuzzlib.replay(target) >= 3


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name, indirect=True)
def test_short_fuzz(target):
    assert fuzzlib.fuzz(target, SHORT_SECONDS, seed=SHORT_SEED) > 0


def test_eapol_seeds_are_a_real_handshake():
    # The seeds are worth mutating only while they still are the frames of a
    # handshake that works: message 3 installs the keys, group message 1 is
    # answered (same GTK: not installed again).
    from fuzz_eapol import SETTINGS, scenario
    from wispd.rsn.handshake import Completed, InstallKey, SendEapol
    corpus = dict(targets.BY_NAME["eapol"].corpus_files())
    for setting in SETTINGS:
        auth, sup = scenario(setting)
        frames = [corpus["%s-seed-%s.frame" % (setting, m)] for m in ("msg1", "msg3", "gmsg1")]
        assert [type(a) for a in sup.receive_eapol(frames[0])] == [SendEapol]
        actions = sup.receive_eapol(frames[1])
        assert isinstance(actions[-1], Completed)
        assert sum(isinstance(a, InstallKey) for a in actions) == (3 if "pmf" in setting
                                                                   or setting == "sae" else 2)
        assert [type(a) for a in sup.receive_eapol(frames[2])] == [SendEapol]
