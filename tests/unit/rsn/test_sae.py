"""SAE: published vectors (IEEE 802.11-2020 Annex J.10 via hostap's module
tests, RFC 9380 J.1.1 for the simplified SWU map on P-256), the P-256/P-384
arithmetic, and the negative cases of the peer commit."""
import hashlib
import os

import pytest

from wispd.rsn import ecc, sae, saecrypto

# ---------------------------------------------------------------- vectors
# IEEE 802.11-2020 J.10 (hunting-and-pecking, group 19)
STA_A = bytes.fromhex("4d3f2fffe387")
STA_B = bytes.fromhex("a5d8aa958e3c")
PASSWORD = "mekmitasdigoat"
RAND = int("992465fd3daa3c60aa6565b7f62a2a7f2e12dd12f198faf4fbed89d7ff1ace94", 16)
MASK = int("9507a90f777a044d6a0830b91ea3d5dd70bece44e1acffb86983b5e1bf9fb322", 16)
LOCAL_COMMIT = bytes.fromhex(
    "13002e2c0f0db52440ad146d967114ce005ce1eab0aa2c2e5c2871b774f6c2575c65d5ad9e00829707aa36"
    "ba8b859738fc961d08243505f47c035376d7ac4bc8d7b95083bf43827d0fc31ed778dd3671fd21a46d1091"
    "d64b6f9a1e1272621325dbe1")
PEER_COMMIT = bytes.fromhex(
    "1300591b96f3397fb945100848e7b550543b6720d88337ee93fc49fd6df7e08b5223e71b9bb048d3873f20"
    "556953a96c91536fd8ee6ca9b4a68a148b056a909be03e83ae208f60f8ef5537858074db0668703239986"
    "2999b511e0a1552a5fea317c2")
KCK = bytes.fromhex("1e733f6d9bd532562873043388" "31b09a39406d121017073a5c30db36f36cb81a")
PMK = bytes.fromhex("4e4dfab1a2dd8ac1a91790f953faaa452ae5c6873ab75b63605ba663f8a7fe59")
PMKID = bytes.fromhex("8747a600eea3f9f22475df58ca1e5498")

# IEEE 802.11-2020 J.10 hash-to-element: PT for SSID/password/identifier, then
# the PWE for this MAC pair.
H2E_SSID = b"byteme"
H2E_ID = "psk4internet"
H2E_A = bytes.fromhex("00095b66ec1e")
H2E_B = bytes.fromhex("000b6bd90246")
H2E_PWE = (int("c93049b9e64000f848201649e999f2b5c22dea69b5632c9df4d633b8aa1f6c1e", 16),
           int("73634e94b53d82e7383a8d258199d9dc1a5ee8269d060382ccbf33e614ff59a0", 16))

# RFC 9380 J.1.1, P256_XMD:SHA-256_SSWU_RO_
RFC9380_DST = b"QUUX-V01-CS02-with-P256_XMD:SHA-256_SSWU_RO_"
RFC9380 = [
    (b"",
     "ad5342c66a6dd0ff080df1da0ea1c04b96e0330dd89406465eeba11582515009",
     "8c0f1d43204bd6f6ea70ae8013070a1518b43873bcd850aafa0a9e220e2eea5a",
     ("ab640a12220d3ff283510ff3f4b1953d09fad35795140b1c5d64f313967934d5",
      "dccb558863804a881d4fff3455716c836cef230e5209594ddd33d85c565b19b1"),
     ("51cce63c50d972a6e51c61334f0f4875c9ac1cd2d3238412f84e31da7d980ef5",
      "b45d1a36d00ad90e5ec7840a60a4de411917fbe7c82c3949a6e699e5a1b66aac"),
     ("2c15230b26dbc6fc9a37051158c95b79656e17a1a920b11394ca91c44247d3e4",
      "8a7a74985cc5c776cdfe4b1f19884970453912e9d31528c060be9ab5c43e8415")),
    (b"abc",
     "afe47f2ea2b10465cc26ac403194dfb68b7f5ee865cda61e9f3e07a537220af1",
     "379a27833b0bfe6f7bdca08e1e83c760bf9a338ab335542704edcd69ce9e46e0",
     None, None,
     ("0bb8b87485551aa43ed54f009230450b492fead5f1cc91658775dac4a3388a0f",
      "5c41b3d0731a27a7b14bc0bf0ccded2d8751f83493404c84a88e71ffd424212e")),
]

P256 = ecc.P256
P384 = ecc.P384


def _pt(pair):
    return (int(pair[0], 16), int(pair[1], 16))


def _expand_message_xmd(msg, dst, length):
    """RFC 9380 5.3.1, test side, with hashlib (independent of wispd's kdf)."""
    b_in, r_in = 32, 64
    ell = (length + b_in - 1) // b_in
    dst_prime = dst + bytes((len(dst),))
    msg_prime = bytes(r_in) + msg + length.to_bytes(2, "big") + b"\0" + dst_prime
    b0 = hashlib.sha256(msg_prime).digest()
    out = [hashlib.sha256(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        prev = bytes(x ^ y for x, y in zip(b0, out[-1]))
        out.append(hashlib.sha256(prev + bytes((i,)) + dst_prime).digest())
    return b"".join(out)[:length]


# ---------------------------------------------------------------- curve arithmetic
@pytest.mark.parametrize("curve", [P256, P384], ids=["P-256", "P-384"])
def test_scalar_multiplication_agrees(curve):
    g = curve.g
    assert curve.valid_point(g)
    for k in (1, 2, 3, 15, 16, 17, 2 ** 100 + 12345, curve.n - 2, curve.n - 1):
        a = curve.mul(k, g)
        assert a == curve.mul_secret(k, g)
        assert curve.valid_point(a)
    assert curve.mul(curve.n - 1, g) == curve.neg(g)
    assert curve.mul(curve.n, g) is None
    assert curve.add(curve.mul(5, g), curve.mul(7, g)) == curve.mul(12, g)
    assert curve.add(g, curve.neg(g)) is None
    # (a * b) G == a (b G) with random secrets
    a = int.from_bytes(os.urandom(curve.size), "big") % curve.n
    b = int.from_bytes(os.urandom(curve.size), "big") % curve.n
    assert curve.mul_secret(a, curve.mul_secret(b, g)) == curve.mul(a * b % curve.n, g)


def test_p256_known_multiple():
    # 2G on P-256 (SEC 2 / NIST test values)
    two_g = P256.mul(2, P256.g)
    assert two_g[0] == int("7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978", 16)
    assert two_g[1] == int("07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1", 16)


def test_sqrt_and_legendre():
    p = P256.p
    for v in (4, 9, 12345 ** 2 % p):
        r = P256.sqrt(v)
        assert r * r % p == v
        assert P256.legendre(v) == 1
    # -1 is a non-square for p = 3 mod 4
    assert P256.legendre(p - 1) == -1
    assert P256.legendre(0) == 0


@pytest.mark.parametrize("msg,u0,u1,q0,q1,p", RFC9380, ids=["empty", "abc"])
def test_rfc9380_p256_sswu(msg, u0, u1, q0, q1, p):
    uniform = _expand_message_xmd(msg, RFC9380_DST, 96)
    assert int.from_bytes(uniform[:48], "big") % P256.p == int(u0, 16)
    assert int.from_bytes(uniform[48:], "big") % P256.p == int(u1, 16)
    m0 = P256.sswu(int(u0, 16))
    m1 = P256.sswu(int(u1, 16))
    if q0 is not None:
        assert m0 == _pt(q0)
        assert m1 == _pt(q1)
    assert P256.add(m0, m1) == _pt(p)


# ---------------------------------------------------------------- SAE vectors
def test_annex_j_hunting_and_pecking_commit_and_keys():
    pwe = saecrypto.derive_pwe_hnp(P256, PASSWORD, STA_A, STA_B)
    assert P256.valid_point(pwe)
    scalar, element = saecrypto.commit_values(P256, pwe, RAND, MASK)
    assert b"\x13\x00" + scalar.to_bytes(32, "big") + P256.encode(element) == LOCAL_COMMIT
    ps, pe, _ = saecrypto.parse_commit(P256, PEER_COMMIT[2:], False)
    kck, pmk, pmkid = saecrypto.derive_keys(P256, pwe, RAND, scalar, element, ps, pe)
    assert (kck, pmk, pmkid) == (KCK, PMK, PMKID)


def test_annex_j_pwe_does_not_depend_on_address_order():
    assert (saecrypto.derive_pwe_hnp(P256, PASSWORD, STA_A, STA_B)
            == saecrypto.derive_pwe_hnp(P256, PASSWORD, STA_B, STA_A))


def test_annex_j_hash_to_element_pwe():
    pt = saecrypto.derive_pt(P256, H2E_SSID, PASSWORD, H2E_ID)
    assert P256.valid_point(pt)
    assert saecrypto.derive_pwe_from_pt(P256, pt, H2E_A, H2E_B) == H2E_PWE


def test_state_machine_reproduces_annex_j_commit():
    m = sae.SaeSupplicant(STA_A, STA_B, PASSWORD, groups=(19,))
    acts = m.start()
    assert isinstance(acts[0], sae.SendAuth) and acts[0].trans == 1 and acts[0].status == 0
    m.set_commit_values(RAND, MASK)
    assert m.commit_body() == LOCAL_COMMIT
    acts = m.receive(1, 0, PEER_COMMIT)
    assert m.state == sae.CONFIRMED and (m.kck, m.pmk, m.pmkid) == (KCK, PMK, PMKID)
    confirm = [a for a in acts if isinstance(a, sae.SendAuth)][0]
    assert confirm.trans == 2 and confirm.body[:2] == b"\x01\x00"
    assert confirm.data[:4] == b"\x02\x00\x00\x00"


def test_hunting_and_pecking_runs_40_rounds_without_early_exit():
    calls = []

    def rng(n):
        calls.append(n)
        return os.urandom(n)

    saecrypto.derive_pwe_hnp(P256, PASSWORD, STA_A, STA_B, rng=rng)
    # one blinding value per round that produced a candidate below p: all 40
    # rounds are taken even though the first one that works is enough.
    assert len(calls) >= saecrypto.HNP_MIN_ROUNDS


# ---------------------------------------------------------------- negative cases
def _machine(**kw):
    m = sae.SaeSupplicant(STA_A, STA_B, PASSWORD, groups=kw.pop("groups", (19,)), **kw)
    m.start()
    return m


def _commit(group, scalar, element_bytes, size=32):
    return group.to_bytes(2, "little") + scalar.to_bytes(size, "big") + element_bytes


@pytest.mark.parametrize("scalar", [0, 1, P256.n, P256.n + 5, 2 ** 256 - 1],
                         ids=["zero", "one", "order", "above_order", "max"])
def test_peer_scalar_out_of_range_is_rejected(scalar):
    m = _machine()
    body = _commit(19, scalar, P256.encode(P256.mul(7, P256.g)))
    acts = m.receive(1, 0, body)
    assert m.state == sae.FAILED
    assert any(isinstance(a, sae.Failed) and "scalar" in a.reason for a in acts)


@pytest.mark.parametrize("element", [
    (0, 0),
    (P256.g[0], (P256.g[1] + 1) % P256.p),          # not on the curve
    (P256.p + 1, P256.g[1]),                         # x out of range (1 mod p)
    (P256.g[0], P256.p + 2),                         # y out of range
], ids=["zero", "off_curve", "x_range", "y_range"])
def test_peer_element_invalid_is_rejected(element):
    m = _machine()
    raw = b"".join(v.to_bytes(32, "big") for v in element)
    acts = m.receive(1, 0, _commit(19, 12345, raw))
    assert m.state == sae.FAILED
    assert any(isinstance(a, sae.Failed) and "element" in a.reason for a in acts)


def test_reflected_commit_is_rejected():
    m = _machine()
    acts = m.receive(1, 0, m.commit_body())
    assert m.state == sae.FAILED
    assert any(isinstance(a, sae.Failed) and "reflected" in a.reason for a in acts)


def test_truncated_commit_is_rejected():
    m = _machine()
    m.receive(1, 0, b"\x13\x00" + bytes(40))
    assert m.state == sae.FAILED


def test_wrong_status_method_is_rejected():
    # we run hunting-and-pecking; an H2E (126) answer is a mismatch
    m = _machine()
    m.receive(1, sae.STATUS_SAE_HASH_TO_ELEMENT, PEER_COMMIT)
    assert m.state == sae.FAILED


def test_password_identifier_needs_h2e():
    with pytest.raises(sae.SaeError):
        sae.SaeSupplicant(STA_A, STA_B, PASSWORD, identifier="x", h2e=False)
