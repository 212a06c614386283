"""The audit trail in the database: appending under the head's lock, reading and verifying it."""

from __future__ import annotations

from datetime import datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..storage.models import AuditEntryRecord, AuditHeadRecord
from .audit import GENESIS, Finding, Link, canonical, chain_hash, make_entry, verify

HEAD_ID = 1


def append(session: Session, at: datetime, actor: str, action: str, incident_id: str | None, data: dict) -> None:
    """Append one entry in the caller's transaction; the head row is locked (PostgreSQL) so appends serialise."""
    head = session.scalars(select(AuditHeadRecord).where(AuditHeadRecord.id == HEAD_ID).with_for_update()).first()
    if head is None:
        head = AuditHeadRecord(id=HEAD_ID, count=0, hash=GENESIS)
        session.add(head)
    text = canonical(make_entry(head.count + 1, at, actor, action, incident_id, data))
    digest = chain_hash(head.hash, text)
    session.add(AuditEntryRecord(incident_id=incident_id, entry=text, prev_hash=head.hash, hash=digest))
    head.count += 1
    head.hash = digest


def entries(session: Session, incident_id: str | None = None) -> list[dict]:
    query = select(AuditEntryRecord).order_by(AuditEntryRecord.seq)
    if incident_id is not None:
        query = query.where(AuditEntryRecord.incident_id == incident_id)
    return [{"seq": r.seq, "hash": r.hash, **_parsed(r.entry)} for r in session.scalars(query)]


def _parsed(text: str) -> dict:
    try:
        entry = orjson.loads(text)
    except orjson.JSONDecodeError:
        entry = None
    return entry if isinstance(entry, dict) else {"unreadable": text[:200]}


def check(session: Session) -> tuple[int, list[Finding]]:
    """How many entries the trail holds and what is wrong with it."""
    links = [Link(r.seq, r.entry, r.prev_hash, r.hash)
             for r in session.scalars(select(AuditEntryRecord).order_by(AuditEntryRecord.seq))]
    head = session.get(AuditHeadRecord, HEAD_ID)
    return len(links), verify(links, head.count if head else None, head.hash if head else None)
