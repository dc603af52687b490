"""EAPOL-Key frames through EapolKeySupplicant.receive_eapol (and rsn.eapol's
parser and MIC check), against the independent authenticator of the unit
tests (tests/unit/test_rsn_handshake.py: struct-built frames, hmac-module MICs).

An input is a scenario: an AKM/PMF setting and a list of steps — genuine
frames from the authenticator, genuine message 3 / group message 1 with one
byte changed, message 3 signed with the right key but a hostile plaintext
(downgraded RSN IE, broken KDEs, odd Key Info, stale replay counters), replays
of earlier frames (signed ones above all), and raw frames (corpus frames mutated, or free bytes).

Properties:
- receive_eapol never raises;
- an InstallKey comes only from a frame the authenticator signed with the key
  the supplicant holds (a byte-identical copy of the genuine next frame, or a
  signed step), never from a mutated, unsigned, replayed or raw frame;
- a pairwise key comes only with the AP's own RSN IE in message 3 and equals the
  authenticator's TK; a key is never installed again while it is installed
  (KRACK);
- afterwards a correctly built message 1 / message 3 exchange still installs
  a new pairwise key (unless a signed step legitimately used up the counter).
"""

import struct

from hypothesis import strategies as st

from fuzzlib import Target, mutated
from test_rsn_handshake import (AA, PMK, SPA, T_ACK, T_ENC, T_INSTALL, T_MIC,
                                T_PAIRWISE, T_SECURE, Authenticator, kde, rsn_ie)
from wispd.rsn.defs import (
    AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP)
from wispd.rsn.handshake import EapolKeySupplicant, InstallKey, SendEapol

SETTINGS = {"psk": (AKM_PSK, False), "psk-pmf": (AKM_PSK, True),
            "sha256": (AKM_PSK_SHA256, False), "sae": (AKM_SAE, True)}
ANONCE = bytes(range(32, 64))
SNONCE = bytes(range(64, 96))
GTK = bytes(range(0xA0, 0xB0))
IGTK = bytes(range(0xC0, 0xD0))
MAX_REPLAY = 2**64 - 1


def scenario(setting):
    """A deterministic authenticator and supplicant (fixed nonces and keys), so
    that corpus frames are the very frames this scenario builds."""
    akm, mfp = SETTINGS[setting]
    auth = Authenticator(akm, CIPHER_CCMP, mfp)
    auth.anonce, auth.gtk, auth.igtk = ANONCE, GTK, IGTK
    own = rsn_ie(akm, CIPHER_CCMP, 0x0080 if mfp else 0)
    sup = EapolKeySupplicant(PMK, SPA, AA, akm, CIPHER_CCMP, CIPHER_CCMP, own, auth.rsne,
                             mgmt_group=CIPHER_BIP_CMAC_128 if mfp else CIPHER_NONE, mfp=mfp,
                             rng=lambda n: SNONCE[:n])
    return auth, sup


def corpus_frames(setting):
    """The genuine frames of one scenario: message 1, message 3, group message 1."""
    auth, sup = scenario(setting)
    m1 = auth.msg1()
    auth.take_msg2(sup.receive_eapol(m1)[0].data)
    m3 = auth.msg3()
    sup.receive_eapol(m3)
    return {"msg1": m1, "msg3": m3, "gmsg1": auth.group_msg1()}


# ------------------------------------------------------------------ steps
_byte_edit = st.tuples(st.integers(0, 400), st.integers(1, 255))
_plain_seeds = [rsn_ie(AKM_PSK) + kde(1, b"\x05\x00" + GTK),
                rsn_ie(AKM_PSK) + kde(1, b"\x05\x00" + GTK) + kde(9, struct.pack("<H", 4)
                                                                     + bytes(6) + IGTK),
                rsn_ie(AKM_PSK, CIPHER_TKIP) + rsn_ie(AKM_PSK) + kde(32, b"\x01"),
                b"\xdd\x00", kde(3, AA), kde(1, b"\x01")]
_signed = st.fixed_dictionaries({
    "info": st.sampled_from((T_PAIRWISE | T_INSTALL | T_ACK | T_MIC | T_SECURE | T_ENC,
                             T_PAIRWISE | T_INSTALL | T_ACK | T_MIC | T_SECURE,
                             T_ACK | T_MIC | T_SECURE | T_ENC)) | st.integers(0, 0xFFF8),
    "replay": st.sampled_from((1, 0, -1, None)) | st.integers(-3, 3),
    "rsne": st.sampled_from(("ap", "tkip", "sae", "none")),
    "kdes": st.sampled_from(("good",)) | mutated(_plain_seeds),
    "nonce": st.sampled_from(("anonce", "zero")),
    "wrap": st.booleans(),
})
STEP = st.one_of(
    st.tuples(st.just("msg1"), st.booleans()),
    st.just(("msg3",)),
    st.just(("gmsg1",)),
    st.tuples(st.just("mut3"), _byte_edit),
    st.tuples(st.just("mutg"), _byte_edit),
    st.tuples(st.just("signed"), _signed),
    st.tuples(st.just("replay"), st.integers(0, 20)),
    st.tuples(st.just("replay_signed"), st.integers(0, 20)),
)


class EapolTarget(Target):
    name = "eapol"

    def decode(self, data, filename):
        # <setting>-*.frame: fed as a raw frame before message 1, between
        # message 1 and 3 (where the seed message 3 is the genuine one), after
        # message 3, and once more (a replay).
        setting = next((s for s in sorted(SETTINGS, key=len, reverse=True)
                        if filename.startswith(s + "-")), "psk")
        return (setting, [("raw", data), ("msg1", False), ("raw", data), ("msg3",),
                          ("raw", data), ("raw", data)])

    def encode(self, value):
        raws = [s[1] for s in value[1] if s[0] == "raw"]
        return raws[0] if raws else None

    def strategy(self):
        frames = [v[1][0][1] for _, v in self.corpus()]
        raw = st.tuples(st.just("raw"), mutated(frames) | st.binary(max_size=200))
        # Half the scenarios start with a completed handshake: most attacks
        # (replays, rollbacks) need one to attack.
        return st.tuples(st.sampled_from(sorted(SETTINGS)), st.booleans(),
                         st.lists(STEP | raw, max_size=8)).map(
            lambda t: (t[0], [("hs",)] * t[1] + t[2]))

    def check(self, value):
        Run(*value).run()


class Run:
    def __init__(self, setting, steps):
        self.auth, self.sup = scenario(setting)
        self.steps = steps
        self.fed = []            # every frame fed, for replay steps
        self.installed = {}      # (kind, index) -> the key installed now
        self.max_signed = 0      # highest replay counter the authenticator signed
        self.max_seen = 0        # highest replay counter of any frame fed
        self.accepted = -1       # replay counter of the last MIC frame the supplicant answered
        self.anonces = 0
        self.rekeys = 0
        self.signed_frames = []  # genuine frames with a MIC, for replay_signed steps

    # -- helpers ----------------------------------------------------------------
    def feed(self, frame, genuine, plain=None):
        replay = struct.unpack(">Q", frame[9:17])[0] if len(frame) >= 17 else 0
        has_mic = len(frame) >= 7 and frame[5] & (T_MIC >> 8)
        self.max_seen = max(self.max_seen, replay)
        actions = self.sup.receive_eapol(frame)
        self.fed.append(frame)
        if genuine and has_mic:
            self.signed_frames.append(frame)
        for a in actions:
            if not isinstance(a, InstallKey):
                continue
            assert genuine, "key installed from an unverified frame: %r (%s)" % (
                a, frame.hex())
            assert replay > self.accepted, "key installed from a replayed counter %d <= %d" % (
                replay, self.accepted)
            assert self.installed.get((a.kind, a.key_idx)) != a.key, "key reinstalled: %r" % a
            if a.kind == "pairwise":
                assert a.key == self.auth.tk, "pairwise key is not the authenticator's TK"
                assert plain is None or plain.startswith(self.auth.rsne), \
                    "pairwise key installed although message 3 carried another RSN IE"
                self.installed = {k: v for k, v in self.installed.items() if k[0] != "pairwise"}
            self.installed[(a.kind, a.key_idx)] = a.key
        if has_mic and any(isinstance(a, SendEapol) for a in actions):
            self.accepted = max(self.accepted, replay)
        return actions

    def next_genuine(self):
        """The frames the authenticator would send next (same bytes a raw step may carry)."""
        if self.auth.kck is None or self.auth.replay >= MAX_REPLAY:
            return ()
        n = self.auth.replay + 1
        return (self.auth.msg3(replay=n), self.auth.frame(
            T_ACK | T_MIC | T_SECURE | T_ENC, bytes(32), self.auth.wrap(self.auth.gtk_kdes()),
            self.auth.gtk_rsc, self.auth.kck, n))

    def msg1(self, new_anonce):
        if self.auth.replay >= MAX_REPLAY:
            return
        if new_anonce:
            self.anonces += 1
            self.auth.anonce = bytes([self.anonces % 256]) * 32
        actions = self.feed(self.auth.msg1(), False)
        replies = [a for a in actions if isinstance(a, SendEapol)]
        if replies:
            self.auth.take_msg2(replies[0].data)

    def signed(self, s):
        auth = self.auth
        if auth.kck is None:
            return
        base = max(auth.replay, self.max_signed)
        delta = 1 if s["replay"] is None else s["replay"]
        replay = min(max(base + delta, 0), MAX_REPLAY)
        rsne = {"ap": auth.rsne, "tkip": rsn_ie(auth.akm, CIPHER_TKIP),
                "sae": rsn_ie(AKM_SAE), "none": b""}[s["rsne"]]
        plain = rsne + (auth.gtk_kdes() if s["kdes"] == "good" else s["kdes"])
        data = auth.wrap(plain) if s["wrap"] else plain
        nonce = auth.anonce if s["nonce"] == "anonce" else bytes(32)
        frame = auth.frame(s["info"] & ~0x0007, nonce, data, auth.gtk_rsc, auth.kck, replay)
        self.max_signed = max(self.max_signed, replay)
        self.feed(frame, True, plain if s["info"] & T_PAIRWISE else None)

    def mutate(self, frame, edit):
        i, x = edit
        frame = bytearray(frame)
        frame[i % len(frame)] ^= x
        self.feed(bytes(frame), False)

    # -- the scenario ------------------------------------------------------------
    def run(self):
        auth = self.auth
        for step in self.steps:
            kind = step[0]
            if kind == "msg1":
                self.msg1(step[1])
            elif kind == "msg3" and auth.kck is not None and auth.replay < MAX_REPLAY:
                self.feed(auth.msg3(), True)
            elif kind == "gmsg1" and auth.kck is not None and auth.replay < MAX_REPLAY:
                # New group keys each time, so that replaying an older frame
                # would roll them back: what the replay counter check stops.
                self.rekeys += 1
                auth.gtk = bytes([self.rekeys % 256]) * 16
                auth.igtk = bytes([~self.rekeys & 255]) * 16
                auth.gtk_idx, auth.igtk_idx = 1 + self.rekeys % 2, 4 + self.rekeys % 2
                self.feed(auth.group_msg1(), True)
            elif kind in ("mut3", "mutg") and auth.kck is not None:
                genuine = self.next_genuine()
                if genuine:
                    self.mutate(genuine[0 if kind == "mut3" else 1], step[1])
            elif kind == "hs":
                self.msg1(False)
                if auth.kck is not None and auth.replay < MAX_REPLAY:
                    self.feed(auth.msg3(), True)
            elif kind == "signed":
                self.signed(step[1])
            elif kind == "replay" and self.fed:
                self.feed(self.fed[step[1] % len(self.fed)], False)
            elif kind == "replay_signed" and self.signed_frames:
                self.feed(self.signed_frames[step[1] % len(self.signed_frames)], False)
            elif kind == "raw":
                self.feed(step[1], step[1] in self.next_genuine())
        self.still_works()

    def still_works(self):
        """A fresh, correct message 1 / message 3 exchange installs a new PTK."""
        auth = self.auth
        auth.replay = max(auth.replay, self.max_signed, self.max_seen)
        if auth.replay + 2 > MAX_REPLAY:
            return                       # the counter space was used up by signed frames
        self.anonces += 1
        auth.anonce = bytes([0xF0 ^ (self.anonces % 16)]) * 31 + bytes([self.anonces % 256])
        self.msg1(False)
        actions = self.feed(auth.msg3(), True)
        kinds = [type(a).__name__ for a in actions]
        assert any(isinstance(a, InstallKey) and a.kind == "pairwise" for a in actions), \
            "a correct 4-way handshake no longer installs a key: %s %r" % (kinds, actions)
