"""Run-time health of the configured networks on one interface.

Failure counting and temporary disabling follow wpa_supplicant: an
authentication failure (WRONG_KEY) disables the network for 10, 20, 30, 60, 90,
120 and then 300 s by failure count; more than three failed association
attempts in a row count as one (CONN_FAILED).  A BSS that just failed is
ignored for a while when another one can serve.  Nothing here is saved.
"""

from wispd.core import notify as nt

# A BSS that failed is passed over for this long while others can serve.
IGNORE_BSS_SECONDS = 10
# Association failures in a row that count as one authentication failure.
CONN_FAILURES_BEFORE_DISABLE = 3


def temp_disable_duration(failures):
    """wpa_supplicant's schedule, by failure count, capped at 300 s."""
    for limit, seconds in ((50, 300), (10, 120), (5, 90), (3, 60), (2, 30), (1, 20)):
        if failures > limit:
            return seconds
    return 10


class NetworkState:
    """Run-time facts about one configured network."""
    __slots__ = ("auth_failures", "disabled_until", "conn_failures")

    def __init__(self):
        self.auth_failures = 0
        self.disabled_until = 0.0
        self.conn_failures = 0


class NetworkHealth:
    """Per-interface failure bookkeeping; now() is the monotonic clock."""

    def __init__(self, now, notify):
        self.now = now
        self.notify = notify
        self.by_id = {}
        self.ignored_bssids = {}        # bssid -> until
        self.failures = {}              # reason -> count, for the stats

    def of(self, network):
        st = self.by_id.get(network.id)
        if st is None:
            st = self.by_id[network.id] = NetworkState()
        return st

    def forget(self, network):
        self.by_id.pop(network.id, None)

    def reset(self):
        self.by_id = {}

    def disabled_until(self, network):
        st = self.by_id.get(network.id)
        return st.disabled_until if st is not None else 0.0

    def available(self, network):
        """Enabled and not temporarily disabled.  A disabling whose time is up
        is lifted here, where it is first noticed (wpa_supplicant's
        wpas_temp_disabled), so SSID-REENABLED comes before the retry."""
        if network.disabled:
            return False
        st = self.by_id.get(network.id)
        if st is None or not st.disabled_until:
            return True
        if st.disabled_until > self.now():
            return False
        self.clear_temp_disabled(network, clear_failures=False)
        return True

    def reenable_times(self):
        """When temporarily disabled networks come back (for rescan pacing)."""
        return [st.disabled_until for st in self.by_id.values() if st.disabled_until]

    def count(self, reason):
        self.failures[reason] = self.failures.get(reason, 0) + 1

    def ignored(self):
        now = self.now()
        return {b for b, until in self.ignored_bssids.items() if until > now}

    def attempt_failed(self, network, bssid, reason):
        """An attempt failed before the link came up: pass this BSS over for a
        while and, after repeated failures, disable the network for a while."""
        if bssid is not None:
            self.ignored_bssids[bssid] = self.now() + IGNORE_BSS_SECONDS
        self.count(reason)
        if network is not None:
            st = self.of(network)
            st.conn_failures += 1
            if st.conn_failures > CONN_FAILURES_BEFORE_DISABLE:
                self.auth_failed(network, reason)

    def auth_failed(self, network, reason):
        st = self.of(network)
        st.auth_failures += 1
        st.conn_failures = 0
        duration = temp_disable_duration(st.auth_failures)
        st.disabled_until = self.now() + duration
        self.notify(nt.TempDisabled(network.id, network.ssid_bytes or b"", st.auth_failures,
                                    duration,
                                    reason))

    def clear_temp_disabled(self, network, clear_failures=True):
        st = self.of(network)
        if st.disabled_until:
            st.disabled_until = 0.0
            self.notify(nt.Reenabled(network.id, network.ssid_bytes or b""))
        if clear_failures:
            st.auth_failures = 0
            st.conn_failures = 0

    def connected(self, network):
        self.ignored_bssids.clear()
        if network is not None:
            self.clear_temp_disabled(network)
