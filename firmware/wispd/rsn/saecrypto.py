"""SAE cryptography (IEEE 802.11-2020 12.4.4, 12.4.5): the password element
by hunting-and-pecking or hash-to-element, the commit scalar and element, the
peer commit's checks, the shared secret, KCK/PMK/PMKID and the confirm value.
Groups are ecc.Curve objects (19: P-256, 20: P-384). sae.py runs the exchange.

Timing exposure (CPython integers are not constant-time): the password
element loop always runs 40 rounds and picks the result with masks; the
quadratic residue test is blinded by a random square; secret scalar
multiplications use a fixed-length Montgomery ladder with masked swaps
(wispd.rsn.ecc).  What remains: big-integer operation times depend weakly on
operand values, `pow` is a sliding window over a fixed exponent, and the
`pwd-value >= p` rejection (probability ~2^-32 per round for P-256/P-384) is a
branch, as in every implementation.  H2E has no password-dependent loop.

    derive_pwe_hnp(curve, password, addr1, addr2, rng=None)
    derive_pwe_hnp_steps(...)  the same as a generator (finish() runs one)
    derive_pt(curve, ssid, password, identifier=None)
    derive_pwe_from_pt(curve, pt, addr1, addr2)
    commit_values(curve, pwe, rand, mask) -> (scalar, element)
    derive_keys(curve, pwe, rand, own_scalar, own_element, peer_scalar,
                peer_element, h2e=False, rejected_groups=()) -> (kck, pmk, pmkid)
    confirm_value(curve, kck, h2e, send_confirm, s1, e1, s2, e2)
    parse_commit(curve, body, h2e) -> (scalar, element, elements dict)
    ext_elements(data) -> {extension id: body}
"""

import os

from wispd.rsn.defs import EID_EXTENSION
from wispd.rsn.kdf import Hmac, kdf

__all__ = ["SaeError", "derive_pwe_hnp", "derive_pwe_hnp_steps", "finish", "derive_pt",
           "derive_pwe_from_pt", "commit_values", "derive_keys", "confirm_value",
           "parse_commit", "ext_elements", "as_bytes", "HNP_MIN_ROUNDS",
           "EXT_PASSWORD_IDENTIFIER", "EXT_REJECTED_GROUPS", "EXT_ANTI_CLOGGING_TOKEN"]

# Extension element ids (the byte after EID_EXTENSION) that a commit may carry.
EXT_PASSWORD_IDENTIFIER = 33
EXT_REJECTED_GROUPS = 92
EXT_ANTI_CLOGGING_TOKEN = 93

HNP_MIN_ROUNDS = 40
PMK_LEN = 32


class SaeError(ValueError):
    pass


def as_bytes(value):
    """A password, SSID or identifier as bytes: str as UTF-8, None as empty."""
    if value is None:
        return b""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _hash_len(name):
    return 48 if name == "sha384" else 32


def _hkdf_extract(hash_name, salt, ikm):
    return Hmac(hash_name, salt).digest(ikm)


def _hkdf_expand(hash_name, prk, info, length):
    mac = Hmac(hash_name, prk)
    out = b""
    t = b""
    i = 1
    while len(out) < length:
        t = mac.digest(t, info, bytes((i,)))
        out += t
        i += 1
    return out[:length]


def _macs(addr1, addr2):
    a, b = bytes(addr1), bytes(addr2)
    return max(a, b) + min(a, b)


def derive_pwe_hnp(curve, password, addr1, addr2, rng=None):
    """Hunting-and-pecking (12.4.4.2.2): always HNP_MIN_ROUNDS rounds (more
    only if none found), the candidate kept with masks, QR test blinded."""
    return finish(derive_pwe_hnp_steps(curve, password, addr1, addr2, rng))


def finish(gen):
    """Run a step generator to its end and return its value."""
    try:
        while True:
            next(gen)
    except StopIteration as e:
        return e.value


def derive_pwe_hnp_steps(curve, password, addr1, addr2, rng=None, rounds_per_step=10):
    """derive_pwe_hnp as a generator that yields every rounds_per_step rounds,
    so that the caller's event loop can run in between."""
    rng = rng or os.urandom
    p = curve.p
    size = curve.size
    password = as_bytes(password)
    mac = Hmac("sha256", _macs(addr1, addr2))
    prime = p.to_bytes(size, "big")
    found = 0
    x = 0
    seed_lsb = 0
    counter = 1
    while counter <= HNP_MIN_ROUNDS or not found:
        if counter > 255:
            raise SaeError("no password element found")
        if counter % rounds_per_step == 0:
            yield None
        seed = mac.digest(password, bytes((counter,)))
        value = int.from_bytes(kdf("sha256", seed, b"SAE Hunting and Pecking", prime, size),
                               "big")
        counter += 1
        if value >= p:
            continue
        y2 = curve.y2(value)
        # Blind the value whose residuosity is tested: y2 * r^2 has the same
        # Legendre symbol for any r != 0.
        r = int.from_bytes(rng(size), "big") % (p - 1) + 1
        qr = int(curve.is_square(y2 * r % p * r % p) and y2 != 0)
        take = qr & (1 - found)
        m = -take
        x ^= (x ^ value) & m
        seed_lsb ^= (seed_lsb ^ (seed[-1] & 1)) & m
        found |= qr
    y = curve.sqrt(curve.y2(x))
    flip = (y & 1) ^ seed_lsb
    ny = p - y
    y ^= (y ^ ny) & -flip
    return (x, y)


def derive_pt(curve, ssid, password, identifier=None):
    """Hash-to-element PT (12.4.4.2.3)."""
    h = curve.hash_name
    seed = _hkdf_extract(h, as_bytes(ssid), as_bytes(password) + as_bytes(identifier))
    length = curve.size + curve.size // 2
    u1 = int.from_bytes(_hkdf_expand(h, seed, b"SAE Hash to Element u1 P1", length), "big")
    u2 = int.from_bytes(_hkdf_expand(h, seed, b"SAE Hash to Element u2 P2", length), "big")
    p1 = curve.sswu(u1 % curve.p)
    p2 = curve.sswu(u2 % curve.p)
    return curve.add(p1, p2)


def derive_pwe_from_pt(curve, pt, addr1, addr2):
    h = curve.hash_name
    val = int.from_bytes(_hkdf_extract(h, bytes(_hash_len(h)), _macs(addr1, addr2)), "big")
    val = val % (curve.n - 1) + 1
    return curve.mul_secret(val, pt)


def commit_values(curve, pwe, rand, mask):
    """(scalar, element) of the own commit: (rand + mask) mod r, -(mask * PWE)."""
    scalar = (rand + mask) % curve.n
    element = curve.neg(curve.mul_secret(mask, pwe))
    return scalar, element


def _key_hash(curve, h2e):
    # AKM 8 with hunting-and-pecking always uses SHA-256; H2E follows the group.
    return curve.hash_name if h2e else "sha256"


def derive_keys(curve, pwe, rand, own_scalar, own_element, peer_scalar, peer_element,
                h2e=False, rejected_groups=()):
    """(kck, pmk, pmkid) from the shared secret (12.4.5.4)."""
    # K = rand * (peer_scalar * PWE + PEER-ELEMENT)
    t = curve.add(curve.mul(peer_scalar, pwe), peer_element)
    if t is None:
        raise SaeError("peer commit leads to the point at infinity")
    k = curve.mul_secret(rand, t)
    if k is None:
        raise SaeError("shared secret is the point at infinity")
    h = _key_hash(curve, h2e)
    hl = _hash_len(h)
    salt = bytes(hl)
    if h2e and rejected_groups:
        salt = b"".join(g.to_bytes(2, "little") for g in rejected_groups)
    keyseed = Hmac(h, salt).digest(k[0].to_bytes(curve.size, "big"))
    nlen = (curve.n.bit_length() + 7) // 8
    ctx = ((own_scalar + peer_scalar) % curve.n).to_bytes(nlen, "big")
    out = kdf(h, keyseed, b"SAE KCK and PMK", ctx, hl + PMK_LEN)
    return out[:hl], out[hl:], ctx[:16]


def confirm_value(curve, kck, h2e, send_confirm, s1, e1, s2, e2):
    nlen = (curve.n.bit_length() + 7) // 8
    mac = Hmac(_key_hash(curve, h2e), kck)
    return mac.digest(send_confirm.to_bytes(2, "little"), s1.to_bytes(nlen, "big"),
                      curve.encode(e1), s2.to_bytes(nlen, "big"), curve.encode(e2))


def ext_elements(data):
    """{ext_id: body} of extension elements; raises SaeError on truncation."""
    out = {}
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data) or pos + 2 + data[pos + 1] > len(data):
            raise SaeError("truncated element in commit")
        eid, ln = data[pos], data[pos + 1]
        body = data[pos + 2:pos + 2 + ln]
        if eid == EID_EXTENSION and ln >= 1:
            out[body[0]] = bytes(body[1:])
        pos += 2 + ln
    return out


def parse_commit(curve, body, h2e):
    """(scalar, element, {ext id: body}) of a peer commit, after the group.
    Validates the scalar (1 < s < r) and the element (in range, on curve)."""
    nlen = (curve.n.bit_length() + 7) // 8
    need = nlen + 2 * curve.size
    if len(body) < need:
        raise SaeError("commit too short")
    scalar = int.from_bytes(body[:nlen], "big")
    element = curve.decode(body[nlen:need])
    extra = ext_elements(body[need:]) if h2e else {}
    if not 1 < scalar < curve.n:
        raise SaeError("invalid peer scalar")
    if not curve.valid_point(element):
        raise SaeError("invalid peer element")
    return scalar, element, extra
