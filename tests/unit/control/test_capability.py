"""GET_CAPABILITY key_mgmt against wpa_supplicant 2.10's own text: the names
wispd lists are names wpa_supplicant uses, in its order, and FT-PSK/FT-SAE
appear only where wispd can roam with FT (an SME driver) and run SAE."""
import pytest

from wispd.control.capability import capability
from wispd.drivers.ops import Capabilities

# Debian's wpa_supplicant 2.10 on mac80211_hwsim (kernel 6.1), GET_CAPABILITY
# key_mgmt as tests/hwsim/test_ft.py::test_ft_sae_roam_over_the_air kept it in run
# 20261203-182305-pytest (logs/.../capability-key_mgmt.txt).  It lacks FT-SAE and
# the SHA-256 AKMs (its default AKM set for a driver without an AKM list), though
# it connects with FT-SAE in that same test.
WPA_SUPPLICANT_2_10_HWSIM = ("NONE IEEE8021X WPA-EAP WPA-PSK WPA-EAP-SUITE-B WPA-EAP-SUITE-B-192 "
                             "OWE DPP FILS-SHA256 FILS-SHA384 FT-FILS-SHA256 FT-FILS-SHA384 "
                             "FT-PSK FT-EAP SAE")
# The rest of wpa_supplicant 2.10's order (ctrl_iface.c, after SAE), and FT-SAE's
# place between FT-EAP and FT-EAP-SHA384 there.
WPA_SUPPLICANT_2_10_ORDER = WPA_SUPPLICANT_2_10_HWSIM.replace(
    "FT-EAP SAE", "FT-EAP FT-SAE FT-EAP-SHA384 SAE WPA-EAP-SHA256 WPA-PSK-SHA256")


def _in_order(names, reference):
    ref = reference.split()
    positions = [ref.index(n) for n in names]      # ValueError: a name it never uses
    return positions == sorted(positions)


@pytest.mark.parametrize("capa, want", [
    (Capabilities(sme=True, sae=True, pmf=True),
     "NONE WPA-EAP WPA-PSK FT-PSK FT-SAE SAE WPA-EAP-SHA256 WPA-PSK-SHA256"),
    # mac80211: AUTHENTICATE/ASSOCIATE and CONNECT both.
    (Capabilities(sme=True, connect=True, sae=True, pmf=True),
     "NONE WPA-EAP WPA-PSK FT-PSK FT-SAE SAE WPA-EAP-SHA256 WPA-PSK-SHA256"),
    (Capabilities(sme=True, sae=False, pmf=True),
     "NONE WPA-EAP WPA-PSK FT-PSK WPA-EAP-SHA256 WPA-PSK-SHA256"),
    # Full-MAC (CONNECT) and wext: no FT AUTHENTICATE, so no FT roam: not listed.
    (Capabilities(sme=False, connect=True, sae=False),
     "NONE WPA-EAP WPA-PSK WPA-EAP-SHA256 WPA-PSK-SHA256"),
    (Capabilities(sme=False, sae=False, wext=True),
     "NONE WPA-EAP WPA-PSK WPA-EAP-SHA256 WPA-PSK-SHA256"),
])
def test_key_mgmt_follows_wpa_supplicant(capa, want):
    got = capability("key_mgmt", capa)
    assert got == want
    assert _in_order(got.split(), WPA_SUPPLICANT_2_10_ORDER)
    # Where both name an AKM wispd does, the two lists agree on the testbed's driver.
    theirs = [n for n in WPA_SUPPLICANT_2_10_HWSIM.split() if n in got.split()]
    assert theirs == [n for n in got.split() if n in WPA_SUPPLICANT_2_10_HWSIM.split()]


def test_key_mgmt_names_are_all_config_tokens():
    from wispd.config.fields import KEY_MGMT_TOKENS
    got = capability("key_mgmt", Capabilities(sme=True, sae=True))
    assert set(got.split()) <= set(KEY_MGMT_TOKENS)
