"""The scorecard of one play of a scenario: per stage when it started, when its country's hub first
alerted on it, and whether the hub already held the campaign's indicators before it began (prevented);
how long before a stage its country's warning arrived; and the alerts raised on benign background."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class StageOutcome:
    """What became of one stage of the campaign."""

    country: str
    stage: str
    started: datetime
    first_detected: datetime | None
    prevented: bool

    @property
    def detected(self) -> bool:
        return self.first_detected is not None

    def as_dict(self) -> dict:
        return {"country": self.country, "stage": self.stage, "started": _iso(self.started),
                "first_detected": _iso(self.first_detected) if self.first_detected else None,
                "detected": self.detected, "prevented": self.prevented}


@dataclass
class RunScore:
    """One run (sharing on, or the control with sharing off)."""

    stages: list[StageOutcome] = field(default_factory=list)
    warning_lead_times_s: list[float] = field(default_factory=list)
    warned_at: dict[str, datetime] = field(default_factory=dict)  # country -> its first warning (scenario time)
    false_alerts: int = 0
    background_events: int = 0
    alerts: int = 0

    @property
    def prevented(self) -> int:
        return sum(s.prevented for s in self.stages)

    @property
    def detected(self) -> int:
        return sum(s.detected for s in self.stages)

    def as_dict(self) -> dict:
        return {"stages": [s.as_dict() for s in self.stages],
                "warning_lead_times_s": [round(t, 1) for t in self.warning_lead_times_s],
                "warned_at": {country: _iso(moment) for country, moment in sorted(self.warned_at.items())},
                "false_alerts": self.false_alerts, "background_events": self.background_events,
                "alerts": self.alerts, "detected": self.detected, "prevented": self.prevented}


def lead_times(warned_at: dict[str, datetime], stage_starts: list[tuple[str, datetime]]) -> list[float]:
    """Seconds between a country's first warning and each of its stages that began after it."""
    return [(started - warned_at[country]).total_seconds() for country, started in stage_starts
            if country in warned_at and started >= warned_at[country]]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
