"""A cross-border hub's sharing agreement with its members, and the rules for early warnings and escalation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..intel import LEVELS

SEVERITIES = ("low", "medium", "high", "critical")
#: The share type of anonymised post-quantum readiness summaries (``pqc.readiness``), beside the STIX types.
READINESS = "pqc-readiness"


@dataclass(frozen=True)
class WarningRule:
    """An early warning goes out when one observable is sighted in ``min_countries`` member countries within
    ``window``, or when a member shares an incident of at least ``incident_severity`` with indicators."""

    min_countries: int = 2
    window: timedelta = timedelta(hours=24)
    incident_severity: str = "high"


@dataclass(frozen=True)
class EscalationRule:
    """A case is large-scale (written for EU-CyCLONe and the CSIRTs network) from ``min_countries`` countries
    with a sighting of at least ``min_severity``."""

    min_countries: int = 2
    min_severity: str = "high"


@dataclass(frozen=True)
class Agreement:
    """What members share up (STIX object types, ``pqc-readiness`` summaries, TLP ceiling, sightings and incidents
    anonymised to country level, incidents from ``incident_min_severity``) and the rules."""

    members: tuple[str, ...]
    share_types: tuple[str, ...] = ("sighting", "indicator", "observed-data", "incident", "attack-pattern", "identity",
                                    READINESS)
    incident_min_severity: str = "high"
    tlp_ceiling: str = "AMBER"
    warning_tlp: str = "AMBER"
    warning: WarningRule = field(default_factory=WarningRule)
    escalation: EscalationRule = field(default_factory=EscalationRule)

    @classmethod
    def from_dict(cls, spec: dict) -> Agreement:
        """From a network file's ``agreement`` section (hours for windows); ValueError on a bad value."""
        members = tuple(spec.get("members") or ())
        if len(members) < 3:
            raise ValueError("a cross-border hub needs at least three national members")
        warning = spec.get("warning") or {}
        escalation = spec.get("escalation") or {}
        agreement = cls(
            members=members, share_types=tuple(spec.get("share_types") or cls.share_types),
            incident_min_severity=str(spec.get("incident_min_severity", "high")),
            tlp_ceiling=str(spec.get("tlp_ceiling", "AMBER")).upper(),
            warning_tlp=str(spec.get("warning_tlp", "AMBER")).upper(),
            warning=WarningRule(int(warning.get("min_countries", 2)),
                                timedelta(hours=float(warning.get("window_hours", 24))),
                                str(warning.get("incident_severity", "high"))),
            escalation=EscalationRule(int(escalation.get("min_countries", 2)),
                                      str(escalation.get("min_severity", "high"))))
        for name, level in (("tlp_ceiling", agreement.tlp_ceiling), ("warning_tlp", agreement.warning_tlp)):
            if level not in LEVELS:
                raise ValueError(f"{name} must be one of {', '.join(LEVELS)}, not {level!r}")
        for name, severity in (("incident_min_severity", agreement.incident_min_severity),
                               ("warning.incident_severity", agreement.warning.incident_severity),
                               ("escalation.min_severity", agreement.escalation.min_severity)):
            if severity not in SEVERITIES:
                raise ValueError(f"{name} must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        if agreement.warning.min_countries < 1 or agreement.warning.window <= timedelta(0):
            raise ValueError("warning.min_countries must be >= 1 and warning.window_hours > 0")
        return agreement


def severity_rank(level: str) -> int:
    """``low`` < ``medium`` < ``high`` < ``critical``; anything else ranks lowest."""
    return SEVERITIES.index(level) if level in SEVERITIES else -1
