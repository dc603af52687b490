"""802.11r in the security plan and on the interface (issue 17): which AKM a
network with FT-PSK/FT-SAE gets from an AP (wpa_supplicant 2.10's order: FT-SAE,
SAE, FT-PSK, then the PSK AKMs), PMF with FT-SAE, the MDE in the association, and
the interface's PMK-R0 store (core/ftauth.FtKeys)."""
import struct

import pytest

from wispd.config import wpaconf
from wispd.core import ftauth, security
from wispd.core.bss import Bss
from wispd.core.saeauth import SaeKeys
from wispd.drivers.ops import Capabilities, ScanResult
from wispd.rsn import ie as rsnie
from wispd.rsn.defs import AKM_FT_PSK, AKM_FT_SAE, AKM_PSK, AKM_SAE, CIPHER_BIP_CMAC_128

AP = bytes.fromhex("020000000101")
CAPS = Capabilities(sme=True, sae=True, pmf=True)
MDE = bytes((54, 3, 0xA1, 0xB2, 0))


def _rsne(*akms, caps=0x008C):      # MFPC: PMF offered, not required
    body = (struct.pack("<H", 1) + bytes.fromhex("000fac04") + struct.pack("<H", 1)
            + bytes.fromhex("000fac04") + struct.pack("<H", len(akms))
            + b"".join(struct.pack(">I", a) for a in akms) + struct.pack("<H", caps))
    return bytes((48, len(body))) + body


def _bss(rsne, mde=MDE):
    ies = bytes((0, 4)) + b"home" + rsne + mde
    return Bss(1, ScanResult(AP, 2412, ies=ies, signal=-40, caps=0x0011), 0.0)


def _net(key_mgmt, extra='\tpsk="correct horse battery"\n'):
    return wpaconf.parse('network={\n\tssid="home"\n\tkey_mgmt=%s\n%s}\n'
                         % (key_mgmt, extra)).networks[0]


@pytest.mark.parametrize("key_mgmt, ap_akms, want", [
    ("FT-SAE", (AKM_FT_SAE,), AKM_FT_SAE),
    ("SAE FT-SAE", (AKM_SAE, AKM_FT_SAE), AKM_FT_SAE),
    ("SAE FT-SAE", (AKM_SAE,), AKM_SAE),
    ("SAE FT-SAE FT-PSK WPA-PSK", (AKM_PSK, AKM_FT_PSK, AKM_SAE, AKM_FT_SAE), AKM_FT_SAE),
    ("SAE FT-PSK", (AKM_SAE, AKM_FT_PSK), AKM_SAE),          # SAE before FT-PSK
    ("FT-PSK WPA-PSK", (AKM_PSK, AKM_FT_PSK), AKM_FT_PSK),
    ("FT-SAE WPA-PSK", (AKM_PSK, AKM_FT_SAE), AKM_FT_SAE),
])
def test_akm_preference(key_mgmt, ap_akms, want):
    plan = security.plan_for(_net(key_mgmt), _bss(_rsne(*ap_akms)), CAPS)
    assert plan.sel.akm == want
    assert rsnie.parse_rsn_ie(plan.sel.own_ie).akms == (want,)
    txt = dict(plan.status_fields())["key_mgmt"]
    assert txt == {AKM_FT_SAE: "FT-SAE", AKM_SAE: "SAE", AKM_FT_PSK: "FT-PSK"}[want]


def test_ft_sae_without_the_aps_mde_is_not_used():
    assert security.plan_for(_net("FT-SAE"), _bss(_rsne(AKM_FT_SAE), mde=b""), CAPS) is None
    plan = security.plan_for(_net("SAE FT-SAE"), _bss(_rsne(AKM_SAE, AKM_FT_SAE), mde=b""),
                             CAPS)
    assert plan.sel.akm == AKM_SAE


def test_ft_sae_uses_pmf_as_sae_does():
    # ieee80211w unset: SAE's rule (PMF whenever the AP offers it) applies to FT-SAE.
    plan = security.plan_for(_net("FT-SAE"), _bss(_rsne(AKM_FT_SAE, caps=0x008C)), CAPS)
    own = rsnie.parse_rsn_ie(plan.sel.own_ie)
    assert plan.sel.mfp and own.mfpc and plan.sel.mgmt_group == CIPHER_BIP_CMAC_128
    plan = security.plan_for(_net("FT-SAE", '\tpsk="correct horse battery"\n\tieee80211w=2\n'),
                             _bss(_rsne(AKM_FT_SAE, caps=0x00CC)), CAPS)
    assert rsnie.parse_rsn_ie(plan.sel.own_ie).mfpr and ("pmf", 2) in plan.status_fields()
    # The association carries the RSNE and the AP's MDE.
    params = security.assoc_params(_net("FT-SAE"), _bss(_rsne(AKM_FT_SAE)), plan)
    assert params.extra_ies == MDE and params.akm == AKM_FT_SAE


def test_ft_sae_needs_a_password_and_an_sae_driver():
    raw = "\tpsk=" + "ab" * 32 + "\n"       # a raw PSK cannot run SAE
    # FT-SAE alone keeps FT-SAE (the attempt ends NO_PSK_AVAILABLE, as SAE's does) ...
    assert security.plan_for(_net("FT-SAE", raw), _bss(_rsne(AKM_FT_SAE)), CAPS).sel.akm \
        == AKM_FT_SAE
    # ... with another AKM the network uses that one.
    plan = security.plan_for(_net("FT-SAE FT-PSK", raw), _bss(_rsne(AKM_FT_SAE, AKM_FT_PSK)),
                             CAPS)
    assert plan.sel.akm == AKM_FT_PSK
    no_sae = Capabilities(sme=True, sae=False, pmf=True)
    refusals = security.Refusals()
    assert security.plan_for(_net("FT-SAE WPA-PSK"), _bss(_rsne(AKM_FT_SAE, AKM_PSK)), no_sae,
                             refusals) is None
    assert refusals.sae                      # said why, not a silent WPA-PSK


# ---- the interface's PMK-R0 store --------------------------------------------------

class _Conn:
    def __init__(self, config, keys):
        self.addr = bytes.fromhex("020000000200")
        self.config = config
        self._keys = keys

    def sae_keys(self):
        return self._keys


def _ft(mdid=b"\xa1\xb2"):
    return ftauth.Ft(b"home", mdid, bytes((54, 3)) + mdid + b"\0", b"nas1", bytes(32),
                     bytes(16))


def test_pmk_r0_store_lives_on_the_interface_and_follows_the_network():
    cfg = wpaconf.parse('network={\n\tssid="home"\n\tkey_mgmt=FT-SAE\n\tpsk="one two three"\n}\n'
                        'network={\n\tssid="work"\n\tkey_mgmt=FT-PSK\n\tpsk="four five six"\n}\n')
    home, work = cfg.networks
    keys = SaeKeys(lambda: 0.0)
    conn = _Conn(cfg, keys)
    keys.ft.put(conn.addr, home, _ft())
    keys.ft.put(conn.addr, work, _ft())
    assert ftauth.known(conn, home, MDE) is not None
    assert ftauth.known(conn, home, bytes((54, 3, 0xA1, 0xB3, 0))) is None   # another domain
    assert ftauth.known(conn, home, None) is None
    # Another interface (its own SaeKeys) knows nothing of it.
    assert ftauth.known(_Conn(cfg, SaeKeys(lambda: 0.0)), home, MDE) is None
    # A changed passphrase never reuses the PMK-R0 ...
    home.set("psk", '"another one"')
    assert ftauth.known(conn, home, MDE) is None
    assert len(keys.ft) == 1                 # ... and the stale entry is gone
    # A removed network's entry goes at the next use of the store.
    cfg.networks.remove(work)
    assert ftauth.known(conn, home, MDE) is None and len(keys.ft) == 0
    keys.ft.put(conn.addr, home, _ft())
    keys.ft.forget(home)
    assert len(keys.ft) == 0


def test_pmk_r0_store_is_bounded():
    cfg = wpaconf.parse('network={\n\tssid="home"\n\tkey_mgmt=FT-PSK\n\tpsk="one two three"\n}\n')
    store = ftauth.FtKeys()
    for i in range(ftauth.FtKeys.MAX * 3):
        store.put(b"\x02" * 6, cfg.networks[0], _ft(bytes((i, 0))))
        assert len(store) <= ftauth.FtKeys.MAX
