"""Storing alerts; an alert whose deduplication key is already stored is not stored twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from .models.alerts import AlertRecord
from .network_state import aware


def store_alerts(sessions: sessionmaker[Session], alerts: Iterable) -> int:
    """Store ``cybershield.detect.Alert`` objects; returns how many were new."""
    return len(store_new_alerts(sessions, alerts))


def store_new_alerts(sessions: sessionmaker[Session], alerts: Iterable) -> list:
    """Store ``cybershield.detect.Alert`` objects; returns those that were new (the others were stored before).
    The new ones go in as one multi-row insert, not one ORM object each."""
    batch = {a.dedup_key: a for a in alerts}
    if not batch:
        return []
    with sessions.begin() as session:
        known = set()
        keys = list(batch)
        for i in range(0, len(keys), 500):
            known.update(session.scalars(select(AlertRecord.dedup_key).where(AlertRecord.dedup_key.in_(keys[i:i + 500]))))
        new = [(key, a) for key, a in batch.items() if key not in known]
        if new:
            session.execute(insert(AlertRecord.__table__), [  # Core executemany: no ORM bookkeeping per row
                {"id": a.id, "dedup_key": key, "kind": a.kind, "rule_id": a.rule_id, "rule_title": a.rule_title,
                 "level": a.level, "severity": a.severity, "techniques": list(a.techniques), "event_time": a.timestamp,
                 "created": a.created, "document": a.to_document()} for key, a in new])
    return [a for _, a in new]


def list_alerts(sessions: sessionmaker[Session], since: datetime | None = None, kind: str | None = None,
                limit: int = 1000) -> list[dict]:
    """Stored alerts as their ``alerts.jsonl`` documents, oldest first: the first ``limit`` created after
    ``since``, or without ``since`` the newest ``limit``."""
    query = select(AlertRecord.document)
    if since is not None:
        query = query.where(AlertRecord.created > since)
    if kind is not None:
        query = query.where(AlertRecord.kind == kind)
    with sessions() as session:
        if since is not None:
            return list(session.scalars(query.order_by(AlertRecord.created, AlertRecord.id).limit(limit)))
        newest = list(session.scalars(query.order_by(AlertRecord.created.desc(), AlertRecord.id.desc()).limit(limit)))
    return newest[::-1]


def get_alert(sessions: sessionmaker[Session], alert_id: str) -> dict | None:
    """The stored alert ``alert_id`` as its ``alerts.jsonl`` document, or None."""
    with sessions() as session:
        return session.scalar(select(AlertRecord.document).where(AlertRecord.id == alert_id))


def alert_times(sessions: sessionmaker[Session], limit: int = 10_000) -> list[tuple[datetime, str]]:
    """``(event time, or created without one; level)`` of the newest ``limit`` alerts (times in UTC)."""
    query = (select(AlertRecord.event_time, AlertRecord.created, AlertRecord.level)
             .order_by(AlertRecord.created.desc(), AlertRecord.id.desc()).limit(limit))
    with sessions() as session:
        rows = session.execute(query).all()
    return [(aware(event_time or created), level) for event_time, created, level in rows]
