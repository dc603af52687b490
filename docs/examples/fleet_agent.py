#!/usr/bin/env python3
"""An example fleet agent on wispd's compact control protocol.

It connects, subscribes to events, keeps a current view of the link, applies a
network list from a TOML file whenever the file changes, and recovers from a
daemon restart (or a lost event: events_dropped) by reconnecting and resyncing.
Reporting upstream is a print here; a real agent would send `view` to its server.

    python3 fleet_agent.py --networks /etc/wispd/networks.toml [--socket PATH]

Only the standard library, msgpack and wispd.client (a single file that can be
copied next to this one) are needed.
"""

import argparse
import json
import os
import sys
import time

from wispd.client import DEFAULT_PATH, Client, Disconnected, WispError
from wispd.cli import jsonable, toml_networks

RETRY_MAX = 30.0


class Agent:
    def __init__(self, socket_path, networks_path, poll=1.0):
        self.socket_path = socket_path
        self.networks_path = networks_path
        self.poll = poll
        self.client = None
        self.view = {}
        self.applied_mtime = None

    # ---------------------------------------------------------------- connection
    def connect(self):
        """Connect (with backoff while the daemon is away), subscribe, resync."""
        delay = 0.2
        while True:
            try:
                self.client = Client(self.socket_path, timeout=10)
                break
            except (OSError, WispError) as e:
                self.report("daemon unreachable (%s), retrying in %.1f s" % (e, delay))
                time.sleep(delay)
                delay = min(delay * 1.5, RETRY_MAX)
        self.client.subscribe(["connected", "disconnected", "ssid_temp_disabled",
                               "networks_applied", "terminating"])
        self.resync()
        # A restarted daemon has the file it saved; re-apply only if it changed since.

    def resync(self):
        st = self.client.status()
        self.view = {"state": st["state"], "link": st["link"], "counters": st["counters"],
                     "networks": self.client.networks()}
        self.report("resync")

    # ---------------------------------------------------------------- networks
    def maybe_apply(self):
        try:
            mtime = os.stat(self.networks_path).st_mtime
        except OSError:
            return
        if mtime == self.applied_mtime:
            return
        try:
            nets = toml_networks(self.networks_path)
        except (OSError, ValueError) as e:
            self.report("networks file unreadable: %s" % e)
            self.applied_mtime = mtime          # wait for the next change
            return
        try:
            result = self.client.apply_networks(nets, save=True)
            self.report("applied %d networks (saved=%s)" % (len(result["ids"]), result["saved"]))
        except WispError as e:
            # The daemon validated and refused: nothing changed on the device.
            self.report("networks refused: %s %s" % (e.code, e.message))
        self.applied_mtime = mtime

    # ---------------------------------------------------------------- events
    def on_message(self, msg):
        if msg["type"] == "events_dropped":
            self.report("lost %d events, resyncing" % msg["count"])
            self.resync()
            return
        name = msg["event"]
        if name == "terminating":
            raise Disconnected("terminating", "the daemon is stopping")
        if name in ("connected", "disconnected"):
            st = self.client.status()
            self.view.update(state=st["state"], link=st["link"], counters=st["counters"])
        self.report("event #%d %s" % (msg["seq"], name))

    def report(self, why):
        sys.stdout.write(json.dumps({"why": why, "view": jsonable(self.view)}) + "\n")
        sys.stdout.flush()

    def run(self):
        while True:
            try:
                if self.client is None:
                    self.connect()
                self.maybe_apply()
                msg = self.client.next_event(self.poll)
                if msg is not None:
                    self.on_message(msg)
            except Disconnected as e:
                self.report("daemon went away (%s); reconnecting" % e.code)
                if self.client is not None:
                    self.client.close()
                self.client = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--socket", default=DEFAULT_PATH)
    ap.add_argument("--networks", required=True, help="TOML file with [[network]] tables")
    a = ap.parse_args()
    try:
        Agent(a.socket, a.networks).run()
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
