"""Command handlers for scanning and the BSS table: SCAN, ABORT_SCAN,
SCAN_INTERVAL, SCAN_RESULTS, BSS, BSS_FLUSH, BSS_EXPIRE_AGE, BSS_EXPIRE_COUNT."""

from wispd.control import scanargs
from wispd.control.errors import CommandError


def h_scan(ctx, params=""):
    """SCAN [TYPE=ONLY] [freq=..] [passive=1] [only_new=1] [use_id=1] [ssid <hex>..]:
    OK, or the scan's id with use_id; FAIL-BUSY while a scan of ours is queued
    or running.  bssid= and scan_id= are read (a malformed one is refused, as
    by wpa_supplicant) and not used: every scan probes the wildcard SSID and
    reports all BSSes."""
    iface = ctx.iface
    capa = iface.capa
    try:
        args = scanargs.parse(params, capa.freqs if capa is not None else ())
    except ValueError as e:
        raise CommandError("invalid_argument", str(e))
    result = iface.manual_scan(freqs=args.freqs, only=args.only, passive=args.passive,
                               ssids=args.ssids or None, flush=args.only_new,
                               use_id=bool(args.use_id))
    if result is False:
        raise CommandError("busy", "a scan is already pending", "FAIL-BUSY")
    return None if result is True else result


def h_abort_scan(ctx):
    """ABORT_SCAN: FAIL when no scan of ours is under way, as wpa_supplicant."""
    if not ctx.iface.scanner.abort():
        raise CommandError("no_scan", "no scan in progress")


def h_scan_interval(ctx, seconds):
    """SCAN_INTERVAL: checked as wpa_supplicant checks it, and not used: wispd
    paces its scans for a network not found itself (core/scanning.py)."""
    if seconds < 0:
        raise CommandError("invalid_argument", "interval must not be negative")


def h_bss_expire_age(ctx, seconds):
    table = ctx.iface.bss
    try:
        table.set_expiration(age=seconds, count=table.expire_count)
    except ValueError as e:
        raise CommandError("invalid_argument", str(e))


def h_bss_expire_count(ctx, count):
    table = ctx.iface.bss
    try:
        table.set_expiration(age=int(table.expire_age), count=count)
    except ValueError as e:
        raise CommandError("invalid_argument", str(e))


def h_scan_results(ctx):
    return list(ctx.iface.bss)


def _bss_id(bss):
    return bss.id


def _bss_range(table, spec):
    """RANGE=ALL or RANGE=N-M (either end may be left out): the entries with
    N <= id <= M, in id order, as wpa_supplicant's BSS RANGE= lists them."""
    if spec.startswith("ALL"):
        low, high = 0, None
    else:
        first, sep, last = spec.partition("-")
        if not sep:
            return []       # wpa_supplicant: "Wrong BSS range format", an empty reply
        try:
            low = int(first) if first else 0
            high = int(last) if last[:1].isdecimal() else None
        except ValueError:
            raise CommandError("invalid_argument", "bad BSS range")
    return sorted((b for b in table.by_bssid.values()
                   if b.id >= low and (high is None or b.id <= high)), key=_bss_id)


def h_bss(ctx, which):
    table = ctx.iface.bss
    bss = None
    if which.startswith("RANGE="):
        return _bss_range(table, which[6:])
    if which.startswith("ID-"):
        which = which[3:]
    # Only the ordered selectors walk the table (a BSSID or id lookup must not
    # sort every entry: clients ask once per BSS, issue 9).
    if which == "FIRST":
        bss = min(table.by_bssid.values(), key=_bss_id, default=None)
    elif which == "LAST":
        bss = max(table.by_bssid.values(), key=_bss_id, default=None)
    elif which.startswith("NEXT-"):
        try:
            after = int(which[5:])
        except ValueError:
            raise CommandError("invalid_argument", "bad BSS id")
        bss = min((b for b in table.by_bssid.values() if b.id > after), key=_bss_id,
                  default=None)
    elif ":" in which:
        try:
            bssid = bytes.fromhex(which.replace(":", ""))
        except ValueError:
            raise CommandError("invalid_argument", "bad BSSID")
        bss = table.get(bssid)
    elif which.isdecimal():
        # isdecimal, not isdigit, here and wherever a check guards int(): "²" is
        # a digit int() cannot read (`BSS ²` crashed the handler; found by fuzzing).
        bss = table.get_id(int(which))
    else:
        raise CommandError("invalid_argument", "bad BSS selector")
    return bss


def h_bss_flush(ctx, age="0"):
    try:
        max_age = int(age)
    except ValueError:
        raise CommandError("invalid_argument", "age must be an integer")
    iface = ctx.iface
    iface.bss.flush(max_age, iface.eloop.now(), keep=iface.current_bssid())
