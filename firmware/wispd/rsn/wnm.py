"""802.11v BSS Transition Management and 802.11k neighbor reports, sans-IO.

Bytes in, plain objects out, and the other way for the response; nothing
here knows a socket or the station.  Every length is checked: a short or
inconsistent frame raises WnmError (the link monitor logs and drops it, the
fuzz target tests/fuzz/fuzz_wnm.py feeds it garbage).

Layouts (IEEE 802.11-2020):
- BSS Transition Management Request (9.6.13.9): category 10 (WNM), action 7,
  dialog token, request mode, disassociation timer (2, TUs), validity
  interval, [BSS termination duration subelement (12) if mode bit 3],
  [session information URL (length + URL) if mode bit 4], then the BSS
  transition candidate list: Neighbor Report elements.
- Neighbor Report element (9.4.2.36): parsed by rsn/rrm.py (802.11k's
  element); subelement 3 is the BSS Transition Candidate Preference (0-255,
  0: excluded).
- BSS Transition Management Response (9.6.13.10): category 10, action 8,
  dialog token, status, BSS termination delay, [target BSSID if status 0].
"""

import struct

from wispd.rsn import rrm
# The Neighbor Report element is 802.11k's (rsn/rrm.py parses it for both).
from wispd.rsn.rrm import EID_NEIGHBOR_REPORT, SUBELEM_CANDIDATE_PREFERENCE  # noqa: F401
from wispd.rsn.rrm import Neighbor, channel_freq  # noqa: F401

CATEGORY_WNM = 10
ACTION_BTM_QUERY = 6
ACTION_BTM_REQUEST = 7
ACTION_BTM_RESPONSE = 8

MODE_PREF_CAND_LIST = 0x01
MODE_ABRIDGED = 0x02
MODE_DISASSOC_IMMINENT = 0x04
MODE_BSS_TERMINATION = 0x08
MODE_ESS_DISASSOC_IMMINENT = 0x10

# BTM status codes (Table 9-428)
STATUS_ACCEPT = 0
STATUS_REJECT_UNSPECIFIED = 1
STATUS_REJECT_INSUFFICIENT_BEACON = 2
STATUS_REJECT_INSUFFICIENT_CAPACITY = 3
STATUS_REJECT_TERMINATION_UNDESIRED = 4
STATUS_REJECT_TERMINATION_DELAY = 5
STATUS_REJECT_CANDIDATE_LIST_PROVIDED = 6
STATUS_REJECT_NO_SUITABLE_CANDIDATES = 7
STATUS_REJECT_LEAVING_ESS = 8


class WnmError(ValueError):
    """A malformed WNM frame or neighbor report."""


class BtmRequest:
    __slots__ = ("token", "mode", "disassoc_timer", "validity", "termination", "url",
                 "candidates")

    def __init__(self, token, mode, disassoc_timer, validity, termination, url, candidates):
        self.token = token
        self.mode = mode
        self.disassoc_timer = disassoc_timer    # TUs until the AP disassociates (0: unknown)
        self.validity = validity
        self.termination = termination          # (TSF, minutes) or None
        self.url = url
        self.candidates = candidates            # [Neighbor], as listed

    @property
    def disassoc_imminent(self):
        return bool(self.mode & (MODE_DISASSOC_IMMINENT | MODE_ESS_DISASSOC_IMMINENT))

    @property
    def has_list(self):
        return bool(self.mode & MODE_PREF_CAND_LIST)

    def preferred(self):
        """The candidates the AP did not exclude, best preference first (a missing
        preference counts as 1, the lowest usable, as wpa_supplicant takes it)."""
        usable = [c for c in self.candidates if c.preference != 0]
        return sorted(usable, key=lambda c: -(c.preference if c.preference is not None else 1))


def parse_neighbor(body):
    """A Neighbor Report element's body: rsn/rrm.py's parser, WnmError on bad input."""
    try:
        return rrm.parse_neighbor(body)
    except rrm.RrmError as e:
        raise WnmError(str(e)) from None


def parse_neighbors(data):
    """Neighbor Report elements (the candidate list): rsn/rrm.py's parser."""
    try:
        return rrm.parse_neighbors(data)
    except rrm.RrmError as e:
        raise WnmError(str(e)) from None


def is_btm_request(body):
    return len(body) >= 2 and body[0] == CATEGORY_WNM and body[1] == ACTION_BTM_REQUEST


def parse_btm_request(body):
    """An Action frame body (from the category octet on) -> BtmRequest."""
    if not is_btm_request(body):
        raise WnmError("not a BSS Transition Management Request")
    if len(body) < 7:
        raise WnmError("BTM request of %d octets (7 at least)" % len(body))
    token, mode = body[2], body[3]
    disassoc_timer = struct.unpack_from("<H", body, 4)[0]
    validity = body[6]
    pos = 7
    termination = None
    if mode & MODE_BSS_TERMINATION:
        # BSS Termination Duration subelement: ID 4, length 10, TSF (8), minutes (2)
        if pos + 12 > len(body) or body[pos] != 4 or body[pos + 1] != 10:
            raise WnmError("bad BSS termination duration subelement")
        termination = struct.unpack_from("<QH", body, pos + 2)
        pos += 12
    url = None
    if mode & MODE_ESS_DISASSOC_IMMINENT:
        # The Session Information URL comes with ESS Disassociation Imminent.
        if pos >= len(body) or pos + 1 + body[pos] > len(body):
            raise WnmError("truncated session information URL")
        url = bytes(body[pos + 1:pos + 1 + body[pos]])
        pos += 1 + body[pos]
    candidates = []
    if mode & MODE_PREF_CAND_LIST:
        candidates = parse_neighbors(bytes(body[pos:]))
    return BtmRequest(token, mode, disassoc_timer, validity, termination, url, candidates)


def btm_response(token, status, target=None, termination_delay=0):
    """The BTM Response body (from the category octet on)."""
    if not 0 <= status <= 255:
        raise WnmError("BTM status %r" % status)
    out = bytes((CATEGORY_WNM, ACTION_BTM_RESPONSE, token & 0xFF, status, termination_delay))
    if status == STATUS_ACCEPT:
        if target is None or len(target) != 6:
            raise WnmError("an accepting BTM response names its target BSSID")
        out += bytes(target)
    return out


def parse_btm_response(body):
    """(token, status, termination_delay, target or None): for tests and tools."""
    if len(body) < 5 or body[0] != CATEGORY_WNM or body[1] != ACTION_BTM_RESPONSE:
        raise WnmError("not a BSS Transition Management Response")
    target = bytes(body[5:11]) if body[3] == STATUS_ACCEPT else None
    if body[3] == STATUS_ACCEPT and (target is None or len(target) != 6):
        raise WnmError("accepting BTM response without a target BSSID")
    return body[2], body[3], body[4], target
