"""Wireless extensions ABI: ioctl numbers, constants and struct packing.

Only two things in the wext ABI depend on the word size, and both because of
the user pointer in `struct iw_point` (linux/wireless.h):
- in `struct iwreq` (32 bytes everywhere: 16 bytes of name, a 16-byte union)
  the iw_point is `pointer, u16 length, u16 flags`: pointer at 16, length at
  16 + pointer size;
- in the `struct iw_event` stream (scan results, IFLA_WIRELESS) the header is
  `u16 len, u16 cmd` padded to the union's alignment: 4 bytes on 32-bit, 8 on
  64-bit (IW_EV_LCP_LEN).  Pointer events carry `u16 length, u16 flags` (the
  pointer left out) and their data starts at IW_EV_POINT_LEN: 8 or 16.
A 32-bit process on a 64-bit kernel gets the 32-bit layout (the kernel's compat
path converts), so the layout follows the running interpreter, not the kernel.
Everything else used here (iw_range, iw_scan_req, iw_encode_ext, iw_mlme,
iw_statistics, iw_michaelmicfailure) has no pointer or long: one layout.
"""

import array
import struct

# ioctls (linux/wireless.h)
SIOCGIWNAME = 0x8B01
SIOCSIWFREQ = 0x8B04
SIOCGIWFREQ = 0x8B05
SIOCSIWMODE = 0x8B06
SIOCGIWMODE = 0x8B07
SIOCGIWRANGE = 0x8B0B
SIOCGIWSTATS = 0x8B0F
SIOCSIWAP = 0x8B14
SIOCGIWAP = 0x8B15
SIOCSIWMLME = 0x8B16
SIOCSIWSCAN = 0x8B18
SIOCGIWSCAN = 0x8B19
SIOCSIWESSID = 0x8B1A
SIOCGIWESSID = 0x8B1B
SIOCGIWRATE = 0x8B21
SIOCGIWENCODE = 0x8B2B
SIOCSIWGENIE = 0x8B30
SIOCSIWAUTH = 0x8B32
SIOCSIWENCODEEXT = 0x8B34

# events
IWEVTXDROP = 0x8C00
IWEVQUAL = 0x8C01
IWEVCUSTOM = 0x8C02
IWEVREGISTERED = 0x8C03
IWEVEXPIRED = 0x8C04
IWEVGENIE = 0x8C05
IWEVMICHAELMICFAILURE = 0x8C06
IWEVASSOCREQIE = 0x8C07
IWEVASSOCRESPIE = 0x8C08
IWEVPMKIDCAND = 0x8C09

# Commands whose union member is an iw_point (data follows in the stream).
POINT_CMDS = frozenset((SIOCGIWESSID, SIOCSIWESSID, SIOCGIWENCODE, SIOCGIWSCAN, SIOCSIWSCAN,
                        SIOCSIWGENIE, IWEVCUSTOM, IWEVGENIE, IWEVMICHAELMICFAILURE,
                        IWEVASSOCREQIE, IWEVASSOCRESPIE, IWEVPMKIDCAND, IWEVREGISTERED,
                        IWEVEXPIRED, SIOCGIWRANGE, SIOCGIWSTATS))

IW_MODE_AUTO = 0
IW_MODE_ADHOC = 1
IW_MODE_INFRA = 2
IW_MODE_MASTER = 3

IW_QUAL_QUAL_UPDATED = 0x01
IW_QUAL_LEVEL_UPDATED = 0x02
IW_QUAL_NOISE_UPDATED = 0x04
IW_QUAL_DBM = 0x08
IW_QUAL_QUAL_INVALID = 0x10
IW_QUAL_LEVEL_INVALID = 0x20
IW_QUAL_NOISE_INVALID = 0x40

IW_FREQ_FIXED = 0x01

IW_ENCODE_INDEX = 0x00FF
IW_ENCODE_DISABLED = 0x8000
IW_ENCODE_NOKEY = 0x0800
IW_ENCODE_TEMP = 0x0400

IW_SCAN_THIS_ESSID = 0x0002
IW_SCAN_THIS_FREQ = 0x0008
IW_SCAN_TYPE_ACTIVE = 0
IW_SCAN_MAX_DATA = 4096
IW_SCAN_CAPA_ESSID = 0x01
IW_SCAN_CAPA_CHANNEL = 0x04
IW_ESSID_MAX_SIZE = 32
IW_MAX_FREQUENCIES = 32

IW_MLME_DEAUTH = 0
IW_MLME_DISASSOC = 1

IW_AUTH_WPA_VERSION = 0
IW_AUTH_CIPHER_PAIRWISE = 1
IW_AUTH_CIPHER_GROUP = 2
IW_AUTH_KEY_MGMT = 3
IW_AUTH_TKIP_COUNTERMEASURES = 4
IW_AUTH_DROP_UNENCRYPTED = 5
IW_AUTH_80211_AUTH_ALG = 6
IW_AUTH_WPA_ENABLED = 7
IW_AUTH_RX_UNENCRYPTED_EAPOL = 8
IW_AUTH_PRIVACY_INVOKED = 10
IW_AUTH_CIPHER_GROUP_MGMT = 11
IW_AUTH_MFP = 12

IW_AUTH_WPA_VERSION_DISABLED = 0x1
IW_AUTH_WPA_VERSION_WPA = 0x2
IW_AUTH_WPA_VERSION_WPA2 = 0x4
IW_AUTH_CIPHER_NONE = 0x1
IW_AUTH_CIPHER_WEP40 = 0x2
IW_AUTH_CIPHER_TKIP = 0x4
IW_AUTH_CIPHER_CCMP = 0x8
IW_AUTH_CIPHER_WEP104 = 0x10
IW_AUTH_CIPHER_AES_CMAC = 0x20
IW_AUTH_KEY_MGMT_802_1X = 1
IW_AUTH_KEY_MGMT_PSK = 2
IW_AUTH_ALG_OPEN_SYSTEM = 0x1
IW_AUTH_MFP_DISABLED = 0

IW_ENCODE_ALG_NONE = 0
IW_ENCODE_ALG_WEP = 1
IW_ENCODE_ALG_TKIP = 2
IW_ENCODE_ALG_CCMP = 3
IW_ENCODE_ALG_AES_CMAC = 5
IW_ENCODE_EXT_TX_SEQ_VALID = 0x1
IW_ENCODE_EXT_RX_SEQ_VALID = 0x2
IW_ENCODE_EXT_GROUP_KEY = 0x4
IW_ENCODE_EXT_SET_TX_KEY = 0x8

IW_ENC_CAPA_WPA = 0x1
IW_ENC_CAPA_WPA2 = 0x2
IW_ENC_CAPA_CIPHER_TKIP = 0x4
IW_ENC_CAPA_CIPHER_CCMP = 0x8
IW_ENC_CAPA_4WAY_HANDSHAKE = 0x10

IW_MICFAILURE_KEY_ID = 0x3
IW_MICFAILURE_GROUP = 0x4
IW_MICFAILURE_PAIRWISE = 0x8

ARPHRD_ETHER = 1
IFNAMSIZ = 16
IWREQ_SIZE = 32

# Pointer-free structures: one layout on every ABI (offsets from linux/wireless.h).
_PARAM = struct.Struct("=iBBH")            # iw_param: value, fixed, disabled, flags
_FREQ = struct.Struct("=ihBB")             # iw_freq: m, e, i, flags
_SOCKADDR = struct.Struct("=H6s8x")        # sockaddr: family, MAC, padding
_QUALITY = struct.Struct("=BBBB")          # iw_quality: qual, level, noise, updated
_SCAN_REQ_HEAD = struct.Struct("=BBBB16s32sII")   # up to channel_list (offset 60)
SCAN_REQ_SIZE = 60 + IW_MAX_FREQUENCIES * _FREQ.size   # 316
_ENCODE_EXT = struct.Struct("=I8s8s16sHH")  # ext_flags .. key_len; key[] at 40
_MLME = struct.Struct("=HH16s")
STATS_SIZE = 32
RANGE_SIZE = 568
_RANGE_WE_VERSION = 280
_RANGE_NUM_FREQUENCY = 306
_RANGE_FREQ = 308
_RANGE_ENC_CAPA = 564
_RANGE_SCAN_CAPA = 15
_MIC = struct.Struct("=I16s8s")


def ifname_bytes(ifname):
    name = ifname.encode() if isinstance(ifname, str) else bytes(ifname)
    if len(name) >= IFNAMSIZ:
        raise ValueError("interface name too long: %r" % name)
    return name.ljust(IFNAMSIZ, b"\0")


def sockaddr(mac):
    return _SOCKADDR.pack(ARPHRD_ETHER, bytes(mac or b"\0" * 6))


def sockaddr_mac(data):
    return bytes(data[2:8])


def freq_struct(mhz, flags=IW_FREQ_FIXED):
    """A frequency as iw_freq: MHz * 10^5 * 10^1 Hz, as wpa_supplicant and
    cfg80211 write it."""
    return _FREQ.pack(int(mhz) * 100000, 1, 0, flags)


# The highest frequency a WiFi radio uses (60 GHz band, channel 6 of 802.11ad/ay).
MAX_MHZ = 70200


def freq_mhz(m, e):
    """iw_freq (m, e) to MHz; small values with e=0 are channel numbers; 0 for
    anything no radio has.  The exponent comes from the driver or, in scan
    results, from what an AP sent: e=32767 once meant a 30 000-digit integer
    (seconds of CPU) that later overflowed struct.pack in associate()."""
    if e == 0 and 0 < m < 1000:
        return channel_to_mhz(m)
    if m <= 0 or not 0 <= e <= 9:
        return 0
    mhz = m * 10 ** e // 1000000
    return mhz if mhz <= MAX_MHZ else 0


def channel_to_mhz(chan):
    if chan == 14:
        return 2484
    if 1 <= chan <= 13:
        return 2407 + 5 * chan
    if 32 <= chan <= 177:
        return 5000 + 5 * chan
    return 0


def mhz_to_channel(mhz):
    if mhz == 2484:
        return 14
    if 2412 <= mhz <= 2472:
        return (mhz - 2407) // 5
    if 5000 <= mhz <= 5900:
        return (mhz - 5000) // 5
    return 0


class Abi:
    """The word-size dependent part: iw_point in iwreq and the event stream."""

    def __init__(self, ptr_size):
        if ptr_size not in (4, 8):
            raise ValueError("pointer size %r" % ptr_size)
        self.ptr_size = ptr_size
        self.lcp_len = 4 if ptr_size == 4 else 8            # IW_EV_LCP_LEN
        self.point_len = 8 if ptr_size == 4 else 16         # IW_EV_POINT_LEN
        self._point = struct.Struct("=%sHH" % ("I" if ptr_size == 4 else "Q"))

    def __repr__(self):
        return "Abi(%d-bit)" % (self.ptr_size * 8)

    # -- iwreq --------------------------------------------------------------
    def iwreq(self, ifname, union=b""):
        return bytearray(ifname_bytes(ifname) + bytes(union).ljust(IWREQ_SIZE - IFNAMSIZ,
                                                                    b"\0"))

    def iwreq_point(self, ifname, address, length, flags=0):
        return self.iwreq(ifname, self._point.pack(address, length, flags))

    def point_of(self, req):
        """(address, length, flags) of the iw_point in an iwreq."""
        return self._point.unpack_from(req, IFNAMSIZ)

    def iwreq_param(self, ifname, value, flags=0, fixed=0, disabled=0):
        return self.iwreq(ifname, _PARAM.pack(value, fixed, disabled, flags))

    def iwreq_freq(self, ifname, mhz, flags=IW_FREQ_FIXED):
        return self.iwreq(ifname, freq_struct(mhz, flags) if mhz else _FREQ.pack(0, 0, 0, 0))

    def iwreq_addr(self, ifname, mac):
        return self.iwreq(ifname, sockaddr(mac))

    def iwreq_mode(self, ifname, mode):
        return self.iwreq(ifname, struct.pack("=I", mode))

    # -- event stream -------------------------------------------------------
    def event(self, cmd, payload):
        """One fixed-size event as the kernel writes it (for tests and tools)."""
        body = bytes(payload)
        return struct.pack("=HH", self.lcp_len + len(body), cmd) + \
            b"\0" * (self.lcp_len - 4) + body

    def point_event(self, cmd, data, flags=0):
        data = bytes(data)
        head = struct.pack("=HH", self.point_len + len(data), cmd) + \
            b"\0" * (self.lcp_len - 4) + struct.pack("=HH", len(data), flags)
        return head.ljust(self.point_len, b"\0") + data


ABI32 = Abi(4)
ABI64 = Abi(8)
NATIVE = Abi(struct.calcsize("P"))


class Buffer:
    """Memory the kernel reads or writes through an iw_point pointer; its
    address stays put while the object lives (array, no ctypes needed)."""

    __slots__ = ("arr",)

    def __init__(self, data_or_size):
        if isinstance(data_or_size, int):
            self.arr = array.array("B", bytes(data_or_size))
        else:
            self.arr = array.array("B", bytes(data_or_size) or b"\0")

    @property
    def address(self):
        return self.arr.buffer_info()[0]

    def __len__(self):
        return len(self.arr)

    def bytes(self, length=None):
        data = self.arr.tobytes()
        return data if length is None else data[:length]


# -- pointer-free payloads -----------------------------------------------------
def scan_req(ssid=b"", freqs=()):
    """struct iw_scan_req for a directed (SSID) and/or channel-limited scan."""
    ssid = bytes(ssid or b"")[:IW_ESSID_MAX_SIZE]
    freqs = list(freqs)[:IW_MAX_FREQUENCIES]
    head = _SCAN_REQ_HEAD.pack(IW_SCAN_TYPE_ACTIVE, len(ssid), len(freqs), 0,
                               sockaddr(b"\xff" * 6), ssid.ljust(32, b"\0"), 0, 0)
    chans = b"".join(freq_struct(f, 0) for f in freqs)
    return (head + chans).ljust(SCAN_REQ_SIZE, b"\0")


def encode_ext(alg, key=b"", rx_seq=b"", addr=None, group=False, set_tx=False):
    """struct iw_encode_ext followed by the key."""
    flags = 0
    if rx_seq:
        flags |= IW_ENCODE_EXT_RX_SEQ_VALID
    if group:
        flags |= IW_ENCODE_EXT_GROUP_KEY
    if set_tx:
        flags |= IW_ENCODE_EXT_SET_TX_KEY
    key = bytes(key or b"")
    return _ENCODE_EXT.pack(flags, b"", bytes(rx_seq or b"")[:8],
                            sockaddr(addr or b"\xff" * 6), alg, len(key)) + key


def mlme(cmd, reason, addr):
    return _MLME.pack(cmd, reason, sockaddr(addr))


def parse_range(data):
    """The parts of struct iw_range wispd uses, from a SIOCGIWRANGE answer."""
    data = bytes(data).ljust(RANGE_SIZE, b"\0")
    nfreq = min(data[_RANGE_NUM_FREQUENCY], IW_MAX_FREQUENCIES)
    freqs = []
    for i in range(nfreq):
        m, e, _i, _f = _FREQ.unpack_from(data, _RANGE_FREQ + i * _FREQ.size)
        mhz = freq_mhz(m, e)
        if mhz and mhz not in freqs:
            freqs.append(mhz)
    return {"we_version": data[_RANGE_WE_VERSION],
            "scan_capa": data[_RANGE_SCAN_CAPA],
            "freqs": freqs,
            "enc_capa": struct.unpack_from("=I", data, _RANGE_ENC_CAPA)[0]}


def parse_quality(data, offset=0):
    """iw_quality → (qual, level dBm or None, noise dBm or None)."""
    qual, level, noise, updated = _QUALITY.unpack_from(data, offset)
    if updated & IW_QUAL_DBM:
        level = level - 256 if level >= 64 else level
        noise = noise - 256 if noise >= 64 else noise
    else:
        level = level or None
        noise = noise or None
    if updated & IW_QUAL_LEVEL_INVALID:
        level = None
    if updated & IW_QUAL_NOISE_INVALID:
        noise = None
    return (0 if updated & IW_QUAL_QUAL_INVALID else qual), level, noise


def parse_stats(data):
    """struct iw_statistics → (qual, level, noise, beacons missed)."""
    data = bytes(data).ljust(STATS_SIZE, b"\0")
    qual, level, noise = parse_quality(data, 2)
    return qual, level, noise, struct.unpack_from("=I", data, 28)[0]


def parse_mic_failure(data):
    """struct iw_michaelmicfailure → (src MAC, pairwise?, key index) or None."""
    if len(data) < _MIC.size:
        return None
    flags, src, _tsc = _MIC.unpack_from(data)
    return sockaddr_mac(src), bool(flags & IW_MICFAILURE_PAIRWISE), flags & IW_MICFAILURE_KEY_ID
