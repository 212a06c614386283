"""A cross-border hub's state: the sightings its members shared and the early warnings it sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class NetworkSightingRecord(Base):
    """One member's sighting of one observable (applied once: the STIX sighting id is the key)."""

    __tablename__ = "network_sighting"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    observable: Mapped[str] = mapped_column(String(2200), index=True)
    country: Mapped[str] = mapped_column(String(8))
    hub: Mapped[str] = mapped_column(String(128))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    count: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    techniques: Mapped[list] = mapped_column(JSON)
    indicator_id: Mapped[str | None] = mapped_column(String(128))
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NetworkWarningRecord(Base):
    """An early warning about one observable: the newest version of its STIX report."""

    __tablename__ = "network_warning"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    observable: Mapped[str] = mapped_column(String(2200), unique=True)
    countries: Mapped[list] = mapped_column(JSON)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    document: Mapped[dict] = mapped_column(JSON)


class OutboxRecord(Base):
    """An envelope on its way to a peer hub: kept until the peer has it, retried with backoff."""

    __tablename__ = "network_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    envelope_id: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(128), index=True)
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    objects: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    delivered: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
