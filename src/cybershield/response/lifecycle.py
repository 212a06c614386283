"""The incident lifecycle: new → triage → contained → eradicated → recovered → closed.

A triaged incident may be closed at once (a false positive), a closed one reopened to triage; every
other move goes one step forward. An incident counts as *handled* (the NIS2 "handling of the incident"
that starts the final report's month after a progress report) when it first reaches recovered or closed.
"""

from __future__ import annotations

from .errors import ResponseError

STATES = ("new", "triage", "contained", "eradicated", "recovered", "closed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("triage",),
    "triage": ("contained", "closed"),
    "contained": ("eradicated",),
    "eradicated": ("recovered",),
    "recovered": ("closed",),
    "closed": ("triage",),
}
HANDLED = frozenset({"recovered", "closed"})


def check_transition(current: str, target: str) -> None:
    """Raise :class:`ResponseError` unless ``current`` → ``target`` is allowed."""
    if target not in STATES:
        raise ResponseError(f"unknown status {target!r}; one of: {', '.join(STATES)}")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(TRANSITIONS[current])
        raise ResponseError(f"an incident in {current!r} cannot move to {target!r} (allowed: {allowed})", status=409)
