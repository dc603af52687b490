"""EAPOL-Key frame parse/build and the MIC for each descriptor version."""

import hmac
import os
import struct

import pytest

from wispd.rsn.defs import AKM_PSK, AKM_PSK_SHA256, AKM_SAE
from wispd.rsn import eapol
from wispd.rsn.aes import aes_cmac
from wispd.rsn.eapol import EapolError, EapolKey, compute_mic, mic_algorithm, verify_mic


def sample(**kw):
    args = dict(key_info=eapol.KI_TYPE | eapol.KI_ACK | 2, replay_counter=0x0102030405060708,
                nonce=bytes(range(32)), key_data=b"\xdd\x05abcde", key_length=16,
                rsc=bytes(range(8)))
    args.update(kw)
    return EapolKey(**args)


def test_build_layout_and_parse_roundtrip():
    key = sample()
    raw = key.build()
    assert raw[:4] == struct.pack(">BBH", 2, 3, len(raw) - 4)
    assert raw[4] == 2 and raw[5:7] == b"\x00\x8a" and raw[7:9] == b"\x00\x10"
    assert raw[9:17] == bytes.fromhex("0102030405060708")
    assert raw[17:49] == bytes(range(32))
    assert raw[-9:] == b"\x00\x07\xdd\x05abcde"
    assert len(raw) == 4 + 95 + 7
    back = EapolKey.parse(raw)
    for f in ("eapol_version", "descriptor_type", "key_info", "key_length", "replay_counter",
              "nonce", "iv", "rsc", "key_id", "mic", "key_data"):
        assert getattr(back, f) == getattr(key, f), f
    assert back.pairwise and back.ack and not back.has_mic and back.version == 2
    assert not (back.install or back.secure or back.error or back.request or back.encrypted)


def test_parse_ignores_trailing_ethernet_padding():
    raw = sample().build()
    assert EapolKey.parse(raw + bytes(30)).key_data == b"\xdd\x05abcde"


@pytest.mark.parametrize("cut", [0, 3, 10, 98, -1])
def test_parse_truncated_raises(cut):
    raw = sample().build()
    with pytest.raises(EapolError):
        EapolKey.parse(raw[:cut] if cut >= 0 else raw[:-1])


def test_parse_key_data_length_lies():
    raw = bytearray(sample().build())
    raw[4 + 93:4 + 95] = b"\x00\x20"          # key data length 32, only 7 there
    with pytest.raises(EapolError, match="key data truncated"):
        EapolKey.parse(bytes(raw))


def test_parse_rejects_other_packet_types_and_descriptors():
    with pytest.raises(EapolError):
        EapolKey.parse(b"\x02\x00\x00\x00")                # EAP packet
    raw = bytearray(sample().build())
    raw[4] = 1                                             # RC4 descriptor type
    with pytest.raises(EapolError):
        EapolKey.parse(bytes(raw))
    raw[4] = 254                                           # WPA: parsed, refused later
    assert EapolKey.parse(bytes(raw)).descriptor_type == 254


@pytest.mark.parametrize("version,akm,ref", [
    (1, AKM_PSK, lambda k, m: hmac.new(k, m, "md5").digest()),
    (2, AKM_PSK, lambda k, m: hmac.new(k, m, "sha1").digest()[:16]),
    (3, AKM_PSK_SHA256, lambda k, m: aes_cmac(k, m)),
    (0, AKM_SAE, lambda k, m: aes_cmac(k, m)),
    (0, eapol.AKM_SAE_EXT_KEY, lambda k, m: hmac.new(k, m, "sha256").digest()[:16]),
])
def test_mic_per_descriptor_version(version, akm, ref):
    kck = os.urandom(16)
    key = sample(key_info=eapol.KI_TYPE | eapol.KI_MIC | version)
    signed = key.build_signed(kck, akm)
    zeroed = signed[:81] + bytes(16) + signed[97:]
    assert signed[81:97] == ref(kck, zeroed)
    parsed = EapolKey.parse(signed)
    assert verify_mic(kck, signed, parsed, akm)
    assert verify_mic(kck, signed + bytes(10), EapolKey.parse(signed + bytes(10)), akm)
    assert not verify_mic(os.urandom(16), signed, parsed, akm)
    tampered = bytearray(signed)
    tampered[-1] ^= 1
    assert not verify_mic(kck, bytes(tampered), EapolKey.parse(bytes(tampered)), akm)


def test_mic_algorithm_table():
    assert mic_algorithm(2, AKM_PSK) == "hmac-sha1"
    assert mic_algorithm(3, AKM_PSK_SHA256) == "aes-cmac"
    assert mic_algorithm(0, AKM_SAE) == "aes-cmac"
    with pytest.raises(EapolError):
        mic_algorithm(0, AKM_PSK)
    with pytest.raises(EapolError):
        mic_algorithm(5, AKM_PSK)
    # an unknown version never verifies
    key = sample(key_info=eapol.KI_MIC | 5)
    raw = key.build()
    assert not verify_mic(bytes(16), raw, EapolKey.parse(raw), AKM_PSK)


def test_compute_mic_longer_mic_len_hook():
    kck = os.urandom(16)
    assert len(compute_mic(kck, b"frame", 0, eapol.AKM_SAE_EXT_KEY, mic_len=16)) == 16
    key = EapolKey(key_info=eapol.KI_MIC | 2, mic_len=24)
    raw = key.build()
    assert len(raw) == 4 + 95 + 8
    assert EapolKey.parse(raw, mic_len=24).mic == bytes(24)
