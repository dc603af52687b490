"""What the two control targets share: an in-process daemon on the unit tests'
fake driver, a watch on the log for exceptions that reached a catch-all (the
eloop's "handler failed", the codecs' "crashed"), and the wispd logger's
state, which LOG_LEVEL may change and each example must get back."""

import logging
import os
import pathlib
import shutil
import sys
import tempfile

import fakedriver
from harness import Harness
from wispd.config import wpaconf
from wispd.platform import log as wlog

# A tmpfs where there is one: SAVE_CONFIG fsyncs, and every example writes files.
TMPFS = "/dev/shm" if os.path.isdir("/dev/shm") else None

# update_config=1 so SAVE_CONFIG writes; one network so ids 0.. exist.
CONF = ('update_config=1\n\nnetwork={\n\tssid="cafe"\n\tkey_mgmt=NONE\n}\n'
        '\nnetwork={\n\tssid="home"\n\tpsk="correct horse"\n\tpriority=2\n}\n')


# What the fake driver's scans find: the open network of CONF (so a connection
# completes), a WPA2 one, and an SSID that needs escaping in every reply.
WORLD = (fakedriver.open_bss("02:00:00:00:00:01", b"cafe"),
         fakedriver.wpa2_bss("02:00:00:00:00:02", b"home"),
         fakedriver.open_bss("02:00:00:00:00:03", b"t\tab\n\"x\xff\0"))


class CrashLog(logging.Handler):
    """Records every log record that carries a traceback."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        if record.exc_info:
            self.records.append("%s: %s\n%s" % (record.name, record.getMessage(),
                                                logging.Formatter().formatException(
                                                    record.exc_info)))


class FuzzDaemon:
    """A fresh daemon per example (its tmp dir reused), the log watched."""

    def __init__(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="wispd-fuzz-ctl-", dir=TMPFS))
        self.crashes = CrashLog()
        self.logger = logging.getLogger("wispd")
        self.h = None
        self.devnull = open(os.devnull, "w")

    def start(self):
        self.saved = (self.logger.level, self.logger.propagate, list(self.logger.handlers),
                      wlog.settings.level, wlog.settings.timestamps, wlog.settings.handler)
        self.logger.addHandler(self.crashes)
        self.crashes.records = []
        # LOG_LEVEL with a timestamp flag (re)opens the log on sys.stdout.
        self.stdout, sys.stdout = sys.stdout, self.devnull
        # Scans and associations complete at the next loop turn, not 10 ms later.
        self.delay, fakedriver.FakeDriver.delay = fakedriver.FakeDriver.delay, 0
        self.h = Harness(self.tmp, CONF, WORLD)
        # The start-up scan's results in the BSS table, so that BSS,
        # SCAN_RESULTS and connecting have something to work on.
        self.h.run_until(lambda: len(self.h.iface.bss) == len(WORLD), 2.0)
        return self.h

    def config_text(self):
        return wpaconf.dump(self.h.iface.config)

    def file_bytes(self):
        with open(self.h.conf, "rb") as f:
            return f.read()

    def stop(self):
        # The logger first (LOG_LEVEL may have added a stdout handler and
        # lowered the level), still watched while the daemon shuts down.
        level, propagate, handlers, wlevel, wts, whandler = self.saved
        if wlog.settings.handler is not whandler and wlog.settings.handler is not None:
            wlog.settings.handler.close()
        wlog.settings.level, wlog.settings.timestamps, wlog.settings.handler = wlevel, wts, whandler
        self.logger.handlers[:] = handlers + [self.crashes]
        self.logger.setLevel(level)
        self.logger.propagate = propagate
        if self.h is not None:
            self.h.close()
            self.h = None
        self.logger.removeHandler(self.crashes)
        sys.stdout = self.stdout
        fakedriver.FakeDriver.delay = self.delay

    def assert_no_crash(self, what):
        assert not self.crashes.records, "%r raised inside the daemon:\n%s" % (
            what, self.crashes.records[0])

    def close(self):
        self.devnull.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class DaemonTarget:
    """Mixin for the targets that drive a whole daemon (control text, compact):
    one FuzzDaemon per target run, started afresh by each check."""

    def setup(self):
        self.fd = FuzzDaemon()

    def teardown(self):
        self.fd.close()
