"""A cross-border hub's state: the sightings its members shared and the early warnings it sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
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
