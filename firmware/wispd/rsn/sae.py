"""SAE (Simultaneous Authentication of Equals, IEEE 802.11-2020 12.4), the
non-AP STA side, sans-IO: authentication frame bodies in, actions out.

Groups 19 (P-256) and 20 (P-384).  The password element comes from
hunting-and-pecking (at least 40 rounds, no early exit) or from
hash-to-element (H2E: PT from SSID + password [+ identifier], PWE = val * PT);
the math, and what of it is constant-time, is saecrypto.py's.

Frames: the driver carries "SAE data" that starts at the authentication
transaction sequence number: trans (LE16) || status (LE16) || body.  The core
hands received frames to receive(trans, status, body) and sends what SendAuth
asks for.  Timers belong to the core: SetTimer(seconds) asks for one call to
timeout() after that many seconds (replacing any earlier one), CancelTimer
cancels it.

Public API:
    SaeSupplicant(own_addr, peer_addr, password, ssid=b"", groups=(19, 20),
                  h2e=False, identifier=None, rng=os.urandom,
                  retrans_period=1.0, max_sync=5)
        .start() -> [actions]
        .start_steps()   generator form of start(): yields between pieces of
                         work, returns start()'s actions (keeps the loop live)
        .receive(trans, status, body) -> [actions]
        .timeout() -> [actions]
        .state, .group, .pmk, .pmkid, .h2e
    Actions: SendAuth(trans, status, body) .data (the SAE data for the driver),
             SetTimer(seconds), CancelTimer(), Accepted(pmk, pmkid, group),
             Failed(reason, status=None, wrong_password=False)
    SaeError (ValueError): a configuration the machine cannot run.
"""

import os

from wispd.rsn import ecc
from wispd.rsn.aes import ct_equal
from wispd.rsn.defs import EID_EXTENSION
from wispd.rsn.saecrypto import (
    EXT_ANTI_CLOGGING_TOKEN, EXT_PASSWORD_IDENTIFIER, EXT_REJECTED_GROUPS, SaeError, as_bytes,
    commit_values, confirm_value, derive_keys, derive_pt, derive_pwe_from_pt,
    derive_pwe_hnp_steps, ext_elements, finish, parse_commit)

__all__ = ["SaeSupplicant", "SaeError", "SendAuth", "SetTimer", "CancelTimer", "Accepted",
           "Failed", "STATUS_SAE_HASH_TO_ELEMENT", "STATUS_ANTI_CLOGGING_TOKEN_REQ",
           "STATUS_GROUP_NOT_SUPPORTED", "STATUS_UNKNOWN_PASSWORD_IDENTIFIER", "NOTHING",
           "COMMITTED", "CONFIRMED", "ACCEPTED", "FAILED"]

STATUS_SUCCESS = 0
STATUS_UNSPECIFIED = 1
STATUS_CHALLENGE_FAIL = 15
STATUS_ANTI_CLOGGING_TOKEN_REQ = 76
STATUS_GROUP_NOT_SUPPORTED = 77
STATUS_UNKNOWN_PASSWORD_IDENTIFIER = 123
STATUS_SAE_HASH_TO_ELEMENT = 126

NOTHING, COMMITTED, CONFIRMED, ACCEPTED, FAILED = ("NOTHING", "COMMITTED", "CONFIRMED",
                                                   "ACCEPTED", "FAILED")


# ---------------------------------------------------------------- actions
class SendAuth:
    __slots__ = ("trans", "status", "body")

    def __init__(self, trans, status, body):
        self.trans = trans
        self.status = status
        self.body = body

    @property
    def data(self):
        return (self.trans.to_bytes(2, "little") + self.status.to_bytes(2, "little")
                + self.body)

    def __repr__(self):
        return "SendAuth(trans=%d, status=%d, %d bytes)" % (self.trans, self.status,
                                                            len(self.body))


class SetTimer:
    __slots__ = ("seconds",)

    def __init__(self, seconds):
        self.seconds = seconds

    def __repr__(self):
        return "SetTimer(%r)" % self.seconds


class CancelTimer:
    __slots__ = ()

    def __repr__(self):
        return "CancelTimer()"


class Accepted:
    __slots__ = ("pmk", "pmkid", "group")

    def __init__(self, pmk, pmkid, group):
        self.pmk = pmk
        self.pmkid = pmkid
        self.group = group

    def __repr__(self):
        return "Accepted(group=%d)" % self.group


class Failed:
    __slots__ = ("reason", "status", "wrong_password")

    def __init__(self, reason, status=None, wrong_password=False):
        self.reason = reason
        self.status = status
        self.wrong_password = wrong_password

    def __repr__(self):
        return "Failed(%r, status=%r, wrong_password=%r)" % (self.reason, self.status,
                                                             self.wrong_password)


# ---------------------------------------------------------------- state machine
class SaeSupplicant:
    def __init__(self, own_addr, peer_addr, password, ssid=b"", groups=(19, 20), h2e=False,
                 identifier=None, rng=None, retrans_period=1.0, max_sync=5, pt_cache=None):
        self.own_addr = bytes(own_addr)
        self.peer_addr = bytes(peer_addr)
        self.password = as_bytes(password)
        self.ssid = as_bytes(ssid)
        self.groups = [g for g in groups if g in ecc.CURVES]
        if not self.groups:
            raise SaeError("no supported SAE group configured")
        self.identifier = as_bytes(identifier) if identifier else None
        if self.identifier and not h2e:
            raise SaeError("a password identifier needs hash-to-element")
        self.h2e = bool(h2e)
        self.rng = rng or os.urandom
        self.retrans_period = retrans_period
        self.max_sync = max_sync
        self.pt_cache = pt_cache if pt_cache is not None else {}
        self.state = NOTHING
        self.group_index = 0
        self.rejected_groups = []
        self.token = None
        self.sync = 0
        self.send_confirm = 0
        self.pmk = self.pmkid = self.kck = None
        self.curve = None
        self._own_commit = None
        self.peer_commit = None

    @property
    def group(self):
        return self.groups[self.group_index]

    # ------------------------------------------------------------ commit
    def _prepare(self):
        finish(self._prepare_steps())

    def _prepare_steps(self):
        curve = self.curve = ecc.curve_for_group(self.group)
        if self.h2e:
            key = (self.group, self.ssid, self.password, self.identifier)
            pt = self.pt_cache.get(key)
            if pt is None:
                pt = self.pt_cache[key] = derive_pt(curve, self.ssid, self.password,
                                                    self.identifier)
                yield None
            self.pwe = derive_pwe_from_pt(curve, pt, self.own_addr, self.peer_addr)
        else:
            self.pwe = yield from derive_pwe_hnp_steps(curve, self.password, self.own_addr,
                                                       self.peer_addr, self.rng)
        yield None
        n = curve.n
        nlen = (n.bit_length() + 7) // 8
        while True:
            rand = int.from_bytes(self.rng(nlen + 8), "big") % (n - 2) + 2
            mask = int.from_bytes(self.rng(nlen + 8), "big") % (n - 2) + 2
            scalar = (rand + mask) % n
            if scalar > 1:
                break
        self.rand = rand
        self.scalar, self.element = commit_values(curve, self.pwe, rand, mask)
        self._own_commit = None

    def set_commit_values(self, rand, mask):
        """Tests: use known rand/mask (the published vectors)."""
        self.rand = rand
        self.scalar, self.element = commit_values(self.curve, self.pwe, rand, mask)
        self._own_commit = None

    def commit_body(self):
        if self._own_commit is None:
            nlen = (self.curve.n.bit_length() + 7) // 8
            out = self.group.to_bytes(2, "little")
            if self.token is not None and not self.h2e:
                out += self.token
            out += self.scalar.to_bytes(nlen, "big") + self.curve.encode(self.element)
            if self.identifier:
                out += bytes((EID_EXTENSION, 1 + len(self.identifier),
                              EXT_PASSWORD_IDENTIFIER)) + self.identifier
            if self.h2e and self.rejected_groups:
                groups = b"".join(g.to_bytes(2, "little") for g in self.rejected_groups)
                out += bytes((EID_EXTENSION, 1 + len(groups), EXT_REJECTED_GROUPS)) + groups
            if self.token is not None and self.h2e:
                out += bytes((EID_EXTENSION, 1 + len(self.token),
                              EXT_ANTI_CLOGGING_TOKEN)) + self.token
            self._own_commit = out
        return self._own_commit

    def _commit_status(self):
        return STATUS_SAE_HASH_TO_ELEMENT if self.h2e else STATUS_SUCCESS

    def _send_commit(self):
        return [SendAuth(1, self._commit_status(), self.commit_body()),
                SetTimer(self.retrans_period)]

    def _send_confirm(self):
        self.send_confirm = min(self.send_confirm + 1, 0xFFFF)
        c = confirm_value(self.curve, self.kck, self.h2e, self.send_confirm, self.scalar,
                          self.element, self.peer_scalar, self.peer_element)
        return [SendAuth(2, STATUS_SUCCESS, self.send_confirm.to_bytes(2, "little") + c),
                SetTimer(self.retrans_period)]

    def _fail(self, reason, status=None, wrong_password=False):
        self.state = FAILED
        self.rand = None
        return [CancelTimer(), Failed(reason, status, wrong_password)]

    def start(self):
        return finish(self.start_steps())

    def start_steps(self):
        """start() as a generator: yields between pieces of the commit
        computation (the core runs its event loop in between) and returns
        start()'s actions."""
        self.sync = 0
        self.send_confirm = 0
        yield from self._prepare_steps()
        self.state = COMMITTED
        return self._send_commit()

    # ------------------------------------------------------------ input
    def receive(self, trans, status, body):
        body = bytes(body)
        if self.state in (NOTHING, ACCEPTED, FAILED):
            return []
        if trans == 1:
            return self._rx_commit(status, body)
        if trans == 2:
            return self._rx_confirm(status, body)
        return []

    def _rx_commit(self, status, body):
        group = int.from_bytes(body[:2], "little") if len(body) >= 2 else None
        if status == STATUS_ANTI_CLOGGING_TOKEN_REQ:
            if self.state != COMMITTED or group != self.group:
                return []
            token = body[2:]
            if self.h2e:
                ext = ext_elements(token) if token else {}
                if EXT_ANTI_CLOGGING_TOKEN in ext:
                    token = ext[EXT_ANTI_CLOGGING_TOKEN]
            if not token:
                return []
            self.token = bytes(token)
            self._own_commit = None
            return self._send_commit()
        if status == STATUS_GROUP_NOT_SUPPORTED:
            if self.state != COMMITTED or group != self.group:
                return []
            self.rejected_groups.append(self.group)
            self.token = None
            if self.group_index + 1 >= len(self.groups):
                return self._fail("no SAE group accepted by the AP", status)
            self.group_index += 1
            self.sync = 0
            self._prepare()
            return self._send_commit()
        if status == STATUS_UNKNOWN_PASSWORD_IDENTIFIER:
            return self._fail("unknown SAE password identifier", status)
        if status not in (STATUS_SUCCESS, STATUS_SAE_HASH_TO_ELEMENT):
            return self._fail("commit rejected by the AP (status %d)" % status, status)
        if status != self._commit_status():
            return self._fail("AP answered with the other password element method", status)
        if group != self.group:
            return self._fail("AP commit for group %r, expected %d" % (group, self.group))
        if self.state == CONFIRMED:
            # The AP repeated its commit (our confirm was lost): answer with
            # a new confirm if it is the same commit, else ignore it.
            if body == self.peer_commit and self.sync < self.max_sync:
                self.sync += 1
                return self._send_confirm()
            return []
        try:
            scalar, element, _extra = parse_commit(self.curve, body[2:], self.h2e)
        except SaeError as e:
            return self._fail(str(e))
        if scalar == self.scalar and element == self.element:
            return self._fail("reflected commit")
        try:
            self.kck, self.pmk, self.pmkid = derive_keys(
                self.curve, self.pwe, self.rand, self.scalar, self.element, scalar, element,
                self.h2e, self.rejected_groups)
        except SaeError as e:
            return self._fail(str(e))
        self.peer_scalar = scalar
        self.peer_element = element
        self.peer_commit = body
        self.state = CONFIRMED
        return self._send_confirm()

    def _rx_confirm(self, status, body):
        if status != STATUS_SUCCESS:
            # hostapd answers a confirm it cannot verify with a failure status:
            # the passwords differ.
            return self._fail("confirm rejected by the AP (status %d)" % status, status,
                              wrong_password=self.state == CONFIRMED)
        if self.state != CONFIRMED:
            return []
        if len(body) < 2:
            return []
        peer_sc = int.from_bytes(body[:2], "little")
        expect = confirm_value(self.curve, self.kck, self.h2e, peer_sc, self.peer_scalar,
                               self.peer_element, self.scalar, self.element)
        if not ct_equal(expect, body[2:]):
            return self._fail("AP confirm does not verify", wrong_password=True)
        self.state = ACCEPTED
        self.rand = None
        return [CancelTimer(), Accepted(self.pmk, self.pmkid, self.group)]

    def timeout(self):
        if self.state not in (COMMITTED, CONFIRMED):
            return []
        self.sync += 1
        if self.sync > self.max_sync:
            return self._fail("no answer from the AP", wrong_password=self.state == CONFIRMED)
        if self.state == COMMITTED:
            return self._send_commit()
        return self._send_confirm()
