"""Netlink attributes read straight from the bytes.

pyroute2's generic decoder turns every attribute of a message, nested ones
included, into an object of its own, whether anyone reads it or not.  For the
few large messages wispd reads on the way to a connection that is most of its
start-up CPU: a hwsim radio's split GET_WIPHY dump is ~40 messages with a few
thousand attributes (bands, channels with their rules, rates, interface
combinations, command lists), of which wispd reads the channel numbers, the
cipher and AKM lists, the feature flags and the command list; decoding it with
pyroute2 took ~0.8 s under the testbed's TCG.  `Attrs` instead indexes one
level of attributes ({type: payload}) and decodes a payload only when it is
asked for, by type number; a nested attribute is indexed when it is opened.

Layout (<linux/netlink.h>): each attribute is a u16 length (header included),
a u16 type (the top two bits are the NESTED and NET_BYTEORDER flags), the
payload, then zeros up to a multiple of 4.  Integers are in host byte order.
A malformed length ends the walk: what came before it is kept.
"""

import struct

NLA_TYPE_MASK = 0x3FFF

_HDR = struct.Struct("=HH")
_INT = {"u8": struct.Struct("=B"), "u16": struct.Struct("=H"), "u32": struct.Struct("=I"),
        "u64": struct.Struct("=Q"), "s8": struct.Struct("=b"), "s32": struct.Struct("=i")}


def spans(buf, start=0, end=None):
    """(type, payload start, payload end) of each attribute in buf[start:end],
    in order: the one walk every reader below shares.  Offsets, not slices,
    so a reader that skips most types copies nothing for them.  Being a
    generator costs ~25 % over three inlined loops (a full recursive walk of
    the recorded GET_WIPHY dump: 2.8 → 3.5 ms on the build host), small
    against what one copy of the bounds checks saves in review."""
    unpack = _HDR.unpack_from
    end = len(buf) if end is None else end
    pos = start
    while pos + 4 <= end:
        length, kind = unpack(buf, pos)
        if length < 4 or pos + length > end:
            return
        yield kind & NLA_TYPE_MASK, pos + 4, pos + length
        pos += (length + 3) & ~3


def walk(buf, start=0, end=None):
    """[(type, payload)] of the attributes in buf[start:end], in order."""
    return [(kind, buf[a:b]) for kind, a, b in spans(buf, start, end)]


def _first_of_each(buf, start, end, kinds=None):
    out = {}
    for kind, a, b in spans(buf, start, end):
        if kind not in out and (kinds is None or kind in kinds):
            out[kind] = buf[a:b]
    return out


def pick(buf, kinds):
    """{type: payload} of only the wanted types in one level of buf, first
    wins: for entries read by the hundred (a wiphy's channels) where an index
    of every attribute would be wasted."""
    return _first_of_each(buf, 0, None, kinds)


class Attrs:
    """One level of attributes, indexed by type.  A type that appears more than
    once keeps its first payload (the kernel sends each once per level; lists
    are nested attributes, read with `list()`)."""

    __slots__ = ("payloads",)

    def __init__(self, buf=b"", start=0, end=None):
        self.payloads = _first_of_each(buf, start, end)

    def __contains__(self, kind):
        return kind in self.payloads

    def __len__(self):
        return len(self.payloads)

    def __repr__(self):
        return "Attrs(%s)" % ", ".join("%d: %d bytes" % (k, len(v))
                                       for k, v in self.payloads.items())

    def raw(self, kind, default=None):
        """The payload as bytes."""
        return self.payloads.get(kind, default)

    def flag(self, kind):
        return kind in self.payloads

    def int(self, kind, fmt="u32", default=None):
        """An integer payload; fmt is u8, u16, u32, u64, s8 or s32.  A payload
        too short for it counts as absent."""
        data = self.payloads.get(kind)
        codec = _INT[fmt]
        if data is None or len(data) < codec.size:
            return default
        return codec.unpack_from(data)[0]

    def u32(self, kind, default=None):
        return self.int(kind, "u32", default)

    def string(self, kind, default=None):
        """A NUL-terminated string (nla "asciiz"/NLA_NUL_STRING)."""
        data = self.payloads.get(kind)
        if data is None:
            return default
        return data.split(b"\0", 1)[0].decode("utf-8", "replace")

    def nested(self, kind):
        """The nested attributes of kind (empty if absent)."""
        data = self.payloads.get(kind)
        return Attrs(data) if data is not None else Attrs()

    def list(self, kind):
        """The payloads of a nested list (the kernel numbers the entries from 0
        or 1; the order is what counts), in order."""
        data = self.payloads.get(kind)
        return [payload for _, payload in walk(data)] if data else []

    def u32_array(self, kind):
        """A payload that is a packed array of u32."""
        data = self.payloads.get(kind)
        if not data:
            return []
        n = len(data) // 4
        return list(struct.unpack_from("=%dI" % n, data))


class GenlMessage(Attrs):
    """A generic netlink message (netlink header included, as received): the
    command and version of its genlmsghdr, and its top-level attributes.
    msg["cmd"] works as on a pyroute2 message."""

    __slots__ = ("cmd", "version", "__weakref__")

    def __init__(self, raw):
        length = struct.unpack_from("=I", raw)[0] if len(raw) >= 4 else 0
        end = min(len(raw), length)
        if end < 20:
            raise ValueError("generic netlink message too short (%d bytes)" % len(raw))
        self.cmd, self.version = raw[16], raw[17]
        super().__init__(raw, 20, end)

    def __getitem__(self, key):
        if key == "cmd":
            return self.cmd
        if key == "version":
            return self.version
        raise KeyError(key)

    def __repr__(self):
        return "genl cmd %d %s" % (self.cmd, Attrs.__repr__(self))
