"""The SAE commit/confirm state machine against a test-side AP peer: both
password element methods and groups, anti-clogging tokens, the status-77
fallback with the Rejected Groups element, retransmissions, a wrong password;
and the PMKSA cache."""
import os

import pytest

from wispd.rsn import ecc, sae, saecrypto
from wispd.rsn.pmksa import PmksaCache

STA = bytes.fromhex("020000000100")
AP = bytes.fromhex("020000000000")
SSID = b"wispd-sae"
PW = "correct horse battery"


def _ext(ext_id, body):
    return bytes((255, 1 + len(body), ext_id)) + body


class ApPeer:
    """Just enough of an SAE AP to answer the machine, built from the module's
    crypto helpers in the AP role (addresses swapped)."""

    def __init__(self, password=PW, groups=(19, 20), h2e=False, want_token=None,
                 identifier=None, sta=STA, ap=AP, ssid=SSID):
        self.sta = sta
        self.ap = ap
        self.ssid = ssid
        self.password = password
        self.groups = groups
        self.h2e = h2e
        self.want_token = want_token
        self.identifier = identifier
        self.seen_rejected = None
        self.seen_identifier = None

    def commit(self, status, body):
        group = int.from_bytes(body[:2], "little")
        if group not in self.groups:
            return (1, sae.STATUS_GROUP_NOT_SUPPORTED, body[:2])
        curve = ecc.curve_for_group(group)
        nlen = (curve.n.bit_length() + 7) // 8
        rest = body[2:]
        if self.want_token is not None:
            if self.h2e:
                tail = rest[nlen + 2 * curve.size:]
                ext = saecrypto.ext_elements(tail)
                token = ext.get(saecrypto.EXT_ANTI_CLOGGING_TOKEN)
            else:
                token = rest[:len(self.want_token)]
                rest = rest[len(self.want_token):] if token == self.want_token else rest
            if token != self.want_token:
                tok = _ext(saecrypto.EXT_ANTI_CLOGGING_TOKEN, self.want_token) if self.h2e \
                    else self.want_token
                return (1, sae.STATUS_ANTI_CLOGGING_TOKEN_REQ, body[:2] + tok)
        self.peer_scalar, self.peer_element, ext = saecrypto.parse_commit(curve, rest, self.h2e)
        self.seen_rejected = ext.get(saecrypto.EXT_REJECTED_GROUPS)
        self.seen_identifier = ext.get(saecrypto.EXT_PASSWORD_IDENTIFIER)
        if self.h2e:
            pt = saecrypto.derive_pt(curve, self.ssid, self.password, self.identifier)
            pwe = saecrypto.derive_pwe_from_pt(curve, pt, self.ap, self.sta)
        else:
            pwe = saecrypto.derive_pwe_hnp(curve, self.password, self.ap, self.sta)
        self.curve = curve
        rand = int.from_bytes(os.urandom(nlen), "big") % (curve.n - 2) + 2
        mask = int.from_bytes(os.urandom(nlen), "big") % (curve.n - 2) + 2
        self.scalar, self.element = saecrypto.commit_values(curve, pwe, rand, mask)
        rejected = []
        if self.seen_rejected:
            r = self.seen_rejected
            rejected = [int.from_bytes(r[i:i + 2], "little") for i in range(0, len(r), 2)]
        self.kck, self.pmk, self.pmkid = saecrypto.derive_keys(
            curve, pwe, rand, self.scalar, self.element, self.peer_scalar, self.peer_element,
            self.h2e, rejected)
        out = body[:2] + self.scalar.to_bytes(nlen, "big") + curve.encode(self.element)
        return (1, sae.STATUS_SAE_HASH_TO_ELEMENT if self.h2e else 0, out)

    def confirm(self, body):
        sc = int.from_bytes(body[:2], "little")
        expect = saecrypto.confirm_value(self.curve, self.kck, self.h2e, sc, self.peer_scalar,
                                   self.peer_element, self.scalar, self.element)
        if expect != body[2:]:
            return (2, sae.STATUS_CHALLENGE_FAIL, b"")
        mine = saecrypto.confirm_value(self.curve, self.kck, self.h2e, 1, self.scalar, self.element,
                                 self.peer_scalar, self.peer_element)
        return (2, 0, b"\x01\x00" + mine)


def run(machine, ap, drop=()):
    """Drive the exchange; returns (all actions, frames the STA sent)."""
    actions = machine.start()
    log = list(actions)
    sent = []
    for _ in range(20):
        frames = [a for a in actions if isinstance(a, sae.SendAuth)]
        if not frames:
            break
        actions = []
        for f in frames:
            sent.append(f)
            if len(sent) in drop:
                continue
            if f.trans == 1:
                reply = ap.commit(f.status, f.body)
            else:
                reply = ap.confirm(f.body)
            actions += machine.receive(*reply)
        log += actions
    return log, sent


@pytest.mark.parametrize("h2e", [False, True], ids=["hnp", "h2e"])
@pytest.mark.parametrize("group", [19, 20])
def test_exchange_agrees_with_the_ap(group, h2e):
    m = sae.SaeSupplicant(STA, AP, PW, ssid=SSID, groups=(group,), h2e=h2e)
    ap = ApPeer(groups=(group,), h2e=h2e)
    log, sent = run(m, ap)
    done = [a for a in log if isinstance(a, sae.Accepted)]
    assert len(done) == 1 and m.state == sae.ACCEPTED
    assert done[0].pmk == ap.pmk and done[0].pmkid == ap.pmkid and done[0].group == group
    assert sent[0].status == (sae.STATUS_SAE_HASH_TO_ELEMENT if h2e else 0)
    assert isinstance(log[-1], sae.Accepted) and isinstance(log[-2], sae.CancelTimer)


def test_anti_clogging_token_hnp():
    m = sae.SaeSupplicant(STA, AP, PW, groups=(19,))
    ap = ApPeer(groups=(19,), want_token=b"TOKEN123")
    log, sent = run(m, ap)
    assert m.state == sae.ACCEPTED
    assert [f.trans for f in sent] == [1, 1, 2]
    assert sent[1].body[2:10] == b"TOKEN123"     # right after the group


def test_anti_clogging_token_h2e_container():
    m = sae.SaeSupplicant(STA, AP, PW, ssid=SSID, groups=(19,), h2e=True)
    ap = ApPeer(groups=(19,), h2e=True, want_token=b"tok")
    log, sent = run(m, ap)
    assert m.state == sae.ACCEPTED
    assert sent[1].body.endswith(_ext(saecrypto.EXT_ANTI_CLOGGING_TOKEN, b"tok"))


@pytest.mark.parametrize("h2e", [False, True], ids=["hnp", "h2e"])
def test_group_not_supported_moves_to_next_group(h2e):
    m = sae.SaeSupplicant(STA, AP, PW, ssid=SSID, groups=(19, 20), h2e=h2e)
    ap = ApPeer(groups=(20,), h2e=h2e)
    log, sent = run(m, ap)
    assert m.state == sae.ACCEPTED and m.group == 20
    assert [int.from_bytes(f.body[:2], "little") for f in sent if f.trans == 1] == [19, 20]
    # H2E names the rejected group (and uses it as the key salt, which the
    # AP only matches if it read the same list)
    assert ap.seen_rejected == (b"\x13\x00" if h2e else None)
    assert m.pmk == ap.pmk


def test_no_group_left_fails():
    m = sae.SaeSupplicant(STA, AP, PW, groups=(19,))
    ap = ApPeer(groups=(21,))
    log, _ = run(m, ap)
    assert m.state == sae.FAILED
    assert any(isinstance(a, sae.Failed) and a.status == 77 for a in log)


def test_password_identifier_is_sent_with_h2e():
    m = sae.SaeSupplicant(STA, AP, PW, ssid=SSID, groups=(19,), h2e=True, identifier="pw-id")
    ap = ApPeer(groups=(19,), h2e=True, identifier=b"pw-id")
    run(m, ap)
    assert ap.seen_identifier == b"pw-id"
    assert m.state == sae.ACCEPTED and m.pmk == ap.pmk


def test_unknown_password_identifier_fails():
    m = sae.SaeSupplicant(STA, AP, PW, ssid=SSID, groups=(19,), h2e=True, identifier="x")
    m.start()
    acts = m.receive(1, sae.STATUS_UNKNOWN_PASSWORD_IDENTIFIER, b"\x13\x00")
    assert m.state == sae.FAILED and "identifier" in acts[-1].reason


def test_wrong_password_is_reported_as_such():
    m = sae.SaeSupplicant(STA, AP, "wrong password", groups=(19,))
    ap = ApPeer(groups=(19,))
    log, _ = run(m, ap)
    failed = [a for a in log if isinstance(a, sae.Failed)]
    assert m.state == sae.FAILED and failed[0].wrong_password


def test_forged_ap_confirm_is_rejected():
    m = sae.SaeSupplicant(STA, AP, PW, groups=(19,))
    ap = ApPeer(groups=(19,))
    acts = m.start()
    acts = m.receive(*ap.commit(0, acts[0].body))
    acts = m.receive(2, 0, b"\x01\x00" + bytes(32))
    assert m.state == sae.FAILED and acts[-1].wrong_password


def test_retransmissions_and_give_up():
    m = sae.SaeSupplicant(STA, AP, PW, groups=(19,), retrans_period=0.5, max_sync=3)
    first = m.start()
    assert isinstance(first[1], sae.SetTimer) and first[1].seconds == 0.5
    for _ in range(3):
        acts = m.timeout()
        assert acts[0].trans == 1 and acts[0].body == first[0].body
    acts = m.timeout()
    assert m.state == sae.FAILED and isinstance(acts[-1], sae.Failed)


def test_confirm_retransmission_counts_up():
    m = sae.SaeSupplicant(STA, AP, PW, groups=(19,))
    ap = ApPeer(groups=(19,))
    acts = m.start()
    commit_reply = ap.commit(0, acts[0].body)
    acts = m.receive(*commit_reply)
    assert acts[0].body[:2] == b"\x01\x00"
    acts = m.timeout()
    assert acts[0].trans == 2 and acts[0].body[:2] == b"\x02\x00"
    # the AP repeats its commit: answered with a new confirm, not a new key
    pmk = m.pmk
    acts = m.receive(*commit_reply)
    assert acts[0].trans == 2 and acts[0].body[:2] == b"\x03\x00" and m.pmk == pmk
    # the AP accepts the latest confirm
    acts = m.receive(*ap.confirm(acts[0].body))
    assert m.state == sae.ACCEPTED


def test_frames_after_the_end_are_ignored():
    m = sae.SaeSupplicant(STA, AP, PW, groups=(19,))
    run(m, ApPeer(groups=(19,)))
    assert m.receive(1, 0, b"\x13\x00" + bytes(96)) == []
    assert m.timeout() == []


# ---------------------------------------------------------------- PMKSA cache
def test_pmksa_cache_expiry_and_keys():
    now = [100.0]
    cache = PmksaCache(lambda: now[0], lifetime=50)
    e = cache.add(AP, b"p" * 32, b"i" * 16, 0x000FAC08, ("net", b"pw"))
    assert cache.get(AP, ("net", b"pw")) is e
    assert cache.get(AP, ("net", b"pw"), akm=0x000FAC02) is None
    assert cache.get(AP, ("net", b"other")) is None      # another password: no reuse
    assert cache.get(STA, ("net", b"pw")) is None
    assert "p" * 8 not in repr(e)
    now[0] = 149.0
    assert len(cache) == 1
    now[0] = 150.0
    assert cache.get(AP, ("net", b"pw")) is None and len(cache) == 0


def test_pmksa_cache_bounds_and_removal():
    now = [0.0]
    cache = PmksaCache(lambda: now[0], max_entries=2)
    for i in range(3):
        now[0] += 1
        cache.add(bytes((2, 0, 0, 0, 0, i)), b"k" * 32, b"i" * 16, 8, "n")
    assert len(cache) == 2
    assert cache.get(bytes((2, 0, 0, 0, 0, 0)), "n") is None     # oldest went
    cache.remove(bytes((2, 0, 0, 0, 0, 1)))
    assert len(cache) == 1
    cache.flush_network("n")
    assert len(cache) == 0
