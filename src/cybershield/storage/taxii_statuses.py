"""TAXII 2.1 status resources: the outcome of each POST of objects, readable by the account that posted."""

from __future__ import annotations

import orjson
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from .models import TaxiiStatusRecord

STATUS = TaxiiStatusRecord.__table__


def save_status(engine: Engine, status: dict, collection: str, peer: str) -> None:
    """Keep ``status`` (a TAXII status resource with its ``id`` and ``request_timestamp``) for ``peer``."""
    with engine.begin() as conn:
        conn.execute(insert(STATUS).values(id=status["id"], collection=collection, peer=peer,
                                           request_timestamp=status["request_timestamp"],
                                           document=orjson.dumps(status).decode()))


def read_status(engine: Engine, status_id: str, peer: str) -> bytes | None:
    """The JSON of status ``status_id`` when ``peer`` posted it, else None (another's status reads as absent)."""
    with engine.connect() as conn:
        document = conn.scalar(select(STATUS.c.document).where(STATUS.c.id == status_id, STATUS.c.peer == peer))
    return document.encode() if document is not None else None
