"""Early warnings a hub received: stored once per report id, listed oldest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models.hub import WarningRecord


def store_warning(sessions: sessionmaker[Session], record: WarningRecord) -> bool:
    """Store a warning; False when one with its id is already stored (nothing changes then)."""
    try:
        with sessions.begin() as session:
            if session.get(WarningRecord, record.id) is not None:
                return False
            session.add(record)
    except IntegrityError:  # stored by a concurrent request between the look and the insert
        return False
    return True


def count_retro_hunt(sessions: sessionmaker[Session], warning_id: str, alerts: int) -> None:
    """Record how many alerts the retro-hunt for the stored warning ``warning_id`` raised."""
    with sessions.begin() as session:
        session.execute(update(WarningRecord).where(WarningRecord.id == warning_id).values(retro_hunt_alerts=alerts))


def forget_warning(sessions: sessionmaker[Session], warning_id: str) -> None:
    """Remove the stored warning ``warning_id`` (its application did not finish)."""
    with sessions.begin() as session:
        session.execute(delete(WarningRecord).where(WarningRecord.id == warning_id))


def warning_known(sessions: sessionmaker[Session], warning_id: str) -> bool:
    with sessions() as session:
        return session.get(WarningRecord, warning_id) is not None


def list_warnings(sessions: sessionmaker[Session], since: datetime | None = None, limit: int = 1000) -> list[dict]:
    """Warnings received after ``since`` (all without), oldest first, with what applying them did."""
    query = select(WarningRecord).order_by(WarningRecord.received, WarningRecord.id).limit(limit)
    if since is not None:
        query = query.where(WarningRecord.received > since)
    with sessions() as session:
        return [{"id": w.id, "name": w.name, "sender": w.sender, "received": w.received.isoformat(),
                 "indicators": w.indicators, "retro_hunt_alerts": w.retro_hunt_alerts, "report": w.document}
                for w in session.scalars(query)]


def count_warnings(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(WarningRecord)) or 0
