"""Typed renderings of command results for the compact protocol.

The text codec renders results with control.reply (wpa_supplicant's layouts);
the compact codec sends structures msgpack can carry as they are: ints, bools,
bytes for raw SSIDs, BSSIDs and IEs, lists and maps with str keys.  One function
per result type; commands.TABLE names which one a command uses.  Nothing here
imports msgpack, so the table costs nothing when the compact socket is off.
"""


def plain(result):
    """Results that already are ints, strs, lists or maps of those."""
    if isinstance(result, tuple):
        return [plain(x) for x in result]
    if isinstance(result, list):
        return [plain(x) for x in result]
    if isinstance(result, dict):
        return {str(k): plain(v) for k, v in result.items()}
    return result


def ok(result):
    # Plain success: the text codec says "OK", the compact one sends true.
    return True if result is None else plain(result)


def pairs(result):
    """STATUS's ordered (key, value) pairs → a map (the order is a text concern)."""
    return {k: v for k, v in result}


def bss(entry):
    if entry is None:
        return None
    if isinstance(entry, list):     # which="RANGE=...": every entry, none cut off
        return [bss(e) for e in entry]
    el = entry.elements
    return {
        "id": entry.id,
        "bssid": entry.bssid,
        "ssid": entry.ssid or b"",
        "freq": entry.freq,
        "signal": entry.signal,
        "noise": entry.noise,
        "qual": entry.qual,
        "caps": entry.caps,
        "beacon_int": entry.beacon_int,
        "tsf": entry.tsf,
        "age": int(entry.age()),
        "flags": entry.flags(),
        "generation": 6 if el.he else 5 if el.vht else 4 if el.ht else 0,
        "ies": entry.ies or b"",
        "beacon_ies": entry.beacon_ies or b"",
    }


def scan_results(entries):
    out = []
    for entry in entries:
        item = bss(entry)
        # The list is for overviews: the raw IEs are one `bss` request away.
        del item["ies"], item["beacon_ies"]
        out.append(item)
    return out


def networks(items):
    return [{"id": n["id"], "ssid": n["ssid"] or b"", "bssid": n["bssid"],
             "flags": list(n["flags"])} for n in items]
