"""nl80211 message classes and the parsers the driver needs, sans-IO.

pyroute2 ships an nl80211 module, but importing it imports pyroute2's socket
classes and with them asyncio (+8 MB RSS), so wispd defines its own genlmsg
subclass on top of pyroute2's base classes, with explicit attribute numbers
(from <linux/nl80211.h>) for only the attributes wispd sends or reads.  The
number keeps the map sparse and immune to renumbering in pyroute2.

Everything below is bytes in, Python values out: unit tests feed hand-built or
recorded messages.  MAC addresses are 6-byte `bytes`, as in the core.
"""

import struct

from wispd.drivers.ops import ScanResult
from wispd.platform.netlink import pyroute2_netlink

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

_A = "NL80211_ATTR_"


class nl80211msg(genlmsg):
    """An nl80211 generic netlink message (the attributes wispd uses)."""

    prefix = _A
    nla_map = (
        (1, _A + "WIPHY", "uint32"),
        (2, _A + "WIPHY_NAME", "asciiz"),
        (3, _A + "IFINDEX", "uint32"),
        (4, _A + "IFNAME", "asciiz"),
        (5, _A + "IFTYPE", "uint32"),
        (6, _A + "MAC", "cdata"),
        (7, _A + "KEY_DATA", "cdata"),
        (8, _A + "KEY_IDX", "uint8"),
        (9, _A + "KEY_CIPHER", "uint32"),
        (10, _A + "KEY_SEQ", "cdata"),
        (11, _A + "KEY_DEFAULT", "flag"),
        (21, _A + "STA_INFO", "sta_info"),
        (22, _A + "WIPHY_BANDS", "*band"),
        (33, _A + "REG_ALPHA2", "asciiz"),
        (38, _A + "WIPHY_FREQ", "uint32"),
        (40, _A + "KEY_DEFAULT_MGMT", "flag"),
        (42, _A + "IE", "cdata"),
        (43, _A + "MAX_NUM_SCAN_SSIDS", "uint8"),
        (44, _A + "SCAN_FREQUENCIES", "*uint32"),
        (45, _A + "SCAN_SSIDS", "*cdata"),
        (46, _A + "GENERATION", "uint32"),
        (47, _A + "BSS", "bss"),
        (50, _A + "SUPPORTED_COMMANDS", "*uint32"),
        (51, _A + "FRAME", "cdata"),
        (52, _A + "SSID", "cdata"),
        (53, _A + "AUTH_TYPE", "uint32"),
        (54, _A + "REASON_CODE", "uint16"),
        (55, _A + "KEY_TYPE", "uint32"),
        (57, _A + "CIPHER_SUITES", "array(uint32)"),
        (65, _A + "TIMED_OUT", "flag"),
        (66, _A + "USE_MFP", "uint32"),
        (67, _A + "STA_FLAGS2", "cdata"),
        (68, _A + "CONTROL_PORT", "flag"),
        (70, _A + "PRIVACY", "flag"),
        (71, _A + "DISCONNECTED_BY_AP", "flag"),
        (72, _A + "STATUS_CODE", "uint16"),
        (73, _A + "CIPHER_SUITES_PAIRWISE", "array(uint32)"),
        (74, _A + "CIPHER_SUITE_GROUP", "uint32"),
        (75, _A + "WPA_VERSIONS", "uint32"),
        (76, _A + "AKM_SUITES", "array(uint32)"),
        (77, _A + "REQ_IE", "cdata"),
        (78, _A + "RESP_IE", "cdata"),
        (79, _A + "PREV_BSSID", "cdata"),
        (84, _A + "SURVEY_INFO", "survey_info"),
        (94, _A + "CQM", "cqm"),
        (95, _A + "LOCAL_STATE_CHANGE", "flag"),
        (102, _A + "CONTROL_PORT_ETHERTYPE", "uint16"),
        (110, _A + "KEY_DEFAULT_TYPES", "key_default_types"),
        (143, _A + "FEATURE_FLAGS", "uint32"),
        (153, _A + "WDEV", "uint64"),
        (156, _A + "SAE_DATA", "cdata"),
        (159, _A + "CHANNEL_WIDTH", "uint32"),
        (160, _A + "CENTER_FREQ1", "uint32"),
        (161, _A + "CENTER_FREQ2", "uint32"),
        (174, _A + "SPLIT_WIPHY_DUMP", "flag"),
        (204, _A + "SOCKET_OWNER", "flag"),
        (217, _A + "EXT_FEATURES", "cdata"),
        (248, _A + "TIMEOUT_REASON", "uint32"),
        (259, _A + "PORT_AUTHORIZED", "flag"),
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
    msg["attrs"] = [(_A + name, value) for name, value in attrs]
    return msg


def decode(raw):
    msg = nl80211msg(raw)
    msg.decode()
    return msg


def attrs_of(msg):
    """{short name: value} of a decoded message (first occurrence wins)."""
    out = {}
    for name, value in msg["attrs"]:
        short = name[len(_A):] if name.startswith(_A) else name
        if short not in out:
            out[short] = value.getvalue() if hasattr(value, "getvalue") else value
    return out


def _nested(value, prefix):
    """{short name: value} of a decoded nested attribute."""
    out = {}
    if value is None:
        return out
    for name, item in value["attrs"]:
        short = name[len(prefix):] if name.startswith(prefix) else name
        if short not in out:
            out[short] = item.getvalue() if hasattr(item, "getvalue") else item
    return out


def _flag(value):
    return value is not None and value is not False


# wiphy -------------------------------------------------------------------------
class WiphyInfo:
    """What the split GET_WIPHY dump says about one radio."""

    __slots__ = ("index", "name", "ciphers", "akms", "freqs", "commands", "features",
                 "ext_features", "max_scan_ssids")

    def __init__(self):
        self.index = None
        self.name = None
        self.ciphers = []
        self.akms = []
        self.freqs = []
        self.commands = set()
        self.features = 0
        self.ext_features = b""
        self.max_scan_ssids = 0

    def has_ext_feature(self, bit):
        byte = bit // 8
        return byte < len(self.ext_features) and bool(self.ext_features[byte] & (1 << (bit % 8)))


def parse_wiphy(parts):
    """Merge the messages of a split GET_WIPHY dump (one wiphy) into WiphyInfo."""
    info = WiphyInfo()
    for msg in parts:
        a = attrs_of(msg)
        if "WIPHY" in a and info.index is None:
            info.index = a["WIPHY"]
        if a.get("WIPHY_NAME"):
            info.name = a["WIPHY_NAME"]
        for c in a.get("CIPHER_SUITES") or ():
            if c not in info.ciphers:
                info.ciphers.append(c)
        for k in a.get("AKM_SUITES") or ():
            if k not in info.akms:
                info.akms.append(k)
        if "MAX_NUM_SCAN_SSIDS" in a:
            info.max_scan_ssids = a["MAX_NUM_SCAN_SSIDS"]
        if "FEATURE_FLAGS" in a:
            info.features = a["FEATURE_FLAGS"]
        if a.get("EXT_FEATURES"):
            info.ext_features = a["EXT_FEATURES"]
        for cmd in msg.get_attr(_A + "SUPPORTED_COMMANDS") or ():
            info.commands.add(cmd.getvalue() if hasattr(cmd, "getvalue") else cmd)
        for band in msg.get_attr(_A + "WIPHY_BANDS") or ():
            for freq in band.get_attr("NL80211_BAND_ATTR_FREQS") or ():
                f = freq.get_attr("NL80211_FREQUENCY_ATTR_FREQ")
                if f and not _flag(freq.get_attr("NL80211_FREQUENCY_ATTR_DISABLED")) \
                        and f not in info.freqs:
                    info.freqs.append(f)
    info.freqs.sort()
    return info


def parse_interface(msg):
    a = attrs_of(msg)
    return {"ifindex": a.get("IFINDEX"), "ifname": a.get("IFNAME"), "iftype": a.get("IFTYPE"),
            "mac": a.get("MAC"), "wiphy": a.get("WIPHY"), "freq": a.get("WIPHY_FREQ"),
            "width": a.get("CHANNEL_WIDTH"), "center_freq1": a.get("CENTER_FREQ1"),
            "center_freq2": a.get("CENTER_FREQ2"), "ssid": a.get("SSID")}


# scan results ------------------------------------------------------------------
def parse_bss(msg):
    """One GET_SCAN dump entry → ScanResult (signal in dBm), or None."""
    bss = msg.get_attr(_A + "BSS")
    if bss is None:
        return None
    b = _nested(bss, "NL80211_BSS_")
    bssid = b.get("BSSID")
    if not bssid or len(bssid) != 6:
        return None
    if "SIGNAL_MBM" in b:
        signal = int(b["SIGNAL_MBM"]) // 100
    else:
        signal = 0
    qual = b.get("SIGNAL_UNSPEC", 0)
    return ScanResult(
        bssid=bytes(bssid), freq=b.get("FREQUENCY", 0),
        ies=bytes(b.get("INFORMATION_ELEMENTS") or b""),
        signal=signal, caps=b.get("CAPABILITY", 0),
        beacon_int=b.get("BEACON_INTERVAL", 100), qual=qual,
        tsf=b.get("TSF") or b.get("BEACON_TSF") or 0,
        age_ms=b.get("SEEN_MS_AGO", 0),
        beacon_ies=bytes(b.get("BEACON_IES") or b""),
        associated=b.get("STATUS") == BSS_STATUS_ASSOCIATED)


# station / survey ---------------------------------------------------------------
def parse_station(msg):
    """GET_STATION reply → {'rssi', 'avg_rssi', 'txrate_kbps', 'rxrate_kbps'}."""
    out = {}
    info = msg.get_attr(_A + "STA_INFO")
    if info is None:
        return out
    s = _nested(info, "NL80211_STA_INFO_")
    if "SIGNAL" in s:
        out["rssi"] = s["SIGNAL"]
    if "SIGNAL_AVG" in s:
        out["avg_rssi"] = s["SIGNAL_AVG"]
    for key, name in (("txrate_kbps", "TX_BITRATE"), ("rxrate_kbps", "RX_BITRATE")):
        rate = info.get_attr("NL80211_STA_INFO_" + name)
        if rate is None:
            continue
        r = _nested(rate, "NL80211_RATE_INFO_")
        units = r.get("BITRATE32") or r.get("BITRATE")   # units of 100 kbit/s
        if units:
            out[key] = units * 100
    return out


def parse_survey_noise(parts):
    """The noise (dBm) of the channel in use from a GET_SURVEY dump, or None."""
    for msg in parts:
        info = msg.get_attr(_A + "SURVEY_INFO")
        if info is None:
            continue
        s = _nested(info, "NL80211_SURVEY_INFO_")
        if _flag(s.get("IN_USE")) and "NOISE" in s:
            return s["NOISE"]
    return None


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
