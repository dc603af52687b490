"""MD4 (RFC 1320), for MSCHAPv2's NtPasswordHash only.

Why our own: OpenSSL 3 moved MD4 to its legacy provider, which Buildroot and
Debian do not load by default, so hashlib.new("md4") fails on most boards;
`cryptography` dropped it too.  MD4 is broken as a hash, but MSCHAPv2 defines
the NT hash with it and nothing here relies on its collision resistance.
Tested against RFC 1320's appendix A.5 vectors (tests/unit/eap/test_crypto.py).
"""

import struct

_MASK = 0xFFFFFFFF


def _rotl(x, n):
    x &= _MASK
    return ((x << n) | (x >> (32 - n))) & _MASK


def md4(data):
    data = bytes(data)
    bitlen = (8 * len(data)) & 0xFFFFFFFFFFFFFFFF
    data += b"\x80" + b"\0" * ((55 - len(data)) % 64) + struct.pack("<Q", bitlen)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(data), 64):
        x = struct.unpack_from("<16I", data, off)
        aa, bb, cc, dd = a, b, c, d
        # Round 1: F(x,y,z) = xy | ~xz
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            f = (b & c) | (~b & d)
            a, b, c, d = d, _rotl(a + f + x[k], s), b, c
        # Round 2: G(x,y,z) = xy | xz | yz, constant 0x5A827999
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            g = (b & c) | (b & d) | (c & d)
            a, b, c, d = d, _rotl(a + g + x[k] + 0x5A827999, s), b, c
        # Round 3: H(x,y,z) = x ^ y ^ z, constant 0x6ED9EBA1
        for i in range(16):
            k = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i]
            s = (3, 9, 11, 15)[i % 4]
            h = b ^ c ^ d
            a, b, c, d = d, _rotl(a + h + x[k] + 0x6ED9EBA1, s), b, c
        a = (a + aa) & _MASK
        b = (b + bb) & _MASK
        c = (c + cc) & _MASK
        d = (d + dd) & _MASK
    return struct.pack("<4I", a, b, c, d)
