"""Storing alerts; an alert whose deduplication key is already stored is not stored twice."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .models.alerts import AlertRecord


def store_alerts(sessions: sessionmaker[Session], alerts: Iterable) -> int:
    """Store ``cybershield.detect.Alert`` objects; returns how many were new."""
    new = 0
    with sessions.begin() as session:
        batch = {a.dedup_key: a for a in alerts}
        if not batch:
            return 0
        known = set()
        keys = list(batch)
        for i in range(0, len(keys), 500):
            known.update(session.scalars(select(AlertRecord.dedup_key).where(AlertRecord.dedup_key.in_(keys[i:i + 500]))))
        for key, a in batch.items():
            if key in known:
                continue
            session.add(AlertRecord(id=a.id, dedup_key=key, kind=a.kind, rule_id=a.rule_id, rule_title=a.rule_title,
                                    level=a.level, severity=a.severity, techniques=list(a.techniques),
                                    event_time=a.timestamp, created=a.created, document=a.to_document()))
            new += 1
    return new
