"""The EAP peer (RFC 3748, RFC 4137's peer machine cut to what a station
needs): EAPOL frames in, actions out, no sockets and no timers.

    peer = EapPeer(settings)
    actions = peer.start()                 # [Send(EAPOL-Start)]
    actions = peer.receive_eapol(frame)    # Send / Event / Done

The connection (core/eapauth.py) sends what Send carries, renders Events as
notifications, restarts with start() when the authenticator stays silent, and
on Done(ok=True) takes the MSK's first 32 bytes as the PMK.  Methods are
imported on first use: the TLS ones load OpenSSL, which a network that never
proposes them must not pay for.
"""

import logging

from wispd.eap import packet as P
from wispd.eap.settings import EapSettings  # noqa: F401 - the peer's input, re-exported

log = logging.getLogger("wispd.eap")

# EAP state names as wpa_supplicant's STATUS prints them ("EAP state=").
IDLE = "IDLE"
IDENTITY = "IDENTITY"
METHOD = "METHOD"
SUCCESS = "SUCCESS"
FAILURE = "FAILURE"

_TUNNELED = (P.TYPE_PEAP, P.TYPE_TTLS)


class Send:
    __slots__ = ("frame",)

    def __init__(self, frame):
        self.frame = frame


class Event:
    """kind: started, proposed, method, peer_cert, cert_error, status,
    notification, phase2, success, failure, no_ca."""
    __slots__ = ("kind", "args")

    def __init__(self, kind, *args):
        self.kind = kind
        self.args = args

    def __repr__(self):
        return "Event(%s%s)" % (self.kind, "".join(", %r" % (a,) for a in self.args))


class Done:
    __slots__ = ("ok", "msk", "reason")

    def __init__(self, ok, msk=None, reason=None):
        self.ok = ok
        self.msk = msk
        self.reason = reason

    def __repr__(self):    # never the MSK
        return "Done(ok=%r, reason=%r)" % (self.ok, self.reason)


class EapPeer:
    def __init__(self, settings):
        self.settings = settings
        self.state = IDLE
        self.method = None
        self.method_type = None
        self.started = False
        self.finished = False
        self.last_id = None
        self.last_resp = None
        self.reason = None
        self.password_requested = False

    @property
    def selected_method(self):
        return P.METHOD_NAMES.get(self.method_type) if self.method_type else None

    def start(self):
        """EAPOL-Start (again, when the authenticator is silent)."""
        return [Send(P.eapol(P.EAPOL_START))]

    def logoff(self):
        return [Send(P.eapol(P.EAPOL_LOGOFF))]

    def receive_eapol(self, frame):
        try:
            _version, ptype, body = P.parse_eapol(frame)
            if ptype != P.EAPOL_EAP:
                return []
            pkt = P.Packet.parse(body)
        except P.EapError as e:
            log.debug("EAP: frame dropped: %s", e)
            return []
        return self.receive(pkt)

    def receive(self, pkt):
        if self.finished:
            return []
        if pkt.code == P.CODE_REQUEST:
            return self._request(pkt)
        if pkt.code == P.CODE_SUCCESS:
            return self._success()
        if pkt.code == P.CODE_FAILURE:
            return self._failure()
        return []

    # -- requests
    def _request(self, pkt):
        out = []
        if not self.started:
            self.started = True
            out += [Event("started"), Event("status", "started", "")]
        if pkt.ident == self.last_id and self.last_resp is not None:
            # A retransmission (RFC 3748 4.1): the same answer again.
            return out + [Send(self.last_resp)]
        t = pkt.type
        if t == P.TYPE_IDENTITY:
            self.state = IDENTITY
            return out + self._respond(pkt.ident, t, self._outer_identity())
        if t == P.TYPE_NOTIFICATION:
            out.append(Event("notification", pkt.data.decode("utf-8", "replace")))
            return out + self._respond(pkt.ident, t, b"")
        if t in (P.TYPE_NAK, P.TYPE_EXPANDED) or t not in self.settings.methods or (
                self.method_type is not None and t != self.method_type):
            if self.method_type is not None and t != self.method_type:
                log.debug("EAP: request for method %d while %d runs, dropped", t,
                          self.method_type)
                return out
            name = P.METHOD_NAMES.get(t, "unknown")
            out += [Event("proposed", t, True), Event("status", "refuse proposed method", name)]
            return out + self._respond(pkt.ident, P.TYPE_NAK, bytes(self.settings.methods))
        if self.method is None and t in _TUNNELED and self.settings.password is None \
                and self.settings.nt_hash is None:
            # No password: ask for one (CTRL-REQ-PASSWORD) and let the server
            # retransmit; the request is answered once CTRL-RSP-PASSWORD set it.
            if not self.password_requested:
                self.password_requested = True
                out.append(Event("need_password"))
            return out
        if self.method is None:
            out += [Event("proposed", t, False),
                    Event("status", "accept proposed method", P.METHOD_NAMES[t])]
            try:
                self.method = self._new_method(t)
            except Exception as e:   # noqa: BLE001 - TLS library or key files: fail the attempt
                self.reason = str(e)
                self.state = FAILURE
                self.finished = True
                return out + [Event("failure", self.reason), Done(False, reason=self.reason)]
            self.method_type = t
            self.state = METHOD
            out.append(Event("method", t, P.METHOD_NAMES[t]))
            if not self.settings.tls.ca_cert:
                out.append(Event("no_ca"))
        try:
            resp = self.method.process(pkt.data)
        except ValueError as e:
            log.info("EAP-%s: request dropped: %s", self.method.name, e)
            resp = None
        out += [Event(*ev) for ev in self.method.events]
        self.method.events = []
        if resp is None and self.method.decision == "failure":
            # Nothing worth sending (our key will not load, a forged MSCHAPv2
            # success): give up now rather than wait for the timeout.
            self.state = FAILURE
            self.finished = True
            self.reason = self.method.error
            return out + [Event("failure", self.reason), Done(False, reason=self.reason)]
        if resp is None:
            return out
        return out + self._respond(pkt.ident, t, resp)

    def _outer_identity(self):
        s = self.settings
        if s.anonymous_identity and (not self.settings.methods
                                     or self.settings.methods[0] in _TUNNELED):
            return s.anonymous_identity
        return s.identity or b""

    def _respond(self, ident, type_, data):
        frame = P.eapol(P.EAPOL_EAP, P.response(ident, type_, data))
        self.last_id = ident
        self.last_resp = frame
        return [Send(frame)]

    def _new_method(self, t):
        s = self.settings
        frag = s.fragment_size
        if t == P.TYPE_TLS:
            from wispd.eap.tlsmethods import EapTls
            return EapTls(s.tls, frag, tls13=s.option(s.phase1, "tls_disable_tlsv1_3") == "0")
        from wispd.eap.mschapv2 import Credentials
        creds = Credentials(s.identity or b"", s.password, s.nt_hash)
        if t == P.TYPE_PEAP:
            from wispd.eap.peap import Peap
            return Peap(s.tls, creds, frag)
        inner = s.option(s.phase2, "auth") or s.option(s.phase2, "autheap") or "MSCHAPV2"
        from wispd.eap.ttls import Ttls
        return Ttls(s.tls, creds, inner.upper(), frag)

    # -- the end
    def _success(self):
        m = self.method
        if m is None or m.decision != "success" or m.msk is None:
            # RFC 4137: a Success the method has not earned is ignored.
            log.info("EAP: EAP-Success before the method finished, ignored")
            return []
        self.state = SUCCESS
        self.finished = True
        return [Event("status", "completion", "success"), Event("success"),
                Done(True, msk=m.msk)]

    def _failure(self):
        self.state = FAILURE
        self.finished = True
        m = self.method
        self.reason = (m.error if m is not None and m.error else None) or "EAP-Failure"
        return [Event("status", "completion", "failure"), Event("failure", self.reason),
                Done(False, reason=self.reason)]
