"""wpa_state as data: the transition table and what an illegal move does."""

import logging

import pytest

from wispd.core import states as S


def test_every_state_has_a_row_and_only_known_targets():
    assert set(S.TRANSITIONS) == set(S.ORDER)
    for targets in S.TRANSITIONS.values():
        assert targets <= set(S.ORDER)


def test_a_legal_path_and_its_notifications():
    seen = []
    m = S.StateMachine(lambda old, new: seen.append((old, new)), "t0")
    for state in (S.SCANNING, S.DISCONNECTED, S.AUTHENTICATING, S.ASSOCIATED, S.FOUR_WAY,
                  S.COMPLETED, S.GROUP_HANDSHAKE, S.COMPLETED, S.DISCONNECTED):
        m.move(state)
    m.move(S.DISCONNECTED)                   # staying put is no move
    assert seen[0] == (S.DISCONNECTED, S.SCANNING) and len(seen) == 9
    assert m.at_least(S.DISCONNECTED) and not m.at_least(S.ASSOCIATED)


def test_illegal_move_raises_when_strict(monkeypatch):
    monkeypatch.setattr(S, "STRICT", True)
    monkeypatch.setattr(S, "VIOLATIONS", [])
    m = S.StateMachine(lambda old, new: None, "t0")
    with pytest.raises(S.IllegalTransition):
        m.move(S.COMPLETED)
    assert S.VIOLATIONS == [("t0", S.DISCONNECTED, S.COMPLETED)]
    assert m.state == S.DISCONNECTED


def test_illegal_move_is_logged_and_taken_in_production(monkeypatch, caplog):
    monkeypatch.setattr(S, "STRICT", False)
    m = S.StateMachine(lambda old, new: None, "t0")
    with caplog.at_level(logging.ERROR, logger="wispd.station"):
        m.move(S.COMPLETED)
    assert m.state == S.COMPLETED
    assert "illegal state change DISCONNECTED -> COMPLETED" in caplog.text
