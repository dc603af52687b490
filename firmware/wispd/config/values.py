"""Values and lines of wpa_supplicant.conf: the string, integer and line codecs
every field table (fields.py) is built from, and ConfigError.

A string value is either "quoted text" or unquoted hex, read and written back
the way wpa_supplicant does (printf escapes with P"..."); an integer is C's
strtol syntax.  Kept apart from the tables so a new family of keys adds only
its table, not another copy of these rules.
"""

from __future__ import annotations

import re


class ConfigError(ValueError):
    """A configuration value, line or file is not acceptable.

    For file errors str() is "FILE:LINE: what is wrong"; for a single value
    (SET_NETWORK, SET) it is just "what is wrong".
    """


# Fields whose value GET_NETWORK never reveals (wpa_supplicant's *_KEY fields).
SECRET_FIELDS = frozenset((
    "psk", "sae_password", "password", "machine_password", "private_key_passwd",
    "private_key2_passwd", "machine_private_key_passwd", "pin", "pin2", "machine_pin",
    "wep_key0", "wep_key1", "wep_key2", "wep_key3", "mka_cak", "mka_ckn",
))

SSID_MAX_LEN = 32
PMK_LEN = 32

# --- strings -----------------------------------------------------------------

HEX_RE = re.compile(r"[0-9a-fA-F]*\Z")


def printf_decode(text: str) -> bytes:
    """Decode the P"..." escapes wpa_supplicant understands (printf_decode)."""
    out = bytearray()
    raw = text.encode("utf-8", "surrogateescape")
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c != 0x5C:  # not a backslash
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= n:
            break
        e = chr(raw[i])
        simple = {"\\": 0x5C, '"': 0x22, "n": 0x0A, "r": 0x0D, "t": 0x09, "e": 0x1B}
        if e in simple:
            out.append(simple[e])
            i += 1
        elif e == "x":
            i += 1
            digits = b""
            while i < n and len(digits) < 2 and chr(raw[i]) in "0123456789abcdefABCDEF":
                digits += raw[i:i + 1]
                i += 1
            if digits:
                out.append(int(digits, 16))
        elif e in "01234567":
            digits = b""
            while i < n and len(digits) < 3 and chr(raw[i]) in "01234567":
                digits += raw[i:i + 1]
                i += 1
            out.append(int(digits, 8) & 0xFF)
        # any other escape is dropped, as wpa_supplicant does
    return bytes(out)


def decode_string(value: str, name: str) -> bytes:
    """Bytes of a "quoted", P"escaped" or hex string value."""
    if value.startswith('"'):
        end = value.rfind('"')
        if end == 0 or end != len(value) - 1:
            raise ConfigError("invalid %s: unterminated quoted string" % name)
        return value[1:end].encode("utf-8", "surrogateescape")
    if value.startswith('P"'):
        end = value.rfind('"')
        if end == 1 or end != len(value) - 1:
            raise ConfigError("invalid %s: unterminated P\"\" string" % name)
        return printf_decode(value[2:end])
    if len(value) % 2 or not HEX_RE.match(value):
        # Error texts end up in logs and replies: a mistyped secret stays hidden.
        shown = "" if name in SECRET_FIELDS else " '%s'" % value
        raise ConfigError("invalid %s%s: expected \"text\", P\"escaped\" or an even number "
                          "of hex digits" % (name, shown))
    return bytes.fromhex(value)


def encode_string(data: bytes) -> str:
    """wpa_supplicant's writer: quoted when all bytes are printable ASCII, else hex.
    Hex also when the quoted form would not read back: the reader takes
    `ssid="a"#b"` as `"a"` and a comment (a fuzz target caught it)."""
    if any(b < 32 or b >= 127 for b in data) or not _quoted_reads_back(data):
        return data.hex()
    return '"' + data.decode("ascii") + '"'


def _quoted_reads_back(data: bytes) -> bool:
    """The reader starts a comment at a '#' outside "quote pairs", which inside
    a quoted value is a '#' after an odd number of '"' in the value."""
    quotes = 0
    for b in data:
        if b == 0x22:
            quotes += 1
        elif b == 0x23 and quotes % 2:
            return False
    return True


def string_field(name: str, max_len: int = 0, min_len: int = 0):
    def check(value: str):
        if value == "NULL":
            return None
        data = decode_string(value, name)
        if min_len and len(data) < min_len:
            raise ConfigError("too short %s (len=%d min_len=%d)" % (name, len(data), min_len))
        if max_len and len(data) > max_len:
            raise ConfigError("too long %s (len=%d max_len=%d)" % (name, len(data), max_len))
        return encode_string(data)
    return check


# --- lines ---------------------------------------------------------------------

def clean_line(line: str):
    """wpa_config_get_line: strip, drop comments outside double quotes."""
    pos = line.lstrip(" \t\r")
    if not pos or pos[0] in "#\n":
        return None
    end = pos.find("#")
    start = 0
    while end >= 0:
        q = pos.find('"', start)
        if q < 0 or q > end:
            break
        q2 = pos.find('"', q + 1)
        if q2 < 0:
            break
        start = q2 + 1
        if start > end:
            end = pos.find("#", start)
    if end >= 0:
        pos = pos[:end]
    pos = pos.rstrip("\n \t\r")
    return pos or None


def check_reads_back(name: str, raw: str) -> str:
    """A value set by SET_NETWORK, SET or provisioning must read back the same
    from the file the writer makes: the reader drops a '#' comment outside
    quotes and blanks at the end of a line.  Without this check a passphrase
    like `ab"#cdefgh` was accepted, and SAVE_CONFIG wrote a file that no longer
    loaded (caught by the control fuzz target)."""
    line = "%s=%s" % (name, raw)
    if clean_line(line) != line:
        raise ConfigError("invalid %s value: it would not read back from the file "
                          "(a '#' outside quotes, or blanks at the end)" % name)
    return raw


# --- integers ----------------------------------------------------------------

_INT_RE = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\Z")


def parse_int(value: str, name: str) -> int:
    """strtol(value, &end, 0) with nothing left over, like wpa_supplicant."""
    m = _INT_RE.match(value)
    if not m:
        raise ConfigError('invalid number "%s" for %s' % (value, name))
    digits = m.group(2)
    if digits[:2] in ("0x", "0X"):
        n = int(digits, 16)
    elif digits[0] == "0":
        n = int(digits, 8)
    else:
        n = int(digits)
    return -n if m.group(1) == "-" else n


def int_field(name: str, lo=None, hi=None):
    def check(value: str):
        n = parse_int(value, name)
        if lo is not None and n < lo:
            raise ConfigError("too small %s (value=%d min_value=%d)" % (name, n, lo))
        if hi is not None and n > hi:
            raise ConfigError("too large %s (value=%d max_value=%d)" % (name, n, hi))
        return str(n)
    return check
