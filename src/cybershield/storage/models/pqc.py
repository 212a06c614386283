"""Post-quantum readiness over time: one row per week, sector and status; and the members' summaries a
cross-border hub holds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PqcSnapshot(Base):
    """How many endpoints had a status in a week (its worst that week), and how many connections they had."""

    __tablename__ = "pqc_snapshot"
    __table_args__ = (UniqueConstraint("week", "sector", "status", name="ux_pqc_snapshot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday the ISO week starts on
    sector: Mapped[str] = mapped_column(String(64))  # "" for endpoints of no known constituent
    status: Mapped[str] = mapped_column(String(24))
    endpoints: Mapped[int] = mapped_column(Integer)
    connections: Mapped[int] = mapped_column(Integer)
    recorded: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PqcReadinessShared(Base):
    """A cross-border hub's copy of one member country's anonymised readiness summary for one week (the newest
    it was sent: a later ``generated`` replaces it, the same one again changes nothing)."""

    __tablename__ = "pqc_readiness_shared"
    __table_args__ = (UniqueConstraint("country", "period", name="ux_pqc_readiness_shared"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(8))
    period: Mapped[date] = mapped_column(Date, index=True)  # the Monday the ISO week starts on
    hub: Mapped[str] = mapped_column(String(128))
    generated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[dict] = mapped_column(JSON)
