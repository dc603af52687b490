import os
import sys

import pytest

# An illegal wpa_state move raises here (and in the daemons the tests start,
# which inherit the environment); in production it is only logged.
os.environ["WISPD_STRICT_STATES"] = "1"

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from wispd.drivers.ops import register_driver

register_driver("fake", "fakedriver:FakeDriver")

from wispd.core import states  # noqa: E402  (after the environment is set)

states.STRICT = True


@pytest.fixture(autouse=True)
def no_illegal_state_changes():
    del states.VIOLATIONS[:]
    yield
    assert states.VIOLATIONS == [], "illegal wpa_state moves: %r" % states.VIOLATIONS
