"""Replay protection: the nonces of accepted envelopes, each remembered until its envelope would be stale anyway."""

from __future__ import annotations

import heapq
import threading
from datetime import UTC, datetime
from typing import Protocol


class ReplayStore(Protocol):
    """Remembers (sender, nonce) pairs until they expire. ``storage.SqlReplayStore`` keeps them in the database."""

    def remember(self, sender: str, nonce: str, expires: datetime) -> bool:
        """True the first time (sender, nonce) is seen, False while it is remembered (a replay)."""
        ...


class MemoryReplayStore:
    """A replay store in process memory: a dict for look-ups and a heap of expiry times to forget old nonces."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], datetime] = {}
        self._expiry: list[tuple[datetime, str, str]] = []
        self._lock = threading.Lock()

    def remember(self, sender: str, nonce: str, expires: datetime) -> bool:
        now = datetime.now(UTC)
        with self._lock:
            while self._expiry and self._expiry[0][0] < now:
                _, old_sender, old_nonce = heapq.heappop(self._expiry)
                self._seen.pop((old_sender, old_nonce), None)
            if (sender, nonce) in self._seen:
                return False
            self._seen[sender, nonce] = expires
            heapq.heappush(self._expiry, (expires, sender, nonce))
            return True

    def __len__(self) -> int:
        return len(self._seen)
