"""The replay store of the exchange in the database: one row per (sender, nonce) of an accepted envelope."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .models.exchange import EnvelopeNonce


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SqlReplayStore:
    """``exchange.ReplayStore`` over SQLite or PostgreSQL: the primary key refuses a nonce seen twice, across
    processes and restarts; expired rows are deleted at most once a ``prune_every`` seconds."""

    def __init__(self, sessions: sessionmaker[Session], prune_every: float = 60.0) -> None:
        self.sessions = sessions
        self.prune_every = prune_every
        self._pruned = 0.0

    def remember(self, sender: str, nonce: str, expires: datetime) -> bool:
        now = datetime.now(UTC)
        if time.monotonic() - self._pruned > self.prune_every:
            with self.sessions.begin() as session:
                session.execute(delete(EnvelopeNonce).where(EnvelopeNonce.expires < _stamp(now)))
            self._pruned = time.monotonic()
        try:
            with self.sessions.begin() as session:
                session.add(EnvelopeNonce(sender=sender, nonce=nonce, expires=_stamp(expires)))
        except IntegrityError:
            return False
        return True
