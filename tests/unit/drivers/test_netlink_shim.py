"""pyroute2's message classes without pyroute2's package __init__ (the shim in
wispd.platform.netlink).  These fail loudly if a pyroute2 upgrade makes the cheap message
classes import the expensive parts, or the shim stops working."""
import json
import subprocess
import sys

PROBE = r"""
import json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
import wispd.drivers.nl80211.driver, wispd.platform.l2, wispd.platform.rtnl, wispd.platform.rfkill, wispd.platform.netlink
pkg = sys.modules["pyroute2"]
print(json.dumps({"rss_kb": rss(), "modules": sorted(sys.modules),
                  "shim": bool(getattr(pkg, "__wispd_shim__", False))}))
"""

BASE = r"""
import json
import socket, select, struct, signal, os, errno, fcntl, logging, heapq, time
for line in open("/proc/self/status"):
    if line.startswith("VmRSS"):
        print(json.dumps({"rss_kb": int(line.split()[1])}))
"""


def run(code):
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, check=True,
                         text=True).stdout
    return json.loads(out)


def test_driver_modules_do_not_run_pyroute2_init_nor_import_asyncio():
    info = run(PROBE)
    mods = set(info["modules"])
    assert info["shim"], "pyroute2/__init__.py ran: the shim did not take effect"
    for heavy in ("asyncio", "pyroute2.netlink.nlsocket", "pyroute2.netlink.nl80211",
                  "pyroute2.iproute", "pyroute2.config", "pyroute2.netlink.generic",
                  "pyroute2.netlink.rtnl.ifinfmsg", "multiprocessing", "dataclasses",
                  "threading_extra_never_used"):
        assert heavy not in mods, "%s got imported" % heavy
    pyroute2_mods = sorted(m for m in mods if m.startswith("pyroute2"))
    assert pyroute2_mods == ["pyroute2", "pyroute2.common", "pyroute2.netlink",
                             "pyroute2.netlink.exceptions"], pyroute2_mods


def test_import_cost_stays_small():
    # Measured on CPython 3.11: stdlib networking base 12.1 MB, with the driver
    # modules 14.5 MB.  Allow some slack, but catch a pyroute2 that pulls in
    # its sockets (+8 MB) or its package (+20 MB).
    base = run(BASE)["rss_kb"]
    driver = run(PROBE)["rss_kb"]
    assert driver - base < 4096, (base, driver)


def test_shim_message_classes_round_trip():
    from wispd.drivers.nl80211 import msgs as m
    msg = m.build(m.CMD_TRIGGER_SCAN, [("IFINDEX", 5), ("SCAN_SSIDS", [b"", b"x"]),
                                       ("SCAN_FREQUENCIES", [2412]), ("SOCKET_OWNER", True)])
    msg["header"]["type"] = 0x1C
    msg.encode()
    raw = bytes(msg.data)
    # the wire format, checked by hand against <linux/netlink.h>/<linux/genetlink.h>
    assert raw[4:6] == b"\x1c\x00" and raw[16] == m.CMD_TRIGGER_SCAN and raw[17] == 1
    assert raw[20:28] == bytes.fromhex("0800030005000000")        # IFINDEX=5
    back = m.attrs_of(m.decode(raw))
    assert back == {"IFINDEX": 5, "SCAN_SSIDS": [b"", b"x"], "SCAN_FREQUENCIES": [2412],
                    "SOCKET_OWNER": True}
