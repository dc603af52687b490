"""MD4, DES and MS-CHAPv2 against their published vectors."""
import pytest

from wispd.eap import mschapv2 as ms
from wispd.eap.des import des_encrypt, expand_key
from wispd.eap.md4 import md4


@pytest.mark.parametrize("msg,digest", [   # RFC 1320 appendix A.5
    (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
    (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
    (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
    (b"message digest", "d9130a8164549fe818874806e1c7014b"),
    (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
    (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "043f8582f241db351ce627e153e7f0e4"),
    (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
])
def test_md4_rfc1320(msg, digest):
    assert md4(msg).hex() == digest


@pytest.mark.parametrize("key,plain,cipher", [
    ("0123456789abcdef", b"Now is t".hex(), "3fa40e8a984d4815"),     # FIPS 81 example
    ("133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405"),    # the textbook example
    ("0101010101010101", "95f8a5e5dd31d900", "8000000000000000"),    # NBS variable plaintext
])
def test_des_vectors(key, plain, cipher):
    assert des_encrypt(bytes.fromhex(key), bytes.fromhex(plain)).hex() == cipher


def test_des_rejects_wrong_sizes():
    with pytest.raises(ValueError):
        des_encrypt(b"short", b"12345678")


def test_expand_key_spreads_56_bits():
    assert expand_key(b"\xff" * 7) == b"\xfe" * 8
    assert expand_key(b"\0" * 7) == b"\0" * 8


# RFC 2759 section 9.2
USER = b"User"
PASSWORD = "clientPass"
AUTH_CHALLENGE = bytes.fromhex("5B5D7C7D7B3F2F3E3C2C602132262628")
PEER_CHALLENGE = bytes.fromhex("21402324255E262A28295F2B3A337C7E")
NT_HASH = bytes.fromhex("44EBBA8D5312B8D611474411F56989AE")
NT_RESPONSE = bytes.fromhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")
AUTH_RESPONSE = b"S=407A5589115FD0D6209F510FE9C04566932CDA56"


def test_rfc2759_vectors():
    assert ms.challenge_hash(PEER_CHALLENGE, AUTH_CHALLENGE, USER).hex() == "d02e4386bce91226"
    assert ms.nt_password_hash(PASSWORD) == NT_HASH
    assert md4(NT_HASH).hex() == "41c00c584bd2d91c4017a2a12fa59f3f"
    assert ms.generate_nt_response(AUTH_CHALLENGE, PEER_CHALLENGE, USER, NT_HASH) == NT_RESPONSE
    assert ms.authenticator_response(NT_HASH, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE,
                                     USER) == AUTH_RESPONSE


def test_domain_is_stripped_from_the_challenge_hash():
    assert ms.challenge_hash(PEER_CHALLENGE, AUTH_CHALLENGE, b"CORP\\User") == \
        ms.challenge_hash(PEER_CHALLENGE, AUTH_CHALLENGE, USER)


def _challenge(ms_id=7):
    return bytes((1, ms_id, 0, 26, 16)) + AUTH_CHALLENGE + b"srv"


def test_eap_mschapv2_method_success():
    m = ms.EapMschapv2(ms.Credentials(USER, PASSWORD), rand=lambda n: PEER_CHALLENGE)
    resp = m.process(_challenge())
    assert resp[0] == 2 and resp[1] == 7 and resp[4] == 49
    assert resp[5:21] == PEER_CHALLENGE and resp[29:53] == NT_RESPONSE and resp[54:] == USER
    assert m.process(bytes((3, 7, 0, 46)) + AUTH_RESPONSE + b" M=ok") == b"\x03"
    assert m.decision == "success"


def test_eap_mschapv2_nt_hash_password():
    m = ms.EapMschapv2(ms.Credentials(USER, nt_hash=NT_HASH), rand=lambda n: PEER_CHALLENGE)
    assert m.process(_challenge())[29:53] == NT_RESPONSE


def test_eap_mschapv2_forged_success_fails():
    m = ms.EapMschapv2(ms.Credentials(USER, PASSWORD), rand=lambda n: PEER_CHALLENGE)
    m.process(_challenge())
    assert m.process(bytes((3, 7, 0, 46)) + b"S=" + b"0" * 40) is None
    assert m.decision == "failure"


def test_eap_mschapv2_failure_is_acknowledged():
    m = ms.EapMschapv2(ms.Credentials(USER, PASSWORD))
    m.process(_challenge())
    assert m.process(bytes((4, 7, 0, 20)) + b"E=691 R=0 V=3") == b"\x04"
    assert m.decision == "failure" and "E=691" in m.error


@pytest.mark.parametrize("bad", [b"", b"\x01\x07", b"\x09\x00\x00\x04"])
def test_eap_mschapv2_malformed(bad):
    with pytest.raises(ValueError):
        ms.EapMschapv2(ms.Credentials(USER, PASSWORD)).process(bad)
