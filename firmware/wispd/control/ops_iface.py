"""Command handlers for the interface as a whole: FLUSH (back to the state
after start, as test harnesses and scripts use it between runs) and
STATUS-DRIVER (what the driver knows of the interface, in wpa_supplicant
2.10's nl80211 key=value layout)."""

import logging

from wispd.config import wpaconf
from wispd.config.values import ConfigError
from wispd.control.capability import capability
from wispd.control.errors import CommandError
from wispd.control.mactext import mac_txt

log = logging.getLogger("wispd.control")


def _file_globals(daemon, iface):
    """The global settings as the configuration file has them ({} without a file
    or when it no longer reads)."""
    spec = getattr(daemon, "specs", {}).get(iface)
    path = getattr(spec, "conf", None)
    if not path:
        return {}
    try:
        return dict(wpaconf.load(path).globals)
    except (OSError, ConfigError) as e:
        log.warning("FLUSH: %s: %s; global settings kept", path, e)
        return None


def h_flush(ctx):
    """FLUSH, as wpa_supplicant's: every network removed (the link with it),
    our scan aborted and a queued one dropped, the BSS table emptied and its
    expiry settings back to the defaults, failure counts and refusals forgotten, global settings back to what the file says."""
    daemon, iface = ctx.daemon, ctx.iface
    for net in list(iface.config.networks):
        daemon.remove_network(iface, net)
    iface.scanner.clear()
    iface.health.reset()
    iface.refusals.clear()
    file_globals = _file_globals(daemon, iface)
    if file_globals is not None:
        iface.config.globals.clear()
        iface.config.globals.update(file_globals)


def _scan_state(iface):
    """nl80211's scan_state names: a scan of ours in the driver is
    SCAN_STARTED, one queued for the radio SCAN_REQUESTED."""
    if iface.scanner.work is not None:
        return "SCAN_STARTED"
    if iface.radio.pending("scan"):
        return "SCAN_REQUESTED"
    return "SCAN_COMPLETED"


def h_status_driver(ctx):
    iface = ctx.iface
    drv = iface.driver
    wiphy = getattr(drv, "wiphy", None)
    ifindex = getattr(drv, "ifindex", None)
    out = [("ifindex", ifindex if ifindex is not None else 0),
           ("ifname", iface.ifname),
           ("brname", ""),
           ("addr", mac_txt(iface.addr)),
           ("freq", iface.current_bss.freq if iface.current_bss is not None else 0)]
    if wiphy is not None:
        out.append(("phyname", wiphy.name))
    out.append(("perm_addr", mac_txt(iface.addr)))
    out.append(("drv_ifindex", ifindex if ifindex is not None else 0))
    out.append(("scan_state", _scan_state(iface)))
    bssid = iface.current_bssid()
    out.append(("bssid", mac_txt(bssid or b"\0" * 6)))
    out.append(("associated", int(bssid is not None)))
    try:
        country = drv.get_country()
    except Exception as e:      # a driver without regulatory queries
        log.debug("STATUS-DRIVER: no country: %s", e)
        country = None
    if country:
        out.append(("country", country))
    return out


def h_get_capability(ctx, field):
    """GET_CAPABILITY <field> [strict] [iftype=..]: the qualifiers are
    accepted and change nothing (wispd reports what it does, never a guess)."""
    name, *quals = field.split(" ")
    if any(q != "strict" and not q.startswith("iftype=") for q in quals):
        raise CommandError("invalid_argument", "unknown GET_CAPABILITY qualifier")
    text = capability(name, ctx.iface.capa)
    if text is None:
        raise CommandError("not_supported", "unknown capability %r" % name)
    return text
