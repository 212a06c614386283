"""Recording ingest runs and their quarantine in the database."""

from __future__ import annotations

import orjson
from sqlalchemy.orm import Session, sessionmaker

from .models import IngestRun, QuarantineRecord


def record_ingest(sessions: sessionmaker[Session], summary: dict, entries: list) -> int:
    """Store one run's summary (a dict with read/parsed/quarantined) and its quarantine entries; returns the run id."""
    with sessions.begin() as session:
        run = IngestRun(read=summary["read"], parsed=summary["parsed"], quarantined=summary["quarantined"],
                        summary_json=orjson.dumps(summary).decode())
        session.add(run)
        session.flush()
        session.add_all(QuarantineRecord(run_id=run.id, source=_text(e.source), record_id=e.record_id,
                                         reason=e.reason, detail=_text(e.detail), sample=_text(e.sample))
                        for e in entries)
        return run.id


def _text(value: str) -> str:
    """What a quarantined record says, storable anywhere: PostgreSQL text holds no NUL, so it is written ``\\x00``."""
    return value.replace("\x00", "\\x00") if isinstance(value, str) else value
