"""A cross-border hub's shared incidents: every statement the incident desk and the campaigns need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models.shared_incidents import SharedIncidentRecord as I
from .network_state import aware


def save_incident(sessions: sessionmaker[Session], row: dict) -> dict | None:
    """Keep ``row`` if it is new or newer (by ``modified``) than the version held; returns the version it
    replaced (``{}`` when there was none) or None when the one held is as new or newer (nothing changed)."""
    for _ in range(2):  # a concurrent delivery of the same incident may insert it between the look and the write
        try:
            with sessions.begin() as session:
                held = session.get(I, row["id"])
                if held is None:
                    session.add(I(**row))
                    return {}
                if aware(held.modified) >= row["modified"]:
                    return None
                before = _row(held)
                for key, value in row.items():
                    setattr(held, key, value)
                return before
        except IntegrityError:
            continue
    raise RuntimeError(f"the shared incident {row['id']} could not be saved")


def shared_incidents(sessions: sessionmaker[Session], since: datetime | None = None) -> list[dict]:
    """The shared incidents last seen at or after ``since`` (all without), without their STIX document, oldest first."""
    query = select(I).order_by(I.first_seen, I.id)
    if since is not None:
        query = query.where(I.last_seen >= since)
    with sessions() as session:
        return [_row(r) for r in session.scalars(query)]


def _row(record: I) -> dict:
    return {"id": record.id, "hub": record.hub, "country": record.country, "severity": record.severity,
            "sector": record.sector, "first_seen": aware(record.first_seen), "last_seen": aware(record.last_seen),
            "modified": aware(record.modified), **record.facts}
