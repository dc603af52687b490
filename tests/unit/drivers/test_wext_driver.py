"""WextDriver against a recording fake ioctl: the order and content of the
requests (association sequence, keys, scans, deauth) in both ABIs, and the
typed events it makes of wireless events.  init() on the host's real kernel:
a non-wireless interface is refused."""
import errno
import struct

import pytest

from wispd.drivers import events as ev
from wispd.rsn.defs import AKM_PSK, CIPHER_CCMP
from wispd.drivers.ops import (
    KEY_GROUP, KEY_PAIRWISE, AssocParams, DriverError, DriverInitError, KeyParams, ScanParams)
from wispd.drivers.wext import abi as w
from wispd.drivers.wext.driver import WextDriver
from wispd.drivers.wext.ioctl import WextIoctl
from wispd.platform.eloop import Eloop

BSSID = bytes.fromhex("020000000000")
RSN = bytes.fromhex("30140100000fac040100000fac040100000fac020000")
NAMES = {v: k for k, v in vars(w).items() if k.startswith("SIOC")}


class BufferMap:
    """Gives each w.Buffer a small fake address (so that the 32-bit layout can
    be packed on a 64-bit host) and finds the buffer again from it."""

    def __init__(self):
        self.by_addr = {}
        self.by_id = {}

    def address(self, buf):
        addr = self.by_id.get(id(buf))
        if addr is None:
            addr = self.by_id[id(buf)] = 0x1000 + 0x1000 * len(self.by_id)
        self.by_addr[addr] = buf
        return addr

    def read(self, addr, length):
        return self.by_addr[addr].arr.tobytes()[:length]

    def write(self, addr, data):
        arr = self.by_addr[addr].arr
        arr[:len(data)] = type(arr)("B", data)


class FakeKernel:
    def __init__(self, abi, mem):
        self.abi = abi
        self.mem = mem
        self.calls = []              # (name, iwreq bytes, pointed-to bytes or None)
        self.connected = None
        self.scan_data = b""
        self.mode = w.IW_MODE_INFRA

    def ioctl(self, drv, request, req):
        name = NAMES[request]
        data = None
        if request in w.POINT_CMDS or request in (w.SIOCSIWENCODEEXT, w.SIOCSIWMLME):
            addr, length, flags = self.abi.point_of(req)
            data = self.mem.read(addr, length) if addr and length else b""
        self.calls.append((name, bytes(req), data))
        if request == w.SIOCGIWAP:
            req[16:32] = w.sockaddr(self.connected or b"\0" * 6).ljust(16, b"\0")
        elif request == w.SIOCGIWMODE:
            req[16:20] = struct.pack("=I", self.mode)
        elif request == w.SIOCGIWSCAN:
            addr, length, flags = self.abi.point_of(req)
            if length < len(self.scan_data):
                raise DriverError("E2BIG", errno.E2BIG)
            self.mem.write(addr, self.scan_data)
            req[:] = self.abi.iwreq_point("wlan1", addr, len(self.scan_data), 0)
        return req

    def names(self):
        return [c[0] for c in self.calls]


@pytest.fixture(params=[w.ABI32, w.ABI64], ids=["32", "64"])
def setup(request, monkeypatch):
    abi = request.param
    mem = BufferMap()
    monkeypatch.setattr(w.Buffer, "address", property(mem.address))
    loop = Eloop()
    events = []
    drv = WextDriver(loop, "wlan1", events.append, abi=abi)
    kern = FakeKernel(abi, mem)
    drv.iw = WextIoctl("wlan1", abi, sock=object())
    drv.iw.call = lambda req_no, req: kern.ioctl(drv, req_no, req)
    drv.ifindex = 7
    drv.phy = "phy1"
    drv.mac = bytes.fromhex("020000000100")
    drv.range = {"we_version": 22, "scan_capa": 5, "freqs": [2412], "enc_capa": 0xf}
    yield drv, kern, events, loop
    loop.close()


def test_associate_sequence(setup):
    drv, kern, events, _ = setup
    drv.associate(AssocParams(BSSID, b"wispd-wpa2", 2437, wpa_ie=RSN, pairwise=CIPHER_CCMP,
                              group=CIPHER_CCMP, akm=AKM_PSK, wpa_versions=2, privacy=True))
    names = kern.names()
    assert names[:3] == ["SIOCGIWAP", "SIOCSIWESSID", "SIOCGIWMODE"]
    assert names[-4:] == ["SIOCSIWGENIE", "SIOCSIWFREQ", "SIOCSIWAP", "SIOCSIWESSID"]
    # the ESSID is cleared first and set last
    first, last = kern.calls[1], kern.calls[-1]
    assert kern.abi.point_of(first[1])[1:] == (0, 0) and first[2] == b""
    assert kern.abi.point_of(last[1])[1:] == (10, 1) and last[2] == b"wispd-wpa2"
    auths = {}
    for name, req, _ in kern.calls:
        if name == "SIOCSIWAUTH":
            value, _fixed, _dis, index = struct.unpack_from("=iBBH", req, 16)
            auths[index] = value
    assert auths[w.IW_AUTH_WPA_VERSION] == w.IW_AUTH_WPA_VERSION_WPA2
    assert auths[w.IW_AUTH_CIPHER_PAIRWISE] == w.IW_AUTH_CIPHER_CCMP
    assert auths[w.IW_AUTH_CIPHER_GROUP] == w.IW_AUTH_CIPHER_CCMP
    assert auths[w.IW_AUTH_KEY_MGMT] == w.IW_AUTH_KEY_MGMT_PSK
    assert auths[w.IW_AUTH_80211_AUTH_ALG] == w.IW_AUTH_ALG_OPEN_SYSTEM
    assert auths[w.IW_AUTH_DROP_UNENCRYPTED] == 1 and auths[w.IW_AUTH_PRIVACY_INVOKED] == 1
    assert auths[w.IW_AUTH_MFP] == w.IW_AUTH_MFP_DISABLED
    genie = kern.calls[-4]
    assert genie[2] == RSN
    freq = kern.calls[-3][1]
    assert struct.unpack_from("=ihBB", freq, 16) == (243700000, 1, 0, w.IW_FREQ_FIXED)
    assert kern.calls[-2][1][16:24] == b"\x01\x00" + BSSID


def test_open_associate_clears_wpa(setup):
    drv, kern, _, _ = setup
    drv.associate(AssocParams(BSSID, b"open", 2412))
    auths = {struct.unpack_from("=iBBH", r, 16)[3]: struct.unpack_from("=i", r, 16)[0]
             for n, r, _ in kern.calls if n == "SIOCSIWAUTH"}
    assert auths[w.IW_AUTH_WPA_VERSION] == w.IW_AUTH_WPA_VERSION_DISABLED
    assert auths[w.IW_AUTH_KEY_MGMT] == 0 and auths[w.IW_AUTH_PRIVACY_INVOKED] == 0
    assert [d for n, _, d in kern.calls if n == "SIOCSIWGENIE"] == [b""]


def test_keys(setup):
    drv, kern, _, _ = setup
    drv.conn.bssid = BSSID
    tk = bytes(range(16))
    drv.set_key(KeyParams(KEY_PAIRWISE, CIPHER_CCMP, 0, tk, addr=BSSID, set_tx=True))
    drv.set_key(KeyParams(KEY_GROUP, CIPHER_CCMP, 1, tk[::-1], seq=b"\x05\0\0\0\0\0"))
    (n1, r1, d1), (n2, r2, d2) = kern.calls
    assert n1 == n2 == "SIOCSIWENCODEEXT"
    assert kern.abi.point_of(r1)[1:] == (56, 1)          # 40 + key, index 0 + 1
    assert d1 == w.encode_ext(w.IW_ENCODE_ALG_CCMP, tk, addr=BSSID, set_tx=True)
    assert kern.abi.point_of(r2)[1:] == (56, 2)
    assert d2[0:4] == b"\x06\0\0\0" and d2[12:20] == b"\x05" + b"\0" * 7
    assert d2[22:28] == b"\xff" * 6 and d2[40:] == tk[::-1]
    kern.calls.clear()
    drv.clear_keys()
    assert [kern.abi.point_of(r)[2] for _, r, _ in kern.calls] == \
        [w.IW_ENCODE_DISABLED | i for i in (1, 2, 3, 4)]


def test_scan_requests(setup):
    drv, kern, events, loop = setup
    drv.scan(ScanParams(ssids=[b""]))
    name, req, data = kern.calls[-1]
    assert name == "SIOCSIWSCAN" and kern.abi.point_of(req) == (0, 0, 0)
    drv.scan(ScanParams(ssids=[b"", b"hidden"], freqs=[2437]))
    name, req, data = kern.calls[-1]
    assert kern.abi.point_of(req)[1:] == (316, w.IW_SCAN_THIS_ESSID | w.IW_SCAN_THIS_FREQ)
    assert data == w.scan_req(b"hidden", [2437])
    loop.run_once(max_wait=0)
    assert events == [ev.ScanStarted(), ev.ScanStarted()]


def test_scan_results_grow_on_e2big(setup):
    drv, kern, _, _ = setup
    one = (kern.abi.event(w.SIOCGIWAP, w.sockaddr(BSSID))
           + kern.abi.point_event(w.SIOCGIWESSID, b"x" * 32, 1)
           + kern.abi.point_event(w.IWEVGENIE, b"\xdd\xff" + b"\0" * 255 * 20))
    kern.scan_data = one
    assert len(one) > 4096
    (r,) = drv.get_scan_results()
    assert r.bssid == BSSID
    sizes = [kern.abi.point_of(req)[1] for n, req, _ in kern.calls if n == "SIOCGIWSCAN"]
    assert sizes == [4096, 8192]


def test_deauth_mlme(setup):
    drv, kern, events, _ = setup
    drv.conn.associated, drv.conn.bssid = True, BSSID
    drv.deauthenticate(BSSID, 3)
    name, req, data = kern.calls[0]
    assert name == "SIOCSIWMLME" and data == w.mlme(w.IW_MLME_DEAUTH, 3, BSSID)
    # on cfg80211 the pending BSSID and ESSID are forgotten too
    assert kern.names()[1:] == ["SIOCSIWAP", "SIOCSIWESSID"]
    assert kern.calls[1][1][16:24] == b"\x01\x00" + b"\0" * 6 and kern.calls[2][2] == b""
    drv.handle_wireless(kern.abi.event(w.SIOCGIWAP, w.sockaddr(b"\0" * 6)))
    assert events == [ev.Disconnected(bssid=BSSID, reason=3, locally_generated=True,
                                      kind="disconnect")]


def test_wireless_events_to_typed_events(setup):
    drv, kern, events, _ = setup
    a = kern.abi
    drv.associate(AssocParams(BSSID, b"n", 2412, wpa_ie=RSN))
    drv.handle_wireless(a.point_event(w.IWEVASSOCREQIE, RSN + b"\xdd\x00")
                        + a.point_event(w.IWEVASSOCRESPIE, b"\x01\x01\x82")
                        + a.event(w.SIOCGIWAP, w.sockaddr(BSSID)))
    assert events == [ev.Associated(bssid=BSSID, freq=2412, req_ies=RSN + b"\xdd\x00",
                                    resp_ies=b"\x01\x01\x82", authorized=False)]
    assert drv.get_bssid() == BSSID and drv.get_ssid() == b"n"
    drv.handle_wireless(a.point_event(w.IWEVMICHAELMICFAILURE,
                                      struct.pack("=I", 0x9) + w.sockaddr(BSSID) + b"\0" * 8))
    assert events[-1] == ev.MichaelMicFailure(src=BSSID, unicast=True, key_index=1)
    drv.handle_wireless(a.event(w.SIOCGIWAP, w.sockaddr(b"\0" * 6)))
    assert events[-1] == ev.Disconnected(bssid=BSSID, reason=0, locally_generated=False,
                                         kind="disconnect")
    # a failed attempt: zeros while connecting
    drv.associate(AssocParams(BSSID, b"n", 2412))
    drv.handle_wireless(a.event(w.SIOCGIWAP, w.sockaddr(b"\0" * 6)))
    assert events[-1] == ev.AssocRejected(bssid=BSSID, status=1, timed_out=False)


def test_reassociate_skips_loss_of_the_old_link(setup):
    drv, kern, events, _ = setup
    a = kern.abi
    kern.connected = BSSID
    drv.associate(AssocParams(BSSID, b"n", 2412))
    drv.handle_wireless(a.event(w.SIOCGIWAP, w.sockaddr(b"\0" * 6)))     # the old link
    assert events == []
    drv.handle_wireless(a.event(w.SIOCGIWAP, w.sockaddr(BSSID)))
    assert isinstance(events[-1], ev.Associated)


def test_scan_done_event(setup):
    drv, kern, events, loop = setup
    drv.scan(ScanParams(freqs=[2412]))
    drv.handle_wireless(kern.abi.point_event(w.SIOCGIWSCAN, b""))
    assert events[-1] == ev.ScanDone(freqs=[2412])
    assert not loop.is_timeout_registered(drv._scan_timeout)


def test_capabilities_never_claim_pmf(setup):
    drv, _, _, _ = setup
    capa = drv._capabilities(drv.range)
    assert capa.wext and not capa.pmf and not capa.sae and not capa.sme and capa.connect
    assert CIPHER_CCMP in capa.ciphers and AKM_PSK in capa.akms


@pytest.mark.parametrize("ifname,code", [("lo", None), ("nonexist0", errno.ENODEV)])
def test_init_refuses_non_wireless(ifname, code):
    loop = Eloop()
    drv = WextDriver(loop, ifname, lambda e: None)
    with pytest.raises(DriverInitError) as info:
        drv.init()
    if code:
        assert info.value.errno == code
    else:
        assert "no wireless extensions" in str(info.value)
    assert drv.iw is None and drv.rtnl is None
    loop.close()


def test_wext_does_not_import_nl80211():
    import subprocess
    import sys
    code = ("import sys, wispd.drivers.ops as d; d.driver_class('wext'); "
            "bad = [m for m in sys.modules if 'nl80211' in m or m == 'pyroute2.netlink.generic']; "
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stdout


def test_no_connection_quality_monitor(setup):
    drv, kern, events, _ = setup
    assert drv.set_cqm(-70, 4) is False
    assert kern.calls == [] and events == []
