"""Command handlers for the configuration as a whole: its global settings
(GET, SET) and its file (SAVE_CONFIG, RECONFIGURE)."""

from wispd.config.values import ConfigError
from wispd.control.errors import CommandError


def h_get(ctx, key):
    try:
        value = ctx.daemon.config_of(ctx.iface).get_global(key)
    except ConfigError as e:
        raise CommandError("invalid_argument", str(e))
    if value is None:
        raise CommandError("not_set", "%s is not set" % key)
    return value


def h_set(ctx, key, value=None):
    """SET <name> <value>; an empty value clears the setting, as `SET freq_list `
    does in wpa_supplicant."""
    if value is None:
        raise CommandError("invalid_argument", "SET needs a value")
    if value == "":
        cfg = ctx.daemon.config_of(ctx.iface)
        try:
            cfg.get_global(key)         # a known name?
        except ConfigError as e:
            raise CommandError("invalid_argument", str(e))
        cfg.unset_global(key)
        return
    ctx.daemon.set_global(ctx.iface, key, value)


def h_save_config(ctx):
    ctx.daemon.save_config(ctx.iface)


def h_reconfigure(ctx):
    ctx.daemon.reconfigure(ctx.iface)
