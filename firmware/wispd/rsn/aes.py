"""AES block cipher, RFC 3394 key wrap and AES-CMAC, in pure Python.

The standard library has no AES, and the RSN key handshakes only need it for
small amounts of data (unwrapping a GTK, a 16-byte MIC), so a compact
table-based implementation is enough and avoids loading OpenSSL.

Public API:

    AES(key)                      key: 16, 24 or 32 bytes
        .encrypt_block(block16) -> bytes
        .decrypt_block(block16) -> bytes
    aes_wrap(kek, plaintext) -> bytes          RFC 3394, len(plaintext) % 8 == 0, >= 16
    aes_unwrap(kek, ciphertext) -> bytes       raises KeyWrapError on a bad integrity check
    aes_cmac(key, data) -> bytes               RFC 4493 (AES-CMAC, 16-byte tag; any AES key size)
    KeyWrapError                               (ValueError)
    ct_equal(a, b) -> bool                     constant-time comparison (no hmac import)

Not constant-time: table lookups depend on key and data.  Here AES only
protects key material in transit (key wrap) and computes MICs on frames the
peer sees anyway; SAE does its secret-dependent work on integers elsewhere.
"""

import struct
from array import array

from _operator import _compare_digest as ct_equal  # what hmac.compare_digest uses

__all__ = ["AES", "aes_wrap", "aes_unwrap", "aes_cmac", "KeyWrapError", "ct_equal"]


class KeyWrapError(ValueError):
    """The AES key unwrap integrity check failed, or the input had a bad length."""


def _build_tables():
    # GF(2^8) exp/log tables with generator 3, then the S-box from the
    # multiplicative inverse and the affine transform (FIPS-197 5.1.1).
    exp = [0] * 512
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)  # x * 3
        x &= 0xFF
    for i in range(255, 512):
        exp[i] = exp[i - 255]

    def mul(a, b):
        if a == 0 or b == 0:
            return 0
        return exp[log[a] + log[b]]

    sbox = [0] * 256
    inv_sbox = [0] * 256
    for a in range(256):
        inv = 0 if a == 0 else exp[255 - log[a]]
        s = inv
        for shift in range(1, 5):
            s ^= ((inv << shift) | (inv >> (8 - shift))) & 0xFF
        s ^= 0x63
        sbox[a] = s
        inv_sbox[s] = a

    te0 = [0] * 256
    td0 = [0] * 256
    for a in range(256):
        s = sbox[a]
        te0[a] = (mul(s, 2) << 24) | (s << 16) | (s << 8) | mul(s, 3)
        si = inv_sbox[a]
        td0[a] = (mul(si, 14) << 24) | (mul(si, 9) << 16) | (mul(si, 13) << 8) | mul(si, 11)

    def ror(t, n):
        return array("I", [((w >> n) | (w << (32 - n))) & 0xFFFFFFFF for w in t])

    # Kept as bytes and 32-bit arrays, not lists of ints: a list holds a
    # separate int object for every word (~110 kB for the ten tables, resident
    # for the daemon's life), the arrays ~10 kB.  A lookup then makes an int,
    # which the few blocks of a key unwrap or a MIC do not notice.
    return (bytes(sbox), bytes(inv_sbox), array("I", te0), ror(te0, 8), ror(te0, 16),
            ror(te0, 24), array("I", td0), ror(td0, 8), ror(td0, 16), ror(td0, 24))


(_SBOX, _INV_SBOX, _TE0, _TE1, _TE2, _TE3,
 _TD0, _TD1, _TD2, _TD3) = _build_tables()
del _build_tables

_RCON = (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36)
_BLOCK = struct.Struct(">4I")


class AES:
    """One AES key schedule; encrypt or decrypt single 16-byte blocks."""

    __slots__ = ("_ek", "_dk", "_rounds")

    def __init__(self, key):
        key = bytes(key)
        nk = len(key) // 4
        if len(key) not in (16, 24, 32):
            raise ValueError("AES key must be 16, 24 or 32 bytes, not %d" % len(key))
        rounds = nk + 6
        sbox = _SBOX
        w = list(struct.unpack(">%dI" % nk, key))
        for i in range(nk, 4 * (rounds + 1)):
            t = w[i - 1]
            if i % nk == 0:
                t = ((sbox[(t >> 16) & 0xFF] << 24) | (sbox[(t >> 8) & 0xFF] << 16) |
                     (sbox[t & 0xFF] << 8) | sbox[t >> 24]) ^ (_RCON[i // nk - 1] << 24)
            elif nk > 6 and i % nk == 4:
                t = ((sbox[t >> 24] << 24) | (sbox[(t >> 16) & 0xFF] << 16) |
                     (sbox[(t >> 8) & 0xFF] << 8) | sbox[t & 0xFF])
            w.append(w[i - nk] ^ t)
        self._ek = w
        self._rounds = rounds
        # Equivalent inverse cipher (FIPS-197 5.3.5): round keys in reverse
        # order, InvMixColumns applied to all but the first and last.
        dk = []
        for r in range(rounds, -1, -1):
            dk.extend(w[4 * r:4 * r + 4])
        td0, td1, td2, td3 = _TD0, _TD1, _TD2, _TD3
        for i in range(4, 4 * rounds):
            t = dk[i]
            dk[i] = (td0[sbox[t >> 24]] ^ td1[sbox[(t >> 16) & 0xFF]] ^
                     td2[sbox[(t >> 8) & 0xFF]] ^ td3[sbox[t & 0xFF]])
        self._dk = dk

    def encrypt_block(self, block):
        if len(block) != 16:
            raise ValueError("AES block must be 16 bytes")
        k = self._ek
        te0, te1, te2, te3 = _TE0, _TE1, _TE2, _TE3
        s0, s1, s2, s3 = _BLOCK.unpack(block)
        s0 ^= k[0]
        s1 ^= k[1]
        s2 ^= k[2]
        s3 ^= k[3]
        i = 4
        for _ in range(self._rounds - 1):
            t0 = te0[s0 >> 24] ^ te1[(s1 >> 16) & 255] ^ te2[(s2 >> 8) & 255] ^ te3[s3 & 255] ^ k[i]
            t1 = te0[s1 >> 24] ^ te1[(s2 >> 16) & 255] ^ te2[(s3 >> 8) & 255] ^ te3[s0 & 255] ^ k[i + 1]
            t2 = te0[s2 >> 24] ^ te1[(s3 >> 16) & 255] ^ te2[(s0 >> 8) & 255] ^ te3[s1 & 255] ^ k[i + 2]
            t3 = te0[s3 >> 24] ^ te1[(s0 >> 16) & 255] ^ te2[(s1 >> 8) & 255] ^ te3[s2 & 255] ^ k[i + 3]
            s0, s1, s2, s3 = t0, t1, t2, t3
            i += 4
        sb = _SBOX
        return _BLOCK.pack(
            ((sb[s0 >> 24] << 24) | (sb[(s1 >> 16) & 255] << 16) |
             (sb[(s2 >> 8) & 255] << 8) | sb[s3 & 255]) ^ k[i],
            ((sb[s1 >> 24] << 24) | (sb[(s2 >> 16) & 255] << 16) |
             (sb[(s3 >> 8) & 255] << 8) | sb[s0 & 255]) ^ k[i + 1],
            ((sb[s2 >> 24] << 24) | (sb[(s3 >> 16) & 255] << 16) |
             (sb[(s0 >> 8) & 255] << 8) | sb[s1 & 255]) ^ k[i + 2],
            ((sb[s3 >> 24] << 24) | (sb[(s0 >> 16) & 255] << 16) |
             (sb[(s1 >> 8) & 255] << 8) | sb[s2 & 255]) ^ k[i + 3])

    def decrypt_block(self, block):
        if len(block) != 16:
            raise ValueError("AES block must be 16 bytes")
        k = self._dk
        td0, td1, td2, td3 = _TD0, _TD1, _TD2, _TD3
        s0, s1, s2, s3 = _BLOCK.unpack(block)
        s0 ^= k[0]
        s1 ^= k[1]
        s2 ^= k[2]
        s3 ^= k[3]
        i = 4
        for _ in range(self._rounds - 1):
            t0 = td0[s0 >> 24] ^ td1[(s3 >> 16) & 255] ^ td2[(s2 >> 8) & 255] ^ td3[s1 & 255] ^ k[i]
            t1 = td0[s1 >> 24] ^ td1[(s0 >> 16) & 255] ^ td2[(s3 >> 8) & 255] ^ td3[s2 & 255] ^ k[i + 1]
            t2 = td0[s2 >> 24] ^ td1[(s1 >> 16) & 255] ^ td2[(s0 >> 8) & 255] ^ td3[s3 & 255] ^ k[i + 2]
            t3 = td0[s3 >> 24] ^ td1[(s2 >> 16) & 255] ^ td2[(s1 >> 8) & 255] ^ td3[s0 & 255] ^ k[i + 3]
            s0, s1, s2, s3 = t0, t1, t2, t3
            i += 4
        ib = _INV_SBOX
        return _BLOCK.pack(
            ((ib[s0 >> 24] << 24) | (ib[(s3 >> 16) & 255] << 16) |
             (ib[(s2 >> 8) & 255] << 8) | ib[s1 & 255]) ^ k[i],
            ((ib[s1 >> 24] << 24) | (ib[(s0 >> 16) & 255] << 16) |
             (ib[(s3 >> 8) & 255] << 8) | ib[s2 & 255]) ^ k[i + 1],
            ((ib[s2 >> 24] << 24) | (ib[(s1 >> 16) & 255] << 16) |
             (ib[(s0 >> 8) & 255] << 8) | ib[s3 & 255]) ^ k[i + 2],
            ((ib[s3 >> 24] << 24) | (ib[(s2 >> 16) & 255] << 16) |
             (ib[(s1 >> 8) & 255] << 8) | ib[s0 & 255]) ^ k[i + 3])


_WRAP_IV = b"\xa6" * 8
_U64 = struct.Struct(">Q")


def aes_wrap(kek, plaintext):
    """RFC 3394 key wrap (default IV A6A6A6A6A6A6A6A6)."""
    n, rem = divmod(len(plaintext), 8)
    if rem or n < 2:
        raise KeyWrapError("key wrap input must be a multiple of 8 bytes, at least 16")
    enc = AES(kek).encrypt_block
    a = _U64.unpack(_WRAP_IV)[0]
    r = [plaintext[8 * i:8 * i + 8] for i in range(n)]
    t = 0
    for _ in range(6):
        for i in range(n):
            t += 1
            b = enc(_U64.pack(a) + r[i])
            a = _U64.unpack(b[:8])[0] ^ t
            r[i] = b[8:]
    return _U64.pack(a) + b"".join(r)


def aes_unwrap(kek, ciphertext):
    """RFC 3394 key unwrap; raises KeyWrapError if the integrity check fails."""
    n, rem = divmod(len(ciphertext), 8)
    n -= 1
    if rem or n < 2:
        raise KeyWrapError("key unwrap input must be a multiple of 8 bytes, at least 24")
    dec = AES(kek).decrypt_block
    a = _U64.unpack(ciphertext[:8])[0]
    r = [ciphertext[8 * (i + 1):8 * (i + 2)] for i in range(n)]
    t = 6 * n
    for _ in range(6):
        for i in range(n - 1, -1, -1):
            b = dec(_U64.pack(a ^ t) + r[i])
            t -= 1
            a = _U64.unpack(b[:8])[0]
            r[i] = b[8:]
    if not ct_equal(_U64.pack(a), _WRAP_IV):
        raise KeyWrapError("AES key unwrap integrity check failed")
    return b"".join(r)


def _double(block_int):
    # Multiply by x in GF(2^128) (RFC 4493 2.3, subkey generation).
    block_int <<= 1
    if block_int >> 128:
        block_int = (block_int ^ 0x87) & ((1 << 128) - 1)
    return block_int


def aes_cmac(key, data):
    """AES-CMAC (RFC 4493) of data under key; returns the full 16-byte tag."""
    cipher = AES(key)
    enc = cipher.encrypt_block
    l_int = int.from_bytes(enc(bytes(16)), "big")
    k1 = _double(l_int)
    data = bytes(data)
    nblocks = (len(data) + 15) // 16
    if nblocks == 0:
        nblocks = 1
        complete = False
    else:
        complete = len(data) % 16 == 0
    last = data[16 * (nblocks - 1):]
    if complete:
        last_int = int.from_bytes(last, "big") ^ k1
    else:
        padded = last + b"\x80" + bytes(15 - len(last))
        last_int = int.from_bytes(padded, "big") ^ _double(k1)
    x = 0
    frm = int.from_bytes
    for i in range(nblocks - 1):
        x = frm(enc((x ^ frm(data[16 * i:16 * i + 16], "big")).to_bytes(16, "big")), "big")
    return enc((x ^ last_int).to_bytes(16, "big"))
