"""Incident response: incidents and their alerts, report submissions, the hash-chained audit trail,
EU Cybersecurity Reserve providers and support requests.

Times are stored in UTC. What an analyst edits freely (entities, observables, tasks, notes, the
report fields) lives in the ``document`` JSON of the incident; what is queried or ordered on has a column.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class IncidentRecord(Base):
    __tablename__ = "incident"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(128))
    entity_type: Mapped[str | None] = mapped_column(String(16))
    sector: Mapped[str | None] = mapped_column(String(64))
    aware_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[str | None] = mapped_column(String(32))
    document: Mapped[dict] = mapped_column(JSON)


class IncidentAlertRecord(Base):
    """Which stored alert belongs to which incident (an alert belongs to one incident at a time)."""

    __tablename__ = "incident_alert"

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(32), ForeignKey("incident.id"), index=True)
    added: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubmissionRecord(Base):
    """A NIS2 report as it was submitted, with the time of submission."""

    __tablename__ = "incident_submission"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(32), ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[dict] = mapped_column(JSON)


class AuditEntryRecord(Base):
    """One entry of the append-only audit trail; ``hash`` = SHA-256(``prev_hash`` + ``entry``).

    ``entry`` is the canonical JSON text that was hashed (kept as text so that no database re-encodes it).
    """

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    incident_id: Mapped[str | None] = mapped_column(String(32), index=True)
    entry: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRecord(Base):
    """The newest entry of the trail (its hash and the count), also the lock that serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class ReserveProviderRecord(Base):
    __tablename__ = "reserve_provider"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    available: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[dict] = mapped_column(JSON)


class ReserveRequestRecord(Base):
    __tablename__ = "reserve_request"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(32), ForeignKey("incident.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[float] = mapped_column(Float)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)
