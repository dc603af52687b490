"""HMAC, PBKDF2 and the IEEE 802.11 key derivation functions.

Built on the interpreter's own `_sha1`, `_sha256` (`_sha2` from 3.12), `_sha512`
and `_md5` modules: `hashlib` and `hmac` would load OpenSSL (+3.7 MB RSS).

Public API:

    Hmac(hash_name, key)           hash_name: "md5", "sha1", "sha256", "sha384"
        .digest(*parts) -> bytes   HMAC of the concatenation of parts
    hmac_md5(key, *parts) / hmac_sha1(...) / hmac_sha256(...) / hmac_sha384(...) -> bytes
    sha1(data) / sha256(data) / sha384(data) -> bytes

    pbkdf2_sha1(password, salt, iterations, length) -> bytes
    passphrase_to_psk(passphrase, ssid) -> bytes     PBKDF2-SHA1(4096, 32), cached
    clear_psk_cache()

    prf_sha1(key, label, data, length) -> bytes      802.11 PRF (12.7.1.2), length in bytes
    kdf_sha256(key, label, context, length) -> bytes 802.11 KDF (12.7.1.7.2), length in bytes
    kdf_sha384(key, label, context, length) -> bytes
    kdf(hash_name, key, label, context, length)      the KDF with any supported hash

    Ptk: kck, kek, tk (bytes)
    derive_ptk(pmk, aa, spa, anonce, snonce, akm, cipher) -> Ptk
    ptk_lengths(akm, cipher) -> (kck_len, kek_len, tk_len)
    pmkid(pmk, aa, spa, akm) -> 16 bytes              (PSK / PSK-SHA256; SAE derives its own)
    akm_uses_sha256(akm) -> bool

Labels and contexts are bytes; strings are encoded as ASCII.
"""

import _md5
import _sha1

try:
    import _sha256 as _sha256mod
except ImportError:  # Python 3.12+: one module for the SHA-2 family
    import _sha2 as _sha256mod
try:
    import _sha512 as _sha512mod
except ImportError:
    import _sha2 as _sha512mod

from wispd.rsn.defs import (
    AKM_PSK, AKM_PSK_SHA256, AKM_SAE, AKM_8021X, CIPHER_CCMP, CIPHER_TKIP, CIPHER_GCMP,
    CIPHER_GCMP_256, CIPHER_CCMP_256)

__all__ = ["Hmac", "hmac_md5", "hmac_sha1", "hmac_sha256", "hmac_sha384",
           "sha1", "sha256", "sha384", "pbkdf2_sha1", "passphrase_to_psk",
           "psk_derived", "clear_psk_cache", "prf_sha1", "kdf_sha256", "kdf_sha384", "kdf",
           "Ptk", "derive_ptk", "ptk_lengths", "pmkid", "akm_uses_sha256"]

# name -> (constructor, block size, digest size)
_HASHES = {
    "md5": (_md5.md5, 64, 16),
    "sha1": (_sha1.sha1, 64, 20),
    "sha256": (_sha256mod.sha256, 64, 32),
    "sha384": (_sha512mod.sha384, 128, 48),
}

_TRANS_5C = bytes((x ^ 0x5C) for x in range(256))
_TRANS_36 = bytes((x ^ 0x36) for x in range(256))


def _b(value):
    return value.encode("ascii") if isinstance(value, str) else bytes(value)


class Hmac:
    """HMAC with the key schedule done once: the inner and outer hash states
    after the padded key are kept and copied per message (RFC 2104)."""

    __slots__ = ("_inner", "_outer", "digest_size")

    def __init__(self, hash_name, key):
        new, block, size = _HASHES[hash_name]
        key = _b(key)
        if len(key) > block:
            key = new(key).digest()
        key = key + bytes(block - len(key))
        self._inner = new(key.translate(_TRANS_36))
        self._outer = new(key.translate(_TRANS_5C))
        self.digest_size = size

    def digest(self, *parts):
        inner = self._inner.copy()
        for part in parts:
            inner.update(part)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def hmac_md5(key, *parts):
    return Hmac("md5", key).digest(*parts)


def hmac_sha1(key, *parts):
    return Hmac("sha1", key).digest(*parts)


def hmac_sha256(key, *parts):
    return Hmac("sha256", key).digest(*parts)


def hmac_sha384(key, *parts):
    return Hmac("sha384", key).digest(*parts)


def sha1(data):
    return _sha1.sha1(data).digest()


def sha256(data):
    return _sha256mod.sha256(data).digest()


def sha384(data):
    return _sha512mod.sha384(data).digest()


def pbkdf2_sha1(password, salt, iterations, length):
    """PBKDF2 (RFC 8018) with HMAC-SHA1.  The hot loop does two hash-state
    copies and two C-level digests per iteration; the XOR accumulates in a
    Python int.  The bound methods are looked up once: in a loop of 8192
    HMACs (a WPA passphrase) the attribute lookups were ~15% of its time, and
    this loop is the largest single item of wispd's CPU from exec to
    COMPLETED (cProfile in the testbed, bench/profile_connect.py)."""
    password = _b(password)
    salt = _b(salt)
    new = _sha1.sha1
    key = password
    if len(key) > 64:
        key = new(key).digest()
    key = key + bytes(64 - len(key))
    inner_copy = new(key.translate(_TRANS_36)).copy
    outer_copy = new(key.translate(_TRANS_5C)).copy
    from_bytes = int.from_bytes
    out = []
    for block in range(1, (length + 19) // 20 + 1):
        h = inner_copy()
        h.update(salt + block.to_bytes(4, "big"))
        o = outer_copy()
        o.update(h.digest())
        u = o.digest()
        acc = from_bytes(u, "big")
        for _ in range(iterations - 1):
            h = inner_copy()
            h.update(u)
            o = outer_copy()
            o.update(h.digest())
            u = o.digest()
            acc ^= from_bytes(u, "big")
        out.append(acc.to_bytes(20, "big"))
    return b"".join(out)[:length]


_PSK_CACHE = {}
_PSK_CACHE_MAX = 8


def passphrase_to_psk(passphrase, ssid):
    """The WPA PSK (PMK) of an 8..63 character passphrase for an SSID
    (IEEE 802.11-2020 J.4.1).  Cached: it costs 8192 HMAC-SHA1 rounds, and the
    same network is joined again and again."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    passphrase = bytes(passphrase)
    ssid = _b(ssid)
    if not 8 <= len(passphrase) <= 63:
        raise ValueError("a WPA passphrase has 8 to 63 characters")
    cache_key = (passphrase, ssid)
    psk = _PSK_CACHE.get(cache_key)
    if psk is None:
        psk = pbkdf2_sha1(passphrase, ssid, 4096, 32)
        if len(_PSK_CACHE) >= _PSK_CACHE_MAX:
            _PSK_CACHE.pop(next(iter(_PSK_CACHE)))
        _PSK_CACHE[cache_key] = psk
    return psk


def psk_derived(passphrase, ssid):
    """Whether passphrase_to_psk would answer from its cache: True, False, or
    None when it would not, and the cache is full (deriving one more would
    push an older PSK out)."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if (bytes(passphrase), _b(ssid)) in _PSK_CACHE:
        return True
    return None if len(_PSK_CACHE) >= _PSK_CACHE_MAX else False


def clear_psk_cache():
    _PSK_CACHE.clear()


def prf_sha1(key, label, data, length):
    """IEEE 802.11 PRF-n (12.7.1.2): HMAC-SHA1(K, A || 0 || B || i), i from 0.
    length in bytes (48 for PRF-384, 64 for PRF-512)."""
    mac = Hmac("sha1", key)
    prefix = _b(label) + b"\x00" + _b(data)
    out = []
    for i in range((length + 19) // 20):
        out.append(mac.digest(prefix, bytes((i,))))
    return b"".join(out)[:length]


def kdf(hash_name, key, label, context, length):
    """IEEE 802.11 KDF-Hash-Length (12.7.1.7.2):
    HMAC-Hash(K, i || Label || Context || Length), i and Length (in bits)
    as 16-bit little-endian, i from 1.  length in bytes."""
    mac = Hmac(hash_name, key)
    label = _b(label)
    context = _b(context)
    bits = (length * 8).to_bytes(2, "little")
    out = []
    for i in range(1, (length + mac.digest_size - 1) // mac.digest_size + 1):
        out.append(mac.digest(i.to_bytes(2, "little"), label, context, bits))
    return b"".join(out)[:length]


def kdf_sha256(key, label, context, length):
    return kdf("sha256", key, label, context, length)


def kdf_sha384(key, label, context, length):
    return kdf("sha384", key, label, context, length)


class Ptk:
    """The pairwise transient key, split into its parts."""

    __slots__ = ("kck", "kek", "tk")

    def __init__(self, kck, kek, tk):
        self.kck = kck
        self.kek = kek
        self.tk = tk

    def __eq__(self, other):
        return isinstance(other, Ptk) and (self.kck, self.kek, self.tk) == (
            other.kck, other.kek, other.tk)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):  # never print key material
        return "Ptk(kck=%d, kek=%d, tk=%d bytes)" % (len(self.kck), len(self.kek), len(self.tk))


_TK_LEN = {CIPHER_CCMP: 16, CIPHER_GCMP: 16, CIPHER_TKIP: 32,
           CIPHER_CCMP_256: 32, CIPHER_GCMP_256: 32}

_SHA256_AKMS = frozenset((AKM_PSK_SHA256, AKM_SAE, 0x000FAC05, 0x000FAC12))  # + 802.1X-SHA256, OWE


def akm_uses_sha256(akm):
    return akm in _SHA256_AKMS


def ptk_lengths(akm, cipher):
    tk = _TK_LEN.get(cipher)
    if tk is None:
        raise ValueError("unsupported pairwise cipher %08x" % cipher)
    return 16, 16, tk


def derive_ptk(pmk, aa, spa, anonce, snonce, akm, cipher):
    """PTK from PMK (12.7.1.3): "Pairwise key expansion" over
    min(AA,SPA) || max(AA,SPA) || min(ANonce,SNonce) || max(ANonce,SNonce),
    with PRF-SHA1 for AKMs 1/2 and KDF-SHA256 for the SHA-256 AKMs (PSK-SHA256, SAE)."""
    kck_len, kek_len, tk_len = ptk_lengths(akm, cipher)
    total = kck_len + kek_len + tk_len
    data = min(aa, spa) + max(aa, spa) + min(anonce, snonce) + max(anonce, snonce)
    if akm in _SHA256_AKMS:
        raw = kdf_sha256(pmk, b"Pairwise key expansion", data, total)
    elif akm in (AKM_PSK, AKM_8021X):
        raw = prf_sha1(pmk, b"Pairwise key expansion", data, total)
    else:
        raise ValueError("unsupported AKM %08x for PTK derivation" % akm)
    return Ptk(raw[:kck_len], raw[kck_len:kck_len + kek_len], raw[kck_len + kek_len:])


def pmkid(pmk, aa, spa, akm):
    """PMKID = Truncate-128(HMAC-Hash(PMK, "PMK Name" || AA || SPA)), with
    SHA-1 for AKMs 1/2 and SHA-256 for the SHA-256 AKMs.  (SAE's PMKID comes
    from the SAE exchange, not from this function.)"""
    if akm in _SHA256_AKMS:
        return hmac_sha256(pmk, b"PMK Name", aa, spa)[:16]
    return hmac_sha1(pmk, b"PMK Name", aa, spa)[:16]
