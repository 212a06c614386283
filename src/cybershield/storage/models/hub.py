"""The hub's own tables: the early warnings it received and acted on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class WarningRecord(Base):
    """An early warning (a STIX report from a cross-border hub), once per report id, with what applying it did."""

    __tablename__ = "hub_warning"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # the report's STIX id
    sender: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(Text)
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    indicators: Mapped[int] = mapped_column(Integer)
    retro_hunt_alerts: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
