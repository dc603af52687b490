"""Command arguments: what each one is called and how a value is checked.

A converter takes either a text token (the wpa_ctrl codec splits the line) or
a typed value (the compact codec's msgpack), and returns the handler's value
or raises ValueError (TypeError and AttributeError count too).  Both codecs
use the same converters, so an argument is valid or not whatever asked.
"""


class Arg:
    """One argument.  conv turns the text token into a typed value (and checks
    a typed value from the compact protocol); rest=True takes the remainder of
    the line, spaces included (SET_NETWORK values)."""
    __slots__ = ("name", "conv", "optional", "rest")

    def __init__(self, name, conv=str, optional=False, rest=False):
        self.name = name
        self.conv = conv
        self.optional = optional
        self.rest = rest


def integer(value):
    """An int from a text token or a compact int.  Not int() itself: that takes
    2.5, True and b"3" as well, and raises OverflowError (which no codec
    expects) for a msgpack float inf: the request got no reply (a fuzz target caught it)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("expected an integer")
    return int(value)


def net_id(value):
    if isinstance(value, bool):
        raise ValueError("network id must be an integer")
    if isinstance(value, int):
        n = value
    else:
        if not value.isdecimal():
            raise ValueError("network id must be a non-negative integer")
        n = int(value)
    if n < 0 or n > 0x7FFFFFFF:
        raise ValueError("network id out of range")
    return n


def net_id_or_all(value):
    return "all" if value == "all" else net_id(value)


def net_id_all_or_any(value):
    """SELECT_NETWORK's id: a number, `any` (wpa_supplicant's word) or `all`."""
    return value if value in ("all", "any") else net_id(value)


def text(value):
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def flag(value):
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def level_arg(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise ValueError("expected a level 0..5")
    return value


def network_list(value):
    """networks.apply's argument: a list of maps of field → value."""
    if not isinstance(value, list):
        raise ValueError("expected a list of network maps")
    for item in value:
        if not isinstance(item, dict) or not all(isinstance(k, str) for k in item):
            raise ValueError("each network must be a map with string keys")
    return value


def as_given(value):
    """No conversion: the handler checks the value itself (subscribe's lists)."""
    return value
