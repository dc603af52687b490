"""Fast reconnect: the frequencies of recently used networks.

Scanning every channel costs seconds; scanning the one channel the network was
on last time costs a fraction of that.  The file is one line per network,
"<ssid hex> <freq>", newest first, written atomically so a power cut leaves the
old list or the new one.  It holds no secrets.
"""

import logging
import os

from wispd.platform.durable import remove_stale_temps, write_atomic

log = logging.getLogger("wispd.recent")

MAX_ENTRIES = 8


class RecentFrequencies:
    def __init__(self, path):
        self.path = path
        self.entries = []          # [(ssid bytes, freq)], newest first
        remove_stale_temps(path)
        self._load()

    def _load(self):
        try:
            with open(self.path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2 and parts[1].isdecimal():
                        try:
                            self.entries.append((bytes.fromhex(parts[0]), int(parts[1])))
                        except ValueError:
                            continue
        except FileNotFoundError:
            pass
        except OSError as e:
            log.warning("cannot read %s: %s", self.path, e)
        self.entries = self.entries[:MAX_ENTRIES]

    def recent_freqs(self, networks):
        wanted = {n.ssid_bytes for n in networks if not n.disabled}
        out = []
        for ssid, freq in self.entries:
            if ssid in wanted and freq not in out:
                out.append(freq)
        return out

    def remember(self, ssid, freq):
        entry = (ssid, freq)
        if self.entries and self.entries[0] == entry:
            return
        self.entries = [entry] + [e for e in self.entries if e[0] != ssid][:MAX_ENTRIES - 1]
        text = "".join("%s %d\n" % (s.hex(), fq) for s, fq in self.entries)
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            write_atomic(self.path, text.encode("ascii"), 0o644)
        except OSError as e:
            log.warning("cannot save %s: %s", self.path, e)
