"""Start wispd with the unit tests' fake driver registered (for wpa_cli tests).

The host has no wireless interface, so tests that drive a real wispd process
with the real wpa_cli run it on the fake driver.  The world of fake BSSes comes
from the environment: FAKE_WORLD="open:02:00:00:00:00:01:ssid-text,...".
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fakedriver  # noqa: E402
from wispd.drivers.ops import register_driver
from wispd.main import main  # noqa: E402

register_driver("fake", "fakedriver:FakeDriver")
for item in filter(None, os.environ.get("FAKE_WORLD", "").split(",")):
    kind, rest = item.split(":", 1)
    bssid, ssid = rest[:17], rest[18:]
    make = fakedriver.open_bss if kind == "open" else fakedriver.wpa2_bss
    fakedriver.FakeDriver.world.append(make(bssid, ssid.encode()))
sys.exit(main())
