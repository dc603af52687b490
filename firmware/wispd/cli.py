"""`wisp`: the command line for wispd's compact control socket.

    wisp status | scan | networks | add SSID [--psk P] | remove ID | select ID
    wisp events | apply FILE.toml | save            (--json on every command)

Exit codes (for scripts): 0 done, 1 the daemon refused (error code on stderr),
2 usage, 3 cannot reach the daemon, 4 timed out.
"""

import argparse
import json
import sys
import time

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_TIMEOUT = 0, 1, 2, 3, 4


def mac(raw):
    return ":".join("%02x" % b for b in raw) if isinstance(raw, (bytes, bytearray)) else raw


def ssid_text(raw):
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    text = raw.decode("utf-8", "replace")
    return text if text.isprintable() else "\\x" + raw.hex()


def jsonable(value):
    """bytes → "aa:bb:.." for 6-byte addresses, else text or hex."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        try:
            text = value.decode("utf-8")
            if text.isprintable():
                return text
        except UnicodeDecodeError:
            pass
        return value.hex()
    return value


def bars(signal):
    """Four signal bars from dBm, like a phone's."""
    n = 4 if signal >= -55 else 3 if signal >= -67 else 2 if signal >= -75 else \
        1 if signal >= -85 else 0
    return "▂▄▆█"[:n] + " " * (4 - n)


def dump(obj):
    sys.stdout.write(json.dumps(jsonable(obj), sort_keys=True) + "\n")


# ------------------------------------------------------------------ commands
def cmd_status(c, a):
    st = c.status()
    if a.json:
        return dump(st)
    print("interface  %s" % st["iface"])
    print("state      %s" % st["state"])
    link = st.get("link")
    if link:
        print("ssid       %s" % ssid_text(link["ssid"]))
        print("bssid      %s" % mac(link["bssid"]))
        print("freq       %d MHz" % link["freq"])
        print("signal     %d dBm %s" % (link["signal"], bars(link["signal"])))
        print("security   %s %s/%s%s" % (link["akm"], link["pairwise_cipher"],
                                         link["group_cipher"], " PMF" if link["pmf"] else ""))
        eap = link.get("eap")
        if eap:
            print("eap        %s %s%s" % (eap.get("selectedMethod", "-"), eap.get("EAP state"),
                                          " " + eap["eap_tls_version"]
                                          if eap.get("eap_tls_version") else ""))
    cnt = st["counters"]
    print("connects   %d (disconnects %d, connected %.0f s)"
          % (cnt["connects"], cnt["disconnects"], cnt["connected_time"]))
    if cnt["failures"]:
        print("failures   %s" % ", ".join("%s=%d" % kv for kv in sorted(cnt["failures"].items())))


def cmd_scan(c, a):
    def progress(msg):
        if not a.json and sys.stderr.isatty():
            sys.stderr.write(".")
            sys.stderr.flush()
    if not a.json:
        sys.stderr.write("scanning")
        sys.stderr.flush()
    results = c.scan(wait=True, timeout=a.timeout, progress=progress)
    if not a.json:
        sys.stderr.write(" %d found\n" % len(results))
    results.sort(key=lambda b: -b["signal"])
    if a.json:
        return dump(results)
    print("%-17s %5s %4s %-4s  %-32s %s" % ("BSSID", "FREQ", "DBM", "", "SSID", "FLAGS"))
    for b in results:
        print("%-17s %5d %4d %s  %-32s %s" % (mac(b["bssid"]), b["freq"], b["signal"],
                                            bars(b["signal"]), ssid_text(b["ssid"]), b["flags"]))


def cmd_networks(c, a):
    nets = c.networks()
    if a.json:
        return dump(nets)
    print("%-4s %-32s %-17s %s" % ("ID", "SSID", "BSSID", "FLAGS"))
    for n in nets:
        print("%-4d %-32s %-17s %s" % (n["id"], ssid_text(n["ssid"]),
                                       mac(n["bssid"]) if n["bssid"] else "any",
                                       " ".join(n["flags"])))


def quoted(text):
    return '"%s"' % text


def cmd_add(c, a):
    fields = {"ssid": quoted(a.ssid)}
    if a.psk:
        fields["psk"] = a.psk if len(a.psk) == 64 else quoted(a.psk)
        fields["key_mgmt"] = "WPA-PSK"
    elif a.sae:
        fields["sae_password"] = quoted(a.sae)
        fields["key_mgmt"] = "SAE"
        fields["ieee80211w"] = "2"
    else:
        fields["key_mgmt"] = "NONE"
    if a.hidden:
        fields["scan_ssid"] = "1"
    if a.priority is not None:
        fields["priority"] = str(a.priority)
    nid = c.add_network(fields)
    if a.json:
        return dump({"id": nid})
    print(nid)


def cmd_remove(c, a):
    c.remove_network(a.id)
    if a.json:
        dump({"ok": True})


def cmd_select(c, a):
    c.select_network(a.id)
    if a.json:
        dump({"ok": True})


def cmd_save(c, a):
    c.save()
    if a.json:
        dump({"ok": True})


def cmd_events(c, a):
    c.subscribe(a.only or None, a.level)
    deadline = None if a.duration is None else time.monotonic() + a.duration
    while deadline is None or time.monotonic() < deadline:
        left = None if deadline is None else max(0.01, deadline - time.monotonic())
        msg = c.next_event(left)
        if msg is None:
            continue
        if a.json:
            dump(msg)
        elif msg["type"] == "events_dropped":
            print("-- %d events dropped (up to seq %d): resync" % (msg["count"], msg["last_seq"]))
        else:
            data = " ".join("%s=%s" % (k, mac(v) if k == "bssid" else jsonable(v))
                            for k, v in sorted(msg["data"].items()))
            print("%6d %12.3f %s %s %s" % (msg["seq"], msg["ts"], msg["iface"], msg["event"],
                                           data))
        sys.stdout.flush()


def toml_networks(path):
    """[[network]] tables → networks.apply entries.  ssid, psk, sae_password and
    id_str are plain text in the file (quoted here into conf syntax; a psk of 64
    hex digits is a raw key); lists become space-separated values."""
    try:
        import tomllib
    except ImportError:
        import tomli as tomllib
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    out = []
    for net in doc.get("network", []):
        entry = {}
        for key, value in net.items():
            if key == "ssid" and isinstance(value, str):
                value = value.encode("utf-8")
            elif key in ("sae_password", "id_str") and isinstance(value, str):
                value = quoted(value)
            elif key == "psk" and isinstance(value, str):
                if not (len(value) == 64 and all(ch in "0123456789abcdefABCDEF" for ch in value)):
                    value = quoted(value)
            entry[key] = value
        out.append(entry)
    return out


def cmd_apply(c, a):
    try:
        nets = toml_networks(a.file)
    except (OSError, ValueError) as e:
        sys.stderr.write("wisp: %s: %s\n" % (a.file, e))
        return EXIT_USAGE
    result = c.apply_networks(nets, save=not a.no_save)
    if a.json:
        return dump(result)
    print("applied %d networks%s" % (len(result["ids"]), ", saved" if result["saved"] else ""))


def parser():
    p = argparse.ArgumentParser(prog="wisp", description="Control wispd (compact protocol).")
    p.add_argument("--socket", "-s", default=None, help="control socket (/run/wispd/control)")
    p.add_argument("--interface", "-i", default=None, help="interface (default: the first)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("status", help="state, link and counters")
    sub.add_parser("scan", help="scan and list the networks around")
    sub.add_parser("networks", help="the configured networks")
    add = sub.add_parser("add", help="add a network (enabled)")
    add.add_argument("ssid")
    add.add_argument("--psk", help="WPA2 passphrase (or 64 hex digits)")
    add.add_argument("--sae", help="WPA3-SAE password")
    add.add_argument("--hidden", action="store_true")
    add.add_argument("--priority", type=int)
    for name, text in (("remove", "remove a network"), ("select", "use only this network")):
        s = sub.add_parser(name, help=text)
        s.add_argument("id", type=int)
    ev = sub.add_parser("events", help="print events as they come, one a line")
    ev.add_argument("--only", action="append", help="event name (repeatable)")
    ev.add_argument("--level", type=int, default=None, help="minimum level (0..5)")
    ev.add_argument("--duration", type=float, default=None, help="stop after N seconds")
    ap = sub.add_parser("apply", help="replace all networks from a TOML file and save")
    ap.add_argument("file")
    ap.add_argument("--no-save", action="store_true")
    sub.add_parser("save", help="write the configuration file")
    return p


COMMANDS = {"status": cmd_status, "scan": cmd_scan, "networks": cmd_networks, "add": cmd_add,
            "remove": cmd_remove, "select": cmd_select, "events": cmd_events,
            "apply": cmd_apply, "save": cmd_save}


def main(argv=None):
    p = parser()
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    if a.command is None:
        p.print_usage(sys.stderr)
        return EXIT_USAGE
    from wispd import client
    try:
        c = client.Client(a.socket or client.DEFAULT_PATH, timeout=a.timeout, iface=a.interface)
    except client.WispError as e:
        sys.stderr.write("wisp: %s\n" % e)
        return EXIT_UNREACHABLE
    except OSError as e:
        sys.stderr.write("wisp: cannot reach wispd at %s: %s\n"
                         % (a.socket or client.DEFAULT_PATH, e.strerror or e))
        return EXIT_UNREACHABLE
    try:
        with c:
            return COMMANDS[a.command](c, a) or EXIT_OK
    except client.Timeout as e:
        sys.stderr.write("wisp: %s\n" % e)
        return EXIT_TIMEOUT
    except client.Disconnected as e:
        sys.stderr.write("wisp: %s\n" % e)
        return EXIT_UNREACHABLE
    except client.WispError as e:
        if a.json:
            dump({"error": {"code": e.code, "message": e.message}})
        sys.stderr.write("wisp: %s\n" % e)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
