"""Field tables and value validators for wpa_supplicant.conf (the string,
integer and line rules they are built from live in values.py).

Every value is kept as the raw text wpa_supplicant itself would write for it
(its "canonical" form), so GET_NETWORK, SAVE_CONFIG and a re-read all agree.
A validator takes the text a user gave (file or SET_NETWORK) and returns that
canonical text, returns None to mean "unset the field", or raises ConfigError.

Facts (token names, ranges, defaults, which keys exist) follow hostap 2.10,
the version Debian ships and the testbed runs.
"""

from __future__ import annotations

import re

from wispd.config.values import (
    HEX_RE, PMK_LEN, SSID_MAX_LEN, ConfigError, decode_string, encode_string, int_field,
    string_field)


# --- token lists ---------------------------------------------------------------

# Listed in the order wpa_supplicant writes them back.
KEY_MGMT_TOKENS = (
    "WPA-PSK", "WPA-EAP", "IEEE8021X", "NONE", "WPA-NONE", "FT-PSK", "FT-EAP",
    "FT-EAP-SHA384", "WPA-PSK-SHA256", "WPA-EAP-SHA256", "WPS", "SAE", "FT-SAE",
    "OSEN", "WPA-EAP-SUITE-B", "WPA-EAP-SUITE-B-192", "FILS-SHA256", "FILS-SHA384",
    "FT-FILS-SHA256", "FT-FILS-SHA384", "DPP", "OWE",
)
PROTO_TOKENS = ("WPA", "RSN", "OSEN")
PAIRWISE_TOKENS = ("CCMP-256", "GCMP-256", "CCMP", "GCMP", "TKIP", "NONE")
GROUP_TOKENS = ("CCMP-256", "GCMP-256", "CCMP", "GCMP", "TKIP", "GTK_NOT_USED")
_ALL_CIPHERS = frozenset(PAIRWISE_TOKENS + GROUP_TOKENS + ("WEP104", "WEP40"))

DEFAULT_KEY_MGMT = "WPA-PSK WPA-EAP"
DEFAULT_PROTO = "WPA RSN"
DEFAULT_PAIRWISE = "CCMP TKIP"
# hostap 2.10 config_ssid.h: DEFAULT_GROUP is CCMP|TKIP; WEP was dropped from it.
DEFAULT_GROUP = "CCMP TKIP"


def _token_field(name: str, allowed, aliases=None, kind="value", dropped=()):
    allowed_set = frozenset(allowed)

    def check(value: str):
        seen = set()
        for tok in value.replace("\t", " ").split(" "):
            if not tok:
                continue
            tok = (aliases or {}).get(tok, tok)
            if tok in dropped:
                continue
            if tok not in allowed_set:
                if kind == "cipher" and tok in _ALL_CIPHERS:
                    raise ConfigError("not allowed %s cipher '%s'" % (name, tok))
                raise ConfigError("invalid %s '%s'" % (name, tok))
            seen.add(tok)
        if not seen:
            raise ConfigError("no %s values configured" % name)
        return " ".join(t for t in allowed if t in seen)
    return check


# --- special fields --------------------------------------------------------------

_MAC_RE = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}\Z")


def check_psk(value: str):
    if value.startswith('"'):
        end = value.rfind('"')
        if end == 0 or end != len(value) - 1:
            raise ConfigError("invalid psk: unterminated quoted passphrase")
        phrase = value[1:end]
        if not 8 <= len(phrase.encode("utf-8", "surrogateescape")) <= 63:
            raise ConfigError("invalid passphrase length %d (expected: 8..63)"
                              % len(phrase.encode("utf-8", "surrogateescape")))
        if any(not 32 <= ord(c) <= 126 for c in phrase):
            raise ConfigError("invalid passphrase character (printable ASCII only)")
        return value
    if len(value) != 2 * PMK_LEN or not HEX_RE.match(value):
        raise ConfigError("invalid psk: expected \"passphrase\" or 64 hex digits")
    return value.lower()


def check_bssid(value: str):
    if value in ("", '""', "any"):
        return None
    if not _MAC_RE.match(value):
        raise ConfigError("invalid bssid '%s'" % value)
    return value.lower()


def _freqs_field(name: str):
    def check(value: str):
        freqs = []
        for tok in value.split(" "):
            if not tok:
                continue
            if not tok.isdecimal() or not 0 < int(tok) <= 70200:
                raise ConfigError("invalid %s frequency '%s'" % (name, tok))
            freqs.append(str(int(tok)))
        return " ".join(freqs) if freqs else None
    return check


# --- network fields ----------------------------------------------------------------

def check_bgscan(value: str):
    """bgscan="simple:<short>:<threshold>:<long>" (seconds, dBm, seconds), as
    wpa_supplicant's; "" turns it off.  Other modules (learn) are refused here
    rather than silently ignored at connect time."""
    data = decode_string(value, "bgscan")
    text = data.decode("ascii", "replace")
    parts = text.split(":")
    if text and parts[0] != "simple":
        raise ConfigError("unsupported bgscan module '%s' (simple:SHORT:THRESHOLD:LONG)"
                          % parts[0])
    if len(parts) > 4 or not all(re.fullmatch(r"-?[0-9]+", p) for p in parts[1:]):
        raise ConfigError("invalid bgscan '%s' (simple:SHORT:THRESHOLD:LONG)" % text)
    return encode_string(data)


# Supported network fields, in the order wpa_supplicant writes them.
NETWORK_FIELDS = {
    "ssid": string_field("ssid", SSID_MAX_LEN),
    "scan_ssid": int_field("scan_ssid", 0, 1),
    "bssid": check_bssid,
    "psk": check_psk,
    "sae_password": string_field("sae_password"),
    "proto": _token_field("proto", PROTO_TOKENS, aliases={"WPA2": "RSN"}),
    "key_mgmt": _token_field("key_mgmt", KEY_MGMT_TOKENS),
    "pairwise": _token_field("pairwise", PAIRWISE_TOKENS, kind="cipher"),
    # WEP ciphers are silently filtered out of group, as hostap does.
    "group": _token_field("group", GROUP_TOKENS, kind="cipher", dropped=("WEP104", "WEP40")),
    "scan_freq": _freqs_field("scan_freq"),
    "freq_list": _freqs_field("freq_list"),
    "priority": int_field("priority"),
    "disabled": int_field("disabled", 0, 2),
    # A plain string field (quoted, P"" or hex); wpa_cli exports it as WPA_ID_STR.
    "id_str": string_field("id_str"),
    "ieee80211w": int_field("ieee80211w", 0, 2),
    "bgscan": check_bgscan,
}

# Network keys hostap 2.10 knows and wispd does not implement: kept verbatim.
UNSUPPORTED_NETWORK_FIELDS = frozenset("""
bssid_hint bssid_ignore bssid_accept bssid_blacklist bssid_whitelist mem_only_psk
sae_password_id bg_scan_period group_mgmt auth_alg ht vht ht40 max_oper_chwidth
vht_center_freq1 vht_center_freq2 eap identity anonymous_identity imsi_identity
machine_identity password machine_password ca_cert ca_path client_cert private_key
private_key_passwd dh_file subject_match check_cert_subject altsubject_match
domain_suffix_match domain_match ca_cert2 ca_path2 client_cert2 private_key2
private_key2_passwd dh_file2 subject_match2 check_cert_subject2 altsubject_match2
domain_suffix_match2 domain_match2 phase1 phase2 machine_phase2 pcsc pin engine_id
key_id cert_id ca_cert_id pin2 engine_id2 key_id2 cert_id2 ca_cert_id2 engine engine2
machine_ca_cert machine_ca_path machine_client_cert machine_private_key
machine_private_key_passwd machine_dh_file machine_subject_match
machine_check_cert_subject machine_altsubject_match machine_domain_suffix_match
machine_domain_match machine_pin machine_engine_id machine_key_id machine_cert_id
machine_ca_cert_id machine_engine machine_ocsp eapol_flags sim_num openssl_ciphers erp
wep_key0 wep_key1 wep_key2 wep_key3 wep_tx_keyidx eap_workaround pac_file
fragment_size ocsp ocsp2 mode no_auto_peer mesh_fwding mesh_rssi_threshold
proactive_key_caching ocv peerkey mixed_cell frequency fixed_freq enable_edmg
edmg_channel acs mesh_basic_rates dot11MeshMaxRetries dot11MeshRetryTimeout
dot11MeshConfirmTimeout dot11MeshHoldingTimeout wpa_ptk_rekey wpa_deny_ptk0_rekey
group_rekey ignore_broadcast_ssid go_p2p_dev_addr p2p_client_list psk_list
disable_ht disable_ht40 disable_sgi disable_ldpc ht40_intolerant tx_stbc rx_stbc
disable_max_amsdu ampdu_factor ampdu_density ht_mcs disable_vht vht_capa vht_capa_mask
vht_rx_mcs_nss_1 vht_rx_mcs_nss_2 vht_rx_mcs_nss_3 vht_rx_mcs_nss_4 vht_rx_mcs_nss_5
vht_rx_mcs_nss_6 vht_rx_mcs_nss_7 vht_rx_mcs_nss_8 vht_tx_mcs_nss_1 vht_tx_mcs_nss_2
vht_tx_mcs_nss_3 vht_tx_mcs_nss_4 vht_tx_mcs_nss_5 vht_tx_mcs_nss_6 vht_tx_mcs_nss_7
vht_tx_mcs_nss_8 disable_he ap_max_inactivity dtim_period beacon_int macsec_policy
macsec_integ_only macsec_replay_protect macsec_replay_window macsec_port mka_priority
mka_cak mka_ckn update_identifier roaming_consortium_selection mac_addr pbss
wps_disabled fils_dh_group dpp_connector dpp_netaccesskey dpp_netaccesskey_expiry
dpp_csign dpp_pp_key dpp_pfs owe_group owe_only owe_ptk_workaround
multi_ap_backhaul_sta ft_eap_pmksa_caching beacon_prot transition_disable sae_pk

""".split())


# --- 802.1X/EAP network fields (issue 16, docs/enterprise.md) ------------------------

_EAP_METHOD_RE = re.compile(r"[A-Z0-9-]+\Z")


def check_eap(value: str):
    """eap=: method names as wpa_supplicant writes them, in the order given;
    the core uses the ones it implements (TLS, PEAP, TTLS)."""
    if "\n" in value or "\r" in value:
        raise ConfigError("invalid eap value with newline")
    toks = [t.upper() for t in value.replace('"', " ").split()]
    if not toks or not all(_EAP_METHOD_RE.match(t) for t in toks):
        raise ConfigError("invalid eap '%s'" % value)
    return " ".join(toks)


def check_eap_password(value: str):
    """password="text" or password=hash:<32 hex digits> (the NT hash)."""
    if value.startswith("hash:"):
        if len(value) != 37 or not HEX_RE.match(value[5:]):
            raise ConfigError("invalid password: hash: needs 32 hex digits")
        return "hash:" + value[5:].lower()
    return string_field("password")(value)


EAP_FIELDS = {
    "eap": check_eap,
    "identity": string_field("identity"),
    "anonymous_identity": string_field("anonymous_identity"),
    "password": check_eap_password,
    "ca_cert": string_field("ca_cert"),
    "client_cert": string_field("client_cert"),
    "private_key": string_field("private_key"),
    "private_key_passwd": string_field("private_key_passwd"),
    "altsubject_match": string_field("altsubject_match"),
    "domain_suffix_match": string_field("domain_suffix_match"),
    "domain_match": string_field("domain_match"),
    "phase1": string_field("phase1"),
    "phase2": string_field("phase2"),
    "fragment_size": int_field("fragment_size", 100, 16384),
    "eapol_flags": int_field("eapol_flags", 0, 3),
}
NETWORK_FIELDS.update(EAP_FIELDS)
UNSUPPORTED_NETWORK_FIELDS = UNSUPPORTED_NETWORK_FIELDS - frozenset(EAP_FIELDS)


# --- global fields -------------------------------------------------------------------

def _check_plain(name: str):
    def check(value: str):
        if "\n" in value or "\r" in value:
            raise ConfigError("invalid %s value with newline" % name)
        if not value:
            raise ConfigError("empty %s" % name)
        return value
    return check


def check_ctrl_interface(value: str):
    value = _check_plain("ctrl_interface")(value)
    if value.startswith("DIR="):
        parse_ctrl_interface(value)
    return value


def parse_ctrl_interface(value: str):
    """(directory, group or None) from a ctrl_interface value, both forms."""
    if not value.startswith("DIR="):
        return value, None
    rest = value[4:]
    gpos = rest.find(" GROUP=")
    if gpos < 0:
        directory, group = rest, None
    else:
        directory, group = rest[:gpos], rest[gpos + 7:]
        if not group:
            raise ConfigError("empty GROUP= in ctrl_interface")
    if not directory:
        raise ConfigError("empty DIR= in ctrl_interface")
    return directory, group


def check_country(value: str):
    if len(value) != 2 or not value.isascii() or not value.isalnum():
        raise ConfigError("invalid country '%s' (expected two letters, e.g. US, or 00)" % value)
    return value.upper()


def check_autoscan(value: str):
    name = value.split(":", 1)[0]
    if name not in ("exponential", "periodic"):
        raise ConfigError("invalid autoscan '%s' (exponential:BASE:LIMIT or periodic:INTERVAL)"
                          % value)
    for part in value.split(":")[1:]:
        if not part.isdecimal() or int(part) == 0:
            raise ConfigError("invalid autoscan parameter '%s'" % part)
    return value


# wispd's roaming keys (issue 17, docs/roaming.md): dBm below which a better
# BSS of the network is looked for, the CQM hysteresis, and how much better
# (dB) a candidate must be (0: wpa_supplicant's table by signal level).
ROAM_FIELDS = {
    "roam_threshold": int_field("roam_threshold", -120, 0),
    "roam_hysteresis": int_field("roam_hysteresis", 0, 30),
    "roam_min_diff": int_field("roam_min_diff", 0, 60),
}


GLOBAL_FIELDS = {
    "ctrl_interface": check_ctrl_interface,
    "ctrl_interface_group": _check_plain("ctrl_interface_group"),
    "update_config": int_field("update_config", 0, 1),
    "country": check_country,
    "ap_scan": int_field("ap_scan", 0, 2),
    "autoscan": check_autoscan,
    "sae_pwe": int_field("sae_pwe", 0, 3),
    "bgscan": check_bgscan,
    **ROAM_FIELDS,
}

# Global keys hostap 2.10 knows and wispd does not implement: kept verbatim.
UNSUPPORTED_GLOBAL_FIELDS = frozenset("""
no_ctrl_interface eapol_version user_mpm max_peer_links mesh_max_inactivity
mesh_fwding dot11RSNASAERetransPeriod disable_scan_offload fast_reauth
opensc_engine_path pkcs11_engine_path pkcs11_module_path openssl_ciphers pcsc_reader
pcsc_pin external_sim driver_param dot11RSNAConfigPMKLifetime
dot11RSNAConfigPMKReauthThreshold dot11RSNAConfigSATimeout load_dynamic_eap uuid
auto_uuid device_name manufacturer model_name model_number serial_number device_type
os_version config_methods wps_cred_processing wps_cred_add_sae wps_vendor_ext_m1
sec_device_type p2p_listen_reg_class p2p_listen_channel p2p_oper_reg_class
p2p_oper_channel p2p_go_intent p2p_ssid_postfix persistent_reconnect p2p_intra_bss
p2p_group_idle p2p_go_freq_change_policy p2p_passphrase_len p2p_pref_chan
p2p_no_go_freq p2p_add_cli_chan p2p_optimize_listen_chan p2p_go_ht40 p2p_go_vht
p2p_go_he p2p_go_edmg p2p_disabled p2p_go_ctwindow p2p_no_group_iface
p2p_ignore_shared_freq ip_addr_go ip_addr_mask ip_addr_start ip_addr_end p2p_cli_probe
p2p_device_random_mac_addr p2p_device_persistent_mac_addr
p2p_interface_random_mac_addr p2p_6ghz_disable bss_max_count bss_expiration_age
bss_expiration_scan_count filter_ssids filter_rssi max_num_sta ap_isolate
disassoc_low_ack hs20 interworking hessid access_network_type go_interworking
go_access_network_type go_internet go_venue_group go_venue_type pbc_in_m1
wps_nfc_dev_pw_id wps_nfc_dh_pubkey wps_nfc_dh_privkey wps_nfc_dev_pw
ext_password_backend p2p_go_max_inactivity auto_interworking okc pmf sae_groups
sae_pmkid_in_assoc dtim_period beacon_int ap_assocresp_elements ap_vendor_elements
ignore_old_scan_res freq_list initial_freq_list scan_cur_freq
scan_res_valid_for_connect sched_scan_interval sched_scan_start_delay
tdls_external_control osu_dir wowlan_triggers p2p_search_delay mac_addr
rand_addr_lifetime preassoc_mac_addr key_mgmt_offload passive_scan
reassoc_same_bss_optim wps_priority fst_group_id fst_priority fst_llt cert_in_cb
wpa_rsc_relaxation sched_scan_plans non_pref_chan mbo_cell_capa
disassoc_imminent_rssi_threshold oce gas_address3 ftm_responder ftm_initiator
gas_rand_addr_lifetime gas_rand_mac_addr dpp_config_processing dpp_name dpp_mud_url
coloc_intf_reporting disable_btm extended_key_id wowlan_disconnect_on_deinit
force_kdk_derivation pasn_corrupt_mic
""".split())
