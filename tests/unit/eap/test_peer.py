"""The EAP peer against a real TLS server (tests/unit/eap/eapserver.py): every
method, fragmentation both ways, certificate checks, failures, and the keys the
two sides derive independently."""
import pytest

pytest.importorskip("OpenSSL")

from wispd.eap import packet as P  # noqa: E402
from wispd.eap.peer import Done, EapPeer, Event, Send  # noqa: E402
from wispd.eap.settings import EapSettings, TlsSettings  # noqa: E402

from eapserver import KEY_PASSPHRASE, MiniServer  # noqa: E402

PASSWORD = "alice pw"


def tls_settings(pki, **kw):
    fields = dict(ca_cert=pki["ca"], client_cert=pki["client"], private_key=pki["client_key"],
                  private_key_passwd=KEY_PASSPHRASE)
    fields.update(kw)
    return TlsSettings(**fields)


def settings(pki, methods, password=PASSWORD, tls=None, **kw):
    return EapSettings(methods=methods, identity=b"alice", anonymous_identity=b"anon@example.com",
                       password=password, tls=tls or TlsSettings(ca_cert=pki["ca"]), **kw)


def run(server, peer):
    done = server.run(peer)
    assert isinstance(done, Done), done
    return done


@pytest.mark.parametrize("tls13", [False, True], ids=["tls12", "tls13"])
def test_eap_tls_keys_match_the_server(pki, tls13):
    server = MiniServer(pki, P.TYPE_TLS, tls13=tls13, verify_client=True)
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"tls-client",
                               tls=tls_settings(pki),
                               phase1="tls_disable_tlsv1_3=%d" % (0 if tls13 else 1)))
    done = run(server, peer)
    assert done.ok and len(done.msk) == 64
    assert done.msk == server.msk
    assert peer.method.link.version == ("TLSv1.3" if tls13 else "TLSv1.2")
    assert peer.state == "SUCCESS" and peer.selected_method == "TLS"
    assert server.saw[0] == "identity:tls-client"


def test_tls13_stays_off_by_default(pki):
    server = MiniServer(pki, P.TYPE_TLS, tls13=True)
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"x", tls=tls_settings(pki)))
    assert run(server, peer).ok
    assert peer.method.link.version == "TLSv1.2"


@pytest.mark.parametrize("frag", [100, 300])
def test_fragments_both_ways(pki, frag):
    server = MiniServer(pki, P.TYPE_TLS, frag=frag, verify_client=True)
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"tls-client",
                               tls=tls_settings(pki), fragment_size=frag))
    done = run(server, peer)
    assert done.ok and done.msk == server.msk
    assert server.fragments_received > 2          # the peer's flight came in pieces
    assert server.max_fragment_seen <= frag        # none over fragment_size


def test_peap_mschapv2(pki):
    server = MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)
    peer = EapPeer(settings(pki, [P.TYPE_PEAP], tls=TlsSettings(
        ca_cert=pki["ca"], domain_suffix_match="example.com")))
    done = run(server, peer)
    assert done.ok and done.msk == server.msk
    assert server.saw == ["identity:anon@example.com", "phase2:identity:alice",
                          "phase2:mschapv2-response", "phase2:result:True"]


def test_peap_wrong_password_fails(pki):
    server = MiniServer(pki, P.TYPE_PEAP, password="the real one")
    peer = EapPeer(settings(pki, [P.TYPE_PEAP]))
    done = run(server, peer)
    assert not done.ok and "E=691" in done.reason
    assert peer.state == "FAILURE"


def test_peap_nt_hash_password(pki):
    from wispd.eap.mschapv2 import nt_password_hash
    server = MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)
    s = settings(pki, [P.TYPE_PEAP], password=None)
    s.nt_hash = nt_password_hash(PASSWORD)
    assert run(server, EapPeer(s)).ok


@pytest.mark.parametrize("inner", ["PAP", "MSCHAPV2"])
def test_ttls(pki, inner):
    server = MiniServer(pki, P.TYPE_TTLS, password=PASSWORD, phase2=inner)
    peer = EapPeer(settings(pki, [P.TYPE_TTLS], phase2="auth=" + inner))
    done = run(server, peer)
    assert done.ok and done.msk == server.msk
    assert "phase2:user:alice" in server.saw


def test_ttls_pap_wrong_password(pki):
    server = MiniServer(pki, P.TYPE_TTLS, password="other", phase2="PAP")
    done = run(server, EapPeer(settings(pki, [P.TYPE_TTLS], phase2="auth=PAP")))
    assert not done.ok


def _events(peer_actions):
    return [a for a in peer_actions if isinstance(a, Event)]


@pytest.mark.parametrize("server_cert,tls_kw,why", [
    ("rogue", {}, "server certificate rejected"),   # same CA name, other key
    ("server", {"domain_suffix_match": "example.org"}, "Domain suffix mismatch"),
    ("server", {"domain_match": "other.example.com"}, "Domain mismatch"),
    ("server", {"altsubject_match": "DNS:nope.example.com"}, "AltSubject mismatch"),
])
def test_untrusted_server_never_sees_inner_credentials(pki, server_cert, tls_kw, why):
    server = MiniServer(pki, P.TYPE_PEAP, server=server_cert, password=PASSWORD)
    peer = EapPeer(settings(pki, [P.TYPE_PEAP], tls=TlsSettings(ca_cert=pki["ca"], **tls_kw)))
    done = run(server, peer)
    assert not done.ok and why in done.reason
    assert not any(s.startswith("phase2") for s in server.saw), server.saw
    assert "alert" in server.saw


def test_domain_suffix_accepts_the_right_domain(pki):
    server = MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)
    peer = EapPeer(settings(pki, [P.TYPE_PEAP], tls=TlsSettings(
        ca_cert=pki["ca"], domain_suffix_match="server.example.com", domain_match=
        "server.example.com", altsubject_match="DNS:server.example.com")))
    assert run(server, peer).ok


def test_no_ca_accepts_and_warns(pki):
    server = MiniServer(pki, P.TYPE_PEAP, server="rogue", password=PASSWORD)
    peer = EapPeer(settings(pki, [P.TYPE_PEAP], tls=TlsSettings()))
    acts = peer.receive(server.first())
    _, _, body = P.parse_eapol(acts[-1].frame)
    acts = peer.receive(server.handle(P.Packet.parse(body)))
    assert any(e.kind == "no_ca" for e in _events(acts))


def test_wrong_key_passphrase_fails_cleanly(pki):
    server = MiniServer(pki, P.TYPE_TLS, verify_client=True)
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"x",
                               tls=tls_settings(pki, private_key_passwd="wrong")))
    done = run(server, peer)
    assert not done.ok and "wrong" not in done.reason and KEY_PASSPHRASE not in done.reason


def test_expired_client_certificate_is_refused_by_the_server(pki):
    server = MiniServer(pki, P.TYPE_TLS, verify_client=True)
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"x", tls=tls_settings(
        pki, client_cert=pki["expired"], private_key=pki["expired_key"],
        private_key_passwd=None)))
    done = run(server, peer)
    assert not done.ok


def test_events_in_wpa_supplicants_order(pki):
    server = MiniServer(pki, P.TYPE_TLS, verify_client=True)
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"tls-client",
                               tls=tls_settings(pki)))
    kinds = []
    pkt = server.first()
    while True:
        acts = peer.receive(pkt)
        kinds += [e.kind for e in _events(acts)]
        if any(isinstance(a, Done) for a in acts):
            break
        _, _, body = P.parse_eapol([a for a in acts if isinstance(a, Send)][-1].frame)
        pkt = server.handle(P.Packet.parse(body))
    assert kinds[:4] == ["started", "status", "proposed", "status"]
    assert kinds.index("method") < kinds.index("peer_cert") < kinds.index("success")
    assert kinds[-1] == "success"


def test_nak_lists_our_methods():
    peer = EapPeer(EapSettings(methods=[P.TYPE_PEAP, P.TYPE_TTLS], identity=b"a",
                               tls=TlsSettings()))
    acts = peer.receive(P.Packet(P.CODE_REQUEST, 3, P.TYPE_TLS, bytes((0x20,))))
    sent = [a for a in acts if isinstance(a, Send)][0].frame
    resp = P.Packet.parse(P.parse_eapol(sent)[2])
    assert resp.type == P.TYPE_NAK and list(resp.data) == [P.TYPE_PEAP, P.TYPE_TTLS]
    assert any(e.kind == "proposed" and e.args == (P.TYPE_TLS, True) for e in _events(acts))


def test_retransmitted_request_gets_the_same_answer():
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"me", tls=TlsSettings()))
    a = peer.receive(P.Packet(P.CODE_REQUEST, 9, P.TYPE_IDENTITY))
    b = peer.receive(P.Packet(P.CODE_REQUEST, 9, P.TYPE_IDENTITY))
    assert a[-1].frame == b[-1].frame


def test_success_before_the_method_is_ignored():
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"me", tls=TlsSettings()))
    peer.receive(P.Packet(P.CODE_REQUEST, 1, P.TYPE_IDENTITY))
    assert peer.receive(P.Packet(P.CODE_SUCCESS, 2)) == []
    assert peer.state == "IDENTITY"


def test_failure_is_reported():
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"me", tls=TlsSettings()))
    acts = peer.receive(P.Packet(P.CODE_FAILURE, 2))
    assert [type(a).__name__ for a in acts][-1] == "Done" and not acts[-1].ok


@pytest.mark.parametrize("frame", [b"", b"\x02\x00\x00\x10\x01", b"\x02\x00\x00\x05\x01\x01\x00\x03\x01",
                                   b"\x02\x00\x00\x04\x09\x01\x00\x04"])
def test_malformed_frames_are_dropped(frame):
    peer = EapPeer(EapSettings(methods=[P.TYPE_TLS], identity=b"me", tls=TlsSettings()))
    assert peer.receive_eapol(frame) == []


def test_done_repr_hides_the_msk():
    assert "msk" not in repr(Done(True, msk=b"\x01" * 64)).lower().replace("ok", "")
