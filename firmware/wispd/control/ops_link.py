"""Command handlers for the link: its state (STATUS, the compact `status`,
SIGNAL_POLL) and the verbs that drop or redo it (DISCONNECT, RECONNECT,
REASSOCIATE)."""

from wispd.control.errors import CommandError


def h_status(ctx):
    return ctx.daemon.status(ctx.iface)


def provisioning_result(daemon):
    """The last boot-time provisioning outcome (wispd.config.provision), or None."""
    state_dir = getattr(daemon, "state_dir", None)
    if not state_dir:
        return None
    from wispd.config import provision
    result = provision.last_result(state_dir)
    if result is None:
        return None
    return {k: int(v) if v.isdecimal() and k in ("time", "networks") else v
            for k, v in result.items()}


def h_status_full(ctx):
    """The fleet's status: state, the current link, counters, provisioning."""
    iface = ctx.iface
    now = iface.eloop.now()
    c = iface.counters
    since = c["connected_since"]
    out = {
        "iface": iface.ifname,
        "state": iface.wpa_state,
        "address": iface.addr,
        "link": None,
        "counters": {
            "connects": c["connects"],
            "disconnects": c["disconnects"],
            "failures": dict(c["failures"]),
            "connected_time": c["connected_total"] + (now - since if since is not None else 0.0),
        },
        "provisioning": provisioning_result(ctx.daemon),
    }
    if iface.wpa_state in ("ASSOCIATED", "4WAY_HANDSHAKE", "GROUP_HANDSHAKE", "COMPLETED"):
        net, bss, plan = iface.current_network, iface.current_bss, iface.plan
        link = {"bssid": iface.current_bssid() or b"", "ssid": b"", "freq": 0, "signal": 0,
                "network_id": -1, "id_str": None, "connected_for": now - since if since else 0.0}
        if net is not None:
            link["ssid"] = net.ssid_bytes or b""
            link["network_id"] = net.id
            link["id_str"] = net.id_str
        if bss is not None:
            link["ssid"] = bss.ssid or link["ssid"]
            link["freq"] = bss.freq
            link["signal"] = bss.signal
        fields = dict(plan.status_fields()) if plan is not None else {}
        link["pairwise_cipher"] = fields.get("pairwise_cipher", "NONE")
        link["group_cipher"] = fields.get("group_cipher", "NONE")
        link["akm"] = fields.get("key_mgmt", "NONE")
        link["pmf"] = int(fields.get("pmf", 0))
        eap = getattr(iface.connection, "eap", None)
        if eap is not None:
            # 802.1X: "EAP state", "selectedMethod", "eap_tls_version", ... (docs/enterprise.md)
            link["eap"] = dict(eap.status_fields())
        out["link"] = link
    return out


def h_signal_poll(ctx):
    info = ctx.iface.signal_poll()
    if not info:
        raise CommandError("not_connected", "not associated")
    return info


def h_pktcnt_poll(ctx):
    counts = ctx.iface.pktcnt_poll()
    if counts is None:
        raise CommandError("not_connected", "not associated")
    return counts


def h_disconnect(ctx):
    ctx.iface.disconnect()


def h_reconnect(ctx):
    if not ctx.iface.reconnect():
        raise CommandError("interface_disabled", "the interface is disabled")


def h_reassociate(ctx):
    if not ctx.iface.reconnect(force=True):
        raise CommandError("interface_disabled", "the interface is disabled")


def _mac(value):
    parts = value.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        raise CommandError("invalid_argument", "not a BSSID: %r" % value)
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError:
        raise CommandError("invalid_argument", "not a BSSID: %r" % value) from None


def h_roam(ctx, bssid):
    """ROAM <bssid>: reassociate to that BSS of the current network (issue 17)."""
    why = ctx.iface.link.roam_command(_mac(bssid))
    if why is not None:
        raise CommandError("roam_failed", why)


def _neighbor_ssid(params):
    """NEIGHBOR_REP_REQUEST's ssid=: "quoted" or hex, as wpa_supplicant's
    ssid_parse(); None when not given.  lci/civic are accepted and not asked for."""
    params = (params or "").strip()
    at = params.find("ssid=")
    if at < 0:
        return None
    value = params[at + 5:]
    if value.startswith('"'):
        end = value.find('"', 1)
        if end < 0:
            raise CommandError("invalid_argument", "unterminated ssid")
        ssid = value[1:end].encode("utf-8")
    else:
        try:
            ssid = bytes.fromhex(value.split(" ", 1)[0])
        except ValueError:
            raise CommandError("invalid_argument", "bad ssid") from None
    if not 0 < len(ssid) <= 32:
        raise CommandError("invalid_argument", "bad ssid length")
    return ssid


def h_neighbor_rep_request(ctx, params=None):
    """NEIGHBOR_REP_REQUEST [ssid=<ssid>]: ask the AP for its 802.11k neighbor
    report; the answer comes as RRM-NEIGHBOR-REP-RECEIVED events (issue 17)."""
    why = ctx.iface.neighbor_report_request(_neighbor_ssid(params))
    if why is not None:
        raise CommandError("neighbor_report_failed", why)
