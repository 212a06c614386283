"""The inventory of a running hub, kept as it ingests: the handshakes of the weeks still open are gathered
from the event stream and, at most every ``every`` seconds, the weekly snapshots of those weeks are stored
(``pqc trend`` reads them). Older handshakes are forgotten, so memory stays bounded whatever the uptime."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pyarrow as pa
from sqlalchemy.orm import Session, sessionmaker

from .handshakes import HandshakeCollector
from .inventory import build_inventory
from .priorities import Constituent
from .trend import record_snapshots, weekly

log = logging.getLogger(__name__)


class PqcRecorder:
    """A handler for a hub's event batches (``bus.subscribe(EVENTS, recorder, name=...)``)."""

    def __init__(self, sessions: sessionmaker[Session], constituents: list[Constituent] | None = None,
                 every: float = 60.0, weeks: int = 2):
        self.sessions, self.constituents, self.every, self.weeks = sessions, constituents or [], every, weeks
        self.collector = HandshakeCollector()
        self.recorded = 0
        #: Called (with nothing, from the recording thread) after snapshots were stored: keep them quick.
        self.on_record: list[Callable[[], None]] = []
        self._pending = 0
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, batches: list) -> None:
        with self._lock:
            for table in batches:
                if isinstance(table, pa.Table):
                    before = self.collector.handshakes_seen
                    self.collector(table)
                    self._pending += self.collector.handshakes_seen - before
            if self._pending and time.monotonic() - self._last >= self.every:
                self._record()

    def flush(self) -> int:
        """Store the snapshots of what was gathered now; returns the rows stored."""
        with self._lock:
            return self._record() if self._pending else 0

    def _record(self) -> int:
        handshakes = self.collector.handshakes()
        self._pending, self._last = 0, time.monotonic()
        timed = handshakes.filter(handshakes["time"].is_not_null())
        if timed.height == 0:
            return 0
        inventory = build_inventory(timed, self.collector.certificates(), self.constituents)
        rows = weekly(inventory)
        stored = record_snapshots(self.sessions, rows)
        self.recorded += stored
        newest = timed["time"].max()
        self.collector.keep_since(newest - timedelta(weeks=self.weeks))
        log.info("post-quantum inventory: %d handshakes, %d endpoints, %d weekly rows stored", timed.height,
                 inventory.summary["endpoints"], stored)
        for hook in self.on_record:
            hook()
        return stored
