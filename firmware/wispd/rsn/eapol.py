"""EAPOL-Key frames (IEEE 802.11-2020 12.7.2): parse, build, MIC.

Frames here are whole EAPOL frames: the 4-byte 802.1X header (version, type 3
= Key, body length) followed by the key descriptor.  The MIC covers the whole
EAPOL frame with the MIC field zeroed.

Public API:

    EapolKey                        one EAPOL-Key frame
        attributes: eapol_version, descriptor_type, key_info, key_length,
                    replay_counter (int), nonce, iv, rsc, key_id (8 bytes),
                    mic, key_data, mic_len
        properties: version (descriptor version, key_info & 7), pairwise,
                    install, ack, has_mic, secure, error, request, encrypted
        EapolKey.parse(frame, mic_len=16) -> EapolKey     raises EapolError
        .build() -> bytes            the frame with the MIC field as it is
        .build_signed(kck, akm) -> bytes   MIC computed (the MIC field set too)
    compute_mic(kck, frame, version, akm) -> bytes        frame with MIC zeroed
    verify_mic(kck, frame, key, akm) -> bool              key: the parsed EapolKey
    mic_algorithm(version, akm) -> str   "hmac-md5" | "hmac-sha1" | "aes-cmac" | "hmac-sha256"
    EapolError (ValueError)

Key Info bits are exported as KI_* constants, descriptor types as
DESC_RSN (2) / DESC_WPA (254), descriptor versions as VER_* (0..3).

Descriptor version 0 is "AKM-defined": for SAE (AKM 8) the MIC is AES-128-CMAC
(as hostapd does it and IEEE 802.11-2020 Table 12-11 says), for SAE-EXT-KEY
(AKM 24) and OWE (AKM 18) it is HMAC-SHA256 truncated to the KCK length (16).
The SAE work adds groups with longer MICs via mic_len and _AKM_DEFINED_MIC.
"""

import struct

from wispd.rsn.defs import AKM_FT_SAE, AKM_SAE
from wispd.rsn.aes import aes_cmac, ct_equal
from wispd.rsn.kdf import hmac_md5, hmac_sha1, hmac_sha256

__all__ = ["EapolKey", "EapolError", "compute_mic", "verify_mic", "mic_algorithm",
           "DESC_RSN", "DESC_WPA", "EAPOL_TYPE_KEY", "VER_AKM_DEFINED", "VER_HMAC_MD5_RC4",
           "VER_HMAC_SHA1_AES", "VER_AES_128_CMAC", "KI_TYPE", "KI_INSTALL", "KI_ACK",
           "KI_MIC", "KI_SECURE", "KI_ERROR", "KI_REQUEST", "KI_ENCRYPTED", "KI_KEY_INDEX"]

EAPOL_TYPE_KEY = 3
DESC_RSN = 2
DESC_WPA = 254

VER_AKM_DEFINED = 0
VER_HMAC_MD5_RC4 = 1
VER_HMAC_SHA1_AES = 2
VER_AES_128_CMAC = 3

KI_VERSION_MASK = 0x0007
KI_TYPE = 0x0008          # 1: pairwise
KI_KEY_INDEX = 0x0030     # WPA1 only
KI_INSTALL = 0x0040
KI_ACK = 0x0080
KI_MIC = 0x0100
KI_SECURE = 0x0200
KI_ERROR = 0x0400
KI_REQUEST = 0x0800
KI_ENCRYPTED = 0x1000
KI_SMK = 0x2000

AKM_OWE = 0x000FAC12
AKM_SAE_EXT_KEY = 0x000FAC18

# AKM -> MIC algorithm for descriptor version 0.  The SAE developer extends this.
_AKM_DEFINED_MIC = {
    AKM_SAE: "aes-cmac",
    AKM_FT_SAE: "aes-cmac",     # FT-SAE (AKM 9) as SAE: 802.11-2020 Table 12-11
    AKM_SAE_EXT_KEY: "hmac-sha256",
    AKM_OWE: "hmac-sha256",
}

_FIXED = struct.Struct(">BHHQ32s16s8s8s")   # after the 4-byte EAPOL header
_HDR = struct.Struct(">BBH")


class EapolError(ValueError):
    """A frame that is not a well-formed EAPOL-Key frame."""


def mic_algorithm(version, akm):
    if version == VER_HMAC_MD5_RC4:
        return "hmac-md5"
    if version == VER_HMAC_SHA1_AES:
        return "hmac-sha1"
    if version == VER_AES_128_CMAC:
        return "aes-cmac"
    if version == VER_AKM_DEFINED and akm in _AKM_DEFINED_MIC:
        return _AKM_DEFINED_MIC[akm]
    raise EapolError("no MIC algorithm for descriptor version %d with AKM %08x" % (version, akm or 0))


def compute_mic(kck, frame, version, akm, mic_len=16):
    """MIC over a whole EAPOL frame whose MIC field is zero."""
    alg = mic_algorithm(version, akm)
    if alg == "hmac-md5":
        mic = hmac_md5(kck, frame)
    elif alg == "hmac-sha1":
        mic = hmac_sha1(kck, frame)
    elif alg == "aes-cmac":
        mic = aes_cmac(kck, frame)
    else:
        mic = hmac_sha256(kck, frame)
    return mic[:mic_len]


class EapolKey:
    __slots__ = ("eapol_version", "descriptor_type", "key_info", "key_length",
                 "replay_counter", "nonce", "iv", "rsc", "key_id", "mic", "key_data",
                 "mic_len")

    def __init__(self, key_info=0, replay_counter=0, nonce=bytes(32), key_data=b"",
                 descriptor_type=DESC_RSN, key_length=0, iv=bytes(16), rsc=bytes(8),
                 key_id=bytes(8), mic=None, eapol_version=2, mic_len=16):
        self.eapol_version = eapol_version
        self.descriptor_type = descriptor_type
        self.key_info = key_info
        self.key_length = key_length
        self.replay_counter = replay_counter
        self.nonce = bytes(nonce)
        self.iv = bytes(iv)
        self.rsc = bytes(rsc)
        self.key_id = bytes(key_id)
        self.mic_len = mic_len
        self.mic = bytes(mic_len) if mic is None else bytes(mic)
        self.key_data = bytes(key_data)

    # Key Info as properties, so that handshake code reads like the standard.
    version = property(lambda self: self.key_info & KI_VERSION_MASK)
    pairwise = property(lambda self: bool(self.key_info & KI_TYPE))
    install = property(lambda self: bool(self.key_info & KI_INSTALL))
    ack = property(lambda self: bool(self.key_info & KI_ACK))
    has_mic = property(lambda self: bool(self.key_info & KI_MIC))
    secure = property(lambda self: bool(self.key_info & KI_SECURE))
    error = property(lambda self: bool(self.key_info & KI_ERROR))
    request = property(lambda self: bool(self.key_info & KI_REQUEST))
    encrypted = property(lambda self: bool(self.key_info & KI_ENCRYPTED))

    @classmethod
    def parse(cls, frame, mic_len=16):
        frame = bytes(frame)
        if len(frame) < 4:
            raise EapolError("EAPOL header truncated")
        version, ptype, body_len = _HDR.unpack_from(frame, 0)
        if ptype != EAPOL_TYPE_KEY:
            raise EapolError("EAPOL packet type %d is not Key" % ptype)
        if 4 + body_len > len(frame):
            raise EapolError("EAPOL body truncated (%d of %d bytes)" % (len(frame) - 4, body_len))
        body = frame[4:4 + body_len]          # drop Ethernet padding after the body
        fixed = _FIXED.size + mic_len + 2
        if len(body) < fixed:
            raise EapolError("EAPOL-Key descriptor truncated")
        (dtype, key_info, key_length, replay, nonce, iv, rsc, key_id) = _FIXED.unpack_from(body, 0)
        if dtype not in (DESC_RSN, DESC_WPA):
            raise EapolError("unknown key descriptor type %d" % dtype)
        mic = body[_FIXED.size:_FIXED.size + mic_len]
        data_len = struct.unpack_from(">H", body, _FIXED.size + mic_len)[0]
        if fixed + data_len > len(body):
            raise EapolError("key data truncated (%d of %d bytes)" % (len(body) - fixed, data_len))
        key = cls(key_info, replay, nonce, body[fixed:fixed + data_len], dtype, key_length,
                  iv, rsc, key_id, mic, version, mic_len)
        return key

    def build(self):
        body = (_FIXED.pack(self.descriptor_type, self.key_info, self.key_length,
                            self.replay_counter, self.nonce, self.iv, self.rsc, self.key_id)
                + self.mic + struct.pack(">H", len(self.key_data)) + self.key_data)
        return _HDR.pack(self.eapol_version, EAPOL_TYPE_KEY, len(body)) + body

    def build_signed(self, kck, akm):
        self.mic = bytes(self.mic_len)
        self.mic = compute_mic(kck, self.build(), self.version, akm, self.mic_len)
        return self.build()

    def __repr__(self):
        return "EapolKey(info=0x%04x, replay=%d, data=%d bytes)" % (
            self.key_info, self.replay_counter, len(self.key_data))


def verify_mic(kck, frame, key, akm):
    """Check the MIC of a received frame.  `frame` is the bytes as received
    (Ethernet padding allowed), `key` its parse."""
    body_len = struct.unpack_from(">H", frame, 2)[0]
    zeroed = bytearray(frame[:4 + body_len])
    start = 4 + _FIXED.size
    zeroed[start:start + key.mic_len] = bytes(key.mic_len)
    try:
        expected = compute_mic(kck, bytes(zeroed), key.version, akm, key.mic_len)
    except EapolError:
        return False
    return ct_equal(expected, key.mic)
