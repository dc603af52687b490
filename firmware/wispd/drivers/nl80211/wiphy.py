"""What one radio can do: the split GET_WIPHY dump, merged, and the driver
Capabilities the core plans connections with.

cfg80211 sends a wiphy's description over several messages when asked for a
split dump (one message would outgrow a netlink buffer on radios with many
channels); each part carries the wiphy index and some of the attributes.
"""

import struct
import sys

from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.ops import Capabilities
from wispd.platform.netlink import NLM_F_DUMP
from wispd.platform.nlattrs import pick, walk
from wispd.rsn.defs import AKM_8021X, AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128


class WiphyInfo:
    """What the split GET_WIPHY dump says about one radio."""

    __slots__ = ("index", "name", "ciphers", "akms", "freqs", "commands", "features",
                 "max_scan_ssids")

    def __init__(self):
        self.index = None
        self.name = None
        self.ciphers = []
        self.akms = []
        self.freqs = []
        self.commands = set()
        self.features = 0
        self.max_scan_ssids = 0


# attribute numbers (<linux/nl80211.h>) of what wispd reads from GET_WIPHY
A_WIPHY, A_WIPHY_NAME, A_WIPHY_BANDS, A_MAX_NUM_SCAN_SSIDS = 1, 2, 22, 43
A_SUPPORTED_COMMANDS, A_CIPHER_SUITES, A_AKM_SUITES, A_FEATURE_FLAGS = 50, 57, 76, 143
BAND_ATTR_FREQS = 1
FREQUENCY_ATTR_FREQ, FREQUENCY_ATTR_DISABLED = 1, 2
_BAND_WANTED = frozenset((BAND_ATTR_FREQS,))
_FREQ_WANTED = frozenset((FREQUENCY_ATTR_FREQ, FREQUENCY_ATTR_DISABLED))
_U32 = struct.Struct("=I").unpack_from


def parse_wiphy(parts):
    """Merge the messages of a split GET_WIPHY dump (one wiphy) into WiphyInfo.
    The messages are read with msgs.Message: only these attributes are
    decoded (the why is in platform/nlattrs.py)."""
    info = WiphyInfo()
    freqs = set()
    for msg in parts:
        if info.index is None and A_WIPHY in msg:
            info.index = msg.u32(A_WIPHY)
        if info.name is None and A_WIPHY_NAME in msg:
            info.name = msg.string(A_WIPHY_NAME)
        for c in msg.u32_array(A_CIPHER_SUITES):
            if c not in info.ciphers:
                info.ciphers.append(c)
        for k in msg.u32_array(A_AKM_SUITES):
            if k not in info.akms:
                info.akms.append(k)
        if A_MAX_NUM_SCAN_SSIDS in msg:
            info.max_scan_ssids = msg.int(A_MAX_NUM_SCAN_SSIDS, "u8", 0)
        if A_FEATURE_FLAGS in msg:
            info.features = msg.u32(A_FEATURE_FLAGS, 0)
        for cmd in msg.list(A_SUPPORTED_COMMANDS):
            if len(cmd) >= 4:
                info.commands.add(int.from_bytes(cmd[:4], sys.byteorder))
        # A split dump sends about one channel a message: ~170 of them for a
        # hwsim radio, so the two levels below are read with pick(), not indexed.
        for band in msg.list(A_WIPHY_BANDS):
            chans = pick(band, _BAND_WANTED).get(BAND_ATTR_FREQS)
            for freq in walk(chans) if chans else ():
                f = pick(freq[1], _FREQ_WANTED)
                mhz = f.get(FREQUENCY_ATTR_FREQ)
                if mhz is not None and len(mhz) >= 4 and FREQUENCY_ATTR_DISABLED not in f:
                    freqs.add(_U32(mhz, 0)[0])
    info.freqs = sorted(freqs)
    return info


def read_wiphy(request, index):
    """GET_WIPHY for one radio through request(cmd, attrs, flags) (the driver's
    synchronous request), as WiphyInfo."""
    parts = request(m.CMD_GET_WIPHY, [("WIPHY", index), ("SPLIT_WIPHY_DUMP", True)],
                    NLM_F_DUMP)
    return parse_wiphy(parts)


def capabilities(wiphy):
    """The Capabilities a WiphyInfo gives the core."""
    cmds = wiphy.commands
    sme = m.CMD_AUTHENTICATE in cmds and m.CMD_ASSOCIATE in cmds
    # A wiphy that lists no AKM suites leaves them to userspace: the classic three.
    akms = list(wiphy.akms) or [AKM_8021X, AKM_PSK, AKM_PSK_SHA256]
    # SAE in userspace needs AUTHENTICATE to carry the commit and confirm frames.
    sae = sme and bool(wiphy.features & m.FEATURE_SAE)
    if sae and AKM_SAE not in akms:
        akms.append(AKM_SAE)
    return Capabilities(ciphers=wiphy.ciphers, akms=akms, freqs=wiphy.freqs, sme=sme,
                        connect=m.CMD_CONNECT in cmds, sae=sae,
                        pmf=CIPHER_BIP_CMAC_128 in wiphy.ciphers,
                        max_scan_ssids=wiphy.max_scan_ssids or 1)
