"""The threat-intelligence store: one row per STIX object version, TAXII status resources, pull bookmarks."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class StixObjectRecord(Base):
    """One version of one STIX 2.1 object in one collection, its JSON kept exactly as received.

    ``version`` is the object's ``modified`` (else ``created``, else the time it was added), ``date_added``
    the server's time of arrival, both as fixed-width UTC strings so that text order is time order.
    ``latest``/``first`` flag the newest/oldest version of the id in its collection. The indexes make
    get-by-id, ``added_after`` seeks, type/id filters and keyset paging (``date_added``, ``seq``) O(log n).
    """

    __tablename__ = "intel_object"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    collection: Mapped[str] = mapped_column(String(64))
    stix_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(27))
    spec_version: Mapped[str] = mapped_column(String(8))
    date_added: Mapped[str] = mapped_column(String(27))
    latest: Mapped[bool] = mapped_column(Boolean)
    first: Mapped[bool] = mapped_column(Boolean)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    tlp: Mapped[str | None] = mapped_column(String(16))
    origin: Mapped[str | None] = mapped_column(String(128))
    valid_until: Mapped[str | None] = mapped_column(String(27))
    source_ref: Mapped[str | None] = mapped_column(String(128))
    target_ref: Mapped[str | None] = mapped_column(String(128))
    refs: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("collection", "stix_id", "version", name="ux_intel_object_version"),
        Index("ix_intel_object_page", "collection", "latest", "date_added", "seq"),
        Index("ix_intel_object_type_page", "collection", "type", "latest", "date_added", "seq"),
        Index("ix_intel_object_added", "collection", "date_added", "seq"),
        Index("ix_intel_object_id", "stix_id", "latest"),
        Index("ix_intel_object_kind", "type", "latest"),
        Index("ix_intel_object_source", "source_ref"),
        Index("ix_intel_object_target", "target_ref"),
    )


class IntelClock(Base):
    """One row: the last ``date_added`` handed out. Every write of objects updates it first, so that the
    row lock (PostgreSQL) or the write lock (SQLite) serialises the writers and ``date_added`` follows
    commit order: a reader never sees a later commit carry an earlier ``date_added``."""

    __tablename__ = "intel_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_added: Mapped[str] = mapped_column(String(27))


class TaxiiStatusRecord(Base):
    """A TAXII 2.1 status resource: the outcome of one POST of objects, per object."""

    __tablename__ = "taxii_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    collection: Mapped[str] = mapped_column(String(64))
    peer: Mapped[str] = mapped_column(String(128))
    request_timestamp: Mapped[str] = mapped_column(String(27))
    document: Mapped[str] = mapped_column(Text)


class TaxiiBookmark(Base):
    """How far this hub has pulled a peer's collection: the last ``date_added`` it saw there."""

    __tablename__ = "taxii_bookmark"

    peer: Mapped[str] = mapped_column(String(128), primary_key=True)
    collection: Mapped[str] = mapped_column(String(128), primary_key=True)
    added_after: Mapped[str] = mapped_column(String(40))
    updated: Mapped[str] = mapped_column(String(27))
