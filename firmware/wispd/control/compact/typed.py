"""Typed renderings of command results for the compact protocol.

The text codec renders results with control.reply (wpa_supplicant's layouts);
the compact codec sends structures msgpack can carry as they are: ints, bools,
bytes for raw SSIDs, BSSIDs and IEs, lists and maps with str keys.  One function
per result type; commands.TABLE names which one a command uses.  Nothing here
imports msgpack, so the table costs nothing when the compact socket is off.
"""

from wispd.config.fields import printf_decode


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


# ------------------------------------------------------------------------ events
# Event text → (name, fields).  The text is what wpa_ctrl monitors get; the
# compact protocol sends the parsed form and the raw text, so nothing is lost
# when a message has no parser here.
_SPECIAL = (
    ("CTRL-EVENT-CONNECTED - Connection to ", "connected"),
    ("Trying to associate with ", "associating"),
    ("Associated with ", "associated"),
    ("WPA: 4-Way Handshake failed", "wrong_key"),
    ("WPA: Group rekeying completed", "group_rekey"),
)
_MAC_KEYS = ("bssid",)


def _mac(text):
    try:
        raw = bytes.fromhex(text.replace(":", ""))
    except ValueError:
        return text
    return raw if len(raw) == 6 else text


def _value(key, text):
    if key in _MAC_KEYS:
        return _mac(text)
    if text.lstrip("-").isdecimal():
        return int(text)
    return text


def _key_values(text):
    """k=v tokens; values may be "double quoted" with spaces inside."""
    out = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] == " ":
            i += 1
        start = i
        while i < n and text[i] not in " =":
            i += 1
        key = text[start:i]
        if i >= n or text[i] != "=":
            continue
        i += 1
        if i < n and text[i] == '"':
            # A quoted SSID is printf-escaped (wpa_ssid_txt): \" is a quote
            # inside it, not its end.
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            end = min(end, n)
            value = text[i + 1:end]
            # SSIDs travel as raw octets (bin) in this protocol.
            out[key] = printf_decode(value) if key == "ssid" else value
            i = end + 1
        else:
            start = i
            while i < n and text[i] != " ":
                i += 1
            if key:
                out[key] = _value(key, text[start:i])
    return out


def parse_event(text):
    for prefix, name in _SPECIAL:
        if text.startswith(prefix):
            rest = text[len(prefix):]
            if name == "connected":
                bssid, _, tail = rest.partition(" ")
                fields = {"bssid": _mac(bssid)}
                inner = tail[tail.find("[") + 1:tail.rfind("]")] if "[" in tail else ""
                fields.update(_key_values(inner))
                if "id_str" in fields and fields["id_str"] == "":
                    fields["id_str"] = None
                return name, fields
            if name == "associating":
                bssid, _, tail = rest.partition(" ")
                fields = {"bssid": _mac(bssid)}
                inner = tail.strip("()")
                if inner.startswith("SSID='"):
                    end = inner.rfind("' freq=")
                    if end > 0:
                        # The text has the SSID printf-escaped (wpa_ssid_txt);
                        # this protocol carries SSIDs as their raw octets (bin),
                        # so a NUL, newline or non-UTF-8 byte comes back exact.
                        fields["ssid"] = printf_decode(inner[6:end])
                        freq = inner[end + 7:].split(" ")[0]
                        if freq.isdecimal():
                            fields["freq"] = int(freq)
                return name, fields
            if name == "associated":
                return name, {"bssid": _mac(rest.strip())}
            return name, _key_values(rest)
    if text.startswith("CTRL-EVENT-"):
        head, _, rest = text[11:].partition(" ")
        name = head.lower().replace("-", "_")
        if name in ("bss_added", "bss_removed"):
            parts = rest.split()
            if len(parts) == 2 and parts[0].isdecimal():
                return name, {"id": int(parts[0]), "bssid": _mac(parts[1])}
        if name in ("network_added", "network_removed") and rest.strip().isdecimal():
            return name, {"id": int(rest)}
        return name, _key_values(rest)
    return "message", {}
