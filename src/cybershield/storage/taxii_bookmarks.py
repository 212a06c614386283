"""Where each TAXII pull and push with a peer stopped (its ``added_after`` bookmark)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .models import TaxiiBookmark

BOOKMARK = TaxiiBookmark.__table__


def read_bookmark(engine: Engine, peer: str, key: str) -> str | None:
    """The bookmark of ``peer``'s ``key`` (say ``pull <collection URL>``), or None before the first transfer."""
    with engine.connect() as conn:
        return conn.scalar(select(BOOKMARK.c.added_after).where(BOOKMARK.c.peer == peer, BOOKMARK.c.collection == key))


def write_bookmark(engine: Engine, peer: str, key: str, added_after: str, updated: str) -> None:
    """Set (insert or move) the bookmark of ``peer``'s ``key``."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    values = {"peer": peer, "collection": key, "added_after": added_after, "updated": updated}
    statement = dialect.insert(BOOKMARK).values(values).on_conflict_do_update(
        index_elements=["peer", "collection"], set_={"added_after": added_after, "updated": updated})
    with engine.begin() as conn:
        conn.execute(statement)
