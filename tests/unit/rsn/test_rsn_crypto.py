"""Known-answer tests for wispd.rsn.aes and wispd.rsn.kdf.

Vectors: FIPS-197 appendices B and C, RFC 3394 section 4, RFC 4493 section 4,
IEEE 802.11-2020 Annex J.3 (PRF) and J.4 (passphrase to PSK), plus
cross-checks against the standard library's hashlib/hmac (OpenSSL), which
the shipped code deliberately does not import.
"""

import hashlib
import hmac
import os

import pytest

from wispd.rsn.defs import AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_CCMP, CIPHER_TKIP
from wispd.rsn import aes, kdf
from wispd.rsn.aes import AES, KeyWrapError, aes_cmac, aes_unwrap, aes_wrap

h = bytes.fromhex


# ---- FIPS-197 -------------------------------------------------------------

FIPS197 = [
    # appendix B
    ("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
     "3925841d02dc09fbdc118597196a0b32"),
    # appendix C.1, C.2, C.3
    ("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
     "69c4e0d86a7b0430d8cdb78070b4c55a"),
    ("000102030405060708090a0b0c0d0e0f1011121314151617",
     "00112233445566778899aabbccddeeff", "dda97ca4864cdfe06eaf70a0ec0d7191"),
    ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "00112233445566778899aabbccddeeff", "8ea2b7ca516745bfeafc49904b496089"),
]


@pytest.mark.parametrize("key,pt,ct", FIPS197)
def test_aes_fips197_encrypt_and_decrypt(key, pt, ct):
    cipher = AES(h(key))
    assert cipher.encrypt_block(h(pt)) == h(ct)
    assert cipher.decrypt_block(h(ct)) == h(pt)


def test_aes_random_roundtrip():
    for size in (16, 32):
        for _ in range(20):
            cipher = AES(os.urandom(size))
            block = os.urandom(16)
            assert cipher.decrypt_block(cipher.encrypt_block(block)) == block


def test_aes_rejects_bad_sizes():
    with pytest.raises(ValueError):
        AES(b"\x00" * 15)
    with pytest.raises(ValueError):
        AES(b"\x00" * 16).encrypt_block(b"short")


# ---- RFC 3394 -------------------------------------------------------------

KEK128 = "000102030405060708090A0B0C0D0E0F"
KEK192 = "000102030405060708090A0B0C0D0E0F1011121314151617"
KEK256 = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
RFC3394 = [
    ("4.1", KEK128, "00112233445566778899AABBCCDDEEFF",
     "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"),
    ("4.2", KEK192, "00112233445566778899AABBCCDDEEFF",
     "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"),
    ("4.3", KEK256, "00112233445566778899AABBCCDDEEFF",
     "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"),
    ("4.4", KEK192, "00112233445566778899AABBCCDDEEFF0001020304050607",
     "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"),
    ("4.5", KEK256, "00112233445566778899AABBCCDDEEFF0001020304050607",
     "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"),
    ("4.6", KEK256, "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
     "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"),
]


@pytest.mark.parametrize("section,kek,data,wrapped", RFC3394)
def test_key_wrap_rfc3394(section, kek, data, wrapped):
    assert aes_wrap(h(kek), h(data)) == h(wrapped)
    assert aes_unwrap(h(kek), h(wrapped)) == h(data)


def test_key_unwrap_rejects_bad_integrity_check():
    wrapped = bytearray(h(RFC3394[0][3]))
    for pos in (0, 5, 8, 23):
        bad = bytearray(wrapped)
        bad[pos] ^= 0x01
        with pytest.raises(KeyWrapError):
            aes_unwrap(h(KEK128), bytes(bad))
    with pytest.raises(KeyWrapError):  # wrong KEK
        aes_unwrap(h(KEK256), bytes(wrapped))


def test_key_wrap_rejects_bad_lengths():
    with pytest.raises(KeyWrapError):
        aes_unwrap(h(KEK128), b"\x00" * 16)   # one block of data is too short
    with pytest.raises(KeyWrapError):
        aes_unwrap(h(KEK128), b"\x00" * 25)
    with pytest.raises(KeyWrapError):
        aes_wrap(h(KEK128), b"\x00" * 12)


# ---- RFC 4493 -------------------------------------------------------------

CMAC_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
CMAC_MSG = ("6bc1bee22e409f96e93d7e117393172a" "ae2d8a571e03ac9c9eb76fac45af8e51"
            "30c81c46a35ce411e5fbc1191a0a52ef" "f69f2445df4f9b17ad2b417be66c3710")
RFC4493 = [
    (0, "bb1d6929e95937287fa37d129b756746"),
    (16, "070a16b46b4d4144f79bdd9dd04a287c"),
    (40, "dfa66747de9ae63030ca32611497c827"),
    (64, "51f0bebf7e3b9d92fc49741779363cfe"),
]


@pytest.mark.parametrize("length,tag", RFC4493)
def test_aes_cmac_rfc4493(length, tag):
    assert aes_cmac(h(CMAC_KEY), h(CMAC_MSG)[:length]) == h(tag)


def test_ct_equal():
    assert aes.ct_equal(b"abc", b"abc")
    assert not aes.ct_equal(b"abc", b"abd")
    assert not aes.ct_equal(b"abc", b"ab")


# ---- HMAC and hashes, against the standard library --------------------------

@pytest.mark.parametrize("name,func", [
    ("md5", kdf.hmac_md5), ("sha1", kdf.hmac_sha1),
    ("sha256", kdf.hmac_sha256), ("sha384", kdf.hmac_sha384)])
def test_hmac_matches_stdlib(name, func):
    for key in (b"", b"k", b"\x0b" * 20, os.urandom(64), os.urandom(65), os.urandom(200)):
        for msg in (b"", b"Hi There", os.urandom(300)):
            assert func(key, msg) == hmac.new(key, msg, name).digest()
    # digest(*parts) is the HMAC of the concatenation
    assert kdf.Hmac(name, b"key").digest(b"a", b"bc", b"") == hmac.new(b"key", b"abc", name).digest()


def test_hmac_rfc2202_sha1():
    assert kdf.hmac_sha1(b"\x0b" * 20, b"Hi There") == h("b617318655057264e28bc0b6fb378c8ef146be00")


def test_hashes():
    assert kdf.sha1(b"abc") == hashlib.sha1(b"abc").digest()
    assert kdf.sha256(b"abc") == hashlib.sha256(b"abc").digest()
    assert kdf.sha384(b"abc") == hashlib.sha384(b"abc").digest()


def test_no_openssl_imports_in_shipped_crypto():
    import subprocess
    import sys
    code = ("import sys; import wispd.rsn.aes, wispd.rsn.kdf, wispd.rsn.ie, wispd.rsn.eapol, "
            "wispd.rsn.handshake; "
            "print(sorted(m for m in ('hashlib', 'hmac', '_hashlib', 'ssl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---- PBKDF2 / passphrase → PSK (IEEE 802.11-2020 J.4) -----------------------

PSK_VECTORS = [
    ("password", b"IEEE", "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"),
    ("ThisIsAPassword", b"ThisIsASSID",
     "0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af"),
    ("a" * 32, b"Z" * 32, "becb93866bb8c3832cb777c2f559807c8c59afcb6eae734885001300a981cc62"),
]


@pytest.mark.parametrize("passphrase,ssid,psk", PSK_VECTORS)
def test_passphrase_to_psk_annex_j4(passphrase, ssid, psk):
    kdf.clear_psk_cache()
    assert kdf.passphrase_to_psk(passphrase, ssid) == h(psk)
    assert kdf.pbkdf2_sha1(passphrase, ssid, 4096, 32) == h(psk)
    assert hashlib.pbkdf2_hmac("sha1", passphrase.encode(), ssid, 4096, 32) == h(psk)


def test_pbkdf2_matches_hashlib():
    for pw, salt, it, n in [(b"p", b"s", 1, 20), (b"password", b"salt", 2, 20),
                            (b"x" * 70, b"salt", 10, 45), (b"pw", b"", 3, 64)]:
        assert kdf.pbkdf2_sha1(pw, salt, it, n) == hashlib.pbkdf2_hmac("sha1", pw, salt, it, n)


def test_psk_cache_returns_same_and_is_bounded():
    kdf.clear_psk_cache()
    first = kdf.passphrase_to_psk("password", b"IEEE")
    assert kdf.passphrase_to_psk("password", b"IEEE") is first      # served from the cache
    assert kdf.passphrase_to_psk("password", b"IEEE2") != first      # keyed on the SSID too
    for i in range(kdf._PSK_CACHE_MAX + 3):
        kdf.passphrase_to_psk("passphrase-%d" % i, b"net")
    assert len(kdf._PSK_CACHE) == kdf._PSK_CACHE_MAX
    assert (b"password", b"IEEE") not in kdf._PSK_CACHE              # oldest went first
    kdf.clear_psk_cache()
    assert not kdf._PSK_CACHE


def test_passphrase_length_checked():
    with pytest.raises(ValueError):
        kdf.passphrase_to_psk("short", b"ssid")
    with pytest.raises(ValueError):
        kdf.passphrase_to_psk("x" * 64, b"ssid")


# ---- PRF (IEEE 802.11-2020 J.3) --------------------------------------------

PRF_VECTORS = [
    (b"\x0b" * 20, b"prefix", b"Hi There",
     "bcd4c650b30b9684951829e0d75f9d54b862175ed9f00606e17d8da35402ffee"
     "75df78c3d31e0f889f012120c0862beb67753e7439ae242edb8373698356cf5a"),
    (b"Jefe", b"prefix", b"what do ya want for nothing?",
     "51f4de5b33f249adf81aeb713a3c20f4fe631446fabdfa58244759ae58ef9009"
     "a99abf4eac2ca5fa87e692c440eb40023e7babb206d61de7b92f41529092b8fc"),
    (b"\xaa" * 20, b"prefix", b"\xdd" * 50,
     "e1ac546ec4cb636f9976487be5c86be17a0252ca5d8d8df12cfb0473525249ce"
     "9dd8d177ead710bc9b590547239107aef7b4abd43d87f0a68f1cbd9e2b6f7607"),
]


@pytest.mark.parametrize("key,label,data,out", PRF_VECTORS)
def test_prf_sha1_annex_j3(key, label, data, out):
    assert kdf.prf_sha1(key, label, data, 64) == h(out)
    assert kdf.prf_sha1(key, label, data, 48) == h(out)[:48]   # PRF-384 is a prefix


def _kdf_reference(name, key, label, context, nbytes):
    out = b""
    i = 1
    while len(out) < nbytes:
        out += hmac.new(key, i.to_bytes(2, "little") + label + context +
                        (nbytes * 8).to_bytes(2, "little"), name).digest()
        i += 1
    return out[:nbytes]


def test_kdf_sha256_known_answer():
    # Output of hostap's sha256_prf() for this input, as published in a
    # third-party known-answer test.
    assert kdf.kdf_sha256(bytes(range(16)), b"RTL8197F-v42.3", h("1020304050"), 48) == h(
        "6c14d28de0853f6293446650cf5a7b819378f580783004b63936fb417e6e2bba"
        "96362beff98232da5ef29090c6f491c5")


def test_kdf_matches_reference_formula():
    key = os.urandom(32)
    for n in (16, 32, 48, 64, 80):
        assert kdf.kdf_sha256(key, b"L", b"ctx", n) == _kdf_reference("sha256", key, b"L", b"ctx", n)
        assert kdf.kdf_sha384(key, b"L", b"ctx", n) == _kdf_reference("sha384", key, b"L", b"ctx", n)


# ---- PTK and PMKID ------------------------------------------------------------

AA = h("a0a1a2a3a4a5")
SPA = h("b0b1b2b3b4b5")
ANONCE = h("e0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405")
SNONCE = h("c0c1c2c3c4c5c6c7c8c9d0d1d2d3d4d5d6d7d8d9dadbdcdddedf000102030405")
PMK = h("0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af")


def test_ptk_psk_is_prf_sha1_and_symmetric():
    data = min(AA, SPA) + max(AA, SPA) + min(ANONCE, SNONCE) + max(ANONCE, SNONCE)
    raw = kdf.prf_sha1(PMK, b"Pairwise key expansion", data, 48)
    ptk = kdf.derive_ptk(PMK, AA, SPA, ANONCE, SNONCE, AKM_PSK, CIPHER_CCMP)
    assert (ptk.kck, ptk.kek, ptk.tk) == (raw[:16], raw[16:32], raw[32:48])
    # the authenticator computes it with the roles swapped and gets the same
    assert kdf.derive_ptk(PMK, SPA, AA, SNONCE, ANONCE, AKM_PSK, CIPHER_CCMP) == ptk
    tkip = kdf.derive_ptk(PMK, AA, SPA, ANONCE, SNONCE, AKM_PSK, CIPHER_TKIP)
    assert len(tkip.tk) == 32 and tkip.tk[:16] == ptk.tk


def test_ptk_known_answer():
    # Third-party known answer for PRF-512 over these IEEE 802.11 sample
    # identities; the first 48 bytes are the CCMP PTK.
    ptk = kdf.derive_ptk(PMK, AA, SPA, ANONCE, SNONCE, AKM_PSK, CIPHER_CCMP)
    assert ptk.kck + ptk.kek + ptk.tk == h(
        "b411b1e02f0dfe2655080f9830cebb439fa0ce5cb427a4dbf4db63b845589aef"
        "c983ab8510cf2d7e9c6a3d77552dd2f2")


def test_ptk_sha256_akms_use_kdf_sha256():
    data = min(AA, SPA) + max(AA, SPA) + min(ANONCE, SNONCE) + max(ANONCE, SNONCE)
    ref = _kdf_reference("sha256", PMK, b"Pairwise key expansion", data, 48)
    for akm in (AKM_PSK_SHA256, AKM_SAE):
        ptk = kdf.derive_ptk(PMK, AA, SPA, ANONCE, SNONCE, akm, CIPHER_CCMP)
        assert ptk.kck + ptk.kek + ptk.tk == ref
    assert ptk.tk.hex() not in repr(ptk) and ptk.kck.hex() not in repr(ptk)


def test_pmkid():
    assert kdf.pmkid(PMK, AA, SPA, AKM_PSK) == hmac.new(
        PMK, b"PMK Name" + AA + SPA, "sha1").digest()[:16]
    assert kdf.pmkid(PMK, AA, SPA, AKM_PSK_SHA256) == hmac.new(
        PMK, b"PMK Name" + AA + SPA, "sha256").digest()[:16]


def test_unsupported_cipher_and_akm():
    with pytest.raises(ValueError):
        kdf.derive_ptk(PMK, AA, SPA, ANONCE, SNONCE, AKM_PSK, 0x000FAC01)
    with pytest.raises(ValueError):
        kdf.derive_ptk(PMK, AA, SPA, ANONCE, SNONCE, 0x000FAC03, CIPHER_CCMP)
