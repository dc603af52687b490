"""802.11k Radio Measurement: neighbor reports, sans-IO.

Bytes in, plain objects out, and the other way for the request; nothing here
knows a socket or the station.  Every length is checked: a short or
inconsistent frame or element raises RrmError (the station logs and drops it,
the fuzz target tests/fuzz/fuzz_rrm.py feeds it garbage).  The Neighbor Report
element is parsed here once; 802.11v BSS Transition Management requests carry
the same elements as their candidate list (rsn/wnm.py uses this parser).

Layouts (IEEE 802.11-2020):
- RM Enabled Capabilities element (9.4.2.44): ID 70, 5 octets; bit 1 of the
  first octet: Neighbor Report.  The AP also sets bit 12 (Radio Measurement)
  of its Capability Information.
- Neighbor Report Request (9.6.6.6): category 5 (Radio Measurement), action 4,
  dialog token, [SSID element], [measurement requests (LCI, civic)].
- Neighbor Report Response (9.6.6.7): category 5, action 5, dialog token, then
  Neighbor Report elements.
- Neighbor Report element (9.4.2.36): ID 52, BSSID, BSSID Information (4, LE),
  operating class, channel number, PHY type, optional subelements (ID, length,
  data); subelement 3 is the BSS Transition Candidate Preference.
"""

import struct

CATEGORY_RADIO_MEASUREMENT = 5
ACTION_NEIGHBOR_REPORT_REQUEST = 4
ACTION_NEIGHBOR_REPORT_RESPONSE = 5
EID_SSID = 0
EID_NEIGHBOR_REPORT = 52
EID_RM_ENABLED_CAPABILITIES = 70
RM_CAPS_NEIGHBOR_REPORT = 0x02          # first octet, bit 1
CAPINFO_RADIO_MEASUREMENT = 0x1000      # Capability Information bit 12
SUBELEM_CANDIDATE_PREFERENCE = 3
NEIGHBOR_MIN_LEN = 13
SSID_MAX_LEN = 32


class RrmError(ValueError):
    """A malformed Radio Measurement frame or Neighbor Report element."""


class Neighbor:
    """One Neighbor Report element.  preference None: no preference subelement."""
    __slots__ = ("bssid", "info", "op_class", "channel", "phy_type", "preference",
                 "subelements")

    def __init__(self, bssid, info, op_class, channel, phy_type, preference=None,
                 subelements=()):
        self.bssid = bssid
        self.info = info
        self.op_class = op_class
        self.channel = channel
        self.phy_type = phy_type
        self.preference = preference
        self.subelements = tuple(subelements)

    def freq(self):
        """The channel's centre frequency (MHz) from the operating class, or None."""
        return channel_freq(self.op_class, self.channel)

    def __repr__(self):
        return "Neighbor(%s, class %d ch %d, pref %r)" % (
            self.bssid.hex(":"), self.op_class, self.channel, self.preference)


def channel_freq(op_class, channel):
    """Centre frequency of a channel in a global or US/EU operating class (the
    classes hostapd and APs use for 2.4 and 5 GHz); None for anything else."""
    if op_class in (81, 12, 32, 33, 83, 84) or (op_class == 0 and 1 <= channel <= 13):
        if 1 <= channel <= 13:
            return 2407 + 5 * channel
        return None
    if op_class == 82:
        return 2484 if channel == 14 else None
    if 115 <= op_class <= 130 or 1 <= op_class <= 5 or (op_class == 0 and channel >= 32):
        if 1 <= channel <= 200:
            return 5000 + 5 * channel
    return None


def parse_neighbor(body):
    """A Neighbor Report element's body (after ID and length) -> Neighbor."""
    if len(body) < NEIGHBOR_MIN_LEN:
        raise RrmError("neighbor report of %d octets (%d at least)"
                       % (len(body), NEIGHBOR_MIN_LEN))
    bssid = bytes(body[0:6])
    info = struct.unpack_from("<I", body, 6)[0]
    op_class, channel, phy_type = body[10], body[11], body[12]
    preference = None
    subs = []
    pos = NEIGHBOR_MIN_LEN
    while pos < len(body):
        if pos + 2 > len(body):
            raise RrmError("truncated neighbor report subelement header")
        sid, slen = body[pos], body[pos + 1]
        data = bytes(body[pos + 2:pos + 2 + slen])
        if len(data) != slen:
            raise RrmError("neighbor report subelement %d overruns the element" % sid)
        if sid == SUBELEM_CANDIDATE_PREFERENCE:
            if slen < 1:
                raise RrmError("empty candidate preference subelement")
            preference = data[0]
        subs.append((sid, data))
        pos += 2 + slen
    return Neighbor(bssid, info, op_class, channel, phy_type, preference, subs)


def parse_neighbors(data):
    """Neighbor Report elements from a run of elements; other elements (the
    Measurement Reports hostapd appends for LCI/civic) are skipped."""
    out = []
    pos = 0
    data = bytes(data)
    while pos < len(data):
        if pos + 2 > len(data):
            raise RrmError("truncated element header")
        eid, elen = data[pos], data[pos + 1]
        if pos + 2 + elen > len(data):
            raise RrmError("element %d overruns the frame" % eid)
        if eid == EID_NEIGHBOR_REPORT:
            out.append(parse_neighbor(data[pos + 2:pos + 2 + elen]))
        pos += 2 + elen
    return out


def offers_neighbor_report(ies, capability=None):
    """Does a BSS (its beacon/probe elements as {eid: body} or a raw run of
    elements, and its Capability Information when known) answer neighbor
    report requests?"""
    if isinstance(ies, dict):
        rm = ies.get(EID_RM_ENABLED_CAPABILITIES)
    else:
        rm = _find_element(bytes(ies or b""), EID_RM_ENABLED_CAPABILITIES)
    if not rm or not rm[0] & RM_CAPS_NEIGHBOR_REPORT:
        return False
    return capability is None or bool(capability & CAPINFO_RADIO_MEASUREMENT)


def _find_element(data, want):
    pos = 0
    while pos + 2 <= len(data):
        eid, elen = data[pos], data[pos + 1]
        if pos + 2 + elen > len(data):
            return None
        if eid == want:
            return data[pos + 2:pos + 2 + elen]
        pos += 2 + elen
    return None


def neighbor_report_request(token, ssid=None):
    """The Neighbor Report Request body (from the category octet on).  ssid
    None: no SSID element (the AP answers for its own SSID)."""
    if not 0 <= token <= 255:
        raise RrmError("dialog token %r" % token)
    out = bytes((CATEGORY_RADIO_MEASUREMENT, ACTION_NEIGHBOR_REPORT_REQUEST, token))
    if ssid is not None:
        ssid = bytes(ssid)
        if len(ssid) > SSID_MAX_LEN:
            raise RrmError("SSID of %d octets" % len(ssid))
        out += bytes((EID_SSID, len(ssid))) + ssid
    return out


def is_neighbor_report_response(body):
    return len(body) >= 2 and body[0] == CATEGORY_RADIO_MEASUREMENT \
        and body[1] == ACTION_NEIGHBOR_REPORT_RESPONSE


def parse_neighbor_report_response(body):
    """An Action frame body (from the category octet on) -> (token, [Neighbor])."""
    if not is_neighbor_report_response(body):
        raise RrmError("not a Neighbor Report Response")
    if len(body) < 3:
        raise RrmError("neighbor report response without a dialog token")
    return body[2], parse_neighbors(body[3:])


def neighbor_element(n):
    """A Neighbor's element bytes (ID, length, body): for tests and tools."""
    body = bytes(n.bssid) + struct.pack("<I", n.info) + bytes((n.op_class, n.channel,
                                                               n.phy_type))
    for sid, data in n.subelements:
        body += bytes((sid, len(data))) + bytes(data)
    if len(n.bssid) != 6 or len(body) > 255:
        raise RrmError("neighbor report element does not fit")
    return bytes((EID_NEIGHBOR_REPORT, len(body))) + body
