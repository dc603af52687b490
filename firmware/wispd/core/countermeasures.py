"""TKIP countermeasures (IEEE 802.11-2020 12.5.2.4): two Michael MIC failures
within 60 s take the link down, and it stays down for 60 s.

The station says how to leave (one deauthentication, reason 14) and how to come
back; this object only keeps the clock.  While it is active the station does
not scan or connect; when it ends, the station decides whether to come back (a
DISCONNECT given meanwhile wins).
"""

from wispd.core import notify as nt

SECONDS = 60
REASON_MIC_FAILURE = 14


class TkipCountermeasures:
    def __init__(self, eloop, notify, leave, resume):
        self.eloop = eloop
        self.notify = notify
        self.leave = leave            # leave(reason): deauthenticate once
        self.resume = resume          # resume(): the 60 s are over
        self.active = False
        self.last_failure = None

    def mic_failure(self):
        now = self.eloop.now()
        last, self.last_failure = self.last_failure, now
        self.notify(nt.MichaelMicFailure())
        if last is None or now - last >= SECONDS or self.active:
            return
        self.notify(nt.TkipCountermeasures())
        self.active = True
        self.leave(REASON_MIC_FAILURE)
        self.eloop.register_timeout(SECONDS, self._over)

    def _over(self):
        self.active = False
        self.resume()

    def cancel(self):
        self.eloop.cancel_timeout(self._over)
        self.active = False
