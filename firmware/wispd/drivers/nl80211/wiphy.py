"""What one radio can do: the split GET_WIPHY dump, merged, and the driver
Capabilities the core plans connections with.

cfg80211 sends a wiphy's description over several messages when asked for a
split dump (one message would outgrow a netlink buffer on radios with many
channels); each part carries the wiphy index and some of the attributes.
"""

from wispd.drivers.nl80211 import msgs as m
from wispd.drivers.ops import Capabilities
from wispd.platform.netlink import NLM_F_DUMP, release_messages
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


def parse_wiphy(parts):
    """Merge the messages of a split GET_WIPHY dump (one wiphy) into WiphyInfo."""
    info = WiphyInfo()
    for msg in parts:
        a = m.attrs_of(msg)
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
        for cmd in msg.get_attr(m.ATTR + "SUPPORTED_COMMANDS") or ():
            info.commands.add(cmd.getvalue() if hasattr(cmd, "getvalue") else cmd)
        for band in msg.get_attr(m.ATTR + "WIPHY_BANDS") or ():
            for freq in band.get_attr("NL80211_BAND_ATTR_FREQS") or ():
                f = freq.get_attr("NL80211_FREQUENCY_ATTR_FREQ")
                if f and not m.is_set(freq.get_attr("NL80211_FREQUENCY_ATTR_DISABLED")) \
                        and f not in info.freqs:
                    info.freqs.append(f)
    info.freqs.sort()
    return info


def read_wiphy(request, index):
    """GET_WIPHY for one radio through request(cmd, attrs, flags) (the driver's
    synchronous request), as WiphyInfo."""
    parts = request(m.CMD_GET_WIPHY, [("WIPHY", index), ("SPLIT_WIPHY_DUMP", True)],
                    NLM_F_DUMP)
    info = parse_wiphy(parts)
    del parts               # freed now, not at the cyclic GC's leisure (release_messages)
    release_messages()
    return info


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
