"""The kernel's nl80211 events as `iw event -t` prints them, for tests that
assert the ORDER of what a supplicant asked the radio to do (scans, the
connection), never their timing."""
from __future__ import annotations

import re
import subprocess
import time


class IwEvents:
    """`with IwEvents() as ev: ...` records every nl80211 event while the block
    runs; ev.lines(iface) are that interface's lines, in order."""

    def __init__(self):
        self.proc = None
        self.out = ""

    def __enter__(self) -> "IwEvents":
        self.proc = subprocess.Popen(["iw", "event", "-t"], stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)          # iw has joined the multicast groups
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.3)          # the last events are read
        self.proc.terminate()
        self.out = self.proc.communicate(timeout=10)[0]

    def lines(self, iface: str) -> list:
        return [line for line in self.out.splitlines() if (" %s " % iface) in line
                or line.split(":", 1)[-1].lstrip().startswith(iface + " ")]

    def steps(self, iface: str) -> list:
        """[(kind, [MHz...])] in order: ("scan", freqs) for each finished scan,
        ("aborted", freqs), ("started", []) for each scan start, ("connected",
        []) for a connection (CONNECT event, or the association of the SME
        path)."""
        out = []
        for line in self.lines(iface):
            if "scan finished" in line or "scan aborted" in line:
                tail = line.split("scan finished" if "scan finished" in line
                                  else "scan aborted", 1)[1]
                freqs = [int(f) for f in re.findall(r"\b(\d{4})\b", tail.split(",", 1)[0])]
                out.append(("scan" if "finished" in line else "aborted", freqs))
            elif "scan started" in line:
                out.append(("started", []))
            elif "connected to" in line or re.search(r": assoc\b", line):
                out.append(("connected", []))
        return out
