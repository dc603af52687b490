"""bench/stats.py: the pure helpers behind `make bench`'s table."""
import json
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))

import stats  # noqa: E402


def test_median_odd_even_and_missing():
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    assert stats.median([None, 5]) == 5
    assert stats.median([]) is None


def test_summarize_list_number_none():
    assert stats.summarize([2.0, 1.0, 4.0]) == {"median": 2.0, "min": 1.0, "max": 4.0, "n": 3}
    assert stats.summarize(7) == {"median": 7, "min": 7, "max": 7, "n": 1}
    assert stats.summarize(None) is None
    assert stats.summarize([None]) is None


def test_ratio_guards():
    assert stats.ratio(3.0, 2.0) == 1.5
    assert stats.ratio(None, 2.0) is None
    assert stats.ratio(1.0, 0) is None


def test_fmt_side_shows_range_only_when_it_varies():
    assert stats.fmt_side(stats.summarize([1.234, 1.5, 2.0])) == "1.50 [1.23-2.00]"
    assert stats.fmt_side(stats.summarize([5, 5])) == "5"
    assert stats.fmt_side(None) == "-"
    assert stats.fmt_num(12345.6) == "12346"
    assert stats.fmt_num(0.00012) == "1.20e-04"


def test_table_ratio_is_wispd_over_wpa_supplicant_medians():
    rows = [{"section": "connect", "name": "cold", "unit": "s",
             "wispd": [2.0, 4.0, 3.0], "wpa_supplicant": [6.0, 6.0, 6.0], "budget": "<= 1.0x"},
            {"section": "scale", "name": "select", "unit": "ms", "wispd": [1.0],
             "wpa_supplicant": None},
            {"section": "connect", "name": "self", "unit": "x", "wispd": None,
             "wpa_supplicant": None, "ratio": 0.125},
            {"section": "memory", "name": "rss/pss", "unit": "kB", "wispd": [9.0],
             "wpa_supplicant": [5.0], "ratio": False}]
    cells = stats.table_rows(rows)
    assert cells[0][5] == "ratio"
    assert cells[1][3] == "3.00 [2.00-4.00]" and cells[1][5] == "0.50x"
    assert cells[2][4] == "-" and cells[2][5] == "-"
    assert cells[3][5] == "0.12x"
    assert cells[4][5] == "-"
    text = stats.render_text(rows)
    assert len(text.splitlines()) == 6          # header, rule, four rows
    md = stats.render_markdown(rows)
    assert md.splitlines()[1].count("---|") == 7


def test_growth_exponent_tells_linear_from_quadratic():
    xs = [10, 100, 500]
    assert math.isclose(stats.growth_exponent(xs, [x * 0.01 for x in xs]), 1.0)
    assert math.isclose(stats.growth_exponent(xs, [x * x for x in xs]), 2.0)
    assert stats.growth_exponent([10], [1]) is None


def test_summary_and_main_print_the_latest_run(tmp_path, capsys):
    old = tmp_path / "20250101-000000-script"
    new = tmp_path / "20250102-000000-script"
    for d, val in ((old, 1.0), (new, 2.0)):
        d.mkdir()
        (d / "bench.json").write_text(json.dumps({
            "env": {"date": "today", "kernel": "6.1"}, "complete": True,
            "rows": [{"section": "s", "name": "n", "unit": "s", "wispd": [val],
                      "wpa_supplicant": [1.0]}]}))
    os.utime(old / "bench.json", (1, 1))
    assert stats.find_latest(str(tmp_path)) == str(new / "bench.json")
    assert stats.main([str(new / "bench.json")]) == 0
    out = capsys.readouterr().out
    assert "- kernel: 6.1" in out and "2.00x" in out
    assert stats.find_latest(str(tmp_path / "missing")) is None
    assert stats.find_latest(str(tmp_path), since=1e12) is None


@pytest.mark.parametrize("complete,rc", [(True, 0), (False, 1)])
def test_main_exit_code_says_whether_every_section_ran(tmp_path, complete, rc):
    p = tmp_path / "bench.json"
    p.write_text(json.dumps({"env": {}, "rows": [], "complete": complete}))
    assert stats.main([str(p)]) == rc
