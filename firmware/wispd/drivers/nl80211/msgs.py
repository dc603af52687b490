"""nl80211 message classes and the parsers the driver needs, sans-IO.

pyroute2 ships an nl80211 module, but importing it imports pyroute2's socket
classes and with them asyncio (+8 MB RSS), so wispd defines its own genlmsg
subclass on top of pyroute2's base classes, with explicit attribute numbers
(from <linux/nl80211.h>) for only the attributes wispd sends or reads.  The
number keeps the map sparse and immune to renumbering in pyroute2.

Requests are built and encoded by pyroute2 (`build`).  What the kernel sends
is read by `Message` (platform/nlattrs.py), not by pyroute2's generic
decoder: a message's attributes are indexed, and only those wispd asks for
are decoded, by number; `nl80211msg.nla_map` stays the one table of numbers,
names and types (`attrs_of` uses it).  Why: decoding the split GET_WIPHY
dump with pyroute2 was ~0.8 s of CPU under TCG, most of wispd's start-up, for
the handful of attributes wiphy.py reads (see nlattrs.py).  The parsers are
tested on messages captured from the kernel (tests/unit/drivers/fixtures/).

Everything below is bytes in, Python values out: unit tests feed hand-built or
recorded messages.  MAC addresses are 6-byte `bytes`, as in the core.
"""

import struct

from wispd.drivers.ops import ScanResult
from wispd.platform.netlink import pyroute2_netlink
from wispd.platform.nlattrs import Attrs, GenlMessage

_nl = pyroute2_netlink()
genlmsg = _nl.genlmsg
nla = _nl.nla

# commands ----------------------------------------------------------------------
CMD_GET_WIPHY = 1
CMD_NEW_WIPHY = 3
CMD_DEL_WIPHY = 4
CMD_GET_INTERFACE = 5
CMD_SET_INTERFACE = 6
CMD_NEW_INTERFACE = 7
CMD_DEL_INTERFACE = 8
CMD_SET_KEY = 10
CMD_NEW_KEY = 11
CMD_DEL_KEY = 12
CMD_GET_STATION = 17
CMD_SET_STATION = 18
CMD_REQ_SET_REG = 27
CMD_GET_REG = 31
CMD_GET_SCAN = 32
CMD_TRIGGER_SCAN = 33
CMD_NEW_SCAN_RESULTS = 34
CMD_SCAN_ABORTED = 35
CMD_REG_CHANGE = 36
CMD_AUTHENTICATE = 37
CMD_ASSOCIATE = 38
CMD_DEAUTHENTICATE = 39
CMD_DISASSOCIATE = 40
CMD_MICHAEL_MIC_FAILURE = 41
CMD_CONNECT = 46
CMD_ROAM = 47
CMD_DISCONNECT = 48
CMD_GET_SURVEY = 50
CMD_REGISTER_FRAME = 58
CMD_FRAME = 59
CMD_FRAME_TX_STATUS = 60
CMD_SET_CQM = 63
CMD_NOTIFY_CQM = 64
CMD_UNPROT_DEAUTHENTICATE = 70
CMD_UNPROT_DISASSOCIATE = 71
CMD_ABORT_SCAN = 114
CMD_PORT_AUTHORIZED = 125

IFTYPE_STATION = 2
AUTHTYPE_OPEN_SYSTEM = 0
AUTHTYPE_SAE = 4
MFP_REQUIRED = 1
FEATURE_SAE = 1 << 5
STA_FLAG_AUTHORIZED = 1
KEYTYPE_GROUP = 0
KEYTYPE_PAIRWISE = 1
BSS_STATUS_ASSOCIATED = 1
CQM_RSSI_THRESHOLD_EVENT_LOW = 0
CQM_RSSI_THRESHOLD_EVENT_HIGH = 1
CQM_RSSI_BEACON_LOSS_EVENT = 2
ETH_P_PAE = 0x888E

# NL80211_CHAN_WIDTH_* as wpa_supplicant's SIGNAL_POLL prints them.
CHAN_WIDTH_NAMES = {0: "20 MHz (no HT)", 1: "20 MHz", 2: "40 MHz", 3: "80 MHz",
                    4: "80+80 MHz", 5: "160 MHz", 6: "5 MHz", 7: "10 MHz", 13: "320 MHz"}

ATTR = "NL80211_ATTR_"


class nl80211msg(genlmsg):
    """An nl80211 generic netlink message (the attributes wispd uses)."""

    prefix = ATTR
    nla_map = (
        (1, ATTR + "WIPHY", "uint32"),
        (2, ATTR + "WIPHY_NAME", "asciiz"),
        (3, ATTR + "IFINDEX", "uint32"),
        (4, ATTR + "IFNAME", "asciiz"),
        (5, ATTR + "IFTYPE", "uint32"),
        (6, ATTR + "MAC", "cdata"),
        (7, ATTR + "KEY_DATA", "cdata"),
        (8, ATTR + "KEY_IDX", "uint8"),
        (9, ATTR + "KEY_CIPHER", "uint32"),
        (10, ATTR + "KEY_SEQ", "cdata"),
        (11, ATTR + "KEY_DEFAULT", "flag"),
        (21, ATTR + "STA_INFO", "sta_info"),
        (22, ATTR + "WIPHY_BANDS", "*band"),
        (33, ATTR + "REG_ALPHA2", "asciiz"),
        (38, ATTR + "WIPHY_FREQ", "uint32"),
        (40, ATTR + "KEY_DEFAULT_MGMT", "flag"),
        (42, ATTR + "IE", "cdata"),
        (43, ATTR + "MAX_NUM_SCAN_SSIDS", "uint8"),
        (44, ATTR + "SCAN_FREQUENCIES", "*uint32"),
        (45, ATTR + "SCAN_SSIDS", "*cdata"),
        (46, ATTR + "GENERATION", "uint32"),
        (47, ATTR + "BSS", "bss"),
        (50, ATTR + "SUPPORTED_COMMANDS", "*uint32"),
        (51, ATTR + "FRAME", "cdata"),
        (52, ATTR + "SSID", "cdata"),
        (53, ATTR + "AUTH_TYPE", "uint32"),
        (54, ATTR + "REASON_CODE", "uint16"),
        (55, ATTR + "KEY_TYPE", "uint32"),
        (57, ATTR + "CIPHER_SUITES", "array(uint32)"),
        (65, ATTR + "TIMED_OUT", "flag"),
        (66, ATTR + "USE_MFP", "uint32"),
        (67, ATTR + "STA_FLAGS2", "cdata"),
        (68, ATTR + "CONTROL_PORT", "flag"),
        (70, ATTR + "PRIVACY", "flag"),
        (71, ATTR + "DISCONNECTED_BY_AP", "flag"),
        (72, ATTR + "STATUS_CODE", "uint16"),
        (73, ATTR + "CIPHER_SUITES_PAIRWISE", "array(uint32)"),
        (74, ATTR + "CIPHER_SUITE_GROUP", "uint32"),
        (75, ATTR + "WPA_VERSIONS", "uint32"),
        (76, ATTR + "AKM_SUITES", "array(uint32)"),
        (77, ATTR + "REQ_IE", "cdata"),
        (78, ATTR + "RESP_IE", "cdata"),
        (79, ATTR + "PREV_BSSID", "cdata"),
        (84, ATTR + "SURVEY_INFO", "survey_info"),
        (91, ATTR + "FRAME_MATCH", "cdata"),
        (94, ATTR + "CQM", "cqm"),
        (95, ATTR + "LOCAL_STATE_CHANGE", "flag"),
        (101, ATTR + "FRAME_TYPE", "uint16"),
        (102, ATTR + "CONTROL_PORT_ETHERTYPE", "uint16"),
        (110, ATTR + "KEY_DEFAULT_TYPES", "key_default_types"),
        (143, ATTR + "FEATURE_FLAGS", "uint32"),
        (153, ATTR + "WDEV", "uint64"),
        (156, ATTR + "SAE_DATA", "cdata"),
        (159, ATTR + "CHANNEL_WIDTH", "uint32"),
        (160, ATTR + "CENTER_FREQ1", "uint32"),
        (161, ATTR + "CENTER_FREQ2", "uint32"),
        (174, ATTR + "SPLIT_WIPHY_DUMP", "flag"),
        (204, ATTR + "SOCKET_OWNER", "flag"),
        (248, ATTR + "TIMEOUT_REASON", "uint32"),
        (259, ATTR + "PORT_AUTHORIZED", "flag"),
    )

    class band(nla):
        prefix = "NL80211_BAND_ATTR_"
        nla_map = ((1, "NL80211_BAND_ATTR_FREQS", "*freq"),)

        class freq(nla):
            prefix = "NL80211_FREQUENCY_ATTR_"
            nla_map = ((1, "NL80211_FREQUENCY_ATTR_FREQ", "uint32"),
                       (2, "NL80211_FREQUENCY_ATTR_DISABLED", "flag"))

    class bss(nla):
        prefix = "NL80211_BSS_"
        nla_map = ((1, "NL80211_BSS_BSSID", "cdata"),
                   (2, "NL80211_BSS_FREQUENCY", "uint32"),
                   (3, "NL80211_BSS_TSF", "uint64"),
                   (4, "NL80211_BSS_BEACON_INTERVAL", "uint16"),
                   (5, "NL80211_BSS_CAPABILITY", "uint16"),
                   (6, "NL80211_BSS_INFORMATION_ELEMENTS", "cdata"),
                   (7, "NL80211_BSS_SIGNAL_MBM", "int32"),
                   (8, "NL80211_BSS_SIGNAL_UNSPEC", "uint8"),
                   (9, "NL80211_BSS_STATUS", "uint32"),
                   (10, "NL80211_BSS_SEEN_MS_AGO", "uint32"),
                   (11, "NL80211_BSS_BEACON_IES", "cdata"),
                   (13, "NL80211_BSS_BEACON_TSF", "uint64"),
                   (14, "NL80211_BSS_PRESP_DATA", "flag"))

    class sta_info(nla):
        prefix = "NL80211_STA_INFO_"
        nla_map = ((7, "NL80211_STA_INFO_SIGNAL", "int8"),
                   (8, "NL80211_STA_INFO_TX_BITRATE", "rate_info"),
                   (9, "NL80211_STA_INFO_RX_PACKETS", "uint32"),
                   (10, "NL80211_STA_INFO_TX_PACKETS", "uint32"),
                   (12, "NL80211_STA_INFO_TX_FAILED", "uint32"),
                   (13, "NL80211_STA_INFO_SIGNAL_AVG", "int8"),
                   (14, "NL80211_STA_INFO_RX_BITRATE", "rate_info"))

        class rate_info(nla):
            prefix = "NL80211_RATE_INFO_"
            nla_map = ((1, "NL80211_RATE_INFO_BITRATE", "uint16"),
                       (5, "NL80211_RATE_INFO_BITRATE32", "uint32"))

    class survey_info(nla):
        prefix = "NL80211_SURVEY_INFO_"
        nla_map = ((1, "NL80211_SURVEY_INFO_FREQUENCY", "uint32"),
                   (2, "NL80211_SURVEY_INFO_NOISE", "int8"),
                   (3, "NL80211_SURVEY_INFO_IN_USE", "flag"))

    class cqm(nla):
        prefix = "NL80211_ATTR_CQM_"
        nla_map = ((1, "NL80211_ATTR_CQM_RSSI_THOLD", "int32"),
                   (2, "NL80211_ATTR_CQM_RSSI_HYST", "uint32"),
                   (3, "NL80211_ATTR_CQM_RSSI_THRESHOLD_EVENT", "uint32"),
                   (4, "NL80211_ATTR_CQM_PKT_LOSS_EVENT", "uint32"),
                   (8, "NL80211_ATTR_CQM_BEACON_LOSS_EVENT", "flag"),
                   (9, "NL80211_ATTR_CQM_RSSI_LEVEL", "int32"))

    class key_default_types(nla):
        prefix = "NL80211_KEY_DEFAULT_TYPE_"
        nla_map = ((1, "NL80211_KEY_DEFAULT_TYPE_UNICAST", "flag"),
                   (2, "NL80211_KEY_DEFAULT_TYPE_MULTICAST", "flag"))


def build(cmd, attrs):
    """A new nl80211 message: attrs is a list of (short name, value), e.g.
    ("IFINDEX", 3); flags take True."""
    msg = nl80211msg()
    msg["cmd"] = cmd
    msg["version"] = 1
    msg["reserved"] = 0
    msg["attrs"] = [(ATTR + name, value) for name, value in attrs]
    return msg


class Message(GenlMessage):
    """An nl80211 message from the kernel (platform/nlattrs.py)."""

    __slots__ = ()


def decode(raw):
    """One nl80211 message (bytes, netlink header included) -> Message."""
    return Message(raw)


_INT_KINDS = {"uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
              "int8": "s8", "int32": "s32"}
# number -> (short name, pyroute2 type) from the message class's map
_TOP = {num: (name[len(ATTR):], kind) for num, name, kind in nl80211msg.nla_map}


def _value(attrs, num, kind):
    if kind in _INT_KINDS:
        return attrs.int(num, _INT_KINDS[kind])
    if kind == "cdata":
        return attrs.raw(num)
    if kind == "asciiz":
        return attrs.string(num)
    if kind == "flag":
        return True
    if kind == "array(uint32)":
        return tuple(attrs.u32_array(num))      # a tuple, as pyroute2 gives it
    if kind == "*uint32":
        return [struct.unpack_from("=I", p)[0] for p in attrs.list(num) if len(p) >= 4]
    if kind == "*cdata":
        return attrs.list(num)
    if kind.startswith("*"):
        return [Attrs(p) for p in attrs.list(num)]
    return attrs.nested(num)


def attrs_of(msg):
    """{short name: value} of a message's top-level attributes that the map
    knows: ints, str (asciiz), bytes (cdata), True (flag), lists ("*x",
    array(uint32)); a nested attribute as Attrs."""
    out = {}
    for num in msg.payloads:
        entry = _TOP.get(num)
        if entry is not None:
            out[entry[0]] = _value(msg, num, entry[1])
    return out


def is_set(flag):
    """Whether a decoded flag attribute is present."""
    return flag is not None and flag is not False


def parse_interface(msg):
    a = attrs_of(msg)
    return {"ifindex": a.get("IFINDEX"), "ifname": a.get("IFNAME"), "iftype": a.get("IFTYPE"),
            "mac": a.get("MAC"), "wiphy": a.get("WIPHY"), "freq": a.get("WIPHY_FREQ"),
            "width": a.get("CHANNEL_WIDTH"), "center_freq1": a.get("CENTER_FREQ1"),
            "center_freq2": a.get("CENTER_FREQ2"), "ssid": a.get("SSID")}


# scan results ------------------------------------------------------------------
A_BSS = 47
# NL80211_BSS_*
BSS_BSSID, BSS_FREQUENCY, BSS_TSF, BSS_BEACON_INTERVAL, BSS_CAPABILITY = 1, 2, 3, 4, 5
BSS_INFORMATION_ELEMENTS, BSS_SIGNAL_MBM, BSS_SIGNAL_UNSPEC, BSS_STATUS = 6, 7, 8, 9
BSS_SEEN_MS_AGO, BSS_BEACON_IES, BSS_BEACON_TSF = 10, 11, 13


def parse_bss(msg):
    """One GET_SCAN dump entry → ScanResult (signal in dBm), or None."""
    if A_BSS not in msg:
        return None
    b = msg.nested(A_BSS)
    bssid = b.raw(BSS_BSSID)
    if not bssid or len(bssid) != 6:
        return None
    mbm = b.int(BSS_SIGNAL_MBM, "s32")
    return ScanResult(
        bssid=bssid, freq=b.u32(BSS_FREQUENCY, 0),
        ies=b.raw(BSS_INFORMATION_ELEMENTS, b""),
        signal=mbm // 100 if mbm is not None else 0, caps=b.int(BSS_CAPABILITY, "u16", 0),
        beacon_int=b.int(BSS_BEACON_INTERVAL, "u16", 100),
        qual=b.int(BSS_SIGNAL_UNSPEC, "u8", 0),
        tsf=b.int(BSS_TSF, "u64") or b.int(BSS_BEACON_TSF, "u64") or 0,
        age_ms=b.u32(BSS_SEEN_MS_AGO, 0),
        beacon_ies=b.raw(BSS_BEACON_IES, b""),
        associated=b.u32(BSS_STATUS) == BSS_STATUS_ASSOCIATED)


# station / survey ---------------------------------------------------------------
A_STA_INFO = 21
STA_INFO_SIGNAL, STA_INFO_TX_BITRATE, STA_INFO_SIGNAL_AVG, STA_INFO_RX_BITRATE = 7, 8, 13, 14
STA_INFO_RX_PACKETS, STA_INFO_TX_PACKETS, STA_INFO_TX_FAILED = 9, 10, 12
RATE_INFO_BITRATE, RATE_INFO_BITRATE32 = 1, 5
A_SURVEY_INFO = 84
SURVEY_INFO_NOISE, SURVEY_INFO_IN_USE = 2, 3


def parse_station(msg):
    """GET_STATION reply → {'rssi', 'avg_rssi', 'txrate_kbps', 'rxrate_kbps',
    'rx_packets', 'tx_packets', 'tx_failed'}, each only when the kernel gave it."""
    out = {}
    if A_STA_INFO not in msg:
        return out
    s = msg.nested(A_STA_INFO)
    for key, num in (("rssi", STA_INFO_SIGNAL), ("avg_rssi", STA_INFO_SIGNAL_AVG)):
        value = s.int(num, "s8")
        if value is not None:
            out[key] = value
    for key, num in (("txrate_kbps", STA_INFO_TX_BITRATE), ("rxrate_kbps", STA_INFO_RX_BITRATE)):
        if num not in s:
            continue
        r = s.nested(num)
        units = r.u32(RATE_INFO_BITRATE32) or r.int(RATE_INFO_BITRATE, "u16")   # 100 kbit/s
        if units:
            out[key] = units * 100
    for key, num in (("rx_packets", STA_INFO_RX_PACKETS), ("tx_packets", STA_INFO_TX_PACKETS),
                     ("tx_failed", STA_INFO_TX_FAILED)):
        value = s.u32(num)
        if value is not None:
            out[key] = value
    return out


def parse_survey_noise(parts):
    """The noise (dBm) of the channel in use from a GET_SURVEY dump, or None."""
    for msg in parts:
        if A_SURVEY_INFO not in msg:
            continue
        s = msg.nested(A_SURVEY_INFO)
        noise = s.int(SURVEY_INFO_NOISE, "s8")
        if s.flag(SURVEY_INFO_IN_USE) and noise is not None:
            return noise
    return None


# connection quality monitor -------------------------------------------------------
def cqm_rssi_config(threshold, hysteresis):
    """The nested NL80211_ATTR_CQM of SET_CQM: one RSSI threshold (dBm, <= 0;
    0 turns the monitor off) and the hysteresis (dB) the signal must move back
    by before the next event."""
    return {"attrs": [("NL80211_ATTR_CQM_RSSI_THOLD", threshold),
                      ("NL80211_ATTR_CQM_RSSI_HYST", hysteresis)]}


A_CQM = 94
CQM_RSSI_THRESHOLD_EVENT, CQM_BEACON_LOSS_EVENT, CQM_RSSI_LEVEL = 3, 8, 9


def parse_cqm(msg):
    """A NOTIFY_CQM event -> (kind, rssi).  kind is "low" or "high" when the
    signal crossed the threshold (rssi in dBm, or None from kernels that do not
    send RSSI_LEVEL), "beacon_loss", or None for what wispd does not follow
    (packet loss, TX errors)."""
    c = msg.nested(A_CQM)
    event = c.u32(CQM_RSSI_THRESHOLD_EVENT)
    # Older kernels reported a beacon loss as a threshold event of its own value.
    if c.flag(CQM_BEACON_LOSS_EVENT) or event == CQM_RSSI_BEACON_LOSS_EVENT:
        return "beacon_loss", None
    if event == CQM_RSSI_THRESHOLD_EVENT_LOW:
        return "low", c.int(CQM_RSSI_LEVEL, "s32")
    if event == CQM_RSSI_THRESHOLD_EVENT_HIGH:
        return "high", c.int(CQM_RSSI_LEVEL, "s32")
    return None, None


# management frames carried in MLME events ------------------------------------------
def frame_addrs(frame):
    """(da, sa, bssid) of an 802.11 management frame, or None if too short."""
    if len(frame) < 24:
        return None
    return bytes(frame[4:10]), bytes(frame[10:16]), bytes(frame[16:22])


def parse_auth_frame(frame):
    """(bssid, auth_alg, transaction, status, body after the fixed fields)."""
    if len(frame) < 30:
        return None
    alg, trans, status = struct.unpack_from("<HHH", frame, 24)
    return bytes(frame[16:22]), alg, trans, status, bytes(frame[30:])


def parse_assoc_resp(frame):
    """(bssid, status, IEs) of an (re)association response."""
    if len(frame) < 30:
        return None
    _caps, status, _aid = struct.unpack_from("<HHH", frame, 24)
    return bytes(frame[16:22]), status, bytes(frame[30:])


def parse_reason_frame(frame):
    """(sa, bssid, reason) of a deauthentication or disassociation frame."""
    if len(frame) < 26:
        return None
    return bytes(frame[10:16]), bytes(frame[16:22]), struct.unpack_from("<H", frame, 24)[0]


def sta_flags2(mask, set_bits):
    """struct nl80211_sta_flag_update."""
    return struct.pack("=II", mask, set_bits)
