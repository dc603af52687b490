"""wispd.main parses its flags without the getopt module (which imports
gettext and locale on the start path); it must behave as getopt.gnu_getopt
did, errors included.  Checked against the real getopt on fixed and on random
command lines."""
import getopt
import random

import pytest

from wispd.main import LONG, SHORT, UsageError, getopt_gnu, parse_args

CASES = [
    ["-iwlan0", "-c", "/x.conf", "-dd", "-Dnl80211", "--state-dir=/s", "--control", "", "-B",
     "-tK"],
    ["-i", "wlan0", "-c/x", "-N", "-iwlan1", "-c", "/y", "--hook", "h", "--prov=auto", "-v"],
    ["-x"], ["-c"], ["--nope"], ["--state-dir"], ["--help=1"], ["a", "-d", "--", "-q"],
    ["-", "-d"], ["--h"], ["--ver"], ["-:"], ["-iw", "-c", "-d"], ["--state-dir", "--help"],
    [], ["--"], ["-qqq", "-s", "-f/tmp/log", "-P", "/run/p", "-g/g", "-G", "netdev"],
]

POOL = ["-i", "-iwlan0", "wlan1", "-c", "-c/etc/w.conf", "-d", "-dd", "-q", "-B", "-t", "-K",
        "-N", "-D", "-Dnl80211,wext", "-x", "-:", "-", "--", "--state-dir", "--state-dir=/s",
        "--state", "--control=", "--control", "--hook", "--h", "--he", "--help", "--help=x",
        "--provision", "--version", "--v", "--bogus", "plain", "", "-Bdt", "-Bc", "=x"]


def reference(argv):
    try:
        return getopt.gnu_getopt(argv, SHORT, LONG)
    except getopt.GetoptError as e:
        return "error", str(e)


def ours(argv):
    try:
        return getopt_gnu(argv, SHORT, LONG)
    except UsageError as e:
        return "error", str(e)


@pytest.mark.parametrize("argv", CASES)
def test_same_as_getopt_on_fixed_command_lines(argv):
    assert ours(argv) == reference(argv)


def test_same_as_getopt_on_random_command_lines():
    rnd = random.Random(14)
    for _ in range(3000):
        argv = [rnd.choice(POOL) for _ in range(rnd.randrange(0, 7))]
        assert ours(argv) == reference(argv), argv


def test_parse_args_uses_it():
    o = parse_args(["-iwlan0", "-c/x.conf", "-Dnl80211", "--state-dir", "/s", "-B"])
    assert [s.ifname for s in o.interfaces] == ["wlan0"] and o.state_dir == "/s" and o.daemonize
    with pytest.raises(UsageError, match="option -Z not recognized"):
        parse_args(["-Z"])


def test_main_turns_the_gc_back_on_whatever_happens(capsys):
    # main() runs its start-up without cyclic GC passes; an early return (a
    # usage error, -h) must not leave a test process (or an embedding one)
    # without its GC.
    import gc
    from wispd.main import main
    assert gc.isenabled()
    assert main(["-Z"]) == 1
    assert gc.isenabled()
    assert main(["-h"]) == 0
    assert gc.isenabled()
