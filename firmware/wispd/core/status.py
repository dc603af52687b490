"""STATUS of one interface as ordered (key, value) pairs, wpa_supplicant 2.10's
order; the codecs render them (text lines, or a map for the compact protocol)."""

# The interpreter's own SHA-1 (same sha1() as hashlib's): hashlib loads OpenSSL,
# +3.7 MB RSS and ~0.1 s of imports under TCG on the start path (issue 14).
import _sha1 as hashlib

from wispd.config.ssidtext import ssid_txt
from wispd.core import states as S
from wispd.core.bss import mac_txt


# The namespace wpa_supplicant's WPS code hashes a MAC address in to make the
# interface's UUID (wps_common.c uuid_gen_mac_addr): a name-based version 5 UUID.
_UUID_NAMESPACE = bytes.fromhex("526480f8c99b4be5a65558ed5f5d6084")


def uuid_from_mac(addr):
    """The `uuid=` STATUS line's value, as wpa_supplicant derives it from the
    own address when the configuration names no uuid: SHA-1 over namespace and
    address, the first 16 bytes with the version (5) and RFC 4122 variant bits."""
    u = bytearray(hashlib.sha1(_UUID_NAMESPACE + bytes(addr)).digest()[:16])
    u[6] = 0x50 | (u[6] & 0x0F)
    u[8] = 0x80 | (u[8] & 0x3F)
    h = u.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def _generation(bss):
    el = bss.elements
    return 6 if el.he else 5 if el.vht else 4 if el.ht else 0


def status_pairs(iface):
    out = []
    conn = iface.connection
    if iface.states.at_least(S.ASSOCIATED):
        bss = iface.current_bss
        out.append(("bssid", mac_txt(iface.current_bssid() or b"\0" * 6)))
        out.append(("freq", bss.freq if bss else 0))
        net = iface.current_network
        if net is not None:
            out.append(("ssid", ssid_txt(net.ssid_bytes or b"")))
            out.append(("id", net.id))
            if net.id_str:
                out.append(("id_str", net.id_str))
            out.append(("mode", "station"))
            if bss is not None and _generation(bss):
                out.append(("wifi_generation", _generation(bss)))
        if conn is not None:
            out.extend(conn.status_fields())
        else:
            out.extend((("pairwise_cipher", "NONE"), ("group_cipher", "NONE"),
                        ("key_mgmt", "NONE")))
    out.append(("wpa_state", iface.wpa_state))
    # wpa_supplicant as packaged has P2P and WPS built in and prints both lines
    # always; without a P2P Device interface the P2P address is the own address
    # (hostap's test runner reads it before any test runs).
    out.append(("p2p_device_address", mac_txt(iface.addr)))
    out.append(("address", mac_txt(iface.addr)))
    eap = getattr(conn, "eap", None)
    if eap is not None:
        # After the address, as wpa_supplicant's eapol_sm_get_status lines come.
        out.extend(eap.status_fields())
    uuid = iface.config.globals.get("uuid")
    out.append(("uuid", uuid or uuid_from_mac(iface.addr)))
    out.extend(iface.refusals.status_lines(iface.config.networks))
    return out
