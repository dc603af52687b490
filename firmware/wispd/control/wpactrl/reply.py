"""Text renderings of command results, as wpa_supplicant 2.10 writes them.

Scripts in the field parse these replies, so layout, order and escaping follow
hostap's ctrl_iface.c exactly; the compact protocol sends the typed results
instead and never comes here.
"""

from wispd.control.mactext import mac_txt
from wispd.config.ssidtext import ssid_txt


def ok(result):
    return "OK\n"


def plain(result):
    return "%s\n" % result


def ok_or_plain(result):
    # SCAN: "OK", or with use_id=1 the scan's id.
    return "OK\n" if result is None else "%s\n" % result


def bare(result):
    # GET and GET_NETWORK reply with the value alone, no newline.
    return str(result)


def lines(result):
    return "".join("%s\n" % item for item in result)


def key_values(result):
    return "".join("%s=%s\n" % kv for kv in result)


# wpa_supplicant renders every reply into a 4096-byte buffer with snprintf, so
# 4095 bytes of text at most.  What does not fit is left out whole: a scan
# result line, a BSS entry.  A reply cut in the middle of a line (as the
# socket-level cap in control.text would do) is not something a script can
# parse, and hostile APs make entries long on purpose (issue 10: 128-character
# escaped SSIDs, kilobytes of IEs in ie=/beacon_ie=).
TEXT_ROOM = 4095


def _fit(chunks, room=TEXT_ROOM):
    """The leading chunks that fit in `room` characters (all ASCII here)."""
    out = []
    for chunk in chunks:
        room -= len(chunk)
        if room < 0:
            break
        out.append(chunk)
    return "".join(out)


SCAN_RESULTS_HEAD = "bssid / frequency / signal level / flags / ssid\n"


def scan_result_line(bss):
    """One entry's SCAN_RESULTS line, rendered once per update of the entry
    and kept on it (Bss.update drops it): the request then only joins lines,
    instead of formatting flags and escaping SSIDs of every BSS each time
    (that was ~1.4 ms of host CPU for 65 BSSes, 3.5-4.6x wpa_supplicant's
    latency in the bench, issue 14)."""
    line = bss.text
    if line is None:
        line = bss.text = "%s\t%d\t%d\t%s\t%s\n" % (
            mac_txt(bss.bssid), bss.freq, bss.signal, bss.flags(), ssid_txt(bss.ssid))
    return line


def scan_results(bsses):
    lines = [scan_result_line(bss) for bss in bsses]
    text = SCAN_RESULTS_HEAD + "".join(lines)
    if len(text) <= TEXT_ROOM:
        return text
    # Over wpa_supplicant's buffer: the lines that fit, whole.
    return _fit([SCAN_RESULTS_HEAD] + lines)


def _bss_entry(entry):
    snr = entry.signal - entry.noise if entry.noise else 0
    fields = [
        ("id", entry.id),
        ("bssid", entry.bssid_txt),
        ("freq", entry.freq),
        ("beacon_int", entry.beacon_int),
        ("capabilities", "0x%04x" % entry.caps),
        ("qual", entry.qual),
        ("noise", entry.noise),
        ("level", entry.signal),
        ("tsf", "%016d" % entry.tsf),
        ("age", int(entry.age())),
        ("ie", entry.ies.hex()),
        ("flags", entry.flags()),
        ("ssid", ssid_txt(entry.ssid)),
        ("snr", snr),
        ("est_throughput", 0),
        ("update_idx", entry.update_idx),
    ]
    if entry.beacon_ies:
        # wpa_supplicant leaves the line out for a BSS known only from a probe
        # response (print_bss_info: bss->beacon_ie_len == 0).
        fields.append(("beacon_ie", entry.beacon_ies.hex()))
    return key_values(fields)


def bss(result):
    """BSS <which>: one entry, or for RANGE= a list of entries back to back
    (no delimiter without MASK, as in wpa_supplicant).  An entry that does not
    fit is not written, and a RANGE stops there; a single BSS that does not fit
    gives an empty reply, as wpa_supplicant's does."""
    if result is None:
        return ""
    if not isinstance(result, list):
        result = [result]
    return _fit(_bss_entry(entry) for entry in result)


def list_networks(networks):
    out = ["network id / ssid / bssid / flags\n"]
    for item in networks:
        out.append("%d\t%s\t%s\t%s\n" % (item["id"], ssid_txt(item["ssid"] or b""),
                                        mac_txt(item["bssid"]) if item["bssid"] else "any",
                                        "".join("[%s]" % f for f in item["flags"])))
    return "".join(out)


def signal_poll(info):
    out = ["RSSI=%d\n" % info.get("rssi", 0),
           "LINKSPEED=%d\n" % info.get("linkspeed", 0),
           "NOISE=%d\n" % info.get("noise", 9999),
           "FREQUENCY=%d\n" % info.get("frequency", 0)]
    if "width" in info:
        out.append("WIDTH=%s\n" % info["width"])
    if "center_frq1" in info:
        out.append("CENTER_FRQ1=%d\n" % info["center_frq1"])
    if "center_frq2" in info:
        out.append("CENTER_FRQ2=%d\n" % info["center_frq2"])
    if info.get("avg_rssi"):
        out.append("AVG_RSSI=%d\n" % info["avg_rssi"])
    if info.get("avg_beacon_rssi"):
        out.append("AVG_BEACON_RSSI=%d\n" % info["avg_beacon_rssi"])
    return "".join(out)


def pktcnt_poll(counts):
    return "TXGOOD=%d\nTXBAD=%d\nRXGOOD=%d\n" % (
        counts["tx_packets"], counts["tx_failed"], counts["rx_packets"])


def log_level(result):
    if result is None:
        return "OK\n"
    return "Current level: %s\nTimestamp: %d\n" % (result["level"], result["timestamp"])
