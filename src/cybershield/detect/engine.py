"""The detection run: events in micro-batches through every detector, alerts counted and written.

Detectors follow one protocol (``Detector``), so the run never special-cases one of them; small
batches (many small files) are joined first, so that per-batch work is paid once per many files.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import IO

import orjson
import pyarrow as pa

from ..events import concat
from .alerts import Alert
from .detector import Detector

log = logging.getLogger(__name__)


class DetectRun:
    """Feeds the events to every detector in micro-batches of about ``batch_events`` (small files
    are joined, so that per-batch work is paid once per many files); writes and counts the alerts.

    Alerts are kept in ``alerts``, or, with a ``sink`` (a long-running hub), handed to it with the batch
    that raised them (None for what detectors emit when the stream ends) and only counted.
    """

    def __init__(self, detectors: list[Detector], out: IO[bytes] | None, batch_events: int = 50_000,
                 sink: Callable[[list[Alert], pa.Table | None], None] | None = None):
        self.detectors = detectors
        self.out = out
        self.batch_events = batch_events
        self.sink = sink
        self.alerts: list[Alert] = []
        self.alert_count = 0
        self.events = 0
        self.by_rule: Counter = Counter()
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def batch(self, table: pa.Table) -> None:
        self.events += table.num_rows
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.batch_events:
            self.flush()

    def finish(self) -> None:
        self.flush()
        for detector in self.detectors:
            self._emit(detector.finish(), None)
        log.info("detection done: %d events, %d alerts", self.events, len(self.alerts))

    def flush(self) -> None:
        """Detect over the events waiting to be joined into a batch, now."""
        if not self._pending:
            return
        table = self._pending[0] if len(self._pending) == 1 else concat(self._pending)
        self._pending, self._pending_rows = [], 0
        for detector in self.detectors:
            alerts = detector.detect(table)
            log.debug("%s detector: %d alerts in a batch of %d events", detector.kind, len(alerts), table.num_rows)
            self._emit(alerts, table)

    def _emit(self, alerts: list[Alert], batch: pa.Table | None) -> None:
        for alert in alerts:
            self.by_rule[(alert.rule_id, alert.rule_title, alert.level)] += 1
            if self.out is not None:
                self.out.write(orjson.dumps(alert.to_document()) + b"\n")
        self.alert_count += len(alerts)
        if self.sink is None:
            self.alerts += alerts
        elif alerts:
            self.sink(alerts, batch)
