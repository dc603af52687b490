"""The supplicant side of the 4-way and group key handshakes, sans-IO.

One EapolKeySupplicant per association.  Feed it every EAPOL frame received
from the AP; it returns a list of actions for the core to carry out, in order:

    hs = EapolKeySupplicant(pmk, spa, aa, akm, pairwise, group, own_rsne, ap_rsne,
                            mgmt_group=0, mfp=False, ap_rsnxe=None)
    for action in hs.receive_eapol(frame):     # frame: 802.1X header + key descriptor
        SendEapol(data)          send `data` (a whole EAPOL frame) to the AA, unencrypted
                                 if no PTK is installed yet
        InstallKey(kind, cipher, key_idx, key, seq, set_tx, addr)
                                 kind "pairwise" | "group" | "igtk"; seq is the 6-byte
                                 little-endian RSC/IPN; addr is the AA for pairwise keys
                                 (None otherwise)
        Completed()              a 4-way handshake finished (first time, or a PTK rekey)
        GroupRekeyed()           a group key handshake installed a new GTK/IGTK
        TransitionDisable(bitmap)  message 3 carried the Transition Disable KDE
        Rejected(reason, deauth) the frame was dropped; deauth=True: the core must
                                 deauthenticate (RSN IE mismatch in message 3 = downgrade)
    hs.report_mic_failure(pairwise) -> [SendEapol]   TKIP Michael MIC failure report

Observable state for the core (WRONG_KEY detection: "message 2 sent, then a
new message 1 or nothing"): hs.state in {WAIT_MSG1, WAIT_MSG3, COMPLETED};
hs.msg1_count (message 1 frames answered since the last completed 4-way
handshake), hs.msg3_count (message 3 frames that passed the MIC check),
hs.mic_failures (frames dropped for a bad MIC), hs.handshakes_completed.

Rules this code keeps:
- Message 4 is queued (SendEapol) before the pairwise InstallKey.  In the
  group handshake the keys are installed before the reply, as wpa_supplicant
  does, so that frames the AP sends with the new GTK right after are accepted.
- The Key Replay Counter of every MIC-checked frame must be strictly greater
  than the last one accepted.  Message 1 carries no MIC, so it is checked but
  does not advance the counter.
- Key reinstallation (KRACK): the installed TK, GTK and IGTK are remembered.
  A retransmitted message 3 or a repeated group message 1 gets its reply and
  nothing else: no InstallKey, so the driver never resets a receive counter.
- TKIP GTK: the authenticator's Tx/Rx Michael keys (bytes 16-23 / 24-31) are
  swapped into the supplicant's view before installation.
- The AP's RSN element in message 3 must equal the one from its Beacon/Probe
  Response byte for byte; its RSNXE likewise (ap_rsnxe None means the AP
  advertised none, so a message 3 carrying one is a mismatch too).

Not supported, refused with a clear Rejected reason: WPA1 (descriptor type
254) frames; descriptor version 1 (TKIP pairwise, RC4 key data).  The
constructor refuses a WPA1 own IE and non-CCMP pairwise ciphers.
"""

import os

from wispd.rsn.defs import (AKM_8021X, AKM_8021X_SHA256, AKM_FT_PSK, AKM_FT_SAE, AKM_PSK, AKM_PSK_SHA256, AKM_SAE,
                             CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_NONE, CIPHER_TKIP, EID_RSN,
                             KEY_GROUP, KEY_IGTK, KEY_PAIRWISE)
from wispd.rsn.aes import KeyWrapError, aes_unwrap
from wispd.rsn.eapol import (DESC_WPA, KI_ERROR, KI_MIC, KI_REQUEST, KI_SECURE, KI_TYPE,
                             VER_AES_128_CMAC, VER_AKM_DEFINED, VER_HMAC_SHA1_AES, EapolError,
                             EapolKey, verify_mic)
from wispd.rsn.ie import IeError, parse_kdes, parse_rsn_ie
from wispd.rsn.kdf import derive_ptk

__all__ = ["EapolKeySupplicant", "SendEapol", "InstallKey", "Completed", "GroupRekeyed",
           "TransitionDisable", "Rejected", "WAIT_MSG1", "WAIT_MSG3", "COMPLETED"]

WAIT_MSG1 = "WAIT_MSG1"
WAIT_MSG3 = "WAIT_MSG3"
COMPLETED = "COMPLETED"

_GTK_LEN = {CIPHER_CCMP: 16, CIPHER_TKIP: 32}
_IGTK_LEN = {CIPHER_BIP_CMAC_128: 16}


class SendEapol:
    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __repr__(self):
        return "SendEapol(%d bytes)" % len(self.data)


class InstallKey:
    __slots__ = ("kind", "cipher", "key_idx", "key", "seq", "set_tx", "addr")

    def __init__(self, kind, cipher, key_idx, key, seq, set_tx, addr=None):
        self.kind = kind
        self.cipher = cipher
        self.key_idx = key_idx
        self.key = key
        self.seq = seq
        self.set_tx = set_tx
        self.addr = addr

    def __repr__(self):  # no key material in logs
        return "InstallKey(%s, cipher=%08x, idx=%d, seq=%s, set_tx=%s)" % (
            self.kind, self.cipher, self.key_idx, self.seq.hex(), self.set_tx)


class Completed:
    __slots__ = ()

    def __repr__(self):
        return "Completed()"


class GroupRekeyed:
    __slots__ = ()

    def __repr__(self):
        return "GroupRekeyed()"


class TransitionDisable:
    __slots__ = ("bitmap",)

    def __init__(self, bitmap):
        self.bitmap = bitmap   # bit 0: WPA3-Personal (no more WPA2-PSK), see 9.4.2.xx

    def __repr__(self):
        return "TransitionDisable(0x%02x)" % self.bitmap


class Rejected:
    __slots__ = ("reason", "deauth")

    def __init__(self, reason, deauth=False):
        self.reason = reason
        self.deauth = deauth

    def __repr__(self):
        return "Rejected(%r%s)" % (self.reason, ", deauth" if self.deauth else "")


def _descriptor_version(akm):
    if akm in (AKM_PSK, AKM_8021X):
        return VER_HMAC_SHA1_AES
    if akm in (AKM_PSK_SHA256, AKM_8021X_SHA256, AKM_FT_PSK):
        return VER_AES_128_CMAC
    if akm in (AKM_SAE, AKM_FT_SAE):
        return VER_AKM_DEFINED
    raise ValueError("unsupported AKM %08x" % akm)


class EapolKeySupplicant:
    def __init__(self, pmk, spa, aa, akm, pairwise, group, own_rsne, ap_rsne,
                 mgmt_group=CIPHER_NONE, mfp=False, ap_rsnxe=None, rng=os.urandom,
                 eapol_version=1, ft=None):
        # ft: an FT initial mobility domain association (802.11r 13.4):
        # (PMKR1Name, message 2 key data = RSNE with PMKR1Name || MDE || FTE);
        # pmk is then PMK-R1 and the PTK comes from rsn/ft.py.
        own_rsne = bytes(own_rsne)
        if not own_rsne or own_rsne[0] != EID_RSN:
            raise ValueError("own IE must be an RSN element (WPA1 is not supported)")
        if pairwise != CIPHER_CCMP:
            raise ValueError("pairwise cipher %08x not supported (CCMP only)" % pairwise)
        if group not in _GTK_LEN:
            raise ValueError("group cipher %08x not supported" % group)
        if mfp and mgmt_group not in _IGTK_LEN:
            raise ValueError("group management cipher %08x not supported" % mgmt_group)
        self.pmk = bytes(pmk)
        self.spa = bytes(spa)
        self.aa = bytes(aa)
        self.akm = akm
        self.pairwise = pairwise
        self.group = group
        self.mgmt_group = mgmt_group
        self.mfp = mfp
        self.own_rsne = own_rsne
        self.ap_rsne = None if ap_rsne is None else bytes(ap_rsne)
        self.ap_rsnxe = None if ap_rsnxe is None else bytes(ap_rsnxe)
        self.eapol_version = eapol_version
        self.ft = ft
        self._rng = rng
        self._desc_version = _descriptor_version(akm)

        self.state = WAIT_MSG1
        self.msg1_count = 0
        self.msg3_count = 0
        self.mic_failures = 0
        self.handshakes_completed = 0
        self.msg1_pmkid = None          # PMKID KDE from the last message 1, if any

        self._rx_replay = None          # last accepted (MIC-checked) replay counter
        self._request_counter = 0
        self._anonce = None
        self._snonce = None
        self._tptk = None               # derived from the current message 1
        self._ptk = None                # in use since the last message 3
        self._installed_tk = None
        self._installed_gtk = None
        self._installed_igtk = None

    @property
    def snonce(self):
        return self._snonce

    # ---- entry point --------------------------------------------------------

    def receive_eapol(self, frame):
        frame = bytes(frame)
        try:
            key = EapolKey.parse(frame)
        except EapolError as exc:
            return [Rejected("malformed EAPOL-Key frame: %s" % exc)]
        if key.descriptor_type == DESC_WPA:
            return [Rejected("WPA (descriptor type 254) EAPOL-Key frames are not supported")]
        if key.version != self._desc_version:
            return [Rejected("key descriptor version %d, expected %d for this AKM" % (
                key.version, self._desc_version))]
        if key.request or not key.ack:
            return [Rejected("EAPOL-Key frame not sent by an authenticator (Ack/Request bits)")]
        if key.pairwise:
            if not key.has_mic:
                return self._message_1(key)
            if not key.install:
                return [Rejected("pairwise EAPOL-Key frame with MIC but without Install")]
            return self._message_3(frame, key)
        if not key.has_mic:
            return [Rejected("group EAPOL-Key frame without MIC")]
        return self._group_message_1(frame, key)

    # ---- checks shared by the handlers ---------------------------------------

    def _stale(self, key):
        if self._rx_replay is not None and key.replay_counter <= self._rx_replay:
            return Rejected("replay counter %d not greater than %d" % (
                key.replay_counter, self._rx_replay))
        return None

    @property
    def ptk(self):
        """The PTK in use (kck, kek, tk), None before the first message 3."""
        return self._ptk

    def keys_from_ft(self, ptk, gtk=None, igtk=None):
        """An FT reassociation (802.11r 13.5) installed the PTK and the group keys
        of its FTE without a 4-way handshake: take them as if message 3 had,
        so that the AP's group key handshakes (rekeys) are answered.  gtk and
        igtk as the AP sent them (no TKIP MIC key swap)."""
        self._ptk = ptk
        self._installed_tk = ptk.tk
        self._installed_gtk = gtk
        self._installed_igtk = igtk
        self.state = COMPLETED

    def _unwrap_kdes(self, key, kek, what):
        if not key.encrypted:
            return None, Rejected("%s key data is not encrypted" % what)
        if len(key.key_data) < 24 or len(key.key_data) % 8:
            return None, Rejected("%s key data truncated (%d bytes)" % (what, len(key.key_data)))
        try:
            plain = aes_unwrap(kek, key.key_data)
        except KeyWrapError:
            return None, Rejected("%s key data unwrap failed" % what)
        kdes = parse_kdes(plain)
        if not kdes.complete:
            return None, Rejected("%s key data truncated: %s" % (what, kdes.error))
        return kdes, None

    def _check_group_kdes(self, kdes, what):
        if kdes.gtk is None:
            return Rejected("no GTK in %s" % what)
        if len(kdes.gtk) != _GTK_LEN[self.group]:
            return Rejected("GTK length %d does not fit the group cipher" % len(kdes.gtk))
        if self.mfp and kdes.igtk is not None:
            if len(kdes.igtk) != _IGTK_LEN[self.mgmt_group] or kdes.igtk_key_id not in (4, 5):
                return Rejected("malformed IGTK KDE in %s" % what)
        return None

    def _reply(self, key_info, replay_counter, nonce=bytes(32), key_data=b"", kck=None):
        reply = EapolKey(key_info | self._desc_version, replay_counter, nonce, key_data,
                         eapol_version=self.eapol_version)
        return SendEapol(reply.build_signed(kck, self.akm))

    def _group_key_actions(self, kdes, rsc):
        actions = []
        if kdes.gtk != self._installed_gtk:
            gtk = kdes.gtk
            if self.group == CIPHER_TKIP:
                # The authenticator's Tx MIC key is our Rx MIC key and vice versa.
                gtk = gtk[:16] + gtk[24:32] + gtk[16:24]
            actions.append(InstallKey(KEY_GROUP, self.group, kdes.gtk_key_id, gtk,
                                      rsc[:6], False))
            self._installed_gtk = kdes.gtk
        if self.mfp and kdes.igtk is not None and kdes.igtk != self._installed_igtk:
            actions.append(InstallKey(KEY_IGTK, self.mgmt_group, kdes.igtk_key_id, kdes.igtk,
                                      kdes.igtk_ipn, False))
            self._installed_igtk = kdes.igtk
        return actions

    # ---- 4-way handshake -------------------------------------------------------

    def _message_1(self, key):
        stale = self._stale(key)
        if stale:
            return [stale]
        if self.state != WAIT_MSG3 or self._snonce is None:
            # A new handshake (first, or a PTK rekey) gets a fresh SNonce; a
            # retransmitted message 1 is answered with the same one.
            self._snonce = self._rng(32)
        self._anonce = key.nonce
        if self.ft is not None:
            from wispd.rsn.ft import derive_ft_ptk     # FT only: off the start path
            self._tptk = derive_ft_ptk(self.pmk, self._snonce, self._anonce, self.aa, self.spa,
                                       self.pairwise)
        else:
            self._tptk = derive_ptk(self.pmk, self.aa, self.spa, self._anonce, self._snonce,
                                    self.akm, self.pairwise)
        self.msg1_pmkid = parse_kdes(key.key_data).pmkid
        self.state = WAIT_MSG3
        self.msg1_count += 1
        info = KI_TYPE | KI_MIC | (KI_SECURE if self._ptk is not None else 0)
        key_data = self.own_rsne if self.ft is None else self.ft[1]
        return [self._reply(info, key.replay_counter, self._snonce, key_data,
                            self._tptk.kck)]

    def _message_3(self, frame, key):
        if self._tptk is None:
            return [Rejected("message 3 before message 1")]
        stale = self._stale(key)
        if stale:
            return [stale]
        if key.nonce != self._anonce:
            return [Rejected("ANonce in message 3 differs from message 1")]
        if not verify_mic(self._tptk.kck, frame, key, self.akm):
            self.mic_failures += 1
            return [Rejected("bad MIC in message 3")]
        self._rx_replay = key.replay_counter
        self.msg3_count += 1
        kdes, rejected = self._unwrap_kdes(key, self._tptk.kek, "message 3")
        if rejected:
            return [rejected]
        mismatch = self._check_msg3_ies(kdes)
        if mismatch:
            return [Rejected(mismatch, deauth=True)]
        rejected = self._check_group_kdes(kdes, "message 3")
        if rejected:
            return [rejected]

        actions = [self._reply(KI_TYPE | KI_MIC | KI_SECURE, key.replay_counter,
                               kck=self._tptk.kck)]
        self._ptk = self._tptk
        if self._ptk.tk != self._installed_tk:
            actions.append(InstallKey(KEY_PAIRWISE, self.pairwise, 0, self._ptk.tk, bytes(6),
                                      True, self.aa))
            self._installed_tk = self._ptk.tk
        actions.extend(self._group_key_actions(kdes, key.rsc))
        if kdes.transition_disable is not None:
            actions.append(TransitionDisable(kdes.transition_disable))
        if self.state != COMPLETED:
            self.state = COMPLETED
            self.msg1_count = 0
            self.handshakes_completed += 1
            actions.append(Completed())
        return actions

    def _check_msg3_ies(self, kdes):
        if self.ft is not None and kdes.rsn_ies and self.ap_rsne is not None:
            # FT: the AP's RSNE with our PMKR1Name in its PMKID list (13.4.2).
            try:
                got, adv = parse_rsn_ie(kdes.rsn_ies[0]), parse_rsn_ie(self.ap_rsne)
            except IeError:
                return "malformed RSN IE in message 3"
            if tuple(got.pmkids) != (self.ft[0],) or (
                    got.group_cipher, got.pairwise_ciphers, got.akms, got.capabilities) != (
                    adv.group_cipher, adv.pairwise_ciphers, adv.akms, adv.capabilities):
                return "RSN IE in message 3 does not match the AP's (FT, PMKR1Name)"
        elif not kdes.rsn_ies or self.ap_rsne is None or kdes.rsn_ies[0] != self.ap_rsne:
            return "RSN IE in message 3 does not match the AP's Beacon/Probe Response"
        if len(kdes.rsn_ies) > 1:
            try:
                second = parse_rsn_ie(kdes.rsn_ies[1])
            except IeError:
                return "malformed second RSN IE in message 3"
            if second.pairwise_ciphers != (self.pairwise,):
                return "second RSN IE in message 3 names another pairwise cipher"
        if kdes.rsnxe != self.ap_rsnxe:
            return "RSNXE in message 3 does not match the AP's Beacon/Probe Response"
        return None

    # ---- group key handshake -----------------------------------------------------

    def _group_message_1(self, frame, key):
        if self._ptk is None:
            return [Rejected("group key message before the 4-way handshake completed")]
        stale = self._stale(key)
        if stale:
            return [stale]
        if not verify_mic(self._ptk.kck, frame, key, self.akm):
            self.mic_failures += 1
            return [Rejected("bad MIC in group message 1")]
        self._rx_replay = key.replay_counter
        kdes, rejected = self._unwrap_kdes(key, self._ptk.kek, "group message 1")
        if rejected:
            return [rejected]
        rejected = self._check_group_kdes(kdes, "group message 1")
        if rejected:
            return [rejected]
        actions = self._group_key_actions(kdes, key.rsc)
        actions.append(self._reply(KI_MIC | KI_SECURE, key.replay_counter, kck=self._ptk.kck))
        if len(actions) > 1:
            actions.append(GroupRekeyed())
        return actions

    # ---- reports -------------------------------------------------------------------

    def report_mic_failure(self, pairwise):
        """An EAPOL-Key Request with the Error bit: tells the AP about a TKIP
        Michael MIC failure (the core runs the countermeasures timers)."""
        if self._ptk is None:
            return []
        self._request_counter += 1
        info = KI_MIC | KI_ERROR | KI_REQUEST | KI_SECURE | (KI_TYPE if pairwise else 0)
        return [self._reply(info, self._request_counter, kck=self._ptk.kck)]
