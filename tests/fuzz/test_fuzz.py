"""The short fuzz run of `make unit`: every target's corpus replayed (the
regression inputs of every crash found so far), then a few seconds of
hypothesis per target (FUZZ_SHORT_SECONDS, default 2).  `make fuzz` is the long
run of the same targets (tests/fuzz/run.py)."""

import os

import pytest

import fuzzlib
from targets import TARGETS

SHORT_SECONDS = float(os.environ.get("FUZZ_SHORT_SECONDS", "2"))


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
    assert fuzzlib.fuzz(target, SHORT_SECONDS) > 0
