"""A scenario played out as telemetry: every record of every country, in time order, cut into the
batches a collector would post to its national hub's ingest endpoint.

The same scenario, seed and start give the same records, byte for byte: every random choice comes
from one generator seeded per (seed, country, part), so adding a stage in one country does not
change another country's telemetry.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .infrastructure import Infrastructure
from .recipes import StageContext, background_records, stage_records
from .records import Record
from .scenario import Scenario, Stage

#: A collector posts what it gathered over this much scenario time in one request.
BATCH_SPAN = timedelta(minutes=30)


@dataclass
class Batch:
    """What one collector posts at once: one country, one format, one stage or the background, in time order."""

    at: datetime
    country: str
    format: str
    records: list[Record]

    def body(self) -> bytes:
        """The request body: JSON lines, or CSV with its header for flows."""
        header = self.records[0].header()
        lines = [r.line() for r in self.records]
        return b"\n".join([header, *lines] if header else lines) + b"\n"

    @property
    def labels(self) -> Counter:
        return Counter(r.label for r in self.records)


@dataclass
class Feed:
    """A scenario's telemetry: the stages with their start times and records, the background, the batches."""

    scenario: Scenario
    seed: int
    start: datetime
    infrastructure: Infrastructure
    stages: dict[int, list[Record]] = field(default_factory=dict)
    background: dict[str, list[Record]] = field(default_factory=dict)

    def stage_start(self, stage: Stage) -> datetime:
        return self.start + stage.at

    def records(self) -> list[Record]:
        """Every record, in time order (stable for equal times)."""
        every = [r for rs in self.stages.values() for r in rs] + [r for rs in self.background.values() for r in rs]
        return sorted(every, key=lambda r: r.at)

    def batches(self, span: timedelta = BATCH_SPAN) -> list[Batch]:
        """The records cut into per-country, per-format batches of ``span``, in time order."""
        country_of = {s.index: s.country for s in self.scenario.stages}
        keyed: dict[tuple, Batch] = {}
        tagged = [(country_of[i], r) for i, rs in self.stages.items() for r in rs]
        tagged += [(c, r) for c, rs in self.background.items() for r in rs]
        for country, record in sorted(tagged, key=lambda cr: cr[1].at):
            slot = int((record.at - self.start) / span)
            # flows of another shape (CSV columns) never share a batch: keyed by the header too; a stage's
            # telemetry goes apart from the background, so that an alert tells which it came from
            key = (slot, country, record.format, record.header(), record.label)
            if key not in keyed:
                keyed[key] = Batch(self.start + slot * span, country, record.format, [])
            keyed[key].records.append(record)
        return sorted(keyed.values(), key=lambda b: (b.at, b.country, b.format))


def build_feed(scenario: Scenario, seed: int, start: datetime, data_dir: Path | None) -> Feed:
    """Play ``scenario`` from ``start`` with ``seed``; real attack data from ``data_dir`` when it has it."""
    infra = Infrastructure.draw(random.Random(f"{seed}/infrastructure"), **{
        k: v for k, v in scenario.infrastructure.items() if k in ("c2_addresses", "domains", "payloads")})
    feed = Feed(scenario, seed, start, infra)
    for stage in scenario.stages:
        country = scenario.countries[stage.country]
        rng = random.Random(f"{seed}/stage/{stage.index}")
        victim = rng.choice(country.constituents)
        feed.stages[stage.index] = stage_records(StageContext(
            rng, victim, infra, stage.recipe, stage.label, feed.stage_start(stage), data_dir))
    for code, country in scenario.countries.items():
        rng = random.Random(f"{seed}/background/{code}")
        feed.background[code] = [r for victim in country.constituents for r in background_records(
            rng, victim, scenario.background_kinds, start, scenario.duration, scenario.background_per_hour, data_dir)]
    return feed
