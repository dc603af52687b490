"""RSN/WPA IE parsing and building, suite selection with PMF, KDE parsing."""

import os
import random

import pytest

from wispd.rsn.defs import (
    AKM_8021X, AKM_PSK, AKM_PSK_SHA256, AKM_SAE, CIPHER_BIP_CMAC_128, CIPHER_CCMP, CIPHER_GCMP,
    CIPHER_NONE, CIPHER_TKIP)
from wispd.rsn import ie
from wispd.rsn.ie import (IeError, SelectionError, build_rsn_ie, find_ie, find_vendor_ie,
                          parse_ies, parse_kdes, parse_rsn_ie, parse_wpa_ie, select_suites)

h = bytes.fromhex

# As hostapd sends them (wpa=2 wpa_key_mgmt=WPA-PSK rsn_pairwise=CCMP, with WMM)
HOSTAPD_PSK = h("30140100000fac040100000fac040100000fac020c00")
# wpa_key_mgmt=SAE ieee80211w=2: MFPC|MFPR, PMKID count 0, BIP-CMAC-128
HOSTAPD_SAE_PMF = h("301a0100000fac040100000fac040100000fac08cc000000000fac06")
# wpa=1 wpa_pairwise=TKIP, PSK
WPA1_TKIP = h("dd160050f20101000050f20201000050f20201000050f202")


def test_parse_ies_complete_and_truncated():
    data = h("0004") + b"test" + h("0301") + b"\x06" + HOSTAPD_PSK
    elems, complete = parse_ies(data)
    assert complete and [e for e, _ in elems] == [0, 3, 48]
    assert elems[0][1] == b"test"
    elems, complete = parse_ies(data[:-3])
    assert not complete and [e for e, _ in elems] == [0, 3]
    elems, complete = parse_ies(data + b"\x30")       # a lone id byte at the end
    assert not complete and len(elems) == 3
    assert parse_ies(b"") == ([], True)


def test_parse_ies_never_raises_on_random_input():
    rnd = random.Random(1)
    for _ in range(2000):
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(40)))
        elems, complete = parse_ies(data)
        assert isinstance(complete, bool)
        assert sum(2 + len(b) for _, b in elems) <= len(data)


def test_find_ie_and_vendor_ie():
    data = h("0004") + b"test" + WPA1_TKIP + HOSTAPD_PSK
    assert find_ie(data, 48) == HOSTAPD_PSK
    assert find_vendor_ie(data, ie.WPA_OUI_TYPE) == WPA1_TKIP
    assert find_ie(data, 244) is None


def test_parse_hostapd_psk_rsn_ie():
    info = parse_rsn_ie(HOSTAPD_PSK)
    assert info.proto == "rsn" and info.version == 1
    assert info.group_cipher == CIPHER_CCMP
    assert info.pairwise_ciphers == (CIPHER_CCMP,)
    assert info.akms == (AKM_PSK,)
    assert info.capabilities == 0x000C and not info.mfpc and not info.mfpr
    assert info.pmkids == () and info.group_mgmt_cipher is None


def test_parse_sae_pmf_rsn_ie():
    info = parse_rsn_ie(HOSTAPD_SAE_PMF)
    assert info.akms == (AKM_SAE,) and info.mfpc and info.mfpr
    assert info.group_mgmt_cipher == CIPHER_BIP_CMAC_128


def test_rsn_ie_defaults_for_absent_fields():
    info = parse_rsn_ie(h("30020100"))
    assert (info.group_cipher, info.pairwise_ciphers, info.akms) == (
        CIPHER_CCMP, (CIPHER_CCMP,), (AKM_8021X,))
    info = parse_rsn_ie(h("30060100000fac02"))
    assert info.group_cipher == CIPHER_TKIP and info.pairwise_ciphers == (CIPHER_CCMP,)


@pytest.mark.parametrize("bad", [
    h("3001"),                                   # length byte lies / too short
    h("300101"),
    h("30020200"),                               # version 2
    h("30040100000f"),                           # group cipher truncated
    h("30080100000fac040200"),                   # length says 8, body shorter
    h("300a0100000fac040200000fac04"),           # count 2, room for 1 (length mismatch too)
    h("30080100000fac040000"),                   # zero pairwise count
    h("30150100000fac040100000fac040100000fac020c0001"),   # PMKID count truncated
    h("30160100000fac040100000fac040100000fac020c000100"), # 1 PMKID promised, none there
    h("dd0450f20101"),                           # not an RSN element
])
def test_bad_rsn_ies_raise_ieerror(bad):
    with pytest.raises(IeError):
        parse_rsn_ie(bad)


def test_build_rsn_ie_roundtrip():
    pmkid = os.urandom(16)
    for kwargs in [dict(), dict(capabilities=0x00C0), dict(pmkids=[pmkid]),
                   dict(capabilities=0x0080, group_mgmt=CIPHER_BIP_CMAC_128)]:
        raw = build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_PSK, AKM_PSK_SHA256], **kwargs)
        info = parse_rsn_ie(raw)
        assert info.akms == (AKM_PSK, AKM_PSK_SHA256)
        assert info.capabilities == kwargs.get("capabilities", 0)
        assert info.pmkids == tuple(kwargs.get("pmkids", ()))
        assert info.group_mgmt_cipher == kwargs.get("group_mgmt")
    assert build_rsn_ie(CIPHER_CCMP, [CIPHER_CCMP], [AKM_PSK], 0x000C) == HOSTAPD_PSK


def test_parse_wpa_ie():
    info = parse_wpa_ie(WPA1_TKIP)
    assert info.proto == "wpa" and info.group_cipher == CIPHER_TKIP
    assert info.pairwise_ciphers == (CIPHER_TKIP,) and info.akms == (AKM_PSK,)
    with pytest.raises(IeError):
        parse_wpa_ie(HOSTAPD_PSK)
    with pytest.raises(IeError):
        parse_wpa_ie(WPA1_TKIP[:-3])


# ---- suite selection -----------------------------------------------------------

def ap(akms, caps=0x000C, group=CIPHER_CCMP, pairwise=(CIPHER_CCMP,), mgmt=None):
    return parse_rsn_ie(build_rsn_ie(group, pairwise, akms, caps,
                                     group_mgmt=mgmt))


def test_select_psk():
    sel = select_suites(ap([AKM_PSK]), {AKM_PSK})
    assert (sel.akm, sel.pairwise, sel.group, sel.mgmt_group, sel.mfp) == (
        AKM_PSK, CIPHER_CCMP, CIPHER_CCMP, CIPHER_NONE, False)
    own = parse_rsn_ie(sel.own_ie)
    assert own.akms == (AKM_PSK,) and own.pairwise_ciphers == (CIPHER_CCMP,)
    assert own.capabilities == 0


def test_select_prefers_sae_then_sha256():
    both = ap([AKM_PSK, AKM_SAE, AKM_PSK_SHA256], caps=0x0080)
    assert select_suites(both, {AKM_PSK, AKM_SAE}).akm == AKM_SAE
    assert select_suites(both, {AKM_PSK, AKM_PSK_SHA256}).akm == AKM_PSK_SHA256
    assert select_suites(both, {AKM_PSK}).akm == AKM_PSK
    with pytest.raises(SelectionError):
        select_suites(ap([AKM_SAE], caps=0x00C0), {AKM_PSK})


def test_select_sae_pmf_as_the_ap_offers():
    # SAE uses PMF whenever the AP offers it, even with ieee80211w=0.
    sel = select_suites(ap([AKM_PSK, AKM_SAE], caps=0x0080), {AKM_PSK, AKM_SAE}, ieee80211w=0)
    assert sel.akm == AKM_SAE and sel.mfp and sel.mgmt_group == CIPHER_BIP_CMAC_128
    assert parse_rsn_ie(sel.own_ie).mfpc and not parse_rsn_ie(sel.own_ie).mfpr
    # An SAE AP without MFPC is joined without PMF (wpa_supplicant 2.10) ...
    sel = select_suites(ap([AKM_SAE], caps=0), {AKM_SAE})
    assert sel.akm == AKM_SAE and not sel.mfp and sel.mgmt_group == CIPHER_NONE
    assert not parse_rsn_ie(sel.own_ie).mfpc
    # ... unless the network requires PMF.
    with pytest.raises(SelectionError):
        select_suites(ap([AKM_SAE], caps=0), {AKM_SAE}, ieee80211w=2)


@pytest.mark.parametrize("w,ap_caps,mfp,own_caps", [
    (0, 0x0000, False, 0x0000),
    (0, 0x0080, False, 0x0000),   # AP capable, we disabled it
    (1, 0x0000, False, 0x0000),   # optional, AP cannot: go without
    (1, 0x0080, True, 0x0080),
    (1, 0x00C0, True, 0x0080),
    (2, 0x0080, True, 0x00C0),
    (2, 0x00C0, True, 0x00C0),
])
def test_pmf_negotiation(w, ap_caps, mfp, own_caps):
    sel = select_suites(ap([AKM_PSK], caps=ap_caps), {AKM_PSK}, ieee80211w=w)
    assert sel.mfp == mfp
    assert sel.mgmt_group == (CIPHER_BIP_CMAC_128 if mfp else CIPHER_NONE)
    assert parse_rsn_ie(sel.own_ie).capabilities == own_caps


@pytest.mark.parametrize("w,ap_caps", [(0, 0x00C0), (2, 0x0000)])
def test_pmf_impossible(w, ap_caps):
    with pytest.raises(SelectionError):
        select_suites(ap([AKM_PSK], caps=ap_caps), {AKM_PSK}, ieee80211w=w)


def test_pmf_with_unsupported_mgmt_cipher():
    gmac = 0x000FAC0B
    with pytest.raises(SelectionError):
        select_suites(ap([AKM_PSK], caps=0x00C0, mgmt=gmac), {AKM_PSK}, ieee80211w=2)
    sel = select_suites(ap([AKM_PSK], caps=0x0080, mgmt=gmac), {AKM_PSK}, ieee80211w=1)
    assert not sel.mfp


def test_ciphers():
    sel = select_suites(ap([AKM_PSK], group=CIPHER_TKIP, pairwise=(CIPHER_TKIP, CIPHER_CCMP)),
                        {AKM_PSK})
    assert sel.pairwise == CIPHER_CCMP and sel.group == CIPHER_TKIP
    assert parse_rsn_ie(sel.own_ie).group_cipher == CIPHER_TKIP
    with pytest.raises(SelectionError):    # TKIP-only pairwise
        select_suites(ap([AKM_PSK], group=CIPHER_TKIP, pairwise=(CIPHER_TKIP,)), {AKM_PSK})
    with pytest.raises(SelectionError):    # group cipher not allowed by config
        select_suites(ap([AKM_PSK], group=CIPHER_TKIP), {AKM_PSK}, group={CIPHER_CCMP})
    with pytest.raises(SelectionError):    # GCMP group unsupported
        select_suites(ap([AKM_PSK], group=CIPHER_GCMP), {AKM_PSK})


def test_wpa1_ap_refused_clearly():
    with pytest.raises(SelectionError, match="WPA"):
        select_suites(parse_wpa_ie(WPA1_TKIP), {AKM_PSK})


# ---- KDEs -----------------------------------------------------------------------

def kde(t, payload):
    return bytes((0xDD, 4 + len(payload))) + b"\x00\x0f\xac" + bytes((t,)) + payload


def test_parse_kdes_with_padding():
    gtk, igtk = os.urandom(16), os.urandom(16)
    data = (HOSTAPD_SAE_PMF + kde(1, b"\x06\x00" + gtk) +
            kde(9, b"\x05\x00" + h("010000000000") + igtk) + kde(3, h("020000000200")) +
            kde(32, b"\x01") + bytes((244, 1, 0x20)) + b"\xdd\x00\x00\x00")
    k = parse_kdes(data)
    assert k.complete and k.error is None
    assert (k.gtk, k.gtk_key_id, k.gtk_tx) == (gtk, 2, True)
    assert (k.igtk, k.igtk_key_id, k.igtk_ipn) == (igtk, 5, h("010000000000"))
    assert k.mac_addr == h("020000000200") and k.transition_disable == 1
    assert k.rsn_ies == [HOSTAPD_SAE_PMF] and k.rsnxe == bytes((244, 1, 0x20))
    # padding can be a lone 0xdd
    assert parse_kdes(kde(1, b"\x01\x00" + gtk) + b"\xdd").complete


def test_parse_kdes_truncated():
    gtk = os.urandom(16)
    full = kde(1, b"\x01\x00" + gtk)
    k = parse_kdes(full[:-4])
    assert not k.complete and k.gtk is None
    k = parse_kdes(kde(1, b"\x01\x00\x01"))         # GTK KDE too short for a key
    assert not k.complete
    k = parse_kdes(kde(9, b"\x04\x00" + bytes(6)))  # IGTK KDE without the key
    assert not k.complete
    k = parse_kdes(full + b"\x30")                  # a lone element id, not padding
    assert not k.complete and k.gtk == gtk


def test_parse_kdes_ignores_unknown():
    k = parse_kdes(kde(99, b"xyz") + h("dd050050f20401") + kde(1, b"\x01\x00" + bytes(16)))
    assert k.complete and k.gtk == bytes(16)


def test_parse_kdes_never_raises():
    rnd = random.Random(2)
    base = HOSTAPD_PSK + kde(1, b"\x01\x00" + bytes(16)) + kde(9, bytes(24)) + b"\xdd\x00"
    for _ in range(3000):
        data = bytearray(base)
        for _ in range(rnd.randrange(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        data = bytes(data[:rnd.randrange(len(data) + 1)])
        k = parse_kdes(data)
        assert isinstance(k.complete, bool)
