"""802.1X/EAP control operations: CTRL-RSP-<field>-<id>:<value>, the answer
to a CTRL-REQ-<field> event (wpa_cli's `password <id> <value>`)."""

from wispd.config.values import ConfigError
from wispd.control.errors import CommandError
from wispd.control.ops_network import get_network_or_fail


def h_ctrl_rsp(ctx, response):
    field, sep, value = response.partition(":")
    kind, _, nid = field.rpartition("-")
    if not sep or kind.upper() != "PASSWORD" or not nid.isdigit():
        raise CommandError("invalid_argument", "expected PASSWORD-<id>:<password>")
    net = get_network_or_fail(ctx, int(nid))
    from wispd.core.eapauth import password_response
    try:
        password_response(ctx.iface, net, value)
    except ConfigError as e:
        raise CommandError("invalid_value", str(e))
