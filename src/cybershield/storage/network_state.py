"""A cross-border hub's sightings and warnings: every statement the correlator needs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models.network import NetworkSightingRecord as S
from .models.network import NetworkWarningRecord as W
from .models.network import OutboxRecord as O


def add_sightings(sessions: sessionmaker[Session], rows: Iterable[dict]) -> list[dict]:
    """Store sightings not held yet (by id); returns the ones that were new."""
    rows = {r["id"]: r for r in rows}
    if not rows:
        return []
    with sessions.begin() as session:
        held = set(session.scalars(select(S.id).where(S.id.in_(list(rows)))))
        new = [r for key, r in rows.items() if key not in held]
        session.add_all(S(**r) for r in new)
    return new


def countries_of(sessions: sessionmaker[Session], observable: str, since: datetime) -> list[dict]:
    """Per country, the sightings of ``observable`` last seen at or after ``since``."""
    query = (select(S.country, func.min(S.first_seen), func.max(S.last_seen), func.sum(S.count), func.count())
             .where(S.observable == observable, S.last_seen >= since).group_by(S.country).order_by(S.country))
    with sessions() as session:
        return [{"country": c, "first_seen": aware(first), "last_seen": aware(last), "count": int(total), "sightings": n}
                for c, first, last, total, n in session.execute(query)]


def sightings_of(sessions: sessionmaker[Session], observable: str, since: datetime) -> list[S]:
    """The sightings of ``observable`` last seen at or after ``since``, oldest first."""
    with sessions() as session:
        query = select(S).where(S.observable == observable, S.last_seen >= since).order_by(S.first_seen)
        rows = list(session.scalars(query))
        session.expunge_all()
    for row in rows:
        row.first_seen, row.last_seen = aware(row.first_seen), aware(row.last_seen)
    return rows


def warning_of(sessions: sessionmaker[Session], observable: str) -> W | None:
    with sessions() as session:
        row = session.scalar(select(W).where(W.observable == observable))
        if row is not None:
            session.expunge(row)
            row.created = aware(row.created)
        return row


def save_warning(sessions: sessionmaker[Session], row: dict) -> None:
    """Insert a new warning or replace the document of the one about the same observable."""
    save_warnings(sessions, [row])


def save_warnings(sessions: sessionmaker[Session], rows: list[dict]) -> None:
    """``save_warning`` for each of ``rows``, in one transaction (another process may insert one between the
    look and the write: then all are written again, that one as an update)."""
    if not rows:
        return
    for _ in range(2):
        try:
            with sessions.begin() as session:
                for row in rows:
                    held = session.scalar(select(W).where(W.observable == row["observable"]))
                    if held is None:
                        session.add(W(**row))
                    else:
                        for key, value in row.items():
                            if key not in ("id", "created"):
                                setattr(held, key, value)
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"the warnings about {', '.join(r['observable'] for r in rows)} could not be saved")


def warnings_since(sessions: sessionmaker[Session], since: datetime | None = None) -> list[dict]:
    """The warnings' STIX documents, modified at or after ``since``, oldest first."""
    query = select(W.document).order_by(W.modified)
    if since is not None:
        query = query.where(W.modified >= since)
    with sessions() as session:
        return list(session.scalars(query))


def aware(moment: datetime) -> datetime:
    """A time read back from the database as UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def enqueue(sessions: sessionmaker[Session], rows: Iterable[dict]) -> int:
    """Put envelopes in the outbox (``envelope_id``, ``recipient``, ``url``, ``body``, ``objects``)."""
    now = datetime.now(UTC)
    rows = [O(**r, created=now, attempts=0, next_attempt=now) for r in rows]
    with sessions.begin() as session:
        session.add_all(rows)
    return len(rows)


def due(sessions: sessionmaker[Session], now: datetime, limit: int = 32, exclude: Collection[str] = ()) -> list[O]:
    """Undelivered envelopes whose next attempt has come, oldest first, for any recipient but those in ``exclude``."""
    query = select(O).where(O.delivered.is_(None), O.next_attempt <= now)
    if exclude:
        query = query.where(O.recipient.not_in(list(exclude)))
    with sessions() as session:
        rows = list(session.scalars(query.order_by(O.seq).limit(limit)))
        session.expunge_all()
        return rows


def mark(sessions: sessionmaker[Session], seq: int, *, delivered: datetime | None = None,
         next_attempt: datetime | None = None, error: str | None = None) -> None:
    """Record an attempt: delivered, or failed with the time of the next attempt and the error."""
    with sessions.begin() as session:
        row = session.get(O, seq)
        row.attempts += 1
        row.last_error = error
        if delivered is not None:
            row.delivered = delivered
        if next_attempt is not None:
            row.next_attempt = next_attempt


def outbox_depths(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Envelopes not yet delivered, per recipient."""
    query = select(O.recipient, func.count()).where(O.delivered.is_(None)).group_by(O.recipient)
    with sessions() as session:
        return dict(session.execute(query).all())
