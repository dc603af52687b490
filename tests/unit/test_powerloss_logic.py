"""tests/powerloss/run.py: the host-side bookkeeping that decides which file
versions a power cut may leave and when to cut (no VM here)."""
import os
import random
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "powerloss"))

import run as powerloss  # noqa: E402

START = 11


def conf(n, extra):
    """A version as a writer would leave it: shape by step parity, the marker inside."""
    text = 'update_config=1\n\nnetwork={\n\tssid="plnet"\n\tid_str="%s"\n}\n' % powerloss.marker(n)
    if extra:
        text += '\nnetwork={\n\tssid="plextra"\n\tpriority=5\n}\n'
    return text.encode()


def records(*lines):
    return powerloss.parse_records(("".join(line + "\n" for line in lines)).encode())


def written(upto, last_tag=None):
    """Progress of a round that wrote versions START..upto (k = n - START):
    T samples for k = 1..3, then W; optionally a final B/S for upto + 1."""
    out, t = [], 1.0
    for n in range(START, upto + 1):
        k = n - START
        out += ["%.3f B %d " % (t, n), "%.3f S %d " % (t + 0.01, n), "%.3f A %d " % (t + 0.03, n)]
        if 1 <= k <= 3:
            out.append("%.3f T %d %s" % (t + 0.031, n, conf(n, k % 2).hex()))
        if k == 3:
            out.append("%.3f W %d " % (t + 0.032, n))
        t += 0.05
    if last_tag:
        out.append("%.3f %s %d " % (t, last_tag, upto + 1))
    return records(*out)


def test_parse_ignores_a_half_written_last_line():
    recs = powerloss.parse_records(b"1.5 B 3 \n1.6 S 3 abc\n1.7 A")
    assert [(r.t, r.tag, r.n, r.extra) for r in recs] == [(1.5, "B", 3, ""), (1.6, "S", 3, "abc")]


def test_substitute_text_and_hex_markers():
    assert powerloss.substitute(conf(12, True), 12, 40) == conf(40, True)
    hexed = b"id_str=" + powerloss.marker(7).encode().hex().encode() + b"\n"
    assert powerloss.substitute(hexed, 7, 8) == b"id_str=" + powerloss.marker(8).encode().hex().encode() + b"\n"
    with pytest.raises(ValueError):
        powerloss.substitute(conf(12, True) * 2, 12, 13)     # twice: ambiguous
    with pytest.raises(ValueError):
        powerloss.substitute(conf(12, True), 13, 14)


def test_versions_predict_both_shapes_and_check_the_third_sample():
    v = powerloss.Versions(START, written(START + 5))
    for n in range(START + 1, START + 9):
        assert v(n) == conf(n, (n - START) % 2)
    with pytest.raises(ValueError):
        v(START)                    # step 0 normalises: no prediction
    bad = written(START + 5)
    third = [r for r in bad if r.tag == "T"][2]
    third.extra = conf(third.n, False).hex()    # k = 3 is odd: it has the second network
    with pytest.raises(ValueError, match="not what versions"):
        powerloss.Versions(START, bad)


@pytest.mark.parametrize("last_tag, phase, allowed", [
    ("S", "write", [("old", 20), ("new", 21)]),
    ("B", "prepare", [("settled", 20)]),
    (None, "idle", [("settled", 20)]),
])
def test_outcome_by_last_step(last_tag, phase, allowed):
    got_phase, n, got = powerloss.outcome(START, written(20, last_tag))
    assert got_phase == phase
    assert [(label, version) for label, version, _ in got] == allowed
    for label, version, data in got:
        assert data == conf(version, (version - START) % 2)


def test_outcome_needs_the_guest_to_have_started_writing():
    with pytest.raises(ValueError, match="before the guest was writing"):
        powerloss.outcome(START, written(START + 2))


def test_kill_plan_is_seeded_and_stratified_per_group():
    plan = powerloss.PLAN
    a = powerloss.kill_plan(plan, random.Random(5))
    assert a == powerloss.kill_plan(plan, random.Random(5))
    assert a != powerloss.kill_plan(plan, random.Random(6))
    for group in ("save", "provisioning"):
        rounds = [(f, w) for (s, f, w), kind in zip(a, plan) if powerloss.GROUPS[kind] == group]
        fr = sorted(f for f, _ in rounds)
        assert [int(f * len(fr)) for f in fr] == list(range(len(fr)))
        # exactly one round per group must land in a write: the earliest aim
        assert [w for f, w in rounds if w] == [True]
        assert min(rounds)[1] is True
    assert all(powerloss.SETTLE[0] <= s <= powerloss.SETTLE[1] for s, _, _ in a)


def test_kill_plan_is_the_same_in_another_process():
    """A seed must reproduce a failure in the next run, whatever PYTHONHASHSEED."""
    import subprocess
    code = ("import random, sys; sys.path.insert(0, %r); import run; "
            "print(run.kill_plan(run.PLAN, random.Random(7)))"
            % os.path.dirname(powerloss.__file__))
    outs = {subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, PYTHONHASHSEED=str(h)), check=True).stdout
            for h in (1, 2, 3)}
    assert len(outs) == 1


def test_power_cut_fires_only_on_a_write_in_flight(tmp_path):
    path = str(tmp_path / "progress")
    cut = powerloss.PowerCut(path, settle=0.0, fraction=0.0)
    assert cut() == 0.05                                    # no file yet
    with open(path, "w") as f:
        f.write("0.0 S 1 \n0.1 A 1 \n0.2 S 2 \n0.3 A 2 \n0.3 W 2 \n0.35 B 3 \n0.4 S 3 \n"
                "0.5 A 3 \n")
    assert cut() is not True            # armed, but the newest line is an answer
    with open(path, "a") as f:
        f.write("0.55 B 4 \n0.6 S")                          # half a record
    assert cut() is not True
    with open(path, "a") as f:
        f.write(" 4 \n")
    assert cut() is True
    assert cut.cycle == pytest.approx(0.2) and cut.cut_at >= cut.s_seen


def test_power_cut_aimed_in_a_write_waits_for_a_write_still_in_flight(tmp_path):
    """The host sees S late; if the write is over at the aimed moment, a round
    that must land in a write takes the next S instead of cutting after it."""
    path = str(tmp_path / "progress")
    cut = powerloss.PowerCut(path, settle=0.0, fraction=0.5, in_write=True)
    with open(path, "w") as f:
        f.write("0.0 S 1 \n0.1 A 1 \n0.2 S 2 \n0.3 A 2 \n0.3 W 2 \n0.4 S 3 \n")
    assert cut() is not True            # aimed half a cycle after S 3
    cut.target = 0.0                    # the aimed moment has come...
    with open(path, "a") as f:
        f.write("0.5 A 3 \n0.55 B 4 \n")  # ...and the write had ended
    assert cut() is not True
    assert cut.missed == 1 and cut.target is None and cut.fraction == 0.0
    with open(path, "a") as f:
        f.write("0.6 S 4 \n")
    assert cut() is True                # no delay now, and S 4 is the newest line
    assert cut.records[-1].tag == "S"
