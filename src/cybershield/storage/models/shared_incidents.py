"""A cross-border hub's copy of the incidents its members shared (the newest version of each)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SharedIncidentRecord(Base):
    """One member's incident, anonymised to its country; the STIX incident id is the key, ``modified`` its version."""

    __tablename__ = "shared_incident"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hub: Mapped[str] = mapped_column(String(128))
    country: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: ``observables`` (keys), ``techniques``, ``software``, ``status``, ``entity_type``
    facts: Mapped[dict] = mapped_column(JSON)
    document: Mapped[dict] = mapped_column(JSON)
