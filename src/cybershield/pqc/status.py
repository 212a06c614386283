"""The readiness statuses, their order (worst first) and the roadmap milestones they answer to.

Sources:
* EU coordinated implementation roadmap for the transition to post-quantum cryptography (NIS Cooperation
  Group, June 2025), following Commission Recommendation (EU) 2024/1101: start, with an inventory, by the
  end of 2026; high-risk use cases migrated by the end of 2030; as much as feasible by the end of 2035.
"""

from __future__ import annotations

PQ = "pq"
HYBRID = "hybrid-pq"
VULNERABLE = "quantum-vulnerable"
BROKEN = "classically-broken"
UNKNOWN = "unknown"

#: Every status, in the order reports list them.
STATUSES = (PQ, HYBRID, VULNERABLE, BROKEN, UNKNOWN)

#: Worse is larger: a known weakness outranks not knowing, which outranks a partial (hybrid) protection.
SEVERITY = {PQ: 0, HYBRID: 1, UNKNOWN: 2, VULNERABLE: 3, BROKEN: 4}

#: The roadmap's milestones (ISO dates, the last day of the year named).
START_BY = "2026-12-31"
HIGH_RISK_BY = "2030-12-31"
ALL_BY = "2035-12-31"
IMMEDIATELY = "immediately"


def worst(statuses) -> str:
    """The worst of some statuses (``pq`` for none)."""
    return max(statuses, key=SEVERITY.__getitem__, default=PQ)


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)
