import os
import sys

import pytest

# An illegal wpa_state move raises here (and in the daemons the tests start,
# which inherit the environment); in production it is only logged.
os.environ["WISPD_STRICT_STATES"] = "1"

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The tests live in one folder a package (core/, control/, ...); a few import
# another folder's test module for its AP-side helpers, whatever the order.
for _sub in ("core", "control", "config", "drivers", "platform", "rsn"):
    sys.path.insert(1, os.path.join(HERE, _sub))

from wispd.drivers.ops import register_driver

register_driver("fake", "fakedriver:FakeDriver")

from wispd.core import states  # noqa: E402  (after the environment is set)

states.STRICT = True


@pytest.fixture(autouse=True)
def no_illegal_state_changes():
    del states.VIOLATIONS[:]
    yield
    assert states.VIOLATIONS == [], "illegal wpa_state moves: %r" % states.VIOLATIONS


@pytest.fixture(autouse=True)
def wispd_logger_restored():
    """wispd.main() sets up the "wispd" logger (handlers, propagate, level) as a
    daemon does; a test that runs main() must not leave that to the next one."""
    import logging
    logger = logging.getLogger("wispd")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]


@pytest.fixture
def h(tmp_path):
    """h(conf, world, **kw): a daemon on the fake driver (harness.Harness), closed
    after the test."""
    from harness import Harness
    made = []

    def make(conf="", world=(), **kw):
        x = Harness(tmp_path, conf, world, **kw)
        made.append(x)
        return x
    yield make
    for x in made:
        x.close()
