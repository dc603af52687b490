import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from wispd.drivers.ops import register_driver

register_driver("fake", "fakedriver:FakeDriver")
