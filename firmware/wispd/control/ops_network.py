"""Command handlers for an interface's network list: LIST/ADD/SET/GET/REMOVE/
ENABLE/DISABLE/SELECT_NETWORK and the compact protocol's networks.apply."""

from wispd.config.values import ConfigError
from wispd.control.errors import CommandError
from wispd.core import notify


def get_network_or_fail(ctx, nid):
    net = ctx.daemon.config_of(ctx.iface).get_network(nid)
    if net is None:
        raise CommandError("no_such_network", "network id %d not found" % nid)
    return net


def _networks(ctx, nid):
    if nid == "all":
        return list(ctx.daemon.config_of(ctx.iface).networks)
    return [get_network_or_fail(ctx, nid)]


def h_list_networks(ctx):
    return ctx.daemon.list_networks(ctx.iface)


def h_add_network(ctx):
    net = ctx.daemon.config_of(ctx.iface).add_network()
    # wpa_supplicant adds new networks disabled so a half-configured one is never used.
    net.set("disabled", "1")
    if ctx.iface is not None:
        ctx.iface.notify(notify.NetworkAdded(net.id))     # as wpa_supplicant 2.10
    return net.id


def h_set_network(ctx, nid, field, value):
    net = get_network_or_fail(ctx, nid)
    try:
        net.set(field, value)
    except ConfigError as e:
        raise CommandError("invalid_value", str(e))
    ctx.daemon.network_changed(ctx.iface, net)


def h_get_network(ctx, nid, field):
    net = get_network_or_fail(ctx, nid)
    try:
        value = net.get_public(field)
    except ConfigError as e:
        raise CommandError("invalid_argument", str(e))
    if value is None:
        raise CommandError("not_set", "%s is not set" % field)
    return value


def h_remove_network(ctx, nid):
    for net in _networks(ctx, nid):
        ctx.daemon.remove_network(ctx.iface, net)


def h_enable_network(ctx, nid):
    for net in _networks(ctx, nid):
        ctx.daemon.enable_network(ctx.iface, net, True)


def h_disable_network(ctx, nid):
    for net in _networks(ctx, nid):
        ctx.daemon.enable_network(ctx.iface, net, False)


def h_select_network(ctx, nid, params=""):
    """SELECT_NETWORK <id>|any|all [freq=<f1,f2,..>]: with freq=, the scan
    that follows covers only those frequencies (wpa_supplicant's
    manual_scan_freqs), so a known channel is joined after one short scan."""
    freqs = []
    for word in params.split():
        if not word.startswith("freq="):
            raise CommandError("invalid_argument", "unknown SELECT_NETWORK parameter")
        items = word[5:].replace(",", " ").split()
        if not items or not all(f.isdecimal() for f in items):
            raise CommandError("invalid_argument", "bad freq= list")
        freqs.extend(int(f) for f in items)
    net = None if nid in ("all", "any") else get_network_or_fail(ctx, nid)
    ctx.iface.select_network(net)
    if freqs:
        # Replaces the selection's own queued scan; a scan already running
        # keeps going and its results are used as they are.
        ctx.iface.manual_scan(freqs=freqs)


def field_text(field, value):
    """A compact network value → the wpa_supplicant.conf text config.Network.set
    validates: str as written, int, bool, bytes as hex, lists space-joined."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                       for v in value):
        return " ".join(str(v) for v in value)
    raise ValueError("%s: unsupported value type %s" % (field, type(value).__name__))


def h_networks_apply(ctx, networks, save=True):
    """Replace the whole network list: validate every entry first (through
    config.Network.set, the one validator), save, then swap it in; any bad entry
    or a failed save leaves everything as it was."""
    from wispd.config import model as wconfig
    from wispd.config import wpaconf
    iface = ctx.iface
    old = iface.config
    built = []
    for index, item in enumerate(networks):
        net = wconfig.Network(index)
        for field, value in item.items():
            try:
                net.set(field, field_text(field, value))
            except (ConfigError, ValueError) as e:
                raise CommandError("invalid_value", "network %d: %s" % (index, e))
        if "ssid" not in net:
            raise CommandError("invalid_value", "network %d: ssid is missing" % index)
        built.append(net)
    cfg = wconfig.Config(old.path)
    cfg.globals = dict(old.globals)
    cfg.blocks = list(old.blocks)
    cfg.networks = built
    if save:
        if not old.update_config:
            raise CommandError("update_config_disabled", "saving needs update_config=1")
        if not old.path:
            raise CommandError("no_config_file", "no configuration file")
        try:
            wpaconf.save(cfg)
        except (OSError, ConfigError) as e:
            raise CommandError("save_failed", str(e))
    iface.replace_config(cfg)
    iface.notify(notify.NetworksApplied(len(built), bool(save)))
    return {"ids": [n.id for n in built], "saved": bool(save)}
