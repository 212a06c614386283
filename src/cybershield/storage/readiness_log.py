"""A cross-border hub's members' readiness summaries: the newest per country and week, and the weeks held."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models.pqc import PqcReadinessShared as R
from .network_state import aware


def keep_summary(sessions: sessionmaker[Session], country: str, period: date, hub: str, generated: datetime,
                 document: dict) -> str:
    """Hold ``document`` as ``country``'s summary of the week ``period``: ``new``, ``replaced`` (it is newer than
    the one held), ``known`` (the same one again) or ``older`` (a newer one is held; nothing changes)."""
    for _ in range(2):  # a second delivery may insert the same key between the look and the write
        try:
            with sessions.begin() as session:
                held = session.scalar(select(R).where(R.country == country, R.period == period))
                now = datetime.now(UTC)
                if held is None:
                    session.add(R(country=country, period=period, hub=hub, generated=generated, received=now,
                                  document=document))
                    return "new"
                if aware(held.generated) >= generated:
                    return "known" if aware(held.generated) == generated else "older"
                held.hub, held.generated, held.received, held.document = hub, generated, now, document
                return "replaced"
        except IntegrityError:
            continue
    raise RuntimeError(f"the readiness summary of {country} for {period} could not be saved")


def readiness_periods(sessions: sessionmaker[Session]) -> list[date]:
    """The weeks some member sent a summary for, newest first."""
    with sessions() as session:
        return list(session.scalars(select(R.period).distinct().order_by(R.period.desc())))


def summaries_of(sessions: sessionmaker[Session], period: date) -> list[dict]:
    """The summaries held for the week ``period``: ``{country, hub, generated, received, document}`` by country."""
    with sessions() as session:
        rows = session.scalars(select(R).where(R.period == period).order_by(R.country))
        return [{"country": r.country, "hub": r.hub, "generated": aware(r.generated), "received": aware(r.received),
                 "document": r.document} for r in rows]
