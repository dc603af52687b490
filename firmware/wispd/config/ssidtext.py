"""SSIDs as text, escaped the way wpa_supplicant escapes them.

An SSID is 0–32 arbitrary bytes: NUL, newline, tab and invalid UTF-8 all occur
in the wild (and from hostile APs).  wpa_ssid_txt() in hostap prints them with
printf_encode(), and scripts that parse SCAN_RESULTS rely on that exact form, so
it is kept byte for byte.
"""

_SPECIAL = {0x22: '\\"', 0x5C: "\\\\", 0x1B: "\\e", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def printf_encode(data):
    out = []
    for b in data:
        special = _SPECIAL.get(b)
        if special is not None:
            out.append(special)
        elif 32 <= b <= 126:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def ssid_txt(ssid):
    return printf_encode(ssid[:32])
