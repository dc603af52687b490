"""Prime-field elliptic curve arithmetic for SAE: NIST P-256 (IANA group 19)
and P-384 (group 20), in pure Python big integers.

Speed: Jacobian coordinates (no inversion per step, one at the end), a = -3
doubling formula, a 4-bit fixed window for scalars that are public, and a
Montgomery ladder for secret scalars.

Timing: CPython's integers are not constant-time (multiplication and modular
reduction time depends a little on operand size, and `pow` is a sliding
window).  What this module does about it is limited to what Python allows:
the ladder runs a fixed number of steps (the scalar is first padded to a fixed
bit length by adding the group order), and swaps its two registers with masks
instead of branching on key bits; square roots and Legendre symbols use a
fixed exponent.  See bench/sae_bench.py and the SAE notes in wispd/rsn/sae.py.

Points are affine tuples (x, y); the point at infinity is None.

Public API:
    P256, P384, CURVES {group: Curve}, curve_for_group(group)
    Curve: p, a, b, n, g, size (bytes of p), group, hash_name
        .on_curve(pt) / .valid_point(pt)   valid_point also checks the range
        .y2(x)   .sqrt(v)   .legendre(v)   .is_square(v)
        .add(p1, p2)  .neg(pt)
        .mul(k, pt)          public scalar (fixed window)
        .mul_secret(k, pt)   secret scalar (ladder)
        .encode(pt) / .decode(data)   x || y, size bytes each
        .sswu(u)             simplified SWU map (RFC 9380 6.6.2), Z per curve
"""

__all__ = ["Curve", "P256", "P384", "CURVES", "curve_for_group", "cswap_int"]


def cswap_int(bit, a, b):
    """(a, b) if bit == 0 else (b, a), without a branch on bit."""
    mask = -bit
    t = (a ^ b) & mask
    return a ^ t, b ^ t


class Curve:
    __slots__ = ("name", "group", "p", "a", "b", "n", "g", "size", "hash_name", "z",
                 "_sqrt_e", "_leg_e", "_nbits")

    def __init__(self, name, group, p, b, n, gx, gy, z, hash_name):
        self.name = name
        self.group = group
        self.p = p
        self.a = p - 3
        self.b = b
        self.n = n
        self.g = (gx, gy)
        self.size = (p.bit_length() + 7) // 8
        self.z = z % p
        self.hash_name = hash_name
        self._sqrt_e = (p + 1) // 4       # p = 3 mod 4 for both curves
        self._leg_e = (p - 1) // 2
        self._nbits = n.bit_length()

    def __repr__(self):
        return "Curve(%s)" % self.name

    # ------------------------------------------------------------ field helpers
    def y2(self, x):
        p = self.p
        return (x * x * x - 3 * x + self.b) % p

    def sqrt(self, v):
        """A square root of v mod p (only meaningful when v is a square)."""
        return pow(v, self._sqrt_e, self.p)

    def legendre(self, v):
        """1 for a non-zero square, -1 for a non-square, 0 for zero."""
        r = pow(v, self._leg_e, self.p)
        return -1 if r == self.p - 1 else r

    def is_square(self, v):
        """True for squares including 0 (fixed exponent, no early exit)."""
        return pow(v, self._leg_e, self.p) != self.p - 1

    def inv(self, v):
        return pow(v, self.p - 2, self.p)

    # ------------------------------------------------------------ points
    def on_curve(self, pt):
        if pt is None:
            return False
        x, y = pt
        return (y * y - self.y2(x)) % self.p == 0

    def valid_point(self, pt):
        """Coordinates in range and on the curve (prime order curves: no
        subgroup check is needed).  The point at infinity is invalid."""
        if pt is None:
            return False
        x, y = pt
        if not (0 <= x < self.p and 0 <= y < self.p):
            return False
        return self.on_curve(pt)

    def neg(self, pt):
        if pt is None:
            return None
        return (pt[0], (self.p - pt[1]) % self.p)

    def encode(self, pt):
        return pt[0].to_bytes(self.size, "big") + pt[1].to_bytes(self.size, "big")

    def decode(self, data):
        """Raw x || y to a point, or None if the length is wrong.  Range and
        curve checks are valid_point()'s job."""
        if len(data) != 2 * self.size:
            return None
        return (int.from_bytes(data[:self.size], "big"),
                int.from_bytes(data[self.size:], "big"))

    # ------------------------------------------------------------ Jacobian core
    def _dbl(self, X1, Y1, Z1):
        p = self.p
        if Z1 == 0 or Y1 == 0:
            return 1, 1, 0
        delta = Z1 * Z1 % p
        gamma = Y1 * Y1 % p
        beta = X1 * gamma % p
        alpha = 3 * (X1 - delta) * (X1 + delta) % p
        X3 = (alpha * alpha - 8 * beta) % p
        Z3 = ((Y1 + Z1) * (Y1 + Z1) - gamma - delta) % p
        Y3 = (alpha * (4 * beta - X3) - 8 * gamma * gamma) % p
        return X3, Y3, Z3

    def _add(self, X1, Y1, Z1, X2, Y2, Z2):
        p = self.p
        if Z1 == 0:
            return X2, Y2, Z2
        if Z2 == 0:
            return X1, Y1, Z1
        Z1Z1 = Z1 * Z1 % p
        Z2Z2 = Z2 * Z2 % p
        U1 = X1 * Z2Z2 % p
        U2 = X2 * Z1Z1 % p
        S1 = Y1 * Z2 * Z2Z2 % p
        S2 = Y2 * Z1 * Z1Z1 % p
        H = (U2 - U1) % p
        r = 2 * (S2 - S1) % p
        if H == 0:
            if r == 0:
                return self._dbl(X1, Y1, Z1)
            return 1, 1, 0
        I = 4 * H * H % p
        J = H * I % p
        V = U1 * I % p
        X3 = (r * r - J - 2 * V) % p
        Y3 = (r * (V - X3) - 2 * S1 * J) % p
        Z3 = ((Z1 + Z2) * (Z1 + Z2) - Z1Z1 - Z2Z2) * H % p
        return X3, Y3, Z3

    def _madd(self, X1, Y1, Z1, x2, y2):
        """Jacobian + affine (Z2 = 1)."""
        p = self.p
        if Z1 == 0:
            return x2, y2, 1
        Z1Z1 = Z1 * Z1 % p
        U2 = x2 * Z1Z1 % p
        S2 = y2 * Z1 * Z1Z1 % p
        H = (U2 - X1) % p
        r = 2 * (S2 - Y1) % p
        if H == 0:
            if r == 0:
                return self._dbl(X1, Y1, Z1)
            return 1, 1, 0
        HH = H * H % p
        I = 4 * HH
        J = H * I % p
        V = X1 * I % p
        X3 = (r * r - J - 2 * V) % p
        Y3 = (r * (V - X3) - 2 * Y1 * J) % p
        Z3 = ((Z1 + H) * (Z1 + H) - Z1Z1 - HH) % p
        return X3, Y3, Z3

    def _affine(self, X, Y, Z):
        if Z == 0:
            return None
        p = self.p
        zi = pow(Z, p - 2, p)
        zi2 = zi * zi % p
        return (X * zi2 % p, Y * zi2 * zi % p)

    # ------------------------------------------------------------ group operations
    def add(self, p1, p2):
        if p1 is None:
            return p2
        if p2 is None:
            return p1
        return self._affine(*self._madd(p1[0], p1[1], 1, p2[0], p2[1]))

    def mul(self, k, pt):
        """k * pt for a public scalar: 4-bit fixed window over Jacobian points."""
        k %= self.n
        if pt is None or k == 0:
            return None
        x, y = pt
        table = [(1, 1, 0), (x, y, 1)]
        for _ in range(14):
            table.append(self._madd(*table[-1], x, y))
        acc = (1, 1, 0)
        dbl = self._dbl
        add = self._add
        shift = (k.bit_length() + 3) // 4 * 4
        while shift > 0:
            shift -= 4
            acc = dbl(*dbl(*dbl(*dbl(*acc))))
            digit = (k >> shift) & 15
            if digit:
                acc = add(*acc, *table[digit])
        return self._affine(*acc)

    def mul_secret(self, k, pt):
        """k * pt for a secret scalar: Montgomery ladder with a fixed number of
        steps and masked register swaps (see the module doc for the limits)."""
        n = self.n
        k %= n
        if pt is None:
            return None
        # Pad to exactly nbits+1 bits: k + n or k + 2n, picked without a branch.
        top = self._nbits
        k1 = k + n
        k2 = k1 + n
        c = (k1 >> top) & 1
        kk = k2 ^ ((k1 ^ k2) & -c)
        x, y = pt
        R0 = (x, y, 1)
        R1 = self._dbl(x, y, 1)
        dbl = self._dbl
        add = self._add
        for i in range(top - 1, -1, -1):
            bit = (kk >> i) & 1
            X0, X1 = cswap_int(bit, R0[0], R1[0])
            Y0, Y1 = cswap_int(bit, R0[1], R1[1])
            Z0, Z1 = cswap_int(bit, R0[2], R1[2])
            R1 = add(X0, Y0, Z0, X1, Y1, Z1)
            R0 = dbl(X0, Y0, Z0)
            X0, X1 = cswap_int(bit, R0[0], R1[0])
            Y0, Y1 = cswap_int(bit, R0[1], R1[1])
            Z0, Z1 = cswap_int(bit, R0[2], R1[2])
            R0 = (X0, Y0, Z0)
            R1 = (X1, Y1, Z1)
        return self._affine(*R0)

    # ------------------------------------------------------------ hash to curve
    def sswu(self, u):
        """Simplified SWU (RFC 9380 6.6.2, as used by SAE hash-to-element).
        The branch between x1 and x2 is done with masks."""
        p = self.p
        a = self.a
        b = self.b
        z = self.z
        u %= p
        zu2 = z * u * u % p
        t = (zu2 * zu2 + zu2) % p
        tinv = pow(t, p - 2, p)            # inv0: 0 maps to 0
        # x1 = (-b/a) * (1 + 1/t), or b/(z*a) when t == 0
        x1a = (p - b) * pow(a, p - 2, p) % p * (1 + tinv) % p
        x1b = b * pow(z * a % p, p - 2, p) % p
        tz = int(t == 0)
        x1 = x1a ^ ((x1a ^ x1b) & -tz)
        gx1 = self.y2(x1)
        x2 = zu2 * x1 % p
        gx2 = self.y2(x2)
        sq = int(self.is_square(gx1))
        x = x2 ^ ((x1 ^ x2) & -sq)
        gx = gx2 ^ ((gx1 ^ gx2) & -sq)
        y = self.sqrt(gx)
        flip = (u & 1) ^ (y & 1)
        ny = (p - y) % p
        y = y ^ ((y ^ ny) & -flip)
        return (x, y)


P256 = Curve(
    "P-256", 19,
    p=0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff,
    b=0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b,
    n=0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551,
    gx=0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
    gy=0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5,
    z=-10, hash_name="sha256")

P384 = Curve(
    "P-384", 20,
    p=int("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"
          "ffffffff0000000000000000ffffffff", 16),
    b=int("b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a"
          "c656398d8a2ed19d2a85c8edd3ec2aef", 16),
    n=int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
          "581a0db248b0a77aecec196accc52973", 16),
    gx=int("aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
           "5502f25dbf55296c3a545e3872760ab7", 16),
    gy=int("3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0"
           "0a60b1ce1d7e819d7a431d7c90ea0e5f", 16),
    z=-12, hash_name="sha384")

CURVES = {19: P256, 20: P384}


def curve_for_group(group):
    return CURVES.get(group)
