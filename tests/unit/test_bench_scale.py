"""Scale without quadratic paths (issue 9): selection meets each BSS only with
the networks of its own SSID; hidden-SSID probing stops at the scan limit; a
BSS lookup by BSSID does not walk the table in order."""
from wispd.config import wpaconf
from wispd.core import security, selection
from wispd.core.bss import BssTable
from wispd.drivers.ops import ScanResult


def open_result(i):
    ssid = ("scale-%02d" % i).encode()
    return ScanResult(bytes([2, 0, 0, 0, 1, i]), 2437, ies=bytes([0, len(ssid)]) + ssid,
                      signal=-40 - i, caps=0x0001)


def networks(n, extra=""):
    text = "".join('network={\n\tssid="%s"\n\tkey_mgmt=NONE\n%s}\n'
                   % (("scale-%02d" % i) if i < 64 else ("absent-%03d" % i), extra)
                   for i in range(n))
    return wpaconf.parse(text).networks


def test_selection_pairs_each_bss_only_with_its_ssid(monkeypatch):
    table = BssTable()
    table.update([open_result(i) for i in range(64)], [], 0.0)
    calls = []
    real = security.plan_for

    def counting(net, bss, *args):
        calls.append((net.id, bss.id))
        return real(net, bss, *args)

    monkeypatch.setattr(security, "plan_for", counting)
    for n in (10, 100, 500):
        del calls[:]
        cand = selection.select(networks(n), table, lambda net: True)
        assert cand is not None and cand.bss.ssid == b"scale-00"     # strongest signal
        assert len(calls) == min(n, 64)                   # never networks x BSSes


def test_hidden_ssids_stop_at_the_limit_and_dedupe():
    nets = networks(500, extra="\tscan_ssid=1\n")
    nets += networks(3, extra="\tscan_ssid=1\n")          # duplicates of the first three
    assert selection.hidden_ssids(nets, 4) == [b"scale-00", b"scale-01", b"scale-02",
                                               b"scale-03"]
    assert len(selection.hidden_ssids(nets, 1000)) == 500


def test_bss_by_bssid_does_not_sort_the_table(monkeypatch):
    from wispd.control import commands

    table = BssTable()
    table.update([open_result(i) for i in range(64)], [], 0.0)

    def no_ordered_walk(self):
        raise AssertionError("BSS <bssid> walked the table in order")

    monkeypatch.setattr(BssTable, "__iter__", no_ordered_walk)

    class Ctx:
        class iface:
            bss = table
    bss = commands.h_bss(Ctx, "02:00:00:00:01:05")
    assert bss.ssid == b"scale-05"
    assert commands.h_bss(Ctx, "FIRST").id == 0
    assert commands.h_bss(Ctx, "LAST").id == 63
    assert commands.h_bss(Ctx, "NEXT-10").id == 11
    assert commands.h_bss(Ctx, "NEXT-63") is None
