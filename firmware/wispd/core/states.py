"""wpa_state as data: the names, their order, and which moves are legal.

The names are wpa_supplicant's (STATUS shows them, scripts compare them).  The
table says where each state may go; h11's _state.py is the model.  An illegal
move is a bug in the core: it raises where STRICT is on (the unit tests set
WISPD_STRICT_STATES=1) and is logged in production, where the daemon must go on.
"""

import logging
import os

log = logging.getLogger("wispd.station")

DISCONNECTED = "DISCONNECTED"
INTERFACE_DISABLED = "INTERFACE_DISABLED"
INACTIVE = "INACTIVE"
SCANNING = "SCANNING"
AUTHENTICATING = "AUTHENTICATING"
ASSOCIATING = "ASSOCIATING"
ASSOCIATED = "ASSOCIATED"
FOUR_WAY = "4WAY_HANDSHAKE"
GROUP_HANDSHAKE = "GROUP_HANDSHAKE"
COMPLETED = "COMPLETED"

# wpa_supplicant's enum order: "at least ASSOCIATED" is a comparison on it.
ORDER = (DISCONNECTED, INTERFACE_DISABLED, INACTIVE, SCANNING, AUTHENTICATING,
         ASSOCIATING, ASSOCIATED, FOUR_WAY, GROUP_HANDSHAKE, COMPLETED)
RANK = {state: i for i, state in enumerate(ORDER)}

# Not connected, not trying: a new attempt may start from here.
IDLE = frozenset((DISCONNECTED, INACTIVE, SCANNING))
# An association exists or is being made: leaving means a deauthentication.
LINKED = frozenset((AUTHENTICATING, ASSOCIATING, ASSOCIATED, FOUR_WAY, GROUP_HANDSHAKE,
                    COMPLETED))
# The AP knows us (SIGNAL_POLL, the link part of STATUS).
ASSOCIATED_OR_LATER = frozenset((ASSOCIATED, FOUR_WAY, GROUP_HANDSHAKE, COMPLETED))

_ANY_DOWN = (DISCONNECTED, INTERFACE_DISABLED)
_START = (AUTHENTICATING, ASSOCIATING)
TRANSITIONS = {
    DISCONNECTED: frozenset((INACTIVE, SCANNING, INTERFACE_DISABLED) + _START),
    INACTIVE: frozenset((DISCONNECTED, SCANNING, INTERFACE_DISABLED) + _START),
    SCANNING: frozenset((DISCONNECTED, INACTIVE, INTERFACE_DISABLED) + _START),
    # SAE: AUTHENTICATING until the AP's confirm, then ASSOCIATING; a full-MAC
    # CONNECT may report the association straight away.
    AUTHENTICATING: frozenset((ASSOCIATING, ASSOCIATED) + _ANY_DOWN),
    ASSOCIATING: frozenset((ASSOCIATED,) + _ANY_DOWN),
    # Open networks and full-MAC drivers that ran the handshake go to COMPLETED.
    ASSOCIATED: frozenset((FOUR_WAY, COMPLETED) + _ANY_DOWN),
    FOUR_WAY: frozenset((GROUP_HANDSHAKE, COMPLETED) + _ANY_DOWN),
    GROUP_HANDSHAKE: frozenset((FOUR_WAY, COMPLETED) + _ANY_DOWN),
    # Rekeys on a live link pass through the handshake states, as in wpa_supplicant;
    # a roam is a new attempt of the same network, straight from COMPLETED, and a
    # full-MAC driver's own roam reports the new association (issue 17).
    COMPLETED: frozenset((FOUR_WAY, GROUP_HANDSHAKE, ASSOCIATED) + _START + _ANY_DOWN),
    INTERFACE_DISABLED: frozenset((DISCONNECTED,)),
}

STRICT = os.environ.get("WISPD_STRICT_STATES") == "1"
# Illegal moves seen while STRICT: the eloop logs a handler's exception and goes
# on, so the tests also look here after each test.
VIOLATIONS = []


class IllegalTransition(RuntimeError):
    pass


class StateMachine:
    """The current wpa_state; every change goes through move()."""
    __slots__ = ("state", "on_change", "name")

    def __init__(self, on_change, name=""):
        self.state = DISCONNECTED
        self.on_change = on_change      # on_change(old, new), after the move
        self.name = name

    def move(self, new):
        old = self.state
        if new == old:
            return
        if new not in TRANSITIONS[old]:
            if STRICT:
                VIOLATIONS.append((self.name, old, new))
                raise IllegalTransition("%s: %s -> %s" % (self.name, old, new))
            log.error("%s: illegal state change %s -> %s (taken anyway)", self.name, old, new)
        log.debug("%s: State: %s -> %s", self.name, old, new)
        self.state = new
        self.on_change(old, new)

    def at_least(self, state):
        return RANK[self.state] >= RANK[state]
