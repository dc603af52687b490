"""802.1X/EAP scenarios (issue 16), the same test code against wispd and Debian's
wpa_supplicant 2.10: hostapd's integrated EAP server with a PKI made at test
time by `openssl` (hwsimlib/certs.py), EAP-TLS over TLS 1.2 and 1.3,
PEAPv0/EAP-MSCHAPv2, TTLS with PAP and MSCHAPv2, WPA-EAP-SHA256 with PMF
required, a wrong password, rogue server certificates (another CA, another
domain) and a small fragment_size."""
import os
import re
import subprocess

import pytest

from hwsimlib import RUN_DIR
from hwsimlib.certs import CLIENT_KEY_PASSPHRASE, SERVER_NAME, make_pki
from hwsimlib.datapath import assert_data_path
from hwsimlib.hostapd import ap_config
from hwsimlib.station import network

SSID = "wispd-eap"
USER = "alice"
PASSWORD = "alice's secret 77"
# hostapd -d logs this (a key hexdump label) each time it sends into the PEAP tunnel:
# the first time is phase 2's Identity request, so it is absent until the tunnel is up.
PHASE2_MARKER = "EAP-PEAP: Encrypting Phase 2"


def _ap_log(ap):
    with open(ap.log_path, errors="replace") as f:
        return f.read()


@pytest.fixture(scope="module")
def pki():
    return make_pki(os.path.join(RUN_DIR, "pki"))


def _q(text):
    return '"%s"' % text


def eap_ap(pki, server="server", key_mgmt="WPA-EAP", **extra):
    users = os.path.join(RUN_DIR, "pki", "eap_users")
    with open(users, "w") as f:
        f.write('"tls-client" TLS\n'
                '"%s" PEAP,TTLS\n'
                '"anonymous@example.com" PEAP,TTLS\n'
                '"%s" MSCHAPV2,TTLS-PAP,TTLS-MSCHAPV2 "%s" [2]\n' % (USER, USER, PASSWORD))
    c = ap_config(SSID, security="open", wpa=2, wpa_key_mgmt=key_mgmt, rsn_pairwise="CCMP",
                  ieee8021x=1, eap_server=1, eap_user_file=users, ca_cert=pki["ca"],
                  server_cert=pki[server], private_key=pki[server + "_key"])
    c.update(extra)
    return c


def tls_net(pki, freq, **kw):
    n = network(SSID, key_mgmt="WPA-EAP", eap="TLS", identity="tls-client",
                ca_cert=_q(pki["ca"]), client_cert=_q(pki["client"]),
                private_key=_q(pki["client_key"]),
                private_key_passwd=_q(CLIENT_KEY_PASSPHRASE), scan_freq=freq)
    n.update(kw)
    return n


def pw_net(pki, freq, method, phase2, password=PASSWORD, **kw):
    n = network(SSID, key_mgmt="WPA-EAP", eap=method, identity=USER,
                anonymous_identity="anonymous@example.com", password=password,
                ca_cert=_q(pki["ca"]), phase2=_q(phase2), scan_freq=freq)
    n.update(kw)
    return n


def _eap_connected(ap, sta, timeout=60):
    ev = sta.wait_event(["CTRL-EVENT-EAP-SUCCESS", "CTRL-EVENT-EAP-FAILURE"], timeout=timeout)
    assert ev is not None and "EAP-SUCCESS" in ev, (ev, sta.events_seen())
    st = sta.wait_connected(timeout=30)
    ap.wait_sta_authorized(sta.mac)
    return st


def _assert_eap_events(sta, method):
    seen = sta.events_seen()
    for prefix in ("CTRL-EVENT-EAP-STARTED EAP authentication started",
                   "CTRL-EVENT-EAP-PROPOSED-METHOD vendor=0 method=%d" % method,
                   "CTRL-EVENT-EAP-METHOD EAP vendor 0 method %d" % method,
                   "CTRL-EVENT-EAP-PEER-CERT depth=0 subject=",
                   "CTRL-EVENT-EAP-STATUS status='completion' parameter='success'"):
        assert any(e.startswith(prefix) for e in seen), (prefix, seen)


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_eap_tls_with_group_rekey(make_ap, make_station, pki, tls):
    extra = {"tls_flags": "[ENABLE-TLSv1.3]"} if tls == "1.3" else {}
    ap = make_ap(eap_ap(pki, wpa_group_rekey=8, **extra))
    phase1 = "tls_disable_tlsv1_3=0" if tls == "1.3" else "tls_disable_tlsv1_3=1"
    sta = make_station([tls_net(pki, ap.freq, phase1=_q(phase1))])
    st = _eap_connected(ap, sta)
    assert st["key_mgmt"] == "WPA2/IEEE 802.1X/EAP", st
    assert st.get("EAP state") == "SUCCESS", st
    assert st.get("selectedMethod", "").startswith("13 "), st
    assert st.get("eap_tls_version") == "TLSv" + tls, st
    _assert_eap_events(sta, 13)
    assert_data_path(ap.iface, sta.iface, broadcast=False)
    ev = sta.wait_event("WPA: Group rekeying completed", timeout=30)
    assert ev is not None, sta.events_seen()
    assert_data_path(ap.iface, sta.iface)


@pytest.mark.parametrize("method,phase2", [("PEAP", "auth=MSCHAPV2"),
                                           ("TTLS", "auth=PAP"),
                                           ("TTLS", "auth=MSCHAPV2")],
                         ids=["peap_mschapv2", "ttls_pap", "ttls_mschapv2"])
def test_password_methods(make_ap, make_station, pki, method, phase2):
    ap = make_ap(eap_ap(pki))
    sta = make_station([pw_net(pki, ap.freq, method, phase2,
                               domain_suffix_match=_q("example.com"))])
    _eap_connected(ap, sta)
    _assert_eap_events(sta, {"PEAP": 25, "TTLS": 21}[method])
    if method == "PEAP":
        assert PHASE2_MARKER in _ap_log(ap)
    assert_data_path(ap.iface, sta.iface)


def _station_dump(iface):
    return subprocess.run(["iw", "dev", iface, "station", "dump"], capture_output=True,
                          text=True, timeout=10).stdout


def test_wpa_eap_sha256_pmf_required(make_ap, make_station, pki):
    ap = make_ap(eap_ap(pki, key_mgmt="WPA-EAP-SHA256", ieee80211w=2))
    sta = make_station([tls_net(pki, ap.freq, key_mgmt="WPA-EAP-SHA256", ieee80211w=2)])
    st = _eap_connected(ap, sta)
    assert st["key_mgmt"] == "WPA2-EAP-SHA256", st
    assert st.get("pmf") == "2", st
    assert re.search(r"MFP:\s+yes", _station_dump(sta.iface)), _station_dump(sta.iface)
    assert_data_path(ap.iface, sta.iface)


def _refused(sta, timeout=60):
    ev = sta.wait_event(["CTRL-EVENT-EAP-FAILURE", "CTRL-EVENT-CONNECTED"], timeout=timeout)
    assert ev is not None and "EAP-FAILURE" in ev, (ev, sta.events_seen())
    ev = sta.wait_event("CTRL-EVENT-SSID-TEMP-DISABLED", timeout=30)
    assert ev is not None, sta.events_seen()
    assert "reason=AUTH_FAILED" in ev, ev
    assert sta.request("PING").strip() == "PONG"
    assert sta.status()["wpa_state"] != "COMPLETED"
    return ev


def test_wrong_password(make_ap, make_station, pki):
    ap = make_ap(eap_ap(pki))
    sta = make_station([pw_net(pki, ap.freq, "PEAP", "auth=MSCHAPV2",
                               password="not the password")])
    _refused(sta)
    assert "[AUTHORIZED]" not in ap.all_sta().get(sta.mac, {}).get("flags", "")


@pytest.mark.parametrize("server,constraint", [("rogue", {}),
                                               ("otherdom", {}),
                                               ("server", {"domain_match": '"other.example.com"'})],
                         ids=["other_ca", "wrong_domain_suffix", "wrong_domain_match"])
def test_rogue_server_certificate(make_ap, make_station, pki, server, constraint):
    ap = make_ap(eap_ap(pki, server=server))
    kw = {"domain_suffix_match": _q("example.com")}
    kw.update(constraint)
    sta = make_station([pw_net(pki, ap.freq, "PEAP", "auth=MSCHAPV2", **kw)])
    _refused(sta)
    assert any(e.startswith("CTRL-EVENT-EAP-TLS-CERT-ERROR") for e in sta.events_seen()), \
        sta.events_seen()
    # The tunnel never came up, so the inner method never ran: hostapd never
    # saw an MSCHAPv2 response (no credentials left the station).
    log = _ap_log(ap)
    assert "EAP-PEAP" in log and PHASE2_MARKER not in log, ap.log_tail(80)


def test_small_fragment_size(make_ap, make_station, pki):
    ap = make_ap(eap_ap(pki, fragment_size=300))
    sta = make_station([tls_net(pki, ap.freq, fragment_size=300)])
    _eap_connected(ap, sta)
    assert_data_path(ap.iface, sta.iface)


def test_secrets_not_in_logs_or_replies(make_ap, make_station, pki):
    ap = make_ap(eap_ap(pki))
    sta = make_station([pw_net(pki, ap.freq, "TTLS", "auth=PAP")])
    _eap_connected(ap, sta)
    replies = sta.request("GET_NETWORK 0 password") + sta.request("STATUS-VERBOSE") + \
        sta.request("GET_NETWORK 0 private_key_passwd")
    assert PASSWORD not in replies
    if sta.kind == "wispd":
        with open(sta.log_path, errors="replace") as f:
            assert PASSWORD not in f.read()


def test_pmksa_caching_skips_eap(make_ap, make_station, pki):
    ap = make_ap(eap_ap(pki))
    sta = make_station([pw_net(pki, ap.freq, "PEAP", "auth=MSCHAPV2")])
    _eap_connected(ap, sta)
    before = _ap_log(ap).count("CTRL-EVENT-EAP-STARTED")
    assert before >= 1
    sta.request("DISCONNECT")
    assert sta.wait_event("CTRL-EVENT-DISCONNECTED", timeout=15) is not None
    sta.request("RECONNECT")
    ev = sta.wait_event(["CTRL-EVENT-CONNECTED", "CTRL-EVENT-EAP-STARTED"], timeout=40)
    assert ev is not None and "CTRL-EVENT-CONNECTED" in ev, (ev, sta.events_seen())
    ap.wait_sta_authorized(sta.mac)
    log = _ap_log(ap)
    assert log.count("CTRL-EVENT-EAP-STARTED") == before, ap.log_tail(80)
    assert "PMKID found from PMKSA cache" in log
    assert_data_path(ap.iface, sta.iface)


def test_rss_and_connect_time_report(make_ap, make_station, pki, radios):
    """A benchmark, not a pass/fail test: the station's RSS once connected with
    EAP-TLS and with WPA2-PSK (same process kind, same boot), and the time from
    the supplicant's start to CTRL-EVENT-CONNECTED.  The figures go to
    eap-figures.txt in the logs (docs/enterprise.md quotes them)."""
    import time

    from hwsimlib import log_dir, rss_kb
    figures = {}
    ap = make_ap(eap_ap(pki))
    t0 = time.monotonic()
    sta = make_station([tls_net(pki, ap.freq)])
    _eap_connected(ap, sta)
    figures["eap_tls_connect_s"] = round(time.monotonic() - t0, 2)
    time.sleep(1)
    figures["eap_tls_rss_kb"] = rss_kb(sta.proc.pid)
    sta.stop()
    ap.stop()
    psk_ap = make_ap(ap_config("wispd-psk", passphrase="correct horse battery"))
    t0 = time.monotonic()
    sta2 = make_station([network("wispd-psk", psk="correct horse battery",
                                 scan_freq=psk_ap.freq)])
    sta2.wait_connected(timeout=30)
    figures["psk_connect_s"] = round(time.monotonic() - t0, 2)
    time.sleep(1)
    figures["psk_rss_kb"] = rss_kb(sta2.proc.pid)
    line = "%s %s\n" % (sta.kind, " ".join("%s=%s" % kv for kv in sorted(figures.items())))
    print(line)
    with open(os.path.join(log_dir(), "eap-figures.txt"), "a") as f:
        f.write(line)
    assert all(v > 0 for v in figures.values())


def test_expired_client_certificate(make_ap, make_station, pki):
    ap = make_ap(eap_ap(pki))
    net = tls_net(pki, ap.freq, client_cert=_q(pki["expired"]), private_key=_q(pki["expired_key"]))
    del net["private_key_passwd"]          # that key is not encrypted
    sta = make_station([net])
    _refused(sta)


def _world_readable_files(top):
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.stat(path).st_mode & 0o004:
                    yield path
            except OSError:
                pass


@pytest.mark.supplicants("wispd")       # wpa_supplicant has no provisioning file
def test_provisioned_client_key_with_passphrase(make_ap, make_station, pki, supplicant):
    """EAP-TLS from a wispd.toml on a "boot partition" with the certificates and
    an encrypted key beside it; they end up root-only and gone from the boot
    directory."""
    import shutil
    bootdir = os.path.join(RUN_DIR, "boot-eap")
    shutil.rmtree(bootdir, ignore_errors=True)
    os.makedirs(bootdir)
    for name, src in (("ca.pem", pki["ca"]), ("device.pem", pki["client"]),
                      ("device.key", pki["client_key"])):
        shutil.copy(src, os.path.join(bootdir, name))
        os.chmod(os.path.join(bootdir, name), 0o755)      # FAT: world-readable
    ap = make_ap(eap_ap(pki))
    with open(os.path.join(bootdir, "wispd.toml"), "w") as f:
        f.write('version = 1\n[[network]]\nssid = "%s"\neap = "TLS"\nidentity = "tls-client"\n'
                'ca_cert = "ca.pem"\nclient_cert = "device.pem"\nprivate_key = "device.key"\n'
                'private_key_passwd = "%s"\ndomain_suffix_match = "%s"\n'
                % (SSID, CLIENT_KEY_PASSPHRASE, SERVER_NAME))
    state = os.path.join(RUN_DIR, "state-eap")
    sta = make_station([], extra_args=["--provision", os.path.join(bootdir, "wispd.toml"),
                                       "--state-dir", state])
    _eap_connected(ap, sta)
    assert os.listdir(bootdir) == []
    certs = os.path.join(os.path.dirname(sta.conf_path), "certs")
    assert oct(os.stat(certs).st_mode & 0o777) == "0o700"
    assert oct(os.stat(sta.conf_path).st_mode & 0o777) == "0o600"
    replies = "".join(sta.request(c) for c in ("GET_NETWORK 0 private_key_passwd",
                                                "GET_NETWORK 0 private_key", "STATUS-VERBOSE",
                                                "LIST_NETWORKS"))
    assert CLIENT_KEY_PASSPHRASE not in replies
    secret = CLIENT_KEY_PASSPHRASE.encode()
    # What wispd wrote (the station's directory: config, certs/, sockets), its
    # state directory and the boot directory; the harness's own files for other
    # tests hold secrets in their configs and are not wispd's.
    for top in (os.path.dirname(sta.conf_path), state, bootdir):
        for path in _world_readable_files(top):
            with open(path, "rb") as f:
                assert secret not in f.read(), path
    with open(sta.log_path, "rb") as f:
        assert secret not in f.read()
    assert_data_path(ap.iface, sta.iface)


def test_password_requested_over_control(make_ap, make_station, pki):
    """A PEAP network without a password: CTRL-REQ-PASSWORD, then wpa_cli's
    `password` command (CTRL-RSP-PASSWORD-<id>:...) and the connection goes on."""
    ap = make_ap(eap_ap(pki))
    net = pw_net(pki, ap.freq, "PEAP", "auth=MSCHAPV2")
    del net["password"]
    sta = make_station([net])
    ev = sta.wait_event("CTRL-REQ-PASSWORD-0:", timeout=40)
    assert ev is not None, sta.events_seen()
    assert ev.endswith("CTRL-REQ-PASSWORD-0:Password needed for SSID %s" % SSID), ev
    assert sta.request("CTRL-RSP-PASSWORD-0:" + PASSWORD).strip() == "OK"
    _eap_connected(ap, sta)
    assert_data_path(ap.iface, sta.iface)
