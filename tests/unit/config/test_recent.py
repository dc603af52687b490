"""The recent-frequency store: written with config's atomic writer, and a temp
file a power cut left in the state dir is gone once the store starts."""

import os

from wispd.config.recent import RecentFrequencies


def test_remember_round_trips_and_leaves_no_temp(tmp_path):
    path = str(tmp_path / "recent-wlan0")
    store = RecentFrequencies(path)
    store.remember(b"home", 2412)
    store.remember(b"cafe", 5180)
    assert os.listdir(str(tmp_path)) == ["recent-wlan0"]
    with open(path) as f:
        assert f.read() == "%s 5180\n%s 2412\n" % (b"cafe".hex(), b"home".hex())
    assert RecentFrequencies(path).entries == [(b"cafe", 5180), (b"home", 2412)]


def test_start_removes_a_stale_temp(tmp_path):
    path = tmp_path / "recent-wlan0"
    path.write_text("%s 2437\n" % b"home".hex())
    stale = tmp_path / ".recent-wlan0.tmp4242-00000000"
    stale.write_text("6361")
    store = RecentFrequencies(str(path))
    assert not stale.exists()
    assert store.entries == [(b"home", 2437)]
