"""802.1X/EAP on the connect path: glue between one Connection and the sans-IO
EAP peer (wispd.eap), as core/saeauth.py is for SAE.

Flow: after association with an 802.1X AKM the Connection hands EAPOL frames
that are not EAPOL-Key to receive(); the peer's answers go out through the
Connection's send_eapol.  The authenticator normally speaks first (hostapd
sends Identity at once); when it stays silent we send EAPOL-Start, up to
START_MAX times.  On EAP-Success the MSK's first 32 octets are the PMK
(IEEE 802.11-2020 12.7.1.3) and the Connection starts the 4-way handshake; on
EAP-Failure or a timeout the attempt fails with AUTH_FAILED, which the station
turns into TEMP-DISABLED like wpa_supplicant.

Secrets (password, key passphrase, MSK, PMK) never reach a log line, an
event or a reply: the MSK is logged only with -K (platform.log's key()).
This module imports only the peer, which imports the TLS methods (and
OpenSSL) when the server proposes one.
"""

import logging

from wispd.config.values import ConfigError, decode_string
from wispd.core import notify as nt
from wispd.core import security
from wispd.platform import log as wlog
from wispd.rsn import ie as rsnie
from wispd.rsn.kdf import pmkid as derive_pmkid
from wispd.rsn.pmksa import PmksaCache

log = logging.getLogger("wispd.eap")

START_DELAY = 1.0        # wait this long for the authenticator's Identity request
START_PERIOD = 3.0       # then EAPOL-Start every START_PERIOD seconds
START_MAX = 3
EAP_TIMEOUT = 30.0       # the whole exchange (TCG guests and slow RADIUS servers)

_METHOD_NUMBERS = {"TLS": 13, "PEAP": 25, "TTLS": 21}
# wpa_supplicant's enum tls_fail_reason for CTRL-EVENT-EAP-TLS-CERT-ERROR.
_CERT_REASONS = {"Domain suffix mismatch": 9, "Domain mismatch": 10,
                 "AltSubject mismatch": 6, "certificate has expired": 4,
                 "certificate is not yet valid": 3}


# PMKSA caching for 802.1X: per interface, in memory only (rsn/pmksa.py).  Kept
# here rather than on the station so a PSK-only daemon never builds one.
_PMKSA = {}


def pmksa_cache(conn):
    cache = _PMKSA.get(conn.ifname)
    if cache is None:
        cache = _PMKSA[conn.ifname] = PmksaCache(conn.eloop.now)
    return cache


def network_key(network):
    """A PMKSA belongs to one network's credentials: a changed identity, method
    or CA never reuses a PMK."""
    return tuple(network.get(f) for f in ("ssid", "identity", "eap", "ca_cert", "client_cert",
                                          "password"))


def prepare_pmksa(conn, network, bss, plan, params):
    """Before association: with a cached PMKSA for this BSS, its PMKID goes into
    our RSN element (the AP then skips EAP); returns the entry or None."""
    entry = pmksa_cache(conn).get(bss.bssid, network_key(network), plan.sel.akm)
    if entry is None:
        return None
    own = plan.sel.own_ie
    info = rsnie.parse_rsn_ie(own[:2 + own[1]])
    own = rsnie.build_rsn_ie(info.group_cipher, info.pairwise_ciphers, info.akms,
                             info.capabilities, pmkids=(entry.pmkid,),
                             group_mgmt=info.group_mgmt_cipher)
    plan.sel.own_ie = own
    params.wpa_ie = own
    log.info("%s: PMKSA caching with %s", conn.ifname, bss.bssid_txt)
    return entry


def _text(network, field, as_bytes=False):
    raw = network.get(field)
    if raw is None:
        return None
    data = decode_string(raw, field)
    return data if as_bytes else data.decode("utf-8", "surrogateescape")


def settings_for(network):
    """The peer's EapSettings for a network block; raises SecurityError."""
    from wispd.eap.settings import EapSettings, TlsSettings
    try:
        password = nt_hash = None
        raw_pw = network.get("password")
        if raw_pw is not None and raw_pw.startswith("hash:"):
            nt_hash = bytes.fromhex(raw_pw[5:])
        elif raw_pw is not None:
            password = _text(network, "password")
        tls = TlsSettings(
            ca_cert=_text(network, "ca_cert"), client_cert=_text(network, "client_cert"),
            private_key=_text(network, "private_key"),
            private_key_passwd=_text(network, "private_key_passwd"),
            domain_suffix_match=_text(network, "domain_suffix_match"),
            domain_match=_text(network, "domain_match"),
            altsubject_match=_text(network, "altsubject_match"))
        frag = network.get("fragment_size")
        return EapSettings(
            methods=[_METHOD_NUMBERS[m] for m in security.eap_methods(network)],
            identity=_text(network, "identity", True),
            anonymous_identity=_text(network, "anonymous_identity", True),
            password=password, nt_hash=nt_hash, tls=tls,
            phase1=_text(network, "phase1"), phase2=_text(network, "phase2"),
            fragment_size=int(frag) if frag else None)
    except (ConfigError, ValueError) as e:
        raise security.SecurityError("network %d: EAP settings: %s" % (network.id, e)) from None


class EapAuth:
    def __init__(self, conn, cached=None):
        self.conn = conn
        self.cached = cached      # a PmksaEntry offered in the association
        self.eloop = conn.eloop
        self.peer = None
        self.starts = 0
        self.pmk = None
        self.done = False
        self.tls_version = None

    def begin(self):
        """Start the EAP phase; False (and the attempt failed) when impossible."""
        from wispd.eap.peer import EapPeer
        try:
            self.peer = EapPeer(settings_for(self.conn.network))
        except security.SecurityError as e:
            log.warning("%s: %s", self.conn.ifname, e)
            self.conn.eap_failed(str(e))
            return False
        self.eloop.register_timeout(START_DELAY, self._start_timer)
        self.eloop.register_timeout(EAP_TIMEOUT, self._timeout)
        return True

    def cancel(self):
        self.eloop.cancel_timeout(self._start_timer)
        self.eloop.cancel_timeout(self._timeout)

    def _start_timer(self):
        if self.done or self.peer.started or self.starts >= START_MAX:
            return
        self.starts += 1
        log.debug("%s: EAPOL: no request from the authenticator, EAPOL-Start #%d",
                  self.conn.ifname, self.starts)
        self._run(self.peer.start())
        self.eloop.register_timeout(START_PERIOD, self._start_timer)

    def _timeout(self):
        if self.done:
            return
        log.info("%s: EAP authentication timed out", self.conn.ifname)
        self._finish_failed("EAP timeout")

    def receive(self, data):
        """Take an EAPOL frame; False for EAPOL-Key (the 4-way handshake's)."""
        if len(data) >= 2 and data[1] == 3:
            if not self.done and self.cached is not None:
                # The AP kept our PMKSA: message 1 instead of EAP.
                log.info("%s: PMKSA cache used, no EAP", self.conn.ifname)
                self.done = True
                self.cancel()
                self.pmk = self.cached.pmk
                self.conn.eap_succeeded()
            return False
        if not self.done:
            if self.cached is not None:
                # The AP forgot the PMKSA and starts EAP: run it, drop the entry.
                pmksa_cache(self.conn).remove(self.cached.bssid, self.cached.network_key)
                self.cached = None
            self._run(self.peer.receive_eapol(data))
        return True

    def _run(self, actions):
        from wispd.eap.peer import Done, Event, Send
        conn = self.conn
        for a in actions:
            if isinstance(a, Send):
                conn.send_eapol(conn.current_bssid(), a.frame)
            elif isinstance(a, Event):
                self._event(a)
            elif isinstance(a, Done):
                if a.ok:
                    self.done = True
                    self.cancel()
                    link = getattr(self.peer.method, "link", None)
                    self.tls_version = link.version if link is not None else None
                    self.pmk = a.msk[:32]
                    log.debug("%s: EAP: MSK %s", conn.ifname, wlog.settings.key(a.msk))
                    self._remember(self.pmk)
                    conn.eap_succeeded()
                else:
                    self._finish_failed(a.reason)

    def _remember(self, pmk):
        conn = self.conn
        aa = conn.current_bssid()
        akm = conn.plan.sel.akm
        pmksa_cache(conn).add(aa, pmk, derive_pmkid(pmk, aa, conn.addr, akm), akm,
                              network_key(conn.network))

    def _finish_failed(self, reason):
        self.done = True
        self.cancel()
        self.conn.eap_failed(reason)

    def _event(self, ev):
        notify = self.conn.notify
        k, args = ev.kind, ev.args
        if k == "started":
            notify(nt.EapStarted())
        elif k == "status":
            notify(nt.EapStatus(args[0], args[1]))
        elif k == "proposed":
            notify(nt.EapProposedMethod(0, args[0], bool(args[1])))
        elif k == "method":
            notify(nt.EapMethod(0, args[0], args[1]))
        elif k == "peer_cert":
            cert = args[0]
            notify(nt.EapPeerCert(cert.depth, cert.subject, cert.hash))
            for alt in cert.altsubject:
                notify(nt.EapPeerAlt(cert.depth, alt))
        elif k == "cert_error":
            depth, subject, why = args[0], args[1], args[2]
            notify(nt.EapTlsCertError(_CERT_REASONS.get(why, 1), depth, subject, why))
            notify(nt.EapStatus("remote certificate verification", why))
        elif k == "notification":
            notify(nt.EapNotification(args[0]))
        elif k == "no_ca":
            log.warning("%s: network %d has no ca_cert: the server certificate is NOT "
                        "verified", self.conn.ifname, self.conn.network.id)
        elif k == "need_password":
            net = self.conn.network
            notify(nt.EapRequest("PASSWORD", net.id, "Password", net.ssid_bytes))
        elif k == "phase2":
            log.debug("%s: EAP: phase 2 %s", self.conn.ifname, args[0])
        elif k == "success":
            notify(nt.EapSuccess())
        elif k == "failure":
            log.info("%s: EAP authentication failed: %s", self.conn.ifname, args[0])
            notify(nt.EapFailure(args[0]))

    def status_fields(self):
        """wpa_supplicant's EAPOL/EAP STATUS lines."""
        peer = self.peer
        if peer is None:
            return []
        ok = self.done and self.pmk is not None
        out = [("Supplicant PAE state", "AUTHENTICATED" if ok else
                ("HELD" if peer.state == "FAILURE" else "AUTHENTICATING")),
               ("suppPortStatus", "Authorized" if ok else "Unauthorized"),
               ("EAP state", peer.state)]
        if peer.method_type is not None:
            out.append(("selectedMethod", "%d (EAP-%s)" % (peer.method_type,
                                                           peer.selected_method)))
        if self.tls_version:
            out.append(("eap_tls_version", self.tls_version))
        return out


def password_response(iface, network, value):
    """CTRL-RSP-PASSWORD-<id>: the password of a network (kept in memory, as
    SET_NETWORK would); an EAP run of that network waiting for it takes it at
    the server's next retransmission.  Raises ConfigError."""
    network.set("password", value.encode("utf-8").hex())
    conn = getattr(iface, "connection", None)
    eap = getattr(conn, "eap", None)
    if eap is not None and eap.peer is not None and conn.network is network:
        eap.peer.settings.password = value
        eap.peer.settings.nt_hash = None
