"""Storing alerts; an alert whose deduplication key is already stored is not stored twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .models.alerts import AlertRecord


def store_alerts(sessions: sessionmaker[Session], alerts: Iterable) -> int:
    """Store ``cybershield.detect.Alert`` objects; returns how many were new."""
    return len(store_new_alerts(sessions, alerts))


def store_new_alerts(sessions: sessionmaker[Session], alerts: Iterable) -> list:
    """Store ``cybershield.detect.Alert`` objects; returns those that were new (the others were stored before)."""
    new = []
    with sessions.begin() as session:
        batch = {a.dedup_key: a for a in alerts}
        if not batch:
            return []
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
            new.append(a)
    return new


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
