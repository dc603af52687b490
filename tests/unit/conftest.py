import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from wispd.drivers import register_driver  # noqa: E402

register_driver("fake", "fakedriver:FakeDriver")
