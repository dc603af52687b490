"""802.1X through the core on the fake driver: EAP (MiniServer, a real TLS
server) between association and the 4-way handshake (the rsn tests'
authenticator, keyed with the server's MSK), the wpa_ctrl events and STATUS
lines, failures, and OpenSSL staying out of PSK-only daemons."""
import os
import subprocess
import sys

import pytest

pytest.importorskip("OpenSSL")

from eapserver import MiniServer  # noqa: E402
from harness import Harness  # noqa: E402
from test_rsn_handshake import AA, Authenticator, rsn_ie  # noqa: E402
from wispd.core import states  # noqa: E402
from wispd.drivers.ops import ScanResult  # noqa: E402
from wispd.eap import packet as P  # noqa: E402
from wispd.rsn.defs import AKM_8021X, KEY_GROUP, KEY_PAIRWISE  # noqa: E402

PASSWORD = "alice pw"


def conf(pki, password=PASSWORD):
    pw = '\tpassword="%s"\n' % password if password is not None else ""
    return ('network={\n\tssid="corp"\n\tkey_mgmt=WPA-EAP\n\teap=PEAP\n\tidentity="alice"\n'
            '%s\tca_cert="%s"\n\tphase2="auth=MSCHAPV2"\n}\n' % (pw, pki["ca"]))


@pytest.fixture
def corp(tmp_path, pki, request):
    auth = Authenticator()
    auth.rsne = rsn_ie(AKM_8021X)        # the KDF and MIC of 802.1X are PSK's
    ies = bytes((0, 4)) + b"corp" + auth.rsne
    password = getattr(request, "param", PASSWORD)
    x = Harness(tmp_path, conf(pki, password), [ScanResult(AA, 2437, ies=ies, signal=-40,
                                                            caps=0x0011)])
    c = x.client()
    c.request("ATTACH")
    yield x, auth, c
    x.close()


def run_eap(x, server):
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    pkt = server.first()
    for _ in range(200):
        x.driver.deliver_eapol(AA, P.eapol(P.EAPOL_EAP, pkt.build()))
        if pkt.code in (P.CODE_SUCCESS, P.CODE_FAILURE):
            return pkt.code
        x.run_until(lambda: x.driver.sent_eapol)
        _, frame = x.driver.sent_eapol.pop()
        del x.driver.sent_eapol[:]
        _, ptype, body = P.parse_eapol(frame)
        assert ptype == P.EAPOL_EAP
        pkt = server.handle(P.Packet.parse(body))
    raise AssertionError("EAP did not end")


def four_way(x, auth):
    x.driver.deliver_eapol(AA, auth.msg1())
    x.run_until(lambda: x.driver.sent_eapol)
    auth.take_msg2(x.driver.sent_eapol.pop()[1])
    x.driver.deliver_eapol(AA, auth.msg3())
    auth.take_msg4(x.driver.sent_eapol.pop()[1])


def test_peap_then_four_way_with_the_msk(corp, pki):
    x, auth, c = corp
    server = MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)
    assert run_eap(x, server) == P.CODE_SUCCESS
    c.wait_event("CTRL-EVENT-EAP-SUCCESS")
    auth.pmk = server.msk[:32]             # IEEE 802.11-2020 12.7.1.3: PMK = MSK[0:32]
    four_way(x, auth)
    assert c.wait_event("CTRL-EVENT-CONNECTED").startswith("CTRL-EVENT-CONNECTED")
    assert [k.kind for k in x.driver.keys] == [KEY_PAIRWISE, KEY_GROUP]
    assert x.driver.keys[0].key == auth.tk
    st = dict(line.split("=", 1) for line in c.request("STATUS").splitlines())
    assert st["key_mgmt"] == "WPA2/IEEE 802.1X/EAP"
    assert st["EAP state"] == "SUCCESS" and st["selectedMethod"] == "25 (EAP-PEAP)"
    assert st["suppPortStatus"] == "Authorized"
    assert st["Supplicant PAE state"] == "AUTHENTICATED"
    # The compact protocol's status and `wisp status` show it too.
    from wispd import cli
    from wispd.control.commands import Context
    from wispd.control.ops_link import h_status_full
    full = h_status_full(Context(x.daemon, x.iface))
    assert full["link"]["eap"]["EAP state"] == "SUCCESS"
    assert full["link"]["eap"]["selectedMethod"] == "25 (EAP-PEAP)"
    assert full["link"]["eap"]["eap_tls_version"] == "TLSv1.2"

    class FakeClient:
        def status(self):
            return full

    class Args:
        json = False
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.cmd_status(FakeClient(), Args())
    assert "eap        25 (EAP-PEAP) SUCCESS TLSv1.2" in out.getvalue()


def test_events_of_an_eap_run(corp, pki):
    x, auth, c = corp
    run_eap(x, MiniServer(pki, P.TYPE_PEAP, password=PASSWORD))
    for prefix in ("CTRL-EVENT-EAP-STARTED EAP authentication started",
                   "CTRL-EVENT-EAP-STATUS status='started' parameter=''",
                   "CTRL-EVENT-EAP-PROPOSED-METHOD vendor=0 method=25",
                   "CTRL-EVENT-EAP-STATUS status='accept proposed method' parameter='PEAP'",
                   "CTRL-EVENT-EAP-METHOD EAP vendor 0 method 25 (PEAP) selected",
                   "CTRL-EVENT-EAP-PEER-CERT depth=0 subject='/O=wispd unit/CN=server.example.com'",
                   "CTRL-EVENT-EAP-PEER-ALT depth=0 DNS:server.example.com",
                   "CTRL-EVENT-EAP-STATUS status='remote certificate verification' "
                   "parameter='success'",
                   "CTRL-EVENT-EAP-STATUS status='completion' parameter='success'",
                   "CTRL-EVENT-EAP-SUCCESS EAP authentication completed successfully"):
        c.wait_event(prefix)


@pytest.mark.parametrize("corp", ["not the password"], indirect=True)
def test_wrong_password_is_auth_failed_and_temp_disabled(corp, pki):
    x, auth, c = corp
    assert run_eap(x, MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)) == P.CODE_FAILURE
    c.wait_event("CTRL-EVENT-EAP-FAILURE EAP authentication failed")
    ev = c.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED")
    assert ev.endswith("reason=AUTH_FAILED"), ev
    assert c.request("PING") == "PONG\n"
    log_text = "".join(c.events)
    assert "not the password" not in log_text


def test_rogue_server_gets_no_credentials(corp, pki):
    x, auth, c = corp
    server = MiniServer(pki, P.TYPE_PEAP, server="rogue", password=PASSWORD)
    assert run_eap(x, server) == P.CODE_FAILURE
    assert not any(s.startswith("phase2") for s in server.saw)
    c.wait_event("CTRL-EVENT-EAP-TLS-CERT-ERROR reason=1 depth=0")
    c.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED")


def test_silent_authenticator_gets_eapol_start_then_times_out(corp, pki):
    x, auth, c = corp
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    x.run_until(lambda: x.driver.sent_eapol, timeout=5)
    assert P.parse_eapol(x.driver.sent_eapol[0][1])[1] == P.EAPOL_START


def test_openssl_stays_out_of_start_path_and_psk():
    """The start path and a WPA2-PSK connection import no EAP or TLS module."""
    here = os.path.dirname(os.path.abspath(__file__))
    unit = os.path.dirname(here)
    code = (
        "import sys; sys.path[:0] = [%r, %r, %r]\n"
        "import conftest\n"
        "import test_station_wpa2 as t, tempfile, pathlib\n"
        "from test_rsn_handshake import Authenticator\n"
        "from harness import Harness\n"
        "auth = Authenticator()\n"
        "x = Harness(pathlib.Path(tempfile.mkdtemp()), t.NET, [t.ap_result(auth)])\n"
        "t.handshake(x, auth)\n"
        "x.run_until(lambda: x.iface.wpa_state == 'COMPLETED')\n"
        "x.close()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('wispd.eap', 'wispd.core.eapauth',"
        " 'OpenSSL', 'cryptography'))))\n") % (unit, os.path.join(unit, "core"),
                                               os.path.join(unit, "rsn"))
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                       check=True, timeout=60)
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_pmksa_cache_skips_eap_on_reconnect(corp, pki):
    from wispd.rsn import ie as rsnie
    from wispd.rsn.kdf import pmkid
    x, auth, c = corp
    server = MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)
    run_eap(x, server)
    auth.pmk = server.msk[:32]
    four_way(x, auth)
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert rsnie.parse_rsn_ie(x.driver.associations[-1].wpa_ie).pmkids == ()
    c.events.clear()
    x.driver.drop_link(reason=3)
    x.run_until(lambda: len(x.driver.associations) == 2, timeout=30)
    offered = rsnie.parse_rsn_ie(x.driver.associations[-1].wpa_ie).pmkids
    assert list(offered) == [pmkid(auth.pmk, AA, x.iface.addr, AKM_8021X)]
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    del x.driver.sent_eapol[:]
    auth.replay = 10
    four_way(x, auth)                      # message 1 at once: the AP kept the PMKSA
    c.wait_event("CTRL-EVENT-CONNECTED")
    assert not any("EAP-STARTED" in e for e in c.events)


@pytest.mark.parametrize("corp", [None], indirect=True)
def test_password_asked_for_and_given(corp, pki, caplog):
    """No password: CTRL-REQ-PASSWORD, then wpa_cli's `password 0 ...`
    (CTRL-RSP-PASSWORD-0:...) and the server's retransmission goes on."""
    x, auth, c = corp
    server = MiniServer(pki, P.TYPE_PEAP, password=PASSWORD)
    x.run_until(lambda: x.iface.wpa_state == states.ASSOCIATED)
    x.driver.deliver_eapol(AA, P.eapol(P.EAPOL_EAP, server.first().build()))
    x.run_until(lambda: x.driver.sent_eapol)
    _, _, body = P.parse_eapol(x.driver.sent_eapol.pop()[1])
    start = server.handle(P.Packet.parse(body))
    x.driver.deliver_eapol(AA, P.eapol(P.EAPOL_EAP, start.build()))
    assert c.wait_event("CTRL-REQ-PASSWORD-0:") == "CTRL-REQ-PASSWORD-0:Password needed for SSID corp"
    assert x.driver.sent_eapol == []                 # nothing sent without the password
    with caplog.at_level("DEBUG", logger="wispd"):
        assert c.request("CTRL-RSP-PASSWORD-0:" + PASSWORD) == "OK\n"
    assert c.request("CTRL-RSP-IDENTITY-0:x") == "FAIL\n"
    assert c.request("CTRL-RSP-PASSWORD-7:x") == "FAIL\n"
    assert PASSWORD not in caplog.text
    assert c.request("GET_NETWORK 0 password") == "*"
    x.driver.deliver_eapol(AA, P.eapol(P.EAPOL_EAP, start.build()))   # the retransmission
    pkt = None
    for _ in range(100):
        x.run_until(lambda: x.driver.sent_eapol)
        _, _, body = P.parse_eapol(x.driver.sent_eapol.pop()[1])
        pkt = server.handle(P.Packet.parse(body))
        x.driver.deliver_eapol(AA, P.eapol(P.EAPOL_EAP, pkt.build()))
        if pkt.code == P.CODE_SUCCESS:
            break
    assert pkt.code == P.CODE_SUCCESS
    c.wait_event("CTRL-EVENT-EAP-SUCCESS")
