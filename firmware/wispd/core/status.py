"""STATUS of one interface as ordered (key, value) pairs, wpa_supplicant 2.10's
order; the codecs render them (text lines, or a map for the compact protocol)."""

from wispd.config.ssidtext import ssid_txt
from wispd.core import states as S
from wispd.core.bss import mac_txt


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
    out.append(("address", mac_txt(iface.addr)))
    out.extend(iface.refusals.status_lines(iface.config.networks))
    return out
