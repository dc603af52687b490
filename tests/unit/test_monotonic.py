"""All timing in wispd is monotonic: a wall-clock jump (NTP at boot, an RTC-less
board, `date -s`) must not make a timer fire early or late.  The hwsim test
test_faults_driver.py::test_wall_clock_jumps shows it on the real daemon; this
keeps new wall-clock reads from creeping in unnoticed."""
import os
import re

import wispd

# Every place that may read the wall clock, and why that is right there.
WALL_CLOCK_OK = {
    "platform/log.py": "-t log timestamps are wall time, as wpa_supplicant's",
    "platform/netlink.py": "a start value for sequence numbers, nothing is timed by it",
    "config/provision.py": "the time of the last provisioning, a wall-time record kept across boots",
}


def test_only_audited_modules_read_the_wall_clock():
    root = os.path.dirname(wispd.__file__)
    found = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    hits = re.findall(r"\btime\.time\(|\bdatetime\b|\btime\.localtime\(", f.read())
                if hits:
                    found[os.path.relpath(path, root)] = len(hits)
    assert set(found) <= set(WALL_CLOCK_OK), found
    assert all(n == 1 for n in found.values()), found


def test_the_eloop_runs_on_the_monotonic_clock():
    import time
    from wispd.platform.eloop import Eloop
    loop = Eloop()
    assert loop.now is time.monotonic
    loop.close()
