"""MS-CHAPv2 (RFC 2759) and the EAP-MSCHAPv2 method (draft-kamath-pppext-eap-mschapv2)
as PEAPv0 and TTLS carry it inside their tunnel.

MD4 and DES come from md4.py and des.py (why: see there).  The password is
either the text (UTF-16LE before MD4, RFC 2759 8.3) or, from wpa_supplicant's
`password=hash:<32 hex>`, the NT hash itself.
"""

import hashlib
import hmac
import os
import struct

from wispd.eap.des import des_encrypt, expand_key
from wispd.eap.md4 import md4

OP_CHALLENGE = 1
OP_RESPONSE = 2
OP_SUCCESS = 3
OP_FAILURE = 4

_MAGIC1 = b"Magic server to client signing constant"
_MAGIC2 = b"Pad to make it do more than one iteration"


class Credentials:
    """The user name and password, or the password's NT hash."""
    __slots__ = ("username", "password", "nt_hash")

    def __init__(self, username, password=None, nt_hash=None):
        self.username = username if isinstance(username, bytes) else username.encode()
        self.password = password
        self.nt_hash = nt_hash

    def password_hash(self):
        if self.nt_hash is not None:
            return self.nt_hash
        if self.password is None:
            raise ValueError("no password")
        return nt_password_hash(self.password)


def nt_password_hash(password):
    if isinstance(password, bytes):
        password = password.decode("utf-8")
    return md4(password.encode("utf-16-le"))


def challenge_hash(peer_challenge, auth_challenge, username):
    return hashlib.sha1(peer_challenge + auth_challenge + _strip_domain(username)).digest()[:8]


def _strip_domain(username):
    """RFC 2759's ChallengeHash takes the user name without a "DOMAIN\\" prefix."""
    return username.rpartition(b"\\")[2]


def challenge_response(challenge, password_hash):
    z = password_hash + b"\0" * 5
    return b"".join(des_encrypt(expand_key(z[i:i + 7]), challenge) for i in (0, 7, 14))


def generate_nt_response(auth_challenge, peer_challenge, username, password_hash):
    return challenge_response(challenge_hash(peer_challenge, auth_challenge, username),
                              password_hash)


def authenticator_response(password_hash, nt_response, peer_challenge, auth_challenge,
                           username):
    """The "S=" string the server must send back (40 upper-case hex digits)."""
    digest = hashlib.sha1(md4(password_hash) + nt_response + _MAGIC1).digest()
    challenge = challenge_hash(peer_challenge, auth_challenge, username)
    return b"S=" + hashlib.sha1(digest + challenge + _MAGIC2).hexdigest().upper().encode()


class Exchange:
    """One MSCHAPv2 exchange: the response to a challenge, then the check of
    the server's authenticator response.  TTLS and EAP-MSCHAPv2 both use it."""
    __slots__ = ("creds", "auth_challenge", "peer_challenge", "nt_response", "_expected")

    def __init__(self, creds, rand=os.urandom):
        self.creds = creds
        self.peer_challenge = rand(16)
        self.auth_challenge = None
        self.nt_response = None
        self._expected = None

    def respond(self, auth_challenge):
        pw_hash = self.creds.password_hash()
        self.auth_challenge = auth_challenge
        self.nt_response = generate_nt_response(auth_challenge, self.peer_challenge,
                                                self.creds.username, pw_hash)
        self._expected = authenticator_response(pw_hash, self.nt_response, self.peer_challenge,
                                                auth_challenge, self.creds.username)
        return self.nt_response

    def verify(self, message):
        """True when `message` (the server's success text) starts with the right "S="."""
        return self._expected is not None and hmac.compare_digest(message[:42], self._expected)


class EapMschapv2:
    """The EAP-MSCHAPv2 method (type 26) as an inner method: type data in,
    type data out; `decision` is None while running, then "success" or "failure"."""
    type = 26
    name = "MSCHAPV2"

    def __init__(self, creds, rand=os.urandom):
        self.exchange = Exchange(creds, rand)
        self.decision = None
        self.error = None

    def process(self, data):
        if not data:
            raise ValueError("empty MSCHAPv2 packet")
        op = data[0]
        if op == OP_CHALLENGE:
            if len(data) < 21 or data[4] != 16:
                raise ValueError("malformed MSCHAPv2 challenge")
            ms_id = data[1]
            nt = self.exchange.respond(bytes(data[5:21]))
            name = self.exchange.creds.username
            value = self.exchange.peer_challenge + b"\0" * 8 + nt + b"\0"
            return bytes((OP_RESPONSE, ms_id)) + struct.pack(">HB", 5 + 49 + len(name), 49) \
                + value + name
        if op == OP_SUCCESS:
            if len(data) < 4 or not self.exchange.verify(bytes(data[4:])):
                self.decision = "failure"
                self.error = "the server's MSCHAPv2 authenticator response is wrong"
                return None
            self.decision = "success"
            return bytes((OP_SUCCESS,))
        if op == OP_FAILURE:
            text = bytes(data[4:]).decode("ascii", "replace")
            code = text.split(" ")[0] if text.startswith("E=") else "E=?"
            self.decision = "failure"
            self.error = "MSCHAPv2 failure %s" % code
            return bytes((OP_FAILURE,))
        raise ValueError("unknown MSCHAPv2 opcode %d" % op)
