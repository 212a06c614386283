"""Alerts: what every detector (Sigma rule, indicator, model, correlation) produces.

An alert names what fired (id, title, level), the ATT&CK techniques, the matched event(s) with
their provenance, and a deduplication key; ``to_document`` gives the ECS-shaped JSON written to
``alerts.jsonl`` and stored through ``cybershield.storage``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import pyarrow as pa

from ..events import PROVENANCE_RECORD_ID, PROVENANCE_SOURCE

LEVELS = ("informational", "low", "medium", "high", "critical")
#: Sigma level -> ECS ``event.severity`` (0-100, as Elastic Security uses it).
SEVERITY = {"informational": 21, "low": 21, "medium": 47, "high": 73, "critical": 99}


@dataclass(frozen=True)
class EventRef:
    """Where a matched event came from."""

    source: str
    record_id: int
    timestamp: datetime | None = None


def event_refs(batch: pa.Table, rows: Sequence[int]) -> list[EventRef]:
    """Where each of ``rows`` of ``batch`` came from: its provenance (source, record id; the row number when
    an event has none) and its ``@timestamp`` (a naive one read as UTC). Every detector builds refs here."""
    taken = pa.array(rows, pa.int64())

    def column(name: str) -> list:  # the schema's index lookup: wide batches have hundreds of column names
        index = batch.schema.get_field_index(name)
        return batch.column(index).take(taken).to_pylist() if index >= 0 else [None] * len(rows)
    return [EventRef(source or "", record if record is not None else int(row),
                     stamp.replace(tzinfo=UTC) if isinstance(stamp, datetime) and stamp.tzinfo is None else stamp)
            for row, source, record, stamp in zip(rows, column(PROVENANCE_SOURCE), column(PROVENANCE_RECORD_ID),
                                                  column("@timestamp"), strict=True)]


@dataclass
class Alert:
    kind: str  # "sigma", "indicator", "model", "correlation"
    rule_id: str
    rule_title: str
    level: str
    events: list[EventRef]
    techniques: list[str] = field(default_factory=list)
    context: dict = field(default_factory=dict)  # matched fields, indicator value, explanation, …
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def severity(self) -> int:
        return SEVERITY.get(self.level, 47)

    @cached_property
    def timestamp(self) -> datetime | None:
        stamps = [e.timestamp for e in self.events if e.timestamp is not None]
        return min(stamps) if stamps else None

    @cached_property
    def dedup_key(self) -> str:
        """Same detector over the same events gives the same key, whatever the run (computed once: the
        file, the database and the sharing layer all ask)."""
        parts = [self.kind, self.rule_id] + sorted(f"{e.source}#{e.record_id}" for e in self.events)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    def to_document(self) -> dict:
        first = self.events[0] if self.events else None
        stamp = self.timestamp
        return {
            "@timestamp": stamp.isoformat() if stamp else None,
            "alert": {"id": self.id, "kind": self.kind, "dedup_key": self.dedup_key,
                      "created": self.created.isoformat()},
            "rule": {"id": self.rule_id, "title": self.rule_title, "level": self.level},
            "event": {
                "severity": self.severity,
                "provenance": {"source": first.source, "record_id": first.record_id} if first else None,
                "matched": [{"source": e.source, "record_id": e.record_id} for e in self.events],
            },
            "threat": {"technique": {"id": self.techniques}},
            "context": self.context,
        }
