"""GET_CAPABILITY <field>: what wispd can do with this radio, in wpa_supplicant
2.10's words (ctrl_iface.c ctrl_iface_get_capability_*): space-separated
names, no newline.  Only what wispd really does is listed: a test or script
that finds SAE here will try it."""

from wispd.rsn import defs

# (name, cipher suite) in wpa_supplicant's order.
_PAIRWISE = (("CCMP", defs.CIPHER_CCMP), ("TKIP", defs.CIPHER_TKIP))
_GROUP = (("CCMP", defs.CIPHER_CCMP), ("TKIP", defs.CIPHER_TKIP))


def _names(pairs, capa):
    return [name for name, suite in pairs if capa is None or suite in capa.ciphers]


def capability(field, capa):
    """The reply text for one field, or None for a field wispd does not know."""
    sae = capa is not None and capa.sae
    if field == "pairwise":
        return " ".join(_names(_PAIRWISE, capa) + ["NONE"])
    if field == "group":
        return " ".join(_names(_GROUP, capa))
    if field == "key_mgmt":
        return " ".join(_key_mgmt(capa, sae))
    if field == "proto":
        return "RSN WPA"
    if field == "auth_alg":
        return "OPEN SAE" if sae else "OPEN"
    if field == "modes":
        return ""               # station only: no IBSS, AP or mesh
    if field == "channels":
        return _channels(capa)
    if field == "freq":
        return _freqs(capa)
    return None


# wpa_supplicant 2.10's order (ctrl_iface_get_capability_key_mgmt), with what it
# needs here: "sae" SAE authentication frames, "ft" an 802.11r roam, which is an
# FT AUTHENTICATE (nl80211 SME; a full-MAC or wext driver cannot carry it).
# wpa_supplicant 2.10 itself leaves FT-SAE out on mac80211 (its default driver
# AKM set predates FT-SAE) though it connects with FT-SAE there; wispd lists
# what it does.
_KEY_MGMT = (("NONE", ()), ("WPA-EAP", ()), ("WPA-PSK", ()), ("FT-PSK", ("ft",)),
             ("FT-SAE", ("ft", "sae")), ("SAE", ("sae",)), ("WPA-EAP-SHA256", ()),
             ("WPA-PSK-SHA256", ()))


def _key_mgmt(capa, sae):
    # mac80211 offers CONNECT too (cfg80211's SME); AUTHENTICATE is what counts.
    ft = capa is None or (bool(getattr(capa, "sme", False)) and not getattr(capa, "wext", False))
    have = {"sae": sae, "ft": ft}
    return [name for name, needs in _KEY_MGMT if all(have[n] for n in needs)]


def _band_of(freq):
    if freq < 2500:
        return "G", (14 if freq == 2484 else (freq - 2407) // 5)
    if freq < 5950:
        return "A", (freq - 5000) // 5
    return "AX", (freq - 5950) // 5


def _by_mode(capa):
    modes = {}
    for freq in (capa.freqs if capa is not None else ()):
        mode, chan = _band_of(freq)
        modes.setdefault(mode, []).append((freq, chan))
    return modes


def _channels(capa):
    # wpa_supplicant: "Mode[G] Channels: 1 2 ...\n" per hardware mode.
    return "".join("Mode[%s] Channels:%s\n" % (mode, "".join(" %d" % c for _, c in chans))
                   for mode, chans in _by_mode(capa).items())


def _freqs(capa):
    # wpa_supplicant: "Mode[G] Channels:\n 2412 = 1\n ..." per hardware mode.
    return "".join("Mode[%s] Channels:\n%s" % (mode, "".join(" %d = %d\n" % fc for fc in chans))
                   for mode, chans in _by_mode(capa).items())
